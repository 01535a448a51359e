"""Weekly snapshots: taken Monday morning by beat, rebuilt from history by backfill_snapshots, shown as they were."""

from datetime import datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dashboard.models import WeeklySnapshot
from dashboard.services import snapshot_take
from dashboard.tasks import take_weekly_snapshot
from dashboard.weeks import IsoWeek
from systems.choices import MigrationStatus
from systems.models import VM, System
from systems.services import system_transition
from tests.factories import SystemFactory

OSLO = timezone.get_current_timezone()
MONDAY_MORNING = datetime(2026, 11, 23, 6, 0, tzinfo=OSLO)  # ISO week 48 begins; week 47 has just ended


def test_weekly_snapshot_is_scheduled_monday_0600_oslo():
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-weekly-snapshot"]
    assert entry["task"] == take_weekly_snapshot.name
    assert entry["schedule"] == crontab(minute=0, hour=6, day_of_week="monday")
    assert settings.CELERY_TIMEZONE == "Europe/Oslo"


def test_snapshot_take_stores_the_week_just_ended(demo):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        snapshot = snapshot_take()
        snapshot_take()  # run twice (beat retried): still one row for the week

    assert (snapshot.iso_year, snapshot.iso_week) == (2026, 47)
    assert WeeklySnapshot.objects.count() == 1
    assert (
        sum(snapshot.counts["systems"]["test"].values()) + sum(snapshot.counts["systems"]["production"].values()) == 392
    )
    assert (
        snapshot.counts["vms"]["test"][MigrationStatus.VERIFIED]
        == VM.objects.filter(system__environment="test", status=MigrationStatus.VERIFIED).count()
    )


def test_weekly_snapshot_task_stores_and_renders_the_cover(demo, django_capture_on_commit_callbacks, monkeypatch):
    rendered = []
    monkeypatch.setattr("dashboard.tasks.render_cover_image.delay", lambda: rendered.append(True))
    with django_capture_on_commit_callbacks(execute=True):
        take_weekly_snapshot()

    assert WeeklySnapshot.objects.count() == 1
    assert rendered == [True]


