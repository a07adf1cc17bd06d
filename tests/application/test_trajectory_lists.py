"""Trajectories in every stage from the caseload view: a participant's, open and
ended, and lists filtered by participant and referral dates."""

from datetime import date
from uuid import UUID

import pytest

from application.projections.caseload.queries import TrajectoryListQuery
from application.service import Trajectories
from application.views import Views
from domain.commands import DeclineReferral
from domain.errors import InvalidValue
from domain.vocabulary import DeclineReason
from tests.service_builders import referred
from tests.service_builders import register_buso_programme


@pytest.fixture
def views(service: Trajectories) -> Views:
    register_buso_programme(service)
    return Views(service)


def declined(service: Trajectories, trajectory_id: UUID) -> None:
    service.record(
        trajectory_id,
        DeclineReferral(on=date(2024, 2, 5), reason=DeclineReason.NO_CAPACITY),
        recorded_by="Hilde",
    )


def test_a_participant_has_their_ended_and_open_trajectories(
    service: Trajectories, views: Views
) -> None:
    # Given a participant whose first trajectory ended and who was referred again,
    # and someone else
    first = referred(service)
    participant_id = service.trajectory(first).participant_id
    declined(service, first)
    second = referred(service, participant_id)
    other = referred(service)
    views.catch_up()

    # When their trajectories are read
    found = views.trajectories_of([participant_id, UUID(int=7)])

    # Then both are there with their stages (referred on the same day)
    assert {(t.trajectory_id, t.stage) for t in found[participant_id]} == {
        (first, "declined"),
        (second, "referred"),
    }
    assert found[UUID(int=7)] == []
    assert other not in [t.trajectory_id for t in found[participant_id]]


def test_the_list_is_filtered_by_participant(
    service: Trajectories, views: Views
) -> None:
    first = referred(service)
    participant_id = service.trajectory(first).participant_id
    referred(service)
    views.catch_up()

    total, page = views.trajectory_page(
        TrajectoryListQuery(participant_id=participant_id)
    )

    assert (total, [t.trajectory_id for t in page]) == (1, [first])


def test_the_list_is_filtered_by_referral_dates_both_included(
    service: Trajectories, views: Views
) -> None:
    trajectory_id = referred(service)  # on 2024-02-01
    views.catch_up()

    def listed(since: date | None, until: date | None) -> list[UUID]:
        query = TrajectoryListQuery(referred_from=since, referred_to=until)
        return [t.trajectory_id for t in views.trajectory_page(query)[1]]

    assert listed(date(2024, 2, 1), date(2024, 2, 1)) == [trajectory_id]
    assert listed(date(2024, 2, 2), None) == []
    assert listed(None, date(2024, 1, 31)) == []
    assert listed(None, None) == [trajectory_id]


def test_a_date_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidValue, match="referred_from is after referred_to"):
        TrajectoryListQuery(
            referred_from=date(2024, 3, 1), referred_to=date(2024, 2, 1)
        )
