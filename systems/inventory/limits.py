"""Bounds on what an import may make the service do: uploads, tables, and XLSX archives checked before parsing.

An XLSX file is a ZIP archive of XML documents. openpyxl's read-only mode still loads the shared strings
whole, so a small archive whose members expand to gigabytes (a "zip bomb") would exhaust memory before a
single row is read. `check_workbook` therefore looks at the archive first — member count, each member's
and the total uncompressed size, the compression ratio — and at every XML member's prolog (no DTD, no
entity declarations), and only then lets openpyxl open it. openpyxl itself parses through defusedxml
(installed with this project), which refuses entities and external references as a second line.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Members smaller than this are not held to the compression ratio (tiny files compress oddly).
RATIO_FLOOR_BYTES = 1 << 20
#: How much of an XML member is decompressed at a time while looking for its root element.
PROLOG_BLOCK = 16 << 10


class FileProblem(Exception):
    """A file (or table) an import refuses as a whole: the message says why, in words a user can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """The bounds from settings (INVENTORY_IMPORT_* and INVENTORY_XLSX_*), read when an import starts."""

    file_bytes: int
    total_bytes: int
    files: int
    rows: int
    columns: int
    cells: int
    xlsx_members: int
    xlsx_member_bytes: int
    xlsx_total_bytes: int
    xlsx_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_bytes=settings.INVENTORY_IMPORT_MAX_BYTES,
            total_bytes=settings.INVENTORY_IMPORT_MAX_TOTAL_BYTES,
            files=settings.INVENTORY_IMPORT_MAX_FILES,
            rows=settings.INVENTORY_IMPORT_MAX_ROWS,
            columns=settings.INVENTORY_IMPORT_MAX_COLUMNS,
            cells=settings.INVENTORY_IMPORT_MAX_CELLS,
            xlsx_members=settings.INVENTORY_XLSX_MAX_MEMBERS,
            xlsx_member_bytes=settings.INVENTORY_XLSX_MAX_MEMBER_BYTES,
            xlsx_total_bytes=settings.INVENTORY_XLSX_MAX_UNCOMPRESSED_BYTES,
            xlsx_ratio=settings.INVENTORY_XLSX_MAX_RATIO,
        )


def upload_problem(sizes: list[int], limits: Limits) -> str | None:
    """Why a set of files (their sizes) is too much for one import, or None."""
    if len(sizes) > limits.files:
        return _("Too many files: %(count)d, at most %(max)d in one import.") % {
            "count": len(sizes),
            "max": limits.files,
        }
    if sum(sizes) > limits.total_bytes:
        return _("The files are too large together: %(size)s, the limit is %(limit)s.") % {
            "size": filesizeformat(sum(sizes)),
            "limit": filesizeformat(limits.total_bytes),
        }
    return None


class TableBounds:
    """Counts the rows and cells of one table as they are read; raises FileProblem past the bounds."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def header(self, width: int) -> None:
        if width > self.limits.columns:
            raise FileProblem(
                _("The header has %(count)d columns; at most %(max)d are accepted.")
                % {"count": width, "max": self.limits.columns}
            )

    def row(self, number: int, width: int) -> None:
        """Count row `number` (as the user numbers it: the header is row 1) of `width` cells."""
        self.rows += 1
        self.cells += width
        if self.rows > self.limits.rows:
            raise FileProblem(
                ngettext(
                    "The table has more than %(max)d row.", "The table has more than %(max)d rows.", self.limits.rows
                )
                % {"max": self.limits.rows}
            )
        if width > self.limits.columns:
            raise FileProblem(
                _("Row %(row)d has %(count)d cells; at most %(max)d are accepted.")
                % {"row": number, "count": width, "max": self.limits.columns}
            )
        if self.cells > self.limits.cells:
            raise FileProblem(
                ngettext(
                    "The table has more than %(max)d cell.", "The table has more than %(max)d cells.", self.limits.cells
                )
                % {"max": self.limits.cells}
            )


def check_workbook(stream: IO[bytes], limits: Limits) -> None:
    """Refuse (FileProblem) an XLSX archive that is too large unpacked, or whose XML declares a DTD."""
    try:
        # The end record first: its part count, before zipfile builds an object for every part listed.
        end = zipfile._EndRecData(stream)
        count = end[zipfile._ECD_ENTRIES_TOTAL] if end else 0
        if count > limits.xlsx_members:
            raise FileProblem(
                _("The workbook holds %(count)d parts; at most %(max)d are accepted.")
                % {"count": count, "max": limits.xlsx_members}
            )
        stream.seek(0)
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileProblem(_("This is not a readable XLSX workbook (%(error)s).") % {"error": error}) from error
    with archive:
        members = archive.infolist()
        total = 0
        for info in members:
            total += info.file_size
            if info.file_size > limits.xlsx_member_bytes:
                raise FileProblem(
                    _("The workbook part %(name)s unpacks to %(size)s; the limit is %(limit)s.")
                    % {
                        "name": info.filename,
                        "size": filesizeformat(info.file_size),
                        "limit": filesizeformat(limits.xlsx_member_bytes),
                    }
                )
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.xlsx_ratio * max(info.compress_size, 1):
                raise FileProblem(
                    _(
                        "The workbook part %(name)s is compressed %(ratio)d to 1, more than the %(max)d to 1 "
                        "a real workbook needs: refused as a possible zip bomb."
                    )
                    % {
                        "name": info.filename,
                        "ratio": info.file_size // max(info.compress_size, 1),
                        "max": limits.xlsx_ratio,
                    }
                )
        packed = sum(info.compress_size for info in members)
        if total > RATIO_FLOOR_BYTES and total > limits.xlsx_ratio * max(packed, 1):
            raise FileProblem(
                _(
                    "The workbook is compressed %(ratio)d to 1, more than the %(max)d to 1 a real workbook needs: "
                    "refused as a possible zip bomb."
                )
                % {"ratio": total // max(packed, 1), "max": limits.xlsx_ratio}
            )
        if total > limits.xlsx_total_bytes:
            raise FileProblem(
                _("The workbook unpacks to %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(total), "limit": filesizeformat(limits.xlsx_total_bytes)}
            )
        for info in members:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, info)


class _RootReached(Exception):
    pass


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Read an XML member up to its root element: a DTD (or entity) there is refused, broken XML too."""

    def doctype(*_args) -> None:
        raise FileProblem(
            _("The workbook part %(name)s declares a DTD or entities, which a workbook never needs: refused.")
            % {"name": info.filename}
        )

    def root(*_args) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        with archive.open(info) as member:
            while block := member.read(PROLOG_BLOCK):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except _RootReached:
        pass
    except (
        expat.ExpatError,
        zipfile.BadZipFile,
        EOFError,
        zlib.error,
        OSError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        # RuntimeError: an encrypted part; NotImplementedError: a compression method zipfile does not know.
        raise FileProblem(
            _("The workbook part %(name)s is not readable XML (%(error)s).") % {"name": info.filename, "error": error}
        ) from error
