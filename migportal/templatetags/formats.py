"""Template side of `migportal.formats`, and form widgets written in Python (a built-in library: no ``{% load %}``
needed)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from migportal import formats

register = template.Library()


@register.filter
def local_datetime(value) -> str:
    """{{ notice.published_at|local_datetime }} → 24.11.2026 kl. 18:00 / 24 Nov 2026 at 18:00"""
    return formats.datetime_text(value)


@register.filter
def local_date(value) -> str:
    """{{ wave.window_start|local_date }} → 24.11.2026 / 24 Nov 2026"""
    return formats.date_text(value)


@register.simple_tag
def local_window(start, end) -> str:
    """{% local_window wave.window_start wave.window_end %} → 24.11.2026 kl. 18:00–23:00"""
    return formats.window_text(start, end)


@register.filter
def systems_count(count) -> str:
    """{{ 3|systems_count }} → 3 systemer"""
    return formats.systems_count(count or 0)


@register.filter
def vms_count(count) -> str:
    """{{ 1|vms_count }} → 1 VM"""
    return formats.vms_count(count or 0)


@register.filter
def option_input(choice) -> SafeString:
    """`{{ choice|option_input }}`: one option of a checkbox or radio list as `{{ choice.tag }}` writes it (Django's
    input template), without rendering a template per option (a list's filter form has dozens)."""
    widget = choice.data
    parts = [format_html('<input type="{}" name="{}"', widget["type"], widget["name"])]
    if widget["value"] is not None:
        parts.append(format_html(' value="{}"', widget["value"]))
    for name, value in widget["attrs"].items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False:
            parts.append(format_html(' {}="{}"', name, value))
    parts.append(">")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
