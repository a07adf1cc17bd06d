"""The Programme aggregate: a funded project with a period, a budget and eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as BaseSnapshot

from domain.errors import DomainError, InvalidValue


class ProgrammeNotRunning(DomainError):
    code = "programme_not_running"
    template = "programme {code} runs from {starts_on} to {ends_on}, not on {on}"

    def __init__(self, code: str, on: date, starts_on: date, ends_on: date) -> None:
        super().__init__(code=code, on=on, starts_on=starts_on, ends_on=ends_on)


class AgeNotEligible(DomainError):
    code = "age_not_eligible"
    template = (
        "programme {code} takes participants aged {min_age} to {max_age}; "
        "this participant is {age} on the referral date"
    )

    def __init__(self, code: str, age: int, min_age: int, max_age: int) -> None:
        super().__init__(code=code, age=age, min_age=min_age, max_age=max_age)


class OrganisationNotInProgramme(DomainError):
    code = "organisation_not_in_programme"
    template = "{organisation} is not an organisation of programme {code}"

    def __init__(self, code: str, organisation: str) -> None:
        super().__init__(code=code, organisation=organisation)


class ProgrammeEndsBeforeStart(InvalidValue):
    template = "programme end on {ends_on} is before its start on {starts_on}"

    def __init__(self, starts_on: date, ends_on: date) -> None:
        super().__init__(starts_on=starts_on, ends_on=ends_on)


class NegativeBudget(InvalidValue):
    template = "budget {budget} is negative"

    def __init__(self, budget: Decimal) -> None:
        super().__init__(budget=budget)


class AgeRangeInvalid(InvalidValue):
    template = "age range {min_age} to {max_age} is not a range between 0 and 120"

    def __init__(self, min_age: int, max_age: int) -> None:
        super().__init__(min_age=min_age, max_age=max_age)


class SessionCapBelowOne(InvalidValue):
    template = "session cap {session_cap} is not at least 1"

    def __init__(self, session_cap: int) -> None:
        super().__init__(session_cap=session_cap)


class Programme(Aggregate):
    TOPIC = "trajectory:Programme"

    class Event(Aggregate.Event):
        TOPIC = "trajectory:Programme.Event"

    class Snapshot(BaseSnapshot):
        TOPIC = "trajectory:Programme.Snapshot"

    @staticmethod
    def id_for(code: str) -> UUID:
        """One programme per code: the id follows from the code."""
        return uuid5(NAMESPACE_URL, f"trajectory:programme:{code}")

    @staticmethod
    def create_id(code: str) -> UUID:
        return Programme.id_for(code)

    @classmethod
    def register(
        cls,
        *,
        code: str,
        name: str,
        funder: str,
        organisations: list[str],
        starts_on: date,
        ends_on: date,
        budget: Decimal | None,
        min_age: int,
        max_age: int,
        session_cap: int | None,
        recorded_by: str,
    ) -> Programme:
        if not code.strip() or not name.strip() or not funder.strip():
            raise InvalidValue("a programme needs a code, a name and a funder")
        if not organisations or any(not o.strip() for o in organisations):
            raise InvalidValue("a programme needs at least one named organisation")
        if ends_on < starts_on:
            raise ProgrammeEndsBeforeStart(starts_on, ends_on)
        if budget is not None and budget < 0:
            raise NegativeBudget(budget)
        if not 0 <= min_age <= max_age <= 120:
            raise AgeRangeInvalid(min_age, max_age)
        if session_cap is not None and session_cap < 1:
            raise SessionCapBelowOne(session_cap)
        return cls(
            code=code,
            name=name,
            funder=funder,
            organisations=list(dict.fromkeys(organisations)),
            starts_on=starts_on,
            ends_on=ends_on,
            budget=budget,
            min_age=min_age,
            max_age=max_age,
            session_cap=session_cap,
            recorded_by=recorded_by,
        )

    @event("ProgrammeRegistered", topic="trajectory:ProgrammeRegistered")
    def __init__(
        self,
        code: str,
        name: str,
        funder: str,
        organisations: list[str],
        starts_on: date,
        ends_on: date,
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

    def check_referral(self, *, on: date, age: int, organisation: str) -> None:
        """The programme's part of the referral rules."""
        if not self.starts_on <= on <= self.ends_on:
            raise ProgrammeNotRunning(self.code, on, self.starts_on, self.ends_on)
        if organisation not in self.organisations:
            raise OrganisationNotInProgramme(self.code, organisation)
        if not self.min_age <= age <= self.max_age:
            raise AgeNotEligible(self.code, age, self.min_age, self.max_age)
