"""Reads for planning: the solver's problem, move groups, dependency cycles, contact coverage; each in a
constant number of queries."""

from __future__ import annotations

import graphlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from systems.choices import ContactRole, Environment, MigrationStatus
from systems.models import VM, ContactPerson, System, SystemContact
from systems.selectors import count_of
from waves.choices import WaveState
from waves.models import Wave

from . import rules
from .checks import SETTLED_STATES
from .models import BlackoutPeriod, TesterCapacity
from .solver import Item, Problem, Slot, move_units

#: Systems the plan places: not in a wave yet, or (planned) in a draft wave it may change.
UNPLANNED_STATES = (MigrationStatus.NOT_PLANNED, MigrationStatus.ROLLED_BACK)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Cadence:
    """When new waves may lie: weekdays (0 = Monday), local start time, length, at most so many a week."""

    weekdays: tuple[int, ...]
    start: time
    hours: float
    per_week: int
    weeks: int
    max_systems: int

    @classmethod
    def from_settings(cls) -> Cadence:
        hour, minute = (int(part) for part in settings.PLANNING_WINDOW_START.split(":"))
        return cls(
            weekdays=tuple(WEEKDAYS.index(day.strip().lower()[:3]) for day in settings.PLANNING_WINDOW_WEEKDAYS),
            start=time(hour, minute),
            hours=settings.PLANNING_WINDOW_HOURS,
            per_week=settings.PLANNING_WAVES_PER_WEEK,
            weeks=settings.PLANNING_HORIZON_WEEKS,
            max_systems=settings.PLANNING_NEW_WAVE_MAX_SYSTEMS,
        )


def new_wave_name(start: datetime) -> str:
    return _("Wave %(day)s") % {"day": timezone.localtime(start).strftime("%d.%m.%Y")}


def cadence_slots(cadence: Cadence, *, now: datetime, taken_days: set[date]) -> list[Slot]:
    """New windows on the cadence from the first day a notice can be given in time, skipping public holidays,
    blackout periods and days that have a wave already."""
    first = (timezone.localtime(now) + timedelta(days=settings.NOTICE_LEAD_DAYS)).date() + timedelta(days=1)
    last = first + timedelta(weeks=cadence.weeks)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    blackouts = BlackoutPeriod.objects.filter(end__gte=first, start__lte=last)
    off = {day_off.day for day_off in rules.days_off(days, blackouts)}
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    slots = []
    zone = timezone.get_current_timezone()
    for day in days:
        week = day.isocalendar()[:2]
        if (
            day.weekday() not in cadence.weekdays
            or day in off
            or day in taken_days
            or per_week[week] >= cadence.per_week
        ):
            continue
        start = datetime.combine(day, cadence.start, tzinfo=zone)
        end = start + timedelta(hours=cadence.hours)
        if set(rules.window_days(start, end)) & off:
            continue
        per_week[week] += 1
        slots.append(
            Slot(
                key=f"new:{start.isoformat()}",
                name=new_wave_name(start),
                start=start,
                end=end,
                max_systems=cadence.max_systems,
            )
        )
    return slots


def _draft_slots(now: datetime) -> tuple[list[Slot], set[date]]:
    """Draft waves still ahead, outside blocking blackouts (the plan may fill and change them); and the days
    every wave ahead already has."""
    waves = list(Wave.objects.filter(window_start__gt=now).exclude(state=WaveState.CANCELLED))
    taken = {timezone.localtime(wave.window_start).date() for wave in waves}
    drafts = [wave for wave in waves if wave.state == WaveState.DRAFT]
    if not drafts:
        return [], taken
    blocking = list(BlackoutPeriod.objects.filter(blocking=True))
    capacities: dict[int, dict[int, int]] = defaultdict(dict)
    for wave_id, agency_id, capacity in TesterCapacity.objects.filter(wave__in=drafts).values_list(
        "wave_id", "agency_id", "capacity"
    ):
        capacities[wave_id][agency_id] = capacity
    slots = []
    for wave in drafts:
        if any(
            day_off.blocking
            for day_off in rules.days_off(rules.window_days(wave.window_start, wave.window_end), blocking)
        ):
            continue
        slots.append(
            Slot(
                key=f"wave:{wave.pk}",
                name=wave.name,
                start=wave.window_start,
                end=wave.window_end,
                wave_id=wave.pk,
                max_systems=wave.max_systems,
                max_vms=wave.max_vms,
                tester_capacity=capacities[wave.pk],
            )
        )
    return slots, taken


def _movable(now: datetime) -> Q:
    return Q(wave__isnull=True, status__in=UNPLANNED_STATES) | Q(
        wave__state=WaveState.DRAFT, wave__window_start__gt=now, status=MigrationStatus.PLANNED
    )


