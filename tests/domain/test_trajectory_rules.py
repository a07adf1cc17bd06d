"""The Trajectory aggregate's rules (DOMAIN.md), each accepted and refused."""

from collections.abc import Callable
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

import domain.trajectory as trajectory_module
from domain.commands import AssessLadder
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import EndPlacement
from domain.commands import IdentifyBarrier
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Refer
from domain.commands import Reopen
from domain.commands import ResolveBarrier
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import Suspend
from domain.errors import AlreadySuspended
from domain.errors import BarrierAlreadyOpen
from domain.errors import BarrierNotOpen
from domain.errors import CoachAlreadyAssigned
from domain.errors import CoachOfAnotherOrganisation
from domain.errors import CorrectionChangesNothing
from domain.errors import DateBeforeExit
from domain.errors import DateBeforeIntake
from domain.errors import DateBeforeLastEvent
from domain.errors import DateBeforeReferral
from domain.errors import DateInFuture
from domain.errors import DeclineAfterIntake
from domain.errors import DomainError
from domain.errors import DropoutReasonRequired
from domain.errors import EmployerRequired
from domain.errors import EntryNotRetractable
from domain.errors import ExitRequired
from domain.errors import ExitResultAlreadyRecorded
from domain.errors import FollowUpAlreadyRecorded
from domain.errors import HoursOutOfRange
from domain.errors import IntakeAlreadyCompleted
from domain.errors import IntakeRequired
from domain.errors import InvalidPostcode
from domain.errors import InvalidValue
from domain.errors import NotSuspended
from domain.errors import ObservationOutsideWindow
from domain.errors import PlacementAlreadyEnded
from domain.errors import PlacementEndBeforeStart
from domain.errors import PlacementIdInUse
from domain.errors import ReasonRequired
from domain.errors import ReopenWindowPassed
from domain.errors import ResolutionBeforeIdentification
from domain.errors import ResumptionBeforeSuspension
from domain.errors import RetractionBreaksHistory
from domain.errors import RungOutOfRange
from domain.errors import SessionCapReached
from domain.errors import SessionMinutesOutOfRange
from domain.errors import TrajectoryNotOpen
from domain.errors import TrajectorySuspended
from domain.errors import UnknownMilestone
from domain.errors import UnknownPlacement
from domain.errors import UnknownVersion
from domain.trajectory import Placement
from domain.trajectory import Trajectory
from domain.vocabulary import AgeBand
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import ProfileField
from domain.vocabulary import ReferralSource
from domain.vocabulary import Stage
from domain.vocabulary import SuspensionReason
from tests.domain.builders import COACH
from tests.domain.builders import EMPLOYER
from tests.domain.builders import EXIT_ON
from tests.domain.builders import INTAKE_BARRIERS
from tests.domain.builders import INTAKE_ON
from tests.domain.builders import INTAKE_POSTCODE
from tests.domain.builders import INTAKE_RUNG
from tests.domain.builders import ORGANISATION
from tests.domain.builders import OTHER_COACH
from tests.domain.builders import OTHER_PLACEMENT_ID
from tests.domain.builders import PARTICIPANT_ID
from tests.domain.builders import PLACEMENT_ID
from tests.domain.builders import PLACEMENT_ON
from tests.domain.builders import PROGRAMME
from tests.domain.builders import REFERRAL_ON
from tests.domain.builders import SESSION_ON
from tests.domain.builders import SUSPENSION_ON
from tests.domain.builders import assign
from tests.domain.builders import coach_ref
from tests.domain.builders import declined
from tests.domain.builders import dropped_out
from tests.domain.builders import exited
from tests.domain.builders import hold_session
from tests.domain.builders import placed
from tests.domain.builders import referred
from tests.domain.builders import start_placement
from tests.domain.builders import suspended
from tests.domain.builders import take_in
from tests.domain.builders import taken_in

TODAY = date(2025, 6, 30)
TOMORROW = date(2025, 7, 1)


def pretend_today_is(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(trajectory_module, "today", lambda: day)


def rebuilt_from(history: Sequence[Any]) -> Trajectory:
    aggregate = None
    for domain_event in history:
        aggregate = domain_event.mutate(aggregate)
    assert isinstance(aggregate, Trajectory)
    return aggregate


def names_of(history: Sequence[Any]) -> list[str]:
    return [type(domain_event).__name__ for domain_event in history]


# Business dates and recorders ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "record"),
    [
        pytest.param(referred, lambda t: take_in(t, on=TOMORROW), id="intake"),
        pytest.param(
            referred,
            lambda t: t.decline_referral(
                DeclineReferral(on=TOMORROW, reason=DeclineReason.REFUSED),
                recorded_by=COACH,
            ),
            id="decline",
        ),
        pytest.param(taken_in, lambda t: hold_session(t, on=TOMORROW), id="session"),
        pytest.param(
            taken_in, lambda t: start_placement(t, on=TOMORROW), id="placement"
        ),
        pytest.param(
            taken_in,
            lambda t: t.complete(
                Complete(on=TOMORROW, destination=Destination.EMPLOYED),
                recorded_by=COACH,
            ),
            id="completion",
        ),
        pytest.param(
            exited,
            lambda t: t.record_exit_result(
                RecordExitResult(observed_on=TOMORROW, status=ExitStatus.EMPLOYED),
                recorded_by=COACH,
            ),
            id="exit result",
        ),
        pytest.param(
            exited,
            lambda t: t.record_follow_up(
                RecordFollowUp(
                    milestone=12, observed_on=TOMORROW, status=ExitStatus.EMPLOYED
                ),
                recorded_by=COACH,
            ),
            id="follow-up",
        ),
        pytest.param(
            taken_in,
            lambda t: t.retract_entry(
                RetractEntry(on=TOMORROW, version=2, reason="wrong dossier"),
                recorded_by=COACH,
            ),
            id="retraction",
        ),
    ],
)
def test_an_event_dated_after_today_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    given: Callable[[], Trajectory],
    record: Callable[[Trajectory], None],
) -> None:
    pretend_today_is(monkeypatch, TODAY)
    trajectory = given()
    trajectory.collect_events()

    with pytest.raises(DateInFuture) as refused:
        record(trajectory)

    assert refused.value.code == "date_in_future"
    assert "2025-07-01" in refused.value.message
    assert "today is 2025-06-30" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_event_dated_today_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_today_is(monkeypatch, TODAY)
    trajectory = taken_in()

    hold_session(trajectory, on=TODAY)

    assert trajectory.last_contact_on == TODAY


def test_a_command_needs_the_staff_member_who_records_it() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(InvalidValue) as refused:
        hold_session(trajectory, recorded_by="  ")

    assert refused.value.code == "invalid_value"
    assert "recorded_by" in refused.value.message
    assert trajectory.collect_events() == []


# Referral -----------------------------------------------------------------------------


def test_a_referral_starts_a_trajectory_with_codes_but_no_personal_data() -> None:
    trajectory = referred(on=REFERRAL_ON)

    assert trajectory.stage is Stage.REFERRED
    assert trajectory.participant_id == PARTICIPANT_ID
    assert trajectory.programme == PROGRAMME
    assert trajectory.organisation == ORGANISATION
    assert trajectory.referral_source is ReferralSource.VDAB
    assert trajectory.referred_on == REFERRAL_ON
    assert trajectory.age_band is AgeBand.FROM_18_TO_24
    assert trajectory.gender is Gender.F
    assert trajectory.referred_by == COACH
    assert names_of(trajectory.collect_events()) == ["ReferralReceived"]


def test_a_referral_dated_after_today_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pretend_today_is(monkeypatch, TODAY)

    with pytest.raises(DateInFuture) as refused:
        referred(on=TOMORROW)

    assert refused.value.code == "date_in_future"
    assert "referral on 2025-07-01" in refused.value.message
    assert "today is 2025-06-30" in refused.value.message


def test_a_referral_needs_the_staff_member_who_records_it() -> None:
    with pytest.raises(InvalidValue):
        Trajectory.refer(
            Refer(
                participant_id=PARTICIPANT_ID,
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=REFERRAL_ON,
            ),
            age_band=AgeBand.FROM_18_TO_24,
            gender=Gender.F,
            recorded_by=" ",
        )


# Declined referral --------------------------------------------------------------------


def test_a_referral_can_be_declined_before_intake() -> None:
    trajectory = referred()

    trajectory.decline_referral(
        DeclineReferral(on=INTAKE_ON, reason=DeclineReason.NO_CAPACITY),
        recorded_by=COACH,
    )

    assert trajectory.stage is Stage.DECLINED
    assert trajectory.declined_on == INTAKE_ON
    assert trajectory.decline_reason is DeclineReason.NO_CAPACITY
    assert trajectory.has_ended
    assert trajectory.exit_on is None


