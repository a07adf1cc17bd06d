"""The outcome table: the metrics of ``metrics.py`` per group, live or as of a date.

Live figures are SQL over the fact table the runner keeps. Figures as of a business
date, or as known at a recorded time, replay the history into a temporary fact table
in the same shape and run the same SQL over it; the live tables are not touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from application.projections.events import EventRecord
from application.projections.outcomes.facts import OutcomeFacts
from application.projections.outcomes.metrics import (
    COUNTS,
    LADDER_CHANGE_SQL,
    MEDIANS,
    RATES,
    SUPPRESSION_THRESHOLD,
    rate,
)
from application.projections.rows import RETRACTION
from application.projections.runner import TrajectoryProjection
from application.projections.source import EventSource
from application.projections.view import Cursor, ProjectionView
from domain.errors import InvalidValue
from domain.trajectory import BRUSSELS, today
from domain.vocabulary import DropoutReason

DIMENSIONS = (
    "programme",
    "organisation",
    "referral_source",
    "province",
    "age_band",
    "gender",
    "cohort",
)
COHORT_BASES = ("referral", "intake")


@dataclass(frozen=True)
class OutcomeQuery:
    group_by: tuple[str, ...] = ()
    cohort: str | None = None
    cohort_by: str = "referral"
    as_of: date | None = None
    known_at: datetime | None = None
    suppress: bool = True

    @classmethod
    def parse(
        cls,
        *,
        group_by: Sequence[str],
        cohort: str | None,
        cohort_by: str,
        as_of: date | None,
        known_at: datetime | None,
        suppress: bool,
    ) -> OutcomeQuery:
        unknown = [d for d in group_by if d not in DIMENSIONS]
        if unknown:
            raise InvalidValue(
                f"cannot group by {', '.join(unknown)}: "
                f"the dimensions are {', '.join(DIMENSIONS)}"
            )
        if len(set(group_by)) != len(group_by):
            raise InvalidValue("group_by names a dimension twice")
        if cohort_by not in COHORT_BASES:
            raise InvalidValue(
                f"cohort_by {cohort_by!r} is neither referral nor intake"
            )
        if cohort is not None and not _is_quarter(cohort):
            raise InvalidValue(f"cohort {cohort!r} is not a quarter such as 2024Q1")
        if as_of is not None and as_of > today():
            raise InvalidValue(f"as_of {as_of} is in the future")
        if known_at is not None and known_at.tzinfo is None:
            raise InvalidValue("known_at needs a time zone, e.g. 2025-01-31T12:00Z")
        query = cls(tuple(group_by), cohort, cohort_by, as_of, known_at, suppress)
        try:
            query.evaluated_on  # noqa: B018 (a time beyond the calendar fails here)
        except OverflowError:
            raise InvalidValue(f"known_at {known_at} is out of range") from None
        return query

    @property
    def evaluated_on(self) -> date:
        """The date rates are evaluated on (which exits are 6 months past)."""
        if self.as_of is not None:
            return self.as_of
        if self.known_at is not None:
            return self.known_at.astimezone(BRUSSELS).date()
        return today()

    @property
    def whole_programmes(self) -> bool:
        """Costs are given only where each group is a whole programme."""
        return self.group_by == ("programme",) and self.cohort is None

    def column(self, dimension: str) -> str:
        if dimension == "cohort":
            return f"{self.cohort_by}_cohort"
        return dimension


def _is_quarter(text: str) -> bool:
    return (
        len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234"
    )


@dataclass
class OutcomeRow:
    group: dict[str, str | None]
    suppressed: bool = False
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutcomeTable:
    query: OutcomeQuery
    rows: list[OutcomeRow]

    def csv(self) -> str:
        """One line per group, sorted; the same history gives the same bytes."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        names = figure_names()
        writer.writerow([*self.query.group_by, *names])
        for row in self.rows:
            group = [row.group[d] or "" for d in self.query.group_by]
            writer.writerow(group + [_csv_value(row, name) for name in names])
        return out.getvalue()