def planning_problem(*, now: datetime | None = None, cadence: Cadence | None = None) -> Problem:
    """Everything the solver needs: the systems to place with their links, and the windows they may take."""
    now = now or timezone.now()
    cadence = cadence or Cadence.from_settings()
    slots, taken = _draft_slots(now)
    slots = sorted(slots + cadence_slots(cadence, now=now, taken_days=taken), key=lambda slot: slot.start)
    slot_of_wave = {slot.wave_id: slot for slot in slots if slot.wave_id}
    open_systems = list(
        System.objects.exclude(status__in=SETTLED_STATES)
        .select_related("agency", "wave")
        .annotate(
            vm_total=count_of(VM.objects.exclude(status=MigrationStatus.EXCLUDED), "system"),
            movable=Exists(System.objects.filter(_movable(now), pk=OuterRef("pk"))),
            has_primary=Exists(SystemContact.objects.filter(system=OuterRef("pk"), role=ContactRole.PRIMARY)),
        )
    )
    by_pk = {system.pk: system for system in open_systems}
    depends = System.depends_on.through.objects.filter(from_system__in=by_pk, to_system__in=by_pk)
    together = System.move_with.through.objects.filter(from_system__in=by_pk, to_system__in=by_pk)
    dependency_pairs = list(depends.values_list("from_system_id", "to_system_id"))
    together_pairs = list(together.values_list("from_system_id", "to_system_id"))
    items = {
        system.pk: Item(
            pk=system.pk,
            code=system.code,
            agency_id=system.agency_id,
            agency=system.agency.code,
            production=system.environment == Environment.PRODUCTION,
            vms=system.vm_total,
            current_slot=f"wave:{system.wave_id}" if system.wave_id in slot_of_wave else None,
            impossible=""
            if system.has_primary
            else _("%(system)s has no primary contact: nobody can be told.") % {"system": system.code},
        )
        for system in open_systems
        if system.movable
    }
    for system in open_systems:
        if system.wave_id and not system.movable and system.wave_id in slot_of_wave:
            slot = slot_of_wave[system.wave_id]
            slot.load_systems += 1
            slot.load_vms += system.vm_total
            slot.load_by_agency[system.agency_id] = slot.load_by_agency.get(system.agency_id, 0) + 1
    for source, target in dependency_pairs:
        _link_dependency(items, by_pk, source, target)
    for source, target in together_pairs:
        _link_together(items, by_pk, source, target)
    for system in open_systems:
        counterpart = by_pk.get(system.test_counterpart_id)
        if counterpart is not None and system.environment == Environment.PRODUCTION:
            _link_test(items, system, counterpart)
    return Problem(
        items=list(items.values()),
        slots=slots,
        default_tester_capacity={system.agency_id: system.agency.tester_capacity for system in open_systems},
    )


def _where(system: System) -> str:
    return system.wave.name if system.wave else _("no wave")


def _link_dependency(items: dict[int, Item], systems: dict[int, System], source: int, target: int) -> None:
    """`source` depends on `target`: a link when both are placed, else a bound from the one that stays."""
    item, needed = items.get(source), items.get(target)
    if item and needed:
        item.depends_on.append(target)
    elif item:
        other = systems[target]
        if other.wave is None:
            item.impossible = _("%(system)s depends on %(other)s, which is in no wave and is not planned here.") % {
                "system": item.code,
                "other": other.code,
            }
        elif item.earliest is None or other.wave.window_start > item.earliest:
            item.earliest = other.wave.window_start
            item.earliest_reason = _("%(system)s depends on %(other)s, which moves in %(wave)s.") % {
                "system": item.code,
                "other": other.code,
                "wave": other.wave.name,
            }
    elif needed and systems[source].wave is not None:
        dependent = systems[source]
        if needed.latest is None or dependent.wave.window_start < needed.latest:
            needed.latest = dependent.wave.window_start
            needed.latest_reason = _("%(other)s depends on %(system)s and moves in %(wave)s.") % {
                "system": needed.code,
                "other": dependent.code,
                "wave": dependent.wave.name,
            }


def _link_together(items: dict[int, Item], systems: dict[int, System], source: int, target: int) -> None:
    item = items.get(source)
    if item is None:
        return
    if target in items:
        item.move_with.append(target)
        return
    other = systems[target]
    item.impossible = _("%(system)s must move together with %(other)s, which is in %(wave)s.") % {
        "system": item.code,
        "other": other.code,
        "wave": _where(other),
    }