def test_a_referral_cannot_be_declined_after_intake() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DeclineAfterIntake) as refused:
        trajectory.decline_referral(
            DeclineReferral(on=SESSION_ON, reason=DeclineReason.REFUSED),
            recorded_by=COACH,
        )

    assert refused.value.code == "decline_after_intake"
    assert "2024-02-15" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_decline_before_the_referral_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(DateBeforeReferral) as refused:
        trajectory.decline_referral(
            DeclineReferral(on=date(2024, 1, 31), reason=DeclineReason.DUPLICATE),
            recorded_by=COACH,
        )

    assert refused.value.code == "date_before_referral"
    assert "2024-01-31" in refused.value.message
    assert "2024-02-01" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_declined_referral_cannot_be_declined_again() -> None:
    trajectory = declined()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        trajectory.decline_referral(
            DeclineReferral(on=SESSION_ON, reason=DeclineReason.DUPLICATE),
            recorded_by=COACH,
        )

    assert refused.value.code == "trajectory_not_open"
    assert "declined" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize(
    ("record", "error", "code"),
    [
        pytest.param(
            lambda t: take_in(t, on=SESSION_ON),
            TrajectoryNotOpen,
            "trajectory_not_open",
            id="intake",
        ),
        pytest.param(
            lambda t: t.suspend(
                Suspend(on=SESSION_ON, reason=SuspensionReason.CARE), recorded_by=COACH
            ),
            TrajectoryNotOpen,
            "trajectory_not_open",
            id="suspension",
        ),
        pytest.param(
            lambda t: t.correct_entry_profile(
                CorrectEntryProfile(
                    on=SESSION_ON,
                    field=ProfileField.POSTCODE,
                    value="9050",
                    reason="typo",
                ),
                recorded_by=COACH,
            ),
            TrajectoryNotOpen,
            "trajectory_not_open",
            id="correction",
        ),
        pytest.param(
            lambda t: t.reopen(
                Reopen(on=SESSION_ON, reason="reached after all"), recorded_by=COACH
            ),
            ExitRequired,
            "exit_required",
            id="reopening",
        ),
    ],
)
def test_a_declined_referral_is_terminal(
    record: Callable[[Trajectory], None], error: type[DomainError], code: str
) -> None:
    trajectory = declined()
    trajectory.collect_events()

    with pytest.raises(error) as refused:
        record(trajectory)

    assert refused.value.code == code
    assert "declined" in refused.value.message
    assert trajectory.stage is Stage.DECLINED
    assert trajectory.collect_events() == []


# Intake -------------------------------------------------------------------------------


def test_an_intake_fixes_the_entry_profile_and_makes_the_trajectory_active() -> None:
    trajectory = referred()

    take_in(
        trajectory,
        on=INTAKE_ON,
        coach=COACH,
        rung=3,
        labour_status=LabourStatus.INACTIVE,
        education_level=EducationLevel.ISCED_3_4,
        barriers=[Barrier.DEBT_INCOME, Barrier.DIGITAL],
        disability=True,
        postcode="3500",
    )

    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.intake_on == INTAKE_ON
    assert trajectory.coach == COACH
    assert trajectory.rung_at_intake == 3
    assert trajectory.latest_rung == 3
    assert trajectory.labour_status is LabourStatus.INACTIVE
    assert trajectory.education_level is EducationLevel.ISCED_3_4
    assert trajectory.entry_barriers == [Barrier.DEBT_INCOME, Barrier.DIGITAL]
    assert trajectory.open_barriers == [Barrier.DEBT_INCOME, Barrier.DIGITAL]
    assert trajectory.disability is True
    assert trajectory.postcode == "3500"
    assert trajectory.last_contact_on == INTAKE_ON


def test_an_intake_on_the_referral_date_is_accepted() -> None:
    trajectory = referred(on=REFERRAL_ON)

    take_in(trajectory, on=REFERRAL_ON)

    assert trajectory.intake_on == REFERRAL_ON


def test_an_intake_before_the_referral_is_refused() -> None:
    trajectory = referred(on=REFERRAL_ON)
    trajectory.collect_events()

    with pytest.raises(DateBeforeReferral) as refused:
        take_in(trajectory, on=date(2024, 1, 3))

    assert refused.value.code == "date_before_referral"
    assert "2024-01-03" in refused.value.message
    assert "2024-02-01" in refused.value.message
    assert trajectory.stage is Stage.REFERRED
    assert trajectory.collect_events() == []


def test_an_intake_is_completed_only_once() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(IntakeAlreadyCompleted) as refused:
        take_in(trajectory, on=SESSION_ON)

    assert refused.value.code == "intake_already_completed"
    assert "2024-02-15" in refused.value.message
    assert trajectory.intake_on == INTAKE_ON
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("rung", [1, 6])
def test_an_intake_rung_from_1_to_6_is_accepted(rung: int) -> None:
    trajectory = referred()

    take_in(trajectory, rung=rung)

    assert trajectory.rung_at_intake == rung


@pytest.mark.parametrize("rung", [0, 7])
def test_an_intake_rung_outside_1_to_6_is_refused(rung: int) -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(RungOutOfRange) as refused:
        take_in(trajectory, rung=rung)

    assert refused.value.code == "rung_out_of_range"
    assert f"rung {rung} " in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("postcode", ["1000", "9992"])
def test_an_intake_postcode_in_1000_to_9999_is_accepted(postcode: str) -> None:
    trajectory = referred()

    take_in(trajectory, postcode=postcode)

    assert trajectory.postcode == postcode


@pytest.mark.parametrize("postcode", ["0999", "900", "90000", "9OOO"])
def test_an_intake_postcode_that_is_not_belgian_is_refused(postcode: str) -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(InvalidPostcode) as refused:
        take_in(trajectory, postcode=postcode)

    assert refused.value.code == "invalid_postcode"
    assert repr(postcode) in refused.value.message
    assert trajectory.collect_events() == []


def test_an_intake_needs_the_coach_it_names() -> None:
    trajectory = referred()
    trajectory.collect_events()
    intake = CompleteIntake(
        on=INTAKE_ON,
        coach_id=coach_ref().id,
        rung=2,
        labour_status=LabourStatus.UNEMPLOYED,
        education_level=EducationLevel.ISCED_0_2,
        disability=False,
        postcode="9000",
    )

    with pytest.raises(InvalidValue) as refused:
        trajectory.complete_intake(intake, COACH, coach=coach_ref(OTHER_COACH))

    assert refused.value.code == "invalid_value"
    assert "coach" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_intake_by_a_coach_of_another_organisation_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()
    elsewhere = coach_ref(OTHER_COACH, "Groep Intro")

    with pytest.raises(CoachOfAnotherOrganisation) as refused:
        take_in(trajectory, coach=elsewhere)

    assert refused.value.code == "coach_of_another_organisation"
    assert refused.value.message == (
        "Jan is a coach of Groep Intro, not of Werkburo Oost-Vlaanderen, which runs "
        "the trajectory"
    )
    assert trajectory.collect_events() == []


def test_an_intake_names_its_coach_by_id_and_name() -> None:
    trajectory = referred()

    take_in(trajectory, coach=COACH)

    [event] = trajectory.collect_events()[1:]
    assert (vars(event)["coach"], vars(event)["coach_id"]) == (
        COACH,
        coach_ref(COACH).id,
    )
    assert trajectory.coach_id == coach_ref(COACH).id


def test_an_intake_records_each_barrier_once() -> None:
    trajectory = referred()

    take_in(
        trajectory, barriers=[Barrier.HOUSING, Barrier.DEBT_INCOME, Barrier.HOUSING]
    )

    assert trajectory.entry_barriers == [Barrier.HOUSING, Barrier.DEBT_INCOME]


# Entry-profile correction -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "attribute", "corrected"),
    [
        (ProfileField.RUNG, 1, "rung_at_intake", 1),
        (
            ProfileField.LABOUR_STATUS,
            "unemployed",
            "labour_status",
            LabourStatus.UNEMPLOYED,
        ),
        (
            ProfileField.EDUCATION_LEVEL,
            EducationLevel.ISCED_5_8,
            "education_level",
            EducationLevel.ISCED_5_8,
        ),
        (
            ProfileField.BARRIERS,
            ["debt_income", "debt_income", "housing"],
            "entry_barriers",
            [Barrier.DEBT_INCOME, Barrier.HOUSING],
        ),
        (ProfileField.DISABILITY, True, "disability", True),
        (ProfileField.POSTCODE, "9050", "postcode", "9050"),
    ],
)
def test_an_entry_profile_correction_after_intake_changes_that_field(
    field: ProfileField, value: Any, attribute: str, corrected: Any
) -> None:
    trajectory = taken_in()

    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON, field=field, value=value, reason="mistyped at intake"
        ),
        recorded_by=COACH,
    )

    assert getattr(trajectory, attribute) == corrected
    assert trajectory.intake_on == INTAKE_ON


def test_an_entry_profile_correction_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=INTAKE_ON,
                field=ProfileField.POSTCODE,
                value="9050",
                reason="mistyped",
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "intake_required"
    assert "entry-profile correction" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_entry_profile_correction_needs_a_reason() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(ReasonRequired) as refused:
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=SESSION_ON, field=ProfileField.POSTCODE, value="9050", reason="  "
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "reason_required"
    assert "entry-profile correction" in refused.value.message
    assert trajectory.postcode == INTAKE_POSTCODE
    assert trajectory.collect_events() == []


