"""The dashboard's numbers: equal to a direct count of the data, following changes, in a constant number of queries."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import dashboard_report
from systems.choices import Environment, MigrationStatus
from systems.models import VM, System
from systems.services import system_transition
from tests.factories import SystemFactory, VMFactory, WaveFactory
from waves.choices import WaveState

MIGRATED = Q(status__in=[MigrationStatus.MIGRATED, MigrationStatus.VERIFIED])
NOT_EXCLUDED = ~Q(status=MigrationStatus.EXCLUDED)


def direct_counts() -> dict:
    """The same numbers counted the plain way, one query each, to compare with the dashboard's."""
    result = {}
    for entity, queryset, env_field in [
        ("systems", System.objects, "environment"),
        ("vms", VM.objects, "system__environment"),
    ]:
        result[entity] = {
            "total": queryset.filter(NOT_EXCLUDED).count(),
            "migrated": queryset.filter(MIGRATED).count(),
            "excluded": queryset.filter(status=MigrationStatus.EXCLUDED).count(),
            "by_environment": {
                env: {
                    "total": queryset.filter(NOT_EXCLUDED, **{env_field: env}).count(),
                    "migrated": queryset.filter(MIGRATED, **{env_field: env}).count(),
                }
                for env in Environment.values
            },
        }
    return result


def test_dashboard_report_counts_equal_the_data_at_scale_1(demo):
    report = dashboard_report()

    assert (report["systems"]["total"], report["systems"]["migrated"]) == (392, 105)
    assert (report["vms"]["total"], report["vms"]["migrated"]) == (1349, 514)
    for entity, expected in direct_counts().items():
        assert {key: report[entity][key] for key in expected} == expected


def test_dashboard_report_counts_follow_changes(demo):
    moving = System.objects.filter(status=MigrationStatus.PLANNED).exclude(vms=None).first()
    leaving = System.objects.filter(status=MigrationStatus.NOT_PLANNED).exclude(vms=None).first()
    for step in (MigrationStatus.IN_PROGRESS, MigrationStatus.MIGRATED):
        system_transition(system=moving, to=step, by=None)
    system_transition(system=leaving, to=MigrationStatus.EXCLUDED, by=None)

    report = dashboard_report()

    assert report["systems"]["migrated"] == 106
    assert report["vms"]["migrated"] == 514 + moving.vms.count()
    assert report["systems"]["total"] == 391
    assert report["systems"]["excluded"] == 1
    assert report["vms"]["total"] == 1349 - leaving.vms.count()
    assert report["changes"]["systems"]["migrated_this_week"] == 1
    for entity, expected in direct_counts().items():
        assert {key: report[entity][key] for key in expected} == expected


@pytest.mark.parametrize("scale", [1, 3])
def test_dashboard_queries_do_not_grow_with_the_data(seed, client, django_assert_max_num_queries, scale):
    seed(scale)
    assert System.objects.count() == 392 * scale

    with django_assert_max_num_queries(6):
        dashboard_report()
    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_dashboard_waves_show_the_next_and_last_four_weeks(db):
    now = timezone.now()
    soon = WaveFactory(name="Bølge snart", window_start=now + timedelta(days=9), state=WaveState.CONFIRMED)
    WaveFactory(name="Bølge utkast", window_start=now + timedelta(days=10), state=WaveState.DRAFT)
    WaveFactory(name="Bølge langt frem", window_start=now + timedelta(days=40), state=WaveState.CONFIRMED)
    done = WaveFactory(name="Bølge ferdig", window_start=now - timedelta(days=14), state=WaveState.COMPLETED)
    WaveFactory(name="Bølge gammel", window_start=now - timedelta(days=60), state=WaveState.COMPLETED)
    test_system = SystemFactory(wave=soon, environment=Environment.TEST, status=MigrationStatus.PLANNED)
    VMFactory.create_batch(3, system=test_system, status=MigrationStatus.PLANNED)
    VMFactory(system=SystemFactory(wave=soon, status=MigrationStatus.PLANNED), status=MigrationStatus.PLANNED)
    SystemFactory(wave=soon, status=MigrationStatus.EXCLUDED)
    SystemFactory(wave=done, status=MigrationStatus.VERIFIED, migrated_at=done.window_end)
    # A done wave whose systems all left it before the move is no news ("0 (0 / 0)"): not listed.
    WaveFactory(name="Bølge tom", window_start=now - timedelta(days=7), state=WaveState.COMPLETED)

    waves = dashboard_report()["waves"]

    assert [w["name"] for w in waves["upcoming"]] == ["Bølge snart"]
    assert waves["upcoming"][0]["systems"] == {"total": 2, "test": 1, "production": 1}
    assert waves["upcoming"][0]["vms"] == {"total": 4, "test": 3, "production": 1}
    assert [w["name"] for w in waves["recent"]] == ["Bølge ferdig"]
    assert waves["recent"][0]["systems"]["total"] == 1
    assert (waves["upcoming_count"], waves["recent_count"]) == (1, 1)


def test_dashboard_lists_at_most_ten_waves_each_and_says_how_many(db, client):
    now = timezone.now()
    for day in range(1, 15):
        WaveFactory(window_start=now + timedelta(days=day), state=WaveState.CONFIRMED)

    waves = dashboard_report()["waves"]
    page = client.get(reverse("home")).content.decode()

    assert len(waves["upcoming"]) == 10
    assert waves["upcoming_count"] == 14
    assert waves["upcoming"] == sorted(waves["upcoming"], key=lambda wave: wave["window_start"])
    assert "Her vises de 10 nærmeste av 14 bølger." in page


def test_dashboard_week_changes_count_this_week_and_plan_the_next(db):
    oslo = timezone.get_current_timezone()
    with time_machine.travel(datetime(2026, 3, 11, 12, 0, tzinfo=oslo), tick=False):  # Wednesday, week 11
        next_week = WaveFactory(window_start=datetime(2026, 3, 17, 18, 0, tzinfo=oslo), state=WaveState.CONFIRMED)
        SystemFactory.create_batch(2, wave=next_week, status=MigrationStatus.PLANNED)
        SystemFactory(status=MigrationStatus.MIGRATED, migrated_at=datetime(2026, 3, 9, 0, 30, tzinfo=oslo))
        SystemFactory(status=MigrationStatus.VERIFIED, migrated_at=datetime(2026, 3, 8, 23, 30, tzinfo=oslo))

        report = dashboard_report()

    assert report["week"] == "2026-W11"
    assert report["changes"]["systems"] == {"migrated_this_week": 1, "planned_next_week": 2}
