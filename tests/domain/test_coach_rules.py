"""The Coach aggregate's rules, Given / When / Then."""

from datetime import date

import pytest

from domain.coach import Coach
from domain.coach import comparable
from domain.commands import CoachLeaves
from domain.commands import RegisterCoach
from domain.errors import CoachAlreadyLeft
from domain.errors import DateInFuture
from domain.errors import InvalidValue

WERKBURO = "Werkburo Oost-Vlaanderen"


def registered(name: str = "Hilde Claes", organisation: str = WERKBURO) -> Coach:
    return Coach.register(
        RegisterCoach(name=name, organisation=organisation), recorded_by="admin"
    )


def test_a_registered_coach_is_active_under_the_name_as_written() -> None:
    coach = registered("  Hilde   Claes ")

    assert (coach.name, coach.organisation, coach.active) == (
        "Hilde Claes",
        WERKBURO,
        True,
    )
    assert coach.id == Coach.id_for(WERKBURO, "Hilde Claes")


@pytest.mark.parametrize("spelling", ["hilde claes", "HILDE  CLAES", " Hilde Claes"])
def test_one_coach_per_name_whatever_its_case_or_spaces(spelling: str) -> None:
    assert Coach.id_for(WERKBURO, spelling) == registered().id


def test_accents_do_not_make_another_coach() -> None:
    assert comparable("Hélène Dubois") == comparable("helene dubois")
    assert registered("Hélène Dubois").id == Coach.id_for(WERKBURO, "Helene Dubois")


def test_the_same_name_in_another_organisation_is_another_coach() -> None:
    assert registered(organisation="Groep Intro").id != registered().id


@pytest.mark.parametrize(
    ("name", "organisation"), [(" ", WERKBURO), ("\u0301", WERKBURO), ("An", " ")]
)
def test_a_coach_needs_a_name_and_an_organisation(name: str, organisation: str) -> None:
    with pytest.raises(InvalidValue):
        registered(name, organisation)


def test_a_coach_who_leaves_is_no_longer_active() -> None:
    coach = registered()

    coach.leave(CoachLeaves(on=date(2024, 6, 30)), recorded_by="admin")

    assert (coach.active, coach.left_on) == (False, date(2024, 6, 30))


def test_a_coach_leaves_once() -> None:
    coach = registered()
    coach.leave(CoachLeaves(on=date(2024, 6, 30)), recorded_by="admin")
    coach.collect_events()

    with pytest.raises(CoachAlreadyLeft) as refused:
        coach.leave(CoachLeaves(on=date(2024, 7, 31)), recorded_by="admin")

    assert refused.value.message == (
        "Hilde Claes already left the organisation on 2024-06-30"
    )
    assert coach.collect_events() == []


def test_a_coach_does_not_leave_in_the_future() -> None:
    with pytest.raises(DateInFuture):
        registered().leave(CoachLeaves(on=date(2099, 1, 1)), recorded_by="admin")