def test_an_entry_profile_correction_that_changes_nothing_is_refused() -> None:
    trajectory = taken_in(postcode="9000")
    trajectory.collect_events()

    with pytest.raises(CorrectionChangesNothing) as refused:
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=SESSION_ON,
                field=ProfileField.POSTCODE,
                value="9000",
                reason="checked again",
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "correction_changes_nothing"
    assert "postcode" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize(
    ("field", "value", "code", "shown"),
    [
        (ProfileField.RUNG, 7, "rung_out_of_range", "rung 7"),
        (ProfileField.POSTCODE, "900", "invalid_postcode", "'900'"),
        (ProfileField.LABOUR_STATUS, "retired", "invalid_value", "'retired'"),
        (ProfileField.EDUCATION_LEVEL, "isced_9", "invalid_value", "'isced_9'"),
        (ProfileField.BARRIERS, ["loneliness"], "invalid_value", "loneliness"),
        (ProfileField.BARRIERS, "housing", "invalid_value", "list"),
        (ProfileField.DISABILITY, "yes", "invalid_value", "true or false"),
        (ProfileField.RUNG, "3", "invalid_value", "a rung is a whole number"),
        (ProfileField.RUNG, True, "invalid_value", "a rung is a whole number"),
        (ProfileField.POSTCODE, 9300, "invalid_postcode", "text of 4 digits"),
        (ProfileField.LABOUR_STATUS, None, "invalid_value", "codes, as text"),
        (ProfileField.EDUCATION_LEVEL, {"a": 1}, "invalid_value", "codes, as text"),
    ],
)
def test_an_entry_profile_correction_to_an_invalid_value_is_refused(
    field: ProfileField, value: Any, code: str, shown: str
) -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(InvalidValue) as refused:
        trajectory.correct_entry_profile(
            CorrectEntryProfile(on=SESSION_ON, field=field, value=value, reason="typo"),
            recorded_by=COACH,
        )

    assert refused.value.code == code
    assert shown in refused.value.message
    assert trajectory.collect_events() == []


def test_the_entry_profile_changes_only_through_a_correction() -> None:
    trajectory = taken_in(rung=2, barriers=[Barrier.HOUSING])

    trajectory.assess_ladder(AssessLadder(on=SESSION_ON, rung=4), recorded_by=COACH)
    trajectory.identify_barrier(
        IdentifyBarrier(on=SESSION_ON, barrier=Barrier.DIGITAL), recorded_by=COACH
    )
    trajectory.resolve_barrier(
        ResolveBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )

    assert trajectory.rung_at_intake == 2
    assert trajectory.entry_barriers == [Barrier.HOUSING]
    assert trajectory.latest_rung == 4
    assert trajectory.open_barriers == [Barrier.DIGITAL]


def test_correcting_the_intake_rung_moves_the_latest_rung_when_not_reassessed() -> None:
    trajectory = taken_in(rung=2)

    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON, field=ProfileField.RUNG, value=1, reason="typo"
        ),
        recorded_by=COACH,
    )

    assert trajectory.rung_at_intake == 1
    assert trajectory.latest_rung == 1


def test_correcting_the_intake_rung_keeps_a_later_assessment_as_latest_rung() -> None:
    trajectory = taken_in(rung=2)
    trajectory.assess_ladder(AssessLadder(on=SESSION_ON, rung=4), recorded_by=COACH)

    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON, field=ProfileField.RUNG, value=1, reason="typo"
        ),
        recorded_by=COACH,
    )

    assert trajectory.rung_at_intake == 1
    assert trajectory.latest_rung == 4


def test_correcting_the_intake_rung_keeps_an_equal_later_assessment_as_latest() -> None:
    trajectory = taken_in(rung=2)
    trajectory.assess_ladder(AssessLadder(on=SESSION_ON, rung=2), recorded_by=COACH)

    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON, field=ProfileField.RUNG, value=1, reason="typo"
        ),
        recorded_by=COACH,
    )

    assert trajectory.rung_at_intake == 1
    assert trajectory.latest_rung == 2


def test_an_entry_profile_correction_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()

    with pytest.raises(DateBeforeIntake):
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=date(2024, 2, 5),
                field=ProfileField.POSTCODE,
                value="9050",
                reason="typo",
            ),
            recorded_by=COACH,
        )


# Coach --------------------------------------------------------------------------------


def test_a_new_coach_can_be_assigned_after_intake() -> None:
    trajectory = taken_in(coach=COACH)

    assign(trajectory, SESSION_ON, OTHER_COACH)

    assert trajectory.coach == OTHER_COACH


def test_a_new_coach_can_be_assigned_while_suspended() -> None:
    trajectory = suspended()

    assign(trajectory, date(2024, 3, 20), OTHER_COACH)

    assert trajectory.coach == OTHER_COACH
    assert trajectory.stage is Stage.SUSPENDED


def test_a_coach_cannot_be_assigned_before_intake() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        assign(trajectory, INTAKE_ON, OTHER_COACH)

    assert refused.value.code == "intake_required"
    assert "coach assignment" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_coach_cannot_be_assigned_after_exit() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        assign(trajectory, date(2024, 7, 1), OTHER_COACH)

    assert refused.value.code == "trajectory_not_open"
    assert "completed" in refused.value.message
    assert trajectory.collect_events() == []


def test_the_current_coach_cannot_be_assigned_again() -> None:
    trajectory = taken_in(coach=COACH)
    trajectory.collect_events()

    with pytest.raises(CoachAlreadyAssigned) as refused:
        assign(trajectory, SESSION_ON, COACH)

    assert refused.value.code == "coach_already_assigned"
    assert "Hilde" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_coach_of_another_organisation_cannot_be_assigned() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(CoachOfAnotherOrganisation):
        assign(trajectory, SESSION_ON, coach_ref(OTHER_COACH, "Groep Intro"))

    assert trajectory.collect_events() == []


def test_the_same_coach_by_another_spelling_is_not_assigned_again() -> None:
    """The coach is one person whatever the case or accents of their name."""
    trajectory = taken_in(coach="Hélène Dubois")
    trajectory.collect_events()

    with pytest.raises(CoachAlreadyAssigned):
        assign(trajectory, SESSION_ON, "helene  DUBOIS")

    assert trajectory.collect_events() == []


def test_a_coach_assignment_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()

    with pytest.raises(DateBeforeIntake):
        assign(trajectory, date(2024, 2, 5), OTHER_COACH)


# Participation ladder -----------------------------------------------------------------


def test_the_latest_rung_is_the_intake_rung_until_an_assessment() -> None:
    trajectory = referred()

    take_in(trajectory, rung=3)

    assert trajectory.latest_rung == 3


def test_a_ladder_assessment_after_intake_becomes_the_latest_rung() -> None:
    trajectory = taken_in(rung=2)

    trajectory.assess_ladder(AssessLadder(on=SESSION_ON, rung=5), recorded_by=COACH)

    assert trajectory.latest_rung == 5
    assert trajectory.rung_at_intake == 2


def test_a_ladder_assessment_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        trajectory.assess_ladder(AssessLadder(on=INTAKE_ON, rung=3), recorded_by=COACH)

    assert refused.value.code == "intake_required"
    assert "ladder assessment" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_ladder_assessment_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DateBeforeIntake) as refused:
        trajectory.assess_ladder(
            AssessLadder(on=date(2024, 2, 14), rung=3), recorded_by=COACH
        )

    assert refused.value.code == "date_before_intake"
    assert "2024-02-14" in refused.value.message
    assert "2024-02-15" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("rung", [0, 7])
def test_a_ladder_assessment_outside_1_to_6_is_refused(rung: int) -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(RungOutOfRange) as refused:
        trajectory.assess_ladder(
            AssessLadder(on=SESSION_ON, rung=rung), recorded_by=COACH
        )

    assert refused.value.code == "rung_out_of_range"
    assert f"rung {rung} " in refused.value.message
    assert trajectory.latest_rung == INTAKE_RUNG
    assert trajectory.collect_events() == []


# Barriers -----------------------------------------------------------------------------


def test_an_identified_barrier_is_open() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])

    trajectory.identify_barrier(
        IdentifyBarrier(on=SESSION_ON, barrier=Barrier.DIGITAL), recorded_by=COACH
    )

    assert trajectory.open_barriers == [Barrier.HOUSING, Barrier.DIGITAL]


def test_a_barrier_that_is_already_open_cannot_be_identified_again() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])
    trajectory.collect_events()

    with pytest.raises(BarrierAlreadyOpen) as refused:
        trajectory.identify_barrier(
            IdentifyBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
        )

    assert refused.value.code == "barrier_already_open"
    assert "housing" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_open_barrier_can_be_resolved() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING, Barrier.MOBILITY])

    trajectory.resolve_barrier(
        ResolveBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )

    assert trajectory.open_barriers == [Barrier.MOBILITY]


