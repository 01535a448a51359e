"""Every error class of the import, with the message a user sees (`file:row: column: message`, in bokmål)."""

import io

import openpyxl
import pytest
from django.test import override_settings

from systems.models import Agency, System

from .conftest import errors

pytestmark = pytest.mark.django_db


# --- file level --------------------------------------------------------------------------------------


def test_import_unknown_kind_names_the_kinds(run_import):
    result = run_import({"servere.csv": "code;name\nA;B\n"})
    assert errors(result) == [
        "servere.csv: Kan ikke se hva tabellen inneholder ut fra navnet «servere.csv». "
        "Gi den navn etter en av: agencies, waves, systems, vms, contacts."
    ]


def test_import_unknown_sheet_in_workbook_is_named(run_import):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Ark1"
    workbook.active.append(["code", "name"])
    stream = io.BytesIO()
    workbook.save(stream)
    result = run_import({"inventar.xlsx": stream.getvalue()})
    assert errors(result)[0].startswith("inventar.xlsx/Ark1: Kan ikke se hva tabellen inneholder")


def test_import_missing_required_column_lists_expected_columns(run_import):
    result = run_import({"systems.csv": "code;name;environment\nS1;Sak;test\n"})
    assert errors(result) == [
        "systems.csv: Påkrevde kolonner mangler: agency. Forventede kolonner (* = påkrevd): code*, name*, agency*, "
        "environment*, criticality, status, wave, depends_on, move_with, test_counterpart, description, "
        "source_datacenter, target_datacenter, downtime_start, downtime_end, migrated_at."
    ]


def test_import_unreadable_encoding_is_refused(run_import):
    # 0x81 is undefined in Windows-1252 and not UTF-8 either.
    result = run_import({"agencies.csv": b"code;name\nBYM;Bymilj\x81etaten\n"})
    assert errors(result) == [
        "agencies.csv: Filen kan ikke leses: den er verken UTF-8- eller Windows-1252-tekst. Lagre den som CSV UTF-8."
    ]


def test_import_empty_file_is_refused(run_import):
    assert errors(run_import({"agencies.csv": b""})) == ["agencies.csv: Filen er tom."]
    assert errors(run_import({"agencies.csv": b"\n\n  \n"})) == ["agencies.csv: Filen er tom."]


