"""The cells disclosure control works on (``disclosure.py``): every count of a row of
an outcome table, the relations that tie them together within a row, the families
of cells decided together, and what withholding each costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.projections.outcomes.metrics import COUNTS
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD
from domain.vocabulary import DropoutReason

SMALL = f"<{SUPPRESSION_THRESHOLD}"  # a count from 0 to 4
WITHHELD = "x"  # withheld so that a small count elsewhere cannot be worked out

Key = tuple[Any, ...]
Cells = dict[str, int]
Marks = dict[str, str]


def reason_cell(reason: str) -> str:
    return f"dropouts_{reason}"


REASON_CELLS = tuple(reason_cell(reason.value) for reason in DropoutReason)
UNPLACED = "unplaced"
CELLS = (*(c.name for c in COUNTS), UNPLACED, *REASON_CELLS)


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``, and of a rest when ``rest`` names one."""

    total: str
    parts: tuple[str, ...]
    rest: str | None = None


RELATIONS = (
    Relation("referrals", ("intakes",), "referred, not taken in"),
    Relation("intakes", ("placed", UNPLACED)),
    Relation("placed", ("competitive_employment",), "placed, not competitively"),
    Relation("intakes", ("ladder_up",), "not up a rung"),
    Relation("exits", ("dropouts",), "completed"),
    Relation("dropouts", REASON_CELLS),
    Relation(
        "exits",
        ("employed_on_leaving", "exit_result_unknown"),
        "left for another known status",
    ),
    Relation("exits", ("sustained_due",), "exits not yet 6 months past"),
    Relation(
        "sustained_due",
        ("sustained_employment_6m", "sustained_unknown_6m"),
        "another known status at 6 months",
    ),
)

# Cells that no relation ties together are decided apart: a family at a time.
FAMILIES = (
    ("referrals", "intakes", "placed", UNPLACED, "competitive_employment", "ladder_up"),
    (
        "exits",
        "dropouts",
        *REASON_CELLS,
        "employed_on_leaving",
        "exit_result_unknown",
        "sustained_due",
        "sustained_employment_6m",
        "sustained_unknown_6m",
    ),
)

# What withholding a cell costs: roughly, how many figures go with it. A secondary
# suppression takes the cheapest cell of the relation, then the smallest.
COST = {
    "referrals": 2,
    "intakes": 9,
    "placed": 5,
    UNPLACED: 2,
    "competitive_employment": 2,
    "exits": 9,
    "dropouts": 4,
    "employed_on_leaving": 2,
    "exit_result_unknown": 2,
    "sustained_due": 4,
    "sustained_employment_6m": 2,
    "sustained_unknown_6m": 2,
    "ladder_up": 2,
} | dict.fromkeys(REASON_CELLS, 1)


def is_small(value: int) -> bool:
    return 0 <= value < SUPPRESSION_THRESHOLD


def is_sensitive(value: int) -> bool:
    """A count that could point at a person: from 1 to 4."""
    return 0 < value < SUPPRESSION_THRESHOLD


def sort_key(key: Key) -> tuple[tuple[bool, str], ...]:
    """Groups in the table's order: a missing value first, then by their text."""
    return tuple((value is not None, str(value or "")) for value in key)