def test_a_barrier_never_identified_cannot_be_resolved() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])
    trajectory.collect_events()

    with pytest.raises(BarrierNotOpen) as refused:
        trajectory.resolve_barrier(
            ResolveBarrier(on=SESSION_ON, barrier=Barrier.ADDICTION), recorded_by=COACH
        )

    assert refused.value.code == "barrier_not_open"
    assert "addiction" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_resolved_barrier_cannot_be_resolved_again() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])
    trajectory.resolve_barrier(
        ResolveBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )
    trajectory.collect_events()

    with pytest.raises(BarrierNotOpen) as refused:
        trajectory.resolve_barrier(
            ResolveBarrier(on=date(2024, 3, 5), barrier=Barrier.HOUSING),
            recorded_by=COACH,
        )

    assert refused.value.code == "barrier_not_open"
    assert "housing" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_resolved_barrier_can_be_identified_again() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])
    trajectory.resolve_barrier(
        ResolveBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )

    trajectory.identify_barrier(
        IdentifyBarrier(on=date(2024, 5, 6), barrier=Barrier.HOUSING), recorded_by=COACH
    )

    assert trajectory.open_barriers == [Barrier.HOUSING]


def test_a_barrier_cannot_be_identified_before_intake() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        trajectory.identify_barrier(
            IdentifyBarrier(on=INTAKE_ON, barrier=Barrier.HOUSING), recorded_by=COACH
        )

    assert refused.value.code == "intake_required"
    assert "barrier" in refused.value.message
    assert trajectory.collect_events() == []


# Sessions -----------------------------------------------------------------------------


def test_a_session_while_active_is_recorded_as_contact() -> None:
    trajectory = taken_in()

    hold_session(trajectory, on=SESSION_ON, minutes=45)

    assert trajectory.sessions_held == 1
    assert trajectory.session_minutes == 45
    assert trajectory.last_contact_on == SESSION_ON


def test_the_last_contact_is_the_latest_session_whatever_the_recording_order() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 20))

    hold_session(trajectory, on=date(2024, 3, 6))

    assert trajectory.sessions_held == 2
    assert trajectory.last_contact_on == date(2024, 3, 20)


def test_a_session_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        hold_session(trajectory, on=INTAKE_ON)

    assert refused.value.code == "intake_required"
    assert "session" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_session_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DateBeforeIntake) as refused:
        hold_session(trajectory, on=date(2024, 2, 10))

    assert refused.value.code == "date_before_intake"
    assert "2024-02-10" in refused.value.message
    assert "2024-02-15" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_session_while_suspended_is_refused() -> None:
    trajectory = suspended()
    trajectory.collect_events()

    with pytest.raises(TrajectorySuspended) as refused:
        hold_session(trajectory, on=date(2024, 3, 25))

    assert refused.value.code == "trajectory_suspended"
    assert "2024-03-18" in refused.value.message
    assert trajectory.sessions_held == 0
    assert trajectory.collect_events() == []


@pytest.mark.parametrize(
    ("given", "stage"),
    [(exited, "completed"), (dropped_out, "dropped out")],
)
def test_a_session_after_exit_is_refused(
    given: Callable[[], Trajectory], stage: str
) -> None:
    trajectory = given()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        hold_session(trajectory, on=date(2024, 7, 1))

    assert refused.value.code == "trajectory_not_open"
    assert stage in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("minutes", [1, 24 * 60])
def test_a_session_of_1_minute_to_a_day_is_accepted(minutes: int) -> None:
    trajectory = taken_in()

    hold_session(trajectory, minutes=minutes)

    assert trajectory.session_minutes == minutes


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_a_session_outside_1_minute_to_a_day_is_refused(minutes: int) -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(SessionMinutesOutOfRange) as refused:
        hold_session(trajectory, minutes=minutes)

    assert refused.value.code == "session_minutes_out_of_range"
    assert f"{minutes} minutes" in refused.value.message
    assert trajectory.collect_events() == []


def test_sessions_up_to_the_programme_cap_are_accepted() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 4), session_cap=2)

    hold_session(trajectory, on=date(2024, 3, 11), session_cap=2)

    assert trajectory.sessions_held == 2


def test_a_session_beyond_the_programme_cap_for_the_year_is_refused() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 4), session_cap=2)
    hold_session(trajectory, on=date(2024, 3, 11), session_cap=2)
    trajectory.collect_events()

    with pytest.raises(SessionCapReached) as refused:
        hold_session(trajectory, on=date(2024, 12, 30), session_cap=2)

    assert refused.value.code == "session_cap_reached"
    assert "allows 2 sessions" in refused.value.message
    assert "2024 already has 2" in refused.value.message
    assert trajectory.sessions_held == 2
    assert trajectory.collect_events() == []


def test_the_session_cap_counts_again_in_a_new_year() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 4), session_cap=2)
    hold_session(trajectory, on=date(2024, 3, 11), session_cap=2)

    hold_session(trajectory, on=date(2025, 1, 6), session_cap=2)

    assert trajectory.sessions_per_year == {"2024": 2, "2025": 1}


# Placements ---------------------------------------------------------------------------


def test_a_placement_after_intake_is_current() -> None:
    trajectory = taken_in()

    start_placement(
        trajectory,
        placement_id=PLACEMENT_ID,
        on=PLACEMENT_ON,
        placement_type=PlacementType.REGULAR_JOB,
        employer=EMPLOYER,
        paid=True,
        hours_per_week=19.0,
    )

    assert trajectory.current_placements == [
        Placement(
            placement_id=PLACEMENT_ID,
            placement_type=PlacementType.REGULAR_JOB,
            employer=EMPLOYER,
            paid=True,
            hours_per_week=19.0,
            started_on=PLACEMENT_ON,
        )
    ]


def test_several_placements_may_run_at_once() -> None:
    trajectory = placed()

    start_placement(
        trajectory,
        placement_id=OTHER_PLACEMENT_ID,
        on=date(2024, 4, 8),
        placement_type=PlacementType.VOCATIONAL_TRAINING,
        paid=False,
    )

    assert [p.placement_id for p in trajectory.current_placements] == [
        PLACEMENT_ID,
        OTHER_PLACEMENT_ID,
    ]


@pytest.mark.parametrize(
    ("placement_type", "paid", "competitive"),
    [
        (PlacementType.REGULAR_JOB, True, True),
        (PlacementType.REGULAR_JOB_WITH_SUPPORT, True, True),
        (PlacementType.SELF_EMPLOYMENT, True, True),
        (PlacementType.REGULAR_JOB, False, False),
        (PlacementType.SOCIAL_ECONOMY, True, False),
        (PlacementType.INTERNSHIP, True, False),
    ],
)
def test_a_competitive_placement_is_a_paid_regular_job_or_self_employment(
    placement_type: PlacementType, paid: bool, competitive: bool
) -> None:
    trajectory = taken_in()

    start_placement(trajectory, placement_type=placement_type, paid=paid)

    assert trajectory.placement(PLACEMENT_ID).competitive is competitive


def test_a_placement_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        start_placement(trajectory, on=INTAKE_ON)

    assert refused.value.code == "intake_required"
    assert "placement" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_placement_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DateBeforeIntake) as refused:
        start_placement(trajectory, on=date(2024, 2, 12))

    assert refused.value.code == "date_before_intake"
    assert "2024-02-12" in refused.value.message
    assert "2024-02-15" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_placement_while_suspended_is_refused() -> None:
    trajectory = suspended()
    trajectory.collect_events()

    with pytest.raises(TrajectorySuspended) as refused:
        start_placement(trajectory, on=date(2024, 4, 2))

    assert refused.value.code == "trajectory_suspended"
    assert "2024-03-18" in refused.value.message
    assert trajectory.placements == []
    assert trajectory.collect_events() == []


def test_a_placement_after_exit_is_refused() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        start_placement(
            trajectory, placement_id=OTHER_PLACEMENT_ID, on=date(2024, 7, 1)
        )

    assert refused.value.code == "trajectory_not_open"
    assert "completed" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_placement_id_is_used_once() -> None:
    trajectory = placed()
    trajectory.collect_events()

    with pytest.raises(PlacementIdInUse) as refused:
        start_placement(trajectory, placement_id=PLACEMENT_ID, on=date(2024, 5, 6))

    assert refused.value.code == "placement_id_in_use"
    assert str(PLACEMENT_ID) in refused.value.message
    assert len(trajectory.placements) == 1
    assert trajectory.collect_events() == []


def test_a_placement_needs_its_employer() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(EmployerRequired) as refused:
        start_placement(trajectory, employer="   ")

    assert refused.value.code == "employer_required"
    assert "employer" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("hours", [0.5, 60])
def test_a_placement_of_more_than_0_up_to_60_hours_a_week_is_accepted(
    hours: float,
) -> None:
    trajectory = taken_in()

    start_placement(trajectory, hours_per_week=hours)

    assert trajectory.placement(PLACEMENT_ID).hours_per_week == hours


