"""Every domain error keeps its raw values and fills its English template with them.

``EXAMPLES`` holds one refusal of every DomainError class in domain/ and application/,
with the English message it must read (the messages the API has always given).
"""

import importlib
import inspect
import pickle
import pkgutil
import types
import typing
from datetime import date
from decimal import Decimal
from string import Formatter
from typing import Any
from uuid import UUID

import pytest

import application
import domain
from application.errors import CoachAlreadyRegistered
from application.errors import CoachNotFound
from application.errors import GroupSessionNotFound
from application.errors import IdempotencyKeyReused
from application.errors import InvalidToken
from application.errors import NotYetReferred
from application.errors import ParticipantNotFound
from application.errors import ProgrammeAlreadyRegistered
from application.errors import ProgrammeNotFound
from application.errors import TokenNotFound
from application.errors import TrajectoryNotFound
from application.errors import VersionNotFound
from application.errors import VersionsOutOfOrder
from application.imports import DiffersFromStored
from application.imports import ImportNotFound
from application.projections.outcomes.queries import AsOfBeforeProgrammes
from application.projections.outcomes.queries import MonthNotEnded
from application.projections.outcomes.queries import NotAMonthEnd
from application.reports.esf import InvalidPeriod
from application.reports.esf import PeriodNotStarted
from application.reports.esf import PeriodNotWhole
from application.views import UnknownView
from domain.errors import AgeNotEligible
from domain.errors import AgeRangeInvalid
from domain.errors import AlreadyRegistered
from domain.errors import AlreadySuspended
from domain.errors import BarrierAlreadyOpen
from domain.errors import BarrierNotOpen
from domain.errors import BirthDateInFuture
from domain.errors import CoachAlreadyAssigned
from domain.errors import CoachAlreadyLeft
from domain.errors import CoachHasLeft
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
from domain.errors import EntryAlreadyRetracted
from domain.errors import EntryNotRetractable
from domain.errors import ExitRequired
from domain.errors import ExitResultAlreadyRecorded
from domain.errors import FollowUpAlreadyRecorded
from domain.errors import GroupMemberRefused
from domain.errors import GroupSessionNotInGroup
from domain.errors import GroupTooLarge
from domain.errors import GroupTooSmall
from domain.errors import HoursOutOfRange
from domain.errors import IntakeAlreadyCompleted
from domain.errors import IntakeRequired
from domain.errors import InvalidNationalNumber
from domain.errors import InvalidPostcode
from domain.errors import InvalidProfileValue
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.errors import NationalNumberRegistered
from domain.errors import NegativeBudget
from domain.errors import NewerTrajectoryExists
from domain.errors import NotAChoice
from domain.errors import NotFound
from domain.errors import NotSuspended
from domain.errors import ObservationOutsideWindow
from domain.errors import OpenTrajectoryExists
from domain.errors import OrganisationNotInProgramme
from domain.errors import ParticipantErasedError
from domain.errors import ParticipantTwiceInGroup
from domain.errors import PeriodChangeChangesNothing
from domain.errors import PlacementAlreadyEnded
from domain.errors import PlacementEndBeforeStart
from domain.errors import PlacementIdInUse
from domain.errors import PostcodeNotText
from domain.errors import ProgrammeEndsBeforeStart
from domain.errors import ProgrammeNotRunning
from domain.errors import ProgrammeNotStarted
from domain.errors import ReasonRequired
from domain.errors import ReopenWindowPassed
from domain.errors import ResolutionBeforeIdentification
from domain.errors import ResumptionBeforeSuspension
from domain.errors import RetractionBreaksHistory
from domain.errors import RungOutOfRange
from domain.errors import SessionCapBelowOne
from domain.errors import SessionCapReached
from domain.errors import SessionMinutesOutOfRange
from domain.errors import StageNotOnCaseload
from domain.errors import TrajectoryNotOpen
from domain.errors import TrajectorySuspended
from domain.errors import UnknownFields
from domain.errors import UnknownMilestone
from domain.errors import UnknownPlacement
from domain.errors import UnknownVersion
from domain.vocabulary import Barrier
from domain.vocabulary import ProfileField
from domain.vocabulary import SessionMode
from domain.vocabulary import Stage

ID = UUID("3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10")
PLACEMENT = "placement 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10"
TRAJECTORY = "trajectory 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10"
OPEN_TRAJECTORY = "trajectory 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10"
JAN_29, FEB_1, FEB_10, FEB_12 = (
    date(2024, 1, 29),
    date(2024, 2, 1),
    date(2024, 2, 10),
    date(2024, 2, 12),
)