def figure_names() -> list[str]:
    counts = [c.name for c in COUNTS]
    return [
        *counts,
        "ladder_mean_change",
        *(m.name for m in MEDIANS),
        *(r.name for r in RATES),
        *(f"dropout_rate_{reason.value}" for reason in DropoutReason),
        "cost_per_participant",
        "cost_per_placement",
    ]


COUNT_NAMES = frozenset(c.name for c in COUNTS)


def _csv_value(row: OutcomeRow, name: str) -> str:
    if row.suppressed:
        return f"<{SUPPRESSION_THRESHOLD}" if name in COUNT_NAMES else ""
    if name.startswith("dropout_rate_") and name != "dropout_rate":
        value = row.figures["dropout_rate_by_reason"].get(
            name.removeprefix("dropout_rate_")
        )
    else:
        value = row.figures.get(name)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def outcomes(
    projection: TrajectoryProjection,
    source: EventSource,
    query: OutcomeQuery,
    budgets: dict[str, Decimal | None],
) -> OutcomeTable:
    view = projection.view
    if query.as_of is None and query.known_at is None:
        with view.reading() as cursor:
            rows = _figures(view, cursor, view.name(view.table), query)
    else:
        replayed = replay(source, projection.topics, query.as_of, query.known_at)
        with view.temporary(replayed) as (cursor, table):
            rows = _figures(view, cursor, table, query)
    for row in rows:
        _finish(row, query, budgets)
    return OutcomeTable(query, rows)


def replay(
    source: EventSource,
    topics: Sequence[str],
    as_of: date | None,
    known_at: datetime | None,
) -> Iterator[OutcomeFacts]:
    """Each trajectory's facts from the events that count: recorded by ``known_at``
    (a retraction recorded later has not happened yet), and with a business date on
    or before ``as_of`` (a retracted event never counts, whenever retracted)."""
    cut_off = as_of.isoformat() if as_of else None
    for events in source.trajectories(topics, source.head()):
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
    per reason, and the medians where the database has a median aggregate
    (PostgreSQL); else each median in a query of its own (SQLite)."""
    dims = [query.column(d) for d in query.group_by]
    where, where_params = "", []
    if query.cohort is not None:
        where, where_params = f"WHERE {query.column('cohort')} = %s", [query.cohort]
    evaluated_on = query.evaluated_on.isoformat()
    group = f"GROUP BY {', '.join(dims)}" if dims else ""
    selected = ", ".join([*dims, ""])
    reasons = [reason.value for reason in DropoutReason]
    inline = [view.median_aggregate(median.column) for median in MEDIANS]
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
        dropouts = {reason: int(next(values) or 0) for reason in reasons}
        figures["dropout_rate_by_reason"] = {
            reason: rate(count, figures["exits"])
            for reason, count in dropouts.items()
            if count
        }
        for median, sql in zip(MEDIANS, inline, strict=True):
            value = next(values) if sql is not None else None
            figures[median.name] = None if value is None else float(value)
        rows[key] = OutcomeRow(
            dict(zip(query.group_by, key, strict=True)), figures=figures
        )
    for median in separate:
        cursor.execute(view.median(median.column, dims, table, where), where_params)
        for record in cursor.fetchall():
            key, value = tuple(record[:width]), record[width]
            if key in rows and value is not None:
                rows[key].figures[median.name] = float(value)
    return [rows[key] for key in sorted(rows, key=_sort_key)]


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is not None, str(value or "")) for value in key)


def _finish(
    row: OutcomeRow, query: OutcomeQuery, budgets: dict[str, Decimal | None]
) -> None:
    figures = row.figures
    figures["unplaced"] = figures["intakes"] - figures["placed"]
    for each in RATES:
        figures[each.name] = rate(figures[each.numerator], figures[each.denominator])
    del figures["unplaced"]
    dropouts_by_reason = figures["dropout_rate_by_reason"]
    figures["dropout_rate_by_reason"] = (
        {
            reason.value: dropouts_by_reason.get(reason.value, 0.0)
            for reason in DropoutReason
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


def _cost(budget: Decimal | None, count: int) -> float | None:
    if budget is None or not count:
        return None
    return float(round(budget / count, 2))
