"""Export the inventory in exactly the format the importer reads (importing an export changes nothing).

Rows are streamed from the database (one query per kind, plus one for dependencies and one for contact
persons without a system), so exporting the 100× inventory takes flat memory and a constant number of queries.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from systems.models import VM, Agency, ContactPerson, System, SystemContact
from waves.models import Wave

from .schema import KIND_ORDER, KINDS, export_value

ITER_CHUNK = 2000


def _rows(query, *fields: str) -> Iterator[list[Any]]:
    yield from (list(values) for values in query.values_list(*fields).iterator(chunk_size=ITER_CHUNK))


def _agencies() -> Iterator[list[str]]:
    yield from _rows(Agency.objects.order_by("code"), "code", "name", "kind", "tester_capacity")


def _waves() -> Iterator[list[str]]:
    yield from _rows(
        Wave.objects.order_by("window_start", "name"),
        "name",
        "window_start",
        "window_end",
        "state",
        "max_vms",
        "max_systems",
        "notes",
    )


def _systems() -> Iterator[list[str]]:
    # Systems and their dependencies come in the same order (by code), so they are merged as they stream.
    dependencies = (
        System.depends_on.through.objects.order_by("from_system__code", "to_system__code")
        .values_list("from_system__code", "to_system__code")
        .iterator(chunk_size=ITER_CHUNK)
    )
    pending = next(dependencies, None)
    # The columns before and after depends_on, in the order of the schema.
    before = ("code", "name", "agency__code", "environment", "criticality", "status", "wave__name")
    after = ("test_counterpart__code", "description", "source_datacenter", "target_datacenter")
    systems = System.objects.order_by("code").values_list(*before, *after)
    for row in systems.iterator(chunk_size=ITER_CHUNK):
        depends_on = []
        while pending is not None and pending[0] == row[0]:
            depends_on.append(pending[1])
            pending = next(dependencies, None)
        yield [*row[: len(before)], depends_on, *row[len(before) :]]


def _vms() -> Iterator[list[str]]:
    yield from _rows(
        VM.objects.order_by("hostname"),
        "hostname",
        "system__code",
        "os",
        "vcpus",
        "memory_gb",
        "disk_gb",
        "status",
        "migrated_at",
    )


def _contacts() -> Iterator[list[str]]:
    yield from _rows(
        SystemContact.objects.order_by("contact__email", "system__code", "role"),
        "contact__email",
        "contact__name",
        "contact__phone",
        "contact__agency__code",
        "system__code",
        "role",
    )
    for values in _rows(
        ContactPerson.objects.filter(system_contacts__isnull=True).order_by("email"),
        "email",
        "name",
        "phone",
        "agency__code",
    ):
        yield [*values, None, None]


ROWS = {"agencies": _agencies, "waves": _waves, "systems": _systems, "vms": _vms, "contacts": _contacts}


def rows(kind: str) -> Iterator[list[str]]:
    """The header and every row of `kind`, as strings."""
    yield KINDS[kind].column_names
    for values in ROWS[kind]():
        yield [export_value(value) for value in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(kind: str) -> Iterator[str]:
    """`kind` as CSV text, line by line (for a streaming HTTP response)."""
    writer = csv.writer(_Echo())
    for row in rows(kind):
        yield writer.writerow(row)


def write_csv(kind: str, stream: IO[str]) -> None:
    csv.writer(stream).writerows(rows(kind))


def write_xlsx(stream: IO[bytes]) -> None:
    """One workbook with a sheet per kind (openpyxl's write-only mode: rows go straight to the file)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    for kind in KIND_ORDER:
        sheet = workbook.create_sheet(kind)
        sheet.append(KINDS[kind].column_names)

        def cell(value: Any, sheet=sheet) -> Any:
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                return value  # numbers as numbers, so a spreadsheet can sum them
            text = export_value(value)
            if text.startswith("="):
                # openpyxl would store this as a formula: keep it text (no formula injection, exact round trip).
                written = WriteOnlyCell(sheet, value=text)
                written.data_type = "s"
                return written
            return text

        for values in ROWS[kind]():
            sheet.append([cell(value) for value in values])
    workbook.save(stream)


def write_zip(stream: IO[bytes]) -> None:
    """The five CSV files in one ZIP archive."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in KIND_ORDER:
            with io.TextIOWrapper(archive.open(f"{kind}.csv", "w"), encoding="utf-8", newline="") as text:
                write_csv(kind, text)


def export_directory(directory: Path, *, fmt: str = "csv") -> list[Path]:
    """Write agencies.csv … contacts.csv (or inventory.xlsx) into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = directory / "inventory.xlsx"
        with path.open("wb") as stream:
            write_xlsx(stream)
        return [path]
    paths = []
    for kind in KIND_ORDER:
        path = directory / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            write_csv(kind, stream)
        paths.append(path)
    return paths
