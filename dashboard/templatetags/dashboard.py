"""Norwegian-style numbers, percentages and dates for the dashboard templates (they follow the active language)."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dashboard.charts import format_int, format_percent

register = template.Library()


@register.filter
def grouped(value: int) -> str:
    """1349 → "1 349" (bokmål, non-breaking space)."""
    return format_int(value)


@register.simple_tag
def percent(part: int, whole: int) -> str:
    return format_percent(part, whole)


def _local(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value)


@register.filter
def moment(value: datetime | str) -> str:
    """ "24.11.2026 kl. 18:00" (Europe/Oslo)."""
    local = _local(value)
    return _("%(date)s at %(time)s") % {"date": date_format(local, "d.m.Y"), "time": date_format(local, "H:i")}


@register.simple_tag
def window(start: datetime | str, end: datetime | str) -> str:
    """A migration window: "30.11.2026 kl. 18:00–23:00", or both full moments if it spans days."""
    start, end = _local(start), _local(end)
    if start.date() == end.date():
        return f"{moment(start)}–{date_format(end, 'H:i')}"
    return f"{moment(start)} – {moment(end)}"
