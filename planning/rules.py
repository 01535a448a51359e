"""Planning's rules: plain functions on facts, asked by the wave checks (`planning.checks`) and the solver alike.

Each returns the findings it makes (empty when the rule holds), so the wave page, the confirmation and the
solver's explanation say the same things in the same words.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

import holidays
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from migportal.formats import plural_count

from .choices import Severity


@dataclass(frozen=True)
class Finding:
    """One thing a rule found about a wave: a blocker refuses its confirmation, a warning needs a reason."""

    severity: str
    code: str
    message: str
    systems: tuple[str, ...] = field(default=())

    @property
    def is_blocker(self) -> bool:
        return self.severity == Severity.BLOCKER


@dataclass(frozen=True)
class DayOff:
    """A day on which a migration window should not lie: a public holiday or a blackout period."""

    day: date
    name: str
    blocking: bool


@cache
def _norwegian_holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("NO", years=year, language=language))


def public_holidays(first: date, last: date) -> dict[date, str]:
    """Norwegian public holidays between two days (inclusive), named in the active language."""
    language = "en_US" if (translation.get_language() or "nb").startswith("en") else "no"
    found = {}
    for year in range(first.year, last.year + 1):
        found.update({day: name for day, name in _norwegian_holidays(year, language).items() if first <= day <= last})
    return found


def window_days(start: datetime, end: datetime) -> list[date]:
    """The local calendar days a migration window touches (a window ending at midnight does not touch the next)."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def days_off(days: Iterable[date], blackouts: Iterable) -> list[DayOff]:
    """Which of `days` are public holidays or in a blackout period (objects with name, start, end, blocking)."""
    days = sorted(set(days))
    if not days:
        return []
    holiday_names = public_holidays(days[0], days[-1])
    found = [DayOff(day, holiday_names[day], False) for day in days if day in holiday_names]
    for period in blackouts:
        found.extend(DayOff(day, period.name, period.blocking) for day in days if period.start <= day <= period.end)
    return found


def calendar_findings(days_found: list[DayOff]) -> list[Finding]:
    """A window on a holiday or in a blackout period: a warning, or a blocker when the blackout says so."""
    findings = []
    for off in days_found:
        severity = Severity.BLOCKER if off.blocking else Severity.WARNING
        findings.append(
            Finding(
                severity,
                "blackout" if off.blocking else "day_off",
                _("The window touches %(day)s, %(name)s.") % {"day": off.day.strftime("%d.%m.%Y"), "name": off.name},
            )
        )
    return findings


def notice_findings(*, window_start: datetime, now: datetime, lead_days: float) -> list[Finding]:
    """A window that starts sooner than the notice lead time: the announcement comes late (short notice)."""
    if window_start - now >= timedelta(days=lead_days):
        return []
    return [
        Finding(
            Severity.WARNING,
            "short_notice",
            ngettext(
                "The window starts in less than %(days)s day: the downtime notice comes at short notice.",
                "The window starts in less than %(days)s days: the downtime notice comes at short notice.",
                plural_count(lead_days),
            )
            % {"days": f"{lead_days:g}"},
        )
    ]


def capacity_findings(
    *, system_count: int, vm_count: int, max_systems: int | None, max_vms: int | None
) -> list[Finding]:
    """More systems or VMs in a wave than it can take."""
    findings = []
    if max_systems and system_count > max_systems:
        findings.append(
            Finding(
                Severity.BLOCKER,
                "max_systems",
                ngettext(
                    "The wave holds %(count)s system; its limit is %(max)s.",
                    "The wave holds %(count)s systems; its limit is %(max)s.",
                    system_count,
                )
                % {"count": system_count, "max": max_systems},
            )
        )
    if max_vms and vm_count > max_vms:
        findings.append(
            Finding(
                Severity.BLOCKER,
                "max_vms",
                ngettext(
                    "The wave holds %(count)s VM; its limit is %(max)s.",
                    "The wave holds %(count)s VMs; its limit is %(max)s.",
                    vm_count,
                )
                % {"count": vm_count, "max": max_vms},
            )
        )
    return findings


def tester_findings(*, agency: str, systems: list[str], capacity: int | None) -> list[Finding]:
    """An agency asked to test more systems after one window than its testers can."""
    if capacity is None or len(systems) <= capacity:
        return []
    return [
        Finding(
            Severity.BLOCKER,
            "tester_capacity",
            ngettext(
                "%(agency)s would test %(count)s system after this window; its testers can take %(max)s.",
                "%(agency)s would test %(count)s systems after this window; its testers can take %(max)s.",
                len(systems),
            )
            % {"agency": agency, "count": len(systems), "max": capacity},
            tuple(systems),
        )
    ]


def dependency_finding(*, system: str, needs: str, needs_wave: str | None) -> Finding:
    """A system that would move before a system it depends on."""
    if needs_wave is None:
        message = _("%(system)s depends on %(other)s, which is in no wave.")
    else:
        message = _("%(system)s depends on %(other)s, which moves later (%(wave)s).")
    return Finding(
        Severity.BLOCKER,
        "dependency",
        message % {"system": system, "other": needs, "wave": needs_wave},
        (system, needs),
    )


def move_group_finding(*, system: str, partner: str, partner_wave: str | None) -> Finding:
    """Two systems that must move together, in different waves."""
    return Finding(
        Severity.BLOCKER,
        "move_group_split",
        _("%(system)s must move together with %(other)s, which is in %(wave)s.")
        % {"system": system, "other": partner, "wave": partner_wave or _("no wave")},
        (system, partner),
    )


def test_first_finding(*, system: str, test_system: str) -> Finding:
    """A production system whose test system is not migrated and verified before this window."""
    return Finding(
        Severity.BLOCKER,
        "test_first",
        _("%(system)s is a production system; its test system %(test)s is not migrated before this window.")
        % {"system": system, "test": test_system},
        (system, test_system),
    )


def contact_findings(*, system: str, production: bool, has_primary: bool, has_tester: bool) -> list[Finding]:
    """Nobody to tell (no primary contact: blocker); nobody to test a production system (warning)."""
    findings = []
    if not has_primary:
        findings.append(
            Finding(
                Severity.BLOCKER,
                "no_primary_contact",
                _("%(system)s has no primary contact: nobody can be told.") % {"system": system},
                (system,),
            )
        )
    if production and not has_tester:
        findings.append(
            Finding(
                Severity.WARNING,
                "no_tester",
                _("%(system)s is a production system without a tester.") % {"system": system},
                (system,),
            )
        )
    return findings
