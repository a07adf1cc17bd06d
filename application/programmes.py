"""The programme catalogue: programmes registered once, in the order of a log; a
programme's period may change later (extended, closed)."""

from __future__ import annotations

from uuid import NAMESPACE_URL
from uuid import UUID
from uuid import uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

from application.aggregates import Registry
from application.errors import ProgrammeAlreadyRegistered
from application.errors import ProgrammeNotFound
from application.idempotency import IdempotencyKey
from application.writes import Answer
from application.writes import Writes
from domain.commands import ChangeProgrammePeriod
from domain.commands import RegisterProgramme
from domain.programme import Programme

PROGRAMME_LOG_ID = uuid5(NAMESPACE_URL, "trajectory:programme-log")


class ProgrammeLogged(DomainEvent):
    TOPIC = "trajectory:ProgrammeLogged"
    programme_id: UUID


# Aggregates register their explicit topics themselves; a plain event must be told,
# or a fresh process could not decode what an earlier one stored.
register_topic(ProgrammeLogged.TOPIC, ProgrammeLogged)


class Programmes(Registry[Programme, RegisterProgramme, ProgrammeLogged]):
    def __init__(self, app: Application[UUID], writes: Writes) -> None:
        super().__init__(app, writes, PROGRAMME_LOG_ID, ProgrammeLogged)
        self._caps: dict[str, int | None] = {}  # see session_cap

    def _register(self, registration: RegisterProgramme, recorded_by: str) -> Programme:
        """Registers a programme; one of the same code is refused."""
        programme = Programme.register(registration, recorded_by)
        return self.in_log(
            programme,
            lambda: self.log.trigger_event(programme_id=programme.id),
            lambda: ProgrammeAlreadyRegistered(registration.code),
        )

    def change_period(
        self,
        code: str,
        change: ChangeProgrammePeriod,
        *,
        recorded_by: str,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Extends or closes the programme's period from ``change.on`` (a referral is
        checked against the period as it stood on the referral date)."""

        def changed() -> Programme:
            programme = self.get(code)
            programme.change_period(change, recorded_by)
            self.writes.save(programme.id, None, programme)
            return programme

        return self.writes.answer(key, changed)

    def get(self, code: str) -> Programme:
        """The programme as it stands (read through the aggregate cache, which
        catches up with changes made by other processes)."""
        try:
            return self.writes.get(Programme.id_for(code), Programme)
        except AggregateNotFoundError:
            raise ProgrammeNotFound(code) from None

    def session_cap(self, code: str) -> int | None:
        """The programme's cap on sessions per year, read without a copy of it. The
        cap is set when the programme is registered (in a transaction of its own,
        never in a batch: what is read is stored), and no command changes it: once
        read it is kept, and a session recorded later asks the store nothing about
        its programme (one round trip less on the commonest write)."""
        if code in self._caps:
            return self._caps[code]
        try:
            cap = self.writes.peek(
                Programme.id_for(code), Programme, lambda p: p.session_cap
            )
        except AggregateNotFoundError:
            raise ProgrammeNotFound(code) from None
        self._caps[code] = cap
        return cap

    def all(self) -> list[Programme]:
        """Every programme, in the order they were registered."""
        return [
            self.writes.get(logged.programme_id, Programme) for logged in self.log.get()
        ]
