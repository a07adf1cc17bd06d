"""Disclosure control over tables of counts (``outcomes/disclosure.py``): each count
below 5 withheld, and whatever would let it be worked out, checked against an
evaluator who adds and subtracts (``disclosure_attacker.py``)."""

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from application.projections.outcomes.disclosure import CELLS
from application.projections.outcomes.disclosure import SMALL
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.disclosure import withhold
from tests.application.disclosure_attacker import disclosed
from tests.application.disclosure_attacker import lattice
from tests.application.disclosure_attacker import shown_tables


def counts(**given: int) -> dict[str, int]:
    """A row's cells: the counts given, 0 for the rest, and the intakes not placed
    worked out."""
    cells = dict.fromkeys(CELLS, 0) | given
    cells["unplaced"] = cells["intakes"] - cells["placed"]
    return cells


A_LARGE_GROUP = counts(
    referrals=60,
    intakes=50,
    placed=30,
    competitive_employment=20,
    ladder_up=25,
    exits=40,
    dropouts=25,
    dropouts_lost_contact=12,
    dropouts_moved=12,
    dropouts_mental_health=1,
    employed_on_leaving=15,
    exit_result_unknown=10,
    sustained_due=30,
    sustained_employment_6m=12,
    sustained_unknown_6m=8,
)


def marks_of_every_table(
    dims: tuple[str, ...], rows: Mapping[tuple[Any, ...], Mapping[str, int]]
) -> dict[tuple[str, ...], dict[tuple[Any, ...], dict[str, str]]]:
    """The marks each table of the lattice gets, as each would be asked alone."""
    marks = {}
    for subset in lattice(dims):
        positions = [dims.index(d) for d in subset]
        summed: dict[tuple[Any, ...], dict[str, int]] = {}
        for key, cells in rows.items():
            into = summed.setdefault(
                tuple(key[i] for i in positions), dict.fromkeys(CELLS, 0)
            )
            for name in CELLS:
                into[name] += cells[name]
        marks[subset] = withhold(subset, summed)
    return marks


# One row -----------------------------------------------------------------------------


def test_every_count_below_five_is_withheld_zeros_too() -> None:
    marks = withhold((), {(): A_LARGE_GROUP})[()]

    assert marks["dropouts_mental_health"] == SMALL  # one person's reason
    assert marks["dropouts_withdrew"] == SMALL  # nobody: "<5" says 0 to 4
    assert "dropouts_lost_contact" not in marks
    assert "referrals" not in marks and "dropouts" not in marks


def test_a_reason_cannot_be_worked_out_from_the_dropouts_minus_the_others() -> None:
    # Dropouts 25 = 12 + 12 + the one: were the thirteen small reasons shown as
    # numbers (or all withheld but one), 25 - 24 would give that one away.
    row = {(): A_LARGE_GROUP}

    marks = withhold((), row)

    tables = shown_tables((), row, {(): marks})
    assert disclosed(tables) == {}


def test_a_small_count_is_not_left_as_the_only_cell_withheld_beside_its_total() -> None:
    # Placed 28 of 30 intakes: the two unplaced (a share on the page) would be 30 - 28.
    row = {(): counts(referrals=30, intakes=30, placed=28, exits=10, dropouts=5)}

    marks = withhold((), row)[()]

    assert marks["unplaced"] == SMALL
    assert marks["placed"] == WITHHELD  # else 30 - 28 = 2
    assert "intakes" not in marks


def test_a_small_rest_is_hidden_by_withholding_the_cheapest_cell_of_its_sum() -> None:
    # 40 referred, 38 taken in: "2 referred and not taken in" is a count too.
    row = {(): counts(referrals=40, intakes=38, placed=20, exits=10, dropouts=5)}

    marks = withhold((), row)[()]

    assert marks["referrals"] == WITHHELD  # cheaper than the intakes, and enough
    assert "intakes" not in marks
    assert disclosed(shown_tables((), row, {(): {(): marks}})) == {}


def test_a_group_of_fewer_than_five_has_every_count_withheld() -> None:
    row = {(): counts(referrals=4, intakes=3, placed=1, exits=1, dropouts=1)}

    marks = withhold((), row)[()]

    assert set(marks) == set(CELLS)
    assert set(marks.values()) == {SMALL}


