"""The Coach aggregate: a staff member of one organisation who guides trajectories.

A coach is registered by an admin (or with a staff member's token), with or without a
token to sign in. Their id follows from the organisation and the name as registered,
compared without case, accents or extra spaces: "Bart Peeters" and "bart  peeters" of
one organisation are one coach, and two coaches of the same name in two organisations
are two people. So a history recorded before coaches were registered, which names its
coach only, belongs to the coach registered under that name in its organisation.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL
from uuid import UUID
from uuid import uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.calendar import today
from domain.commands import CoachLeaves
from domain.commands import RegisterCoach
from domain.errors import CoachAlreadyLeft
from domain.errors import DateInFuture
from domain.errors import InvalidValue
from domain.topics import NamedTopics


def comparable(name: str) -> str:
    """A name as names are compared: without case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class CoachRef:
    """A coach as a trajectory names them: id, name as registered, organisation."""

    id: UUID
    name: str
    organisation: str


class Coach(NamedTopics, Aggregate):
    @staticmethod
    def id_for(organisation: str, name: str) -> UUID:
        """One coach per organisation and name (compared as ``comparable``)."""
        return uuid5(
            NAMESPACE_URL,
            f"trajectory:coach:{comparable(organisation)}:{comparable(name)}",
        )

    @staticmethod
    def create_id(organisation: str, name: str) -> UUID:
        return Coach.id_for(organisation, name)

    class CoachRegistered(Aggregate.Created):
        TOPIC = "trajectory:CoachRegistered"

        name: str
        organisation: str
        recorded_by: str

    @classmethod
    def register(cls, registration: RegisterCoach, recorded_by: str) -> Coach:
        name, organisation = registration.name.strip(), registration.organisation
        if not name or not comparable(name):
            raise InvalidValue("a coach needs a name")
        if not organisation.strip():
            raise InvalidValue("a coach belongs to an organisation")
        return cls(
            name=" ".join(name.split()),
            organisation=organisation,
            recorded_by=recorded_by,
        )

    @event(CoachRegistered)
    def __init__(self, name: str, organisation: str, recorded_by: str) -> None:
        self.name = name
        self.organisation = organisation
        self.left_on: date | None = None

    @property
    def ref(self) -> CoachRef:
        return CoachRef(self.id, self.name, self.organisation)

    @property
    def active(self) -> bool:
        """Still with the organisation: a coach who left is not chosen any more."""
        return self.left_on is None

    def leave(self, leaving: CoachLeaves, recorded_by: str) -> None:
        if self.left_on is not None:
            raise CoachAlreadyLeft(self.name, self.left_on)
        if leaving.on > today():
            raise DateInFuture("the coach's leaving", leaving.on, today())
        self._left(on=leaving.on, recorded_by=recorded_by)

    @event("CoachLeft", topic="trajectory:CoachLeft")
    def _left(self, on: date, recorded_by: str) -> None:
        self.left_on = on