@pytest.mark.parametrize("hours", [0, -4, 60.5])
def test_a_placement_outside_0_to_60_hours_a_week_is_refused(hours: float) -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(HoursOutOfRange) as refused:
        start_placement(trajectory, hours_per_week=hours)

    assert refused.value.code == "hours_out_of_range"
    assert f"{hours} hours" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_ended_placement_is_no_longer_current() -> None:
    trajectory = placed()

    trajectory.end_placement(
        EndPlacement(
            placement_id=PLACEMENT_ID,
            on=date(2024, 5, 31),
            reason=PlacementEndReason.CONTRACT_ENDED,
        ),
        recorded_by=COACH,
    )

    assert trajectory.current_placements == []
    assert trajectory.placement(PLACEMENT_ID).ended_on == date(2024, 5, 31)
    assert trajectory.placement(PLACEMENT_ID).end_reason is (
        PlacementEndReason.CONTRACT_ENDED
    )


def test_a_placement_can_end_on_the_day_it_started() -> None:
    trajectory = placed()

    trajectory.end_placement(
        EndPlacement(
            placement_id=PLACEMENT_ID,
            on=PLACEMENT_ON,
            reason=PlacementEndReason.PARTICIPANT_LEFT,
        ),
        recorded_by=COACH,
    )

    assert trajectory.placement(PLACEMENT_ID).ended_on == PLACEMENT_ON


def test_a_placement_end_before_its_start_is_refused() -> None:
    trajectory = placed()
    trajectory.collect_events()

    with pytest.raises(PlacementEndBeforeStart) as refused:
        trajectory.end_placement(
            EndPlacement(
                placement_id=PLACEMENT_ID,
                on=date(2024, 4, 1),
                reason=PlacementEndReason.DISMISSED,
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "placement_end_before_start"
    assert "2024-04-01" in refused.value.message
    assert "2024-04-02" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_placement_ends_only_once() -> None:
    trajectory = placed()
    trajectory.end_placement(
        EndPlacement(
            placement_id=PLACEMENT_ID,
            on=date(2024, 5, 31),
            reason=PlacementEndReason.CONTRACT_ENDED,
        ),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(PlacementAlreadyEnded) as refused:
        trajectory.end_placement(
            EndPlacement(
                placement_id=PLACEMENT_ID,
                on=date(2024, 6, 3),
                reason=PlacementEndReason.OTHER,
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "placement_already_ended"
    assert str(PLACEMENT_ID) in refused.value.message
    assert "2024-05-31" in refused.value.message
    assert trajectory.placement(PLACEMENT_ID).ended_on == date(2024, 5, 31)
    assert trajectory.collect_events() == []


def test_a_placement_never_started_cannot_end() -> None:
    trajectory = placed()
    trajectory.collect_events()

    with pytest.raises(UnknownPlacement) as refused:
        trajectory.end_placement(
            EndPlacement(
                placement_id=OTHER_PLACEMENT_ID,
                on=date(2024, 5, 31),
                reason=PlacementEndReason.OTHER,
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "unknown_placement"
    assert str(OTHER_PLACEMENT_ID) in refused.value.message
    assert trajectory.collect_events() == []


# Suspension and resumption ------------------------------------------------------------


def test_an_active_trajectory_can_be_suspended() -> None:
    trajectory = taken_in()

    trajectory.suspend(
        Suspend(on=SUSPENSION_ON, reason=SuspensionReason.DETENTION), recorded_by=COACH
    )

    assert trajectory.stage is Stage.SUSPENDED
    assert trajectory.suspended_on == SUSPENSION_ON
    assert trajectory.suspension_reason is SuspensionReason.DETENTION
    assert trajectory.is_open


def test_a_suspended_trajectory_cannot_be_suspended_again() -> None:
    trajectory = suspended()
    trajectory.collect_events()

    with pytest.raises(AlreadySuspended) as refused:
        trajectory.suspend(
            Suspend(on=date(2024, 3, 25), reason=SuspensionReason.CARE),
            recorded_by=COACH,
        )

    assert refused.value.code == "already_suspended"
    assert "2024-03-18" in refused.value.message
    assert trajectory.suspended_on == SUSPENSION_ON
    assert trajectory.collect_events() == []


def test_a_suspended_trajectory_can_be_resumed() -> None:
    trajectory = suspended()

    trajectory.resume(
        Resume(on=date(2024, 4, 15), reason=SuspensionReason.HOSPITALISATION),
        recorded_by=COACH,
    )

    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.suspended_on is None


def test_suspension_and_resumption_alternate() -> None:
    trajectory = suspended()
    trajectory.resume(
        Resume(on=date(2024, 4, 15), reason=SuspensionReason.HOSPITALISATION),
        recorded_by=COACH,
    )

    trajectory.suspend(
        Suspend(on=date(2024, 5, 6), reason=SuspensionReason.WAITING_LIST),
        recorded_by=COACH,
    )

    assert trajectory.stage is Stage.SUSPENDED
    assert trajectory.suspended_on == date(2024, 5, 6)


def test_an_active_trajectory_cannot_be_resumed() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(NotSuspended) as refused:
        trajectory.resume(
            Resume(on=SESSION_ON, reason=SuspensionReason.CARE), recorded_by=COACH
        )

    assert refused.value.code == "not_suspended"
    assert "not suspended" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_resumption_before_the_suspension_is_refused() -> None:
    trajectory = suspended()
    trajectory.collect_events()

    with pytest.raises(ResumptionBeforeSuspension) as refused:
        trajectory.resume(
            Resume(on=date(2024, 3, 17), reason=SuspensionReason.CARE),
            recorded_by=COACH,
        )

    assert refused.value.code == "resumption_before_suspension"
    assert "2024-03-17" in refused.value.message
    assert "2024-03-18" in refused.value.message
    assert trajectory.stage is Stage.SUSPENDED
    assert trajectory.collect_events() == []


def test_a_suspension_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        trajectory.suspend(
            Suspend(on=INTAKE_ON, reason=SuspensionReason.CARE), recorded_by=COACH
        )

    assert refused.value.code == "intake_required"
    assert "suspension" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_suspension_dated_before_the_intake_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DateBeforeIntake) as refused:
        trajectory.suspend(
            Suspend(on=date(2024, 2, 10), reason=SuspensionReason.CARE),
            recorded_by=COACH,
        )

    assert refused.value.code == "date_before_intake"
    assert "2024-02-10" in refused.value.message
    assert "2024-02-15" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_exited_trajectory_cannot_be_suspended() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        trajectory.suspend(
            Suspend(on=date(2024, 7, 1), reason=SuspensionReason.CARE),
            recorded_by=COACH,
        )

    assert refused.value.code == "trajectory_not_open"
    assert "completed" in refused.value.message
    assert trajectory.collect_events() == []


# Completion ---------------------------------------------------------------------------


def test_a_completion_on_the_last_events_date_ends_the_trajectory() -> None:
    trajectory = placed()

    trajectory.complete(
        Complete(on=PLACEMENT_ON, destination=Destination.EMPLOYED), recorded_by=COACH
    )

    assert trajectory.stage is Stage.COMPLETED
    assert trajectory.exit_on == PLACEMENT_ON
    assert trajectory.destination is Destination.EMPLOYED
    assert trajectory.exit_on is not None
    assert not trajectory.is_open


def test_a_completion_before_the_last_events_date_is_refused() -> None:
    trajectory = placed()
    trajectory.collect_events()

    with pytest.raises(DateBeforeLastEvent) as refused:
        trajectory.complete(
            Complete(on=date(2024, 4, 1), destination=Destination.EMPLOYED),
            recorded_by=COACH,
        )

    assert refused.value.code == "date_before_last_event"
    assert "2024-04-01" in refused.value.message
    assert "2024-04-02" in refused.value.message
    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.collect_events() == []


def test_a_suspended_trajectory_can_be_completed() -> None:
    trajectory = suspended()

    trajectory.complete(
        Complete(on=EXIT_ON, destination=Destination.OTHER), recorded_by=COACH
    )

    assert trajectory.stage is Stage.COMPLETED
    assert trajectory.suspended_on is None


def test_a_completion_before_intake_is_refused() -> None:
    trajectory = referred()
    trajectory.collect_events()

    with pytest.raises(IntakeRequired) as refused:
        trajectory.complete(
            Complete(on=EXIT_ON, destination=Destination.EMPLOYED), recorded_by=COACH
        )

    assert refused.value.code == "intake_required"
    assert "completion" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(
            lambda t: t.complete(
                Complete(on=date(2024, 7, 1), destination=Destination.OTHER),
                recorded_by=COACH,
            ),
            id="completion",
        ),
        pytest.param(
            lambda t: t.drop_out(
                DropOut(on=date(2024, 7, 1), reason=DropoutReason.MOVED),
                recorded_by=COACH,
            ),
            id="dropout",
        ),
        pytest.param(
            lambda t: t.identify_barrier(
                IdentifyBarrier(on=date(2024, 7, 1), barrier=Barrier.DEBT_INCOME),
                recorded_by=COACH,
            ),
            id="barrier",
        ),
    ],
)
def test_a_completion_is_terminal(record: Callable[[Trajectory], None]) -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        record(trajectory)

    assert refused.value.code == "trajectory_not_open"
    assert "completed" in refused.value.message
    assert trajectory.stage is Stage.COMPLETED
    assert trajectory.collect_events() == []


# Dropout ------------------------------------------------------------------------------


def test_a_dropout_with_a_reason_ends_the_trajectory() -> None:
    trajectory = taken_in()

    trajectory.drop_out(
        DropOut(on=EXIT_ON, reason=DropoutReason.MENTAL_HEALTH), recorded_by=COACH
    )

    assert trajectory.stage is Stage.DROPPED_OUT
    assert trajectory.exit_on == EXIT_ON
    assert trajectory.dropout_reason is DropoutReason.MENTAL_HEALTH
    assert trajectory.exit_on is not None


def test_a_dropout_needs_a_reason() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(DropoutReasonRequired) as refused:
        # Typed as required; an untyped caller (an import, say) may still send none.
        untyped: Any = None
        trajectory.drop_out(DropOut(on=EXIT_ON, reason=untyped), recorded_by=COACH)

    assert refused.value.code == "dropout_reason_required"
    assert "dropout needs a reason" in refused.value.message
    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.collect_events() == []


def test_a_dropout_before_the_last_events_date_is_refused() -> None:
    trajectory = placed()
    trajectory.collect_events()

    with pytest.raises(DateBeforeLastEvent) as refused:
        trajectory.drop_out(
            DropOut(on=date(2024, 3, 29), reason=DropoutReason.WITHDREW),
            recorded_by=COACH,
        )

    assert refused.value.code == "date_before_last_event"
    assert "2024-03-29" in refused.value.message
    assert "2024-04-02" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_dropout_is_terminal() -> None:
    trajectory = dropped_out()
    trajectory.collect_events()

    with pytest.raises(TrajectoryNotOpen) as refused:
        trajectory.complete(
            Complete(on=date(2024, 7, 1), destination=Destination.EMPLOYED),
            recorded_by=COACH,
        )

    assert refused.value.code == "trajectory_not_open"
    assert "dropped out" in refused.value.message
    assert trajectory.stage is Stage.DROPPED_OUT
    assert trajectory.collect_events() == []


# Exit result --------------------------------------------------------------------------


@pytest.mark.parametrize("observed_on", [date(2024, 6, 28), date(2024, 7, 26)])
def test_an_exit_result_observed_within_28_days_of_the_exit_is_recorded(
    observed_on: date,
) -> None:
    trajectory = exited()

    trajectory.record_exit_result(
        RecordExitResult(observed_on=observed_on, status=ExitStatus.EMPLOYED),
        recorded_by=COACH,
    )

    assert trajectory.exit_result is ExitStatus.EMPLOYED
    assert trajectory.exit_result_on == observed_on


def test_an_exit_result_after_a_dropout_is_recorded() -> None:
    trajectory = dropped_out()

    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 7, 5), status=ExitStatus.INACTIVE),
        recorded_by=COACH,
    )

    assert trajectory.exit_result is ExitStatus.INACTIVE


@pytest.mark.parametrize("observed_on", [date(2024, 6, 27), date(2024, 7, 27)])
def test_an_exit_result_observed_outside_28_days_of_the_exit_is_refused(
    observed_on: date,
) -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(ObservationOutsideWindow) as refused:
        trajectory.record_exit_result(
            RecordExitResult(observed_on=observed_on, status=ExitStatus.EMPLOYED),
            recorded_by=COACH,
        )

    assert refused.value.code == "observation_outside_window"
    assert str(observed_on) in refused.value.message
    assert "from 2024-06-28 to 2024-07-26" in refused.value.message
    assert trajectory.exit_result is None
    assert trajectory.collect_events() == []


def test_an_exit_result_before_the_exit_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(ExitRequired) as refused:
        trajectory.record_exit_result(
            RecordExitResult(observed_on=SESSION_ON, status=ExitStatus.JOB_SEARCHING),
            recorded_by=COACH,
        )

    assert refused.value.code == "exit_required"
    assert "exit result" in refused.value.message
    assert "active" in refused.value.message
    assert trajectory.collect_events() == []


def test_an_exit_result_is_recorded_once() -> None:
    trajectory = exited()
    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 7, 1), status=ExitStatus.EMPLOYED),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(ExitResultAlreadyRecorded) as refused:
        trajectory.record_exit_result(
            RecordExitResult(observed_on=date(2024, 7, 8), status=ExitStatus.UNKNOWN),
            recorded_by=COACH,
        )

    assert refused.value.code == "exit_result_already_recorded"
    assert "2024-07-01" in refused.value.message
    assert trajectory.exit_result is ExitStatus.EMPLOYED
    assert trajectory.collect_events() == []


