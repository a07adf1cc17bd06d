"""The outcome view, scenario by scenario, on SQLite and PostgreSQL: every figure is
worked out by hand in the test, with the arithmetic beside it (see DOMAIN.md, "The
views")."""

import csv
import io
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from application.projections.outcomes.queries import OutcomeRow
from application.service import Trajectories
from application.views import Views
from domain.calendar import today
from domain.commands import AssessLadder
from domain.commands import ChangeProgrammePeriod
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Reopen
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.errors import InvalidValue
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from domain.vocabulary import ProfileField
from domain.vocabulary import ReferralSource
from tests.service_builders import coach_for

ALPHA = "ALPHA"
BETA = "BETA"
ORG_A = "Werkburo Gent"
ORG_B = "Werkburo Antwerpen"
COACH = "Hilde"
ALPHA_BUDGET = Decimal("120000.00")
COUNT_NAMES = (
    "referrals",
    "intakes",
    "placed",
    "competitive_employment",
    "exits",
    "dropouts",
    "employed_on_leaving",
    "exit_result_unknown",
    "sustained_due",
    "sustained_employment_6m",
    "sustained_unknown_6m",
    "ladder_up",
)

# Recording histories ----------------------------------------------------------------


def register_programmes(service: Trajectories) -> None:
    common: dict[str, Any] = {
        "funder": "ESF Vlaanderen",
        "starts_on": date(2020, 1, 1),
        "ends_on": date(2099, 12, 31),
        "min_age": 16,
        "max_age": 64,
    }
    service.register_programme(
        RegisterProgramme(
            code=ALPHA,
            name="Alpha",
            organisations=[ORG_A, ORG_B],
            budget=ALPHA_BUDGET,
            **common,
        ),
        recorded_by="admin",
    )
    service.register_programme(
        RegisterProgramme(
            code=BETA, name="Beta", organisations=[ORG_B], budget=None, **common
        ),
        recorded_by="admin",
    )


@pytest.fixture
def views(service: Trajectories) -> Views:
    register_programmes(service)
    return Views(service)


def refer(
    service: Trajectories,
    on: date,
    *,
    programme: str = ALPHA,
    organisation: str = ORG_A,
    source: ReferralSource = ReferralSource.VDAB,
    born: date = date(1990, 5, 1),
    gender: Gender = Gender.F,
) -> UUID:
    participant = service.register_participant(
        RegisterParticipant(
            given_name="Lotte",
            family_name="Claes",
            birth_date=born,
            gender=gender,
            confirmed_new_person=True,  # each a Lotte Claes of her own
        ),
        recorded_by=COACH,
    )
    trajectory = service.refer(
        Refer(
            participant_id=participant.id,
            programme=programme,
            organisation=organisation,
            referral_source=source,
            on=on,
        ),
        recorded_by=COACH,
    )
    return trajectory.id


def take_in(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    *,
    rung: int = 2,
    postcode: str = "9000",
) -> int:
    return service.record(
        trajectory_id,
        CompleteIntake(
            on=on,
            coach_id=coach_for(service, trajectory_id, COACH),
            rung=rung,
            labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
            education_level=EducationLevel.ISCED_0_2,
            barriers=[],
            disability=False,
            postcode=postcode,
        ),
        recorded_by=COACH,
    ).version


def place(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    placement_type: PlacementType = PlacementType.REGULAR_JOB,
    *,
    paid: bool = True,
) -> int:
    return service.record(
        trajectory_id,
        StartPlacement(
            on=on,
            placement_type=placement_type,
            employer="Bakkerij Claes",
            paid=paid,
            hours_per_week=19.0,
        ),
        recorded_by=COACH,
    ).version


def complete(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    destination: Destination = Destination.EMPLOYED,
) -> int:
    return service.record(
        trajectory_id, Complete(on=on, destination=destination), recorded_by=COACH
    ).version


def drop_out(
    service: Trajectories, trajectory_id: UUID, on: date, reason: DropoutReason
) -> int:
    return service.record(
        trajectory_id, DropOut(on=on, reason=reason), recorded_by=COACH
    ).version


def exit_result(
    service: Trajectories, trajectory_id: UUID, on: date, status: ExitStatus
) -> int:
    return service.record(
        trajectory_id,
        RecordExitResult(observed_on=on, status=status),
        recorded_by=COACH,
    ).version


def follow_up(
    service: Trajectories, trajectory_id: UUID, on: date, status: ExitStatus
) -> int:
    return service.record(
        trajectory_id,
        RecordFollowUp(milestone=6, observed_on=on, status=status),
        recorded_by=COACH,
    ).version


def assess(service: Trajectories, trajectory_id: UUID, on: date, rung: int) -> int:
    return service.record(
        trajectory_id, AssessLadder(on=on, rung=rung), recorded_by=COACH
    ).version


def reopen(service: Trajectories, trajectory_id: UUID, on: date) -> int:
    return service.record(
        trajectory_id, Reopen(on=on, reason="came back"), recorded_by=COACH
    ).version


