"""What changed between two versions of a trajectory, against real stores: SQLite and
PostgreSQL (each test runs on both)."""

from dataclasses import replace
from datetime import date
from uuid import UUID
from uuid import uuid4

import pytest

from application.audit.replay import FieldChange
from application.errors import TrajectoryNotFound
from application.errors import VersionNotFound
from application.errors import VersionsOutOfOrder
from application.service import Trajectories
from domain.commands import AssessLadder
from domain.commands import EndPlacement
from domain.commands import HoldSession
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.service_builders import ORGANISATION
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

COACH = "Hilde"
INTAKE_ON = date(2024, 2, 12)
SESSION_ON = date(2024, 2, 20)


@pytest.fixture
def catalogue(service: Trajectories) -> Trajectories:
    register_buso_programme(service)
    return service


def hold_session(service: Trajectories, trajectory_id: UUID) -> int:
    return service.record(
        trajectory_id,
        HoldSession(
            on=SESSION_ON,
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
            note="visited the bakery",
        ),
        recorded_by=COACH,
    ).version


def retract(service: Trajectories, trajectory_id: UUID, version: int) -> int:
    return service.record(
        trajectory_id,
        RetractEntry(
            on=date(2024, 3, 1),
            version=version,
            reason="recorded on the wrong trajectory",
        ),
        recorded_by=COACH,
    ).version


def test_a_diff_names_exactly_the_changed_fields_and_the_events_between(
    catalogue: Trajectories,
) -> None:
    trajectory_id = taken_in(catalogue)
    hold_session(catalogue, trajectory_id)
    catalogue.record(
        trajectory_id, AssessLadder(on=date(2024, 3, 4), rung=3), recorded_by=COACH
    )

    diff = catalogue.diff(trajectory_id, 2, 4)

    assert (diff.from_version, diff.to_version) == (2, 4)
    assert diff.changes == [
        FieldChange("latest_rung", 2, 3),
        FieldChange("sessions_held", 0, 1),
        FieldChange("session_minutes", 0, 45),
        FieldChange("last_contact_on", INTAKE_ON, SESSION_ON),
    ]
    assert [(e.version, e.type) for e in diff.events] == [
        (3, "SessionHeld"),
        (4, "LadderAssessed"),
    ]
    assert diff.events == catalogue.history(trajectory_id)[2:4]


def test_a_retraction_shows_in_the_diff_as_its_undoing(
    catalogue: Trajectories,
) -> None:
    trajectory_id = taken_in(catalogue)
    hold_session(catalogue, trajectory_id)

    retract(catalogue, trajectory_id, 3)

    undone = catalogue.diff(trajectory_id, 3, 4)
    assert undone.changes == [
        FieldChange("sessions_held", 1, 0),
        FieldChange("session_minutes", 45, 0),
        FieldChange("last_contact_on", SESSION_ON, INTAKE_ON),
        FieldChange("retracted_versions", [], [3]),
    ]
    assert [(e.version, e.type) for e in undone.events] == [(4, "EntryRetracted")]
    across = catalogue.diff(trajectory_id, 2, 4)
    assert across.changes == [FieldChange("retracted_versions", [], [3])]
    assert [(e.version, e.retracted_by) for e in across.events] == [(3, 4), (4, None)]


def test_a_placement_changes_as_a_whole_value(catalogue: Trajectories) -> None:
    trajectory_id = taken_in(catalogue)
    placement_id = uuid4()
    catalogue.record(
        trajectory_id,
        StartPlacement(
            placement_id=placement_id,
            on=date(2024, 4, 2),
            placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
            employer="Bakkerij De Smet",
            paid=True,
            hours_per_week=19.0,
        ),
        recorded_by=COACH,
    )
    catalogue.record(
        trajectory_id,
        EndPlacement(
            placement_id=placement_id,
            on=date(2024, 6, 28),
            reason=PlacementEndReason.CONTRACT_ENDED,
        ),
        recorded_by=COACH,
    )

    diff = catalogue.diff(trajectory_id, 3, 4)

    [started] = catalogue.trajectory_at_version(trajectory_id, 3).placements
    ended = replace(
        started,
        ended_on=date(2024, 6, 28),
        end_reason=PlacementEndReason.CONTRACT_ENDED,
    )
    assert diff.changes == [FieldChange("placements", [started], [ended])]


def test_a_diff_from_a_version_to_itself_changes_nothing(
    catalogue: Trajectories,
) -> None:
    trajectory_id = taken_in(catalogue)

    diff = catalogue.diff(trajectory_id, 2, 2)

    assert (diff.changes, diff.events) == ([], [])


def test_a_diff_backwards_is_refused_naming_both_versions(
    catalogue: Trajectories,
) -> None:
    trajectory_id = taken_in(catalogue)

    with pytest.raises(VersionsOutOfOrder) as refused:
        catalogue.diff(trajectory_id, 2, 1)

    assert "from_version 2 is after to_version 1" in refused.value.message


@pytest.mark.parametrize(("from_version", "to_version"), [(0, 2), (1, 3), (3, 3)])
def test_a_diff_with_an_unknown_version_is_not_found(
    catalogue: Trajectories, from_version: int, to_version: int
) -> None:
    trajectory_id = taken_in(catalogue)

    with pytest.raises(VersionNotFound, match="the last is 2"):
        catalogue.diff(trajectory_id, from_version, to_version)


@pytest.mark.parametrize(("from_version", "to_version"), [(1, 2), (2, 1)])
def test_another_organisations_trajectory_has_no_diff(
    catalogue: Trajectories, from_version: int, to_version: int
) -> None:
    trajectory_id = taken_in(catalogue)

    with pytest.raises(TrajectoryNotFound):
        catalogue.diff(
            trajectory_id, from_version, to_version, within="Randstad Belgium"
        )

    assert catalogue.diff(trajectory_id, 1, 2, within=ORGANISATION).changes