# Follow-ups ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestone", "observed_on"),
    [
        (6, date(2024, 11, 28)),
        (6, date(2024, 12, 28)),
        (6, date(2025, 1, 27)),
        (12, date(2025, 5, 29)),
        (12, date(2025, 7, 28)),
    ],
)
def test_a_follow_up_observed_within_30_days_of_its_milestone_is_recorded(
    milestone: int, observed_on: date
) -> None:
    trajectory = exited()

    trajectory.record_follow_up(
        RecordFollowUp(
            milestone=milestone, observed_on=observed_on, status=ExitStatus.EMPLOYED
        ),
        recorded_by=COACH,
    )

    assert trajectory.follow_ups == {str(milestone): ExitStatus.EMPLOYED}


@pytest.mark.parametrize(
    ("milestone", "observed_on", "window"),
    [
        (6, date(2024, 11, 27), "from 2024-11-28 to 2025-01-27"),
        (6, date(2025, 1, 28), "from 2024-11-28 to 2025-01-27"),
        (12, date(2025, 5, 28), "from 2025-05-29 to 2025-07-28"),
        (12, date(2025, 7, 29), "from 2025-05-29 to 2025-07-28"),
    ],
)
def test_a_follow_up_observed_outside_30_days_of_its_milestone_is_refused(
    milestone: int, observed_on: date, window: str
) -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(ObservationOutsideWindow) as refused:
        trajectory.record_follow_up(
            RecordFollowUp(
                milestone=milestone, observed_on=observed_on, status=ExitStatus.EMPLOYED
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "observation_outside_window"
    assert f"{milestone}-month follow-up observed on {observed_on}" in (
        refused.value.message
    )
    assert window in refused.value.message
    assert trajectory.follow_ups == {}
    assert trajectory.collect_events() == []


def test_a_follow_up_due_on_a_missing_day_falls_due_on_the_months_last_day() -> None:
    trajectory = taken_in()
    trajectory.complete(
        Complete(on=date(2024, 8, 31), destination=Destination.EMPLOYED),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(ObservationOutsideWindow) as refused:
        trajectory.record_follow_up(
            RecordFollowUp(
                milestone=6, observed_on=date(2025, 3, 31), status=ExitStatus.EMPLOYED
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "observation_outside_window"
    assert "from 2025-01-29 to 2025-03-30" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_follow_up_at_an_unknown_milestone_is_refused() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(UnknownMilestone) as refused:
        trajectory.record_follow_up(
            RecordFollowUp(
                milestone=3, observed_on=date(2024, 9, 30), status=ExitStatus.EMPLOYED
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "unknown_milestone"
    assert "milestone 3 " in refused.value.message
    assert trajectory.collect_events() == []


def test_a_follow_up_before_the_exit_is_refused() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(ExitRequired) as refused:
        trajectory.record_follow_up(
            RecordFollowUp(
                milestone=6, observed_on=date(2024, 8, 15), status=ExitStatus.EMPLOYED
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "exit_required"
    assert "6-month follow-up" in refused.value.message
    assert trajectory.collect_events() == []


def test_each_milestone_has_its_own_follow_up() -> None:
    trajectory = exited()
    trajectory.record_follow_up(
        RecordFollowUp(
            milestone=6, observed_on=date(2024, 12, 20), status=ExitStatus.EMPLOYED
        ),
        recorded_by=COACH,
    )

    trajectory.record_follow_up(
        RecordFollowUp(
            milestone=12, observed_on=date(2025, 6, 30), status=ExitStatus.SELF_EMPLOYED
        ),
        recorded_by=COACH,
    )

    assert trajectory.follow_ups == {
        "6": ExitStatus.EMPLOYED,
        "12": ExitStatus.SELF_EMPLOYED,
    }


def test_a_follow_up_is_recorded_once_per_milestone() -> None:
    trajectory = exited()
    trajectory.record_follow_up(
        RecordFollowUp(
            milestone=6, observed_on=date(2024, 12, 20), status=ExitStatus.EMPLOYED
        ),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(FollowUpAlreadyRecorded) as refused:
        trajectory.record_follow_up(
            RecordFollowUp(
                milestone=6, observed_on=date(2025, 1, 3), status=ExitStatus.INACTIVE
            ),
            recorded_by=COACH,
        )

    assert refused.value.code == "follow_up_already_recorded"
    assert "6-month" in refused.value.message
    assert trajectory.follow_ups == {"6": ExitStatus.EMPLOYED}
    assert trajectory.collect_events() == []


# Reopening ----------------------------------------------------------------------------


@pytest.mark.parametrize("on", [date(2024, 6, 28), date(2024, 9, 26)])
def test_an_exit_can_be_reopened_within_90_days(on: date) -> None:
    trajectory = exited()

    trajectory.reopen(
        Reopen(on=on, reason="lost the job in the trial period"), recorded_by=COACH
    )

    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.exit_on is None
    assert trajectory.reopenings == 1
    assert trajectory.intake_on == INTAKE_ON


def test_a_reopened_trajectory_is_the_same_participation_and_can_exit_again() -> None:
    trajectory = exited()
    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 7, 1), status=ExitStatus.EMPLOYED),
        recorded_by=COACH,
    )
    trajectory.reopen(
        Reopen(on=date(2024, 8, 1), reason="lost the job"), recorded_by=COACH
    )
    hold_session(trajectory, on=date(2024, 8, 5))

    trajectory.drop_out(
        DropOut(on=date(2024, 9, 2), reason=DropoutReason.LOST_CONTACT),
        recorded_by=COACH,
    )
    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 9, 9), status=ExitStatus.UNKNOWN),
        recorded_by=COACH,
    )

    assert trajectory.stage is Stage.DROPPED_OUT
    assert trajectory.exit_on == date(2024, 9, 2)
    assert trajectory.exit_result is ExitStatus.UNKNOWN
    assert trajectory.placement(PLACEMENT_ID).started_on == PLACEMENT_ON


def test_reopening_more_than_90_days_after_the_exit_is_refused() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(ReopenWindowPassed) as refused:
        trajectory.reopen(
            Reopen(on=date(2024, 9, 27), reason="came back"), recorded_by=COACH
        )

    assert refused.value.code == "reopen_window_passed"
    assert "2024-09-27" in refused.value.message
    assert "2024-06-28" in refused.value.message
    assert trajectory.stage is Stage.COMPLETED
    assert trajectory.collect_events() == []


def test_reopening_dated_before_the_exit_is_refused() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(DateBeforeExit) as refused:
        trajectory.reopen(
            Reopen(on=date(2024, 6, 27), reason="came back"), recorded_by=COACH
        )

    assert refused.value.code == "date_before_exit"
    assert "2024-06-27" in refused.value.message
    assert "2024-06-28" in refused.value.message
    assert trajectory.collect_events() == []


def test_reopening_dated_before_an_exit_result_already_recorded_is_refused() -> None:
    trajectory = exited()
    trajectory.record_exit_result(
        RecordExitResult(observed_on=date(2024, 7, 10), status=ExitStatus.EMPLOYED),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(DateBeforeLastEvent) as refused:
        trajectory.reopen(
            Reopen(on=date(2024, 7, 1), reason="came back"), recorded_by=COACH
        )

    assert refused.value.code == "date_before_last_event"
    assert "2024-07-01" in refused.value.message
    assert "2024-07-10" in refused.value.message
    assert trajectory.exit_result is ExitStatus.EMPLOYED
    assert trajectory.collect_events() == []


def test_correcting_the_entry_barriers_corrects_the_open_barriers_too() -> None:
    trajectory = taken_in()
    trajectory.identify_barrier(
        IdentifyBarrier(on=SESSION_ON, barrier=Barrier.DIGITAL), recorded_by=COACH
    )

    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON,
            field=ProfileField.BARRIERS,
            value=[Barrier.HOUSING, Barrier.DEBT_INCOME],
            reason="mobility was noted for the wrong participant",
        ),
        recorded_by=COACH,
    )

    assert trajectory.entry_barriers == [Barrier.HOUSING, Barrier.DEBT_INCOME]
    assert trajectory.open_barriers == [
        Barrier.HOUSING,
        Barrier.DIGITAL,
        Barrier.DEBT_INCOME,
    ]


def test_an_open_trajectory_cannot_be_reopened() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(ExitRequired) as refused:
        trajectory.reopen(Reopen(on=SESSION_ON, reason="came back"), recorded_by=COACH)

    assert refused.value.code == "exit_required"
    assert "reopening" in refused.value.message
    assert "active" in refused.value.message
    assert trajectory.collect_events() == []


def test_reopening_needs_a_reason() -> None:
    trajectory = exited()
    trajectory.collect_events()

    with pytest.raises(ReasonRequired) as refused:
        trajectory.reopen(Reopen(on=date(2024, 7, 1), reason=" "), recorded_by=COACH)

    assert refused.value.code == "reason_required"
    assert "reopening" in refused.value.message
    assert trajectory.collect_events() == []


# Retraction ---------------------------------------------------------------------------


def test_a_retracted_session_leaves_the_state_as_if_it_never_happened() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 20), minutes=90)

    trajectory.retract_entry(
        RetractEntry(on=date(2024, 3, 21), version=3, reason="wrong dossier"),
        recorded_by=COACH,
    )

    assert trajectory.sessions_held == 0
    assert trajectory.session_minutes == 0
    assert trajectory.last_contact_on == INTAKE_ON
    assert trajectory.last_on == INTAKE_ON
    assert trajectory.retracted == {"3": 4}


def test_a_retracted_entry_stays_in_the_history_beside_its_retraction() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 20))

    trajectory.retract_entry(
        RetractEntry(on=date(2024, 3, 21), version=3, reason="wrong dossier"),
        recorded_by=COACH,
    )

    history = trajectory.collect_events()
    assert names_of(history) == [
        "ReferralReceived",
        "IntakeCompleted",
        "SessionHeld",
        "EntryRetracted",
    ]
    assert vars(history[3])["version"] == 3
    assert vars(history[3])["reason"] == "wrong dossier"
    rebuilt = rebuilt_from(history)
    assert rebuilt.sessions_held == 0
    assert vars(rebuilt) == vars(trajectory)