def retract(service: Trajectories, trajectory_id: UUID, version: int, on: date) -> int:
    return service.record(
        trajectory_id,
        RetractEntry(on=on, version=version, reason="entered in error"),
        recorded_by=COACH,
    ).version


def decline(service: Trajectories, trajectory_id: UUID, on: date) -> int:
    return service.record(
        trajectory_id,
        DeclineReferral(on=on, reason=DeclineReason.NOT_REACHED),
        recorded_by=COACH,
    ).version


# Reading the view -------------------------------------------------------------------


def rows(views: Views, *group_by: str, **options: Any) -> list[OutcomeRow]:
    """The table's rows: every figure, unless ``suppress=True`` (disclosure
    control) or a ``reader`` says otherwise."""
    views.catch_up()
    if "reader" not in options:
        options.setdefault("suppress", False)
    return views.outcome_table(list(group_by), **options).rows


def whole(views: Views, **options: Any) -> dict[str, Any]:
    """The figures of all trajectories together, unsuppressed."""
    (row,) = rows(views, **options)
    return row.figures


def referrals_and_intakes(table: Sequence[OutcomeRow]) -> list[tuple[Any, ...]]:
    """(group values..., referrals, intakes) per row, in the table's order."""
    return [
        (*row.group.values(), row.figures["referrals"], row.figures["intakes"])
        for row in table
    ]


def csv_records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# The eight trajectories of programme ALPHA -------------------------------------------


def eight_trajectories(service: Trajectories) -> None:
    """Eight referrals to ALPHA in 2024, one of each kind of history."""
    # T1: 10 days to intake, competitive placement 20 days after it (a paid regular
    # job), up from rung 2 to 5, completed, employed on leaving and at 6 months.
    t1 = refer(service, date(2024, 1, 8))
    take_in(service, t1, date(2024, 1, 18), rung=2)
    place(service, t1, date(2024, 2, 7), PlacementType.REGULAR_JOB)
    assess(service, t1, date(2024, 4, 1), 5)
    complete(service, t1, date(2024, 5, 31))
    exit_result(service, t1, date(2024, 6, 3), ExitStatus.EMPLOYED)
    follow_up(service, t1, date(2024, 11, 30), ExitStatus.EMPLOYED)  # due 11-30

    # T2: 13 days to intake; an unpaid supported placement 60 days later (placed,
    # not competitive); rung 3 -> 4; dropped out (lost contact) without an exit
    # result or a follow-up.
    t2 = refer(service, date(2024, 1, 10))
    take_in(service, t2, date(2024, 1, 23), rung=3)
    place(service, t2, date(2024, 3, 23), PlacementType.SUPPORTED_UNPAID, paid=False)
    assess(service, t2, date(2024, 4, 2), 4)
    drop_out(service, t2, date(2024, 6, 10), DropoutReason.LOST_CONTACT)

    # T3: 20 days to intake; paid self-employment 9 days later (February 2024 has
    # 29 days); rung 2 -> 1; completed, self-employed on leaving, employed at 6
    # months.
    t3 = refer(service, date(2024, 2, 1))
    take_in(service, t3, date(2024, 2, 21), rung=2)
    place(service, t3, date(2024, 3, 1), PlacementType.SELF_EMPLOYMENT)
    assess(service, t3, date(2024, 5, 1), 1)
    complete(service, t3, date(2024, 7, 1), Destination.SELF_EMPLOYED)
    exit_result(service, t3, date(2024, 7, 2), ExitStatus.SELF_EMPLOYED)
    follow_up(service, t3, date(2025, 1, 2), ExitStatus.EMPLOYED)  # due 2025-01-01

    # T4: 7 days to intake; an unpaid regular job 60 days later (placed, not
    # competitive); rung 4, never assessed; dropped out (mental health), inactive
    # on leaving, in education at 6 months.
    t4 = refer(service, date(2024, 2, 5))
    take_in(service, t4, date(2024, 2, 12), rung=4)
    place(service, t4, date(2024, 4, 12), PlacementType.REGULAR_JOB, paid=False)
    drop_out(service, t4, date(2024, 5, 15), DropoutReason.MENTAL_HEALTH)
    exit_result(service, t4, date(2024, 5, 20), ExitStatus.INACTIVE)
    follow_up(service, t4, date(2024, 11, 15), ExitStatus.IN_EDUCATION)

    # T5: 30 days to intake, rung 1, assessed 3 and then 2 (the last one counts),
    # never placed, still active.
    t5 = refer(service, date(2024, 3, 1))
    take_in(service, t5, date(2024, 3, 31), rung=1)
    assess(service, t5, date(2024, 4, 15), 3)
    assess(service, t5, date(2024, 5, 15), 2)

    # T6: declined: a referral, no intake, no exit.
    t6 = refer(service, date(2024, 3, 4))
    decline(service, t6, date(2024, 3, 10))

    # T7: referred, waiting for its intake.
    refer(service, date(2024, 3, 15))

    # T8: 10 days to intake at rung 3, corrected to rung 2; completed, employed on
    # leaving; reopened; paid work experience (not competitive) 81 days after the
    # intake, then a paid regular job with support (competitive); assessed 3;
    # dropped out (lost contact) without an exit result this time; self-employed
    # at 6 months after that last exit.
    t8 = refer(service, date(2024, 1, 15))
    take_in(service, t8, date(2024, 1, 25), rung=3)
    service.record(
        t8,
        CorrectEntryProfile(
            on=date(2024, 1, 26), field=ProfileField.RUNG, value=2, reason="typo"
        ),
        recorded_by=COACH,
    )
    complete(service, t8, date(2024, 3, 1), Destination.OTHER)
    exit_result(service, t8, date(2024, 3, 2), ExitStatus.EMPLOYED)
    reopen(service, t8, date(2024, 4, 1))
    place(service, t8, date(2024, 4, 15), PlacementType.WORK_EXPERIENCE)
    place(service, t8, date(2024, 5, 15), PlacementType.REGULAR_JOB_WITH_SUPPORT)
    assess(service, t8, date(2024, 5, 20), 3)
    drop_out(service, t8, date(2024, 6, 30), DropoutReason.LOST_CONTACT)
    follow_up(service, t8, date(2024, 12, 30), ExitStatus.SELF_EMPLOYED)