EXAMPLES: list[tuple[DomainError, str]] = [
    # domain/errors.py
    (DomainError("no placement to end"), "no placement to end"),
    (NotFound("there is no such page"), "there is no such page"),
    (
        InvalidValue("an intake needs the coach who takes the trajectory"),
        "an intake needs the coach who takes the trajectory",
    ),
    (
        InvalidNationalNumber("a national register number has 11 digits"),
        "a national register number has 11 digits",
    ),
    (
        NotAChoice("stage", "foo", ["referred", "active"]),
        "stage 'foo' is none of referred, active",
    ),
    (
        StageNotOnCaseload("declined", ["referred", "active", "suspended"]),
        "stage 'declined' is not on a caseload: the stages are referred, active, "
        "suspended",
    ),
    (
        DateInFuture("the session", date(2030, 1, 2), date(2024, 6, 1)),
        "the session on 2030-01-02 is in the future (today is 2024-06-01)",
    ),
    (ReasonRequired("reopening"), "reopening needs a reason"),
    # domain/trajectory.py
    (
        DateBeforeReferral("intake", JAN_29, FEB_1),
        "intake on 2024-01-29 is before the referral on 2024-02-01",
    ),
    (
        DateBeforeIntake("a session", FEB_10, FEB_12),
        "a session on 2024-02-10 is before the intake on 2024-02-12",
    ),
    (IntakeAlreadyCompleted(FEB_12), "the intake was already completed on 2024-02-12"),
    (IntakeRequired("a session"), "a session needs a completed intake first"),
    (
        DeclineAfterIntake(FEB_12),
        "a referral can only be declined before intake; "
        "the intake was completed on 2024-02-12",
    ),
    (
        TrajectoryNotOpen("a session", Stage.DROPPED_OUT),
        "cannot record a session: the trajectory is dropped out",
    ),
    (
        TrajectorySuspended("a session", date(2024, 3, 1)),
        "cannot record a session: the trajectory is suspended since 2024-03-01",
    ),
    (
        AlreadySuspended(date(2024, 3, 1)),
        "the trajectory is already suspended since 2024-03-01",
    ),
    (NotSuspended(), "the trajectory is not suspended, so it cannot be resumed"),
    (
        CoachAlreadyAssigned("Ann Peeters"),
        "Ann Peeters is already the trajectory's coach",
    ),
    (
        CoachOfAnotherOrganisation("Ann Peeters", "Groep Intro", "Werkburo"),
        "Ann Peeters is a coach of Groep Intro, not of Werkburo, which runs the "
        "trajectory",
    ),
    (
        CoachHasLeft("Ann Peeters", date(2025, 8, 31)),
        "Ann Peeters left the organisation on 2025-08-31",
    ),
    (
        CoachAlreadyLeft("Ann Peeters", date(2025, 8, 31)),
        "Ann Peeters already left the organisation on 2025-08-31",
    ),
    (GroupTooSmall(1), "a group session is held with at least 2 participants, not 1"),
    (
        GroupTooLarge(61, 60),
        "a group session is held with at most 60 participants, not 61",
    ),
    (ParticipantTwiceInGroup(ID), f"trajectory {ID} is in the group twice"),
    (
        GroupSessionNotInGroup(SessionMode.INDIVIDUAL),
        "a group session is held in a group, not in individual mode",
    ),
    (
        GroupMemberRefused(2, ID, NotSuspended()),
        f"participant 2 of the group (trajectory {ID}): the trajectory is not "
        "suspended, so it cannot be resumed",
    ),
    (RungOutOfRange(7), "ladder rung 7 is not between 1 and 6"),
    (
        InvalidPostcode("99999"),
        "postcode '99999' is not a Belgian postcode (1000-9999)",
    ),
    (PostcodeNotText(), 'a postcode is text of 4 digits, such as "9300"'),
    (
        InvalidProfileValue(
            ProfileField.BARRIERS, ["housing", "luck"], "luck", "Barrier"
        ),
        "['housing', 'luck'] is not a valid barriers: 'luck' is not a valid Barrier",
    ),
    (
        BarrierAlreadyOpen(Barrier.MENTAL_HEALTH),
        "barrier mental_health is already identified and open",
    ),
    (
        BarrierNotOpen(Barrier.HOUSING),
        "barrier housing cannot be resolved: it is not identified and open",
    ),
    (
        ResolutionBeforeIdentification(
            Barrier.DEBT_INCOME, date(2024, 3, 1), date(2024, 3, 5)
        ),
        "resolving barrier debt_income on 2024-03-01 is before it was identified "
        "on 2024-03-05",
    ),
    (
        SessionMinutesOutOfRange(1500),
        "a session of 1500 minutes is not between 1 and 1440",
    ),
    (
        SessionCapReached(2024, 20),
        "the programme allows 20 sessions per participant per year "
        "and 2024 already has 20",
    ),
    (PlacementIdInUse(ID), f"{PLACEMENT} was already started"),
    (UnknownPlacement(ID), f"{PLACEMENT} was never started"),
    (
        PlacementAlreadyEnded(ID, date(2024, 5, 31)),
        f"{PLACEMENT} already ended on 2024-05-31",
    ),
    (
        PlacementEndBeforeStart(date(2024, 4, 1), date(2024, 4, 15)),
        "placement end on 2024-04-01 is before the placement start on 2024-04-15",
    ),
    (HoursOutOfRange(61.5), "61.5 hours per week is not more than 0 and at most 60"),
    (EmployerRequired(), "a placement needs the name of its employer or host"),
    (
        DateBeforeLastEvent("completion", date(2024, 5, 1), date(2024, 5, 3)),
        "completion on 2024-05-01 is before the last recorded event on 2024-05-03",
    ),
    (
        ResumptionBeforeSuspension(date(2024, 3, 1), date(2024, 3, 4)),
        "resumption on 2024-03-01 is before the suspension on 2024-03-04",
    ),
    (DropoutReasonRequired(), "a dropout needs a reason"),
    (
        ExitRequired("an exit result", Stage.ACTIVE),
        "an exit result needs an exit first; the trajectory is active",
    ),
    (
        ExitResultAlreadyRecorded(date(2024, 6, 3)),
        "the exit result was already recorded, observed on 2024-06-03",
    ),
    (
        ObservationOutsideWindow(
            "the 6-month follow-up",
            date(2025, 1, 15),
            date(2024, 11, 1),
            date(2024, 12, 31),
        ),
        "the 6-month follow-up observed on 2025-01-15 is outside its window "
        "from 2024-11-01 to 2024-12-31",
    ),
    (UnknownMilestone(9), "follow-up milestone 9 is not 6 or 12 months"),
    (FollowUpAlreadyRecorded(6), "the 6-month follow-up was already recorded"),
    (
        ReopenWindowPassed(date(2024, 9, 15), date(2024, 6, 1)),
        "reopening on 2024-09-15 is more than 90 days after the exit on 2024-06-01",
    ),
    (
        DateBeforeExit("reopening", date(2024, 5, 30), date(2024, 6, 1)),
        "reopening on 2024-05-30 is before the exit on 2024-06-01",
    ),
    (
        CorrectionChangesNothing(ProfileField.POSTCODE),
        "the entry profile's postcode already has that value",
    ),
    (UnknownVersion(12, 9), "version 12 does not exist; the last is 9"),
    (
        EntryNotRetractable(3, "it is itself a retraction"),
        "version 3 cannot be retracted: it is itself a retraction",
    ),
    (
        EntryAlreadyRetracted(3, 4),
        "version 3 cannot be retracted: version 4 already retracted it",
    ),
    (
        RetractionBreaksHistory(4, 5, DateBeforeIntake("the session", FEB_10, FEB_12)),
        "retracting version 4 would leave version 5 invalid: "
        "the session on 2024-02-10 is before the intake on 2024-02-12",
    ),
    # domain/participant.py
    (ParticipantErasedError(), "the participant's personal data was erased"),
    (
        BirthDateInFuture(date(2024, 6, 1)),
        "the birth date is after today (2024-06-01)",
    ),
    (
        UnknownFields(["nickname", "shoe_size"]),
        "unknown participant fields: nickname, shoe_size",
    ),
    (
        AlreadyRegistered([ID]),
        f"the participant is registered already: {ID}",
    ),
    (
        NationalNumberRegistered([ID]),
        f"a participant with this national register number is registered already: {ID}",
    ),
    (
        LikelyDuplicate([ID, ID]),
        "a participant with the same name and birth date is registered already: "
        f"{ID}, {ID}; if this is another person, confirm it (confirmed_new_person)",
    ),
    # domain/programme.py
    (
        ProgrammeNotRunning(
            "SW", date(2023, 12, 1), date(2024, 1, 1), date(2026, 12, 31)
        ),
        "programme SW runs from 2024-01-01 to 2026-12-31, not on 2023-12-01",
    ),
    (
        ProgrammeNotStarted("SW", date(2023, 12, 1), date(2024, 1, 1)),
        "programme SW runs from 2024-01-01, not on 2023-12-01",
    ),
    (
        PeriodChangeChangesNothing(),
        "the change leaves the programme's end and budget as they were",
    ),
    (
        AgeNotEligible("SW", 31, 18, 29),
        "programme SW takes participants aged 18 to 29; "
        "this participant is 31 on the referral date",
    ),
    (
        OrganisationNotInProgramme("SW", "Arktos"),
        "Arktos is not an organisation of programme SW",
    ),
    (
        ProgrammeEndsBeforeStart(date(2024, 1, 1), date(2023, 12, 31)),
        "programme end on 2023-12-31 is before its start on 2024-01-01",
    ),
    (NegativeBudget(Decimal("-100.00")), "budget -100.00 is negative"),
    (
        AgeRangeInvalid(30, 18),
        "age range 30 to 18 is not a range between 0 and 120",
    ),
    (SessionCapBelowOne(0), "session cap 0 is not at least 1"),
    # domain/enrolment.py
    (
        OpenTrajectoryExists("SW", ID),
        f"the participant already has an open {OPEN_TRAJECTORY} in programme SW",
    ),
    (
        NewerTrajectoryExists("SW", ID),
        f"the participant has a newer {TRAJECTORY} in programme SW; "
        "reopen that one instead",
    ),
    # application/
    (TrajectoryNotFound(ID), f"{TRAJECTORY} does not exist"),
    (
        ParticipantNotFound(ID),
        "participant 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 does not exist",
    ),
    (ProgrammeNotFound("SW"), "programme SW does not exist"),
    (VersionNotFound(ID, 12, 9), f"{TRAJECTORY} has no version 12; the last is 9"),
    (
        VersionsOutOfOrder(5, 3),
        "from_version 5 is after to_version 3: "
        "a diff runs from a version to the same or a later one",
    ),
    (
        NotYetReferred(ID, date(2024, 1, 15), FEB_1),
        f"{TRAJECTORY} did not exist on 2024-01-15: it was referred on 2024-02-01",
    ),
    (ProgrammeAlreadyRegistered("SW"), "programme SW is already registered"),
    (
        CoachAlreadyRegistered("Ann Peeters", "Groep Intro"),
        "Ann Peeters is already a coach of Groep Intro",
    ),
    (GroupSessionNotFound(ID), f"group session {ID} does not exist"),
    (
        CoachNotFound(ID),
        "coach 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 is not registered",
    ),
    (
        TokenNotFound(ID),
        "token 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 does not exist",
    ),
    (
        InvalidToken("a token needs a name of 1 to 200 characters"),
        "a token needs a name of 1 to 200 characters",
    ),
    (
        IdempotencyKeyReused("a1b2"),
        "Idempotency-Key 'a1b2' was used before for a different request; "
        "use a new key for a new request",
    ),
    (
        UnknownView("placements"),
        "there is no view 'placements'; the views are caseload, outcomes",
    ),
    (
        InvalidPeriod("2025Q5"),
        "period '2025Q5' is not a year (2025), a quarter (2025Q1) or two dates, "
        "the first not after the second (2025-01-01..2025-06-30)",
    ),
    (
        PeriodNotWhole("2025Q4"),
        "an evaluator's ESF+ report is of a whole year (2025), not of 2025Q4: a "
        "year's report set against those of its quarters or of other dates could "
        "tell one person's entry or exit apart",
    ),
    (
        PeriodNotStarted("2027", date(2027, 1, 1), date(2026, 12, 6)),
        "period 2027 starts on 2027-01-01, after the evaluation date 2026-12-06: "
        "there is nothing to report yet",
    ),
    (
        NotAMonthEnd(date(2026, 11, 15), date(2026, 10, 31)),
        "as_of 2026-11-15 is not the last day of a month: an evaluator's figures "
        "are as of a month's last day, such as 2026-10-31",
    ),
    (
        MonthNotEnded(date(2026, 12, 31), date(2026, 11, 30)),
        "the month of as_of 2026-12-31 has not ended: an evaluator's figures are "
        "as of the last day of a month that has ended, 2026-11-30 at the latest",
    ),
    (
        AsOfBeforeProgrammes(date(1970, 1, 31), date(2020, 1, 1)),
        "as_of 1970-01-31 is before 2020-01-01, when the first programme started: "
        "there are no figures before it",
    ),
    (
        DiffersFromStored(3, "SessionHeld", "LadderAssessed"),
        "the trajectory is stored already, and its event 3 is SessionHeld, not the "
        "row's LadderAssessed",
    ),
    (
        ImportNotFound(UUID("3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10")),
        "import 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 is not one of this server's "
        "last imports",
    ),
]


