"""The Programme aggregate: a funded project with a period, a budget and eligibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL
from uuid import UUID
from uuid import uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.calendar import today
from domain.commands import ChangeProgrammePeriod
from domain.commands import RegisterProgramme
from domain.commands import values_of
from domain.errors import AgeNotEligible
from domain.errors import AgeRangeInvalid
from domain.errors import DateInFuture
from domain.errors import InvalidValue
from domain.errors import NegativeBudget
from domain.errors import OrganisationNotInProgramme
from domain.errors import PeriodChangeChangesNothing
from domain.errors import ProgrammeEndsBeforeStart
from domain.errors import ProgrammeNotRunning
from domain.errors import ProgrammeNotStarted
from domain.errors import ReasonRequired
from domain.errors import SessionCapBelowOne
from domain.topics import NamedTopics


class Programme(NamedTopics, Aggregate):
    @staticmethod
    def id_for(code: str) -> UUID:
        """One programme per code: the id follows from the code."""
        return uuid5(NAMESPACE_URL, f"trajectory:programme:{code}")

    @staticmethod
    def create_id(code: str) -> UUID:
        return Programme.id_for(code)

    class ProgrammeRegistered(Aggregate.Created):
        """Version 2: an ongoing programme has no end date (``ends_on`` None)."""

        TOPIC = "trajectory:ProgrammeRegistered"
        class_version = 2

        code: str
        name: str
        funder: str
        organisations: list[str]
        starts_on: date
        ends_on: date | None
        budget: Decimal | None
        min_age: int
        max_age: int
        session_cap: int | None
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 always had an end date: it reads as it was recorded."""

    @classmethod
    def register(cls, registration: RegisterProgramme, recorded_by: str) -> Programme:
        r = registration
        if not r.code.strip() or not r.name.strip() or not r.funder.strip():
            raise InvalidValue("a programme needs a code, a name and a funder")
        if not r.organisations or any(not o.strip() for o in r.organisations):
            raise InvalidValue("a programme needs at least one named organisation")
        if r.ends_on is not None and r.ends_on < r.starts_on:
            raise ProgrammeEndsBeforeStart(r.starts_on, r.ends_on)
        if r.budget is not None and r.budget < 0:
            raise NegativeBudget(r.budget)
        if not 0 <= r.min_age <= r.max_age <= 120:
            raise AgeRangeInvalid(r.min_age, r.max_age)
        if r.session_cap is not None and r.session_cap < 1:
            raise SessionCapBelowOne(r.session_cap)
        organisations = list(dict.fromkeys(r.organisations))
        return cls(**values_of(r, organisations=organisations, recorded_by=recorded_by))

    @event(ProgrammeRegistered)
    def __init__(
        self,
        code: str,
        name: str,
        funder: str,
        organisations: list[str],
        starts_on: date,
        ends_on: date | None,
        budget: Decimal | None,
        min_age: int,
        max_age: int,
        session_cap: int | None,
        recorded_by: str,
    ) -> None:
        self.code, self.name, self.funder = code, name, funder
        self.organisations = list(organisations)
        self.starts_on, self.ends_on = starts_on, ends_on
        self.budget = budget
        self.min_age, self.max_age = min_age, max_age
        self.session_cap = session_cap
        # The end date and total budget from each day on: the registration's, then
        # each change's.
        self.periods: list[Period] = [
            Period(since=None, ends_on=ends_on, budget=budget)
        ]

    # The period ------------------------------------------------------------------

    def change_period(self, change: ChangeProgrammePeriod, recorded_by: str) -> None:
        if change.on > today():
            raise DateInFuture("the period change", change.on, today())
        if not change.reason.strip():
            raise ReasonRequired("a change of a programme's period")
        if change.ends_on is not None and change.ends_on < self.starts_on:
            raise ProgrammeEndsBeforeStart(self.starts_on, change.ends_on)
        if change.budget is not None and change.budget < 0:
            raise NegativeBudget(change.budget)
        if change.ends_on == self.ends_on and change.budget in (None, self.budget):
            raise PeriodChangeChangesNothing()
        self._period_changed(**values_of(change, recorded_by=recorded_by))

    @event("ProgrammePeriodChanged", topic="trajectory:ProgrammePeriodChanged")
    def _period_changed(
        self,
        on: date,
        ends_on: date | None,
        reason: str,
        budget: Decimal | None,
        recorded_by: str,
    ) -> None:
        self.ends_on = ends_on
        if budget is not None:
            self.budget = budget
        self.periods = [p for p in self.periods if p.since is None or p.since < on]
        self.periods.append(Period(since=on, ends_on=ends_on, budget=self.budget))

    def period_as_of(self, day: date) -> Period:
        """The period as it stood on ``day``: the last change decided by then."""
        return [p for p in self.periods if p.since is None or p.since <= day][-1]

    def ends_on_as_of(self, day: date) -> date | None:
        """The end date as it stood on ``day``."""
        return self.period_as_of(day).ends_on

    def budget_as_of(self, day: date) -> Decimal | None:
        """The total budget as it stood on ``day``: the registration's, or the last
        one a change granted by then."""
        return self.period_as_of(day).budget

    def check_referral(self, *, on: date, age: int, organisation: str) -> None:
        """The programme's part of the referral rules, against the period as it
        stood on the referral date."""
        ends_on = self.ends_on_as_of(on)
        if ends_on is None and on < self.starts_on:
            raise ProgrammeNotStarted(self.code, on, self.starts_on)
        if ends_on is not None and not self.starts_on <= on <= ends_on:
            raise ProgrammeNotRunning(self.code, on, self.starts_on, ends_on)
        if organisation not in self.organisations:
            raise OrganisationNotInProgramme(self.code, organisation)
        if not self.min_age <= age <= self.max_age:
            raise AgeNotEligible(self.code, age, self.min_age, self.max_age)


@dataclass(frozen=True)
class Period:
    """From ``since`` on (None: from the registration), the programme ends on
    ``ends_on`` (None: no end yet), with a total budget of ``budget`` (None: none
    known)."""

    since: date | None
    ends_on: date | None
    budget: Decimal | None = None
