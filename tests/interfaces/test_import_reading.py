"""Reading a JSON Lines import file, held to the rules the format's docs give.

The reader keeps, for each order of keys a line uses, the columns such a line
gives, in their order, from one line to the next. Whatever the
order of a line's keys, whichever spelling of a column it uses, and whichever line
first gives a column, each line must read as the rules below read it alone:

- the first line's keys are the header: each a known column, none twice, the
  trajectory and the event among them;
- a cell is stripped; an empty one is not given; one that starts with ``=`` is a
  formula and refuses the file (the first such cell in the columns' order); a
  leading ``'`` before ``= + - @`` marks text and is dropped; a yes or no reads as
  ``true`` or ``false``, a number as its text, a list as its items so read;
- a line of which no cell is given at all is no row;
- of two keys for one column in a line, the later one's value counts.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from interfaces.records.columns import column_for
from interfaces.records.files import FileRefused
from interfaces.records.files import read_table

KEYS = ["trajectory", "Trajectory", "event", "EVENT", "note", "Note", "employer", "on"]
TEXT = st.text(alphabet=" a'=+-@", max_size=4)
VALUES = st.one_of(
    st.none(), TEXT, st.booleans(), st.integers(-3, 3), st.lists(TEXT, max_size=2)
)
LINES = st.lists(
    st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=8).map(dict),
    min_size=1,
    max_size=8,
)

Expected = tuple[list[str], list[tuple[int, dict[str, Any]]]] | str


def expected(lines: list[dict[str, Any]]) -> Expected:
    """The columns and rows the rules above give, or the refusal's start."""
    header: list[str | None] = []
    for key in lines[0]:
        if (column := column_for(key)) in header:
            return f"The column {column} appears twice"
        header.append(column)
    for needed in ("trajectory", "event"):
        if needed not in header:
            return f"The column {needed} is missing"
    columns: list[str] = []
    rows = []
    for number, line in enumerate(lines, start=1):
        cells: dict[str, Any] = {}
        for key, value in line.items():
            column = column_for(key)
            assert column is not None
            cells[column] = value  # the later key's value, in the first one's place
        columns += [c for c in cells if c not in columns]
        row: dict[str, Any] = {}
        given = False
        for column in [c for c in columns if c in cells]:
            value = cells[column]
            if value is None or value == "":
                continue
            given = True
            if isinstance(value, str) and value.strip().startswith("="):
                return f"Row {number}, column {column} holds a formula"
            if (cell := _cell(value)) not in ("", []):
                row[column] = cell
        if given:
            rows.append((number, row))
    return columns, rows


def _cell(value: Any) -> Any:
    """A value as the rules read it: text stripped, without a text mark; a yes or
    no as true or false, a number as its text; a list's items each so (a formula
    in a list is no formula: a spreadsheet has none there)."""
    if isinstance(value, list):
        return [_cell(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


@given(LINES)
def test_each_line_reads_as_the_rules_read_it_alone(
    lines: list[dict[str, Any]],
) -> None:
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    want = expected(lines)
    try:
        table = read_table(content, "jsonl")
    except FileRefused as refused:
        assert isinstance(want, str), (str(refused), want)
        assert str(refused).startswith(want), (str(refused), want)
    else:
        assert not isinstance(want, str), (table, want)
        assert (table.columns, table.rows) == want


def test_a_key_no_column_has_is_refused_on_the_line_that_first_uses_it() -> None:
    # Given a file whose third line, after two good ones, has a key of its own
    lines = [
        {"trajectory": "T1", "event": "ReferralReceived"},
        {"event": "SessionHeld", "trajectory": "T1"},
        {"trajectory": "T1", "event": "SessionHeld", "colour": "red"},
    ]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    # When it is read, then it is refused naming that key
    try:
        read_table(content, "jsonl")
    except FileRefused as refused:
        assert str(refused) == (
            "Unknown columns: colour. The template names every column."
        )
    else:
        raise AssertionError("a key that is no column was read")