def error_classes() -> set[type[DomainError]]:
    """Every DomainError class defined in domain/ or application/."""
    for package in (domain, application):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    waiting: list[type[DomainError]] = [DomainError]
    while waiting:
        cls = waiting.pop()
        if cls.__module__.split(".")[0] in ("domain", "application"):
            found.add(cls)
        waiting.extend(cls.__subclasses__())
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def in_english(error: DomainError) -> str:
    """The template filled as the message says it fills it: each value as the class
    shows it in English, a ``{name!r}`` with the raw value."""
    quoted = {
        name
        for _, name, _, conversion in Formatter().parse(error.template)
        if conversion == "r"
    }
    shown = {
        name: value if name in quoted else error.english(value)
        for name, value in error.values.items()
    }
    return error.template.format(**shown)


def parameters(cls: type[DomainError]) -> dict[str, Any]:
    """The named parameters of the class's own ``__init__``, with the type each
    value must have (``**values`` left out)."""
    if "__init__" not in vars(cls):
        return {}
    hints = typing.get_type_hints(cls.__init__)
    named = [
        parameter.name
        for parameter in inspect.signature(cls.__init__).parameters.values()
        if parameter.kind is not parameter.VAR_KEYWORD
    ][1:]
    return {name: runtime_type(hints[name]) for name in named}