def _link_test(items: dict[int, Item], production: System, test: System) -> None:
    item, counterpart = items.get(production.pk), items.get(test.pk)
    if item and counterpart:
        item.test_counterpart = test.pk
    elif item:
        if test.wave is None:
            item.impossible = _("%(system)s waits for its test system %(test)s, which is in no wave.") % {
                "system": item.code,
                "test": test.code,
            }
        else:
            item.after_end = test.wave.window_end
            item.after_end_reason = _("%(system)s waits for its test system %(test)s in %(wave)s.") % {
                "system": item.code,
                "test": test.code,
                "wave": test.wave.name,
            }
    elif counterpart and production.wave is not None:
        counterpart.latest_end = production.wave.window_start
        counterpart.latest_end_reason = _("%(test)s must move before its production system %(system)s (%(wave)s).") % {
            "test": counterpart.code,
            "system": production.code,
            "wave": production.wave.name,
        }


# --- Move groups and dependency cycles ---------------------------------------------------------------


@dataclass
class MoveGroup:
    """Systems linked by "move together": they must be in one wave."""

    systems: list[System]
    vm_count: int = 0
    agencies: list[str] = field(default_factory=list)
    waves: list[str] = field(default_factory=list)

    @property
    def key(self) -> int:
        return self.systems[0].pk

    @property
    def split(self) -> bool:
        return len({system.wave_id for system in self.systems}) > 1


def move_groups() -> list[MoveGroup]:
    """Every move group of two or more systems, with its size, agencies and the waves its systems are in."""
    pairs = list(System.move_with.through.objects.values_list("from_system_id", "to_system_id"))
    ids = sorted({pk for pair in pairs for pk in pair})
    systems = {
        system.pk: system
        for system in System.objects.filter(pk__in=ids)
        .select_related("agency", "wave")
        .annotate(vm_count=count_of(VM.objects.all(), "system"))
    }
    groups = []
    for members in move_units(ids, pairs):
        rows = [systems[pk] for pk in members]
        groups.append(
            MoveGroup(
                systems=rows,
                vm_count=sum(row.vm_count for row in rows),
                agencies=sorted({row.agency.code for row in rows}),
                waves=sorted({_where(row) for row in rows}),
            )
        )
    return groups


def move_group_of(system: System) -> list[System]:
    """The systems that must move with `system` (itself included)."""
    pairs = list(System.move_with.through.objects.values_list("from_system_id", "to_system_id"))
    for members in move_units(sorted({pk for pair in pairs for pk in pair} | {system.pk}), pairs):
        if system.pk in members:
            return list(System.objects.filter(pk__in=members))
    return [system]


def dependency_cycles(limit: int = 50) -> list[list[str]]:
    """Cycles in "depends on" (a needs b needs … needs a), as system codes: errors a planner must resolve."""
    pairs = list(System.depends_on.through.objects.values_list("from_system_id", "to_system_id"))
    graph: dict[int, set[int]] = defaultdict(set)
    for source, target in pairs:
        graph[source].add(target)
    cycles = []
    while len(cycles) < limit:
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError as error:
            cycle = error.args[1]
            cycles.append(cycle[:-1])
            graph[cycle[1]].discard(cycle[0])  # break it and look for the next
        else:
            break
    codes = dict(System.objects.filter(pk__in={pk for cycle in cycles for pk in cycle}).values_list("pk", "code"))
    return [[codes[pk] for pk in reversed(cycle)] for cycle in cycles]


# --- Contact coverage ------------------------------------------------------------------------------------


def _role(role: str) -> Exists:
    return Exists(SystemContact.objects.filter(system=OuterRef("pk"), role=role))


def coverage_systems() -> QuerySet[System]:
    """Open systems with a gap in their contacts: no primary contact, or (production) no tester."""
    return (
        System.objects.exclude(status__in=SETTLED_STATES)
        .select_related("agency", "wave")
        .annotate(has_primary=_role(ContactRole.PRIMARY), has_tester=_role(ContactRole.TESTER))
        .filter(Q(has_primary=False) | Q(has_tester=False, environment=Environment.PRODUCTION))
        .order_by("code")
    )


def coverage_contacts() -> QuerySet[ContactPerson]:
    """Contact persons linked to no system, or whose e-mail address cannot be used."""
    return (
        ContactPerson.objects.select_related("agency")
        .annotate(linked=Exists(SystemContact.objects.filter(contact=OuterRef("pk"))))
        .filter(Q(linked=False) | ~Q(email__contains="@") | Q(email__endswith="@") | Q(email__startswith="@"))
        .order_by("name")
    )


def coverage_counts() -> dict[str, int]:
    """The numbers /staff/ shows beside its count of systems without a primary contact."""
    return {
        "no_tester": coverage_systems().filter(has_tester=False, environment=Environment.PRODUCTION).count(),
        "contacts": coverage_contacts().count(),
    }
