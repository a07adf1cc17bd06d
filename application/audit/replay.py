"""Replays of a trajectory for readers and auditors: its state at any version or as
of any business date, its whole history with retracted events marked, and what
changed from one version to another."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent

from application.audit.chain import HistoryDamaged
from application.errors import NotYetReferred
from application.errors import TrajectoryNotFound
from application.errors import VersionNotFound
from application.errors import VersionsOutOfOrder
from application.handlers import Handlers
from application.privacy.keys import Keyring
from domain.participant import Participant
from domain.trajectory import Trajectory

HIDDEN_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)

# The state as its readers see it (GET /trajectories/{id} shows it, with the id and the
# version): a diff compares it field by field, lists and placements as whole values.
STATE_ATTRIBUTES = (
    "participant_id",
    "programme",
    "organisation",
    "referral_source",
    "referred_on",
    "age_band",
    "gender",
    "stage",
    "declined_on",
    "decline_reason",
    "intake_on",
    "coach",
    "coach_id",
    "rung_at_intake",
    "latest_rung",
    "labour_status",
    "education_level",
    "entry_barriers",
    "disability",
    "postcode",
    "open_barriers",
    "sessions_held",
    "session_minutes",
    "last_contact_on",
    "placements",
    "suspended_on",
    "suspension_reason",
    "exit_on",
    "destination",
    "dropout_reason",
    "exit_result",
    "exit_result_on",
    "follow_ups",
    "reopenings",
)


@dataclass(frozen=True)
class HistoryEntry:
    """One stored event as a reader sees it: ``data`` is its fields, free text
    opened; ``retracted_by`` the version of the retraction, if it was retracted."""

    version: int
    type: str
    business_date: date
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    retracted_by: int | None

    @property
    def retracted(self) -> bool:
        return self.retracted_by is not None


@dataclass(frozen=True)
class FieldChange:
    """A field of the state, with its value before and after."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class TrajectoryDiff:
    """What changed in the state from one version to another, and the events recorded
    in between (after ``from_version``, up to and including ``to_version``)."""

    from_version: int
    to_version: int
    changes: list[FieldChange]
    events: list[HistoryEntry]


def business_date(domain_event: DomainEvent) -> date:
    fields = vars(domain_event)
    value = fields.get("on", fields.get("observed_on"))
    return value if isinstance(value, date) else domain_event.timestamp.date()


def public_state(trajectory: Trajectory) -> dict[str, Any]:
    return {
        **{name: getattr(trajectory, name) for name in STATE_ATTRIBUTES},
        "retracted_versions": sorted(int(v) for v in trajectory.retracted),
    }


