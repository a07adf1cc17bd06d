"""A refused command (a ``DomainError``) in the words of the page's language.

The Dutch sentences are in ``locale/nl/LC_MESSAGES/refusals.po``: a msgid for each
error's English ``template``, for each phrase the aggregates pass as ``what`` or ``why``
("an intake", "reopening") and for each free-form message.
"""

from collections.abc import Callable

from domain.errors import DomainError


def refusal_words(
    error: DomainError, translate: Callable[[str], str], show: Callable[[object], str]
) -> str:
    """The error in the page's language: the template translated, each value shown by
    `show` (dates, enums), the `what` phrases translated."""

    def shown(name: str, value: object) -> str:
        if isinstance(value, DomainError):
            return refusal_words(value, translate, show)
        if name in error.PHRASES and isinstance(value, str):
            return translate(value)
        if isinstance(value, list | tuple):
            return ", ".join(show(item) for item in value)
        return show(value)

    return error.words(translate(error.template), shown)


# The field of a form each refusal is about (the first of these the form has), by
# the error's name: the page marks it and links to it from the refusal. A refusal of
# the trajectory's state (not open, suspended) is about no field.
DATES = ("on", "observed_on")
FIELDS: dict[str, tuple[str, ...]] = {
    "DateInFuture": DATES,
    "DateBeforeReferral": DATES,
    "DateBeforeIntake": DATES,
    "DateBeforeLastEvent": DATES,
    "DateBeforeExit": DATES,
    "ResumptionBeforeSuspension": DATES,
    "ResolutionBeforeIdentification": DATES,
    "PlacementEndBeforeStart": DATES,
    "ObservationOutsideWindow": DATES,
    "ReopenWindowPassed": DATES,
    "ProgrammeNotRunning": DATES,
    "ProgrammeNotStarted": DATES,
    "ProgrammeEndsBeforeStart": ("ends_on",),
    "RungOutOfRange": ("rung",),
    "InvalidPostcode": ("postcode",),
    "PostcodeNotText": ("postcode",),
    "SessionMinutesOutOfRange": ("minutes",),
    "HoursOutOfRange": ("hours_per_week",),
    "EmployerRequired": ("employer",),
    "ReasonRequired": ("reason",),
    "DropoutReasonRequired": ("reason",),
    "CoachAlreadyAssigned": ("coach_id",),
    "CoachOfAnotherOrganisation": ("coach_id",),
    "CoachHasLeft": ("coach_id",),
    "PlacementIdInUse": ("placement_id",),
    "UnknownPlacement": ("placement_id",),
    "PlacementAlreadyEnded": ("placement_id",),
    "UnknownMilestone": ("milestone",),
    "FollowUpAlreadyRecorded": ("milestone",),
    "BarrierAlreadyOpen": ("barrier",),
    "BarrierNotOpen": ("barrier",),
    "UnknownVersion": ("version",),
    "EntryNotRetractable": ("version",),
    "EntryAlreadyRetracted": ("version",),
    "RetractionBreaksHistory": ("version",),
    "CorrectionChangesNothing": ("value",),
    "GroupTooSmall": ("trajectory_ids",),
    "GroupTooLarge": ("trajectory_ids",),
    "ParticipantTwiceInGroup": ("trajectory_ids",),
    "GroupMemberRefused": ("trajectory_ids",),
    "AgeNotEligible": ("programme", "birth_date"),
    "OrganisationNotInProgramme": ("programme",),
    "OpenTrajectoryExists": ("programme",),
    "NewerTrajectoryExists": ("programme",),
    "NegativeBudget": ("budget",),
    "AgeRangeInvalid": ("min_age", "max_age"),
    "SessionCapBelowOne": ("session_cap",),
    "BirthDateInFuture": ("birth_date",),
    "NationalNumberRegistered": ("national_register_number",),
    "InvalidNationalNumber": ("national_register_number",),
}


def pointed(error: DomainError, words: str) -> dict[str, str]:
    """The refusal's words by each field it may be about: the page marks the one its
    form has (``aria-invalid``, described by the words) and links to it."""
    for kind in type(error).__mro__:
        if kind.__name__ in FIELDS:
            return dict.fromkeys(FIELDS[kind.__name__], words)
    return {}
