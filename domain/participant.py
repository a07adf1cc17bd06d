"""The Participant aggregate: the only place personal data lives.

Trajectories refer to a participant by id and copy only codes (age band, gender).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.calendar import today
from domain.commands import RegisterParticipant
from domain.errors import BirthDateInFuture
from domain.errors import InvalidNationalNumber
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.errors import NationalNumberRegistered
from domain.errors import ParticipantErasedError
from domain.errors import UnknownFields
from domain.topics import NamedTopics
from domain.vocabulary import AgeBand
from domain.vocabulary import Gender

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


SEPARATORS = re.compile(r"[ .-]")
ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
BIS_MONTH_OFFSETS = (0, 20, 40)  # a BIS number adds 20 or 40 to the month


def national_number_digits(number: str) -> str:
    """The number without its dots, dashes and spaces: how it is kept, compared and
    indexed (numbers stored before are read as they were typed)."""
    return SEPARATORS.sub("", number)


def check_national_register_number(number: str, birth_date: date) -> str:
    """A Belgian national register number (or BIS number) of someone born on
    ``birth_date``, as its 11 digits: the first six are the birth date (YYMMDD; 00
    for a month or day not known; a BIS number adds 20 or 40 to the month), then a
    serial of three, then two check digits: 97 minus the first nine modulo 97, with
    a 2 before those nine for births from 2000 on."""
    digits = national_number_digits(number)
    if not ELEVEN_DIGITS.fullmatch(digits):
        raise InvalidNationalNumber("a national register number has 11 digits")
    year, month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    months = {birth_date.month + offset for offset in BIS_MONTH_OFFSETS}
    months |= {offset for offset in BIS_MONTH_OFFSETS}  # the month not known
    if (
        year != birth_date.year % 100
        or month not in months
        or day not in (birth_date.day, 0)
    ):
        raise InvalidNationalNumber(
            "the national register number's first six digits are not the birth "
            "date (YYMMDD)"
        )
    first_nine = digits[:9] if birth_date.year < 2000 else "2" + digits[:9]
    if int(digits[9:]) != 97 - int(first_nine) % 97:
        raise InvalidNationalNumber(
            "the national register number's check digits do not match"
        )
    return digits


# Names as people compare them -------------------------------------------------------


def name_words(name: str) -> list[str]:
    """The words of a name in lower case without accents, split at anything but a
    letter or a digit: "Van den Broeck-Müller" is van, den, broeck, muller."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = (
        char if char.isalnum() else " "
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return "".join(kept).split()


def comparable(name: str) -> str:
    """A name as the same name compares: case, accents, spaces and hyphens aside
    ("Vandenbroeck" is "Van den Broeck")."""
    return "".join(name_words(name))


@dataclass(frozen=True)
class KnownParticipant:
    """Someone registered already in the dossiers a registration is checked against
    (not erased), as the duplicate rules see them."""

    id: UUID
    given_name: str
    family_name: str
    birth_date: date
    national_register_number: str | None


def same_name(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Given and family name alike, either way round (entered in each other's
    field), as names compare."""
    return sorted(map(comparable, a)) == sorted(map(comparable, b))


def age_on(birth_date: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


class Participant(NamedTopics, Aggregate):
    @classmethod
    def register(
        cls,
        registration: RegisterParticipant,
        *,
        organisation: str | None = None,
        recorded_by: str,
        known: Iterable[KnownParticipant] = (),
    ) -> Participant:
        """``organisation`` keeps the participant's dossier: only its staff read it.
        ``known`` are the participants already in that organisation's dossiers
        whose number, or birth date, is the registration's: the same number is
        refused, and the same name and birth date unless the registration confirms
        that this is another person."""
        details = _checked(registration)
        _check_not_known(details, list(known))
        return cls(
            **_details(details), organisation=organisation, recorded_by=recorded_by
        )

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
        current = _details(self)
        # Only what changes is checked: a number accepted under the rules of its
        # day stays as it was stored until it, or the birth date, is changed.
        proposed = RegisterParticipant(**{**current, **changes})
        checked = vars(_checked(proposed, changing=set(changes)))
        changed = {
            k: v for k, v in checked.items() if k in CHANGEABLE and current[k] != v
        }
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


def _details(holder: object) -> dict[str, Any]:
    """The personal details ``holder`` has (a registration, a participant), by name."""
    return {name: getattr(holder, name) for name in CHANGEABLE}


def _checked(
    details: RegisterParticipant, *, changing: Collection[str] = CHANGEABLE
) -> RegisterParticipant:
    """The details, if those ``changing`` are valid (all, for a registration), with
    the names trimmed and the national register number as its 11 digits."""
    changing = set(changing)
    given_name, family_name = details.given_name.strip(), details.family_name.strip()
    if not given_name or not family_name:
        raise InvalidValue("a participant needs a given name and a family name")
    # Messages name the problem, never the value: they may reach a log.
    number = details.national_register_number
    if "birth_date" in changing:
        on = today()
        if details.birth_date > on:
            raise BirthDateInFuture(on)
        if details.birth_date.year < 1900:
            raise InvalidValue("the birth date is before 1900")
    if number is not None and changing & {"national_register_number", "birth_date"}:
        number = check_national_register_number(number, details.birth_date)
    email, phone = details.email, details.phone
    if "email" in changing and email is not None and not EMAIL.match(email):
        raise InvalidValue("the email address is not one: it needs a name, @, a domain")
    if "phone" in changing and phone is not None and not PHONE.match(phone):
        raise InvalidValue("the phone number has characters a phone number cannot have")
    return replace(
        details,
        given_name=given_name,
        family_name=family_name,
        national_register_number=number,
    )


def _check_not_known(
    details: RegisterParticipant, known: list[KnownParticipant]
) -> None:
    """The registration is not of someone ``known``: refused by number always, by
    name and birth date unless confirmed to be another person."""
    number = details.national_register_number
    same_number = sorted(
        other.id
        for other in known
        if number is not None
        and other.national_register_number is not None
        and national_number_digits(other.national_register_number) == number
    )
    if same_number:
        raise NationalNumberRegistered(same_number)
    if details.confirmed_new_person:
        return
    name = (details.given_name, details.family_name)
    alike = sorted(
        other.id
        for other in known
        if other.birth_date == details.birth_date
        and same_name(name, (other.given_name, other.family_name))
    )
    if alike:
        raise LikelyDuplicate(alike)
