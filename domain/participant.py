"""The Participant aggregate: the only place personal data lives.

Trajectories refer to a participant by id and copy only codes (age band, gender).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as BaseSnapshot

from domain.errors import DomainError, InvalidValue
from domain.vocabulary import AgeBand, Gender

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()/.-]{6,20}$")
CHANGEABLE = (
    "given_name",
    "family_name",
    "birth_date",
    "gender",
    "national_register_number",
    "email",
    "phone",
)


class ParticipantErasedError(DomainError):
    code = "participant_erased"
    template = "the participant's personal data was erased"

    def __init__(self) -> None:
        super().__init__()


class BirthDateInFuture(DomainError):
    code = "date_in_future"
    template = "the birth date is after today ({today})"

    def __init__(self, today: date) -> None:
        super().__init__(today=today)


class UnknownFields(InvalidValue):
    template = "unknown participant fields: {fields}"

    def __init__(self, fields: list[str]) -> None:
        super().__init__(fields=fields)


def check_national_register_number(number: str) -> None:
    """Belgian national register number: 11 digits, the last two a mod-97 check."""
    digits = re.sub(r"[ .-]", "", number)
    if not (digits.isdigit() and len(digits) == 11):
        raise InvalidValue("a national register number has 11 digits")
    base, check = int(digits[:9]), int(digits[9:])
    if check not in (97 - base % 97, 97 - int("2" + digits[:9]) % 97):
        raise InvalidValue("the national register number's check digits do not match")


def age_on(birth_date: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


class Participant(Aggregate):
    TOPIC = "trajectory:Participant"

    class Event(Aggregate.Event):
        TOPIC = "trajectory:Participant.Event"

    class Snapshot(BaseSnapshot):
        TOPIC = "trajectory:Participant.Snapshot"

    @classmethod
    def register(
        cls,
        *,
        given_name: str,
        family_name: str,
        birth_date: date,
        gender: Gender,
        national_register_number: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        organisation: str | None = None,
        recorded_by: str,
    ) -> Participant:
        """``organisation`` keeps the participant's dossier: only its staff read it."""
        details = _checked(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            gender=gender,
            national_register_number=national_register_number,
            email=email,
            phone=phone,
        )
        return cls(**details, organisation=organisation, recorded_by=recorded_by)

    @event("ParticipantRegistered", topic="trajectory:ParticipantRegistered")
    def __init__(
        self,
        given_name: str,
        family_name: str,
        birth_date: date,
        gender: Gender,
        national_register_number: str | None,
        email: str | None,
        phone: str | None,
        recorded_by: str,
        organisation: str | None = None,  # absent from participants registered early
    ) -> None:
        self.organisation = organisation
        self.given_name, self.family_name = given_name, family_name
        self.birth_date, self.gender = birth_date, gender
        self.national_register_number = national_register_number
        self.email, self.phone = email, phone
        self.erased = False

    def age_on(self, on: date) -> int:
        self.check_readable()
        return age_on(self.birth_date, on)

    def age_band_on(self, on: date) -> AgeBand:
        return AgeBand.of(self.age_on(on))

    def change_details(self, *, recorded_by: str, **changes: Any) -> None:
        self.check_readable()
        unknown = sorted(set(changes) - set(CHANGEABLE))
        if unknown:
            raise UnknownFields(unknown)
        current = {name: getattr(self, name) for name in CHANGEABLE}
        checked = _checked(**{**current, **changes})
        changed = {k: v for k, v in checked.items() if current[k] != v}
        if not changed:
            raise InvalidValue("the change leaves every detail as it was")
        self._details_changed(changes=changed, recorded_by=recorded_by)

    @event("ParticipantDetailsChanged", topic="trajectory:ParticipantDetailsChanged")
    def _details_changed(self, changes: dict[str, Any], recorded_by: str) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    def erase(self, *, recorded_by: str) -> None:
        """Erasing twice is harmless: the second call records nothing."""
        if not self.erased:
            self._erased(recorded_by=recorded_by)

    @event("ParticipantErased", topic="trajectory:ParticipantErased")
    def _erased(self, recorded_by: str) -> None:
        self.erased = True
        self.given_name = self.family_name = ""
        self.national_register_number = self.email = self.phone = None

    def check_readable(self) -> None:
        if self.erased:
            raise ParticipantErasedError()


def _checked(
    *,
    given_name: str,
    family_name: str,
    birth_date: date,
    gender: Gender,
    national_register_number: str | None,
    email: str | None,
    phone: str | None,
) -> dict[str, Any]:
    if not given_name.strip() or not family_name.strip():
        raise InvalidValue("a participant needs a given name and a family name")
    # Messages name the problem, never the value: they may reach a log.
    today = date.today()
    if birth_date > today:
        raise BirthDateInFuture(today)
    if birth_date.year < 1900:
        raise InvalidValue("the birth date is before 1900")
    if national_register_number is not None:
        check_national_register_number(national_register_number)
    if email is not None and not EMAIL.match(email):
        raise InvalidValue("the email address is not one: it needs a name, @, a domain")
    if phone is not None and not PHONE.match(phone):
        raise InvalidValue("the phone number has characters a phone number cannot have")
    return {
        "given_name": given_name.strip(),
        "family_name": family_name.strip(),
        "birth_date": birth_date,
        "gender": gender,
        "national_register_number": national_register_number,
        "email": email,
        "phone": phone,
    }
