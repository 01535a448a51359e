"""Dates the Norwegian way: 24.11.2026 kl. 18:00, always in Oslo time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

OSLO = ZoneInfo("Europe/Oslo")


def oslo_datetime(value: datetime | None) -> str:
    """`24.11.2026 kl. 18:00` (in English `24.11.2026 at 18:00`), in Europe/Oslo whatever the active zone."""
    if value is None:
        return ""
    local = value.astimezone(OSLO)
    return _("%(date)s at %(time)s") % {"date": local.strftime("%d.%m.%Y"), "time": local.strftime("%H:%M")}


def oslo_window(start: datetime, end: datetime) -> str:
    """A window as `24.11.2026 kl. 18:00 – 23:00`, or with both dates when it spans midnight."""
    local_start, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    if local_start.date() == local_end.date():
        return f"{oslo_datetime(start)} – {local_end:%H:%M}"
    return f"{oslo_datetime(start)} – {oslo_datetime(end)}"
