from django import template

from portal import formats

register = template.Library()


@register.filter
def oslo(value):
    """{{ notice.published_at|oslo }} → 24.11.2026 kl. 18:00"""
    return formats.oslo_datetime(value)


@register.simple_tag
def oslo_window(start, end):
    """{% oslo_window notice.window_start notice.window_end %} → 24.11.2026 kl. 18:00 – 23:00"""
    return formats.oslo_window(start, end)