EIGHT_TRAJECTORIES_FIGURES: dict[str, Any] = {
    "referrals": 8,  # T1-T8
    "intakes": 6,  # T1-T5, T8 (T6 declined, T7 waiting)
    "placed": 5,  # T1, T2, T3, T4, T8
    "competitive_employment": 3,  # T1 regular job, T3 self-employed, T8 with support
    "exits": 5,  # T1, T2, T3, T4, and T8 once, with its last exit
    "dropouts": 3,  # T2, T4, T8 (T8's first exit was a completion)
    "employed_on_leaving": 2,  # T1 employed, T3 self-employed (T8's went on reopening)
    "exit_result_unknown": 2,  # T2 and T8: no exit result
    # Due on 2024-11-30 (T1), 12-10 (T2), 2025-01-01 (T3), 2024-11-15 (T4),
    # 12-30 (T8): all before today.
    "sustained_due": 5,
    "sustained_employment_6m": 3,  # T1 employed, T3 employed, T8 self-employed
    "sustained_unknown_6m": 1,  # T2 (T4 is in education: known, not employed)
    # Latest - intake rung: T1 5-2=+3, T2 4-3=+1, T3 1-2=-1, T4 4-4=0, T5 2-1=+1,
    # T8 3-2=+1 (the corrected intake rung).
    "ladder_up": 4,  # T1, T2, T5, T8
    "ladder_mean_change": pytest.approx(5 / 6),  # (3 + 1 - 1 + 0 + 1 + 1) / 6
    # Days to intake 7 (T4), 10 (T1), 10 (T8), 13 (T2), 20 (T3), 30 (T5): an even
    # count, the mean of the middle two is (10 + 13) / 2.
    "median_days_to_intake": 11.5,
    # Days to the first placement 9 (T3), 20 (T1), 60 (T2), 60 (T4), 81 (T8:
    # 31 + 29 + 21 from 01-25 to 04-15).
    "median_days_to_first_placement": 60.0,
    "intake_rate": 6 / 8,
    "placement_rate": 5 / 6,
    "competitive_employment_rate": 3 / 6,
    "still_unplaced_share": 1 / 6,  # T5
    "dropout_rate": 3 / 5,
    "employed_on_leaving_rate": 2 / 5,
    "exit_result_unknown_share": 2 / 5,
    "sustained_employment_6m_rate": 3 / 5,
    "sustained_unknown_6m_share": 1 / 5,
    "ladder_up_share": 4 / 6,
    "dropout_rate_by_reason": {"lost_contact": 2 / 5, "mental_health": 1 / 5},
    "cost_per_participant": 20000.0,  # 120 000 / 6 intakes
    "cost_per_placement": 24000.0,  # 120 000 / 5 placed
}


def test_every_metric_of_a_whole_programme_worked_by_hand(
    service: Trajectories, views: Views
) -> None:
    eight_trajectories(service)

    table = rows(views, "programme")

    assert len(table) == 1
    assert table[0].group == {"programme": ALPHA}
    assert not table[0].suppressed
    figures = dict(table[0].figures)
    by_reason = figures.pop("dropout_rate_by_reason")
    expected = dict(EIGHT_TRAJECTORIES_FIGURES)
    # Reasons nobody left for may be left out, or given as 0 / 5 = 0.
    assert {reason: rate for reason, rate in by_reason.items() if rate != 0} == (
        expected.pop("dropout_rate_by_reason")
    )
    assert figures == expected


