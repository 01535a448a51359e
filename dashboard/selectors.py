"""Reads for the public dashboard: a few grouped COUNT queries, constant in number whatever the data size.

Everything the dashboard shows (HTML, JSON, CSV, PNG) comes from one *report* dict built by
`dashboard_report()` (the current week, live) or `dashboard_report_for_week()` (an earlier week, from its
WeeklySnapshot). The report has the shape documented in docs/dashboard-json.md.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Q, Window
from django.utils import timezone

from systems.choices import Environment, MigrationStatus
from systems.lifecycle import MIGRATED_STATES
from systems.models import VM, System
from waves.choices import WaveState
from waves.models import Wave

from .models import WeeklySnapshot
from .weeks import IsoWeek

ENTITIES = ("systems", "vms")
ENVIRONMENTS = tuple(Environment.values)
WAVE_HORIZON = timedelta(weeks=4)
WAVES_SHOWN = 10  # per list; the page and JSON say how many there are in all
# Waves the public sees: agreed windows (not drafts, not cancelled ones).
UPCOMING_WAVE_STATES = (WaveState.CONFIRMED, WaveState.IN_PROGRESS, WaveState.COMPLETED)
RECENT_WAVE_STATES = (WaveState.IN_PROGRESS, WaveState.COMPLETED)

Counts = dict[str, dict[str, dict[str, int]]]  # entity → environment → status → count


# --- live reads ------------------------------------------------------------------------------------
def inventory_counts(*, week: IsoWeek) -> tuple[Counts, dict[str, int]]:
    """(counts by entity × environment × status, migrated within `week` by entity): two grouped queries."""
    in_week = Q(migrated_at__gte=week.start, migrated_at__lt=week.end, status__in=MIGRATED_STATES)
    counts: Counts = {entity: {env: {} for env in ENVIRONMENTS} for entity in ENTITIES}
    migrated_in_week = dict.fromkeys(ENTITIES, 0)
    queries = {
        "systems": System.objects.values_list("environment", "status"),
        "vms": VM.objects.values_list("system__environment", "status"),
    }
    for entity, queryset in queries.items():
        rows = queryset.order_by().annotate(n=Count("pk"), in_week=Count("pk", filter=in_week))
        for environment, status, n, n_in_week in rows:
            counts[entity].setdefault(environment, {})[status] = n
            migrated_in_week[entity] += n_in_week
    return counts, migrated_in_week


def _wave_entry(wave: Wave) -> dict:
    entry = {
        "name": wave.name,
        "window_start": wave.window_start.isoformat(),
        "window_end": wave.window_end.isoformat(),
        "state": wave.state,
    }
    for entity in ENTITIES:
        by_env = {env: getattr(wave, f"{entity}_{env}") for env in ENVIRONMENTS}
        entry[entity] = {"total": sum(by_env.values()), **by_env}
    return entry


def _wave_counts() -> dict:
    """Annotations: systems and VMs of a wave per environment, excluded ones left out."""
    annotations = {}
    for environment in ENVIRONMENTS:
        annotations[f"systems_{environment}"] = Count(
            "systems",
            filter=Q(systems__environment=environment) & ~Q(systems__status=MigrationStatus.EXCLUDED),
            distinct=True,
        )
        annotations[f"vms_{environment}"] = Count(
            "systems__vms",
            filter=Q(systems__environment=environment) & ~Q(systems__vms__status=MigrationStatus.EXCLUDED),
        )
    return annotations


def waves_around(*, at: datetime) -> dict:
    """The waves of the 4 weeks after `at` ("upcoming", earliest first) and before it ("recent", latest first).

    At most WAVES_SHOWN of each, with their counts (excluded systems and VMs left out), and how many there
    are in all ("upcoming_count", "recent_count"): two queries whatever the number of waves. Used live and by
    backfill_snapshots for past weeks.
    """
    lists = {
        "upcoming": Wave.objects.filter(
            state__in=UPCOMING_WAVE_STATES, window_end__gte=at, window_start__lt=at + WAVE_HORIZON
        ).order_by("window_start", "name"),
        "recent": Wave.objects.filter(
            state__in=RECENT_WAVE_STATES, window_end__lt=at, window_end__gte=at - WAVE_HORIZON
        ).order_by("-window_end", "name"),
    }
    result: dict = {}
    has_systems = Q(systems_test__gt=0) | Q(systems_production__gt=0)
    for kind, queryset in lists.items():
        counted = queryset.annotate(**_wave_counts())
        if kind == "recent":  # a done wave whose systems all left it moved nothing: "0 (0 / 0)" tells no one anything
            counted = counted.filter(has_systems)
        waves = list(counted.annotate(listed=Window(Count("pk")))[:WAVES_SHOWN])
        result[kind] = [_wave_entry(wave) for wave in waves]
        result[f"{kind}_count"] = waves[0].listed if waves else 0
    return result


def planned_in_week(*, week: IsoWeek) -> dict[str, int]:
    """Systems and VMs (not excluded) of the published waves whose window starts in `week`: one query."""
    systems = System.objects.filter(
        wave__state__in=UPCOMING_WAVE_STATES, wave__window_start__gte=week.start, wave__window_start__lt=week.end
    ).exclude(status=MigrationStatus.EXCLUDED)
    return systems.aggregate(
        systems=Count("pk", distinct=True), vms=Count("vms", filter=~Q(vms__status=MigrationStatus.EXCLUDED))
    )


def week_changes(*, week: IsoWeek, migrated_in_week: dict[str, int]) -> dict:
    """What moved in `week` and what is planned for the week after it."""
    planned = planned_in_week(week=week.next())
    return {
        entity: {"migrated_this_week": migrated_in_week[entity], "planned_next_week": planned[entity]}
        for entity in ENTITIES
    }


def live_state(*, now: datetime) -> dict:
    """The counts, changes and waves of the week `now` falls in: what a WeeklySnapshot stores."""
    week = IsoWeek.of(now)
    counts, migrated_in_week = inventory_counts(week=week)
    waves = waves_around(at=now)
    return {
        "week": week,
        "counts": counts,
        "changes": week_changes(week=week, migrated_in_week=migrated_in_week),
        "waves": waves,
    }


# --- summaries ----------------------------------------------------------------------------------
def summarize(by_env: dict[str, dict[str, int]]) -> dict:
    """Totals of one entity: "migrated" = migrated + verified; excluded ones are not part of "total"."""

    def tally(statuses: dict[str, int]) -> dict[str, int]:
        excluded = statuses.get(MigrationStatus.EXCLUDED, 0)
        return {
            "total": sum(statuses.values()) - excluded,
            "migrated": sum(n for status, n in statuses.items() if status in MIGRATED_STATES),
            "excluded": excluded,
            "rolled_back": statuses.get(MigrationStatus.ROLLED_BACK, 0),
        }

    per_env = {env: tally(by_env.get(env, {})) for env in ENVIRONMENTS}
    overall = {key: sum(env[key] for env in per_env.values()) for key in ("total", "migrated", "excluded")}
    overall["rolled_back"] = sum(env["rolled_back"] for env in per_env.values())
    overall["by_environment"] = {env: {"total": t["total"], "migrated": t["migrated"]} for env, t in per_env.items()}
    return overall


def history_point(week: IsoWeek, counts: Counts) -> dict:
    systems, vms = summarize(counts.get("systems", {})), summarize(counts.get("vms", {}))
    return {
        "week": week.label,
        "systems_migrated": systems["migrated"],
        "systems_total": systems["total"],
        "vms_migrated": vms["migrated"],
        "vms_total": vms["total"],
    }


def snapshot_history(*, before: IsoWeek | None = None, until: IsoWeek | None = None) -> list[dict]:
    """The history points of the stored snapshots, oldest first (one query; grows with weeks, not data)."""
    snapshots = WeeklySnapshot.objects.order_by("iso_year", "iso_week").values_list("iso_year", "iso_week", "counts")
    points = []
    for year, number, counts in snapshots:
        week = IsoWeek(year, number)
        if (before and week >= before) or (until and week > until):
            continue
        points.append(history_point(week, counts))
    return points


def build_report(*, week: IsoWeek, generated_at: datetime, state: dict, history: list[dict]) -> dict:
    """The dashboard's one data structure (docs/dashboard-json.md), from counts/changes/waves and history."""
    report = {"week": week.label, "generated_at": timezone.localtime(generated_at).replace(microsecond=0).isoformat()}
    for entity in ENTITIES:
        report[entity] = summarize(state["counts"].get(entity, {}))
    report["changes"] = state["changes"]
    report["waves"] = state["waves"]
    report["history"] = history
    return report


# --- the two entry points --------------------------------------------------------------------------
def dashboard_report(*, now: datetime | None = None) -> dict:
    """The current week, live: earlier weeks from their snapshots, this week from the data (6 queries)."""
    now = now or timezone.now()
    state = live_state(now=now)
    history = snapshot_history(before=state["week"])
    history.append(history_point(state["week"], state["counts"]))
    return build_report(week=state["week"], generated_at=now, state=state, history=history)


def dashboard_report_for_week(week: IsoWeek) -> dict | None:
    """An earlier week exactly as its WeeklySnapshot stored it, or None if there is none (2 queries)."""
    snapshot = WeeklySnapshot.objects.filter(iso_year=week.year, iso_week=week.week).first()
    if snapshot is None:
        return None
    state = {"counts": snapshot.counts, "changes": snapshot.changes, "waves": {**_no_waves(), **snapshot.waves}}
    history = snapshot_history(until=week)
    return build_report(week=week, generated_at=snapshot.taken_at, state=state, history=history)


def _no_waves() -> dict:
    return {"upcoming": [], "recent": [], "upcoming_count": 0, "recent_count": 0}