def runtime_type(annotation: Any) -> Any:
    """What isinstance can check: ``list[str]`` -> list; a union stays a union."""
    origin = typing.get_origin(annotation)
    if origin is None or origin in (typing.Union, types.UnionType):
        return annotation
    return origin


def by_class(examples: list[tuple[DomainError, str]]) -> list[object]:
    return [pytest.param(e, m, id=type(e).__name__) for e, m in examples]


def test_every_error_class_has_an_example() -> None:
    classes = error_classes()

    covered = {type(error) for error, _ in EXAMPLES}

    assert sorted(c.__name__ for c in classes - covered) == []
    assert len(covered) == len(EXAMPLES)


@pytest.mark.parametrize(("error", "message"), by_class(EXAMPLES))
def test_the_message_is_the_template_filled_with_the_values(
    error: DomainError, message: str
) -> None:
    assert error.message == message
    assert str(error) == message
    assert error.message == in_english(error)


@pytest.mark.parametrize(("error", "message"), by_class(EXAMPLES))
def test_the_template_names_exactly_the_values(
    error: DomainError, message: str
) -> None:
    assert placeholders(error.template) == set(error.values)


@pytest.mark.parametrize(("error", "message"), by_class(EXAMPLES))
def test_every_parameter_is_kept_as_a_raw_value(
    error: DomainError, message: str
) -> None:
    for name, kind in parameters(type(error)).items():
        assert name in error.values
        assert isinstance(error.values[name], kind), (name, kind)