def test_costs_are_given_only_for_whole_programmes(
    service: Trajectories, views: Views
) -> None:
    eight_trajectories(service)

    overall = whole(views)
    by_programme_and_organisation = rows(views, "programme", "organisation")
    by_programme_in_a_cohort = rows(views, "programme", cohort="2024Q1")

    assert overall["cost_per_participant"] is None
    assert overall["cost_per_placement"] is None
    assert [
        row.figures["cost_per_participant"] for row in by_programme_and_organisation
    ] == [None]
    # 2024Q1 holds all eight referrals (2024-01-08 to 2024-03-15), yet a cohort is
    # not the whole programme.
    (cohort_row,) = by_programme_in_a_cohort
    assert cohort_row.figures["referrals"] == 8
    assert cohort_row.figures["cost_per_participant"] is None
    assert cohort_row.figures["cost_per_placement"] is None


def test_costs_use_the_budget_that_stood_on_the_evaluation_date(
    service: Trajectories, views: Views
) -> None:
    """ALPHA's total went from 120 000 to 180 000 by a change decided on 1 January
    2025: costs as of 2024 use the old total, as of 2025 and live the new."""
    eight_trajectories(service)
    extension = ChangeProgrammePeriod(
        on=date(2025, 1, 1),
        ends_on=date(2099, 12, 31),
        reason="extended with a new budget",
        budget=Decimal("180000"),
    )
    service.change_programme_period(ALPHA, extension, recorded_by="admin")

    def cost(**options: Any) -> Any:
        (row,) = rows(views, "programme", **options)
        return row.figures["cost_per_participant"], row.figures["cost_per_placement"]

    assert cost(as_of=date(2024, 12, 31)) == (20000.0, 24000.0)  # 120 000 / 6, / 5
    assert cost(as_of=date(2025, 1, 1)) == (30000.0, 36000.0)  # 180 000 / 6, / 5
    assert cost() == (30000.0, 36000.0)


def test_a_programme_without_budget_has_no_costs(
    service: Trajectories, views: Views
) -> None:
    for day in range(1, 6):
        trajectory = refer(
            service, date(2024, 3, day), programme=BETA, organisation=ORG_B
        )
        take_in(service, trajectory, date(2024, 3, 20))

    (row,) = rows(views, "programme")

    assert row.group == {"programme": BETA}
    assert row.figures["intakes"] == 5
    assert row.figures["cost_per_participant"] is None


def test_a_declined_referral_is_no_intake_and_no_exit(
    service: Trajectories, views: Views
) -> None:
    trajectory = refer(service, date(2024, 3, 4))

    decline(service, trajectory, date(2024, 3, 10))

    figures = whole(views)
    assert (figures["referrals"], figures["intakes"], figures["exits"]) == (1, 0, 0)
    assert figures["intake_rate"] == 0.0  # 0 / 1
    # Empty denominators give no value, never 0.
    assert figures["placement_rate"] is None  # 0 / 0 intakes
    assert figures["dropout_rate"] is None  # 0 / 0 exits
    assert figures["sustained_employment_6m_rate"] is None
    assert figures["median_days_to_intake"] is None
    assert figures["ladder_mean_change"] is None


def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two(
    service: Trajectories, views: Views
) -> None:
    ten_days = refer(service, date(2024, 1, 8))
    take_in(service, ten_days, date(2024, 1, 18))
    thirteen_days = refer(service, date(2024, 1, 10))
    take_in(service, thirteen_days, date(2024, 1, 23))
    assert whole(views)["median_days_to_intake"] == 11.5  # (10 + 13) / 2

    forty_days = refer(service, date(2024, 1, 10))
    take_in(service, forty_days, date(2024, 2, 19))

    assert whole(views)["median_days_to_intake"] == 13.0  # 10, 13, 40


def test_a_reopened_trajectory_counts_once_with_its_last_exit(
    service: Trajectories, views: Views
) -> None:
    back_and_gone = refer(service, date(2024, 1, 8))
    take_in(service, back_and_gone, date(2024, 1, 18))
    complete(service, back_and_gone, date(2024, 3, 1))
    exit_result(service, back_and_gone, date(2024, 3, 4), ExitStatus.EMPLOYED)
    reopen(service, back_and_gone, date(2024, 4, 1))
    drop_out(service, back_and_gone, date(2024, 5, 2), DropoutReason.WITHDREW)
    back_and_open = refer(service, date(2024, 1, 9))
    take_in(service, back_and_open, date(2024, 1, 19))
    drop_out(service, back_and_open, date(2024, 2, 1), DropoutReason.MOVED)

    reopen(service, back_and_open, date(2024, 2, 15))

    figures = whole(views)
    assert figures["exits"] == 1  # back_and_gone once; back_and_open is open again
    assert figures["dropouts"] == 1  # the last exit of back_and_gone was a dropout
    assert figures["dropout_rate_by_reason"]["withdrew"] == 1.0  # 1 / 1
    assert not figures["dropout_rate_by_reason"].get("moved")  # its dropout went
    assert figures["employed_on_leaving"] == 0  # that exit result went on reopening
    assert figures["exit_result_unknown"] == 1
    assert figures["sustained_due"] == 1  # due 2024-11-02, before today


