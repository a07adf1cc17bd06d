"""The views' answers: the caseload, outcomes, and the views' status."""

from datetime import date
from datetime import datetime
from typing import Any
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from domain.vocabulary import AgeBand
from domain.vocabulary import Barrier
from domain.vocabulary import PlacementType
from domain.vocabulary import ReferralSource
from domain.vocabulary import Stage
from interfaces.http.schemas.base import COACH_ID
from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import PLACEMENT_ID
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example

# Views --------------------------------------------------------------------------------


PLACEMENT_SUMMARY_EXAMPLE: dict[str, Any] = {
    "placement_id": PLACEMENT_ID,
    "placement_type": "regular_job_with_support",
    "employer": "Bakkerij De Smet",
    "started_on": "2024-04-02",
    "hours_per_week": 19.0,
    "paid": True,
}


class PlacementSummaryOut(BaseModel):
    placement_id: UUID
    placement_type: PlacementType
    employer: str
    started_on: date
    hours_per_week: float
    paid: bool

    model_config = response_example(PLACEMENT_SUMMARY_EXAMPLE)


CASELOAD_ENTRY_EXAMPLES: list[dict[str, Any]] = [
    {
        "trajectory_id": TRAJECTORY_ID,
        "participant_id": PARTICIPANT_ID,
        "participant_name": "Lotte Claes",
        "age_band": "18-24",
        "programme": "BUSO-AALST",
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach": "Hilde Claes",
        "coach_id": COACH_ID,
        "stage": "active",
        "referred_on": "2024-02-01",
        "referral_source": "school",
        "days_waiting_for_intake": None,
        "intake_on": "2024-02-12",
        "last_contact_on": "2024-04-23",
        "days_since_contact": 22,
        "alert": None,
        "open_barriers": ["confidence_motivation", "debt_income"],
        "rung_at_intake": 2,
        "latest_rung": 4,
        "current_placement": PLACEMENT_SUMMARY_EXAMPLE,
    },
    {
        "trajectory_id": "9a2d4b6f-0c1e-4f3a-b5d7-e8f9a0b1c2d3",
        "participant_id": "c7e5a3b1-9f2d-4e6c-8a0b-1d3f5e7a9c2b",
        "participant_name": "Jonas Van den Broeck",
        "age_band": "<18",
        "programme": "BUSO-AALST",
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach": None,
        "coach_id": None,
        "stage": "referred",
        "referred_on": "2024-05-02",
        "referral_source": "clb",
        "days_waiting_for_intake": 13,
        "intake_on": None,
        "last_contact_on": None,
        "days_since_contact": None,
        "alert": None,
        "open_barriers": [],
        "rung_at_intake": None,
        "latest_rung": None,
        "current_placement": None,
    },
]


class CaseloadEntryOut(BaseModel):
    trajectory_id: UUID
    participant_id: UUID
    participant_name: str = Field(description='"erased" where the person was erased')
    age_band: AgeBand
    programme: str
    organisation: str
    coach: str | None = Field(description="the coach's name, as the history names it")
    coach_id: UUID | None = Field(description="the coach (GET /coaches/{id})")
    stage: Stage
    referred_on: date
    referral_source: ReferralSource
    days_waiting_for_intake: int | None = Field(
        description="days since the referral, while there is no intake"
    )
    intake_on: date | None
    last_contact_on: date | None
    days_since_contact: int | None
    alert: Literal["amber", "red", "exit_candidate"] | None = Field(
        description="amber after 30 days without contact, red after 60, exit "
        "candidate at 90"
    )
    open_barriers: list[Barrier]
    rung_at_intake: int | None
    latest_rung: int | None
    current_placement: PlacementSummaryOut | None = Field(
        description="the most recently started placement still running"
    )

    model_config = response_example(*CASELOAD_ENTRY_EXAMPLES)


