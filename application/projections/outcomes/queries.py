"""The outcome table: the metrics of ``metrics.py`` per group, live or as of a date.

Live figures are SQL over the fact table the runner keeps. Figures as of a business
date, or as known at a recorded time, replay the history into a temporary fact table
in the same shape and run the same SQL over it; the live tables are not touched.
An evaluator's figures come from a month-end release (``releases.py``).

What is asked (``OutcomeQuery``) and who sees what (``OutcomeScope``) are in
``query.py``: auditors and admins every figure; staff their own organisation's, every
figure; evaluators every organisation's under disclosure control (``disclosure.py``),
as of the last day of a month only, never as known at a time. Under disclosure
control a filter (a cohort, an organisation) is worked out as the slice of the table
grouped by it too, so that it tells no more than that table: the filtered figures
against the unfiltered ones are a breakdown like any other. The table itself, and
its CSV, are in ``table.py``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from application.projections.events import EventRecord
from application.projections.outcomes.disclosure import UNPLACED
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.disclosure import Cells
from application.projections.outcomes.disclosure import Key
from application.projections.outcomes.disclosure import Marks
from application.projections.outcomes.disclosure import reason_cell
from application.projections.outcomes.disclosure import sort_key
from application.projections.outcomes.disclosure import withhold
from application.projections.outcomes.facts import OutcomeFacts
from application.projections.outcomes.metrics import COUNTS
from application.projections.outcomes.metrics import LADDER_CHANGE_SQL
from application.projections.outcomes.metrics import MEDIANS
from application.projections.outcomes.metrics import RATES
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD
from application.projections.outcomes.metrics import rate
from application.projections.outcomes.query import DIMENSIONS
from application.projections.outcomes.query import AsOfBeforeProgrammes
from application.projections.outcomes.query import KnownAtForAuditors
from application.projections.outcomes.query import MonthNotEnded
from application.projections.outcomes.query import NotAMonthEnd
from application.projections.outcomes.query import OtherOrganisationsFigures
from application.projections.outcomes.query import OutcomeQuery
from application.projections.outcomes.query import OutcomeScope
from application.projections.outcomes.query import last_month_end
from application.projections.outcomes.query import month_end
from application.projections.outcomes.table import COUNT_NAMES
from application.projections.outcomes.table import OutcomeRow
from application.projections.outcomes.table import OutcomeTable
from application.projections.outcomes.table import Release
from application.projections.outcomes.table import figure_names
from application.projections.rows import RETRACTION
from application.projections.runner import TrajectoryProjection
from application.projections.source import EventSource
from application.projections.sql import Cursor
from application.projections.view import ProjectionView
from domain.vocabulary import DropoutReason

__all__ = [  # what is asked (query.py) and answered (table.py), named here too
    "COUNT_NAMES",
    "DIMENSIONS",
    "AsOfBeforeProgrammes",
    "KnownAtForAuditors",
    "MonthNotEnded",
    "NotAMonthEnd",
    "OtherOrganisationsFigures",
    "OutcomeQuery",
    "OutcomeRow",
    "OutcomeScope",
    "OutcomeTable",
    "Release",
    "Withholding",
    "figure_names",
    "last_month_end",
    "month_end",
    "outcomes",
    "released",
    "replay",
    "table_of",
]


def outcomes(
    projection: TrajectoryProjection,
    source: EventSource,
    query: OutcomeQuery,
    budgets: dict[str, Decimal | None],
) -> OutcomeTable:
    """The figures live, or as of a date or known at a time (a replay)."""
    view = projection.view
    grid = query.grid()
    if query.as_of is None and query.known_at is None:
        with view.reading() as cursor:
            rows = _figures(view, cursor, view.name(view.table), grid)
    else:
        replayed = replay(source, projection.topics, query.as_of, query.known_at)
        with view.temporary(replayed) as (cursor, table):
            rows = _figures(view, cursor, table, grid)
    return table_of(query, rows, budgets)


def released(
    view: ProjectionView[Any],
    query: OutcomeQuery,
    budgets: dict[str, Decimal | None],
    release: Release,
    withheld: Withholding = withhold,
) -> OutcomeTable:
    """The figures of a month-end release (``view``: its facts)."""
    with view.reading() as cursor:
        rows = _figures(view, cursor, view.name(view.table), query.grid())
    return replace(table_of(query, rows, budgets, withheld), release=release)


Withholding = Callable[[Sequence[str], Mapping[Key, Cells]], dict[Key, Marks]]


def table_of(
    query: OutcomeQuery,
    rows: list[OutcomeRow],
    budgets: dict[str, Decimal | None],
    withheld: Withholding = withhold,
) -> OutcomeTable:
    """The rates, costs and disclosure control (``withheld``: the marks of each
    row's withheld counts) of the rows of ``query.grid()``, and their slice that
    ``query`` asked for."""
    grid = query.grid()
    marks: dict[Key, Marks] = {}
    if query.suppress:
        marks = withheld(
            grid.group_by,
            {_key(grid, row): _cells(row) for row in rows},
        )
    for row in rows:
        _finish(row, query, budgets, marks.get(_key(grid, row)))
    if len(marks) > len(rows):  # rows of no trajectory, that complete the table
        given = {_key(grid, row) for row in rows}
        rows = rows + [
            OutcomeRow(dict(zip(grid.group_by, key, strict=True)), suppressed=True)
            for key in marks
            if key not in given
        ]
        rows.sort(key=lambda row: sort_key(_key(grid, row)))
    if grid is not query:
        rows = _slice(query, grid, rows)
    return OutcomeTable(query, rows)


def _key(query: OutcomeQuery, row: OutcomeRow) -> Key:
    return tuple(row.group[d] for d in query.group_by)


def _cells(row: OutcomeRow) -> Cells:
    """The row's counts, as disclosure control sees them."""
    figures = row.figures
    cells = {c.name: figures[c.name] for c in COUNTS}
    cells[UNPLACED] = figures["intakes"] - figures["placed"]
    for reason, count in figures["dropouts_by_reason"].items():
        cells[reason_cell(reason)] = count
    return cells


def _slice(
    query: OutcomeQuery, grid: OutcomeQuery, rows: list[OutcomeRow]
) -> list[OutcomeRow]:
    """The rows of the filters' values, grouped as the query asked."""
    kept = []
    for row in rows:
        if all(row.group[d] == value for d, value in query.filters.items()):
            row.group = {d: row.group[d] for d in query.group_by}
            kept.append(row)
    return kept


def replay(
    source: EventSource,
    topics: Sequence[str],
    as_of: date | None,
    known_at: datetime | None,
    head: int | None = None,
) -> Iterator[OutcomeFacts]:
    """Each trajectory's facts from the events that count: recorded by ``known_at``
    (a retraction recorded later has not happened yet), and with a business date on
    or before ``as_of`` (a retracted event never counts, whenever retracted); of the
    events up to notification ``head`` (the log's head now, if not given)."""
    cut_off = as_of.isoformat() if as_of else None
    upto = source.head() if head is None else head
    for events in source.trajectories(topics, upto):
        if known_at is not None:
            events = [e for e in events if _recorded_by(e, known_at)]
        if cut_off is not None:
            events = [
                e for e in events if e.type == RETRACTION or e.business_date <= cut_off
            ]
        row = OutcomeFacts.fold(events)
        if row is not None:
            yield row


def _recorded_by(event: EventRecord, moment: datetime) -> bool:
    return datetime.fromisoformat(event.recorded_at) <= moment


def _figures(
    view: ProjectionView[Any], cursor: Cursor, table: str, query: OutcomeQuery
) -> list[OutcomeRow]:
    """Every figure per group, in one scan of the table: the counts, the dropouts
    per reason, and the medians, from each group's values where the database
    gathers them in a list (PostgreSQL); else each median in a query of its own
    (SQLite)."""
    dims = [query.column(d) for d in query.group_by]
    conditions = [f"{query.column(d)} = %s" for d in query.filters]
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    where_params: list[Any] = list(query.filters.values())
    evaluated_on = query.evaluated_on.isoformat()
    group = f"GROUP BY {', '.join(dims)}" if dims else ""
    selected = ", ".join([*dims, ""])
    reasons = [reason.value for reason in DropoutReason]
    inline = [view.values_aggregate(median.column) for median in MEDIANS]
    medians = [sql for sql in inline if sql is not None]
    separate = [m for m, sql in zip(MEDIANS, inline, strict=True) if sql is None]
    aggregates = [c.sql for c in COUNTS] + [LADDER_CHANGE_SQL]
    params: list[Any] = [evaluated_on] * sum(a.count("%s") for a in aggregates)
    aggregates += ["SUM(CASE WHEN dropout_reason = %s THEN 1 ELSE 0 END)"] * len(
        reasons
    )
    params += reasons
    aggregates += medians
    cursor.execute(
        f"SELECT {selected}{', '.join(aggregates)} FROM {table} {where} {group}",
        params + where_params,
    )
    width = len(dims)
    rows: dict[tuple[Any, ...], OutcomeRow] = {}
    for record in cursor.fetchall():
        key = tuple(record[:width])
        values = iter(record[width:])
        counts = [next(values) for _ in COUNTS]
        figures: dict[str, Any] = {
            c.name: int(v or 0) for c, v in zip(COUNTS, counts, strict=True)
        }
        if not figures["referrals"]:
            continue  # no group: an aggregate over no rows at all
        change = next(values)
        figures["ladder_mean_change"] = None if change is None else float(change)
        figures["dropouts_by_reason"] = {
            reason: int(next(values) or 0) for reason in reasons
        }
        for median, sql in zip(MEDIANS, inline, strict=True):
            listed = next(values) if sql is not None else None
            figures[median.name] = float(statistics.median(listed)) if listed else None
        rows[key] = OutcomeRow(
            dict(zip(query.group_by, key, strict=True)), figures=figures
        )
    for median in separate:
        cursor.execute(view.median(median.column, dims, table, where), where_params)
        for record in cursor.fetchall():
            key, value = tuple(record[:width]), record[width]
            if key in rows and value is not None:
                rows[key].figures[median.name] = float(value)
    return [rows[key] for key in sorted(rows, key=sort_key)]


# The count each figure that is not a count is worked out over: withheld with it.
COUNTED_OVER = {
    "ladder_mean_change": "intakes",
    "median_days_to_intake": "intakes",
    "median_days_to_first_placement": "placed",
    "cost_per_participant": "intakes",
    "cost_per_placement": "placed",
}


def _finish(
    row: OutcomeRow,
    query: OutcomeQuery,
    budgets: dict[str, Decimal | None],
    marks: Marks | None = None,
) -> None:
    figures = row.figures
    figures[UNPLACED] = figures["intakes"] - figures["placed"]
    for each in RATES:
        figures[each.name] = rate(figures[each.numerator], figures[each.denominator])
    del figures[UNPLACED]
    dropouts_by_reason = figures.pop("dropouts_by_reason")
    figures["dropout_rate_by_reason"] = (
        {
            reason: rate(count, figures["exits"])
            for reason, count in dropouts_by_reason.items()
        }
        if figures["exits"]
        else {}
    )
    budget = (
        budgets.get(str(row.group.get("programme"))) if query.whole_programmes else None
    )
    figures["cost_per_participant"] = _cost(budget, figures["intakes"])
    figures["cost_per_placement"] = _cost(budget, figures["placed"])
    if query.suppress and figures["referrals"] < SUPPRESSION_THRESHOLD:
        row.suppressed = True
        row.figures = {}
    elif marks:
        _withhold(row, marks)


# Each dropout reason: its code, its cell and the name of its rate when withheld.
REASON_RATES = tuple(
    (reason.value, reason_cell(reason.value), f"dropout_rate_{reason.value}")
    for reason in DropoutReason
)


def _withhold(row: OutcomeRow, marks: Marks) -> None:
    """Withholds each figure that is a withheld count, or is worked out from one."""
    withheld = {c.name: marks[c.name] for c in COUNTS if c.name in marks}
    for each in RATES:
        if each.numerator in marks or each.denominator in marks:
            withheld[each.name] = WITHHELD
    for name, count in COUNTED_OVER.items():
        if count in marks:
            withheld[name] = WITHHELD
    by_reason = row.figures["dropout_rate_by_reason"]
    every_reason = "exits" in marks
    for reason, cell, name in REASON_RATES:
        if every_reason or cell in marks:
            withheld[name] = WITHHELD
            if reason in by_reason:
                by_reason[reason] = None
    for name in withheld:
        if name in row.figures:
            row.figures[name] = None
    row.withheld = withheld


def _cost(budget: Decimal | None, count: int) -> float | None:
    if budget is None or not count:
        return None
    return float(round(budget / count, 2))
