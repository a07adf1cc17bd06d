"""Rules guard new commands; they never re-judge stored history. A rule tightened
after a history was recorded refuses the next command that breaks it, while the
history keeps its events: a retraction in it is judged only by whether the history
left makes sense."""

from collections.abc import Callable
from datetime import date

import pytest

import domain.trajectory as trajectory_module
from domain.commands import EndPlacement
from domain.commands import RecordExitResult
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.errors import EntryAlreadyRetracted
from domain.errors import HoursOutOfRange
from domain.errors import ObservationOutsideWindow
from domain.errors import RetractionBreaksHistory
from domain.errors import RungOutOfRange
from domain.trajectory import Trajectory
from domain.vocabulary import ExitStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from tests.domain.builders import COACH
from tests.domain.builders import EXIT_ON
from tests.domain.builders import PLACEMENT_ID
from tests.domain.builders import exited
from tests.domain.builders import hold_session
from tests.domain.builders import start_placement
from tests.domain.builders import taken_in

RETRACTED_ON = date(2024, 7, 15)


def placed_and_ended(trajectory: Trajectory) -> None:
    start_placement(trajectory)
    trajectory.end_placement(
        EndPlacement(
            placement_id=PLACEMENT_ID, on=EXIT_ON, reason=PlacementEndReason.OTHER
        ),
        COACH,
    )


def retract(trajectory: Trajectory, version: int, on: date = RETRACTED_ON) -> None:
    trajectory.retract_entry(
        RetractEntry(on=on, version=version, reason="entered in error"),
        recorded_by=COACH,
    )


def tightened(monkeypatch: pytest.MonkeyPatch, name: str, value: object) -> None:
    monkeypatch.setattr(trajectory_module, name, value)


def test_a_placement_of_more_hours_than_a_new_limit_stays_and_retractions_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trajectory = taken_in()
    start_placement(trajectory, hours_per_week=50.0)
    hold_session(trajectory, on=date(2024, 4, 8))
    tightened(monkeypatch, "MAX_HOURS_PER_WEEK", 40.0)

    retract(trajectory, 4)  # the session after the placement

    assert trajectory.placements[0].hours_per_week == 50.0
    assert trajectory.sessions_held == 0
    with pytest.raises(HoursOutOfRange):
        trajectory.start_placement(
            StartPlacement(
                on=date(2024, 4, 15),
                placement_type=PlacementType.INTERNSHIP,
                employer="Stad Gent",
                paid=False,
                hours_per_week=50.0,
            ),
            COACH,
        )


def test_an_intake_rung_a_narrower_ladder_would_refuse_stays_and_retractions_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trajectory = taken_in(rung=6)
    hold_session(trajectory)

    def five_rungs(rung: int) -> None:
        if not 1 <= rung <= 5:
            raise RungOutOfRange(rung)

    tightened(monkeypatch, "check_rung", five_rungs)

    retract(trajectory, 3)

    assert trajectory.rung_at_intake == 6
    with pytest.raises(RungOutOfRange):
        taken_in(rung=6)


def test_an_exit_result_outside_a_shorter_window_stays_and_retractions_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trajectory = exited()
    end_on = date(2024, 6, 14)
    trajectory.end_placement(
        EndPlacement(
            placement_id=PLACEMENT_ID, on=end_on, reason=PlacementEndReason.OTHER
        ),
        COACH,
    )
    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 7, 20), status=ExitStatus.EMPLOYED),
        COACH,
    )
    tightened(monkeypatch, "EXIT_RESULT_WINDOW_DAYS", 14)

    retract(trajectory, trajectory.version - 1)  # the placement's end

    assert trajectory.exit_result is ExitStatus.EMPLOYED
    with pytest.raises(ObservationOutsideWindow):
        exited().record_exit_result(
            RecordExitResult(observed_on=date(2024, 7, 20), status=ExitStatus.EMPLOYED),
            COACH,
        )


def test_a_history_dated_after_the_clock_stays_and_retractions_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trajectory = exited()
    tightened(monkeypatch, "today", lambda: date(2024, 5, 1))  # a clock set back

    retract(trajectory, trajectory.version, on=date(2024, 4, 30))  # the completion

    assert trajectory.exit_on is None


@pytest.mark.parametrize(
    ("given", "version", "why"),
    [
        pytest.param(
            lambda t: hold_session(t, on=date(2024, 4, 8)),
            2,
            "needs a completed intake first",
            id="sessions without an intake",
        ),
        pytest.param(
            lambda t: placed_and_ended(t),
            3,
            "was never started",
            id="a placement's end without its start",
        ),
    ],
)
def test_a_retraction_that_leaves_no_sense_is_refused_under_any_rules(
    monkeypatch: pytest.MonkeyPatch,
    given: Callable[[Trajectory], object],
    version: int,
    why: str,
) -> None:
    trajectory = taken_in()
    given(trajectory)
    tightened(monkeypatch, "MAX_HOURS_PER_WEEK", 1.0)

    with pytest.raises(RetractionBreaksHistory) as refused:
        retract(trajectory, version)

    assert why in refused.value.message


def test_a_retracted_entry_still_cannot_be_retracted_twice_under_new_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trajectory = taken_in()
    hold_session(trajectory)
    retract(trajectory, 3)
    tightened(monkeypatch, "MAX_SESSION_MINUTES", 1)

    with pytest.raises(EntryAlreadyRetracted):
        retract(trajectory, 3)
