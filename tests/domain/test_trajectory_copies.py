"""A copy of a trajectory, as a command gets it from the cache or a retraction
checks a history on: changing the copy leaves the original as it was, while the
journal's entries (never changed once written) are shared, not copied."""

import copy
import dataclasses
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.commands import RetractEntry
from tests.domain.builders import COACH
from tests.domain.builders import hold_session
from tests.domain.builders import placed
from tests.domain.builders import suspended


def test_recording_on_a_copy_leaves_the_original_as_it_was() -> None:
    # Given a trajectory with a placement and a session
    original = placed()
    hold_session(original, on=date(2024, 3, 20))
    journal = list(original.journal)
    state = copy.deepcopy(vars(original))

    # When a copy records a session and retracts the first one
    copied = copy.deepcopy(original)
    hold_session(copied, on=date(2024, 3, 27))
    session = next(e for e in copied.journal if e["type"] == "SessionHeld")
    copied.record(
        RetractEntry(on=date(2024, 3, 28), version=session["version"], reason="typo"),
        COACH,
    )

    # Then the original is unchanged, and the copy went on
    assert original.journal == journal and vars(original) == state
    assert copied.version == original.version + 2
    versions = [entry["version"] for entry in copied.journal]
    assert session["version"] not in versions  # retracted on the copy only
    assert session in original.journal
    assert versions[-1] == original.version + 1  # the copy's new session


def test_a_copy_shares_the_journal_s_entries_in_a_list_of_its_own() -> None:
    original = placed()

    copied = copy.deepcopy(original)

    assert copied.journal is not original.journal
    assert all(a is b for a, b in zip(copied.journal, original.journal, strict=True))
    assert copied.placements is not original.placements
    assert copied.placements == original.placements


def parts_that_can_change(value: Any) -> Iterator[Any]:
    """``value`` and what it holds, as far as they can be changed in place: lists,
    dicts, sets and dataclasses that are not frozen."""
    if isinstance(value, list | set):
        yield value
        children: Iterable[Any] = value
    elif isinstance(value, dict):
        yield value
        children = value.values()
    elif dataclasses.is_dataclass(value) and not value.__dataclass_params__.frozen:  # type: ignore[union-attr]
        yield value
        children = vars(value).values()
    else:
        return
    for child in children:
        yield from parts_that_can_change(child)


def test_a_copy_shares_nothing_that_can_change_but_the_journal_s_entries() -> None:
    # Given a trajectory with a placement and a session, and a suspended one
    original = placed()
    hold_session(original, on=date(2024, 3, 20))
    suspension = suspended()

    for trajectory in (original, suspension):
        # When it is copied
        copied = copy.deepcopy(trajectory)

        # Then no list, dict or dataclass of its state is the original's
        for name, value in vars(trajectory).items():
            if name == "journal":  # its entries are shared on purpose (above)
                continue
            ours = {id(part) for part in parts_that_can_change(value)}
            theirs = {id(part) for part in parts_that_can_change(vars(copied)[name])}
            assert not ours & theirs, name
            assert vars(copied)[name] == value, name
