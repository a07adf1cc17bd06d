"""An evaluator who adds and subtracts: what the shown figures of some outcome tables
give away, worked out independently of the code that withholds them.

The attacker knows how counts hang together (a total is the sum of its parts; a
breakdown's rows add up to the row they break down) and what the marks say: ``<5``
is a count from 0 to 4, ``x`` any count. From each relation with one count not
known, they work that count out; a relation whose unknown counts must all be 0 (or
all 4) gives those away too. They go on until nothing more comes out, and report
each count from 1 to 4 they learned that was not shown: a disclosure.

But one, a limit of disclosure control by withholding (docs/evaluators.md): a total
made only of groups of fewer than 5 (a row for every value of the other dimension),
each of them at 4 (8 = 4 + 4), says so by itself, and what follows from it; the
total was decided before the breakdown, and nothing withheld in the breakdown can
hide it. What is learned so is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from itertools import combinations
from typing import Any

from application.projections.outcomes.queries import OutcomeRow
from domain.vocabulary import DropoutReason

REASONS = [reason.value for reason in DropoutReason]
CELLS = [
    "referrals",
    "intakes",
    "placed",
    "unplaced",
    "competitive_employment",
    "ladder_up",
    "exits",
    "dropouts",
    *(f"dropouts_{reason}" for reason in REASONS),
    "employed_on_leaving",
    "exit_result_unknown",
    "sustained_due",
    "sustained_employment_6m",
    "sustained_unknown_6m",
]
# (total, parts, whether the parts leave a rest): how the counts of a row add up.
ROW_SUMS: list[tuple[str, list[str], bool]] = [
    ("referrals", ["intakes"], True),
    ("intakes", ["placed", "unplaced"], False),
    ("placed", ["competitive_employment"], True),
    ("intakes", ["ladder_up"], True),
    ("exits", ["dropouts"], True),
    ("dropouts", [f"dropouts_{reason}" for reason in REASONS], False),
    ("exits", ["employed_on_leaving", "exit_result_unknown"], True),
    ("exits", ["sustained_due"], True),
    ("sustained_due", ["sustained_employment_6m", "sustained_unknown_6m"], True),
]

Cell = tuple[Any, ...]  # (table's dimensions, group key, cell name) or a rest


@dataclass
class Table:
    """What the evaluator was shown of one table: each count, or its mark."""

    dims: tuple[str, ...]
    shown: dict[tuple[Any, ...], dict[str, int | str]] = field(default_factory=dict)


def table_of(dims: Iterable[str], rows: Iterable[OutcomeRow]) -> Table:
    """An outcome table as the evaluator reads its counts: the figures that are
    counts, the dropouts per reason (rate x exits) and the intakes not placed
    (share x intakes)."""
    table = Table(tuple(dims))
    for row in rows:
        key = tuple(row.group[d] for d in table.dims)
        shown: dict[str, int | str] = {}
        if row.suppressed:
            shown = dict.fromkeys(CELLS, "<5")
        else:
            figures = row.figures
            for name in CELLS:
                if name in figures:
                    shown[name] = row.withheld.get(name) or figures[name]
            exits = figures["exits"]
            for reason in REASONS:
                rate = figures["dropout_rate_by_reason"].get(reason)
                shown[f"dropouts_{reason}"] = (
                    round(rate * exits) if rate is not None and exits else "x"
                )
            share, intakes = figures["still_unplaced_share"], figures["intakes"]
            shown["unplaced"] = (
                round(share * intakes) if share is not None and intakes else "x"
            )
        table.shown[key] = shown
    return table


class Attacker:
    def __init__(self, tables: Iterable[Table]) -> None:
        self.tables = {table.dims: table for table in tables}
        self.known: dict[Cell, int] = {}
        self.small: set[Cell] = set()  # shown as "<5"
        self.said_by_the_total: set[Cell] = set()  # and what follows from it
        self.small_groups = {
            (table.dims, key)
            for table in self.tables.values()
            for key, shown in table.shown.items()
            if shown.get("referrals") == "<5"
        }
        self.sums: list[tuple[Cell, list[Cell]]] = []
        for table in self.tables.values():
            for key, shown in table.shown.items():
                for name, value in shown.items():
                    cell = (table.dims, key, name)
                    if isinstance(value, int):
                        self.known[cell] = value
                    elif value == "<5":
                        self.small.add(cell)
                for total, parts, rest in ROW_SUMS:
                    members = [(table.dims, key, p) for p in parts]
                    if rest:
                        rest_of = f"rest of {total} after {', '.join(parts)}"
                        members.append((table.dims, key, rest_of))
                    self.sums.append(((table.dims, key, total), members))
        for dims in self.tables:
            for parent in (tuple(d for d in dims if d != x) for x in dims):
                if parent in self.tables:
                    self._breakdown(dims, parent)

    def _breakdown(self, dims: tuple[str, ...], parent: tuple[str, ...]) -> None:
        positions = [dims.index(d) for d in parent]
        children: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for key in self.tables[dims].shown:
            children.setdefault(tuple(key[i] for i in positions), []).append(key)
        for parent_key, keys in children.items():
            for name in CELLS:
                self.sums.append(
                    ((parent, parent_key, name), [(dims, key, name) for key in keys])
                )

    def work_out(self) -> dict[Cell, int]:
        """Every count not shown that adding and subtracting gives away."""
        learned = True
        while learned:
            learned = False
            for total, parts in self.sums:
                learned |= self._subtract(total, parts)
        return {
            cell: value
            for cell, value in self.known.items()
            if (
                cell[2].startswith("rest of")
                or cell in self.small
                or self._withheld(cell)
            )
            and cell not in self.said_by_the_total
        }

    def _withheld(self, cell: Cell) -> bool:
        table = self.tables[cell[0]]
        return not isinstance(table.shown[cell[1]].get(cell[2]), int)

    def _subtract(self, total: Cell, parts: list[Cell]) -> bool:
        unknown = [p for p in parts if p not in self.known]
        if total in self.known:
            left = self.known[total] - sum(
                self.known[p] for p in parts if p in self.known
            )
            if len(unknown) == 1:
                self.known[unknown[0]] = left
                if {total, *parts} & self.said_by_the_total:
                    self.said_by_the_total.add(unknown[0])
                return True
            if unknown and all(p in self.small for p in unknown):
                if left == 0 or left == 4 * len(unknown):
                    for p in unknown:
                        self.known[p] = left // len(unknown)
                        if left and all(q[:2] in self.small_groups for q in unknown):
                            self.said_by_the_total.add(p)
                    return True
            return False
        if not unknown:
            self.known[total] = sum(self.known[p] for p in parts)
            if set(parts) & self.said_by_the_total:
                self.said_by_the_total.add(total)
            return True
        return False


def disclosed(tables: Iterable[Table]) -> dict[Cell, int]:
    """The counts from 1 to 4 that the tables give away, though not shown."""
    return {
        cell: value
        for cell, value in Attacker(tables).work_out().items()
        if 0 < value < 5
    }


def lattice(dims: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A table's dimensions and every fewer of them: what an evaluator can ask."""
    return [
        subset for size in range(len(dims) + 1) for subset in combinations(dims, size)
    ]


def shown_tables(
    dims: tuple[str, ...],
    rows: Mapping[tuple[Any, ...], Mapping[str, int]],
    marks: Mapping[tuple[str, ...], Mapping[tuple[Any, ...], Mapping[str, str]]],
) -> list[Table]:
    """Tables of counts as shown under the given marks, for each of the lattice."""
    tables = []
    for subset in lattice(dims):
        positions = [dims.index(d) for d in subset]
        summed: dict[tuple[Any, ...], dict[str, int]] = {}
        for key, cells in rows.items():
            into = summed.setdefault(
                tuple(key[i] for i in positions), dict.fromkeys(CELLS, 0)
            )
            for name in CELLS:
                into[name] += cells[name]
        table = Table(subset)
        for key, withheld in marks[subset].items():
            cells = summed.get(key, dict.fromkeys(CELLS, 0))
            table.shown[key] = {
                name: withheld.get(name, value) for name, value in cells.items()
            }
        tables.append(table)
    return tables
