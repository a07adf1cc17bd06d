"""The ESF+ common indicators for participants (Regulation (EU) 2021/1057, Annex I):
those the recorded data supports, each with what it is counted from and its SQL over
the outcome facts, and those it cannot support, each with why.

The Annex's kinds: *output* indicators count participants on entering, *immediate
result* indicators on leaving, *longer-term result* indicators six months after
leaving. A *base* line is no Annex indicator: the count the others are among.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.vocabulary import AgeBand
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus

GENDERS = tuple(gender.value for gender in Gender)  # women, men, non-binary, unknown
TOTAL = "total"
COLUMNS = (*GENDERS, TOTAL)

PARTICIPANTS = "participants"
LEAVERS = "leavers"
LEAVERS_DUE = "leavers_due"

OUTPUT = "output"
IMMEDIATE = "immediate result"
LONGER_TERM = "longer-term result"
BASE = "base"  # a count the indicators are counted over, not an Annex indicator


def _codes(*members: Any) -> str:
    return "(" + ", ".join(f"'{member.value}'" for member in members) + ")"


EMPLOYED = _codes(ExitStatus.EMPLOYED, ExitStatus.SELF_EMPLOYED)
UNKNOWN_STATUS = f"IS NULL OR {{column}} = '{ExitStatus.UNKNOWN.value}'"


@dataclass(frozen=True)
class Indicator:
    """One line of the report: ``name`` in the Annex's words, ``kind`` its kind of
    indicator there (or ``BASE``), ``base`` the trajectories it counts among, and
    ``condition`` (SQL over the facts) those it counts."""

    code: str
    kind: str
    name: str
    base: str
    condition: str
    counted_from: str


INDICATORS = (
    Indicator(
        "participants",
        OUTPUT,
        "total number of participants",
        PARTICIPANTS,
        "1 = 1",
        "trajectories of the programme whose intake is in the period (a referral "
        "declined or not yet taken in is no participant; a participant with two "
        "trajectories in the programme counts twice, a reopened trajectory once)",
    ),
    Indicator(
        "unemployed",
        OUTPUT,
        "unemployed, including long-term unemployed",
        PARTICIPANTS,
        "labour_status IN "
        + _codes(LabourStatus.UNEMPLOYED, LabourStatus.LONG_TERM_UNEMPLOYED),
        "labour status at entry, recorded at the intake (as corrected since): "
        "unemployed or long-term unemployed",
    ),
    Indicator(
        "long_term_unemployed",
        OUTPUT,
        "long-term unemployed",
        PARTICIPANTS,
        "labour_status IN " + _codes(LabourStatus.LONG_TERM_UNEMPLOYED),
        "labour status at entry: long-term unemployed, as the coach recorded it at "
        "the intake",
    ),
    Indicator(
        "inactive",
        OUTPUT,
        "inactive",
        PARTICIPANTS,
        "labour_status IN " + _codes(LabourStatus.INACTIVE),
        "labour status at entry: inactive",
    ),
    Indicator(
        "employed",
        OUTPUT,
        "employed, including self-employed",
        PARTICIPANTS,
        "labour_status IN " + _codes(LabourStatus.EMPLOYED),
        "labour status at entry: employed (the labour statuses have no separate "
        "self-employed: a self-employed participant is recorded as employed)",
    ),
    Indicator(
        "below_18",
        OUTPUT,
        "children below 18 years of age",
        PARTICIPANTS,
        "age_band IN " + _codes(AgeBand.UNDER_18),
        "age band under 18, the participant's age on the referral date (copied "
        "into the referral); a birthday between referral and intake is not seen",
    ),
    Indicator(
        "from_18_to_29",
        OUTPUT,
        "young people between 18 and 29 years of age",
        PARTICIPANTS,
        "age_band IN " + _codes(AgeBand.FROM_18_TO_24, AgeBand.FROM_25_TO_29),
        "age bands 18-24 and 25-29 together (the bands split at 18, 25 and 30, so "
        "they make exactly 18 to 29), at the referral date",
    ),
    Indicator(
        "from_55",
        OUTPUT,
        "participants of 55 years of age and above",
        PARTICIPANTS,
        "age_band IN " + _codes(AgeBand.FROM_55),
        "age band 55 and over, at the referral date",
    ),
    Indicator(
        "isced_0_2",
        OUTPUT,
        "with lower secondary education or less (ISCED 0-2)",
        PARTICIPANTS,
        "education_level IN " + _codes(EducationLevel.ISCED_0_2),
        "education level recorded at the intake (as corrected since): ISCED 0-2",
    ),
    Indicator(
        "isced_3_4",
        OUTPUT,
        "with upper secondary (ISCED 3) or post-secondary education (ISCED 4)",
        PARTICIPANTS,
        "education_level IN " + _codes(EducationLevel.ISCED_3_4),
        "education level recorded at the intake: ISCED 3-4",
    ),
    Indicator(
        "isced_5_8",
        OUTPUT,
        "with tertiary education (ISCED 5 to 8)",
        PARTICIPANTS,
        "education_level IN " + _codes(EducationLevel.ISCED_5_8),
        "education level recorded at the intake: ISCED 5-8",
    ),
    Indicator(
        "disabilities",
        OUTPUT,
        "participants with disabilities",
        PARTICIPANTS,
        "disability",
        "disability recorded as yes at the intake (as corrected since)",
    ),
    Indicator(
        "leavers",
        BASE,
        "participants who left",
        LEAVERS,
        "1 = 1",
        "participants whose trajectory ended in the period, completed or dropped "
        "out (a reopened trajectory counts with its last exit, when it ended again)",
    ),
    Indicator(
        "job_searching_on_leaving",
        IMMEDIATE,
        "participants engaged in job searching upon leaving",
        LEAVERS,
        f"exit_result IN {_codes(ExitStatus.JOB_SEARCHING)}",
        "leavers whose exit result (observed within 28 days of the exit) is "
        "job searching",
    ),
    Indicator(
        "education_on_leaving",
        IMMEDIATE,
        "participants in education or training upon leaving",
        LEAVERS,
        f"exit_result IN {_codes(ExitStatus.IN_EDUCATION)}",
        "leavers whose exit result is in education or training",
    ),
    Indicator(
        "employed_on_leaving",
        IMMEDIATE,
        "participants in employment, including self-employment, upon leaving",
        LEAVERS,
        f"exit_result IN {EMPLOYED}",
        "leavers whose exit result is employed or self-employed",
    ),
    Indicator(
        "unknown_on_leaving",
        BASE,
        "leavers without a known situation on leaving",
        LEAVERS,
        "(exit_result " + UNKNOWN_STATUS.format(column="exit_result") + ")",
        "leavers with no exit result recorded, or with situation unknown: counted "
        "in none of the indicators on leaving",
    ),
    Indicator(
        "leavers_six_months_past",
        BASE,
        "leavers whose six months after leaving have passed",
        LEAVERS_DUE,
        "1 = 1",
        "leavers of the period whose exit date + 6 months is on or before the "
        "evaluation date",
    ),
    Indicator(
        "employed_six_months",
        LONGER_TERM,
        "participants in employment, including self-employment, six months after "
        "leaving",
        LEAVERS_DUE,
        f"follow_up_6 IN {EMPLOYED}",
        "leavers whose six months have passed and whose 6-month follow-up "
        "(observed within 30 days of exit + 6 months) is employed or self-employed",
    ),
    Indicator(
        "unknown_six_months",
        BASE,
        "leavers without a known situation six months after leaving",
        LEAVERS_DUE,
        "(follow_up_6 " + UNKNOWN_STATUS.format(column="follow_up_6") + ")",
        "leavers whose six months have passed with no 6-month follow-up recorded, "
        "or with situation unknown",
    ),
)
INDICATOR_CODES = tuple(indicator.code for indicator in INDICATORS)


@dataclass(frozen=True)
class NotRecorded:
    """An Annex I indicator for participants that the recorded data cannot give."""

    kind: str
    name: str
    why: str


NOT_RECORDED = (
    NotRecorded(
        OUTPUT,
        "third-country nationals",
        "nationality is not recorded",
    ),
    NotRecorded(
        OUTPUT,
        "participants with a foreign background",
        "background is not recorded",
    ),
    NotRecorded(
        OUTPUT,
        "minorities (including marginalised communities such as the Roma)",
        "belonging to a minority is not recorded",
    ),
    NotRecorded(
        OUTPUT,
        "homeless or affected by housing exclusion",
        "not recorded: the barrier 'housing' covers more than homelessness and "
        "housing exclusion, so it is not counted as this",
    ),
    NotRecorded(
        OUTPUT,
        "participants from rural areas",
        "not recorded: the intake keeps a postcode, not the degree of urbanisation "
        "of where the participant lives",
    ),
    NotRecorded(
        IMMEDIATE,
        "participants gaining a qualification upon leaving",
        "qualifications gained are not recorded",
    ),
    NotRecorded(
        LONGER_TERM,
        "participants with an improved labour market situation six months after "
        "leaving",
        "not recorded: the follow-up records the situation (employed, in "
        "education, ...), not a move to more stable or better work",
    ),
)

GENDER_COLUMNS_FROM = (
    "gender as recorded for the participant on the referral date (F: women, M: "
    "men, X: non-binary persons; unknown where it was not given)"
)


# The sums within each column: a total, its parts, and whether what the parts leave
# of it is plain (a field every intake fills in leaves nobody out).
SUMS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("participants", ("unemployed", "inactive", "employed"), True),
    ("unemployed", ("long_term_unemployed",), False),
    ("participants", ("below_18", "from_18_to_29", "from_55"), False),
    ("participants", ("isced_0_2", "isced_3_4", "isced_5_8"), True),
    ("participants", ("disabilities",), False),
    (
        "leavers",
        (
            "job_searching_on_leaving",
            "education_on_leaving",
            "employed_on_leaving",
            "unknown_on_leaving",
        ),
        False,
    ),
    ("leavers", ("leavers_six_months_past",), False),
    ("leavers_six_months_past", ("employed_six_months", "unknown_six_months"), False),
)
