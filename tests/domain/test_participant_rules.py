"""The Participant aggregate's rules: the only place personal data lives."""

from datetime import date, timedelta
from typing import Any

import pytest

from domain.errors import InvalidValue
from domain.participant import (
    BirthDateInFuture,
    Participant,
    ParticipantErasedError,
)
from domain.vocabulary import AgeBand, Gender

BIRTH_DATE = date(2001, 5, 14)
NRN_BORN_1993 = "93.05.18-223.61"
NRN_BORN_2005 = "05.03.01-045.80"


def registered(**overrides: Any) -> Participant:
    fields: dict[str, Any] = {
        "given_name": "Anna",
        "family_name": "Peeters",
        "birth_date": BIRTH_DATE,
        "gender": Gender.F,
        "national_register_number": None,
        "email": "anna.peeters@example.be",
        "phone": "+32 9 123 45 67",
        "recorded_by": "Hilde",
    }
    return Participant.register(**{**fields, **overrides})


# Registration -------------------------------------------------------------------------


def test_a_registered_participant_keeps_the_personal_details() -> None:
    participant = registered(
        given_name=" Anna ",
        family_name="Peeters",
        birth_date=BIRTH_DATE,
        gender=Gender.X,
        national_register_number=NRN_BORN_1993,
        email="anna@example.be",
        phone="09/123.45.67",
    )

    assert participant.given_name == "Anna"
    assert participant.family_name == "Peeters"
    assert participant.birth_date == BIRTH_DATE
    assert participant.gender is Gender.X
    assert participant.national_register_number == NRN_BORN_1993
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
    today = date.today()

    participant = registered(birth_date=today)

    assert participant.birth_date == today


def test_a_birth_date_in_the_future_is_refused() -> None:
    tomorrow = date.today() + timedelta(days=1)

    with pytest.raises(BirthDateInFuture) as refused:
        registered(birth_date=tomorrow)

    assert refused.value.code == "date_in_future"
    assert refused.value.message == f"the birth date is after today ({date.today()})"


def test_a_birth_date_before_1900_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(birth_date=date(1899, 12, 31))

    assert refused.value.code == "invalid_value"
    assert refused.value.message == "the birth date is before 1900"  # not the date


@pytest.mark.parametrize(
    "number",
    [NRN_BORN_1993, "93051822361", "93 05 18 223 61", NRN_BORN_2005],
)
def test_a_national_register_number_with_matching_check_digits_is_accepted(
    number: str,
) -> None:
    participant = registered(national_register_number=number)

    assert participant.national_register_number == number


@pytest.mark.parametrize("number", ["93.05.18-223.62", "05.03.01-045.81"])
def test_a_national_register_number_whose_check_digits_do_not_match_is_refused(
    number: str,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=number)

    assert refused.value.code == "invalid_value"
    assert "check digits do not match" in refused.value.message


@pytest.mark.parametrize("number", ["93.05.18-223.6", "930518223610", "93O51822361"])
def test_a_national_register_number_without_11_digits_is_refused(number: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        registered(national_register_number=number)

    assert refused.value.code == "invalid_value"
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


# Erasure ------------------------------------------------------------------------------


def test_erasure_removes_the_personal_details() -> None:
    participant = registered(national_register_number=NRN_BORN_1993)
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