COACH_TOTAL_EXAMPLES: list[dict[str, Any]] = [
    {
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach_id": COACH_ID,
        "coach": "Hilde Claes",
        "active": 1,
        "suspended": 0,
        "referred": 0,
        "over_benchmark": False,
    },
    {
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach_id": None,
        "coach": None,
        "active": 0,
        "suspended": 0,
        "referred": 1,
        "over_benchmark": False,
    },
]


class CoachTotalOut(BaseModel):
    organisation: str
    coach_id: UUID | None = Field(description="null for referrals awaiting an intake")
    coach: str | None = Field(description="null for referrals awaiting an intake")
    active: int
    suspended: int
    referred: int
    over_benchmark: bool = Field(
        description="more active trajectories than the fidelity benchmark"
    )

    model_config = response_example(*COACH_TOTAL_EXAMPLES)


class CaseloadOut(BaseModel):
    evaluated_on: date
    total: int = Field(description="open trajectories matching the filters")
    benchmark: int = Field(description="at most this many active per coach")
    coaches: list[CoachTotalOut]
    entries: list[CaseloadEntryOut]

    model_config = response_example(
        {
            "evaluated_on": "2024-05-15",
            "total": 2,
            "benchmark": 20,
            "coaches": COACH_TOTAL_EXAMPLES,
            "entries": CASELOAD_ENTRY_EXAMPLES,
        }
    )


OUTCOME_ROW_EXAMPLES: list[dict[str, Any]] = [
    {
        "group": {"programme": "BUSO-AALST"},
        "suppressed": False,
        "figures": {
            "referrals": 48,
            "intakes": 42,
            "placed": 27,
            "competitive_employment": 18,
            "exits": 30,
            "dropouts": 9,
            "employed_on_leaving": 15,
            "exit_result_unknown": 3,
            "sustained_due": 19,
            "sustained_employment_6m": 11,
            "sustained_unknown_6m": 2,
            "ladder_up": 24,
            "ladder_mean_change": 0.88,
            "dropout_rate_by_reason": {
                "lost_contact": 0.1333,
                "withdrew": 0.0667,
                "physical_health": 0.0,
                "mental_health": 0.0667,
                "addiction": 0.0,
                "care_duties": 0.0,
                "moved": 0.0333,
                "detention": 0.0,
                "needs_not_met": 0.0,
                "ineligible_after_intake": 0.0,
                "programme_ended": 0.0,
                "non_compliance": 0.0,
                "deceased": 0.0,
                "other": 0.0,
            },
            "median_days_to_intake": 12.0,
            "median_days_to_first_placement": 64.5,
            "intake_rate": 0.875,
            "placement_rate": 0.6429,
            "competitive_employment_rate": 0.4286,
            "still_unplaced_share": 0.3571,
            "dropout_rate": 0.3,
            "employed_on_leaving_rate": 0.5,
            "exit_result_unknown_share": 0.1,
            "sustained_employment_6m_rate": 0.5789,
            "sustained_unknown_6m_share": 0.1053,
            "ladder_up_share": 0.5714,
            "cost_per_participant": 2857.14,
            "cost_per_placement": 4444.44,
        },
        "withheld": {},
    },
    {
        "group": {"programme": "WWB-ESF"},
        "suppressed": True,
        "figures": {},
        "withheld": {},
    },
]
WITHHELD_ROW_EXAMPLE: dict[str, Any] = {
    "group": {"programme": "SAMENWERKT"},
    "suppressed": False,
    "figures": {
        **OUTCOME_ROW_EXAMPLES[0]["figures"],
        "dropouts": None,
        "dropout_rate": None,
        "dropout_rate_by_reason": {
            reason: None
            for reason in OUTCOME_ROW_EXAMPLES[0]["figures"]["dropout_rate_by_reason"]
        },
        "cost_per_participant": None,
        "cost_per_placement": None,
    },
    "withheld": {
        "dropouts": "<5",
        "dropout_rate": "x",
        **{
            f"dropout_rate_{reason}": "x"
            for reason in OUTCOME_ROW_EXAMPLES[0]["figures"]["dropout_rate_by_reason"]
        },
    },
}


