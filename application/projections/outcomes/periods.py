"""Cohorts by year: the figures of a year's quarters, added up.

A year's figures are worked out from the rows of its quarters, never counted again,
so that a year shown beside its quarters tells nothing that they do not: under
disclosure control a year's count is the sum of its quarters' shown counts, and is
withheld (``x``) where one of them is; a rate divides two such sums, a mean change
on the ladder weighs the quarters' means by their intakes. Medians do not add up,
and costs are for whole programmes only: a year has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.metrics import COUNTS
from application.projections.outcomes.metrics import RATES
from application.projections.outcomes.metrics import rate
from application.projections.outcomes.queries import OutcomeRow
from domain.vocabulary import DropoutReason

PERIODS = ("quarter", "year")


def year_of(cohort: str | None) -> str | None:
    """The year of a quarter such as 2024Q1; None (no intake yet) stays None."""
    return cohort[:4] if cohort else None


def by_year(rows: Sequence[OutcomeRow]) -> list[OutcomeRow]:
    """The rows of a table grouped by cohort (and maybe more), a year in the place
    of each quarter, in the order the rows come in."""
    years: dict[tuple[tuple[str, str | None], ...], list[OutcomeRow]] = {}
    for row in rows:
        group = {**row.group, "cohort": year_of(row.group.get("cohort"))}
        years.setdefault(tuple(group.items()), []).append(row)
    return [_added(dict(key), quarters) for key, quarters in years.items()]


def _added(group: dict[str, str | None], quarters: list[OutcomeRow]) -> OutcomeRow:
    withheld: dict[str, str] = {}
    counts: dict[str, int] = {}
    for count in COUNTS:
        if all(q.shown(count.name) for q in quarters):
            counts[count.name] = sum(int(q.figures[count.name]) for q in quarters)
        else:
            withheld[count.name] = WITHHELD
    figures: dict[str, Any] = {c.name: counts.get(c.name) for c in COUNTS}
    figures["ladder_mean_change"] = _mean_change(quarters, counts, withheld)
    figures["median_days_to_intake"] = None
    figures["median_days_to_first_placement"] = None
    if "intakes" in counts and "placed" in counts:
        counts["unplaced"] = counts["intakes"] - counts["placed"]
    for each in RATES:
        if each.numerator in counts and each.denominator in counts:
            figures[each.name] = rate(counts[each.numerator], counts[each.denominator])
        else:
            figures[each.name] = None
            withheld[each.name] = WITHHELD
    by_reason: dict[str, float | None] = {}
    exits = counts.get("exits")
    for reason in DropoutReason:
        dropped = [_dropouts(q, reason.value) for q in quarters]
        if exits is None or any(d is None for d in dropped):
            withheld[f"dropout_rate_{reason.value}"] = WITHHELD
            if exits:
                by_reason[reason.value] = None
        elif exits:
            by_reason[reason.value] = rate(sum(d or 0 for d in dropped), exits)
    figures["dropout_rate_by_reason"] = by_reason
    figures["cost_per_participant"] = None
    figures["cost_per_placement"] = None
    return OutcomeRow(group, figures=figures, withheld=withheld)


def _mean_change(
    quarters: list[OutcomeRow], counts: dict[str, int], withheld: dict[str, str]
) -> float | None:
    """The mean change on the ladder over the year's intakes."""
    if "intakes" not in counts:
        withheld["ladder_mean_change"] = WITHHELD
        return None
    total = 0.0
    for quarter in quarters:
        intakes = int(quarter.figures["intakes"])
        if not intakes:
            continue
        if not quarter.shown("ladder_mean_change"):
            withheld["ladder_mean_change"] = WITHHELD
            return None
        total += float(quarter.figures["ladder_mean_change"] or 0) * intakes
    return total / counts["intakes"] if counts["intakes"] else None


def _dropouts(quarter: OutcomeRow, reason: str) -> int | None:
    """A quarter's dropouts for the reason (its rate times its exits), or None
    where it is withheld."""
    if not quarter.shown("exits") or not quarter.shown(f"dropout_rate_{reason}"):
        return None
    exits = int(quarter.figures["exits"])
    if not exits:
        return 0
    share = quarter.figures["dropout_rate_by_reason"].get(reason)
    return None if share is None else round(share * exits)