def test_retracted_events_count_nowhere(service: Trajectories, views: Views) -> None:
    # Each trajectory has one event entered in error, which the view first counts.
    placed = refer(service, date(2024, 1, 8))
    take_in(service, placed, date(2024, 1, 18))
    placement = place(service, placed, date(2024, 2, 1), PlacementType.REGULAR_JOB)
    dropped = refer(service, date(2024, 1, 9))
    take_in(service, dropped, date(2024, 1, 19))
    dropout = drop_out(service, dropped, date(2024, 2, 1), DropoutReason.LOST_CONTACT)
    assessed = refer(service, date(2024, 1, 10))
    take_in(service, assessed, date(2024, 1, 20), rung=2)
    assessment = assess(service, assessed, date(2024, 2, 1), 5)
    employed = refer(service, date(2024, 1, 11))
    take_in(service, employed, date(2024, 1, 21))
    complete(service, employed, date(2024, 2, 1))
    result = exit_result(service, employed, date(2024, 2, 2), ExitStatus.EMPLOYED)
    taken_in = refer(service, date(2024, 1, 12))
    intake = take_in(service, taken_in, date(2024, 1, 22))
    before = whole(views)
    assert before["placed"] == 1 and before["competitive_employment"] == 1
    assert before["exits"] == 2 and before["dropouts"] == 1
    assert before["employed_on_leaving"] == 1
    assert before["ladder_up"] == 1 and before["intakes"] == 5

    retract(service, placed, placement, date(2024, 3, 1))
    retract(service, dropped, dropout, date(2024, 3, 1))
    retract(service, assessed, assessment, date(2024, 3, 1))
    retract(service, employed, result, date(2024, 3, 1))
    retract(service, taken_in, intake, date(2024, 3, 1))

    after = whole(views)
    assert after["placed"] == 0  # the placement never happened
    assert after["competitive_employment"] == 0
    assert after["median_days_to_first_placement"] is None
    assert after["exits"] == 1  # only `employed` left; `dropped` is active again
    assert after["dropouts"] == 0
    assert not any(after["dropout_rate_by_reason"].values())
    assert after["employed_on_leaving"] == 0  # its exit result is gone: unknown
    assert after["exit_result_unknown"] == 1
    assert after["ladder_up"] == 0  # latest rung = intake rung 2 again
    assert after["ladder_mean_change"] == 0.0
    assert after["intakes"] == 4  # taken_in waits for its intake again
    assert after == whole(views, as_of=today())
    # As of a date before the retractions, the retracted events never counted
    # either (only the 6-month figures differ: nothing was due by then).
    as_of_february = whole(views, as_of=date(2024, 2, 15))
    not_sustained = [name for name in after if "sustained" not in name]
    assert {name: as_of_february[name] for name in not_sustained} == {
        name: after[name] for name in not_sustained
    }
    views.rebuild("outcomes")
    assert whole(views) == after


# Groups, cohorts and suppression ---------------------------------------------------


def five_people(service: Trajectories) -> None:
    """Five referrals spread over the age bands, cohorts, provinces and sources."""
    # P1: 16 on referral (<18), F, school, 9000 Gent; referred 2024Q1, intake 2024Q2.
    p1 = refer(
        service,
        date(2024, 3, 1),
        source=ReferralSource.SCHOOL,
        born=date(2007, 6, 1),
        gender=Gender.F,
    )
    take_in(service, p1, date(2024, 4, 2), postcode="9000")
    # P2: 21 (18-24), M, vdab, organisation B; 2000 Antwerpen, corrected to 3000
    # Leuven (Flemish Brabant); referred 2024Q2, intake 2024Q2.
    p2 = refer(
        service,
        date(2024, 5, 1),
        organisation=ORG_B,
        born=date(2003, 1, 1),
        gender=Gender.M,
    )
    take_in(service, p2, date(2024, 5, 10), postcode="2000")
    service.record(
        p2,
        CorrectEntryProfile(
            on=date(2024, 5, 11),
            field=ProfileField.POSTCODE,
            value="3000",
            reason="moved before the intake",
        ),
        recorded_by=COACH,
    )
    # P3: 28 (25-29), X, vdab, 3500 Hasselt (Limburg); referred 2024Q3, intake 2024Q4.
    p3 = refer(service, date(2024, 7, 1), born=date(1996, 6, 1), gender=Gender.X)
    take_in(service, p3, date(2024, 10, 1), postcode="3500")
    # P4: 44 (30-54), F, ocmw, programme BETA, organisation B; referred 2024Q3, no
    # intake, so no province and no intake cohort.
    refer(
        service,
        date(2024, 8, 1),
        programme=BETA,
        organisation=ORG_B,
        source=ReferralSource.OCMW,
        born=date(1980, 1, 1),
        gender=Gender.F,
    )
    # P5: 59 (55+), M, self-referred, 8500 Kortrijk (West Flanders); referred on the
    # last day of 2024Q4, intake 2025Q1.
    p5 = refer(
        service,
        date(2024, 12, 31),
        source=ReferralSource.SELF,
        born=date(1965, 1, 1),
        gender=Gender.M,
    )
    take_in(service, p5, date(2025, 1, 2), postcode="8500")


