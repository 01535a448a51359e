"""Spreadsheet files that are safe to open: CSV in two dialects and XLSX, for every download of the site.

Text that a spreadsheet would run as a formula gets an apostrophe first (`formula_safe`; the importer takes it
off again with `unescape_cell`), and XLSX cells are text, numbers or dates, never formulas. CSV comes in two
dialects: RFC 4180 (comma, UTF-8) and what Norwegian Excel opens directly (UTF-8 with a byte order mark,
semicolons, decimal commas). Times are written in Oslo time. The staff lists' exports (`?_export=csv|xlsx`) are
written by `SpreadsheetExport`; the inventory's files (systems.inventory.exporter) use the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django_tables2 import DateTimeColumn
from django_tables2.export import TableExport
from tablib import Dataset

OSLO = ZoneInfo("Europe/Oslo")

#: What makes a spreadsheet read a cell as a formula (OWASP, CSV injection): = + - @ tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def formula_safe(text: str) -> str:
    """`text` as a cell no spreadsheet runs: a formula-like start (or an apostrophe) gets an apostrophe first."""
    return ESCAPE + text if text.startswith((*FORMULA_STARTS, ESCAPE)) else text


def unescape_cell(cell: Any) -> Any:
    """Undo `formula_safe` on a cell read from a file, so export → import gives back exactly what was exported."""
    if isinstance(cell, str) and cell.startswith(ESCAPE) and cell[1:2].startswith((*FORMULA_STARTS, ESCAPE)):
        return cell[1:]
    return cell


def export_value(value: Any, *, decimal_comma: bool = False) -> str:
    """A model value as text that reads back unchanged: Oslo time, plain decimals, lists joined by `|`, text
    made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value, OSLO)
        timespec = "minutes" if local.second == 0 and local.microsecond == 0 else "auto"
        return local.isoformat(sep=" ", timespec=timespec)
    if isinstance(value, Decimal):
        text_value = format(value.normalize(), "f")
        return text_value.replace(".", ",") if decimal_comma else text_value
    if isinstance(value, list | tuple):
        return "|".join(value)
    return formula_safe(str(value))


@dataclass(frozen=True)
class CSVDialect:
    """How CSV is written: its name (`?csv=`), delimiter, encoding (with or without a BOM), decimal separator."""

    name: str
    delimiter: str
    encoding: str
    decimal_comma: bool

    @property
    def bom(self) -> str:
        return "\ufeff" if self.encoding == "utf-8-sig" else ""


RFC4180 = CSVDialect("rfc4180", ",", "utf-8", decimal_comma=False)
EXCEL_NB = CSVDialect("excel", ";", "utf-8-sig", decimal_comma=True)
DIALECTS = {dialect.name: dialect for dialect in (EXCEL_NB, RFC4180)}


def csv_dialect(choice: str | None, language: str | None) -> CSVDialect:
    """The dialect asked for, else the language's: Norwegian users get what Norwegian Excel opens directly."""
    if choice in DIALECTS:
        return DIALECTS[choice]
    return EXCEL_NB if (language or "").startswith("nb") else RFC4180


def table_cell(value: Any, *, xlsx: bool, dialect: CSVDialect) -> Any:
    """A list table's value as a spreadsheet cell: times in Oslo time (date cells in XLSX), text formula-safe."""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value, OSLO) if timezone.is_aware(value) else value
        local = local.replace(microsecond=0)
        return local.replace(tzinfo=None) if xlsx else local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return value if xlsx else export_value(Decimal(str(value)), decimal_comma=dialect.decimal_comma)
    if isinstance(value, str | Promise):
        return formula_safe(str(value))
    return value


def _datetime(value: Any) -> Any:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:  # the column's placeholder for an empty value
        return ""


class SpreadsheetExport(TableExport):
    """django-tables2's export of a list table, safe to open in a spreadsheet and in the user's CSV dialect."""

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None, *, dialect=RFC4180):
        self.dialect = dialect
        super().__init__(export_format, table, exclude_columns=exclude_columns, dataset_kwargs=dataset_kwargs)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None) -> Dataset:
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        # The columns as_values() wrote, in its order; date-time columns export isoformat() text: read it back.
        exported = [
            bound.column
            for bound in table.columns.iterall()
            if not (bound.column.exclude_from_export or bound.name in (exclude_columns or ()))
        ]
        xlsx = self.format == self.XLSX
        cleaned = Dataset(title=dataset.title, headers=[formula_safe(str(header)) for header in dataset.headers or []])
        for row in dataset:
            cleaned.append(
                [
                    table_cell(
                        _datetime(value) if isinstance(column, DateTimeColumn) else value,
                        xlsx=xlsx,
                        dialect=self.dialect,
                    )
                    for column, value in zip(exported, row, strict=True)
                ]
            )
        return cleaned

    def export(self):
        if self.format == self.CSV:
            return self.dialect.bom + self.dataset.export("csv", delimiter=self.dialect.delimiter)
        return super().export()
