"""What the spreadsheets share: a workbook of sheets with a bold, frozen header row
and real numbers in their formats, written the same way every time; and CSV for a
spreadsheet set to Dutch (Belgium): ``;`` between fields, ``,`` before decimals, a
UTF-8 byte order mark so that accents come through.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from typing import TYPE_CHECKING
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

if TYPE_CHECKING:
    from _typeshed import SizedBuffer
    from _typeshed import StrPath

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_CSV = "text/csv; charset=utf-8; header=present"
BOM = "\ufeff"

# Number formats: the spreadsheet shows them in the reader's own locale.
COUNT = "#,##0"
PERCENT = "0.0%"
DECIMAL = "0.0"
CHANGE = "+0.00;-0.00;0.00"
EURO = '#,##0.00 "€"'
TEXT = "@"

MAX_WIDTH = 60
SHEET_NAME_LIMIT = 31  # what a spreadsheet allows
NOT_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})
NOT_A_CHARACTER = "\ufffd"  # in place of a control character a workbook cannot hold


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, and the format of its numbers (None: as
    they come)."""

    header: str
    number_format: str | None = None
    width: int | None = None


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    frozen_columns: int = 0  # the columns that stay in view when scrolling right


def workbook(sheets: Sequence[Sheet], on: date) -> bytes:
    """The sheets as an XLSX file, dated ``on`` (the figures' evaluation date), so
    that the same figures give the same bytes."""
    book = Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    stamp = datetime.combine(on, time())
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "trajectory"
    names: set[str] = set()
    for sheet in sheets:
        _add(book, sheet, _unique(sheet.title, names))
    out = io.BytesIO()
    # Not ``book.save``: it stamps the file with the clock, in its properties and
    # in the zip's entries, and two downloads a second apart would differ.
    with _Dated(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.stamp = stamp
        ExcelWriter(book, archive).save()
    return out.getvalue()


class _Dated(zipfile.ZipFile):
    """A zip archive whose entries all carry one date, not the clock's."""

    stamp = datetime(1980, 1, 1)

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            entry = zipfile.ZipInfo(zinfo_or_arcname, self.stamp.timetuple()[:6])
            entry.compress_type = self.compression
            zinfo_or_arcname = entry
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: StrPath,
        arcname: StrPath | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        with open(filename, "rb") as written:
            self.writestr(str(arcname or filename), written.read())


def _legible(value: Any) -> Any:
    """A text without the control characters a workbook cannot hold (each shown as
    U+FFFD): stored text may have them, and a download must not fail on them."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(NOT_A_CHARACTER, value)
    return value


def _unique(title: str, taken: set[str]) -> str:
    title = _legible(title)
    name = title.translate(NOT_IN_SHEET_NAMES).strip()[:SHEET_NAME_LIMIT] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


def _add(book: Workbook, sheet: Sheet, name: str) -> None:
    page = book.create_sheet(name)
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    page.append([_legible(column.header) for column in sheet.columns])
    for cell in page[1]:
        cell.font = bold
        cell.alignment = wrapped
    for row in sheet.rows:
        page.append([_legible(value) for value in row])
    for cells in page.iter_rows():
        for cell in cells:
            if cell.data_type == "f":  # text that begins with "=" stays text
                cell.data_type = "s"
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        if column.number_format is not None:
            for (cell,) in page.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=page.max_row
            ):
                if isinstance(cell.value, int | float):
                    cell.number_format = column.number_format
        longest = max(
            [len(word) for word in column.header.split()]
            + [len(str(row[index - 1])) for row in sheet.rows if row[index - 1]]
            + [6]
        )
        page.column_dimensions[letter].width = column.width or min(
            longest + 2, MAX_WIDTH
        )
        if column.width:
            for (cell,) in page.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=page.max_row
            ):
                cell.alignment = wrapped
    page.freeze_panes = page.cell(row=2, column=sheet.frozen_columns + 1)


# CSV for a Belgian spreadsheet ----------------------------------------------------


def belgian_number(value: Any, *, percent: bool = False) -> str:
    """A number as a spreadsheet in Dutch (Belgium) reads it: ``,`` before the
    decimals, no thousands separator; a share as a percentage (``45,23%``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value * 100:.2f}%" if percent else f"{value:.4f}".rstrip("0")
        return text.rstrip(".").replace(".", ",")
    return str(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BELGIAN_NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?%?")


def as_text(field: str) -> str:
    """A field a spreadsheet would take for a formula (it begins with =, +, -, @)
    kept as text by a leading apostrophe; numbers such as -0,5 stay numbers."""
    if field.startswith(FORMULA_START) and not BELGIAN_NUMBER.fullmatch(field):
        return "'" + field
    return field


def belgian_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table as CSV for a spreadsheet set to Dutch (Belgium), with its BOM; a
    text that would read as a formula is kept as text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([as_text(field) for field in header])
    writer.writerows([as_text(str(field)) for field in row] for row in rows)
    return BOM + out.getvalue()
