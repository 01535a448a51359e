"""Norwegian-style numbers and percentages for the dashboard templates (they follow the active language)."""

from django import template

from dashboard.charts import format_percent
from migportal.formats import number_text

register = template.Library()


@register.filter
def grouped(value: int) -> str:
    """1349 → "1 349" (bokmål, non-breaking space)."""
    return number_text(value)


@register.simple_tag
def percent(part: int, whole: int) -> str:
    return format_percent(part, whole)
