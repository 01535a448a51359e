"""What an import does: upsert by natural key, untouched vs cleared, history, waves, contacts, all-or-nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notice
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
    collected_changes,
)
from waves import services as wave_services
from waves.models import Wave

from .conftest import counts, errors

pytestmark = pytest.mark.django_db


def test_import_creates_then_updates_by_natural_key(run_import, base_files):
    first = run_import(base_files)
    assert first.ok, errors(first)
    assert counts(first)["systems"] == (2, 0, 0)
    base_files["systems.csv"] = base_files["systems.csv"].replace("Sakarkiv", "Sak- og arkiv")
    second = run_import(base_files)
    assert counts(second)["systems"] == (0, 1, 1)
    assert counts(second)["agencies"] == (0, 0, 2)
    assert System.objects.get(code="SAK").name == "Sak- og arkiv"
    assert System.objects.count() == 2


def test_import_references_rows_of_the_same_import(run_import, base_files):
    result = run_import(base_files)
    system = System.objects.select_related("agency", "wave").get(code="SAK")
    assert (system.agency.name, system.wave.name) == ("Bymiljøetaten", "Bølge 1")
    assert VM.objects.get().system == system
    assert result.ok


def test_import_absent_column_leaves_field_and_empty_cell_clears_it(run_import):
    agency = AgencyFactory(code="BYM")
    wave = WaveFactory(name="Bølge 1")
    SystemFactory(code="S1", agency=agency, wave=wave, description="Viktig", criticality="high")
    result = run_import({"systems.csv": "code;name;agency;environment;wave;criticality\nS1;Sak;BYM;test;;\n"})
    assert result.ok, errors(result)
    system = System.objects.get(code="S1")
    assert system.wave is None  # present, empty: cleared
    assert system.criticality == "medium"  # present, empty: back to the default
    assert system.description == "Viktig"  # absent: untouched


def test_import_matches_vm_hostname_and_contact_email_ignoring_case(run_import):
    vm = VMFactory(hostname="App01.Kommune.Local", vcpus=2)
    person = ContactPersonFactory(email="Kari.Nordmann@Kommune.no", name="Kari")
    result = run_import(
        {
            "vms.csv": f"hostname;system;vcpus\napp01.kommune.local;{vm.system.code};4\n",
            "contacts.csv": "email;name\nkari.nordmann@kommune.no;Kari Nordmann\n",
        }
    )
    assert counts(result)["vms"] == (0, 1, 0)
    assert counts(result)["contacts"] == (0, 1, 0)
    vm.refresh_from_db()
    person.refresh_from_db()
    assert (VM.objects.count(), vm.vcpus, ContactPerson.objects.count(), person.name) == (1, 4, 1, "Kari Nordmann")


def test_import_reads_norwegian_values_and_header_aliases(run_import):
    result = run_import(
        {
            "virksomheter.csv": "Kode;Navn;Type\nBYM;Bymiljøetaten;bydel\n",
            "systemer.csv": (
                "KODE;Navn;Virksomhet;Miljø;Kritikalitet;Status\nS1;Sak;BYM;produksjon;kritisk;satt på vent\n"
            ),
            "vms.csv": "Vertsnavn;System;Minne_GB;Disk\nvm1;S1;7,5;1 024,25\n",
            "kontakter.csv": "E-post;Navn;System;Rolle\nkari@k.no;Kari;S1;primær\nkari@k.no;Kari;S1;eier\n",
        }
    )
    assert result.ok, errors(result)
    system = System.objects.get()
    assert (system.environment, system.criticality, system.status) == ("production", "critical", "on_hold")
    assert system.status_before_hold == "not_planned"  # so the lifecycle can take it off hold again
    vm = VM.objects.get()
    assert (vm.memory_gb, vm.disk_gb) == (Decimal("7.5"), Decimal("1024.25"))
    assert set(SystemContact.objects.values_list("role", flat=True)) == {"primary", "owner"}


def test_import_same_email_on_several_rows_is_one_person(run_import, base_files):
    base_files["contacts.csv"] = (
        "email,name,phone,agency,system,role\n"
        "kari@kommune.no,Kari,123,BYM,SAK,primary\n"
        "kari@kommune.no,Kari,123,BYM,WEB,tester\n"
        "ola@kommune.no,Ola,,,,\n"
    )
    result = run_import(base_files)
    assert counts(result)["contacts"] == (2, 0, 0)
    kari = ContactPerson.objects.get(email="kari@kommune.no")
    assert sorted(kari.system_contacts.values_list("system__code", "role")) == [("SAK", "primary"), ("WEB", "tester")]
    assert not ContactPerson.objects.get(email="ola@kommune.no").system_contacts.exists()


def test_import_rows_that_disagree_about_one_person_are_refused(run_import, base_files):
    base_files["contacts.csv"] = "email;name;system\nkari@kommune.no;Kari;SAK\nkari@kommune.no;Karin;WEB\n"
    assert errors(run_import(base_files)) == [
        "contacts.csv:3: name: «Karin» er ulik contacts.csv rad 2 for samme e-postadresse («Kari»)."
    ]


def test_import_sets_dependencies_exactly_with_history(run_import, base_files, editor_user):
    base_files["systems.csv"] = (
        "code;name;agency;environment;depends_on\nS1;Sak;BYM;test;S2 S3\nS2;Arkiv;BYM;test;\nS3;Web;BYM;test;S2\n"
    )
    del base_files["vms.csv"]
    assert run_import(base_files, by=editor_user).ok
    s1 = System.objects.get(code="S1")
    assert sorted(s1.depends_on.values_list("code", flat=True)) == ["S2", "S3"]
    latest = s1.history.latest()
    assert sorted(latest.depends_on.values_list("to_system__code", flat=True)) == ["S2", "S3"]
    assert (latest.history_change_reason, latest.history_user) == ("import", editor_user)

    base_files["systems.csv"] = base_files["systems.csv"].replace("S2 S3", "S3")
    result = run_import(base_files)
    assert counts(result)["systems"] == (0, 1, 2)
    assert list(s1.depends_on.values_list("code", flat=True)) == ["S3"]


def test_import_records_history_with_reason_import(run_import, base_files, editor_user):
    run_import(base_files, by=editor_user)
    vm = VM.objects.get()
    record = vm.history.get()
    assert (record.history_type, record.history_change_reason, record.history_user) == ("+", "import", editor_user)
    base_files["vms.csv"] = base_files["vms.csv"].replace("planned", "in_progress")
    run_import(base_files, by=editor_user)
    vm.refresh_from_db()
    assert vm.status == "in_progress"
    assert vm.history.latest().history_change_reason == "import"
    assert vm.history.count() == 2


def test_import_loads_a_new_system_in_the_status_it_gives_but_steps_an_existing_one_by_the_lifecycle(run_import):
    agency = SystemFactory(code="S1", status="not_planned").agency
    result = run_import(
        {
            "systems.csv": f"code;name;agency;environment;status\nS1;Sak;{agency.code};test;verifisert\n"
            f"S2;Arkiv;{agency.code};test;verifisert\n"
        }
    )
    assert errors(result) == [
        "systems.csv:2: status: Kan ikke endre status fra «ikke planlagt» til «verifisert». "
        "Tillatt: planlagt, satt på vent, utgår."
    ]
    assert not System.objects.filter(code="S2").exists()  # all or nothing
    result = run_import(
        {"systems.csv": f"code;name;agency;environment;status\nS2;Arkiv;{agency.code};test;verifisert\n"}
    )
    assert result.ok, errors(result)
    assert System.objects.get(code="S2").status == "verified"
    assert System.objects.get(code="S2").migrated_at is None  # not in the file: an import never invents it


def test_import_confirmed_wave_gets_its_notices_scheduled(run_import, base_files, editor_user, settings):
    base_files["waves.csv"] = base_files["waves.csv"].replace(";draft", ";confirmed")
    result = run_import(base_files, by=editor_user)
    assert result.ok, errors(result)
    wave = Wave.objects.get()
    assert wave.state == "confirmed"
    assert wave.history.latest().history_change_reason == "import"
    # Scheduled exactly as when an editor confirms in the browser: announcement and reminder before the window.
    notices = {notice.kind: notice for notice in Notice.objects.filter(wave=wave)}
    assert set(notices) == {"announcement", "reminder"}
    assert {notice.state for notice in notices.values()} == {"scheduled"}
    assert notices["announcement"].publish_at == wave.window_start - timedelta(days=settings.NOTICE_LEAD_DAYS)
    assert notices["reminder"].publish_at == wave.window_start - timedelta(days=settings.REMINDER_LEAD_DAYS)
    # The wave's systems were in it when it was confirmed, so its notices will name them.
    assert list(wave.systems.values_list("code", flat=True)) == ["SAK"]

    assert run_import(base_files, by=editor_user).ok
    assert Notice.objects.filter(wave=wave).count() == 2  # confirmed already: nothing scheduled twice


def test_import_completed_wave_is_loaded_as_given(run_import):
    result = run_import(
        {"waves.csv": "name;window_start;window_end;state\nB0;2020-01-04 18:00;2020-01-04 23:00;fullført\n"}
    )
    assert result.ok, errors(result)
    assert Wave.objects.get().state == "completed"


def test_import_cannot_confirm_a_completed_wave(run_import):
    WaveFactory(name="B0", state="completed")
    wave = Wave.objects.get()
    start, end = (
        timezone.localtime(value).strftime("%Y-%m-%d %H:%M") for value in (wave.window_start, wave.window_end)
    )
    result = run_import({"waves.csv": f"name;window_start;window_end;state\nB0;{start};{end};confirmed\n"})
    assert errors(result) == ["waves.csv:2: state: En bølge kan ikke gå fra «fullført» til «bekreftet»."]


def test_import_collects_a_change_notice_for_each_wave_systems_joined_or_left(run_import, editor_user):
    agency = AgencyFactory(code="BYM")
    old, new, quiet = WaveFactory(name="Gammel"), WaveFactory(name="Ny"), WaveFactory(name="Stille")
    SystemFactory(code="S1", agency=agency, wave=old, status="planned")
    SystemFactory(code="S2", agency=agency, wave=old, status="planned")
    SystemFactory(code="S3", agency=agency, wave=quiet, status="planned")
    for wave in (old, new, quiet):
        start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
        wave_services.wave_update(wave=wave, by=None, window_start=start, window_end=start + timedelta(hours=5))
        wave_services.wave_set_state(wave=wave, state="confirmed", by=None)  # the announcement goes out at once
    result = run_import(
        {
            "systems.csv": (
                "code;name;agency;environment;wave\nS1;A;BYM;test;Ny\nS2;B;BYM;test;Ny\nS3;C;BYM;test;Stille\n"
            )
        },
        by=editor_user,
    )
    assert result.ok, errors(result)
    assert collected_changes(old) == {"S1": "removed", "S2": "removed"}
    assert collected_changes(new) == {"S1": "added", "S2": "added"}
    assert not quiet.notices.filter(kind="change").exists()
    assert new.systems.count() == 2


def test_import_dry_run_counts_but_writes_nothing(run_import, base_files):
    result = run_import(base_files, dry_run=True)
    assert result.ok and result.dry_run
    assert counts(result)["systems"] == (2, 0, 0)
    assert not (Agency.objects.exists() or Wave.objects.exists() or System.objects.exists() or VM.objects.exists())


def test_import_failing_row_at_the_end_of_a_big_file_leaves_the_database_untouched(run_import, base_files):
    vm_rows = "".join(f"vm{number:05d}.kommune.local;SAK;Linux;2;8;100\n" for number in range(5000))
    base_files["vms.csv"] = "hostname;system;os;vcpus;memory_gb;disk_gb\n" + vm_rows + "vm-last;SAK;Linux;2;8;0\n"
    result = run_import(base_files, chunk_size=500)  # earlier chunks were written before the last row was read
    assert errors(result) == ["vms.csv:5002: disk_gb: Må være større enn null (fikk 0)."]
    assert counts(result)["vms"][0] == 5000
    assert not VM.objects.exists()
    assert not System.objects.exists()
