"""Disclosure control: which counts of an outcome table are withheld from evaluators,
so that no count from 1 to 4 can be read off the figures or worked out from them.

Every count of a row is a *cell*: the figures that count trajectories, the dropouts
of each reason, and the intakes not (yet) placed (the numerator of
still_unplaced_share). Cells hang together, and anyone can add and subtract:

- within a row, a total and its parts (``RELATIONS``): the dropouts are the sum of
  the dropouts per reason; intakes = placed + unplaced; where the parts do not make
  up the total, what they leave (*the rest*: referred but not taken in, exits that
  completed) is a count nobody shows but anyone can work out;
- across tables, a breakdown and what it breaks down: a programme's referrals are the
  sum of its referrals by gender, and the overall referrals the sum of every
  programme's. A table grouped by some dimensions is checked together with every
  table grouped by fewer of them (the ones an evaluator can ask for beside it), which
  were decided first and stand.

Primary suppression withholds every count below 5 (shown as ``<5``: zeros too, so
that "<5" tells nothing but "0 to 4"). Then the bounds that the shown figures still
allow are worked out, as someone who knows these rules would (a ``<5`` lies between 0
and 4, any other withheld cell is at least 0, a rest is at least 0), by propagating
them through every relation until nothing narrows. Wherever a count from 1 to 4 (a
cell or a rest) is pinned to one value, one more cell of that relation is withheld
(secondary suppression, shown as ``x``): the one that costs the fewest figures.
Again, until no small count is pinned.

The cells and their relations are in ``disclosure_cells.py``; the bounds and the
secondary suppression of one table in ``disclosure_bounds.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from itertools import combinations
from itertools import product

from application.projections.outcomes.disclosure_bounds import TableSystem
from application.projections.outcomes.disclosure_bounds import parents
from application.projections.outcomes.disclosure_cells import CELLS
from application.projections.outcomes.disclosure_cells import FAMILIES
from application.projections.outcomes.disclosure_cells import REASON_CELLS
from application.projections.outcomes.disclosure_cells import SMALL
from application.projections.outcomes.disclosure_cells import UNPLACED
from application.projections.outcomes.disclosure_cells import WITHHELD
from application.projections.outcomes.disclosure_cells import Cells
from application.projections.outcomes.disclosure_cells import Key
from application.projections.outcomes.disclosure_cells import Marks
from application.projections.outcomes.disclosure_cells import reason_cell
from application.projections.outcomes.disclosure_cells import sort_key

__all__ = [  # the cells (disclosure_cells.py), named here too
    "CELLS",
    "REASON_CELLS",
    "SMALL",
    "UNPLACED",
    "WITHHELD",
    "Cells",
    "Key",
    "Marks",
    "complete",
    "reason_cell",
    "sort_key",
    "withhold",
]


def withhold(dims: Sequence[str], rows: Mapping[Key, Cells]) -> dict[Key, Marks]:
    """The withheld cells of each row of a table grouped by ``dims`` (its keys are
    the dims' values in that order), each with its mark; a row whose referrals are
    fewer than 5 has every cell withheld as ``<5``.

    The table is first completed with a row for every combination of the values its
    dimensions take (an empty one has every count 0): a missing row would say that
    no trajectory has those values, and so tell what its neighbours' rows hold.
    The marks are of the completed table's rows, in its order."""
    dims = tuple(dims)
    rows = complete(dims, rows)
    grids = {
        subset: _marginal(dims, rows, subset)
        for size in range(len(dims) + 1)
        for subset in combinations(dims, size)
    }
    decided: dict[tuple[str, ...], dict[Key, Marks]] = {}
    for subset in grids:  # by size: every table of fewer dimensions comes first
        decided[subset] = {key: {} for key in grids[subset]}
        # Against itself, against each table it breaks down, then against all of
        # them at once (what the former could not free stays as it is).
        scopes = [[subset], *([subset, p] for p in parents(subset))]
        if len(subset) > 1:
            scopes.append([subset, *(t for t in grids if set(t) < set(subset))])
        for family in FAMILIES:
            for scope in scopes:
                marks = TableSystem(subset, family, grids, decided, scope).decide()
                for key, marked in marks.items():
                    decided[subset][key].update(marked)
    return decided[dims]


def complete(dims: tuple[str, ...], rows: Mapping[Key, Cells]) -> dict[Key, Cells]:
    """The rows, and a row of zeros for each combination of values not among them."""
    values = [
        sorted({key[i] for key in rows}, key=lambda v: sort_key((v,)))
        for i in range(len(dims))
    ]
    return {
        key: dict(rows[key]) if key in rows else dict.fromkeys(CELLS, 0)
        for key in product(*values)
    }


def _marginal(
    dims: tuple[str, ...], rows: Mapping[Key, Cells], subset: tuple[str, ...]
) -> dict[Key, Cells]:
    """The table grouped by ``subset`` alone: each cell summed over the others."""
    positions = [dims.index(d) for d in subset]
    summed: dict[Key, Cells] = {}
    for key, cells in rows.items():
        into = summed.setdefault(
            tuple(key[i] for i in positions), dict.fromkeys(CELLS, 0)
        )
        for name in CELLS:
            into[name] += cells[name]
    return summed