def test_render_cover_image_task_prepares_the_png_so_requests_do_not_render(demo, client, monkeypatch):
    from dashboard.tasks import render_cover_image

    assert render_cover_image() == len(settings.LANGUAGES)
    monkeypatch.setattr("dashboard.charts.render_cover_png", lambda report: pytest.fail("rendered again"))

    for language in ("nb", "en"):
        response = client.get(reverse("dashboard:png"), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response.content.startswith(b"\x89PNG")


def test_earlier_week_shows_its_snapshot_not_todays_data(demo, client):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        snapshot_take()
    planned = System.objects.filter(status=MigrationStatus.PLANNED).first()
    for step in (MigrationStatus.IN_PROGRESS, MigrationStatus.MIGRATED):
        system_transition(system=planned, to=step, by=None)

    page = client.get(reverse("dashboard:week", kwargs={"year": 2026, "week": 47}))
    data = client.get(reverse("dashboard:week_json", kwargs={"year": 2026, "week": 47})).json()
    today = client.get(reverse("dashboard:json")).json()

    assert page.status_code == 200
    assert "105 av 392 systemer" in page.content.decode()
    assert "Dette er statusen slik den var ved slutten av uke 47." in page.content.decode()
    # The week is named, not "Den uken" over "Migrert denne uken".
    assert '<h2 id="changes-heading">Uke 47</h2>' in page.content.decode()
    assert "Migrert den uken:" in page.content.decode() and "Migrert denne uken" not in page.content.decode()
    assert data["week"] == "2026-W47"
    assert data["systems"]["migrated"] == 105
    assert data["generated_at"] == timezone.localtime(MONDAY_MORNING).isoformat()
    assert data["history"][-1] == {
        "week": "2026-W47",
        "systems_migrated": 105,
        "systems_total": 392,
        "vms_migrated": 514,
        "vms_total": 1349,
    }
    assert today["systems"]["migrated"] == 106


def test_week_pages_answer_404_without_snapshot_and_redirect_the_current_week(db, client):
    current = IsoWeek.of(timezone.now())
    future = current.next()
    last = current.previous()

    assert client.get(reverse("dashboard:week", kwargs={"year": last.year, "week": last.week})).status_code == 404
    assert client.get(reverse("dashboard:week", kwargs={"year": future.year, "week": future.week})).status_code == 404
    assert client.get(reverse("dashboard:week", kwargs={"year": 2026, "week": 60})).status_code == 404
    assert client.get(reverse("dashboard:week_json", kwargs={"year": 2026, "week": 10})).status_code == 404
    response = client.get(reverse("dashboard:week", kwargs={"year": current.year, "week": current.week}))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_backfill_rebuilds_every_past_week_from_migrated_at(demo):
    call_command("backfill_snapshots", verbosity=0)

    current = IsoWeek.of(timezone.now())
    snapshots = {(s.iso_year, s.iso_week): s for s in WeeklySnapshot.objects.all()}
    first_migrated = min(System.objects.exclude(migrated_at=None).values_list("migrated_at", flat=True))
    week = IsoWeek.of(first_migrated)
    assert (week.year, week.week) in snapshots
    assert (current.year, current.week) not in snapshots
    while week < current:  # every week, each with the systems and VMs migrated before its end
        snapshot = snapshots[week.year, week.week]
        counts = snapshot.counts
        migrated = sum(
            n for env in counts["systems"].values() for status, n in env.items() if status in ("migrated", "verified")
        )
        assert migrated == System.objects.filter(migrated_at__lt=week.end).count(), week
        assert sum(n for env in counts["vms"].values() for n in env.values()) == 1349
        assert snapshot.source == "backfill"
        week = week.next()


def test_backfill_uses_history_after_installation(demo):
    """A system migrated and rolled back after the import: the week it was migrated counts it, later weeks don't."""
    system = System.objects.filter(status=MigrationStatus.PLANNED).first()
    start = timezone.now() + timedelta(days=7)
    with time_machine.travel(start, tick=False):
        system_transition(system=system, to=MigrationStatus.IN_PROGRESS, by=None)
        system_transition(system=system, to=MigrationStatus.MIGRATED, by=None)
    with time_machine.travel(start + timedelta(days=7), tick=False):
        system_transition(system=system, to=MigrationStatus.ROLLED_BACK, by=None)
    migrated_week, rolled_back_week = IsoWeek.of(start), IsoWeek.of(start + timedelta(days=7))

    with time_machine.travel(start + timedelta(days=21), tick=False):
        call_command("backfill_snapshots", verbosity=0)

    during = WeeklySnapshot.objects.get(iso_year=migrated_week.year, iso_week=migrated_week.week)
    after = WeeklySnapshot.objects.get(iso_year=rolled_back_week.year, iso_week=rolled_back_week.week)
    env = system.environment
    assert (
        during.counts["systems"][env][MigrationStatus.MIGRATED]
        == 1 + System.objects.filter(environment=env, status=MigrationStatus.MIGRATED).count()
    )
    assert during.changes["systems"]["migrated_this_week"] == 1
    assert (
        after.counts["systems"][env][MigrationStatus.ROLLED_BACK]
        == System.objects.filter(environment=env, status=MigrationStatus.ROLLED_BACK).count()
    )


def test_backfill_keeps_existing_weeks_unless_replace(demo):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        live = snapshot_take()
        WeeklySnapshot.objects.filter(pk=live.pk).update(counts={"systems": {}, "vms": {}})
        call_command("backfill_snapshots", verbosity=0)
        kept = WeeklySnapshot.objects.get(pk=live.pk)
        call_command("backfill_snapshots", "--replace", verbosity=0)
        replaced = WeeklySnapshot.objects.get(iso_year=2026, iso_week=47)

    assert kept.counts == {"systems": {}, "vms": {}}
    assert kept.source == "live"
    assert replaced.source == "backfill"
    assert sum(replaced.counts["systems"]["test"].values()) == 120


def test_backfill_with_no_data_stores_nothing(db):
    SystemFactory(status=MigrationStatus.NOT_PLANNED)  # no history of moving, no migrated_at: nothing to rebuild

    call_command("backfill_snapshots", verbosity=0)

    assert WeeklySnapshot.objects.count() == 0


def test_backfill_counts_rows_without_history_from_migrated_at(db):
    """Rows inserted without history (raw bulk loads) still count: as moved from their migrated_at on."""
    agency = SystemFactory().agency
    three_weeks_ago = timezone.now() - timedelta(weeks=3)
    System.objects.bulk_create(
        [
            System(
                code="RAW-1",
                name="Raw 1",
                agency=agency,
                environment="test",
                status=MigrationStatus.VERIFIED,
                migrated_at=three_weeks_ago,
            ),
            System(code="RAW-2", name="Raw 2", agency=agency, environment="test", status=MigrationStatus.PLANNED),
        ]
    )

    call_command("backfill_snapshots", verbosity=0)

    before, moved = IsoWeek.of(three_weeks_ago).previous(), IsoWeek.of(three_weeks_ago)
    assert not WeeklySnapshot.objects.filter(iso_year=before.year, iso_week=before.week).exists()
    snapshot = WeeklySnapshot.objects.get(iso_year=moved.year, iso_week=moved.week)
    assert snapshot.counts["systems"]["test"] == {MigrationStatus.VERIFIED: 1, MigrationStatus.PLANNED: 1}
    assert snapshot.changes["systems"]["migrated_this_week"] == 1
