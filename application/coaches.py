"""The coaches of each organisation: registered once (by an admin, or with a staff
member's token), listed in the order of a log, chosen by id for a trajectory."""

from __future__ import annotations

from uuid import NAMESPACE_URL
from uuid import UUID
from uuid import uuid5

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

from application.aggregates import Registry
from application.aggregates import owned
from application.errors import CoachAlreadyRegistered
from application.errors import CoachNotFound
from application.idempotency import IdempotencyKey
from application.writes import Answer
from application.writes import Writes
from domain.coach import Coach
from domain.coach import CoachRef
from domain.coach import comparable
from domain.commands import CoachLeaves
from domain.commands import RegisterCoach
from domain.errors import CoachHasLeft

COACH_LOG_ID = uuid5(NAMESPACE_URL, "trajectory:coach-log")


class CoachLogged(DomainEvent):
    TOPIC = "trajectory:CoachLogged"
    coach_id: UUID


register_topic(CoachLogged.TOPIC, CoachLogged)


class Coaches(Registry[Coach, RegisterCoach, CoachLogged]):
    def __init__(self, app: Application[UUID], writes: Writes) -> None:
        super().__init__(app, writes, COACH_LOG_ID, CoachLogged)

    def _register(self, registration: RegisterCoach, recorded_by: str) -> Coach:
        """Registers a coach; one of the same name (without case, accents or extra
        spaces) in the organisation is refused."""
        coach = Coach.register(registration, recorded_by)
        return self.in_log(
            coach,
            lambda: self.log.trigger_event(coach_id=coach.id),
            lambda: CoachAlreadyRegistered(coach.name, coach.organisation),
        )

    def ensure(self, name: str, organisation: str, *, recorded_by: str) -> Coach:
        """The organisation's coach of that name, registered now if they were not:
        a staff member given a token is one of the organisation's coaches."""
        try:
            return self.get(Coach.id_for(organisation, name))
        except CoachNotFound:
            pass
        try:
            return self._register(
                RegisterCoach(name=name, organisation=organisation), recorded_by
            )
        except CoachAlreadyRegistered:  # registered meanwhile
            return self.get(Coach.id_for(organisation, name))

    def leave(
        self,
        coach_id: UUID,
        leaving: CoachLeaves,
        *,
        recorded_by: str,
        within: str | None = None,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        def left() -> Coach:
            coach = self.get(coach_id, within)
            coach.leave(leaving, recorded_by)
            self.writes.save(coach.id, None, coach)
            return coach

        return self.writes.answer(key, left)

    def get(self, coach_id: UUID, within: str | None = None) -> Coach:
        """The coach; ``within`` an organisation, another's is not found."""
        return owned(self.writes, coach_id, Coach, within, CoachNotFound)

    def chosen(self, coach_id: UUID) -> CoachRef:
        """The coach a command names, who must still be with their organisation
        (the trajectory checks that it is its own)."""
        coach = self.get(coach_id)
        if coach.left_on is not None:
            raise CoachHasLeft(coach.name, coach.left_on)
        return coach.ref

    def all(
        self, organisation: str | None = None, *, active: bool | None = None
    ) -> list[Coach]:
        """The coaches (of ``organisation``; only those still there, or only those
        who left, if ``active`` says so), by organisation and name."""
        coaches = [self.writes.get(logged.coach_id, Coach) for logged in self.log.get()]
        return sorted(
            (
                c
                for c in coaches
                if (organisation is None or c.organisation == organisation)
                and (active is None or c.active == active)
            ),
            key=lambda c: (c.organisation, comparable(c.name)),
        )
