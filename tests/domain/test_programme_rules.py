"""The Programme catalogue's rules: what a programme is, and its part of a referral."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.commands import ChangeProgrammePeriod
from domain.commands import RegisterProgramme
from domain.errors import AgeNotEligible
from domain.errors import DateInFuture
from domain.errors import InvalidValue
from domain.errors import NegativeBudget
from domain.errors import OrganisationNotInProgramme
from domain.errors import PeriodChangeChangesNothing
from domain.errors import ProgrammeEndsBeforeStart
from domain.errors import ProgrammeNotRunning
from domain.errors import ProgrammeNotStarted
from domain.errors import ReasonRequired
from domain.programme import Programme

STARTS_ON = date(2024, 1, 1)
ENDS_ON = date(2025, 12, 31)
WERKBURO = "Werkburo Oost-Vlaanderen"
GROEP_INTRO = "Groep Intro"


def registered(**overrides: Any) -> Programme:
    fields: dict[str, Any] = {
        "code": "SAMENWERKT",
        "name": "SamenWerkt",
        "funder": "ESF+",
        "organisations": [WERKBURO, GROEP_INTRO],
        "starts_on": STARTS_ON,
        "ends_on": ENDS_ON,
        "budget": Decimal("450000"),
        "min_age": 18,
        "max_age": 29,
        "session_cap": 36,
    }
    recorded_by = overrides.pop("recorded_by", "Hilde")
    return Programme.register(
        RegisterProgramme(**{**fields, **overrides}), recorded_by=recorded_by
    )


# Registration -------------------------------------------------------------------------


def test_a_registered_programme_keeps_its_catalogue_entry() -> None:
    programme = registered(
        code="BUSO",
        name="Van BUSO naar begeleid werken",
        funder="Flemish government",
        organisations=[WERKBURO, GROEP_INTRO, WERKBURO],
        budget=Decimal("120000.50"),
        min_age=16,
        max_age=25,
        session_cap=None,
    )

    assert programme.code == "BUSO"
    assert programme.name == "Van BUSO naar begeleid werken"
    assert programme.funder == "Flemish government"
    assert programme.organisations == [WERKBURO, GROEP_INTRO]
    assert (programme.starts_on, programme.ends_on) == (STARTS_ON, ENDS_ON)
    assert programme.budget == Decimal("120000.50")
    assert (programme.min_age, programme.max_age) == (16, 25)
    assert programme.session_cap is None


def test_a_programme_id_follows_from_its_code() -> None:
    programme = registered(code="SAMENWERKT")

    assert programme.id == Programme.id_for("SAMENWERKT")
    assert programme.id != Programme.id_for("BUSO")


def test_a_programme_may_start_and_end_on_the_same_day() -> None:
    programme = registered(starts_on=STARTS_ON, ends_on=STARTS_ON)

    assert programme.ends_on == STARTS_ON


def test_a_programme_may_have_no_budget_or_a_zero_budget() -> None:
    unbudgeted = registered(budget=None)
    free = registered(budget=Decimal("0"))

    assert unbudgeted.budget is None
    assert free.budget == Decimal("0")


@pytest.mark.parametrize("blank", ["code", "name", "funder"])
def test_a_programme_needs_a_code_a_name_and_a_funder(blank: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(**{blank: "  "})

    assert refused.value.code == "invalid_value"
    assert "code, a name and a funder" in refused.value.message


@pytest.mark.parametrize("organisations", [[], [WERKBURO, " "]])
def test_a_programme_needs_named_organisations(organisations: list[str]) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(organisations=organisations)

    assert refused.value.code == "invalid_value"
    assert "organisation" in refused.value.message


def test_a_programme_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(starts_on=date(2024, 3, 1), ends_on=date(2024, 2, 29))

    assert refused.value.code == "invalid_value"
    assert "2024-02-29" in refused.value.message
    assert "2024-03-01" in refused.value.message


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(budget=Decimal("-1.50"))

    assert refused.value.code == "invalid_value"
    assert "-1.50" in refused.value.message


@pytest.mark.parametrize(("min_age", "max_age"), [(0, 120), (25, 25)])
def test_an_age_range_within_0_to_120_is_accepted(min_age: int, max_age: int) -> None:
    programme = registered(min_age=min_age, max_age=max_age)

    assert (programme.min_age, programme.max_age) == (min_age, max_age)


@pytest.mark.parametrize(("min_age", "max_age"), [(30, 18), (-1, 25), (18, 121)])
def test_an_age_range_that_is_not_a_range_in_0_to_120_is_refused(
    min_age: int, max_age: int
) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(min_age=min_age, max_age=max_age)

    assert refused.value.code == "invalid_value"
    assert f"{min_age} to {max_age}" in refused.value.message


def test_a_session_cap_of_1_is_accepted() -> None:
    programme = registered(session_cap=1)

    assert programme.session_cap == 1


@pytest.mark.parametrize("session_cap", [0, -3])
def test_a_session_cap_below_1_is_refused(session_cap: int) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(session_cap=session_cap)

    assert refused.value.code == "invalid_value"
    assert f"session cap {session_cap} " in refused.value.message


# Its part of a referral ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "age"),
    [(STARTS_ON, 18), (date(2024, 9, 2), 24), (ENDS_ON, 29)],
)
def test_a_referral_while_running_within_the_age_range_is_accepted(
    on: date, age: int
) -> None:
    programme = registered(min_age=18, max_age=29)

    programme.check_referral(on=on, age=age, organisation=GROEP_INTRO)

    recorded = programme.collect_events()
    assert [type(e).__name__ for e in recorded] == ["ProgrammeRegistered"]


@pytest.mark.parametrize("on", [date(2023, 12, 31), date(2026, 1, 1)])
def test_a_referral_when_the_programme_is_not_running_is_refused(on: date) -> None:
    programme = registered(starts_on=STARTS_ON, ends_on=ENDS_ON)

    with pytest.raises(ProgrammeNotRunning) as refused:
        programme.check_referral(on=on, age=20, organisation=WERKBURO)

    assert refused.value.code == "programme_not_running"
    assert str(on) in refused.value.message
    assert "from 2024-01-01 to 2025-12-31" in refused.value.message
    assert "SAMENWERKT" in refused.value.message


def test_a_referral_to_an_organisation_outside_the_programme_is_refused() -> None:
    programme = registered(organisations=[WERKBURO])

    with pytest.raises(OrganisationNotInProgramme) as refused:
        programme.check_referral(on=date(2024, 9, 2), age=20, organisation="Arktos")

    assert refused.value.code == "organisation_not_in_programme"
    assert "Arktos" in refused.value.message
    assert "SAMENWERKT" in refused.value.message


@pytest.mark.parametrize("age", [17, 30])
def test_a_referral_of_a_participant_outside_the_age_range_is_refused(
    age: int,
) -> None:
    programme = registered(min_age=18, max_age=29)

    with pytest.raises(AgeNotEligible) as refused:
        programme.check_referral(on=date(2024, 9, 2), age=age, organisation=WERKBURO)

    assert refused.value.code == "age_not_eligible"
    assert f"is {age} on the referral date" in refused.value.message
    assert "aged 18 to 29" in refused.value.message


# Open-ended programmes and changed periods -------------------------------------------

DECIDED_ON = date(2025, 6, 12)


def changed(
    programme: Programme,
    ends_on: date | None,
    on: date = DECIDED_ON,
    budget: Decimal | None = None,
) -> None:
    programme.change_period(
        ChangeProgrammePeriod(
            on=on, ends_on=ends_on, reason="decided by the funder", budget=budget
        ),
        recorded_by="admin",
    )


def refer(programme: Programme, on: date) -> None:
    programme.check_referral(on=on, age=20, organisation=WERKBURO)


def test_an_ongoing_programme_takes_referrals_from_its_start_without_an_end() -> None:
    programme = registered(ends_on=None)

    refer(programme, STARTS_ON)
    refer(programme, date(2099, 1, 1))

    assert programme.ends_on is None


def test_an_ongoing_programme_refuses_a_referral_before_its_start() -> None:
    programme = registered(ends_on=None)

    with pytest.raises(ProgrammeNotStarted) as refused:
        refer(programme, date(2023, 12, 31))

    assert refused.value.code == "programme_not_running"
    assert refused.value.message == (
        "programme SAMENWERKT runs from 2024-01-01, not on 2023-12-31"
    )


def test_an_extended_programme_takes_referrals_up_to_its_new_end() -> None:
    programme = registered()

    changed(programme, date(2026, 6, 30))

    refer(programme, date(2026, 6, 30))
    assert programme.ends_on == date(2026, 6, 30)
    with pytest.raises(ProgrammeNotRunning):
        refer(programme, date(2026, 7, 1))


def test_a_closed_programme_refuses_referrals_after_its_new_end() -> None:
    programme = registered(ends_on=None)

    changed(programme, date(2025, 8, 31))

    with pytest.raises(ProgrammeNotRunning) as refused:
        refer(programme, date(2025, 9, 1))
    assert "to 2025-08-31, not on 2025-09-01" in refused.value.message


def test_a_referral_is_judged_by_the_period_as_it_stood_on_its_date() -> None:
    """Closed on 12 June, back to the end of May: a referral of 5 June, entered late,
    came while the programme still ran."""
    programme = registered()

    changed(programme, date(2025, 5, 31))

    refer(programme, date(2025, 6, 5))
    with pytest.raises(ProgrammeNotRunning):
        refer(programme, date(2025, 6, 20))


def test_each_change_counts_from_the_day_it_was_decided() -> None:
    programme = registered()

    changed(programme, date(2026, 12, 31), on=date(2025, 3, 1))
    changed(programme, None, on=date(2025, 9, 1))

    assert programme.ends_on_as_of(date(2025, 2, 1)) == ENDS_ON
    assert programme.ends_on_as_of(date(2025, 3, 1)) == date(2026, 12, 31)
    assert programme.ends_on_as_of(date(2025, 9, 1)) is None
    assert [(p.since, p.ends_on) for p in programme.periods] == [
        (None, ENDS_ON),
        (date(2025, 3, 1), date(2026, 12, 31)),
        (date(2025, 9, 1), None),
    ]


def test_a_later_decision_dated_earlier_replaces_the_changes_after_it() -> None:
    programme = registered()
    changed(programme, date(2026, 12, 31), on=date(2025, 9, 1))

    changed(programme, date(2026, 3, 31), on=date(2025, 3, 1))

    assert programme.ends_on_as_of(date(2025, 10, 1)) == date(2026, 3, 31)


def test_a_period_change_with_a_new_budget_replaces_the_total() -> None:
    programme = registered()

    changed(programme, date(2026, 6, 30), budget=Decimal("600000"))

    assert programme.budget == Decimal("600000")


def test_the_budget_counts_from_the_day_it_was_granted() -> None:
    """A change without a budget keeps the total that stood."""
    programme = registered(budget=Decimal("400000"))
    changed(programme, date(2026, 6, 30), on=date(2025, 3, 1), budget=Decimal("600000"))
    changed(programme, None, on=date(2025, 9, 1))

    assert programme.budget_as_of(date(2025, 2, 28)) == Decimal("400000")
    assert programme.budget_as_of(date(2025, 3, 1)) == Decimal("600000")
    assert programme.budget_as_of(date(2025, 9, 1)) == Decimal("600000")


@pytest.mark.parametrize(
    ("ends_on", "budget", "on", "error"),
    [
        pytest.param(ENDS_ON, None, DECIDED_ON, PeriodChangeChangesNothing),
        pytest.param(date(2023, 12, 31), None, DECIDED_ON, ProgrammeEndsBeforeStart),
        pytest.param(None, Decimal("-1"), DECIDED_ON, NegativeBudget),
        pytest.param(None, None, date(2099, 1, 1), DateInFuture),
    ],
    ids=["the same", "before the start", "a negative budget", "decided later"],
)
def test_a_period_change_that_makes_no_sense_is_refused(
    ends_on: date | None, budget: Decimal | None, on: date, error: type[Exception]
) -> None:
    programme = registered()
    programme.collect_events()

    with pytest.raises(error):
        changed(programme, ends_on, on=on, budget=budget)

    assert programme.collect_events() == []


def test_a_period_change_needs_a_reason() -> None:
    programme = registered()

    with pytest.raises(ReasonRequired):
        programme.change_period(
            ChangeProgrammePeriod(on=DECIDED_ON, ends_on=None, reason=" "), "admin"
        )
