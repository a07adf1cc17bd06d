"""The outcome tables as a workbook (one sheet per table, then what the figures
are as of and what each means) and as CSV for a Belgian spreadsheet.

Every figure of ``figure_names()`` is a column, headed by its label; a count is a
whole number, a rate or share a number in a percentage format, a cost in euro. A
figure withheld under disclosure control is its mark (``<5``, ``x``), a figure
without a value (an empty denominator) an empty cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from enum import Enum
from typing import Any

from application.projections.outcomes.metrics import definitions
from application.projections.outcomes.queries import COUNT_NAMES
from application.projections.outcomes.queries import OutcomeRow
from application.projections.outcomes.queries import OutcomeTable
from application.projections.outcomes.queries import figure_names
from domain.vocabulary import AgeBand
from domain.vocabulary import Gender
from domain.vocabulary import Province
from domain.vocabulary import ReferralSource
from interfaces.exports import about
from interfaces.exports.sheets import CHANGE
from interfaces.exports.sheets import COUNT
from interfaces.exports.sheets import DECIMAL
from interfaces.exports.sheets import EURO
from interfaces.exports.sheets import PERCENT
from interfaces.exports.sheets import Column
from interfaces.exports.sheets import Sheet
from interfaces.exports.sheets import belgian_csv
from interfaces.exports.sheets import belgian_number
from interfaces.exports.sheets import workbook
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts

CODED: dict[str, type[Enum]] = {
    "referral_source": ReferralSource,
    "province": Province,
    "age_band": AgeBand,
    "gender": Gender,
}
UNKNOWN_PROVINCE = N_("unknown: no intake")
NO_INTAKE = N_("No intake yet")
UNKNOWN = N_("Unknown")
ALL = N_("All trajectories")
BY = N_("By %(dimension)s")
DEFINITIONS = N_("Definitions")


def number_format(name: str) -> str:
    """How a figure's numbers are shown."""
    if name in COUNT_NAMES:
        return COUNT
    if name.endswith(("_rate", "_share")) or name.startswith("dropout_rate_"):
        return PERCENT
    if name == "ladder_mean_change":
        return CHANGE
    if name.startswith("cost_"):
        return EURO
    return DECIMAL


def is_share(name: str) -> bool:
    return number_format(name) == PERCENT


def value_of(row: OutcomeRow, name: str) -> Any:
    """A figure as the table holds it: its mark if withheld, else its value (None
    for none)."""
    mark = row.mark(name)
    if mark is not None:
        return mark
    if name.startswith("dropout_rate_") and name != "dropout_rate":
        by_reason = row.figures.get("dropout_rate_by_reason") or {}
        return by_reason.get(name.removeprefix("dropout_rate_"))
    return row.figures.get(name)


def group_words(
    texts: Texts, dimension: str, value: str | None, names: Mapping[str, str]
) -> str:
    """A group's value in words: a code by its label, a programme by its name."""
    if value is None:
        if dimension == "province":
            return texts.gettext(UNKNOWN_PROVINCE)
        if dimension == "cohort":
            return texts.gettext(NO_INTAKE)
        return texts.gettext(UNKNOWN)
    if dimension == "programme":
        return names.get(value, value)
    if dimension in CODED:
        return texts.code(CODED[dimension], value)
    return value


def table_sheet(
    title: str, table: OutcomeTable, texts: Texts, names: Mapping[str, str]
) -> Sheet:
    dims = table.query.group_by
    figures = figure_names()
    columns = [Column(texts.label(d)) for d in dims] + [
        Column(texts.label(name), number_format(name)) for name in figures
    ]
    rows = [
        [group_words(texts, d, row.group.get(d), names) for d in dims]
        + [value_of(row, name) for name in figures]
        for row in table.rows
    ]
    return Sheet(title, columns, rows, frozen_columns=len(dims))


def table_title(texts: Texts, table: OutcomeTable) -> str:
    dims = table.query.group_by
    if not dims:
        return texts.gettext(ALL)
    words = " × ".join(texts.label(d).lower() for d in dims)
    return texts.gettext(BY) % {"dimension": words}


def about_sheet(texts: Texts, table: OutcomeTable) -> Sheet:
    """What the figures are as of, whose, and what the marks mean."""
    query = table.query
    rows: list[list[Any]] = [
        [texts.gettext("Evaluated on"), texts.date(query.evaluated_on)],
        [texts.gettext("As of"), texts.date(query.as_of) or "–"],
        [texts.gettext("Known at"), texts.moment(query.known_at) or "–"],
        [
            texts.gettext("Cohort by"),
            texts.gettext("intake")
            if query.cohort_by == "intake"
            else texts.gettext("referral"),
        ],
        [texts.gettext("Cohort"), query.cohort or "–"],
        *about.whose(texts, query.organisation, query.suppress),
        *about.marks(texts, query.suppress),
        ["", texts.gettext("an empty cell: no value (an empty denominator)")],
    ]
    return about.sheet(texts, rows, width=70)


def definitions_sheet(texts: Texts) -> Sheet:
    """Each figure's label, name and definition (``GET /outcomes/definitions``)."""
    rows = [
        [texts.label(name), name, texts.gettext(text)]
        for name, text in definitions().items()
    ]
    return Sheet(
        texts.gettext(DEFINITIONS),
        [
            Column(texts.gettext("Figure")),
            Column(texts.gettext("Name")),
            Column(texts.gettext("Definition"), width=90),
        ],
        rows,
        frozen_columns=1,
    )


def outcome_workbook(
    tables: Sequence[OutcomeTable], texts: Texts, names: Mapping[str, str]
) -> bytes:
    """The tables, one sheet each, then About and Definitions, as an XLSX file."""
    sheets = [
        table_sheet(table_title(texts, table), table, texts, names) for table in tables
    ]
    sheets += [about_sheet(texts, tables[0]), definitions_sheet(texts)]
    return workbook(sheets, tables[0].query.evaluated_on)


def outcome_csv(table: OutcomeTable, texts: Texts, names: Mapping[str, str]) -> str:
    """The table as CSV for a spreadsheet in Dutch (Belgium): labelled headers,
    ``;`` between fields, ``,`` before decimals, shares as percentages."""
    sheet = table_sheet("", table, texts, names)
    dims = len(table.query.group_by)
    figures = figure_names()
    rows = [
        [str(v) for v in row[:dims]]
        + [
            belgian_number(value, percent=is_share(name))
            for name, value in zip(figures, row[dims:], strict=True)
        ]
        for row in sheet.rows
    ]
    return belgian_csv([c.header for c in sheet.columns], rows)
