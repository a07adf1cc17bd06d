"""A copy of a trajectory, as a command gets it from the cache or a retraction
checks a history on: changing the copy leaves the original as it was, while the
journal's entries (never changed once written) are shared, not copied."""

import copy
from datetime import date

from domain.commands import RetractEntry
from tests.domain.builders import COACH
from tests.domain.builders import hold_session
from tests.domain.builders import placed


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
