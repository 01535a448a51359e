"""Files that try to hurt the service: zip bombs, XML entities, broken workbooks, too many files, columns, rows.

Each ends as a refused import with a reason a user can read, never an exception, and nothing is written.
"""

import io
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from systems.inventory.models import ImportJob
from systems.models import Agency, System

from .conftest import AGENCIES, errors
from .hostile import BILLION_LAUGHS, EXTERNAL_ENTITY, SYSTEMS_HEADER, replace_members, workbook_bytes, zip_bomb

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_zip_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    """200 MiB of shared strings in 200 KiB, read by a process allowed 300 MiB more than it has at start.

    (Unchecked, openpyxl's shared strings alone would take several times that; bigger bombs meet the part size
    bound first.)
    """
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb(200 << 20))
    assert bomb.stat().st_size < 300 << 10
    script = textwrap.dedent(
        f"""
        import os, resource, django
        from pathlib import Path
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")
        django.setup()
        from django.utils import translation
        from systems.inventory.readers import Source, plan
        from systems.inventory.tasks import address_space_bytes
        resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes() + (300 << 20), resource.RLIM_INFINITY))
        problems = []
        with translation.override("en"):
            refs = plan([Source.from_path(Path({str(bomb)!r}))], problems)
        print(len(refs), [str(problem) for problem in problems])
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    assert done.stdout.startswith("0 ['bomb.xlsx: The workbook part xl/sharedStrings.xml is compressed 10")
    assert "refused as a possible zip bomb" in done.stdout


@override_settings(INVENTORY_XLSX_MAX_UNCOMPRESSED_BYTES=10_000)
def test_workbook_larger_than_the_bound_when_unpacked_is_refused(run_import):
    content = workbook_bytes([SYSTEMS_HEADER, *([f"S{n}", "x" * 50, "BYM", "test"] for n in range(200))])
    [error] = errors(run_import({"inventory.xlsx": content}))
    assert error.startswith("inventory.xlsx: Arbeidsboken blir ")
    assert error.endswith("\xa0KB utpakket; grensen er 9,8\xa0KB.")
    assert not System.objects.exists()


@pytest.mark.parametrize(
    ("member", "xml"),
    [
        ("xl/sharedStrings.xml", BILLION_LAUGHS),
        ("xl/sharedStrings.xml", EXTERNAL_ENTITY),
        ("xl/workbook.xml", b'<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "http://evil.example/x.dtd"><workbook/>'),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_workbook_with_a_dtd_or_entities_is_refused(run_import, member, xml):
    content = replace_members(workbook_bytes([SYSTEMS_HEADER, ["S1", "Sak", "BYM", "test"]]), {member: xml})
    result = run_import({"inventory.xlsx": content})
    assert errors(result) == [
        f"inventory.xlsx: Delen {member} av arbeidsboken erklærer en DTD eller entiteter, "
        "som en arbeidsbok aldri trenger: avvist."
    ]


def test_internal_entities_are_refused_by_the_parser_too(run_import, settings):
    """Behind the prolog check, openpyxl parses with defusedxml: an entity that slipped past is still refused."""
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
    from systems.inventory import readers

    content = workbook_bytes([SYSTEMS_HEADER])
    workbook_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml")
    with_entity = b'<!DOCTYPE workbook [<!ENTITY x "y">]>' + workbook_xml.replace(b"<sheets>", b"&x;<sheets>")
    content = replace_members(content, {"xl/workbook.xml": with_entity})
    with pytest.raises(readers.FileProblem, match="entiteter eller en DTD"):
        readers._load_workbook(io.BytesIO(content))


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_truncated_workbook_xml_is_a_refused_file(run_import, member):
    content = workbook_bytes([SYSTEMS_HEADER, ["S1", "Sak", "BYM", "test"]])
    whole = zipfile.ZipFile(io.BytesIO(content)).read(member)
    result = run_import({"inventory.xlsx": replace_members(content, {member: whole[: len(whole) // 2]})})
    assert len(errors(result)) == 1
    assert errors(result)[0].startswith("inventory.xlsx")
    assert "lesbar XLSX-arbeidsbok" in errors(result)[0] or "ikke lesbar XML" in errors(result)[0]
    assert not System.objects.exists()


def test_csv_with_100000_columns_is_refused_with_a_short_report(run_import):
    header = "code;name;" + ";".join(f"c{n}" for n in range(100_000))
    result = run_import({"agencies.csv": header + "\nBYM;Bymiljøetaten\n"})
    assert errors(result) == ["agencies.csv: Overskriftsraden har 100002 kolonner; høyst 100 godtas."]
    assert result.warnings == []
    assert len(str(result.as_dict())) < 2000


@override_settings(INVENTORY_IMPORT_MAX_COLUMNS=1000)
def test_preview_keeps_the_first_100_warnings_and_counts_the_rest(editor_client):
    header = "code;name;" + ";".join(f"ukjent{n}" for n in range(300))
    upload = SimpleUploadedFile("agencies.csv", f"{header}\nBYM;Bymiljøetaten\n".encode())
    editor_client.post(reverse("inventory:import"), {"files": [upload]})
    job = ImportJob.objects.get()
    assert (len(job.preview["warnings"]), job.preview["warning_count"]) == (100, 300)
    page = editor_client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    assert "… og 200 advarsler til." in page
    assert page.count("er ukjent og ble ikke lest") == 100


@override_settings(INVENTORY_IMPORT_MAX_ROWS=3)
def test_table_with_more_rows_than_the_bound_is_refused(run_import):
    rows = "".join(f"A{n};Etat {n}\n" for n in range(5))
    assert errors(run_import({"agencies.csv": "code;name\n" + rows})) == [
        "agencies.csv: Tabellen har flere enn 3 rader."
    ]
    assert not Agency.objects.exists()


@override_settings(INVENTORY_IMPORT_MAX_CELLS=5)
def test_table_with_more_cells_than_the_bound_is_refused(run_import):
    assert errors(run_import({"agencies.csv": "code;name\nA;a\nB;b\nC;c\n"})) == [
        "agencies.csv: Tabellen har flere enn 5 celler."
    ]


def test_csv_rows_with_more_or_fewer_cells_than_the_header_are_refused(run_import):
    result = run_import(
        {"agencies.csv": "code;name;kind\nBYM;Bymiljøetaten;etat;ekstra\nBSH;Bydel\nUKE;Utviklingsetaten;etat\n"}
    )
    assert errors(result) == [
        "agencies.csv:2: Raden har et annet antall celler (4) enn overskriftsraden (3).",
        "agencies.csv:3: Raden har et annet antall celler (2) enn overskriftsraden (3).",
    ]
    assert not Agency.objects.exists()


@override_settings(INVENTORY_IMPORT_MAX_TOTAL_BYTES=300)
def test_upload_over_the_total_is_refused_before_anything_is_stored(editor_client):
    files = [SimpleUploadedFile(f"agencies-{n}.csv", AGENCIES.encode() * 2) for n in range(3)]
    response = editor_client.post(reverse("inventory:import"), {"files": files})
    assert "Filene er for store til sammen: 420\xa0byte, grensen er 300\xa0byte." in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(INVENTORY_IMPORT_MAX_TOTAL_BYTES=1000)
def test_request_body_over_the_total_is_refused_without_reading_it(editor_client):
    files = [SimpleUploadedFile(f"agencies-{n}.csv", b"x" * 30_000) for n in range(3)]
    response = editor_client.post(reverse("inventory:import"), {"files": files})
    assert response.status_code == 413
    assert "Opplastingen er for stor" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(INVENTORY_IMPORT_MAX_FILES=2)
def test_upload_of_too_many_files_is_refused(editor_client, run_import):
    files = [SimpleUploadedFile(f"agencies-{n}.csv", AGENCIES.encode()) for n in range(3)]
    response = editor_client.post(reverse("inventory:import"), {"files": files})
    assert "For mange filer: 3, høyst 2 i én import." in response.content.decode()
    assert not ImportJob.objects.exists()
    # The importer holds the same bound for the command line.
    result = run_import({f"agencies-{n}.csv": AGENCIES for n in range(3)})
    assert errors(result) == [
        "agencies-0.csv, agencies-1.csv, agencies-2.csv: For mange filer: 3, høyst 2 i én import."
    ]


def test_workbook_of_many_small_highly_compressed_parts_is_refused(run_import):
    """Parts under 1 MiB escape the per-part ratio; the workbook's ratio as a whole still counts."""
    parts = {f"xl/media/part{n}.xml": b"<a>" + b"A" * 900_000 + b"</a>" for n in range(3)}
    content = replace_members(workbook_bytes([SYSTEMS_HEADER, ["S1", "Sak", "BYM", "test"]]), parts)
    [error] = errors(run_import({"inventory.xlsx": content}))
    assert error.startswith("inventory.xlsx: Arbeidsboken er komprimert ")
    assert error.endswith("avvist som en mulig zip-bombe.")


@override_settings(INVENTORY_XLSX_MAX_MEMBERS=20)
def test_workbook_of_too_many_parts_is_refused_from_its_end_record(run_import):
    parts = {f"xl/media/part{n}.xml": b"<a/>" for n in range(30)}
    content = replace_members(workbook_bytes([SYSTEMS_HEADER, ["S1", "Sak", "BYM", "test"]]), parts)
    assert errors(run_import({"inventory.xlsx": content})) == [
        "inventory.xlsx: Arbeidsboken består av 39 deler; høyst 20 godtas."
    ]


def test_workbook_with_an_encrypted_part_is_a_refused_file(run_import):
    content = bytearray(workbook_bytes([SYSTEMS_HEADER, ["S1", "Sak", "BYM", "test"]]))
    # Set the "encrypted" flag (bit 0 of the general purpose flags) of every part in the central directory.
    offset = content.find(b"PK\x01\x02")
    while offset != -1:
        content[offset + 8] |= 1
        offset = content.find(b"PK\x01\x02", offset + 4)
    [error] = errors(run_import({"inventory.xlsx": bytes(content)}))
    assert error.startswith("inventory.xlsx: ") and "lesbar" in error
