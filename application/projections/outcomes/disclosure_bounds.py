"""Secondary suppression: the cells and rests of one table and of the tables it
breaks down, as a system of sums; the bounds that what is shown leaves each of them,
propagated through every relation; and the cells withheld so that no count from 1
to 4 is pinned to one value (``disclosure.py`` says why)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from application.projections.outcomes.disclosure_cells import COST
from application.projections.outcomes.disclosure_cells import RELATIONS
from application.projections.outcomes.disclosure_cells import SMALL
from application.projections.outcomes.disclosure_cells import WITHHELD
from application.projections.outcomes.disclosure_cells import Cells
from application.projections.outcomes.disclosure_cells import Key
from application.projections.outcomes.disclosure_cells import Marks
from application.projections.outcomes.disclosure_cells import is_sensitive
from application.projections.outcomes.disclosure_cells import is_small
from application.projections.outcomes.disclosure_cells import sort_key
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD

INF = 10**15
HALF = INF // 2
ROUNDS = 10_000


def parents(subset: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """The tables a breakdown by ``subset`` breaks down: one dimension fewer."""
    for dropped in subset:
        yield tuple(d for d in subset if d != dropped)


class TableSystem:
    """The cells and rests of one table and of every table of fewer of its
    dimensions, the relations between them, and the bounds the shown ones leave."""

    def __init__(
        self,
        subset: tuple[str, ...],
        family: tuple[str, ...],
        grids: Mapping[tuple[str, ...], Mapping[Key, Cells]],
        decided: Mapping[tuple[str, ...], Mapping[Key, Marks]],
        scope: Sequence[tuple[str, ...]],
    ) -> None:
        self.subset = subset
        self.family = family
        relations = [r for r in RELATIONS if r.total in family]
        self.tables = list(scope)  # the table itself, and tables it breaks down
        self.values: list[int] = []
        self.cells: list[tuple[tuple[str, ...], Key, str] | None] = []  # None: rest
        self.table_of: list[tuple[str, ...]] = []
        self.index: dict[tuple[tuple[str, ...], Key, str], int] = {}
        self.constraints: list[tuple[int, list[int]]] = []
        for table in self.tables:
            for key in sorted(grids[table], key=sort_key):
                cells = grids[table][key]
                for name in family:
                    self.index[(table, key, name)] = self._variable(
                        cells[name], (table, key, name), table
                    )
                for relation in relations:
                    parts = [self.index[(table, key, p)] for p in relation.parts]
                    if relation.rest is not None:
                        rest = cells[relation.total] - sum(
                            cells[p] for p in relation.parts
                        )
                        parts.append(self._variable(rest, None, table))
                    self.constraints.append(
                        (self.index[(table, key, relation.total)], parts)
                    )
        for table in self.tables:
            for parent in parents(table):
                if parent in self.tables:
                    self._breakdown(table, parent, grids[table])
        self.by_variable: list[list[int]] = [[] for _ in self.values]
        for number, (total, parts) in enumerate(self.constraints):
            for variable in (total, *parts):
                self.by_variable[variable].append(number)
        # The marks: the tables decided before stand; this one starts with the
        # primary suppression of every small count.
        self.marks: dict[int, str] = {}
        for variable, cell in enumerate(self.cells):
            if cell is None:
                continue
            table, key, name = cell
            if name in decided[table][key]:
                self.marks[variable] = decided[table][key][name]
            elif table == subset and is_small(self.values[variable]):
                self.marks[variable] = SMALL
        self.suppressed_rows = {
            key
            for key, cells in grids[subset].items()
            if cells["referrals"] < SUPPRESSION_THRESHOLD
        }

    def _variable(
        self,
        value: int,
        cell: tuple[tuple[str, ...], Key, str] | None,
        table: tuple[str, ...],
    ) -> int:
        self.values.append(value)
        self.cells.append(cell)
        self.table_of.append(table)
        return len(self.values) - 1

    def _breakdown(
        self,
        table: tuple[str, ...],
        parent: tuple[str, ...],
        rows: Mapping[Key, Cells],
    ) -> None:
        positions = [table.index(d) for d in parent]
        children: dict[Key, list[Key]] = {}
        for key in sorted(rows, key=sort_key):
            children.setdefault(tuple(key[i] for i in positions), []).append(key)
        for parent_key, keys in children.items():
            for name in self.family:
                self.constraints.append(
                    (
                        self.index[(parent, parent_key, name)],
                        [self.index[(table, key, name)] for key in keys],
                    )
                )

    # Deciding ----------------------------------------------------------------------

    def decide(self) -> dict[Key, Marks]:
        """The marks of this table's rows: primary suppression, then secondary
        suppression until no small count is pinned down."""
        sensitive = [v for v, value in enumerate(self.values) if is_sensitive(value)]
        # What the tables decided before pin down by themselves, nothing withheld
        # here frees; a "<5" of this table so pinned still becomes "x", for whoever
        # sets this table against fewer of them.
        pinned_anyway = self._pinned_whatever_this_table_shows(sensitive)
        given_up = {v for v in pinned_anyway if not self._here(v)}
        while True:
            low, high = self._bounds()
            pinned = [v for v in sensitive if low[v] == high[v] and v not in given_up]
            if not pinned:
                break
            touched: set[int] = set()
            for variable in pinned:
                binding = self._binding(variable, low, high)
                if touched.intersection(binding):
                    continue  # a cell withheld this round may free it already
                if variable in pinned_anyway:
                    if self._widen(variable, touched):
                        continue
                elif self._withhold_another(variable, binding, (low, high), touched):
                    continue
                given_up.add(variable)  # nothing of this table can hide it
        marks: dict[Key, Marks] = {}
        for variable, mark in self.marks.items():
            cell = self.cells[variable]
            assert cell is not None
            table, key, name = cell
            if table == self.subset:
                marks.setdefault(key, {})[name] = mark
        return {key: marks.get(key, {}) for key in self._keys()}

    def _pinned_whatever_this_table_shows(self, sensitive: list[int]) -> set[int]:
        """The small counts the tables decided before pin down by themselves (where
        they could not help it): nothing withheld here would free them."""
        decided = dict(self.marks)
        for variable, cell in enumerate(self.cells):
            if cell is not None and cell[0] == self.subset:
                self.marks[variable] = WITHHELD
        low, high = self._bounds()
        self.marks = decided
        return {v for v in sensitive if low[v] == high[v]}

    def _keys(self) -> list[Key]:
        return sorted(
            {key for table, key, _ in self.index if table == self.subset},
            key=sort_key,
        )

    def _binding(self, variable: int, low: list[int], high: list[int]) -> list[int]:
        """The relations that pin ``variable`` down: each gives it, from the others'
        bounds, a least or greatest value that is its value."""
        value = low[variable]
        binding = []
        for number in self.by_variable[variable]:
            total, parts = self.constraints[number]
            if variable == total:
                floor = sum(low[p] for p in parts)
                ceiling = sum(high[p] for p in parts)
            else:
                others_low = sum(low[p] for p in parts if p != variable)
                others_high = sum(high[p] for p in parts if p != variable)
                floor = low[total] - others_high
                ceiling = high[total] - others_low
            if _bound(floor) == value or _bound(ceiling) == value:
                binding.append(number)
        return binding or self.by_variable[variable]

    def _withhold_another(
        self,
        variable: int,
        binding: list[int],
        bounds: tuple[list[int], list[int]],
        touched: set[int],
    ) -> bool:
        """Withholds the cheapest shown cell of this table in a relation that pins
        ``variable``; where there is none, in a relation that pins a withheld cell
        pinning it (the corner of a rectangle, say), and so on; else a ``<5`` of its
        own becomes ``x`` (any value). False when none of these can be done."""
        low, high = bounds
        seen = {variable}
        reached = [variable]
        relations = binding
        while reached:
            candidates = []
            following = []
            for number in relations:
                total, parts = self.constraints[number]
                for other in (total, *parts):
                    cell = self.cells[other]
                    if cell is not None and other not in self.marks:
                        if cell[0] == self.subset:
                            candidates.append(
                                (COST[cell[2]], self.values[other], other)
                            )
                    elif other not in seen and low[other] == high[other]:
                        seen.add(other)
                        following.append(other)
            if candidates:
                chosen = min(candidates)[2]
                self.marks[chosen] = WITHHELD
                touched.update(self.by_variable[chosen])
                return True
            reached = following
            relations = sorted(
                {n for other in following for n in self._binding(other, low, high)}
            )
        return self._widen(variable, touched)

    def _here(self, variable: int) -> bool:
        return self.table_of[variable] == self.subset

    def _widen(self, variable: int, touched: set[int]) -> bool:
        """Shows a ``<5`` of this table, in a group of 5 or more, as ``x`` (any
        value) instead; False if it is not one."""
        cell = self.cells[variable]
        if (
            cell is None
            or cell[0] != self.subset
            or cell[1] in self.suppressed_rows
            or self.marks.get(variable) != SMALL
        ):
            return False
        self.marks[variable] = WITHHELD
        touched.update(self.by_variable[variable])
        return True

    def _bounds(self) -> tuple[list[int], list[int]]:
        """The least and greatest value each cell and rest can have, given what is
        shown and the relations: bounds propagation to a fixed point."""
        low: list[int] = []
        high: list[int] = []
        for variable, value in enumerate(self.values):
            mark = self.marks.get(variable)
            if self.cells[variable] is not None and mark is None:
                low.append(value)
                high.append(value)
            elif mark == SMALL:
                low.append(0)
                high.append(SUPPRESSION_THRESHOLD - 1)
            else:  # withheld as x, or a rest: at least 0 (if it is)
                low.append(0 if value >= 0 else -INF)
                high.append(INF)
        # Only a relation with a value not known can narrow anything.
        waiting = deque(
            number
            for number, (total, parts) in enumerate(self.constraints)
            if any(low[v] != high[v] for v in (total, *parts))
        )
        queued = [False] * len(self.constraints)
        for number in waiting:
            queued[number] = True
        budget = ROUNDS * max(len(waiting), 1)
        while waiting and budget:
            budget -= 1
            number = waiting.popleft()
            queued[number] = False
            total, parts = self.constraints[number]
            for variable in _narrow(low, high, total, parts):
                for other in self.by_variable[variable]:
                    if not queued[other]:
                        queued[other] = True
                        waiting.append(other)
        return low, high


def _bound(value: int) -> int:
    """A bound beyond half of INF is infinite."""
    if value >= HALF:
        return INF
    if value <= -HALF:
        return -INF
    return value


def _narrow(low: list[int], high: list[int], total: int, parts: list[int]) -> list[int]:
    """Narrows the bounds of ``total = sum(parts)``; returns what changed. (A bound
    beyond half of INF is infinite: written out here, for speed.)"""
    changed = []
    parts_low = 0
    parts_high = 0
    for part in parts:
        parts_low += low[part]
        parts_high += high[part]
    total_low = low[total]
    total_high = high[total]
    if parts_low > total_low:
        total_low = max(total_low, _bound(parts_low))
    if parts_high < total_high:
        total_high = min(total_high, _bound(parts_high))
    if total_low != low[total] or total_high != high[total]:
        low[total] = total_low
        high[total] = total_high
        changed.append(total)
    for part in parts:
        part_low = low[part]
        part_high = high[part]
        floor = total_low - (parts_high - part_high)
        ceiling = total_high - (parts_low - part_low)
        narrower = False
        if floor > part_low:
            floor = _bound(floor)
            if floor > part_low:
                parts_low += floor - part_low
                low[part] = floor
                narrower = True
        if ceiling < part_high:
            ceiling = _bound(ceiling)
            if ceiling < part_high:
                parts_high += ceiling - part_high
                high[part] = ceiling
                narrower = True
        if narrower:
            changed.append(part)
    return changed
