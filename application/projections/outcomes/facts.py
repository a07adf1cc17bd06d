"""The outcome fact table: one row per trajectory, the facts every metric is SQL over.

Only codes and dates: no personal data. The entry profile's labour status, education
level and disability are kept for the ESF+ report (``application/reports/esf.py``).
Dates are ISO strings while folding.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any
from typing import Self
from uuid import UUID

from application.projections.events import EventRecord
from application.projections.events import plain
from application.projections.rows import Column
from application.projections.rows import Stages
from application.projections.rows import TrajectoryRow
from domain.trajectory import add_months
from domain.vocabulary import COMPETITIVE_PLACEMENT_TYPES
from domain.vocabulary import Province
from domain.vocabulary import cohort_of

COMPETITIVE_TYPES = frozenset(t.value for t in COMPETITIVE_PLACEMENT_TYPES)
SUSTAINED_AFTER_MONTHS = 6


@cache
def _province(postcode: Any) -> str | None:
    province = Province.of(str(postcode))
    return province.value if province else None


def _days(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


class OutcomeFacts(TrajectoryRow):
    trajectory_id: UUID
    programme: str
    organisation: str
    referral_source: str
    age_band: str
    gender: str
    referred_on: str
    stage: str
    declined_on: str | None
    intake_on: str | None
    province: str | None
    labour_status: str | None
    education_level: str | None
    disability: bool | None
    rung_at_intake: int | None
    assessed_rung: int | None
    first_placement_on: str | None
    competitive: bool
    exit_on: str | None
    dropout_reason: str | None
    exit_result: str | None
    follow_up_6: str | None
    follow_up_12: str | None
    version: int

    columns = (
        Column("trajectory_id", "uuid"),
        Column("programme", "text"),
        Column("organisation", "text"),
        Column("referral_source", "text"),
        Column("age_band", "text"),
        Column("gender", "text"),
        Column("referred_on", "date"),
        Column("stage", "text"),
        Column("declined_on", "date"),
        Column("intake_on", "date"),
        Column("province", "text"),
        Column("labour_status", "text"),
        Column("education_level", "text"),
        Column("disability", "bool"),
        Column("rung_at_intake", "int"),
        Column("assessed_rung", "int"),
        Column("first_placement_on", "date"),
        Column("competitive", "bool"),
        Column("exit_on", "date"),
        Column("dropout_reason", "text"),
        Column("exit_result", "text"),
        Column("follow_up_6", "text"),
        Column("follow_up_12", "text"),
        Column("version", "int"),
        Column("referral_cohort", "text", derived=True),
        Column("intake_cohort", "text", derived=True),
        Column("days_to_intake", "int", derived=True),
        Column("days_to_first_placement", "int", derived=True),
        Column("latest_rung", "int", derived=True),
        Column("sustained_due_on", "date", derived=True),
    )

    @classmethod
    def referred(cls, event: EventRecord) -> Self:
        row = cls._started(event)
        row.gender = plain(event.data["gender"])
        row.declined_on = row.province = row.first_placement_on = None
        row.labour_status = row.education_level = row.disability = None
        row.competitive = False
        row.dropout_reason = row.exit_result = None
        row.follow_up_6 = row.follow_up_12 = None
        return row

    def derived(self) -> tuple[Any, ...]:
        latest = self.assessed_rung
        return (
            cohort_of(self.referred_on),
            cohort_of(self.intake_on) if self.intake_on else None,
            _days(self.referred_on, self.intake_on),
            _days(self.intake_on, self.first_placement_on),
            latest if latest is not None else self.rung_at_intake,
            (
                add_months(
                    date.fromisoformat(self.exit_on), SUSTAINED_AFTER_MONTHS
                ).isoformat()
                if self.exit_on
                else None
            ),
        )

    # Event handlers, one per event type that changes a fact ---------------------------

    def _declined(self, data: dict[str, Any]) -> None:
        self.stage = Stages.DECLINED
        self.declined_on = plain(data["on"])

    def _intake(self, data: dict[str, Any]) -> None:
        self.stage = Stages.ACTIVE
        self.intake_on = plain(data["on"])
        self.rung_at_intake = data["rung"]
        self.province = _province(data["postcode"])
        self.labour_status = plain(data["labour_status"])
        self.education_level = plain(data["education_level"])
        self.disability = bool(data["disability"])

    def _corrected(self, data: dict[str, Any]) -> None:
        field = plain(data["field"])
        if field == "rung":
            self.rung_at_intake = plain(data["value"])
        elif field == "postcode":
            self.province = _province(plain(data["value"]))
        elif field in ("labour_status", "education_level"):
            setattr(self, field, plain(data["value"]))
        elif field == "disability":
            self.disability = bool(plain(data["value"]))

    def _assessed(self, data: dict[str, Any]) -> None:
        self.assessed_rung = data["rung"]

    def _placed(self, data: dict[str, Any]) -> None:
        on = plain(data["on"])
        if self.first_placement_on is None or on < self.first_placement_on:
            self.first_placement_on = on
        if data["paid"] and plain(data["placement_type"]) in COMPETITIVE_TYPES:
            self.competitive = True

    def _suspended(self, data: dict[str, Any]) -> None:
        self.stage = Stages.SUSPENDED

    def _resumed(self, data: dict[str, Any]) -> None:
        self.stage = Stages.ACTIVE

    def _completed(self, data: dict[str, Any]) -> None:
        self.stage = Stages.COMPLETED
        self.exit_on = plain(data["on"])
        self.dropout_reason = None

    def _dropped_out(self, data: dict[str, Any]) -> None:
        self.stage = Stages.DROPPED_OUT
        self.exit_on = plain(data["on"])
        self.dropout_reason = plain(data["reason"])

    def _exit_result(self, data: dict[str, Any]) -> None:
        self.exit_result = plain(data["status"])

    def _follow_up(self, data: dict[str, Any]) -> None:
        setattr(self, f"follow_up_{data['milestone']}", plain(data["status"]))

    def _reopened(self, data: dict[str, Any]) -> None:
        self.stage = Stages.ACTIVE
        self.exit_on = self.dropout_reason = self.exit_result = None
        self.follow_up_6 = self.follow_up_12 = None

    handlers = {
        "ReferralDeclined": _declined,
        "IntakeCompleted": _intake,
        "EntryProfileCorrected": _corrected,
        "LadderAssessed": _assessed,
        "PlacementStarted": _placed,
        "TrajectorySuspended": _suspended,
        "TrajectoryResumed": _resumed,
        "TrajectoryCompleted": _completed,
        "DroppedOut": _dropped_out,
        "ExitResultRecorded": _exit_result,
        "FollowUpRecorded": _follow_up,
        "TrajectoryReopened": _reopened,
    }


OUTCOME_EVENT_TYPES = ("ReferralReceived", "EntryRetracted", *OutcomeFacts.handlers)
