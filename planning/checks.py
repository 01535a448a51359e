"""The checks on a wave: shown on its page, and run again when it is confirmed (by every route, through
`waves.services.wave_set_state`). Blockers refuse the confirmation; warnings need a reason, kept in history.
"""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from systems.choices import ContactRole, Environment, MigrationStatus
from systems.lifecycle import MIGRATED_STATES
from systems.models import System, SystemContact
from waves.choices import WaveState

from . import rules
from .models import BlackoutPeriod, TesterCapacity

#: django-simple-history keeps at most this many characters of a change reason.
REASON_MAX_LENGTH = 100
#: Systems that do not move (any more) constrain nothing.
SETTLED_STATES = MIGRATED_STATES | {MigrationStatus.EXCLUDED}


def _has_role(role: str) -> Exists:
    return Exists(SystemContact.objects.filter(system=OuterRef("pk"), role=role))


def wave_systems_for_checks(wave):
    """The wave's systems with everything the checks read, in a constant number of queries."""
    related = System.objects.select_related("wave").only("code", "status", "wave__name", "wave__window_start")
    return (
        System.objects.filter(wave=wave)
        .exclude(status=MigrationStatus.EXCLUDED)
        .select_related("agency", "test_counterpart__wave")
        .annotate(
            vm_total=Count("vms", distinct=True),
            has_primary=_has_role(ContactRole.PRIMARY),
            has_tester=_has_role(ContactRole.TESTER),
        )
        .prefetch_related(Prefetch("depends_on", queryset=related), Prefetch("move_with", queryset=related))
        .order_by("code")
    )


def _tested_before(system: System, wave) -> bool:
    """A production system's test counterpart has moved, or moves in a window that ends before `wave`'s starts."""
    counterpart = system.test_counterpart
    if system.environment != Environment.PRODUCTION or counterpart is None or counterpart.status in MIGRATED_STATES:
        return True
    return counterpart.wave is not None and counterpart.wave.window_end <= wave.window_start


#: Waves whose downtime notice is still to come or on its way: only these can be short of notice.
NOTICE_STATES = (WaveState.DRAFT, WaveState.CONFIRMED)


def wave_findings(wave, *, now=None) -> list[rules.Finding]:
    """Every finding of every planning rule for this wave, blockers first."""
    now = now or timezone.now()
    systems = list(wave_systems_for_checks(wave))
    findings: list[rules.Finding] = []
    findings += rules.capacity_findings(
        system_count=len(systems),
        vm_count=sum(system.vm_total for system in systems),
        max_systems=wave.max_systems,
        max_vms=wave.max_vms,
    )
    blackouts = BlackoutPeriod.objects.filter(
        end__gte=timezone.localtime(wave.window_start).date(), start__lte=timezone.localtime(wave.window_end).date()
    )
    findings += rules.calendar_findings(
        rules.days_off(rules.window_days(wave.window_start, wave.window_end), blackouts)
    )
    if wave.state in NOTICE_STATES:  # once a wave runs, is done or is off, its notice is no longer a question
        findings += rules.notice_findings(window_start=wave.window_start, now=now, lead_days=settings.NOTICE_LEAD_DAYS)
    by_agency: dict = defaultdict(list)
    for system in systems:
        by_agency[system.agency].append(system.code)
        for needed in system.depends_on.all():
            if needed.status in SETTLED_STATES:
                continue
            if needed.wave is None or needed.wave.window_start > wave.window_start:
                findings.append(
                    rules.dependency_finding(
                        system=system.code, needs=needed.code, needs_wave=needed.wave.name if needed.wave else None
                    )
                )
        for partner in system.move_with.all():
            if partner.status not in SETTLED_STATES and partner.wave_id != wave.pk:
                findings.append(
                    rules.move_group_finding(
                        system=system.code,
                        partner=partner.code,
                        partner_wave=partner.wave.name if partner.wave else None,
                    )
                )
        if not _tested_before(system, wave):
            findings.append(rules.test_first_finding(system=system.code, test_system=system.test_counterpart.code))
        findings += rules.contact_findings(
            system=system.code,
            production=system.environment == Environment.PRODUCTION,
            has_primary=system.has_primary,
            has_tester=system.has_tester,
        )
    capacities = dict(TesterCapacity.objects.filter(wave=wave).values_list("agency_id", "capacity"))
    for agency, codes in sorted(by_agency.items(), key=lambda item: item[0].code):
        findings += rules.tester_findings(
            agency=agency.code, systems=codes, capacity=capacities.get(agency.pk, agency.tester_capacity)
        )
    return sorted(findings, key=lambda finding: not finding.is_blocker)


def check_confirmation(*, wave, reason: str) -> list[rules.Finding]:
    """Refuse to confirm a wave with blockers, or with warnings and no reason; return the warnings accepted."""
    findings = wave_findings(wave)
    blockers = [finding.message for finding in findings if finding.is_blocker]
    if blockers:
        raise ValidationError([_("The wave cannot be confirmed:"), *blockers], code="wave_blocked")
    warnings = [finding for finding in findings if not finding.is_blocker]
    if warnings and not reason.strip():
        raise ValidationError(
            [_("Give a reason to confirm the wave despite these warnings:"), *(w.message for w in warnings)],
            code="wave_warnings_need_reason",
        )
    return warnings


def warnings_reason(reason: str, warnings: list[rules.Finding]) -> str:
    """The history's change reason for a confirmation despite warnings: the reason, and which warnings."""
    codes = ", ".join(sorted({warning.code for warning in warnings}))
    return Truncator(f"{reason.strip()} [{codes}]").chars(REASON_MAX_LENGTH)