@dataclass(eq=False)
class Replays:
    app: Application[UUID]
    handlers: Handlers
    keyring: Keyring
    participant: Callable[[UUID], Participant]

    def at_version(
        self, trajectory_id: UUID, version: int, within: str | None = None
    ) -> Trajectory:
        """The trajectory's state at ``version``. An earlier version than the last
        is loaded alone (from the snapshot below it), not after the current state:
        the organisation that owns it is the referral's, at every version."""
        writes = self.handlers.writes
        if not 1 <= version < writes.version_of(trajectory_id):
            current = self.handlers.trajectory(trajectory_id, within)
            if not 1 <= version <= current.version:
                raise VersionNotFound(trajectory_id, version, current.version)
            if version == current.version:
                return current
        try:
            trajectory = writes.get(trajectory_id, Trajectory, version=version)
        except AggregateNotFoundError:
            raise TrajectoryNotFound(trajectory_id) from None
        if within is not None and trajectory.organisation != within:
            raise TrajectoryNotFound(trajectory_id)
        return trajectory

    def as_of(
        self, trajectory_id: UUID, on: date, within: str | None = None
    ) -> Trajectory:
        """The trajectory as it stood on a business date: every event whose business
        date is on or before it counts, in the order they were recorded. An event
        retracted as entered in error never counts, whenever it was retracted."""
        events = list(self._events(trajectory_id, within))
        retracted = {
            vars(e)["version"] for e in events if type(e).__name__ == "EntryRetracted"
        }
        trajectory: Trajectory = events[0].mutate(None)
        if trajectory.referred_on > on:
            raise NotYetReferred(trajectory_id, on, trajectory.referred_on)
        for domain_event in events[1:]:
            counts = domain_event.originator_version not in retracted
            if counts and business_date(domain_event) <= on:
                trajectory.version = domain_event.originator_version - 1
                domain_event.apply(trajectory)
                trajectory.version = domain_event.originator_version
        return trajectory

    def history(
        self, trajectory_id: UUID, within: str | None = None
    ) -> list[HistoryEntry]:
        """Every stored event of the trajectory, retracted ones included and marked."""
        stored = list(self._events(trajectory_id, within))
        retracted_by = {
            vars(e)["version"]: e.originator_version
            for e in stored
            if type(e).__name__ == "EntryRetracted"
        }
        # Free text is opened here, where it is shown, with the participant's key;
        # "erased" once it is destroyed.
        mapper: Any = self.app.mapper
        participant_id: UUID = vars(stored[0])["participant_id"]
        key = self.keyring.fetch([participant_id]).get(participant_id)
        erased = key is None and self.participant(participant_id).erased
        return [
            HistoryEntry(
                version=e.originator_version,
                type=type(e).__name__,
                business_date=business_date(e),
                recorded_at=e.timestamp,
                recorded_by=vars(e).get("recorded_by", ""),
                data={
                    k: mapper.open_text(v, key, erased)
                    for k, v in vars(e).items()
                    if k not in HIDDEN_FIELDS and k != "recorded_by"
                },
                retracted_by=retracted_by.get(e.originator_version),
            )
            for e in stored
        ]

    def diff(
        self,
        trajectory_id: UUID,
        from_version: int,
        to_version: int,
        within: str | None = None,
    ) -> TrajectoryDiff:
        """The fields whose value differs between the two versions' states, and the
        events that led from one to the other, retracted ones marked as in the
        history."""
        self.handlers.trajectory(trajectory_id, within)  # another's: not found
        if from_version > to_version:
            raise VersionsOutOfOrder(from_version, to_version)
        before, after = (
            public_state(self.at_version(trajectory_id, version, within))
            for version in (from_version, to_version)
        )
        return TrajectoryDiff(
            from_version=from_version,
            to_version=to_version,
            changes=[
                FieldChange(name, before[name], after[name])
                for name in before
                if before[name] != after[name]
            ],
            events=[
                entry
                for entry in self.history(trajectory_id, within)
                if from_version < entry.version <= to_version
            ],
        )

    def _events(self, trajectory_id: UUID, within: str | None) -> Iterator[Any]:
        """The trajectory's stored events, oldest first; another aggregate's id, an
        unknown one, or one of another organisation than ``within``, is not found."""
        events = iter(self.app.repository.event_store.get(trajectory_id))
        first = next(events, None)
        if not isinstance(first, Trajectory.Event):
            raise TrajectoryNotFound(trajectory_id)
        if first.originator_version != 1:
            raise HistoryDamaged(
                trajectory_id, f"it starts at version {first.originator_version}"
            )
        if within is not None and vars(first).get("organisation") != within:
            raise TrajectoryNotFound(trajectory_id)
        return _in_step(trajectory_id, itertools.chain([first], events))


def _in_step(trajectory_id: UUID, events: Iterator[Any]) -> Iterator[Any]:
    """The events, as long as each follows the one before it."""
    last = 0
    for domain_event in events:
        version = domain_event.originator_version
        if version != last + 1:
            raise HistoryDamaged(
                trajectory_id, f"version {last + 1} is missing before {version}"
            )
        last = version
        yield domain_event
