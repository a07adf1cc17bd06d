"""The GroupSession aggregate: one job workshop or dialogue table held with several
participants at once.

It holds what the group shares, and which trajectories took part; each of those
trajectories records its own ``SessionHeld`` carrying the group session's id, in the
same transaction, so the group is recorded whole or not at all. It holds no personal
data: trajectories by id, and no note (the note is sealed in each participant's
session).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.calendar import today
from domain.commands import GROUP_MODES
from domain.commands import MAX_GROUP_SIZE
from domain.commands import HoldGroupSession
from domain.errors import MAX_SESSION_MINUTES
from domain.errors import DateInFuture
from domain.errors import GroupSessionNotInGroup
from domain.errors import GroupTooLarge
from domain.errors import GroupTooSmall
from domain.errors import InvalidValue
from domain.errors import ParticipantTwiceInGroup
from domain.errors import SessionMinutesOutOfRange
from domain.topics import NamedTopics
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting


class GroupSession(NamedTopics, Aggregate):
    class GroupSessionHeld(Aggregate.Created):
        TOPIC = "trajectory:GroupSessionHeld"

        on: date
        minutes: int
        mode: SessionMode
        setting: SessionSetting
        organisation: str
        trajectory_ids: list[UUID]
        recorded_by: str

    @classmethod
    def hold(
        cls, session: HoldGroupSession, *, organisation: str, recorded_by: str
    ) -> GroupSession:
        """The group as a whole: its size, its mode, its date. Each participant's
        own rules are their trajectory's, checked when it records its session."""
        ids = session.trajectory_ids
        if len(ids) < 2:
            raise GroupTooSmall(len(ids))
        if len(ids) > MAX_GROUP_SIZE:
            raise GroupTooLarge(len(ids), MAX_GROUP_SIZE)
        seen: set[UUID] = set()
        for trajectory_id in ids:
            if trajectory_id in seen:
                raise ParticipantTwiceInGroup(trajectory_id)
            seen.add(trajectory_id)
        if session.mode not in GROUP_MODES:
            raise GroupSessionNotInGroup(session.mode)
        if session.on > today():
            raise DateInFuture("the group session", session.on, today())
        if not 1 <= session.minutes <= MAX_SESSION_MINUTES:  # the group's, not one's
            raise SessionMinutesOutOfRange(session.minutes)
        if not organisation.strip():
            raise InvalidValue("a group session is held by an organisation")
        return cls(
            on=session.on,
            minutes=session.minutes,
            mode=session.mode,
            setting=session.setting,
            organisation=organisation,
            trajectory_ids=list(ids),
            recorded_by=recorded_by,
        )

    @event(GroupSessionHeld)
    def __init__(
        self,
        on: date,
        minutes: int,
        mode: SessionMode,
        setting: SessionSetting,
        organisation: str,
        trajectory_ids: list[UUID],
        recorded_by: str,
    ) -> None:
        self.on, self.minutes, self.mode, self.setting = on, minutes, mode, setting
        self.organisation = organisation
        self.trajectory_ids = list(trajectory_ids)
        self.recorded_by = recorded_by
