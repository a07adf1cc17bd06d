"""Group sessions: one job workshop or dialogue table recorded once, as a session in
each participant's trajectory, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields
from uuid import UUID

from application.aggregates import owned
from application.errors import GroupSessionNotFound
from application.handlers import Handlers
from application.idempotency import IdempotencyKey
from application.writes import Answer
from application.writes import Writes
from domain.commands import HoldGroupSession
from domain.commands import HoldSession
from domain.errors import DomainError
from domain.errors import GroupMemberRefused
from domain.group_session import GroupSession
from domain.trajectory import Trajectory


@dataclass(eq=False)
class GroupSessions:
    writes: Writes
    handlers: Handlers

    def hold(
        self,
        session: HoldGroupSession,
        *,
        recorded_by: str,
        within: str | None = None,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Records the group session and each participant's session in one
        transaction. A participant who cannot take part (not active, of another
        organisation, over the programme's cap) refuses the whole group, naming
        them, and nothing is stored. The answer is the group session's."""
        return self.writes.answer(key, lambda: self._hold(session, recorded_by, within))

    def _hold(
        self, session: HoldGroupSession, recorded_by: str, within: str | None
    ) -> GroupSession:
        organisation = within or self._organisation_of(session.trajectory_ids[:1])
        group = GroupSession.hold(
            session, organisation=organisation, recorded_by=recorded_by
        )
        # Each participant's session is the group's, but for who took part.
        own = HoldSession(
            **{f.name: getattr(session, f.name) for f in fields(HoldSession)}
        )
        trajectories: list[Trajectory] = []
        for position, trajectory_id in enumerate(session.trajectory_ids, start=1):
            try:
                trajectory = self.handlers.trajectory(trajectory_id, organisation)
                cap = self.handlers.programmes.get(trajectory.programme).session_cap
                trajectory.record(
                    own, recorded_by, session_cap=cap, group_session_id=group.id
                )
            except DomainError as refusal:
                raise GroupMemberRefused(position, trajectory_id, refusal) from None
            trajectories.append(trajectory)
        self.writes.store(group, *trajectories)
        return group

    def _organisation_of(self, trajectory_ids: list[UUID]) -> str:
        """The organisation of the group's first trajectory (for a caller of no one
        organisation): every other must be of it too."""
        try:
            return self.handlers.trajectory(trajectory_ids[0]).organisation
        except (DomainError, IndexError):
            return ""  # GroupSession.hold names what is wrong

    def get(self, group_session_id: UUID, within: str | None = None) -> GroupSession:
        return owned(
            self.writes, group_session_id, GroupSession, within, GroupSessionNotFound
        )
