"""What people really have: encodings, delimiters, decimal commas, date formats, XLSX with typed cells."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from systems.models import VM, Agency
from waves.models import Wave

from .conftest import errors

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")
AGENCIES = (
    "code;name;kind\nBYM;Bymiljøetaten;etat\nUKE;Utviklings- og kompetanseetaten;etat\nSÆR;Særskilt åpen øvelse;other\n"
)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(AGENCIES.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + AGENCIES.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(AGENCIES.encode("cp1252"), id="windows-1252"),
        pytest.param(AGENCIES.replace("\n", "\r\n").encode("cp1252"), id="windows-1252 with CRLF"),
        pytest.param(AGENCIES.replace(";", "\t").encode("utf-16"), id="utf-16 tab-separated (Excel Unicode text)"),
    ],
)
def test_import_reads_the_encodings_excel_writes(run_import, content):
    result = run_import({"agencies.csv": content})
    assert result.ok, errors(result)
    assert sorted(Agency.objects.values_list("code", "name")) == [
        ("BYM", "Bymiljøetaten"),
        ("SÆR", "Særskilt åpen øvelse"),
        ("UKE", "Utviklings- og kompetanseetaten"),
    ]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_import_reads_semicolon_and_comma_separated_files(run_import, delimiter):
    vms = 'hostname;system;memory_gb;disk_gb\nvm1;S1;"2,5";"1 024,75"\n'.replace(";", delimiter)
    files = {
        "agencies.csv": "code;name\nBYM;Bymiljøetaten\n".replace(";", delimiter),
        "systems.csv": "code;name;agency;environment\nS1;Sak, arkiv og post;BYM;test\n".replace(
            "Sak, arkiv og post", '"Sak, arkiv og post"'
        ).replace(";", delimiter),
        "vms.csv": vms,
    }
    result = run_import(files)
    assert result.ok, errors(result)
    vm = VM.objects.select_related("system").get()
    assert (vm.system.name, vm.memory_gb, vm.disk_gb) == ("Sak, arkiv og post", Decimal("2.5"), Decimal("1024.75"))


def test_import_reads_the_three_date_time_forms_as_oslo_time(run_import):
    result = run_import(
        {
            "waves.csv": (
                "name;window_start;window_end\n"
                "B1;2021-03-06 18:00;06.03.2021 23:30\n"
                "B2;2021-07-03T18:00:00+00:00;2021-07-03T23:00:00Z\n"
            )
        }
    )
    assert result.ok, errors(result)
    b1, b2 = Wave.objects.order_by("name")
    assert b1.window_start == dt.datetime(2021, 3, 6, 18, 0, tzinfo=OSLO)
    assert b1.window_end == dt.datetime(2021, 3, 6, 23, 30, tzinfo=OSLO)
    assert b2.window_start == dt.datetime(2021, 7, 3, 18, 0, tzinfo=dt.UTC)
    assert b2.window_end.astimezone(OSLO).hour == 1


def test_import_reads_an_xlsx_workbook_with_typed_cells_in_any_sheet_order(run_import):
    workbook = openpyxl.Workbook()
    vms = workbook.active
    vms.title = "VMs"
    vms.append(["Hostname", "System", "vCPUs", "memory_gb", "migrated_at"])
    vms.append(["vm1.kommune.local", "S1", 4, 15.5, dt.datetime(2021, 3, 6, 23, 0)])
    vms.append([None, None, None, None, None])  # blank rows in spreadsheets are skipped
    systems = workbook.create_sheet("Systemer")
    systems.append(["code", "name", "agency", "environment"])
    systems.append(["S1", "Sak", "BYM", "Produksjon"])
    agencies = workbook.create_sheet("agencies")
    agencies.append(["code", "name"])
    agencies.append(["BYM", "Bymiljøetaten"])
    stream = io.BytesIO()
    workbook.save(stream)
    result = run_import({"Inventar 2021.xlsx": stream.getvalue()})
    assert result.ok, errors(result)
    vm = VM.objects.select_related("system__agency").get()
    assert (vm.vcpus, vm.memory_gb, vm.system.environment) == (4, Decimal("15.5"), "production")
    assert vm.migrated_at == dt.datetime(2021, 3, 6, 23, 0, tzinfo=OSLO)


def test_import_xlsx_errors_name_the_sheet_and_row(run_import):
    workbook = openpyxl.Workbook()
    workbook.active.title = "agencies"
    workbook.active.append(["code", "name", "kind"])
    workbook.active.append(["BYM", "Bymiljøetaten", "etat"])
    workbook.active.append(["UKE", "Utviklingsetaten", "direktorat"])
    stream = io.BytesIO()
    workbook.save(stream)
    assert errors(run_import({"inventar.xlsx": stream.getvalue()})) == [
        "inventar.xlsx/agencies:3: kind: «direktorat» er ikke en tillatt verdi. Tillatt: etat, bydel, foretak, other."
    ]
