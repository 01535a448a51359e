"""Export the inventory in exactly the format the importer reads (importing an export changes nothing).

Rows are streamed from the database (one query per kind, plus one for the systems' dependencies), reading each
column where `schema` says it lives, so the columns are declared once for reader and exporter; exporting the
100× inventory takes flat memory and a constant number of queries.

Every file is safe to open in a spreadsheet: text that a spreadsheet would run as a formula gets an apostrophe
first (`formula_safe`; the importer takes it off again), and XLSX cells are text or numbers, never
formulas. CSV comes in two dialects: RFC 4180 (comma, UTF-8) and what Norwegian Excel opens directly (UTF-8
with a byte order mark, semicolons, decimal commas); the importer reads both. These rules are the site's
(migportal.spreadsheets), shared with the staff lists' exports.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from migportal.spreadsheets import RFC4180, CSVDialect, export_value
from systems.models import VM, Agency, ContactPerson, System
from waves.models import Wave

from .schema import KIND_ORDER, KINDS

ITER_CHUNK = 2000


def _rows(query, kind: str) -> Iterator[list[Any]]:
    """The kind's columns of each row of `query`, read where the schema says (`Column.lookup`)."""
    lookups = KINDS[kind].lookups
    yield from (list(values) for values in query.values_list(*lookups).iterator(chunk_size=ITER_CHUNK))


def _agencies(query) -> Iterator[list[Any]]:
    yield from _rows(query.order_by("code"), "agencies")


def _waves(query) -> Iterator[list[Any]]:
    yield from _rows(query.order_by("window_start", "name"), "waves")


def _links(query, name: str) -> Iterator[tuple[str, str]]:
    """(system code, linked code) of the link `name` of the systems of `query`, by system code."""
    return (
        getattr(System, name)
        .through.objects.filter(from_system__in=query)
        .order_by("from_system__code", "to_system__code")
        .values_list("from_system__code", "to_system__code")
        .iterator(chunk_size=ITER_CHUNK)
    )


def _systems(query) -> Iterator[list[Any]]:
    # Systems and their links come in the same order (by code), so they are merged as they stream.
    names = ("depends_on", "move_with")
    streams = {name: _links(query, name) for name in names}
    pending = {name: next(stream, None) for name, stream in streams.items()}
    lookups = KINDS["systems"].lookups
    at = {name: lookups.index(name) for name in names}
    systems = query.order_by("code").values_list(*(lookup for lookup in lookups if lookup not in names))
    for values in systems.iterator(chunk_size=ITER_CHUNK):
        code, row, links = values[0], list(values), {}
        for name in names:
            links[name] = []
            while pending[name] is not None and pending[name][0] == code:
                links[name].append(pending[name][1])
                pending[name] = next(streams[name], None)
        for name in sorted(names, key=at.get):
            row.insert(at[name], links[name])
        yield row


def _vms(query) -> Iterator[list[Any]]:
    yield from _rows(query.order_by("hostname"), "vms")


def _contacts(query) -> Iterator[list[Any]]:
    # A left join: a row per (person, system, role), and one with empty system and role for a person without any.
    yield from _rows(query.order_by("email", "system_contacts__system__code", "system_contacts__role"), "contacts")


ROWS = {"agencies": _agencies, "waves": _waves, "systems": _systems, "vms": _vms, "contacts": _contacts}
MODELS = {"agencies": Agency, "waves": Wave, "systems": System, "vms": VM, "contacts": ContactPerson}


def rows(kind: str, dialect: CSVDialect = RFC4180, queryset=None) -> Iterator[list[str]]:
    """The header and every row of `kind` (or those of `queryset`, e.g. a filtered list), as strings."""
    yield KINDS[kind].column_names
    query = (
        MODELS[kind].objects.all() if queryset is None else MODELS[kind].objects.filter(pk__in=queryset.values("pk"))
    )
    for values in ROWS[kind](query):
        yield [export_value(value, decimal_comma=dialect.decimal_comma) for value in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(kind: str, dialect: CSVDialect = RFC4180, queryset=None) -> Iterator[str]:
    """`kind` as CSV text, line by line (for a streaming HTTP response); a BOM first where the dialect has one."""
    if dialect.bom:
        yield dialect.bom
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    for row in rows(kind, dialect, queryset):
        yield writer.writerow(row)


def write_csv(kind: str, stream: IO[str], dialect: CSVDialect = RFC4180) -> None:
    """`kind` into a text stream opened with `dialect.encoding` (which writes the BOM, if any)."""
    csv.writer(stream, delimiter=dialect.delimiter).writerows(rows(kind, dialect))


def write_xlsx(stream: IO[bytes]) -> None:
    """One workbook with a sheet per kind (openpyxl's write-only mode: rows go straight to the file)."""
    import openpyxl

    def cell(value: Any) -> Any:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return value  # numbers as numbers, so a spreadsheet can sum them
        return export_value(value)  # text that never starts like a formula, so openpyxl stores it as text

    workbook = openpyxl.Workbook(write_only=True)
    for kind in KIND_ORDER:
        sheet = workbook.create_sheet(kind)
        sheet.append(KINDS[kind].column_names)
        for values in ROWS[kind](MODELS[kind].objects.all()):
            sheet.append([cell(value) for value in values])
    workbook.save(stream)


def write_zip(stream: IO[bytes], dialect: CSVDialect = RFC4180) -> None:
    """The five CSV files in one ZIP archive."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in KIND_ORDER:
            with io.TextIOWrapper(archive.open(f"{kind}.csv", "w"), encoding=dialect.encoding, newline="") as text:
                write_csv(kind, text, dialect)


def export_directory(directory: Path, *, fmt: str = "csv", dialect: CSVDialect = RFC4180) -> list[Path]:
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
        with path.open("w", encoding=dialect.encoding, newline="") as stream:
            write_csv(kind, stream, dialect)
        paths.append(path)
    return paths
