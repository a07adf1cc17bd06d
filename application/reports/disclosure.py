"""Disclosure control of a report's table of counts, for evaluators: the same rules
as the outcome tables' (``application/projections/outcomes/disclosure.py``) on a
table of another shape.

A report is a grid of counts tied together by sums: a total and its parts (a row's
total over the genders, the participants over their labour statuses), where the parts
may leave a *rest* nobody shows but anyone can work out (the participants aged 30 to
54). Some counts come decided from elsewhere (*fixed*): the same count in an outcome
table the evaluator can read beside the report, shown or withheld as it is there.

Primary suppression withholds every count of the report below 5 (``<5``, zeros too).
Then the bounds the shown counts leave on every count and rest are worked out by
propagating them through the sums; wherever a count from 1 to 4 (of the report, a
rest, or a fixed one), or a fixed count withheld there as ``x``, is pinned to one
value, one more count of the report in a sum that pins it is withheld (``x``): the
smallest. Again, until none is pinned.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from application.projections.outcomes.disclosure import SMALL
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD

INF = 10**12  # no count is that large: a bound at or beyond it is no bound
ROUNDS = 1_000


@dataclass
class Grid:
    """The counts of a report and the sums that tie them, as numbered variables."""

    values: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "cell", "fixed" or "rest"
    marks: dict[int, str] = field(default_factory=dict)
    known: set[int] = field(default_factory=set)  # rests anyone knows (always 0)
    sums: list[tuple[int, list[int]]] = field(default_factory=list)

    def cell(self, value: int) -> int:
        """A count of the report: shown unless withheld here."""
        return self._add(value, "cell")

    def fixed(self, value: int, mark: str | None) -> int:
        """A count decided elsewhere: shown (``mark`` None) or withheld as there."""
        variable = self._add(value, "fixed")
        if mark is not None:
            self.marks[variable] = mark
        return variable

    def rest(self, value: int, *, known: bool = False) -> int:
        """What a sum's parts leave of its total; ``known`` when the rules make it
        plain (a field every intake must fill in leaves none)."""
        variable = self._add(value, "rest")
        if known:
            self.known.add(variable)
        return variable

    def add_sum(self, total: int, parts: list[int]) -> None:
        self.sums.append((total, parts))

    def _add(self, value: int, kind: str) -> int:
        self.values.append(value)
        self.kinds.append(kind)
        return len(self.values) - 1

    # Deciding ----------------------------------------------------------------------

    def decide(self) -> dict[int, str]:
        """The marks of the report's withheld cells, by variable."""
        for variable, kind in enumerate(self.kinds):
            if kind == "cell" and self.values[variable] < SUPPRESSION_THRESHOLD:
                self.marks[variable] = SMALL
        # A count from 1 to 4 must not be pinned down; nor may a count withheld
        # elsewhere as x, which hides another one there.
        sensitive = [
            v
            for v, value in enumerate(self.values)
            if (0 < value < SUPPRESSION_THRESHOLD and v not in self.known)
            or (self.kinds[v] == "fixed" and self.marks.get(v) == WITHHELD)
        ]
        given_up: set[int] = set()
        while True:
            low, high = self.bounds()
            pinned = [v for v in sensitive if low[v] == high[v] and v not in given_up]
            if not pinned:
                break
            variable = pinned[0]
            if not self._withhold_beside(variable, low, high):
                given_up.add(variable)  # pinned by what the report cannot change
        return {v: m for v, m in self.marks.items() if self.kinds[v] == "cell"}

    def _withhold_beside(self, variable: int, low: list[int], high: list[int]) -> bool:
        """Withholds the smallest shown cell of a sum holding ``variable``; where
        there is none, of a sum holding a withheld count that such a sum pins, and
        so on. False when no cell can be."""
        seen = {variable}
        reached = [variable]
        while reached:
            candidates = []
            following = []
            reaching = set(reached)
            for total, parts in self.sums:
                members = (total, *parts)
                if not reaching.intersection(members):
                    continue
                for other in members:
                    if self.kinds[other] == "cell" and other not in self.marks:
                        candidates.append((self.values[other], other))
                    elif other not in seen and low[other] == high[other]:
                        seen.add(other)
                        following.append(other)
            if candidates:
                self.marks[min(candidates)[1]] = WITHHELD
                return True
            reached = following
        return False

    def bounds(self) -> tuple[list[int], list[int]]:
        """The least and greatest value each variable can have, given what is shown
        and the sums: bounds propagated until nothing narrows."""
        low: list[int] = []
        high: list[int] = []
        for variable, value in enumerate(self.values):
            mark = self.marks.get(variable)
            if self.kinds[variable] == "rest" and variable not in self.known:
                low.append(0)
                high.append(INF)
            elif mark is None:
                low.append(value)
                high.append(value)
            elif mark == SMALL:
                low.append(0)
                high.append(SUPPRESSION_THRESHOLD - 1)
            else:
                low.append(0)
                high.append(INF)
        for _ in range(ROUNDS):  # the sums hold, so they settle long before
            changed = False
            for total, parts in self.sums:
                changed |= _narrow(low, high, total, parts)
            if not changed:
                break
        return low, high


def _narrow(low: list[int], high: list[int], total: int, parts: list[int]) -> bool:
    """Narrows the bounds of ``total = sum(parts)``; True if any changed."""
    changed = False
    parts_low = sum(low[p] for p in parts)
    parts_high = min(sum(high[p] for p in parts), INF)
    if parts_low > low[total]:
        low[total], changed = parts_low, True
    if parts_high < high[total]:
        high[total], changed = parts_high, True
    for part in parts:
        others_low = parts_low - low[part]
        others_high = min(sum(high[p] for p in parts if p != part), INF)
        floor = low[total] - others_high if others_high < INF else 0
        ceiling = high[total] - others_low if high[total] < INF else INF
        if floor > low[part]:
            low[part], changed = floor, True
            parts_low = sum(low[p] for p in parts)
        if ceiling < high[part]:
            high[part], changed = ceiling, True
    return changed
