"""The outcome table: a row of figures per group, which of them are withheld and
how they are marked, and the table as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from application.projections.outcomes.disclosure import SMALL
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.metrics import COUNTS
from application.projections.outcomes.metrics import MEDIANS
from application.projections.outcomes.metrics import RATES
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD
from application.projections.outcomes.query import OutcomeQuery
from domain.vocabulary import DropoutReason


@dataclass
class OutcomeRow:
    """One group's figures. ``suppressed``: the group has fewer than 5 trajectories,
    every figure is withheld (``figures`` is empty). Otherwise ``withheld`` names
    each figure withheld under disclosure control, with its mark: ``<5`` for a count
    from 0 to 4, ``x`` for a figure withheld so that a small count cannot be worked
    out (its value in ``figures`` is None, as is a withheld reason's rate in
    ``dropout_rate_by_reason``)."""

    group: dict[str, str | None]
    suppressed: bool = False
    figures: dict[str, Any] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)

    def shown(self, name: str) -> bool:
        """Whether the figure (a name of ``figure_names()``) is shown."""
        return not self.suppressed and name not in self.withheld

    def mark(self, name: str) -> str | None:
        """How a withheld figure is shown ("<5" or "x"), or None if it is shown."""
        if self.suppressed:
            return SMALL if name in COUNT_NAMES else WITHHELD
        return self.withheld.get(name)


@dataclass(frozen=True)
class Release:
    """The month-end release an evaluator's figures come from: the facts as of
    ``as_of``, folded once from the events up to notification ``position``."""

    as_of: date
    position: int


@dataclass(frozen=True)
class OutcomeTable:
    query: OutcomeQuery
    rows: list[OutcomeRow]
    release: Release | None = None

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
    if name in row.withheld:
        return row.withheld[name]
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
