from django import template

from portal import selectors

register = template.Library()


@register.simple_tag
def open_test_problems(system):
    """{% open_test_problems object as test_problems %}: what testers reported and no later OK resolved, for the
    staff system page (the inventory's pages know nothing of the portal's models)."""
    return selectors.open_test_problems(system)