def test_import_binary_file_is_not_a_table(run_import):
    result = run_import({"systems.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert errors(result) == [
        "systems.csv: Dette er ikke en tabell: filen inneholder binærdata. Lagre den som CSV eller XLSX."
    ]


def test_import_text_without_header_is_not_a_table(run_import):
    result = run_import({"agencies.csv": "Hei, her er lista vi snakket om\n"})
    assert errors(result)[0].startswith(
        "agencies.csv: Dette er ikke en tabell: fant ingen overskriftsrad med kolonnenavn. Forventede kolonner: code*"
    )


def test_import_broken_workbook_is_not_a_table(run_import):
    result = run_import({"inventory.xlsx": b"PK\x03\x04 this is not really a zip"})
    assert errors(result)[0].startswith("inventory.xlsx: Dette er ikke en lesbar XLSX-arbeidsbok")


@override_settings(INVENTORY_IMPORT_MAX_BYTES=100)
def test_import_file_over_the_size_limit_is_refused(run_import):
    result = run_import({"agencies.csv": "code;name\n" + "BYM;Bymiljøetaten\n" * 20})
    assert errors(result) == ["agencies.csv: Filen er for stor: 390\xa0byte, grensen er 100\xa0byte."]


# --- row level ---------------------------------------------------------------------------------------


def test_import_required_cell_empty(run_import):
    result = run_import({"agencies.csv": "code;name\nBYM;\n"})
    assert errors(result) == ["agencies.csv:2: name: Feltet må fylles ut."]


def test_import_unknown_reference(run_import):
    result = run_import({"systems.csv": "code;name;agency;environment\nS1;Sak;NOPE;test\n"})
    assert errors(result) == ["systems.csv:2: agency: Ingen virksomhet har koden «NOPE»."]


def test_import_bad_choice_lists_allowed_values(run_import, base_files):
    base_files["systems.csv"] = "code;name;agency;environment;criticality\nS1;Sak;BYM;staging;enorm\n"
    del base_files["vms.csv"]
    assert errors(run_import(base_files)) == [
        "systems.csv:2: environment: «staging» er ikke en tillatt verdi. Tillatt: test, production.",
        "systems.csv:2: criticality: «enorm» er ikke en tillatt verdi. Tillatt: low, medium, high, critical.",
    ]


def test_import_bad_number(run_import, base_files):
    base_files["vms.csv"] = "hostname;system;vcpus;memory_gb\nvm1;SAK;to;8 GB\n"
    assert errors(run_import(base_files)) == [
        "vms.csv:2: vcpus: «to» er ikke et heltall.",
        "vms.csv:2: memory_gb: «8 GB» er ikke et tall.",
    ]


def test_import_negative_size(run_import, base_files):
    base_files["vms.csv"] = "hostname;system;disk_gb\nvm1;SAK;-100\n"
    assert errors(run_import(base_files)) == ["vms.csv:2: disk_gb: Må være større enn null (fikk -100)."]


def test_import_bad_date(run_import):
    result = run_import({"waves.csv": "name;window_start;window_end\nB1;6. mars kl 18;2027-03-06 23:00\n"})
    assert errors(result) == [
        "waves.csv:2: window_start: «6. mars kl 18» er ikke dato og klokkeslett. Bruk 2021-03-06 18:00, "
        "06.03.2021 18:00 (norsk tid) eller ISO 8601 med tidssone, som 2021-03-06T18:00+01:00."
    ]


def test_import_window_end_before_start(run_import):
    result = run_import({"waves.csv": "name;window_start;window_end\nB1;2027-03-06 18:00;2027-03-06 17:00\n"})
    assert errors(result) == ["waves.csv:2: window_end: Migreringsvinduet må slutte etter at det starter."]


def test_import_duplicate_key_within_the_import(run_import):
    result = run_import({"agencies.csv": "code;name\nBYM;Bymiljø\nBSH;Bydel\nBYM;Bymiljøetaten\n"})
    assert errors(result) == [
        "agencies.csv:4: code: «BYM» står mer enn én gang i denne importen (først i agencies.csv rad 2)."
    ]


def test_import_duplicate_vm_hostname_differing_only_in_case(run_import, base_files):
    base_files["vms.csv"] = "hostname;system\nvm1.local;SAK\nVM1.LOCAL;SAK\n"
    assert errors(run_import(base_files)) == [
        "vms.csv:3: hostname: «VM1.LOCAL» står mer enn én gang i denne importen (først i vms.csv rad 2)."
    ]


def test_import_invalid_email(run_import):
    result = run_import({"contacts.csv": "email;name\nkari.kommune.no;Kari\n"})
    assert errors(result) == ["contacts.csv:2: email: «kari.kommune.no» er ikke en gyldig e-postadresse."]


def test_import_dependency_on_itself(run_import, base_files):
    base_files["systems.csv"] = "code;name;agency;environment;depends_on\nS1;Sak;BYM;test;S2|S1\nS2;Arkiv;BYM;test;\n"
    del base_files["vms.csv"]
    assert errors(run_import(base_files)) == ["systems.csv:2: depends_on: Et system kan ikke avhenge av seg selv."]


def test_import_dependency_on_unknown_system(run_import, base_files):
    base_files["systems.csv"] = "code;name;agency;environment;depends_on\nS1;Sak;BYM;test;S9\n"
    del base_files["vms.csv"]
    assert errors(run_import(base_files)) == ["systems.csv:2: depends_on: Ingen system har koden «S9»."]


def test_import_error_in_a_referenced_row_is_reported_once(run_import, base_files):
    """A system whose own row is wrong is not also reported as unknown by every VM that uses it."""
    base_files["systems.csv"] = "code;name;agency;environment\nS1;Sak;BYM;staging\n"
    base_files["vms.csv"] = "hostname;system\nvm1;S1\nvm2;S1\n"
    result = run_import(base_files)
    assert [problem.file for problem in result.errors] == ["systems.csv"]


def test_import_any_error_writes_nothing(run_import, base_files):
    base_files["vms.csv"] = "hostname;system;vcpus\nvm1;SAK;2\nvm2;SAK;-1\n"
    result = run_import(base_files)
    assert result.error_count == 1
    assert not Agency.objects.exists()
    assert not System.objects.exists()


def test_import_unknown_column_is_a_warning_not_an_error(run_import):
    result = run_import({"agencies.csv": "code;name;farge\nBYM;Bymiljøetaten;grønn\n"})
    assert result.ok
    assert [str(warning) for warning in result.warnings] == [
        "agencies.csv:1: Kolonnen «farge» er ukjent og ble ikke lest. "
        "Kjente kolonner: code*, name*, kind, tester_capacity."
    ]
    assert Agency.objects.get().name == "Bymiljøetaten"