def test_after_a_retracted_session_a_later_exit_may_predate_it() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 5, 20))
    trajectory.retract_entry(
        RetractEntry(on=date(2024, 5, 21), version=3, reason="wrong date"),
        recorded_by=COACH,
    )

    trajectory.complete(
        Complete(on=date(2024, 5, 1), destination=Destination.VOLUNTEERING),
        recorded_by=COACH,
    )

    assert trajectory.exit_on == date(2024, 5, 1)


def test_a_retracted_session_frees_its_place_under_the_cap() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 4), session_cap=1)
    trajectory.retract_entry(
        RetractEntry(on=date(2024, 3, 5), version=3, reason="double entry"),
        recorded_by=COACH,
    )

    hold_session(trajectory, on=date(2024, 3, 11), session_cap=1)

    assert trajectory.sessions_held == 1


def test_a_retracted_decline_lets_the_intake_follow() -> None:
    trajectory = declined()
    trajectory.retract_entry(
        RetractEntry(on=INTAKE_ON, version=2, reason="declined the wrong referral"),
        recorded_by=COACH,
    )

    take_in(trajectory, on=date(2024, 2, 20))

    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.decline_reason is None


def test_a_retracted_completion_leaves_the_trajectory_open() -> None:
    trajectory = exited()

    trajectory.retract_entry(
        RetractEntry(on=date(2024, 7, 1), version=4, reason="completed too early"),
        recorded_by=COACH,
    )

    assert trajectory.stage is Stage.ACTIVE
    assert trajectory.exit_on is None
    assert trajectory.current_placements != []


def test_a_retracted_correction_restores_the_intake_value() -> None:
    trajectory = taken_in(postcode="9000")
    trajectory.correct_entry_profile(
        CorrectEntryProfile(
            on=SESSION_ON, field=ProfileField.POSTCODE, value="9050", reason="moved"
        ),
        recorded_by=COACH,
    )

    trajectory.retract_entry(
        RetractEntry(on=SESSION_ON, version=3, reason="had not moved"),
        recorded_by=COACH,
    )

    assert trajectory.postcode == "9000"


def test_a_retracted_assessment_leaves_the_previous_latest_rung() -> None:
    trajectory = taken_in(rung=2)
    trajectory.assess_ladder(AssessLadder(on=SESSION_ON, rung=3), recorded_by=COACH)
    trajectory.assess_ladder(
        AssessLadder(on=date(2024, 5, 6), rung=5), recorded_by=COACH
    )

    trajectory.retract_entry(
        RetractEntry(on=date(2024, 5, 7), version=4, reason="other participant"),
        recorded_by=COACH,
    )

    assert trajectory.latest_rung == 3


