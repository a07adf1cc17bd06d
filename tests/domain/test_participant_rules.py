"""The Participant aggregate's rules: the only place personal data lives."""

from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.commands import RegisterParticipant
from domain.errors import BirthDateInFuture
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.errors import NationalNumberRegistered
from domain.errors import ParticipantErasedError
from domain.participant import KnownParticipant
from domain.participant import Participant
from domain.vocabulary import AgeBand
from domain.vocabulary import Gender

BIRTH_DATE = date(2001, 5, 14)
NRN_BORN_1993 = "93.05.18-223.61"  # born on 18 May 1993
NRN_BORN_2005 = "05.03.01-045.80"  # born on 1 March 2005
NRN = "01.05.14-517.21"  # of BIRTH_DATE
TODAY = date(2026, 12, 6)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("domain.participant.today", lambda: TODAY)


def national_number(
    born: date, serial: str, *, month: int | None = None, day: int | None = None
) -> str:
    """A number with the right check digits for someone born on ``born``; the
    month and day digits ``month`` and ``day`` if given (00 not known; the month
    plus 20 or 40 for a BIS number)."""
    month = born.month if month is None else month
    day = born.day if day is None else day
    first_nine = f"{born:%y}{month:02d}{day:02d}{serial}"
    base = int(first_nine) if born.year < 2000 else int("2" + first_nine)
    return f"{first_nine}{97 - base % 97:02d}"


def registered(**overrides: Any) -> Participant:
    fields: dict[str, Any] = {
        "given_name": "Anna",
        "family_name": "Peeters",
        "birth_date": BIRTH_DATE,
        "gender": Gender.F,
        "national_register_number": None,
        "email": "anna.peeters@example.be",
        "phone": "+32 9 123 45 67",
    }
    recorded_by = overrides.pop("recorded_by", "Hilde")
    organisation = overrides.pop("organisation", None)
    return Participant.register(
        RegisterParticipant(**{**fields, **overrides}),
        organisation=organisation,
        recorded_by=recorded_by,
    )


# Registration -------------------------------------------------------------------------


def test_a_registered_participant_keeps_the_personal_details() -> None:
    participant = registered(
        given_name=" Anna ",
        family_name="Peeters",
        birth_date=BIRTH_DATE,
        gender=Gender.X,
        national_register_number=NRN,
        email="anna@example.be",
        phone="09/123.45.67",
    )

    assert participant.given_name == "Anna"
    assert participant.family_name == "Peeters"
    assert participant.birth_date == BIRTH_DATE
    assert participant.gender is Gender.X
    assert participant.national_register_number == "01051451721"
    assert participant.email == "anna@example.be"
    assert participant.phone == "09/123.45.67"
    assert not participant.erased


def test_the_register_number_email_and_phone_are_optional() -> None:
    participant = registered(national_register_number=None, email=None, phone=None)

    assert participant.national_register_number is None
    assert participant.email is None
    assert participant.phone is None


@pytest.mark.parametrize("blank", ["given_name", "family_name"])
def test_a_participant_needs_a_given_and_a_family_name(blank: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(**{blank: " "})

    assert refused.value.code == "invalid_value"
    assert "given name and a family name" in refused.value.message


def test_a_birth_date_of_today_is_accepted() -> None:
    participant = registered(birth_date=TODAY)

    assert participant.birth_date == TODAY


def test_a_birth_date_in_the_future_is_refused() -> None:
    tomorrow = TODAY + timedelta(days=1)

    with pytest.raises(BirthDateInFuture) as refused:
        registered(birth_date=tomorrow)

    assert refused.value.code == "date_in_future"
    assert refused.value.message == f"the birth date is after today ({TODAY})"


def test_a_birth_date_before_1900_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(birth_date=date(1899, 12, 31))

    assert refused.value.code == "invalid_value"
    assert refused.value.message == "the birth date is before 1900"  # not the date


# The national register number -------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "born"),
    [
        (NRN_BORN_1993, date(1993, 5, 18)),
        ("93051822361", date(1993, 5, 18)),
        ("93 05 18 223 61", date(1993, 5, 18)),
        (NRN_BORN_2005, date(2005, 3, 1)),
    ],
)
def test_a_national_register_number_is_kept_as_its_11_digits(
    number: str, born: date
) -> None:
    # Given a number typed with or without dots, dashes and spaces

    # When someone born on its date is registered with it
    participant = registered(national_register_number=number, birth_date=born)

    # Then it is kept as its 11 digits
    assert participant.national_register_number == number.replace(".", "").replace(
        "-", ""
    ).replace(" ", "")
    assert len(participant.national_register_number or "") == 11