GROUPS_OF_FIVE_PEOPLE: list[tuple[str, str, list[tuple[Any, ...]]]] = [
    # (group, referrals, intakes), sorted, a missing value first.
    ("programme", "referral", [(ALPHA, 4, 4), (BETA, 1, 0)]),
    ("organisation", "referral", [(ORG_B, 2, 1), (ORG_A, 3, 3)]),
    (
        "referral_source",
        "referral",
        [("ocmw", 1, 0), ("school", 1, 1), ("self", 1, 1), ("vdab", 2, 2)],
    ),
    (
        "province",
        "referral",
        [
            (None, 1, 0),
            ("east_flanders", 1, 1),
            ("flemish_brabant", 1, 1),
            ("limburg", 1, 1),
            ("west_flanders", 1, 1),
        ],
    ),
    (
        "age_band",
        "referral",
        [
            ("18-24", 1, 1),
            ("25-29", 1, 1),
            ("30-54", 1, 0),
            ("55+", 1, 1),
            ("<18", 1, 1),
        ],
    ),
    ("gender", "referral", [("F", 2, 1), ("M", 2, 2), ("X", 1, 1)]),
    (
        "cohort",
        "referral",
        [("2024Q1", 1, 1), ("2024Q2", 1, 1), ("2024Q3", 2, 1), ("2024Q4", 1, 1)],
    ),
    (
        "cohort",
        "intake",
        [(None, 1, 0), ("2024Q2", 2, 2), ("2024Q4", 1, 1), ("2025Q1", 1, 1)],
    ),
]


def test_grouped_by_each_dimension(service: Trajectories, views: Views) -> None:
    five_people(service)

    for group_by, cohort_by, expected in GROUPS_OF_FIVE_PEOPLE:
        table = rows(views, group_by, cohort_by=cohort_by, suppress=False)

        assert referrals_and_intakes(table) == expected, (group_by, cohort_by)


def test_grouped_by_two_dimensions(service: Trajectories, views: Views) -> None:
    five_people(service)

    table = rows(views, "programme", "gender", suppress=False)

    assert referrals_and_intakes(table) == [
        (ALPHA, "F", 1, 1),  # P1
        (ALPHA, "M", 2, 2),  # P2, P5
        (ALPHA, "X", 1, 1),  # P3
        (BETA, "F", 1, 0),  # P4
    ]


def test_a_cohort_filter_keeps_the_referrals_or_intakes_of_that_quarter(
    service: Trajectories, views: Views
) -> None:
    five_people(service)

    referred_in_q3 = whole(views, cohort="2024Q3")
    taken_in_in_q2 = whole(views, cohort="2024Q2", cohort_by="intake")
    nobody = rows(views, "programme", cohort="2023Q4", suppress=False)

    assert (referred_in_q3["referrals"], referred_in_q3["intakes"]) == (2, 1)  # P3, P4
    assert (taken_in_in_q2["referrals"], taken_in_in_q2["intakes"]) == (2, 2)  # P1, P2
    assert taken_in_in_q2["median_days_to_intake"] == 20.5  # (9 + 32) / 2
    assert nobody == []


def test_a_group_of_fewer_than_five_trajectories_is_suppressed(
    service: Trajectories, views: Views
) -> None:
    five_people(service)

    overall = rows(views, suppress=True)
    by_programme = rows(views, "programme", suppress=True)
    shown = rows(views, "programme")

    # Five trajectories in all: shown.
    assert not overall[0].suppressed
    assert overall[0].figures["referrals"] == 5
    # ALPHA has four, BETA one: both suppressed, without a single figure.
    assert [(row.group, row.suppressed, row.figures) for row in by_programme] == [
        ({"programme": ALPHA}, True, {}),
        ({"programme": BETA}, True, {}),
    ]
    assert [row.suppressed for row in shown] == [False, False]
    assert shown[0].figures["referrals"] == 4
    assert shown[0].figures["cost_per_participant"] == 30000.0  # 120 000 / 4


def test_csv_shows_a_suppressed_group_as_fewer_than_five(
    service: Trajectories, views: Views
) -> None:
    five_people(service)
    views.catch_up()

    text = views.outcome_table(["organisation"]).csv()

    records = csv_records(text)
    assert [record["organisation"] for record in records] == [ORG_B, ORG_A]
    for record in records:
        for name, value in record.items():
            if name == "organisation":
                continue
            assert value == ("<5" if name in COUNT_NAMES else ""), name


def test_csv_is_sorted_and_the_same_bytes_every_time(
    service: Trajectories, views: Views
) -> None:
    five_people(service)
    views.catch_up()

    first = views.outcome_table(["province"], suppress=False).csv()
    second = views.outcome_table(["province"], suppress=False).csv()

    assert first.encode() == second.encode()
    lines = first.splitlines()
    assert lines[0].startswith("province,referrals,intakes,")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "",  # P4: no intake, no province
        "east_flanders",
        "flemish_brabant",
        "limburg",
        "west_flanders",
    ]


