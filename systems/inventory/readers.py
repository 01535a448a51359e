"""Reading inventory files: CSV (`;`, `,` or tab; UTF-8, UTF-8 with BOM, UTF-16 or Windows-1252) and XLSX.

Files are streamed: a CSV is read twice in 1 MiB blocks (once to find its encoding, once for its rows) and
an XLSX through openpyxl's read-only mode, so memory stays flat however long the file is. Every file is held
to the bounds of `limits` (size, rows, columns, cells; an XLSX archive is checked before openpyxl opens it),
and broken or hostile XML is a refused file, never an exception that escapes.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .limits import FileProblem, Limits, TableBounds, check_workbook, upload_problem
from .schema import KINDS, Column, Kind, kind_for_name, normalise

BLOCK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
MESSAGE_MAX = 500


@dataclass
class Problem:
    """One error or warning: `file:row: column: message` (row and column when known)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    warning: bool = False

    def __post_init__(self) -> None:
        # A message may quote a cell: a cell of 100,000 characters must not become a 100,000-character preview.
        if len(self.message) > MESSAGE_MAX:
            self.message = self.message[: MESSAGE_MAX - 1] + "…"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "warning": self.warning,
        }


@dataclass
class Source:
    """A file to import: its name (which tells the kind) and a way to open it as binary, and its size."""

    name: str
    open: Callable[[], IO[bytes]]
    size: int

    @classmethod
    def from_path(cls, path: Path) -> Source:
        return cls(name=path.name, open=lambda: path.open("rb"), size=path.stat().st_size)

    @classmethod
    def from_bytes(cls, name: str, content: bytes) -> Source:
        return cls(name=name, open=lambda: io.BytesIO(content), size=len(content))


@dataclass
class Table:
    """One CSV file or XLSX sheet of a known kind: where its columns are, and its data rows."""

    kind: Kind
    label: str
    columns: list[tuple[int, Column]]
    rows: Iterator[tuple[int, list[Any]]]
    #: Cells every row must have (a CSV row with more or fewer than its header is refused); None: any.
    width: int | None = None