@pytest.mark.parametrize(
    ("given_then", "version", "later", "why"),
    [
        pytest.param(
            lambda t: t.end_placement(
                EndPlacement(
                    placement_id=PLACEMENT_ID,
                    on=date(2024, 5, 31),
                    reason=PlacementEndReason.CONTRACT_ENDED,
                ),
                recorded_by=COACH,
            ),
            3,
            4,
            "was never started",
            id="placement start before its end",
        ),
        pytest.param(
            lambda t: hold_session(t, on=date(2024, 5, 6)),
            2,
            3,
            "a placement needs a completed intake first",
            id="intake before a placement",
        ),
        pytest.param(
            lambda t: (
                t.complete(
                    Complete(on=EXIT_ON, destination=Destination.OTHER),
                    recorded_by=COACH,
                ),
                t.record_exit_result(
                    RecordExitResult(
                        observed_on=date(2024, 7, 1), status=ExitStatus.EMPLOYED
                    ),
                    recorded_by=COACH,
                ),
            ),
            4,
            5,
            "needs an exit first",
            id="completion before its exit result",
        ),
    ],
)
def test_a_retraction_that_would_break_a_later_event_is_refused(
    given_then: Callable[[Trajectory], Any], version: int, later: int, why: str
) -> None:
    trajectory = placed()
    given_then(trajectory)
    trajectory.collect_events()
    before = vars(trajectory).copy()

    with pytest.raises(RetractionBreaksHistory) as refused:
        trajectory.retract_entry(
            RetractEntry(on=date(2024, 7, 2), version=version, reason="error"),
            recorded_by=COACH,
        )

    assert refused.value.code == "retraction_breaks_history"
    assert f"retracting version {version} " in refused.value.message
    assert f"version {later} invalid" in refused.value.message
    assert why in refused.value.message
    assert vars(trajectory) == before
    assert trajectory.collect_events() == []


def test_the_referral_cannot_be_retracted() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(EntryNotRetractable) as refused:
        trajectory.retract_entry(
            RetractEntry(on=SESSION_ON, version=1, reason="duplicate"),
            recorded_by=COACH,
        )

    assert refused.value.code == "entry_not_retractable"
    assert "version 1 " in refused.value.message
    assert "referral" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_retraction_cannot_be_retracted() -> None:
    trajectory = taken_in()
    hold_session(trajectory)
    trajectory.retract_entry(
        RetractEntry(on=SESSION_ON, version=3, reason="typo"), recorded_by=COACH
    )
    trajectory.collect_events()

    with pytest.raises(EntryNotRetractable) as refused:
        trajectory.retract_entry(
            RetractEntry(on=SESSION_ON, version=4, reason="undo"), recorded_by=COACH
        )

    assert refused.value.code == "entry_not_retractable"
    assert "version 4 " in refused.value.message
    assert "itself a retraction" in refused.value.message
    assert trajectory.sessions_held == 0
    assert trajectory.collect_events() == []


def test_an_entry_already_retracted_cannot_be_retracted_again() -> None:
    trajectory = taken_in()
    hold_session(trajectory)
    trajectory.retract_entry(
        RetractEntry(on=SESSION_ON, version=3, reason="typo"), recorded_by=COACH
    )
    trajectory.collect_events()

    with pytest.raises(EntryNotRetractable) as refused:
        trajectory.retract_entry(
            RetractEntry(on=SESSION_ON, version=3, reason="again"), recorded_by=COACH
        )

    assert refused.value.code == "entry_not_retractable"
    assert "version 3 " in refused.value.message
    assert "version 4 already retracted it" in refused.value.message
    assert trajectory.collect_events() == []


@pytest.mark.parametrize("version", [0, 3])
def test_a_version_that_does_not_exist_cannot_be_retracted(version: int) -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(UnknownVersion) as refused:
        trajectory.retract_entry(
            RetractEntry(on=SESSION_ON, version=version, reason="typo"),
            recorded_by=COACH,
        )

    assert refused.value.code == "unknown_version"
    assert f"version {version} does not exist" in refused.value.message
    assert "the last is 2" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_retraction_needs_a_reason() -> None:
    trajectory = taken_in()
    hold_session(trajectory)
    trajectory.collect_events()

    with pytest.raises(ReasonRequired) as refused:
        trajectory.retract_entry(
            RetractEntry(on=SESSION_ON, version=3, reason=""), recorded_by=COACH
        )

    assert refused.value.code == "reason_required"
    assert "retraction" in refused.value.message
    assert trajectory.sessions_held == 1
    assert trajectory.collect_events() == []


# Rules on the business date, also for events entered late -------------------------


def test_a_barrier_cannot_be_resolved_before_it_was_identified() -> None:
    trajectory = taken_in()
    trajectory.identify_barrier(
        IdentifyBarrier(on=date(2024, 3, 10), barrier=Barrier.DIGITAL),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(ResolutionBeforeIdentification) as refused:
        trajectory.resolve_barrier(
            ResolveBarrier(on=date(2024, 3, 5), barrier=Barrier.DIGITAL),
            recorded_by=COACH,
        )

    assert refused.value.code == "resolution_before_identification"
    assert "2024-03-05" in refused.value.message
    assert "2024-03-10" in refused.value.message
    assert trajectory.collect_events() == []


def test_a_barrier_is_resolved_on_or_after_its_identification() -> None:
    trajectory = taken_in()
    trajectory.identify_barrier(
        IdentifyBarrier(on=date(2024, 3, 10), barrier=Barrier.DIGITAL),
        recorded_by=COACH,
    )

    trajectory.resolve_barrier(
        ResolveBarrier(on=date(2024, 3, 10), barrier=Barrier.DIGITAL), recorded_by=COACH
    )

    assert Barrier.DIGITAL not in trajectory.open_barriers


def test_a_session_entered_late_inside_a_past_suspension_is_refused() -> None:
    trajectory = suspended()
    trajectory.resume(
        Resume(on=date(2024, 4, 1), reason=SuspensionReason.HOSPITALISATION),
        recorded_by=COACH,
    )
    trajectory.collect_events()

    with pytest.raises(TrajectorySuspended) as refused:
        hold_session(trajectory, on=date(2024, 3, 25))

    assert refused.value.code == "trajectory_suspended"
    assert str(SUSPENSION_ON) in refused.value.message
    assert trajectory.collect_events() == []


def test_a_session_entered_late_before_the_suspension_is_accepted() -> None:
    trajectory = suspended()

    hold_session(trajectory, on=date(2024, 3, 4))

    assert trajectory.sessions_held == 1


def test_a_suspension_dated_before_the_last_recorded_event_is_refused() -> None:
    trajectory = taken_in()
    hold_session(trajectory, on=date(2024, 3, 20))
    trajectory.collect_events()

    with pytest.raises(DateBeforeLastEvent) as refused:
        trajectory.suspend(
            Suspend(on=date(2024, 3, 18), reason=SuspensionReason.CARE),
            recorded_by=COACH,
        )

    assert "2024-03-18" in refused.value.message
    assert "2024-03-20" in refused.value.message
    assert trajectory.collect_events() == []


def test_reordering_the_entry_barriers_is_no_correction() -> None:
    trajectory = taken_in()
    trajectory.collect_events()

    with pytest.raises(CorrectionChangesNothing):
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=SESSION_ON,
                field=ProfileField.BARRIERS,
                value=list(reversed(INTAKE_BARRIERS)),
                reason="order",
            ),
            recorded_by=COACH,
        )


def test_session_notes_stay_out_of_the_journal_and_so_out_of_snapshots() -> None:
    trajectory = taken_in()

    hold_session(trajectory, note="spoke about her debts with her mother")

    snapshot = Trajectory.Snapshot.take(trajectory)
    assert "debts" not in repr(snapshot.state)
    assert trajectory.journal[-1]["type"] == "SessionHeld"


def test_a_retraction_still_works_with_notes_left_out_of_the_journal() -> None:
    trajectory = taken_in()
    hold_session(trajectory, note="first")
    hold_session(trajectory, on=date(2024, 3, 5), note="second")

    trajectory.retract_entry(
        RetractEntry(on=date(2024, 3, 6), version=3, reason="wrong person"),
        recorded_by=COACH,
    )

    assert trajectory.sessions_held == 1
    assert trajectory.last_contact_on == date(2024, 3, 5)


def test_a_barrier_correction_leaves_an_identified_barrier_open() -> None:
    trajectory = taken_in(barriers=[])
    trajectory.identify_barrier(
        IdentifyBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )

    for barriers in ([Barrier.HOUSING], []):
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=SESSION_ON,
                field=ProfileField.BARRIERS,
                value=barriers,
                reason="typo",
            ),
            recorded_by=COACH,
        )

    assert trajectory.open_barriers == [Barrier.HOUSING]


def test_a_barrier_correction_does_not_reopen_a_resolved_barrier() -> None:
    trajectory = taken_in(barriers=[Barrier.HOUSING])
    trajectory.resolve_barrier(
        ResolveBarrier(on=SESSION_ON, barrier=Barrier.HOUSING), recorded_by=COACH
    )

    for barriers in ([Barrier.MOBILITY], [Barrier.HOUSING]):
        trajectory.correct_entry_profile(
            CorrectEntryProfile(
                on=SESSION_ON,
                field=ProfileField.BARRIERS,
                value=barriers,
                reason="typo",
            ),
            recorded_by=COACH,
        )

    assert trajectory.open_barriers == []
