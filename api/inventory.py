"""The CMDB's bulk upsert: JSON rows with the import files' columns, loaded by the importer itself.

Each kind's rows become one in-memory CSV file (RFC 4180) with the columns of `systems/inventory/schema.py`, and
the importer reads, validates and writes them exactly as an uploaded file: the same columns, the same cell rules,
the same lifecycle, capacity and wave checks, all or nothing.
"""

import csv
import io
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from systems.inventory.importer import Importer, ImportResult
from systems.inventory.readers import Source
from systems.inventory.schema import KIND_ORDER, KINDS

FIRST_DATA_ROW = 2  # the CSV's header is row 1


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _as_csv(kind: str, rows: list[dict[str, Any]]) -> bytes:
    known = KINDS[kind].column_names
    extra = sorted({key for row in rows for key in row} - set(known))  # unknown columns: the importer warns
    present = [name for name in known if any(name in row for row in rows)] + extra
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(present)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in present])
    return out.getvalue().encode()


def inventory_upsert(*, rows: dict[str, list[dict[str, Any]]], by: AbstractBaseUser, dry_run: bool) -> ImportResult:
    """Create or update the given rows by natural key, as an import of the same rows would."""
    sources = [Source.from_bytes(f"{kind}.csv", _as_csv(kind, rows[kind])) for kind in KIND_ORDER if rows.get(kind)]
    return Importer(by=by, dry_run=dry_run).run(sources)


def problem_rows(result: ImportResult) -> list[dict[str, Any]]:
    """The importer's errors with the kind and the index of the row in the request's list (from 0)."""
    return [
        {
            "kind": problem.file.removesuffix(".csv"),
            "index": None if problem.row is None else problem.row - FIRST_DATA_ROW,
            "column": problem.column,
            "message": problem.message,
        }
        for problem in result.errors
    ]