# A breakdown and the table it breaks down --------------------------------------------


def test_a_small_row_cannot_be_worked_out_from_the_total_minus_the_others() -> None:
    rows = {
        ("Werkburo Gent",): A_LARGE_GROUP,
        ("Arktos",): counts(referrals=2, intakes=2, exits=1, dropouts=1),
    }

    marks = marks_of_every_table(("organisation",), rows)

    by_organisation = marks[("organisation",)]
    assert by_organisation[("Arktos",)]["referrals"] == SMALL
    # Gent's 60 against the overall 62 would give Arktos's 2 away: withheld.
    assert by_organisation[("Werkburo Gent",)]["referrals"] == WITHHELD
    assert disclosed(shown_tables(("organisation",), rows, marks)) == {}


def test_a_two_way_table_against_both_of_its_margins() -> None:
    rows = {
        ("ALPHA", "F"): A_LARGE_GROUP,
        ("ALPHA", "M"): counts(referrals=30, intakes=30, placed=10, exits=9),
        ("BETA", "F"): counts(referrals=3, intakes=3, placed=1),
        ("BETA", "M"): counts(referrals=25, intakes=20, placed=10, exits=5),
    }

    marks = marks_of_every_table(("programme", "gender"), rows)

    assert disclosed(shown_tables(("programme", "gender"), rows, marks)) == {}
    assert marks[("programme", "gender")][("BETA", "F")]["referrals"] == SMALL


def test_the_same_counts_give_the_same_marks() -> None:
    rows = {("ALPHA",): A_LARGE_GROUP, ("BETA",): counts(referrals=7, intakes=6)}

    first = withhold(("programme",), rows)
    second = withhold(("programme",), dict(reversed(list(rows.items()))))

    assert first == second


# Any table ---------------------------------------------------------------------------


@st.composite
def rows_of_counts(draw: st.DrawFn, size: int) -> dict[str, int]:
    """The counts of a group that could have happened (a group has at least one
    trajectory): parts within their totals."""
    referrals = draw(st.integers(1, size))
    intakes = draw(st.integers(0, referrals))
    placed = draw(st.integers(0, intakes))
    exits = draw(st.integers(0, referrals))
    dropouts = draw(st.integers(0, exits))
    reasons = st.sampled_from(["lost_contact", "moved", "mental_health", "addiction"])
    by_reason: dict[str, int] = {}
    for _ in range(dropouts):
        reason = draw(reasons)
        by_reason[reason] = by_reason.get(reason, 0) + 1
    employed = draw(st.integers(0, exits))
    due = draw(st.integers(0, exits))
    sustained = draw(st.integers(0, due))
    return counts(
        referrals=referrals,
        intakes=intakes,
        placed=placed,
        competitive_employment=draw(st.integers(0, placed)),
        ladder_up=draw(st.integers(0, intakes)),
        exits=exits,
        dropouts=dropouts,
        **{f"dropouts_{reason}": n for reason, n in by_reason.items()},
        employed_on_leaving=employed,
        exit_result_unknown=draw(st.integers(0, exits - employed)),
        sustained_due=due,
        sustained_employment_6m=sustained,
        sustained_unknown_6m=draw(st.integers(0, due - sustained)),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(rows_of_counts(40), min_size=1, max_size=3),
    st.lists(rows_of_counts(40), min_size=1, max_size=3),
)
def test_no_breakdown_gives_a_small_count_away_against_what_it_breaks_down(
    alpha: list[dict[str, int]], beta: list[dict[str, int]]
) -> None:
    rows = {("ALPHA", f"Q{n}"): cells for n, cells in enumerate(alpha)} | {
        ("BETA", f"Q{n}"): cells for n, cells in enumerate(beta)
    }
    dims = ("programme", "cohort")

    marks = marks_of_every_table(dims, rows)

    tables = {table.dims: table for table in shown_tables(dims, rows, marks)}
    for table in tables.values():
        assert disclosed([table]) == {}, table.dims
        for dropped in table.dims:
            parent = tables[tuple(d for d in table.dims if d != dropped)]
            assert disclosed([table, parent]) == {}, (table.dims, parent.dims)