def test_the_check_digits_of_a_birth_from_2000_on_count_a_2_before_the_number() -> None:
    # Given a number of someone born in 2005, and the same digits' check as if the
    # person were born in 1905
    born = date(2005, 3, 1)
    right = national_number(born, "045")
    as_if_1905 = national_number(date(1905, 3, 1), "045")

    # When each is registered for the birth in 2005
    accepted = registered(national_register_number=right, birth_date=born)
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=as_if_1905, birth_date=born)

    # Then only the one checked with the 2 before it is accepted
    assert accepted.national_register_number == right
    assert "check digits do not match" in refused.value.message


@pytest.mark.parametrize(
    ("number", "born"),
    [("93.05.18-223.62", date(1993, 5, 18)), ("05.03.01-045.81", date(2005, 3, 1))],
)
def test_a_national_register_number_whose_check_digits_do_not_match_is_refused(
    number: str, born: date
) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=number, birth_date=born)

    assert refused.value.code == "invalid_value"
    assert "check digits do not match" in refused.value.message


@pytest.mark.parametrize(
    "born",
    [date(1993, 5, 19), date(1993, 6, 18), date(1994, 5, 18), date(1983, 5, 18)],
)
def test_a_national_register_number_of_another_birth_date_is_refused(
    born: date,
) -> None:
    # Given a number of someone born on 18 May 1993

    # When it is registered for another birth date
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=NRN_BORN_1993, birth_date=born)

    # Then it is refused, naming the rule and not the number
    assert refused.value.code == "invalid_value"
    assert "first six digits are not the birth date" in refused.value.message
    assert "930518" not in refused.value.message


@pytest.mark.parametrize(
    ("month", "day"),
    [(0, 0), (5, 0), (0, 14), (25, 14), (45, 14), (20, 0), (40, 0)],
)
def test_a_birth_month_or_day_not_known_is_00_and_a_bis_number_adds_20_or_40(
    month: int, day: int
) -> None:
    # Given a number with 00 for a month or day not known, or a BIS number
    number = national_number(BIRTH_DATE, "517", month=month, day=day)

    # When it is registered for the birth date recorded for the person
    participant = registered(national_register_number=number, birth_date=BIRTH_DATE)

    # Then it is accepted
    assert participant.national_register_number == number


@pytest.mark.parametrize("number", ["93.05.18-223.6", "930518223610", "93O51822361"])
def test_a_national_register_number_without_11_digits_is_refused(number: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=number, birth_date=date(1993, 5, 18))

    assert refused.value.code == "invalid_value"
    assert "11 digits" in refused.value.message


def test_digits_of_other_scripts_are_not_a_national_register_number() -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number="٩٣٠٥١٨٢٢٣٦١", birth_date=date(1993, 5, 18))

    assert "11 digits" in refused.value.message


