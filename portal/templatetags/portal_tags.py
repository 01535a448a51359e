from django import template

from portal import formats, selectors

register = template.Library()


@register.filter
def oslo(value):
    """{{ notice.published_at|oslo }} → 24.11.2026 kl. 18:00"""
    return formats.oslo_datetime(value)


@register.simple_tag
def oslo_window(start, end):
    """{% oslo_window notice.window_start notice.window_end %} → 24.11.2026 kl. 18:00 – 23:00"""
    return formats.oslo_window(start, end)


@register.simple_tag
def open_test_problems(system):
    """{% open_test_problems object as test_problems %}: what testers reported and no later OK resolved, for the
    staff system page (the inventory's pages know nothing of the portal's models)."""
    return selectors.open_test_problems(system)
