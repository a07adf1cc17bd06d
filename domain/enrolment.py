"""Enrolment: a participant's trajectories in one programme, oldest first.

It guards "one open trajectory per participant per programme": a referral and a
reopening both change the enrolment, so two racing writers conflict on its version.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL
from uuid import UUID
from uuid import uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.errors import NewerTrajectoryExists
from domain.errors import OpenTrajectoryExists
from domain.topics import NamedTopics


class Enrolment(NamedTopics, Aggregate):
    @staticmethod
    def id_for(participant_id: UUID, programme: str) -> UUID:
        name = f"trajectory:enrolment:{participant_id}:{programme}"
        return uuid5(NAMESPACE_URL, name)

    @staticmethod
    def create_id(participant_id: UUID, programme: str) -> UUID:
        return Enrolment.id_for(participant_id, programme)

    @event("EnrolmentOpened", topic="trajectory:EnrolmentOpened")
    def __init__(self, participant_id: UUID, programme: str) -> None:
        self.participant_id, self.programme = participant_id, programme
        self.trajectory_ids: list[UUID] = []

    @property
    def latest(self) -> UUID | None:
        return self.trajectory_ids[-1] if self.trajectory_ids else None

    def add(self, trajectory_id: UUID, *, latest_is_open: bool) -> None:
        if self.latest is not None and latest_is_open:
            raise OpenTrajectoryExists(self.programme, self.latest)
        self._trajectory_added(trajectory_id=trajectory_id)

    @event("TrajectoryAdded", topic="trajectory:TrajectoryAdded")
    def _trajectory_added(self, trajectory_id: UUID) -> None:
        self.trajectory_ids.append(trajectory_id)

    def reopen(self, trajectory_id: UUID) -> None:
        if self.latest != trajectory_id and self.latest is not None:
            raise NewerTrajectoryExists(self.programme, self.latest)
        self._trajectory_reopened(trajectory_id=trajectory_id)

    @event("TrajectoryReopened", topic="trajectory:Enrolment.TrajectoryReopened")
    def _trajectory_reopened(self, trajectory_id: UUID) -> None:
        """Changes nothing but the version, so a racing referral conflicts."""
