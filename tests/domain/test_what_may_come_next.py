"""What a trajectory leaves room for next (``Trajectory.may_record``), as the pages
offer it. That every event the rules accept was admitted is checked for every history
by the state machine in test_trajectory_properties.py; these are the stages one by one.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.commands import TRAJECTORY_COMMANDS
from domain.trajectory import Trajectory
from tests.domain.builders import declined
from tests.domain.builders import dropped_out
from tests.domain.builders import exited
from tests.domain.builders import placed
from tests.domain.builders import referred
from tests.domain.builders import suspended
from tests.domain.builders import taken_in

EVENT_TYPES = sorted(command.event_type for command in TRAJECTORY_COMMANDS)


# What a trajectory taken in and not ended leaves room for, suspended or not.
RUNNING = {
    "EntryProfileCorrected",
    "LadderAssessed",
    "CoachAssigned",
    "BarrierIdentified",
    "BarrierResolved",
    "SessionHeld",
    "PlacementStarted",
    "TrajectoryCompleted",
    "DroppedOut",
    "EntryRetracted",
}


def admitted(trajectory: Trajectory) -> set[str]:
    return {t for t in EVENT_TYPES if trajectory.may_record(t)}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(referred, {"IntakeCompleted", "ReferralDeclined"}, id="referred"),
        pytest.param(declined, {"EntryRetracted"}, id="declined"),
        pytest.param(
            taken_in,
            RUNNING | {"TrajectorySuspended"},
            id="taken in, with barriers open",
        ),
        pytest.param(suspended, RUNNING | {"TrajectoryResumed"}, id="suspended"),
        pytest.param(
            exited,
            {
                "EntryProfileCorrected",
                "LadderAssessed",
                "PlacementEnded",
                "ExitResultRecorded",
                "FollowUpRecorded",
                "TrajectoryReopened",
                "EntryRetracted",
            },
            id="completed while placed",
        ),
        pytest.param(
            dropped_out,
            {
                "EntryProfileCorrected",
                "LadderAssessed",
                "ExitResultRecorded",
                "FollowUpRecorded",
                "TrajectoryReopened",
                "EntryRetracted",
            },
            id="dropped out",
        ),
    ],
)
def test_each_stage_admits_what_its_rules_leave_room_for(
    given: Callable[[], Trajectory], expected: set[str]
) -> None:
    # Given a trajectory in the stage
    trajectory = given()

    # When the page asks what may come next
    offered = admitted(trajectory)

    # Then it is what the stage leaves room for, and nothing else
    assert offered == expected


def test_a_placement_can_be_ended_only_while_one_runs() -> None:
    # Given one trajectory with a placement running and one without
    running, none = placed(), taken_in()

    # Then only the first admits the end of a placement
    assert running.may_record("PlacementEnded")
    assert not none.may_record("PlacementEnded")


def test_an_event_type_the_model_does_not_know_is_never_admitted() -> None:
    assert not taken_in().may_record("ParticipantTeleported")