def test_csv_gives_rates_to_four_decimals(service: Trajectories, views: Views) -> None:
    eight_trajectories(service)
    views.catch_up()

    (record,) = csv_records(views.outcome_table(["programme"], suppress=False).csv())

    assert record["programme"] == ALPHA
    assert record["referrals"] == "8"
    assert record["intake_rate"] == "0.7500"  # 6 / 8
    assert record["placement_rate"] == "0.8333"  # 5 / 6
    assert record["median_days_to_intake"] == "11.5000"
    assert record["dropout_rate_lost_contact"] == "0.4000"  # 2 / 5
    assert record["dropout_rate_mental_health"] == "0.2000"  # 1 / 5
    assert record["cost_per_participant"] == "20000.0000"


def test_csv_gives_a_dropout_reason_nobody_left_for_as_zero(
    service: Trajectories, views: Views
) -> None:
    eight_trajectories(service)
    views.catch_up()

    (record,) = csv_records(views.outcome_table(["programme"], suppress=False).csv())

    # Five exits, none of them withdrew: 0 / 5 is 0, not "no value" (that is for an
    # empty denominator only).
    assert record["dropout_rate_withdrew"] == "0.0000"


# Sustained employment at 6 months ---------------------------------------------------


def test_sustained_employment_counts_only_exits_six_months_past(
    service: Trajectories, views: Views
) -> None:
    # E1 exits 2024-05-31: due 2024-11-30, employed at the follow-up that day.
    e1 = refer(service, date(2024, 1, 8))
    take_in(service, e1, date(2024, 1, 18))
    complete(service, e1, date(2024, 5, 31))
    follow_up(service, e1, date(2024, 11, 30), ExitStatus.EMPLOYED)
    # E2 exits 2024-06-15: due 2024-12-15, no follow-up (unknown).
    e2 = refer(service, date(2024, 1, 10))
    take_in(service, e2, date(2024, 1, 20))
    drop_out(service, e2, date(2024, 6, 15), DropoutReason.LOST_CONTACT)
    # E3 exits 2024-06-01: due 2024-12-01, followed up early (2024-11-20), employed.
    e3 = refer(service, date(2024, 1, 12))
    take_in(service, e3, date(2024, 1, 22))
    complete(service, e3, date(2024, 6, 1))
    follow_up(service, e3, date(2024, 11, 20), ExitStatus.EMPLOYED)
    # E4 exits 2024-06-20: due 2024-12-20, followed up that day, status unknown.
    e4 = refer(service, date(2024, 1, 14))
    take_in(service, e4, date(2024, 1, 24))
    complete(service, e4, date(2024, 6, 20))
    follow_up(service, e4, date(2024, 12, 20), ExitStatus.UNKNOWN)

    def sustained(on: date | None) -> tuple[Any, ...]:
        f = whole(views, as_of=on)
        return (
            f["sustained_due"],
            f["sustained_employment_6m"],
            f["sustained_unknown_6m"],
            f["sustained_employment_6m_rate"],
            f["sustained_unknown_6m_share"],
        )

    # Nobody due yet: E3's early follow-up does not count before E3 is due.
    assert sustained(date(2024, 11, 25)) == (0, 0, 0, None, None)
    assert sustained(date(2024, 11, 29)) == (0, 0, 0, None, None)
    assert sustained(date(2024, 11, 30)) == (1, 1, 0, 1.0, 0.0)  # E1: 1 / 1
    assert sustained(date(2024, 12, 1)) == (2, 2, 0, 1.0, 0.0)  # E1, E3: 2 / 2
    assert sustained(date(2024, 12, 14)) == (2, 2, 0, 1.0, 0.0)
    # E2 due: unknown, in the denominator: 2 / 3 employed, 1 / 3 unknown.
    assert sustained(date(2024, 12, 15)) == (3, 2, 1, 2 / 3, 1 / 3)
    # E4 due, its status unknown: 2 / 4 employed, 2 / 4 unknown.
    assert sustained(date(2024, 12, 20)) == (4, 2, 2, 2 / 4, 2 / 4)
    assert sustained(None) == (4, 2, 2, 2 / 4, 2 / 4)


def test_an_exit_of_last_month_is_not_yet_due_today(
    service: Trajectories, views: Views
) -> None:
    recent = refer(service, today() - timedelta(days=200))
    take_in(service, recent, today() - timedelta(days=190))

    complete(service, recent, today() - timedelta(days=30))

    figures = whole(views)
    assert figures["exits"] == 1
    assert figures["sustained_due"] == 0
    assert figures["sustained_employment_6m_rate"] is None


# As of a date, as known at a time ---------------------------------------------------


