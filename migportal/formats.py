"""Dates, times and migration windows as people read them, in one place.

Always in the programme's time zone (Europe/Oslo), in the active language unless one is given:

- bokmål: ``24.11.2026 kl. 18:00``, a window ``24.11.2026 kl. 18:00–23:00``;
- English: ``24 Nov 2026 at 18:00``, a window ``24 Nov 2026 at 18:00–23:00``.

The long form for notices and e-mails writes the day out: ``lørdag 6. mars 2021 kl. 18:00–23:00`` /
``Saturday 6 March 2021, 18:00–23:00``. A window over midnight shows both moments, `` – `` between them.

Numbers are grouped the reader's way (``1 349`` / ``1,349``), and a count that meets a noun goes through
ngettext (``1 system``, ``2 systemer``).

Templates use the filters and the tag of `migportal.templatetags.formats` (built in, no ``{% load %}``):
``{{ value|local_datetime }}``, ``{{ value|local_date }}``, ``{% local_window start end %}``,
``{{ count|systems_count }}``, ``{{ count|vms_count }}``.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.translation import ngettext


@dataclass(frozen=True)
class _Style:
    date: str  # django.utils.dateformat codes
    long_date: str
    joiner: str  # between date and time
    long_joiner: str


_STYLES = {
    "nb": _Style(date="d.m.Y", long_date="l j. F Y", joiner=" kl. ", long_joiner=" kl. "),
    "en": _Style(date="j M Y", long_date="l j F Y", joiner=" at ", long_joiner=", "),
}
EMPTY = "–"


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    return "en" if code.startswith("en") else "nb"


def _local(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value, timezone.get_default_timezone())


def _formatted(value: date | datetime, code: str, language: str) -> str:
    # Month and day names follow the active translation, so format inside the language asked for.
    with translation.override(language):
        return date_format(value, code)


def datetime_text(value: datetime | str | None, *, language: str | None = None, long: bool = False) -> str:
    """``24.11.2026 kl. 18:00`` / ``24 Nov 2026 at 18:00`` (``long``: ``tirsdag 24. november 2026 kl. 18:00``)."""
    if not value:
        return EMPTY
    language = _language(language)
    style, local = _STYLES[language], _local(value)
    day = _formatted(local, style.long_date if long else style.date, language)
    return f"{day}{style.long_joiner if long else style.joiner}{local:%H:%M}"


def date_text(value: date | datetime | str | None, *, language: str | None = None) -> str:
    """``24.11.2026`` / ``24 Nov 2026``."""
    if not value:
        return EMPTY
    if isinstance(value, str | datetime):
        value = _local(value)
    language = _language(language)
    return _formatted(value, _STYLES[language].date, language)


def window_text(
    start: datetime | str | None, end: datetime | str | None, *, language: str | None = None, long: bool = False
) -> str:
    """A migration window: ``24.11.2026 kl. 18:00–23:00``, or both moments when it spans midnight."""
    if not start or not end:
        return EMPTY
    first = datetime_text(start, language=language, long=long)
    local_start, local_end = _local(start), _local(end)
    if local_start.date() == local_end.date():
        return f"{first}–{local_end:%H:%M}"
    return f"{first} – {datetime_text(end, language=language, long=long)}"


def number_text(value: int) -> str:
    """1349 → "1 349" in bokmål (non-breaking space), "1,349" in English."""
    return number_format(value, decimal_pos=0, force_grouping=True)


def plural_count(value: float) -> int:
    """The integer ngettext picks a plural form by for `value`: a whole number as itself, a fraction as 2 (a
    fraction takes the plural in bokmål and English: "1,5 dager", "0.5 days")."""
    return int(value) if float(value).is_integer() else 2


def systems_count(count: int) -> str:
    """ "1 system", "392 systemer"."""
    return ngettext("%(count)s system", "%(count)s systems", count) % {"count": number_text(count)}


def vms_count(count: int) -> str:
    """ "1 VM", "1 349 VM-er"."""
    return ngettext("%(count)s VM", "%(count)s VMs", count) % {"count": number_text(count)}