@pytest.mark.parametrize("email", ["anna.peeters", "anna@example", "an na@example.be"])
def test_an_email_that_is_not_an_address_is_refused(email: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(email=email)

    assert refused.value.code == "invalid_value"
    assert "email address is not one" in refused.value.message
    assert email not in refused.value.message  # personal data is never echoed


@pytest.mark.parametrize("phone", ["0470 12 34 56", "+32 (0)9 123-45-67"])
def test_a_phone_number_of_digits_and_separators_is_accepted(phone: str) -> None:
    participant = registered(phone=phone)

    assert participant.phone == phone


@pytest.mark.parametrize("phone", ["call me", "12345", "0470 12 34 56 78 90 12 34"])
def test_a_phone_number_with_other_characters_or_length_is_refused(phone: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(phone=phone)

    assert refused.value.code == "invalid_value"
    assert "phone number" in refused.value.message


# Details changed ----------------------------------------------------------------------


def test_changed_details_replace_the_old_ones() -> None:
    participant = registered(email="anna@example.be", phone=None)
    participant.collect_events()

    participant.change_details(
        recorded_by="Hilde", email="anna.peeters@stad.gent", phone="0470 12 34 56"
    )

    assert participant.email == "anna.peeters@stad.gent"
    assert participant.phone == "0470 12 34 56"
    changed = participant.collect_events()
    assert [type(e).__name__ for e in changed] == ["ParticipantDetailsChanged"]
    assert vars(changed[0])["changes"] == {
        "email": "anna.peeters@stad.gent",
        "phone": "0470 12 34 56",
    }


def test_changed_details_are_checked_like_new_ones() -> None:
    participant = registered()
    participant.collect_events()

    with pytest.raises(InvalidValue) as refused:
        participant.change_details(recorded_by="Hilde", email="not-an-address")

    assert refused.value.code == "invalid_value"
    assert "email address is not one" in refused.value.message
    assert "not-an-address" not in refused.value.message  # never echoed
    assert participant.email == "anna.peeters@example.be"
    assert participant.collect_events() == []


def test_a_change_to_a_birth_date_in_the_future_is_refused() -> None:
    participant = registered()
    participant.collect_events()
    tomorrow = date.today() + timedelta(days=1)

    with pytest.raises(BirthDateInFuture) as refused:
        participant.change_details(recorded_by="Hilde", birth_date=tomorrow)

    assert refused.value.code == "date_in_future"
    assert str(tomorrow) not in refused.value.message
    assert participant.collect_events() == []


def test_a_change_of_an_unknown_field_is_refused() -> None:
    participant = registered()
    participant.collect_events()

    with pytest.raises(InvalidValue) as refused:
        participant.change_details(recorded_by="Hilde", shoe_size=42)

    assert refused.value.code == "invalid_value"
    assert "shoe_size" in refused.value.message
    assert participant.collect_events() == []


def test_a_change_that_leaves_every_detail_as_it_was_is_refused() -> None:
    participant = registered(given_name="Anna")
    participant.collect_events()

    with pytest.raises(InvalidValue) as refused:
        participant.change_details(recorded_by="Hilde", given_name=" Anna ")

    assert refused.value.code == "invalid_value"
    assert "as it was" in refused.value.message
    assert participant.collect_events() == []


def test_an_erased_participant_cannot_be_changed() -> None:
    participant = registered()
    participant.erase(recorded_by="Hilde")
    participant.collect_events()

    with pytest.raises(ParticipantErasedError) as refused:
        participant.change_details(recorded_by="Hilde", email="new@example.be")

    assert refused.value.code == "participant_erased"
    assert "erased" in refused.value.message
    assert participant.collect_events() == []


def a_participant_stored_with(number: str) -> Participant:
    """A participant as an earlier release stored them, with a number today's rules
    would refuse (it is not of their birth date)."""
    participant = registered()
    participant._details_changed(
        changes={"national_register_number": number}, recorded_by="Hilde"
    )
    participant.collect_events()
    return participant


def test_a_number_accepted_before_stays_as_stored_when_other_details_change() -> None:
    # Given a participant whose stored number today's rules would refuse
    participant = a_participant_stored_with(NRN_BORN_1993)

    # When their email changes
    participant.change_details(recorded_by="Hilde", email="anna@stad.gent")

    # Then the change is recorded and the number stays as it was stored
    [changed] = participant.collect_events()
    assert vars(changed)["changes"] == {"email": "anna@stad.gent"}
    assert participant.national_register_number == NRN_BORN_1993


def test_a_changed_birth_date_is_checked_against_the_number() -> None:
    # Given a participant registered with the number of their birth date
    participant = registered(national_register_number=NRN)
    participant.collect_events()

    # When the birth date is changed to one the number does not start with
    with pytest.raises(InvalidValue) as refused:
        participant.change_details(recorded_by="Hilde", birth_date=date(2001, 5, 15))

    # Then it is refused and nothing is recorded
    assert "first six digits are not the birth date" in refused.value.message
    assert participant.collect_events() == []


def test_a_changed_number_is_checked_and_kept_as_its_digits() -> None:
    participant = registered()
    participant.collect_events()

    participant.change_details(recorded_by="Hilde", national_register_number=NRN)

    [changed] = participant.collect_events()
    assert vars(changed)["changes"] == {"national_register_number": "01051451721"}


# Someone registered already -----------------------------------------------------------

OTHER_ID = UUID("00000000-0000-4000-8000-000000000001")
THIRD_ID = UUID("00000000-0000-4000-8000-000000000002")


def known(**overrides: Any) -> KnownParticipant:
    fields: dict[str, Any] = {
        "id": OTHER_ID,
        "given_name": "Anna",
        "family_name": "Peeters",
        "birth_date": BIRTH_DATE,
        "national_register_number": None,
    }
    return KnownParticipant(**{**fields, **overrides})


def registering(*others: KnownParticipant, **overrides: Any) -> Participant:
    fields: dict[str, Any] = {
        "given_name": "Anna",
        "family_name": "Peeters",
        "birth_date": BIRTH_DATE,
        "gender": Gender.F,
    }
    return Participant.register(
        RegisterParticipant(**{**fields, **overrides}),
        organisation="Werkburo",
        recorded_by="Hilde",
        known=others,
    )


@pytest.mark.parametrize("stored", [NRN, "01051451721", "01 05 14 517 21"])
def test_the_number_of_someone_registered_is_refused_naming_them(stored: str) -> None:
    # Given someone registered with the number, however it was typed then
    other = known(
        given_name="Bram",
        family_name="Maes",
        national_register_number=stored,
    )

    # When another registration gives the same number
    with pytest.raises(NationalNumberRegistered) as refused:
        registering(other, national_register_number="01.05.14-517.21")

    # Then it is refused, naming the one registered by id and no personal data
    assert refused.value.code == "national_number_registered"
    assert refused.value.values["participant_ids"] == [OTHER_ID]
    assert str(OTHER_ID) in refused.value.message
    assert "01051451721" not in refused.value.message


def test_the_same_number_is_refused_even_when_confirmed_to_be_another_person() -> None:
    other = known(national_register_number=NRN)

    with pytest.raises(NationalNumberRegistered):
        registering(other, national_register_number=NRN, confirmed_new_person=True)


@pytest.mark.parametrize(
    ("given_name", "family_name"),
    [
        ("Anna", "Peeters"),
        ("ANNA", "peeters"),
        ("Änna", "Péeters"),
        (" anna ", "Peeters"),
        ("Peeters", "Anna"),
    ],
)
def test_the_same_name_and_birth_date_are_a_likely_duplicate(
    given_name: str, family_name: str
) -> None:
    # Given two people registered with that name and birth date
    others = [known(), known(id=THIRD_ID, given_name="anna", family_name="PEETERS")]

    # When someone of the same name (case, accents aside) and birth date is
    # registered
    with pytest.raises(LikelyDuplicate) as refused:
        registering(*others, given_name=given_name, family_name=family_name)

    # Then it is refused, listing both
    assert refused.value.code == "likely_duplicate"
    assert refused.value.values["participant_ids"] == [OTHER_ID, THIRD_ID]
    assert "confirmed_new_person" in refused.value.message


def test_a_likely_duplicate_confirmed_to_be_another_person_is_registered() -> None:
    # Given someone registered with the name and birth date
    other = known()

    # When the registration confirms that this is another person
    participant = registering(other, confirmed_new_person=True)

    # Then they are registered; the confirmation is not personal data to keep
    [registration] = participant.collect_events()
    assert participant.given_name == "Anna"
    assert "confirmed_new_person" not in vars(registration)


@pytest.mark.parametrize(
    "other",
    [
        known(birth_date=date(2001, 5, 15)),
        known(given_name="Anne"),
        known(family_name="Peeters-Maes"),
    ],
)
def test_another_name_or_birth_date_is_not_a_duplicate(other: KnownParticipant) -> None:
    participant = registering(other)

    assert participant.family_name == "Peeters"


# Erasure ------------------------------------------------------------------------------


def test_erasure_removes_the_personal_details() -> None:
    participant = registered(national_register_number=NRN)
    participant.collect_events()

    participant.erase(recorded_by="Hilde")

    assert participant.erased
    assert (participant.given_name, participant.family_name) == ("", "")
    assert participant.national_register_number is None
    assert participant.email is None
    assert participant.phone is None
    erased = participant.collect_events()
    assert [type(e).__name__ for e in erased] == ["ParticipantErased"]


def test_erasing_twice_is_harmless_and_records_nothing_more() -> None:
    participant = registered()
    participant.erase(recorded_by="Hilde")
    participant.collect_events()
    version = participant.version

    participant.erase(recorded_by="Hilde")

    assert participant.erased
    assert participant.version == version
    assert participant.collect_events() == []


# Age ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2024, 5, 13), 22),
        (date(2024, 5, 14), 23),
        (date(2024, 12, 31), 23),
    ],
)
def test_the_age_on_a_date_counts_whole_years_since_birth(on: date, age: int) -> None:
    participant = registered(birth_date=date(2001, 5, 14))

    assert participant.age_on(on) == age


@pytest.mark.parametrize(
    ("on", "band"),
    [
        (date(2019, 5, 13), AgeBand.UNDER_18),
        (date(2019, 5, 14), AgeBand.FROM_18_TO_24),
        (date(2026, 5, 14), AgeBand.FROM_25_TO_29),
    ],
)
def test_the_age_band_follows_the_age_on_that_date(on: date, band: AgeBand) -> None:
    participant = registered(birth_date=date(2001, 5, 14))

    assert participant.age_band_on(on) is band


def test_an_erased_participant_has_no_age_to_read() -> None:
    participant = registered()
    participant.erase(recorded_by="Hilde")

    with pytest.raises(ParticipantErasedError) as refused:
        participant.age_on(date(2024, 5, 14))

    assert refused.value.code == "participant_erased"