def test_as_of_a_past_date_counts_what_had_happened_by_then(
    service: Trajectories, views: Views
) -> None:
    # A: intake, placed, dropped out, reopened, completed employed.
    a = refer(service, date(2024, 1, 10))
    take_in(service, a, date(2024, 1, 20))
    place(service, a, date(2024, 3, 1), PlacementType.REGULAR_JOB)
    drop_out(service, a, date(2024, 4, 10), DropoutReason.LOST_CONTACT)
    reopen(service, a, date(2024, 5, 1))
    complete(service, a, date(2024, 6, 1))
    exit_result(service, a, date(2024, 6, 5), ExitStatus.EMPLOYED)
    # C: declined 2024-02-01. B: referred 2024-05-15.
    c = refer(service, date(2024, 1, 12))
    decline(service, c, date(2024, 2, 1))
    b = refer(service, date(2024, 5, 15))
    take_in(service, b, date(2024, 5, 20))

    def counts(on: date) -> tuple[Any, ...]:
        f = whole(views, as_of=on)
        return (
            f["referrals"],
            f["intakes"],
            f["placed"],
            f["exits"],
            f["dropouts"],
            f["employed_on_leaving"],
        )

    assert rows(views, as_of=date(2024, 1, 9), suppress=False) == []  # nobody yet
    assert counts(date(2024, 2, 15)) == (2, 1, 0, 0, 0, 0)  # A taken in, C declined
    assert counts(date(2024, 4, 30)) == (2, 1, 1, 1, 1, 0)  # A placed, dropped out
    assert counts(date(2024, 5, 10)) == (2, 1, 1, 0, 0, 0)  # A reopened; B not yet
    assert counts(date(2024, 6, 3)) == (3, 2, 1, 1, 0, 0)  # A completed, no result
    assert counts(date(2024, 6, 5)) == (3, 2, 1, 1, 0, 1)  # A's result: employed
    assert whole(views, as_of=date(2024, 4, 30))["dropout_rate"] == 1.0  # 1 / 1


def test_as_of_today_is_the_live_table(service: Trajectories, views: Views) -> None:
    eight_trajectories(service)
    five_people(service)

    for group_by in ([], ["programme"], ["province", "gender"], ["cohort"]):
        live = rows(views, *group_by)
        assert rows(views, *group_by, as_of=today()) == live, group_by


def test_as_known_at_a_recorded_time_counts_what_the_store_held_then(
    service: Trajectories, views: Views
) -> None:
    trajectory = refer(service, date(2024, 1, 10))
    take_in(service, trajectory, date(2024, 1, 20))
    dropout = drop_out(service, trajectory, date(2024, 2, 1), DropoutReason.MOVED)
    retract(service, trajectory, dropout, date(2024, 2, 5))
    history = service.history(trajectory)
    referred_at, taken_in_at, dropped_at, retracted_at = (
        entry.recorded_at for entry in history
    )

    def counts(known_at: datetime) -> tuple[int, int, int]:
        f = whole(views, known_at=known_at)
        return f["referrals"], f["intakes"], f["exits"]

    assert rows(views, known_at=referred_at - timedelta(microseconds=1)) == []
    assert counts(referred_at) == (1, 0, 0)
    assert counts(taken_in_at) == (1, 1, 0)
    assert counts(dropped_at) == (1, 1, 1)  # the dropout was not yet retracted
    assert counts(retracted_at) == (1, 1, 0)
    assert whole(views, known_at=retracted_at) == whole(views)


# Rebuilding ----------------------------------------------------------------------


def test_a_rebuilt_view_gives_the_same_figures(
    service: Trajectories, views: Views
) -> None:
    eight_trajectories(service)
    five_people(service)
    before = {
        dims: rows(views, *dims)
        for dims in [(), ("programme",), ("organisation", "cohort"), ("province",)]
    }

    views.rebuild("outcomes")

    after = {dims: rows(views, *dims) for dims in before}
    assert after == before
    alpha = after[("programme",)][0]
    assert alpha.group == {"programme": ALPHA}
    assert alpha.figures["referrals"] == 12  # the eight, and P1, P2, P3, P5
    assert alpha.figures["intakes"] == 10  # six, and the same four


# Bad input ---------------------------------------------------------------------


BAD_QUESTIONS: list[tuple[dict[str, Any], str]] = [
    ({"group_by": ["postcode"]}, "cannot group by postcode: the dimensions are"),
    ({"group_by": ["gender", "gender"]}, "names a dimension twice"),
    ({"cohort": "2024Q5"}, "cohort '2024Q5' is not a quarter such as 2024Q1"),
    ({"cohort": "24Q1"}, "cohort '24Q1' is not a quarter"),
    ({"cohort": "2024-Q1"}, "cohort '2024-Q1' is not a quarter"),
    ({"cohort_by": "exit"}, "cohort_by 'exit' is neither referral nor intake"),
    ({"as_of": date(2999, 1, 1)}, "as_of 2999-01-01 is in the future"),
    ({"known_at": datetime(2024, 1, 1, 12)}, "known_at needs a time zone"),
    (
        {"known_at": datetime(2999, 1, 1, 12, tzinfo=UTC)},
        "known_at 2999-01-01 12:00:00+00:00 is in the future",
    ),
]


def test_bad_questions_are_refused_with_a_clear_message(views: Views) -> None:
    for options, message in BAD_QUESTIONS:
        group_by = options.get("group_by", [])
        others = {name: value for name, value in options.items() if name != "group_by"}

        with pytest.raises(InvalidValue) as refused:
            views.outcome_table(group_by, **others)

        assert message in str(refused.value), options
