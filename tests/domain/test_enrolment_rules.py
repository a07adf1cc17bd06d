"""Enrolment: one open trajectory per participant per programme."""

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.commands import DeclineReferral
from domain.enrolment import Enrolment
from domain.errors import NewerTrajectoryExists
from domain.errors import OpenTrajectoryExists
from domain.trajectory import Trajectory
from domain.vocabulary import DeclineReason
from tests.domain.builders import COACH
from tests.domain.builders import PARTICIPANT_ID
from tests.domain.builders import PROGRAMME
from tests.domain.builders import declined
from tests.domain.builders import dropped_out
from tests.domain.builders import exited
from tests.domain.builders import referred
from tests.domain.builders import suspended
from tests.domain.builders import taken_in

FIRST = UUID("a1000000-0000-4000-8000-000000000001")
SECOND = UUID("a1000000-0000-4000-8000-000000000002")


def enrolment_with(*trajectory_ids: UUID) -> Enrolment:
    enrolment = Enrolment(participant_id=PARTICIPANT_ID, programme=PROGRAMME)
    for trajectory_id in trajectory_ids:
        enrolment.add(trajectory_id, latest_is_open=False)
    enrolment.collect_events()
    return enrolment


def test_an_enrolment_belongs_to_one_participant_in_one_programme() -> None:
    enrolment = enrolment_with()

    assert enrolment.id == Enrolment.id_for(PARTICIPANT_ID, PROGRAMME)
    assert enrolment.id != Enrolment.id_for(PARTICIPANT_ID, "BUSO")
    assert enrolment.latest is None


def test_a_first_trajectory_is_added() -> None:
    enrolment = enrolment_with()

    enrolment.add(FIRST, latest_is_open=False)

    assert enrolment.trajectory_ids == [FIRST]
    assert enrolment.latest == FIRST


def test_a_new_trajectory_is_added_when_the_latest_has_ended() -> None:
    enrolment = enrolment_with(FIRST)

    enrolment.add(SECOND, latest_is_open=False)

    assert enrolment.trajectory_ids == [FIRST, SECOND]
    assert enrolment.latest == SECOND


def test_a_new_trajectory_is_refused_while_the_latest_is_open() -> None:
    enrolment = enrolment_with(FIRST)

    with pytest.raises(OpenTrajectoryExists) as refused:
        enrolment.add(SECOND, latest_is_open=True)

    assert refused.value.code == "open_trajectory_exists"
    assert str(FIRST) in refused.value.message
    assert PROGRAMME in refused.value.message
    assert enrolment.trajectory_ids == [FIRST]
    assert enrolment.collect_events() == []


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(referred, id="referred"),
        pytest.param(taken_in, id="active"),
        pytest.param(suspended, id="suspended"),
    ],
)
def test_a_trajectory_that_has_not_ended_blocks_a_new_referral(
    given: Callable[[], Trajectory],
) -> None:
    latest = given()
    enrolment = enrolment_with(latest.id)

    with pytest.raises(OpenTrajectoryExists):
        enrolment.add(SECOND, latest_is_open=not latest.has_ended)

    assert enrolment.trajectory_ids == [latest.id]


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(declined, id="declined"),
        pytest.param(exited, id="completed"),
        pytest.param(dropped_out, id="dropped out"),
    ],
)
def test_a_trajectory_that_has_ended_lets_a_new_referral_in(
    given: Callable[[], Trajectory],
) -> None:
    latest = given()
    enrolment = enrolment_with(latest.id)

    enrolment.add(SECOND, latest_is_open=not latest.has_ended)

    assert enrolment.trajectory_ids == [latest.id, SECOND]


def test_the_latest_trajectory_can_be_reopened() -> None:
    enrolment = enrolment_with(FIRST, SECOND)

    enrolment.reopen(SECOND)

    reopened = enrolment.collect_events()
    assert [type(e).__name__ for e in reopened] == ["TrajectoryReopened"]
    assert enrolment.latest == SECOND


def test_a_newer_trajectory_blocks_reopening_an_older_one() -> None:
    enrolment = enrolment_with(FIRST, SECOND)

    with pytest.raises(NewerTrajectoryExists) as refused:
        enrolment.reopen(FIRST)

    assert refused.value.code == "newer_trajectory_exists"
    assert str(SECOND) in refused.value.message
    assert PROGRAMME in refused.value.message
    assert enrolment.collect_events() == []


def test_a_newer_declined_referral_still_blocks_reopening_an_older_one() -> None:
    older = exited()
    newer = referred(on=date(2024, 7, 15))
    newer.decline_referral(
        DeclineReferral(on=date(2024, 7, 16), reason=DeclineReason.DUPLICATE),
        recorded_by=COACH,
    )
    enrolment = enrolment_with(older.id, newer.id)

    with pytest.raises(NewerTrajectoryExists) as refused:
        enrolment.reopen(older.id)

    assert str(newer.id) in refused.value.message
