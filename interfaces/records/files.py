"""Reading and writing an import file: CSV, XLSX or JSON Lines, one row per event.

Reading turns any of the three into the same ``Table``: each row's number (as the
spreadsheet shows it: the header is row 1; in JSON Lines, the line) and its cells by
column. A file that cannot be read as such is a ``FileRefused`` naming why: not
UTF-8, no known separator, a header with an unknown or a repeated column, a formula
in a cell, a line that is not a JSON object. Cells are kept as text, stripped; a
date cell of a spreadsheet becomes its ISO date, a number its shortest text (an
Excel serial date is read as a date where a date is asked, see ``rows``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import zipfile
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import BinaryIO
from typing import Literal

from openpyxl import load_workbook

from interfaces.exports.sheets import Column
from interfaces.exports.sheets import Sheet
from interfaces.exports.sheets import belgian_csv
from interfaces.exports.sheets import workbook
from interfaces.records.columns import EVENT
from interfaces.records.columns import TRAJECTORY
from interfaces.records.columns import column_for

Format = Literal["csv", "xlsx", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "jsonl")
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}
MAX_ROWS = 2_000_000
IMPORT_MAX_BYTES = 64 * 1024 * 1024  # a file sent to the API or the page
MAX_CELL = 10_000  # characters: the longest field (a note) takes as many
SEPARATORS = (";", ",", "\t")
CHUNK = 1 << 16  # bytes read from a file at a time
FORMULA_START = "="
PLANS_KEPT = 1_000  # orders of keys of a JSON Lines file, kept as it is read


class FileRefused(Exception):
    """The file cannot be read as an import: ``reason`` is a msgid (English, to be
    translated), ``values`` fill its placeholders."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason.format(**values))
        self.reason = reason
        self.values = values


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def format_of(name: str | None, content_type: str | None = None) -> Format | None:
    """The format a file's name or its media type says, if either does."""
    lowered = (name or "").lower()
    for candidate in FORMATS:
        if lowered.endswith(f".{candidate}"):
            return candidate
    if lowered.endswith((".ndjson", ".json")):
        return "jsonl"
    media = (content_type or "").split(";")[0].strip().lower()
    for candidate, known in MEDIA_TYPES.items():
        if media == known.split(";")[0]:
            return candidate
    if media in (
        "application/jsonl",
        "application/json-lines",
        "text/jsonl",
        "application/json",  # a line of JSON Lines is a JSON object
    ):
        return "jsonl"
    return None


def sniffed(content: bytes, content_type: str | None) -> Format | None:
    """The format the bytes show, for a file sent as just bytes (or with no type):
    a zip is a workbook, a first ``{`` JSON Lines, anything else CSV."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ("", "application/octet-stream"):
        return None
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def read_table(content: bytes, format: Format) -> Table:
    """The file's rows, held whole: at most ``MAX_ROWS`` (a file sent to the API or
    the page)."""
    if not content.strip():
        raise FileRefused("The file is empty.")
    table = Table([])
    for number, row in _rows(io.BytesIO(content), format, table.columns):
        if len(table.rows) >= MAX_ROWS:
            raise FileRefused("The file has more than {rows} rows.", rows=MAX_ROWS)
        table.rows.append((number, row))
    return table


def scan_file(path: Path, format: Format) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's rows one at a time, read from disk as they are asked for: a file
    of any length in the memory of a few rows (the command line's import). A
    problem is a ``FileRefused`` when the reading reaches it."""
    with path.open("rb") as source:
        if not _has_text(source):
            raise FileRefused("The file is empty.")
        source.seek(0)
        yield from _rows(source, format, [])


def _has_text(source: BinaryIO) -> bool:
    while chunk := source.read(1 << 16):
        if chunk.strip():
            return True
    return False