def test_a_date_stays_a_date_and_a_code_an_enum_member() -> None:
    error = TrajectoryNotOpen("a session", Stage.DROPPED_OUT)

    assert error.values == {"what": "a session", "stage": Stage.DROPPED_OUT}
    assert DateBeforeReferral("intake", JAN_29, FEB_1).values == {
        "what": "intake",
        "on": JAN_29,
        "referred_on": FEB_1,
    }


def test_a_free_message_is_its_own_template() -> None:
    error = InvalidValue("disability must be true or false")

    assert type(error).template == "{message}"
    assert error.values == {"message": "disability must be true or false"}
    assert error.args == ("disability must be true or false",)


def test_a_broken_rule_under_a_retraction_keeps_its_own_error() -> None:
    broken = DateBeforeIntake("the session", FEB_10, FEB_12)

    error = RetractionBreaksHistory(4, 5, broken)

    assert error.values["why"] is broken


@pytest.mark.parametrize(
    ("error", "message"), EXAMPLES, ids=[type(e).__name__ for e, _ in EXAMPLES]
)
def test_a_refusal_survives_pickling_as_a_process_pool_hands_it_back(
    error: DomainError, message: str
) -> None:
    again = pickle.loads(pickle.dumps(error))

    assert type(again) is type(error)
    assert (again.code, again.message) == (error.code, message)
    assert again.values.keys() == error.values.keys()
    for name, value in error.values.items():
        if isinstance(value, DomainError):  # a rule's refusal within: alike
            assert (type(again.values[name]), str(again.values[name])) == (
                type(value),
                str(value),
            )
        else:
            assert again.values[name] == value
