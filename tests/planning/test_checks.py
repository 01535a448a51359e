"""Each planning check on a wave: a minimal case that triggers it, and one that does not."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from planning.checks import wave_findings
from planning.models import BlackoutPeriod, TesterCapacity
from systems.services import system_update
from tests.factories import SystemFactory, VMFactory
from waves.services import wave_set_state

from .conftest import covered_system, wave_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2021-01-04 09:00 +01:00", tick=False) as traveller:
        yield traveller


def codes(wave) -> set[str]:
    return {finding.code for finding in wave_findings(wave)}


def test_window_on_easter_monday_is_a_warning_and_the_day_before_is_not():
    assert "day_off" in codes(wave_on("2021-04-05"))
    assert "day_off" not in codes(wave_on("2021-04-06"))
    finding = next(f for f in wave_findings(wave_on("2021-04-05")) if f.code == "day_off")
    assert "05.04.2021" in finding.message and not finding.is_blocker


def test_blackout_period_warns_or_blocks_as_configured():
    BlackoutPeriod.objects.create(name="Fellesferie", start=datetime.date(2021, 7, 5), end=datetime.date(2021, 7, 30))
    BlackoutPeriod.objects.create(
        name="Årsskiftefrys", start=datetime.date(2021, 12, 20), end=datetime.date(2021, 12, 31), blocking=True
    )
    summer = wave_findings(wave_on("2021-07-06"))
    freeze = wave_findings(wave_on("2021-12-21"))
    assert ("day_off", False) in [(f.code, f.is_blocker) for f in summer]
    assert ("blackout", True) in [(f.code, f.is_blocker) for f in freeze]
    assert not {"day_off", "blackout"} & codes(wave_on("2021-08-03"))


def test_short_notice_when_the_window_is_closer_than_the_notice_lead():
    assert "short_notice" in codes(wave_on("2021-01-12"))
    assert "short_notice" not in codes(wave_on("2021-01-26"))


def test_dependency_in_a_later_wave_or_in_no_wave_blocks():
    early, late = wave_on("2021-02-02"), wave_on("2021-02-09")
    database = covered_system(code="DB")
    app = covered_system(code="APP", wave=early, status="planned")
    system_update(system=app, by=None, depends_on=[database])
    assert "dependency" in codes(early)  # the database is in no wave
    system_update(system=database, by=None, wave=late)
    assert "dependency" in codes(early)  # the database moves later
    system_update(system=database, by=None, wave=early)
    assert "dependency" not in codes(early)


def test_move_group_split_across_waves_blocks():
    first, second = wave_on("2021-02-02"), wave_on("2021-02-09")
    a = covered_system(code="A", wave=first, status="planned")
    b = covered_system(code="B", wave=second, status="planned")
    system_update(system=a, by=None, move_with=[b])
    assert "move_group_split" in codes(first)
    system_update(system=b, by=None, wave=first)
    assert "move_group_split" not in codes(first)


def test_production_before_its_test_system_blocks():
    first, second = wave_on("2021-02-02"), wave_on("2021-02-09")
    test_system = covered_system(code="T", wave=second, status="planned")
    production = covered_system(code="P", environment="production", wave=first, status="planned")
    system_update(system=production, by=None, test_counterpart=test_system)
    assert "test_first" in codes(first)
    system_update(system=test_system, by=None, wave=None)
    system_update(system=production, by=None, wave=second)
    system_update(system=test_system, by=None, wave=first)
    assert "test_first" not in codes(second)


def test_capacity_of_systems_vms_and_testers():
    wave = wave_on("2021-02-02", max_systems=1, max_vms=5)
    agency_system = covered_system(wave=wave, status="planned")
    assert not {"max_systems", "max_vms", "tester_capacity"} & codes(wave)
    covered_system(wave=wave, status="planned", agency=agency_system.agency)
    VMFactory.create_batch(6, system=agency_system)
    assert {"max_systems", "max_vms"} <= codes(wave)
    assert "tester_capacity" not in codes(wave)
    TesterCapacity.objects.create(agency=agency_system.agency, wave=wave, capacity=1)
    assert "tester_capacity" in codes(wave)


def test_agency_default_tester_capacity_applies_without_a_wave_value():
    wave = wave_on("2021-02-02")
    first = covered_system(wave=wave, status="planned")
    covered_system(wave=wave, status="planned", agency=first.agency)
    first.agency.tester_capacity = 2
    first.agency.save()
    assert "tester_capacity" not in codes(wave)
    first.agency.tester_capacity = 1
    first.agency.save()
    assert "tester_capacity" in codes(wave)


def test_contacts_no_primary_blocks_and_production_without_tester_warns():
    wave = wave_on("2021-02-02")
    covered_system(wave=wave, status="planned", environment="production")
    assert not {"no_primary_contact", "no_tester"} & codes(wave)
    covered_system(wave=wave, status="planned", environment="production", tester=False)
    assert "no_tester" in codes(wave)
    SystemFactory(wave=wave, status="planned")
    assert "no_primary_contact" in codes(wave)


def test_confirmation_refused_with_a_blocker():
    wave = wave_on("2021-02-02")
    SystemFactory(code="UKJENT", wave=wave, status="planned")
    with pytest.raises(ValidationError) as refused:
        wave_set_state(wave=wave, state="confirmed", by=None, reason="vi vet")
    assert "UKJENT has no primary contact: nobody can be told." in refused.value.messages
    wave.refresh_from_db()
    assert wave.state == "draft"


def test_confirmation_with_warnings_needs_a_reason_kept_in_history():
    wave = wave_on("2021-04-05")
    covered_system(wave=wave, status="planned")
    with pytest.raises(ValidationError) as refused:
        wave_set_state(wave=wave, state="confirmed", by=None)
    assert refused.value.messages[0] == "Give a reason to confirm the wave despite these warnings:"
    assert "The window touches 05.04.2021, Easter Monday." in refused.value.messages
    wave_set_state(wave=wave, state="confirmed", by=None, reason="Avtalt med driften")
    wave.refresh_from_db()
    assert wave.state == "confirmed"
    assert wave.history.first().history_change_reason == "Avtalt med driften [day_off]"


def test_confirmation_without_findings_needs_no_reason():
    wave = wave_on("2021-02-02")
    covered_system(wave=wave, status="planned")
    assert wave_findings(wave) == []
    assert wave_set_state(wave=wave, state="confirmed", by=None).state == "confirmed"


@pytest.mark.parametrize("state", ["in_progress", "completed", "cancelled"])
def test_no_short_notice_for_a_wave_that_runs_is_done_or_is_off(state):
    assert "short_notice" not in codes(wave_on("2021-01-12", state=state))