def _rows(
    source: BinaryIO, format: Format, columns: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of ``source``; ``columns`` receives the header's columns (and, in
    JSON Lines, those a later line adds)."""
    if format == "xlsx":
        return _xlsx(source, columns)
    lines = _lines(source)
    if format == "jsonl":
        return _jsonl(lines, columns)
    return _csv(lines, columns)


def _lines(source: BinaryIO) -> Iterator[str]:
    """The text's lines with their endings (``\n``, ``\r\n``, or ``\r`` as an old
    Mac saves a CSV), as a file opened with ``newline=""`` gives them; refused at the
    first line that is not UTF-8. A line is decoded alone: no byte of a character
    written in UTF-8 is a line's end."""
    for number, line in enumerate(_raw_lines(source), start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise FileRefused(
                "The file is not UTF-8 text (line {line}): save it as CSV UTF-8.",
                line=number,
            ) from None


def _raw_lines(source: BinaryIO) -> Iterator[bytes]:
    held: list[bytes] = []  # the pieces of a line that goes on in the next read
    while chunk := source.read(CHUNK):
        if held and held[-1].endswith(b"\r"):  # its end, or the \r of a \r\n
            if chunk.startswith(b"\n"):
                held.append(b"\n")
                chunk = chunk[1:]
            yield b"".join(held)
            held = []
        *lines, last = chunk.splitlines(keepends=True) or [b""]
        if lines:
            yield b"".join([*held, lines[0]])
            held = []
            yield from lines[1:]
        held.append(last)
        if last.endswith(b"\n"):
            yield b"".join(held)
            held = []
    if any(held):
        yield b"".join(held)


def _header(cells: Sequence[object]) -> list[str]:
    """The header's columns; refused if one is unknown or repeated, or the
    trajectory or the event is missing."""
    names = ["" if c is None else str(c).strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    columns: list[str] = []
    unknown = []
    for name in names:
        column = column_for(name) if name else None
        if column is None:
            unknown.append(name or "(empty)")
            continue
        if column in columns:
            raise FileRefused("The column {column} appears twice.", column=column)
        columns.append(column)
    if unknown:
        raise FileRefused(
            "Unknown columns: {columns}. The template names every column.",
            columns=", ".join(unknown),
        )
    for needed in (TRAJECTORY, EVENT):
        if needed not in columns:
            raise FileRefused("The column {column} is missing.", column=needed)
    return columns


def _csv(
    lines: Iterator[str], columns: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    first = next(lines, "")
    separator = max(SEPARATORS, key=first.split("\n", 1)[0].count)
    if first.count(separator) == 0:
        raise FileRefused(
            "The first line is not a header of columns separated by ; or , (or tabs)."
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=separator)
    try:
        columns += _header(next(reader))
        for cells in reader:
            if (row := _row(columns, reader.line_num, cells)) is not None:
                yield reader.line_num, row
    except csv.Error as error:
        raise FileRefused(
            "Line {line} cannot be read as CSV: {error}.",
            line=reader.line_num,
            error=str(error),
        ) from None


def _row(
    columns: Sequence[str], number: int, cells: Sequence[object]
) -> dict[str, Any] | None:
    """The row's cells by column; None for an empty row."""
    if len(cells) > len(columns) and any(
        c not in (None, "") for c in cells[len(columns) :]
    ):
        raise FileRefused(
            "Row {row} has more cells than the header has columns.", row=number
        )
    row: dict[str, Any] = {}
    given = False
    for column, cell in zip(columns, cells, strict=False):
        if isinstance(cell, str):  # most cells: read here, as _cell would
            if not cell:
                continue
            given = True
            text = cell.strip()
            if not text:
                continue
            if text[0] == FORMULA_START:
                raise _formula(number, column)
            if text[0] == "'" and len(text) > 1 and text[1] in "=+-@":
                text = text[1:]
            if len(text) > MAX_CELL:
                raise _too_long(number, column)
            row[column] = text
            continue
        if cell is None:
            continue
        given = True
        if isinstance(cell, list) and any(isinstance(i, list | dict) for i in cell):
            raise FileRefused(
                "Row {row}, column {column} holds a list within a list: give its "
                "values one by one.",
                row=number,
                column=column,
            )
        value = _cell(cell)
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise _too_long(number, column)
        if value not in ("", None, []):
            row[column] = value
    return row if given else None


def _formula(number: int, column: str) -> FileRefused:
    # A formula as the file holds it: text marked as text ('=...) is none.
    return FileRefused(
        "Row {row}, column {column} holds a formula: type its value instead.",
        row=number,
        column=column,
    )


def _too_long(number: int, column: str) -> FileRefused:
    return FileRefused(
        "Row {row}, column {column} is longer than {most} characters.",
        row=number,
        column=column,
        most=MAX_CELL,
    )


def _cell(cell: object) -> Any:
    """A cell as text (a list stays a list), stripped; a text that a spreadsheet
    export marked as text (``'=...``) without its mark."""
    if type(cell) is str:  # most cells
        text = cell.strip()
    elif cell is None:
        return ""
    elif isinstance(cell, bool):
        return "true" if cell else "false"
    elif isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    elif isinstance(cell, dt.date):
        return cell.isoformat()
    elif isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    elif isinstance(cell, int | float | Decimal):
        return str(cell)
    elif isinstance(cell, list):
        return [str(_cell(item)) for item in cell]
    else:
        text = str(cell).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _xlsx(source: BinaryIO, columns: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused("The file is not an XLSX workbook.") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None:
            raise FileRefused("The file is empty.")
        columns += _header([c.value for c in header])
        for number, cells in enumerate(rows, start=2):
            for index, cell in enumerate(cells):
                if cell.data_type == "f" and index < len(columns):
                    raise FileRefused(
                        "Row {row}, column {column} holds a formula: type its "
                        "value instead.",
                        row=number,
                        column=columns[index],
                    )
            if (row := _row(columns, number, [c.value for c in cells])) is not None:
                yield number, row
    finally:
        book.close()


def _jsonl(
    lines: Iterator[str], columns: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    # The keys of a line as it orders them -> those of its columns in the columns'
    # order, and the key that gives each (a file's lines share a few orders).
    plans: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FileRefused(
                "Line {line} is not JSON: {error}.", line=number, error=error.msg
            ) from None
        except RecursionError:
            raise FileRefused(
                "Line {line} nests its values too deeply to be a row.", line=number
            ) from None
        if not isinstance(record, dict):
            raise FileRefused("Line {line} is not a JSON object.", line=number)
        if not columns:
            columns += _header(list(record))
        keys = tuple(record)
        plan = plans.get(keys)
        if plan is None:
            plan = _plan(keys, columns)
            if len(plans) < PLANS_KEPT:
                plans[keys] = plan
        given, by = plan
        if (row := _row(given, number, [record[k] for k in by])) is not None:
            yield number, row
    if not columns:
        raise FileRefused("The file is empty.")


def _plan(keys: tuple[str, ...], columns: list[str]) -> tuple[list[str], list[str]]:
    """The columns a line of these keys gives, in the columns' order, and the key of
    each (of two keys for one column, the later); refused if a key is no column.
    A column first given here is added to ``columns``."""
    unknown = []
    columns_of: dict[str, str] = {}
    for key in keys:
        column = column_for(str(key))  # kept by column_for itself
        if column is None:
            unknown.append(key)
        else:
            columns_of[key] = column
    if unknown:
        raise FileRefused(
            "Unknown columns: {columns}. The template names every column.",
            columns=", ".join(map(str, unknown)),
        )
    key_of = {columns_of[key]: key for key in keys}
    for column in key_of:
        if column not in columns:
            columns.append(column)
    given = [c for c in columns if c in key_of]
    return given, [key_of[c] for c in given]


# Writing ------------------------------------------------------------------------------


def write_table(
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    format: Format,
    on: dt.date,
) -> bytes:
    """The rows as a file of ``format``; ``on`` dates a workbook."""
    if format == "jsonl":
        lines = (
            json.dumps({c: row[c] for c in columns if c in row}, ensure_ascii=False)
            for row in rows
        )
        return "".join(f"{line}\n" for line in lines).encode()
    decimal = "," if format == "csv" else "."  # a Belgian spreadsheet's, in CSV
    cells = [[_text_cell(row.get(c), decimal) for c in columns] for row in rows]
    if format == "csv":
        return belgian_csv(list(columns), cells).encode()
    sheet = Sheet("Events", [Column(c) for c in columns], cells, frozen_columns=2)
    return workbook([sheet], on)


def _text_cell(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(value).replace(".", decimal)
    return str(value)