class _Counting(io.RawIOBase):
    """A binary stream that tells how many bytes were read, for progress."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]):
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.on_read(len(data))
        return len(data)


def _detect_encoding(source: Source) -> str:
    with source.open() as stream:
        head = stream.read(4)
        if not head.strip():
            rest = stream.read(BLOCK)
            if not (head + rest).strip():
                raise FileProblem(_("The file is empty."))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        for encoding in ("utf-8-sig", "cp1252"):
            decoder = codecs.getincrementaldecoder(encoding)()
            stream.seek(0)
            try:
                while block := stream.read(BLOCK):
                    if b"\x00" in block:
                        raise FileProblem(_("This is not a table: the file holds binary data. Save it as CSV or XLSX."))
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    raise FileProblem(_("The file cannot be read: it is neither UTF-8 nor Windows-1252 text. Save it as CSV UTF-8."))


def _pick_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _header(kind: Kind, label: str, cells: list[Any], problems: list[Problem]) -> list[tuple[int, Column]]:
    """Map header cells to columns; raise FileProblem for a missing required or a repeated column."""
    columns: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        column = kind.headers.get(normalise(cell))
        if column is None:
            unknown.append(str(cell).strip())
            continue
        if column.name in seen:
            raise FileProblem(
                _("The column “%(column)s” appears twice in the header (columns %(first)d and %(second)d).")
                % {"column": column.name, "first": seen[column.name] + 1, "second": index + 1}
            )
        seen[column.name] = index
        columns.append((index, column))
    if not columns:  # not one known column name: whatever this is, it is not an inventory table
        raise FileProblem(
            _("This is not a table: no header row with column names was found. Expected columns: %(columns)s.")
            % {"columns": kind.describe_columns()}
        )
    missing = [name for name in kind.required if name not in seen]
    if missing:
        raise FileProblem(
            _("Required columns are missing: %(missing)s. Expected columns (* = required): %(columns)s.")
            % {"missing": ", ".join(missing), "columns": kind.describe_columns()}
        )
    for name in unknown:
        problems.append(
            Problem(
                label,
                _("The column “%(column)s” is not known and was ignored. Known columns: %(columns)s.")
                % {"column": name, "columns": kind.describe_columns()},
                row=1,
                warning=True,
            )
        )
    return columns


def empty_cell(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _blank(cells: list[Any]) -> bool:
    return all(empty_cell(cell) for cell in cells)


@dataclass
class TableRef:
    """A table found in a source, opened later (in the order its kind needs) with `open()`."""

    kind: Kind
    label: str
    weight: int
    opener: Callable[[list[Problem], Callable[[float], None]], AbstractContextManager[Table]]

    def open(self, problems: list[Problem], on_fraction: Callable[[float], None]) -> AbstractContextManager[Table]:
        return self.opener(problems, on_fraction)


#: What a broken or hostile workbook raises while openpyxl reads it (defusedxml refuses entities and DTD tricks).
_WORKBOOK_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    EOFError,
    zlib.error,
    ParseError,
    RuntimeError,  # an encrypted part
    NotImplementedError,  # a compression method zipfile does not know
)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, kind):
        cause = cause.__cause__ or cause.__context__  # openpyxl wraps the parser's error in its own
    return cause is not None


def _unreadable_workbook(error: Exception) -> FileProblem:
    if _caused_by(error, MemoryError):
        # Not the file's fault as far as we can tell: the import fails as a whole (see tasks.run_import_job).
        raise MemoryError from error
    if _caused_by(error, DefusedXmlException):
        return FileProblem(_("The workbook declares XML entities or a DTD, which a workbook never needs: refused."))
    return FileProblem(_("This is not a readable XLSX workbook (%(error)s).") % {"error": error})


@contextmanager
def _open_csv(
    source: Source, kind: Kind, limits: Limits, problems: list[Problem], on_fraction: Callable[[float], None]
):
    encoding = _detect_encoding(source)
    raw = source.open()
    read = {"bytes": 0}
    size = source.size or 1

    def count(amount: int) -> None:
        read["bytes"] += amount
        on_fraction(min(read["bytes"] / size, 1.0))

    try:
        text = io.TextIOWrapper(io.BufferedReader(_Counting(raw, count), BLOCK), encoding=encoding, newline="")
        first = ""
        while not first.strip():
            first = text.readline()
            if not first:
                raise FileProblem(_("The file is empty."))
        delimiter = _pick_delimiter(first)
        header = next(csv.reader([first], delimiter=delimiter))
        bounds = TableBounds(limits)
        bounds.header(len(header))
        columns = _header(kind, source.name, header, problems)
        reader = csv.reader(text, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, cells in enumerate(reader, start=2):
                    if not _blank(cells):
                        bounds.row(number, len(cells))
                        yield number, cells
            except csv.Error as error:
                raise FileProblem(
                    _("This is not a readable table after row %(row)d: %(error)s")
                    % {"row": reader.line_num, "error": error}
                ) from error

        yield Table(kind, source.name, columns, rows(), width=len(header))
    finally:
        raw.close()


def _load_workbook(raw: IO[bytes]):
    import openpyxl  # imported here: loading it costs time the CSV path does not need

    try:
        return openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as error:  # DefusedXmlException is a ValueError
        raise _unreadable_workbook(error) from error


def _trimmed(row: tuple[Any, ...]) -> list[Any]:
    """A sheet row without its trailing empty cells (read-only sheets pad every row to the sheet's width)."""
    cells = list(row)
    while cells and empty_cell(cells[-1]):
        cells.pop()
    return cells


@contextmanager
def _open_sheet(
    source: Source,
    title: str,
    kind: Kind,
    limits: Limits,
    problems: list[Problem],
    on_fraction: Callable[[float], None],
):
    label = f"{source.name}/{title}"
    raw = source.open()
    workbook = None
    try:
        workbook = _load_workbook(raw)
        sheet = workbook[title]
        total = max(sheet.max_row or 1, 1)
        # One column more than the bound is read, so a wider sheet is noticed without building its rows.
        iterator = sheet.iter_rows(values_only=True, max_col=limits.columns + 1)
        bounds = TableBounds(limits)
        header, start = None, 0
        try:
            for row in iterator:
                start += 1
                if not _blank(list(row)):
                    header = _trimmed(row)
                    break
        except _WORKBOOK_ERRORS as error:
            raise _unreadable_workbook(error) from error
        if header is None:
            raise FileProblem(_("The sheet is empty."))
        bounds.header(len(header))
        columns = _header(kind, label, header, problems)

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, row in enumerate(iterator, start=start + 1):
                    if number % 2000 == 0:
                        on_fraction(min(number / total, 1.0))
                    cells = _trimmed(row)
                    if cells:
                        bounds.row(number, len(cells))
                        yield number, cells
            except _WORKBOOK_ERRORS as error:
                raise _unreadable_workbook(error) from error
            on_fraction(1.0)

        yield Table(kind, label, columns, rows())
    finally:
        if workbook is not None:
            workbook.close()
        raw.close()


def _unknown_kind_message(name: str) -> str:
    return _("Cannot tell what this table holds from its name “%(name)s”. Name it after one of: %(kinds)s.") % {
        "name": name,
        "kinds": ", ".join(KINDS),
    }


def plan(sources: list[Source], problems: list[Problem], limits: Limits | None = None) -> list[TableRef]:
    """The tables in `sources`, ordered so that what others refer to comes first (agencies … contacts).

    File-level problems found while looking (size, unknown kind, not a workbook) go to `problems`; files
    that are too many or too large together are refused as a whole (no table is read).
    """
    limits = limits or Limits.from_settings()
    too_much = upload_problem([source.size for source in sources], limits)
    if too_much:
        problems.append(Problem(", ".join(source.name for source in sources[:10]), too_much))
        return []
    refs: list[TableRef] = []
    for source in sources:
        if source.size > limits.file_bytes:
            problems.append(
                Problem(
                    source.name,
                    _("The file is too large: %(size)s, the limit is %(limit)s.")
                    % {"size": filesizeformat(source.size), "limit": filesizeformat(limits.file_bytes)},
                )
            )
            continue
        with source.open() as stream:
            is_zip = stream.read(4) == ZIP_MAGIC
        if is_zip or source.name.lower().endswith((".xlsx", ".xlsm")):
            try:
                with source.open() as raw:
                    check_workbook(raw, limits)
                    raw.seek(0)
                    workbook = _load_workbook(raw)
                    try:
                        titles = [(sheet.title, max(sheet.max_row or 1, 1)) for sheet in workbook.worksheets]
                    finally:
                        workbook.close()
            except FileProblem as problem:
                problems.append(Problem(source.name, problem.message))
                continue
            all_rows = sum(rows for _title, rows in titles) or 1
            for title, rows in titles:
                kind = kind_for_name(title)
                if kind is None:
                    problems.append(Problem(f"{source.name}/{title}", _unknown_kind_message(title)))
                    continue
                refs.append(
                    TableRef(
                        kind,
                        f"{source.name}/{title}",
                        max(1, source.size * rows // all_rows),
                        partial(_open_sheet, source, title, kind, limits),
                    )
                )
            continue
        kind = kind_for_name(source.name)
        if kind is None:
            problems.append(Problem(source.name, _unknown_kind_message(source.name)))
            continue
        refs.append(TableRef(kind, source.name, max(1, source.size), partial(_open_csv, source, kind, limits)))
    order = list(KINDS)
    return sorted(refs, key=lambda ref: order.index(ref.kind.name))