class OutcomeRowOut(BaseModel):
    group: dict[str, str | None] = Field(
        description="the value of each group_by dimension",
        examples=[{"programme": "WWB-ESF"}],
    )
    suppressed: bool = Field(
        description="fewer than 5 trajectories: every figure is withheld"
    )
    figures: dict[str, Any] = Field(
        description="every metric by name (see GET /outcomes/definitions); rates "
        "are fractions, null over an empty denominator, or when withheld"
    )
    withheld: dict[str, str] = Field(
        default_factory=dict,
        description="evaluators: each figure withheld (null in figures), by its CSV "
        'column\'s name, with its mark: "<5" a count from 0 to 4, "x" a figure '
        "withheld so that a small count cannot be worked out (see the evaluators' "
        "documentation)",
    )

    model_config = response_example(*OUTCOME_ROW_EXAMPLES, WITHHELD_ROW_EXAMPLE)


class ReleaseOut(BaseModel):
    as_of: date = Field(description="the last day of the month it holds")
    position: int = Field(
        description="it was built from the events up to this notification id, and "
        "does not change"
    )

    model_config = response_example({"as_of": "2024-11-30", "position": 18297})


class OutcomesOut(BaseModel):
    group_by: list[str]
    cohort: str | None
    cohort_by: Literal["referral", "intake"]
    as_of: date | None
    known_at: datetime | None
    evaluated_on: date = Field(
        description="the date the 6-month follow-ups are counted against"
    )
    organisation: str | None = Field(
        default=None,
        description="the one organisation whose trajectories are counted (staff: "
        "their own); null for every organisation",
    )
    disclosure_control: bool = Field(
        default=False,
        description="small counts withheld, and what they could be worked out "
        "from (evaluators)",
    )
    release: ReleaseOut | None = Field(
        default=None,
        description="evaluators: the month-end release the figures come from",
    )
    rows: list[OutcomeRowOut]

    model_config = response_example(
        {
            "group_by": ["programme"],
            "cohort": None,
            "cohort_by": "referral",
            "as_of": None,
            "known_at": None,
            "evaluated_on": "2024-12-31",
            "organisation": None,
            "disclosure_control": False,
            "release": None,
            "rows": OUTCOME_ROW_EXAMPLES,
        },
        {
            "group_by": ["programme"],
            "cohort": None,
            "cohort_by": "referral",
            "as_of": "2024-11-30",
            "known_at": None,
            "evaluated_on": "2024-11-30",
            "organisation": None,
            "disclosure_control": True,
            "release": {"as_of": "2024-11-30", "position": 18297},
            "rows": [WITHHELD_ROW_EXAMPLE],
        },
    )


class ViewStatusOut(BaseModel):
    name: str
    generation: int = Field(description="the generation of tables now serving")
    position: int = Field(description="the last notification id the view processed")
    head: int = Field(description="the last notification id in the event log")
    lag: int = Field(description="head - position")
    rebuild: dict[str, Any] | None = Field(
        description="the last rebuild started by this server, if any: its state "
        "(rebuilding, done, failed), its progress (events_read of events_to_read), "
        "and when done the events it read and how fast"
    )

    model_config = response_example(
        {
            "name": "caseload",
            "generation": 2,
            "position": 18342,
            "head": 18342,
            "lag": 0,
            "rebuild": {
                "state": "done",
                "started_at": "2024-06-03T07:12:40.118204Z",
                "finished_at": "2024-06-03T07:12:42.301977Z",
                "events": 18297,
                "events_per_second": 8379,
                "error": None,
                "events_read": 18297,
                "events_to_read": 18297,
            },
        },
        {
            "name": "outcomes",
            "generation": 1,
            "position": 18339,
            "head": 18342,
            "lag": 3,
            "rebuild": None,
        },
    )


class RebuildStartedOut(BaseModel):
    name: str
    state: Literal["rebuilding"]

    model_config = response_example({"name": "caseload", "state": "rebuilding"})
