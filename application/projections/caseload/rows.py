"""The caseload row of a trajectory: what its coach needs to see, no personal data
(the participant's name is read through the Participant store when shown)."""

from __future__ import annotations

from typing import Any
from typing import Self
from uuid import UUID

from application.projections.events import EventRecord
from application.projections.events import plain
from application.projections.rows import Column
from application.projections.rows import Stages
from application.projections.rows import TrajectoryRow
from domain.coach import Coach
from domain.coach import comparable


class CaseloadRow(TrajectoryRow):
    revision = 3  # the coach by id, their name as names compare; what is due
    indexed = ("participant_id",)  # a participant's trajectories, open and ended
    trajectory_id: UUID
    participant_id: UUID
    programme: str
    organisation: str
    age_band: str
    referral_source: str
    referred_on: str
    stage: str
    coach: str | None
    coach_id: UUID | None
    coach_key: str | None  # the coach's name without case, accents or extra spaces
    intake_on: str | None
    last_contact_on: str | None
    rung_at_intake: int | None
    assessed_rung: int | None
    entry_barriers: list[str]
    open_barriers: list[str]
    barriers_with_events: list[str]
    placements: list[dict[str, Any]]
    suspended_on: str | None
    exit_on: str | None
    exit_result_on: str | None
    follow_ups: list[str]  # the milestones recorded since the exit ("6", "12")
    version: int

    columns = (
        Column("trajectory_id", "uuid"),
        Column("participant_id", "uuid"),
        Column("programme", "text"),
        Column("organisation", "text"),
        Column("age_band", "text"),
        Column("referral_source", "text"),
        Column("referred_on", "date"),
        Column("stage", "text"),
        Column("coach", "text"),
        Column("coach_id", "uuid"),
        Column("coach_key", "text"),
        Column("intake_on", "date"),
        Column("last_contact_on", "date"),
        Column("rung_at_intake", "int"),
        Column("assessed_rung", "int"),
        Column("entry_barriers", "json"),
        Column("open_barriers", "json"),
        Column("barriers_with_events", "json"),
        Column("placements", "json"),
        Column("suspended_on", "date"),
        Column("exit_on", "date"),
        Column("exit_result_on", "date"),
        Column("follow_ups", "json"),
        Column("version", "int"),
        Column("latest_rung", "int", derived=True),
    )

    @classmethod
    def referred(cls, event: EventRecord) -> Self:
        row = cls._started(event)
        row.participant_id = UUID(plain(event.data["participant_id"]))
        row.coach = row.coach_id = row.coach_key = None
        row.last_contact_on = row.suspended_on = None
        row.entry_barriers, row.open_barriers, row.barriers_with_events = [], [], []
        row.placements = []
        row.exit_result_on, row.follow_ups = None, []
        return row

    def derived(self) -> tuple[Any, ...]:
        latest = self.assessed_rung
        return (latest if latest is not None else self.rung_at_intake,)

    # Event handlers: each mirrors the aggregate's own --------------------------------

    def _declined(self, data: dict[str, Any]) -> None:
        self.stage = Stages.DECLINED

    def _intake(self, data: dict[str, Any]) -> None:
        on = plain(data["on"])
        self.stage = Stages.ACTIVE
        self.intake_on = on
        self._coach(data)
        self.rung_at_intake = data["rung"]
        barriers = plain(data["barriers"])
        self.entry_barriers, self.open_barriers = list(barriers), list(barriers)
        self.last_contact_on = on

    def _corrected(self, data: dict[str, Any]) -> None:
        field, value = plain(data["field"]), plain(data["value"])
        if field == "rung":
            self.rung_at_intake = value
        elif field == "barriers":
            # As the aggregate does: a barrier with its own identification or
            # resolution keeps what that said.
            own, entry = self.barriers_with_events, self.entry_barriers
            dropped = [b for b in entry if b not in value and b not in own]
            added = [b for b in value if b not in entry and b not in own]
            kept = [b for b in self.open_barriers if b not in dropped]
            self.open_barriers = kept + [b for b in added if b not in kept]
            self.entry_barriers = list(value)

    def _coach(self, data: dict[str, Any]) -> None:
        """The coach by id: the one the event names, or (version 1 named the coach
        only) the one registered under that name in the organisation."""
        self.coach = data["coach"]
        coach_id = data.get("coach_id")
        self.coach_id = (
            UUID(plain(coach_id))
            if coach_id is not None
            else Coach.id_for(self.organisation, self.coach)
        )
        self.coach_key = comparable(self.coach)

    def _assessed(self, data: dict[str, Any]) -> None:
        self.assessed_rung = data["rung"]

    def _barrier_identified(self, data: dict[str, Any]) -> None:
        barrier = plain(data["barrier"])
        self.open_barriers = [*self.open_barriers, barrier]
        self._note_barrier_event(barrier)

    def _barrier_resolved(self, data: dict[str, Any]) -> None:
        barrier = plain(data["barrier"])
        self.open_barriers = [b for b in self.open_barriers if b != barrier]
        self._note_barrier_event(barrier)

    def _note_barrier_event(self, barrier: str) -> None:
        if barrier not in self.barriers_with_events:
            self.barriers_with_events = [*self.barriers_with_events, barrier]

    def _session(self, data: dict[str, Any]) -> None:
        on = plain(data["on"])
        if self.last_contact_on is None or on > self.last_contact_on:
            self.last_contact_on = on

    def _placed(self, data: dict[str, Any]) -> None:
        placement = {
            "placement_id": str(UUID(plain(data["placement_id"]))),
            "placement_type": plain(data["placement_type"]),
            "employer": data["employer"],
            "started_on": plain(data["on"]),
            "hours_per_week": data["hours_per_week"],
            "paid": data["paid"],
        }
        self.placements = [*self.placements, placement]

    def _placement_ended(self, data: dict[str, Any]) -> None:
        ended = str(UUID(plain(data["placement_id"])))
        self.placements = [p for p in self.placements if p["placement_id"] != ended]

    def _suspended(self, data: dict[str, Any]) -> None:
        self.stage = Stages.SUSPENDED
        self.suspended_on = plain(data["on"])

    def _resumed(self, data: dict[str, Any]) -> None:
        self.stage = Stages.ACTIVE
        self.suspended_on = None

    def _completed(self, data: dict[str, Any]) -> None:
        self.stage = Stages.COMPLETED
        self.exit_on, self.suspended_on = plain(data["on"]), None

    def _dropped_out(self, data: dict[str, Any]) -> None:
        self.stage = Stages.DROPPED_OUT
        self.exit_on, self.suspended_on = plain(data["on"]), None

    def _reopened(self, data: dict[str, Any]) -> None:
        self.stage = Stages.ACTIVE
        self.exit_on = self.exit_result_on = None
        self.follow_ups = []

    def _exit_result(self, data: dict[str, Any]) -> None:
        self.exit_result_on = plain(data["observed_on"])

    def _follow_up(self, data: dict[str, Any]) -> None:
        self.follow_ups = [*self.follow_ups, str(data["milestone"])]

    handlers = {
        "ReferralDeclined": _declined,
        "IntakeCompleted": _intake,
        "EntryProfileCorrected": _corrected,
        "CoachAssigned": _coach,
        "LadderAssessed": _assessed,
        "BarrierIdentified": _barrier_identified,
        "BarrierResolved": _barrier_resolved,
        "SessionHeld": _session,
        "PlacementStarted": _placed,
        "PlacementEnded": _placement_ended,
        "TrajectorySuspended": _suspended,
        "TrajectoryResumed": _resumed,
        "TrajectoryCompleted": _completed,
        "DroppedOut": _dropped_out,
        "TrajectoryReopened": _reopened,
        "ExitResultRecorded": _exit_result,
        "FollowUpRecorded": _follow_up,
    }


CASELOAD_EVENT_TYPES = ("ReferralReceived", "EntryRetracted", *CaseloadRow.handlers)
