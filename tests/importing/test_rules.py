"""An import obeys the rules every other route does: wave capacity and state, the lifecycle, VMs with their system.

Refusals name file, row and column like the importer's other errors, and the checks cost a few queries per file,
not one per row.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from systems.choices import MigrationStatus as S
from systems.models import VM, System
from tests.factories import AgencyFactory, SystemFactory, VMFactory, WaveFactory
from waves.models import Wave

from .conftest import errors

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
HEADER = "code;name;agency;environment;wave\n"


@pytest.fixture
def agency():
    return AgencyFactory(code="BYM")


def _systems(agency, count: int, *, vms: int = 1, wave=None) -> list[System]:
    systems = [SystemFactory(code=f"S{n}", agency=agency, wave=wave) for n in range(1, count + 1)]
    for system in systems:
        VMFactory.create_batch(vms, system=system)
    return systems


def test_import_refuses_the_row_that_takes_a_wave_over_its_vm_limit(run_import, agency):
    wave = WaveFactory(name="B1", max_vms=5)
    _systems(agency, 1, vms=2, wave=wave)  # S1: two VMs already in the wave
    for code in ("S2", "S3", "S4"):
        VMFactory.create_batch(2, system=SystemFactory(code=code, agency=agency))
    rows = "".join(f"{code};Sak;BYM;production;B1\n" for code in ("S2", "S3", "S4"))
    result = run_import({"systems.csv": HEADER + rows})
    # 2 there + 2 (row 2) = 4, + 2 (row 3) = 6 > 5: row 3 is the one refused, with the wave's total.
    assert errors(result) == ["systems.csv:3: wave: Bølgen «B1» ville fått 8 VM-er; grensen er 5."]
    assert list(System.objects.filter(wave=wave).values_list("code", flat=True)) == ["S1"]


def test_import_refuses_new_vms_over_the_limit_at_their_row(run_import, agency):
    wave = WaveFactory(name="B1", max_vms=2)
    system = SystemFactory(code="S1", agency=agency, wave=wave, status=S.PLANNED)
    VMFactory(system=system)
    vms = "hostname;system\nny01;S1\nny02;S1\n"
    assert errors(run_import({"vms.csv": vms})) == ["vms.csv:3: system: Bølgen «B1» ville fått 3 VM-er; grensen er 2."]
    assert run_import({"vms.csv": "hostname;system\nny01;S1\n"}).ok
    assert VM.objects.get(hostname="ny01").status == S.PLANNED  # a new VM joins its system where it is


def test_import_leaves_a_wave_that_was_over_its_limit_before_alone(run_import, agency):
    wave = WaveFactory(name="B1", max_vms=1)
    _systems(agency, 1, vms=3, wave=wave)
    result = run_import({"systems.csv": "code;name;agency;environment;criticality\nS1;Sak;BYM;production;high\n"})
    assert result.ok, errors(result)


def test_import_refuses_moves_into_closed_waves_and_of_systems_that_moved(run_import, agency):
    WaveFactory(name="Ferdig", state="completed")
    WaveFactory(name="Avlyst", state="cancelled")
    WaveFactory(name="B2")
    SystemFactory(code="S1", agency=agency)
    SystemFactory(code="S2", agency=agency)
    SystemFactory(code="S3", agency=agency, status=S.MIGRATED)
    rows = "S1;Sak;BYM;test;Ferdig\nS2;Sak;BYM;test;Avlyst\nS3;Sak;BYM;test;B2\nS4;Ny;BYM;test;Ferdig\n"
    assert errors(run_import({"systems.csv": HEADER + rows})) == [
        "systems.csv:2: wave: Bølgen «Ferdig» er fullført og tar ikke imot flere systemer.",
        "systems.csv:3: wave: Bølgen «Avlyst» er avlyst og tar ikke imot flere systemer.",
        "systems.csv:4: wave: S3 er allerede flyttet og kan ikke bytte bølge.",
        "systems.csv:5: wave: Bølgen «Ferdig» er fullført og tar ikke imot flere systemer.",
    ]


@pytest.mark.parametrize("count", [30, 120])
def test_import_checks_waves_in_a_few_queries_whatever_the_number_of_rows(
    run_import, agency, django_assert_max_num_queries, count
):
    WaveFactory(name="B1", max_vms=1000)
    WaveFactory(name="B2", max_vms=1000)
    systems = _systems(agency, count, vms=2)
    rows = "".join(f"{system.code};Sak;BYM;production;B{1 + n % 2}\n" for n, system in enumerate(systems))
    with django_assert_max_num_queries(28):  # the same bound at both sizes: nothing per row
        result = run_import({"systems.csv": HEADER + rows})
    assert result.ok, errors(result)
    assert VM.objects.filter(status=S.PLANNED).count() == 2 * count


def test_restoring_into_an_empty_database_loads_waves_with_their_systems_as_given(run_import):
    """A closed wave, over its limit, with a verified system: what an export of a finished wave looks like."""
    files = {
        "agencies.csv": "code;name\nBYM;Bymiljøetaten\n",
        "waves.csv": "name;window_start;window_end;state;max_vms\nB0;2020-01-04 18:00;2020-01-04 23:00;completed;1\n",
        "systems.csv": "code;name;agency;environment;wave;status\nS1;Sak;BYM;test;B0;verified\n",
        "vms.csv": "hostname;system;status;migrated_at\nvm01;S1;verified;2020-01-04 19:30\nvm02;S1;verified;\n",
    }
    result = run_import(files)  # over the wave's limit of 1, as the export had it: loaded as given
    assert result.ok, errors(result)
    assert VM.objects.get(hostname="vm02").migrated_at is None  # not in the file: not invented
    vm = VM.objects.get(hostname="vm01")
    assert (vm.status, vm.migrated_at) == (S.VERIFIED, datetime(2020, 1, 4, 19, 30, tzinfo=OSLO))
    assert (Wave.objects.get().state, System.objects.get().status) == ("completed", S.VERIFIED)


def test_import_keeps_migrated_at_when_the_file_has_none(run_import, agency):
    migrated = datetime(2024, 5, 1, 20, 0, tzinfo=OSLO)
    system = SystemFactory(code="S1", agency=agency, status=S.IN_PROGRESS)
    VMFactory(system=system, hostname="vm01", status=S.MIGRATED, migrated_at=migrated)
    result = run_import({"vms.csv": "hostname;system;status\nvm01;S1;verified\n"})
    assert result.ok, errors(result)
    assert VM.objects.get().migrated_at == migrated


def test_vms_follow_a_system_the_import_moves(run_import, agency):
    wave = WaveFactory(name="B1")
    system = SystemFactory(code="S1", agency=agency)
    VMFactory(system=system, hostname="vm01")
    VMFactory(system=system, hostname="vm02", status=S.EXCLUDED)
    result = run_import({"systems.csv": HEADER + "S1;Sak;BYM;production;B1\n"})
    assert result.ok, errors(result)
    system.refresh_from_db()
    assert (system.wave, system.status) == (wave, S.PLANNED)
    assert dict(VM.objects.values_list("hostname", "status")) == {"vm01": S.PLANNED, "vm02": S.EXCLUDED}
    assert VM.objects.get(hostname="vm01").history.latest().history_change_reason == "import"


def test_import_refuses_a_vm_status_behind_its_system(run_import, agency):
    system = SystemFactory(code="S1", agency=agency, status=S.MIGRATED)
    VMFactory(system=system, hostname="vm01", status=S.ROLLED_BACK)
    VMFactory(system=system, hostname="vm03", status=S.PLANNED)  # left behind earlier: check_inventory's business
    vms = "hostname;system;status\nvm01;S1;planned\nvm02;S1;not_planned\nvm03;S1;planned\nvm04;S1;migrated\n"
    assert errors(run_import({"vms.csv": vms})) == [
        "vms.csv:2: status: vm01 kan ikke være «planlagt» når systemet S1 er «migrert».",
        "vms.csv:3: status: vm02 kan ikke være «ikke planlagt» når systemet S1 er «migrert».",
    ]


def test_import_steps_an_existing_wave_only_as_the_wave_rules_allow(run_import):
    wave = WaveFactory(name="B1")
    start, end = ("2031-01-04 18:00", "2031-01-04 23:00")
    result = run_import({"waves.csv": f"name;window_start;window_end;state\nB1;{start};{end};completed\n"})
    assert errors(result) == ["waves.csv:2: state: En bølge kan ikke gå fra «utkast» til «fullført»."]
    wave.refresh_from_db()
    assert wave.state == "draft"
