"""A coach's to-do list, on SQLite and PostgreSQL: exit results and follow-ups due
before their windows close, intakes waiting and contacts overdue, the most urgent
first; for today or any date. Dates count back from today, as the windows do."""

from datetime import date
from datetime import timedelta
from uuid import UUID

import pytest

from application.projections.caseload.todo import TodoItem
from application.projections.caseload.todo import TodoQuery
from application.service import Trajectories
from application.views import Views
from domain.commands import Complete
from domain.commands import DropOut
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.errors import InvalidValue
from domain.trajectory import add_months
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import ExitStatus
from tests.application.test_caseload import HILDE
from tests.application.test_caseload import JAN
from tests.application.test_caseload import ORG_A
from tests.application.test_caseload import ORG_B
from tests.application.test_caseload import days_ago
from tests.application.test_caseload import hold_session
from tests.application.test_caseload import refer
from tests.application.test_caseload import take_in
from tests.application.test_caseload import two_programmes

TODAY = days_ago(0)


@pytest.fixture
def views(service: Trajectories) -> Views:
    return two_programmes(service)


def exited(service: Trajectories, on: date, *, dropout: bool = False) -> UUID:
    trajectory_id = refer(service, on - timedelta(days=60))
    take_in(service, trajectory_id, on - timedelta(days=50))
    command = (
        DropOut(on=on, reason=DropoutReason.LOST_CONTACT)
        if dropout
        else Complete(on=on, destination=Destination.EMPLOYED)
    )
    service.record(trajectory_id, command, recorded_by=HILDE)
    return trajectory_id


def a_caseload_with_something_due(service: Trajectories) -> dict[str, UUID]:
    ids = {}
    ids["exit"] = exited(service, days_ago(10))
    recorded = ids["recorded"] = exited(service, days_ago(10))
    service.record(
        recorded,
        RecordExitResult(observed_on=days_ago(5), status=ExitStatus.EMPLOYED),
        recorded_by=HILDE,
    )
    six_months = add_months(TODAY, -6)
    ids["six"] = exited(service, six_months, dropout=True)
    ids["waiting"] = refer(service, days_ago(20))
    ids["silent"] = refer(service, days_ago(80))
    take_in(service, ids["silent"], days_ago(45))
    ids["seen"] = refer(service, days_ago(20))
    take_in(service, ids["seen"], days_ago(15))
    hold_session(service, ids["seen"], days_ago(3))
    ids["other"] = refer(service, days_ago(20), organisation=ORG_B)
    take_in(service, ids["other"], days_ago(19), coach=JAN)
    return ids


def listed(views: Views, **query: object) -> list[TodoItem]:
    views.catch_up()
    return views.todo(TodoQuery(**query)).items  # type: ignore[arg-type]


def test_what_is_due_comes_most_urgent_first(
    service: Trajectories, views: Views
) -> None:
    ids = a_caseload_with_something_due(service)

    items = listed(views, organisation=ORG_A)

    six_months = add_months(TODAY, -6)
    assert [(i.kind, i.milestone, i.trajectory_id, i.closes_on) for i in items] == [
        ("intake", None, ids["waiting"], days_ago(20) + timedelta(days=30)),
        ("exit_result", None, ids["exit"], days_ago(10) + timedelta(days=28)),
        ("follow_up", 6, ids["six"], add_months(six_months, 6) + timedelta(days=30)),
        ("contact", None, ids["silent"], days_ago(45) + timedelta(days=90)),
    ]
    assert items[0].days_left == 10
    assert items[0].participant_name == "Lotte Claes"
    assert not any(item.coming_up for item in items)


def test_a_recorded_follow_up_leaves_the_list(
    service: Trajectories, views: Views
) -> None:
    ids = a_caseload_with_something_due(service)
    service.record(
        ids["six"],
        RecordFollowUp(milestone=6, observed_on=TODAY, status=ExitStatus.INACTIVE),
        recorded_by=HILDE,
    )

    kinds = [(i.kind, i.trajectory_id) for i in listed(views, organisation=ORG_A)]

    assert ("follow_up", ids["six"]) not in kinds


def test_the_list_for_another_date(service: Trajectories, views: Views) -> None:
    """A month ago: the exits of ten days ago had not happened, the referral of 20
    days ago had not come, the silent trajectory was seen 15 days before."""
    ids = a_caseload_with_something_due(service)

    month_ago = listed(views, organisation=ORG_A, on=days_ago(30))
    in_two_weeks = listed(views, organisation=ORG_A, on=TODAY + timedelta(days=14))

    assert [(i.kind, i.trajectory_id) for i in month_ago] == [
        ("follow_up", ids["six"])  # coming up: its window opened in the 30 days
    ]
    assert month_ago[0].coming_up is (month_ago[0].opens_on > days_ago(30))
    assert ("exit_result", ids["exit"]) in [
        (i.kind, i.trajectory_id) for i in in_two_weeks
    ]


def test_a_coach_sees_their_own_items_whatever_the_case(
    service: Trajectories, views: Views
) -> None:
    ids = a_caseload_with_something_due(service)

    jans = listed(views, coach="jan")
    hildes_in_a = listed(views, organisation=ORG_A, coach=HILDE, kind="exit_result")

    assert [(i.kind, i.trajectory_id) for i in jans] == []  # Jan's was seen
    assert [i.trajectory_id for i in hildes_in_a] == [ids["exit"]]
    assert ids["other"] not in [i.trajectory_id for i in listed(views)]


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidValue):
        TodoQuery(kind="coffee")


@pytest.mark.parametrize("on", [date(1, 1, 1), date(1899, 12, 31)])
def test_a_day_before_1900_is_refused_naming_it(on: date) -> None:
    with pytest.raises(InvalidValue, match="day of a to-do list is before 1900"):
        TodoQuery(on=on)
