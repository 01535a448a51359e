"""Writes of the dashboard: weekly snapshots, taken live or rebuilt from history."""

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from systems.choices import MigrationStatus
from systems.lifecycle import MIGRATED_STATES
from systems.models import VM, System

from .choices import SnapshotSource
from .models import WeeklySnapshot
from .selectors import ENTITIES, inventory_counts, waves_around, week_changes
from .weeks import IsoWeek


def snapshot_take(*, now: datetime | None = None) -> WeeklySnapshot:
    """Store the counts of the week that ended before `now` (run Monday morning): idempotent, replaces that week.

    The week's numbers are read at `now`, so what moved up to Monday morning counts for the week just ended.
    """
    now = now or timezone.now()
    week = IsoWeek.of(now).previous()
    # Today's counts, with "migrated in week" about the week just ended (not `now`'s week, as live_state has it).
    counts, migrated_in_week = inventory_counts(week=week)
    snapshot, _ = WeeklySnapshot.objects.update_or_create(  # atomic by itself
        iso_year=week.year,
        iso_week=week.week,
        defaults={
            "taken_at": now,
            "counts": counts,
            "changes": week_changes(week=week, migrated_in_week=migrated_in_week),
            "waves": waves_around(at=now),
            "source": SnapshotSource.LIVE,
        },
    )
    return snapshot


# --- backfill ------------------------------------------------------------------------------------
def snapshots_backfill(*, now: datetime | None = None, replace: bool = False) -> list[WeeklySnapshot]:
    """Rebuild the snapshots of every past week from the change history and the `migrated_at` dates.

    For each system and VM the status at the end of each week is the one of its last history record
    before then. Before its first record (rows imported in bulk on installation day) it counts as
    "not yet moved" until its `migrated_at`, then as migrated: so a new installation gets its whole
    history at once. Totals use today's environment of each system; waves are today's waves placed by
    their windows. Weeks that have a snapshot are kept unless `replace`. The current week is never written.
    """
    now = now or timezone.now()
    current = IsoWeek.of(now)
    timelines = {entity: list(_timelines(entity)) for entity in ENTITIES}
    first_times = [events[1][0] for timeline in timelines.values() for _env, events in timeline if len(events) > 1]
    if not first_times:
        return []
    week = IsoWeek.of(min(first_times))
    existing = set(WeeklySnapshot.objects.values_list("iso_year", "iso_week"))
    weeks = []
    while week < current:
        weeks.append(week)
        week = week.next()
    per_week = {entity: _counts_at_week_ends(timelines[entity], weeks) for entity in ENTITIES}
    written = []
    with transaction.atomic():
        for index, week in enumerate(weeks):
            if (week.year, week.week) in existing and not replace:
                continue
            counts = {entity: per_week[entity][0][index] for entity in ENTITIES}
            migrated = {entity: per_week[entity][1][index] for entity in ENTITIES}
            waves = waves_around(at=week.end)
            snapshot, _ = WeeklySnapshot.objects.update_or_create(
                iso_year=week.year,
                iso_week=week.week,
                defaults={
                    "taken_at": week.end,
                    "counts": counts,
                    "changes": week_changes(week=week, migrated_in_week=migrated),
                    "waves": waves,
                    "source": SnapshotSource.BACKFILL,
                },
            )
            written.append(snapshot)
    return written


Event = tuple[datetime | None, str | None]  # (when, status); when None = since ever; status None = deleted


def _timelines(entity: str):
    """(environment, [(when, status), …]) per system or VM, from its history records (up to three queries)."""
    model = System if entity == "systems" else VM
    history = get_history_model_for_model(model)
    if entity == "systems":
        environment_of = {}
        current = model.objects.values_list("pk", "environment", "status", "migrated_at")
        records = history.objects.values_list(
            "id", "environment", "history_date", "history_type", "status", "migrated_at"
        )
    else:  # a VM's environment is its system's (today's)
        environment_of = dict(System.objects.values_list("pk", "environment"))
        current = model.objects.values_list("pk", "system__environment", "status", "migrated_at")
        records = history.objects.values_list(
            "id", "system_id", "history_date", "history_type", "status", "migrated_at"
        )
    by_id: dict[int, list] = defaultdict(list)
    for pk, env_or_system, when, kind, status, migrated_at in records.order_by("id", "history_date", "history_id"):
        environment = env_or_system if entity == "systems" else environment_of.get(env_or_system)
        by_id[pk].append((environment, when, kind, status, migrated_at))
    for pk, environment, status, migrated_at in current.order_by():
        if pk not in by_id:  # no history at all (raw inserts): what we know is today's row
            by_id[pk].append((environment, None, "~", status, migrated_at))
    for rows in by_id.values():
        environment = rows[-1][0]
        if environment is None:
            continue
        _env, first_when, _kind, first_status, first_migrated_at = rows[0]
        moved = first_status in MIGRATED_STATES
        events: list[Event] = [(None, MigrationStatus.NOT_PLANNED if moved else first_status)]
        if moved and first_migrated_at and (first_when is None or first_migrated_at < first_when):
            events.append((first_migrated_at, first_status))
        events.extend((when, None if kind == "-" else status) for _e, when, kind, status, _m in rows if when)
        yield environment, events


def _counts_at_week_ends(timelines, weeks: list[IsoWeek]):
    """For each week: counts by environment × status at its end, and how many became migrated in it.

    Each status change is added to the week it happened in (bisect), then the weeks are summed up in order.
    """
    ends = [week.end for week in weeks]
    deltas = [defaultdict(int) for _ in weeks]
    migrated = [0] * len(weeks)
    for environment, events in timelines:
        previous = None
        for when, status in events:
            index = 0 if when is None else bisect_right(ends, when)
            if index >= len(weeks):
                break
            if previous is not None:
                deltas[index][environment, previous] -= 1
            if status is not None:
                deltas[index][environment, status] += 1
            if when and status in MIGRATED_STATES and previous not in MIGRATED_STATES and when >= weeks[index].start:
                migrated[index] += 1
            previous = status
    running: dict[tuple[str, str], int] = defaultdict(int)
    counts = []
    for delta in deltas:
        for key, change in delta.items():
            running[key] += change
        week: dict[str, dict[str, int]] = {}
        for (environment, status), n in running.items():
            if n:
                week.setdefault(environment, {})[status] = n
        counts.append(week)
    return counts, migrated
