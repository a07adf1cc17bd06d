"""Finding participants through the sealed index: by any part of a name, a birth date
or a national register number, within an organisation's dossiers; never an erased
participant; duplicates refused at registration; the index filled from an older store,
and kept through a master key rotation."""

import hashlib
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr

from application.privacy.index import name_terms
from application.privacy.keys import new_key_text
from application.search import MAX_CANDIDATES
from application.search import ParticipantQuery
from application.service import Trajectories
from application.settings import Settings
from application.storage import SEARCH_TABLE
from domain.commands import RegisterParticipant
from domain.errors import InvalidValue
from domain.errors import LikelyDuplicate
from domain.errors import NationalNumberRegistered
from domain.participant import Participant
from domain.vocabulary import Gender
from tests.conftest import TEST_MASTER_KEY

WERKBURO, INTRO = "Werkburo Oost-Vlaanderen", "Groep Intro"
BORN = date(1990, 1, 15)
NUMBER = "90.01.15-123.63"  # of someone born on BORN


def register(
    service: Trajectories,
    given_name: str = "Zoë",
    family_name: str = "Van den Broeck",
    birth_date: date = BORN,
    organisation: str | None = WERKBURO,
    **details: Any,
) -> UUID:
    return service.register_participant(
        RegisterParticipant(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            gender=Gender.F,
            **details,
        ),
        organisation=organisation,
        recorded_by="Hilde",
    ).id


def found(
    service: Trajectories, within: str | None = WERKBURO, **query: Any
) -> list[UUID]:
    page = service.find_participants(ParticipantQuery(**query), within)
    return [participant.id for participant in page.participants]


def index_rows(
    service: Trajectories, participant_id: UUID | None = None
) -> list[tuple[Any, ...]]:
    tables = service.search_index.tables
    sql = f"SELECT token, organisation, participant_id FROM {tables.name(SEARCH_TABLE)}"
    params: tuple[str, ...] = ()
    if participant_id is not None:
        sql, params = sql + " WHERE participant_id = %s", (str(participant_id),)
    rows: list[tuple[Any, ...]] = tables.run((sql, params), commit=False)
    return rows


# Finding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "zoe",
        "ZOE",
        "broeck",
        "BROE",
        "den",
        "roec",
        "vandenbroeck",
        "van den broeck",
        "Van-den-Broeck",
        "zoe broeck",
        "zo",
        "br",
    ],
)
def test_any_part_of_a_given_or_family_name_finds_the_participant(
    service: Trajectories, name: str
) -> None:
    # Given a participant and someone else
    zoe = register(service)
    register(service, "Jan", "Janssens", date(1980, 2, 2))

    # When staff of their organisation search for part of the name, any case,
    # with or without accents, spaces or hyphens
    ids = found(service, name=name)

    # Then they find that participant only
    assert ids == [zoe]


@pytest.mark.parametrize("name", ["oe", "ecb", "zoe jan", "broek", "zoey"])
def test_a_name_the_participant_does_not_have_finds_nobody(
    service: Trajectories, name: str
) -> None:
    register(service)

    assert found(service, name=name) == []


@pytest.mark.parametrize("name", ["D'Hondt", "d hondt", "lotte d'hondt", "t'Kint"])
def test_a_name_with_a_one_letter_part_is_found_by_it(
    service: Trajectories, name: str
) -> None:
    # Given participants whose family names have a one-letter part
    hondt = register(service, "Lotte", "D'Hondt", date(1991, 3, 4))
    kint = register(service, "Jan", "t'Kint", date(1992, 3, 4))
    register(service, "Hanne", "Hondt", date(1993, 3, 4))

    # When staff search for the name as it is written
    ids = found(service, name=name)

    # Then they find that participant only
    assert ids == ([kint] if "kint" in name.lower() else [hondt])


def test_two_letters_are_the_start_of_a_word_three_or_more_anywhere(
    service: Trajectories,
) -> None:
    anna = register(service, "Anna", "Peeters", date(1991, 3, 4))
    hanne = register(service, "Hanne", "Maes", date(1992, 3, 4))

    assert found(service, name="an") == [anna]
    assert set(found(service, name="ann")) == {anna, hanne}


def test_a_birth_date_or_the_whole_number_finds_the_participant(
    service: Trajectories,
) -> None:
    zoe = register(service, national_register_number=NUMBER)
    register(service, "Jan", "Janssens", date(1980, 2, 2))

    assert found(service, birth_date=BORN) == [zoe]
    assert found(service, national_number="90011512363") == [zoe]
    assert found(service, national_number="90 01 15 123 63") == [zoe]
    assert found(service, name="zoe", birth_date=BORN) == [zoe]
    assert found(service, name="zoe", birth_date=date(1990, 1, 16)) == []
    assert found(service, national_number="90011512364") == []


def test_a_number_stored_as_typed_before_is_found_by_its_digits(
    service: Trajectories,
) -> None:
    # Given a participant whose number an earlier release stored with its dots
    participant_id = register(service)
    participant = service.participant(participant_id)
    participant._details_changed(
        changes={"national_register_number": NUMBER}, recorded_by="Hilde"
    )
    service.save(participant)

    # When their number is searched for as digits
    ids = found(service, national_number="90011512363")

    # Then they are found, and their number still reads as it was stored
    assert ids == [participant_id]
    assert service.participant(participant_id).national_register_number == NUMBER


def test_staff_find_their_own_organisations_participants_and_auditors_all(
    service: Trajectories,
) -> None:
    ours = register(service, organisation=WERKBURO)
    theirs = register(service, organisation=INTRO)

    assert found(service, WERKBURO, name="zoe") == [ours]
    assert found(service, INTRO, name="zoe") == [theirs]
    assert set(found(service, None, name="zoe")) == {ours, theirs}


def test_the_participants_found_are_ordered_by_name_and_paged(
    service: Trajectories,
) -> None:
    # Given people whose family names hold "aes", registered in no order, and one
    # whose name does not
    lotte = register(service, "Lotte", "Claes", date(2000, 1, 1))
    eva = register(service, "Eva", "Maes", date(2000, 1, 2))
    bram = register(service, "Bram", "Claes", date(2000, 1, 3))
    register(service, "Anna", "Aerts", date(2000, 1, 4))

    # When they are searched for two at a time
    first = service.find_participants(ParticipantQuery(name="aes", limit=2), WERKBURO)
    second = service.find_participants(
        ParticipantQuery(name="aes", limit=2, offset=2), WERKBURO
    )

    # Then they come by family name, then given name, each once
    assert [p.id for p in first.participants] == [bram, lotte]
    assert [p.id for p in second.participants] == [eva]
    assert first.total == second.total == 3
    assert first.complete and second.complete


def test_a_search_matching_more_than_it_opens_says_so(service: Trajectories) -> None:
    with service.batch():
        for day in range(MAX_CANDIDATES + 1):
            register(service, "Lotte", "Claes", BORN + timedelta(days=day))

    page = service.find_participants(ParticipantQuery(name="claes"), WERKBURO)

    assert (page.total, page.complete) == (MAX_CANDIDATES, False)
    assert len(page.participants) == 20


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({}, "give a name, a birth date or a national register number"),
        ({"name": "z"}, "at least 2 letters"),
        ({"name": "zoe b"}, "at least 2 letters"),
        ({"name": " - "}, "needs letters"),
        ({"national_number": "900115"}, "the whole national register number"),
        ({"name": "zoe", "limit": 0}, "limit"),
        ({"name": "zoe", "offset": MAX_CANDIDATES}, "offset"),
    ],
)
def test_a_search_that_cannot_be_made_is_refused_naming_why(
    query: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidValue, match=problem):
        ParticipantQuery(**query)


# Changes and erasure ------------------------------------------------------------------


def test_changed_details_are_found_by_the_new_name_only(service: Trajectories) -> None:
    participant_id = register(service)
    participant = service.participant(participant_id)
    participant.change_details(recorded_by="Hilde", family_name="Maes")
    service.save(participant)

    assert found(service, name="maes") == [participant_id]
    assert found(service, name="broeck") == []


def test_an_erased_participant_is_never_found_and_leaves_no_row(
    service: Trajectories,
) -> None:
    # Given a participant in the index, and someone else
    zoe = register(service, national_register_number=NUMBER)
    other = register(service, "Jan", "Janssens", date(1980, 2, 2))
    assert index_rows(service, zoe)

    # When they are erased
    service.erase_participant(zoe, recorded_by="admin")

    # Then nothing finds them and none of their rows is left; the other's are
    assert found(service, name="zoe") == []
    assert found(service, None, birth_date=BORN) == []
    assert found(service, None, national_number=NUMBER) == []
    assert index_rows(service, zoe) == []
    assert found(service, name="janssens") == [other]


def test_the_index_holds_nothing_readable(service: Trajectories) -> None:
    register(service, national_register_number=NUMBER)

    rows = index_rows(service)
    stored = b"".join(bytes(token) for token, _, _ in rows)

    assert len(rows) == len({bytes(token) for token, _, _ in rows}) > 10
    assert all(len(bytes(token)) == 16 for token, _, _ in rows)
    for value in ("zoe", "broeck", "1990-01-15", "900115", "12363", "bro", "oec"):
        assert value.encode() not in stored
    # not a hash anyone could compute from a guessed name: the key is the store's
    guessed = {
        hashlib.sha256(f"{kind}\x00{value}".encode()).digest()[:16]
        for kind, value in name_terms("Zoë", "Van den Broeck")
    }
    assert guessed.isdisjoint({bytes(token) for token, _, _ in rows})


# Duplicates ---------------------------------------------------------------------------


def test_the_number_of_someone_registered_is_refused_naming_them(
    service: Trajectories,
) -> None:
    zoe = register(service, national_register_number=NUMBER)

    with pytest.raises(NationalNumberRegistered) as refused:
        register(service, "Anna", "Peeters", national_register_number="90011512363")

    assert refused.value.values["participant_ids"] == [zoe]
    assert found(service, name="peeters") == []


def test_the_same_name_and_birth_date_is_refused_unless_confirmed(
    service: Trajectories,
) -> None:
    zoe = register(service)

    with pytest.raises(LikelyDuplicate) as refused:
        register(service, "ZOE", "vandenbroeck")
    other = register(service, "ZOE", "vandenbroeck", confirmed_new_person=True)

    assert refused.value.values["participant_ids"] == [zoe]
    assert set(found(service, name="zoe")) == {zoe, other}


def test_duplicates_are_looked_for_in_the_registering_organisation_only(
    service: Trajectories,
) -> None:
    register(service, organisation=WERKBURO, national_register_number=NUMBER)

    theirs = register(service, organisation=INTRO, national_register_number=NUMBER)

    assert found(service, INTRO, national_number=NUMBER) == [theirs]


def test_an_erased_participant_is_no_duplicate(service: Trajectories) -> None:
    zoe = register(service, national_register_number=NUMBER)
    service.erase_participant(zoe, recorded_by="admin")

    again = register(service, national_register_number=NUMBER)

    assert found(service, national_number=NUMBER) == [again]


def test_a_batch_records_its_registrations_without_the_duplicate_look_up(
    service: Trajectories,
) -> None:
    with service.batch():
        first = register(service)
        second = register(service)

    assert set(found(service, name="zoe")) == {first, second}


# Filling the index and rotating the master key ---------------------------------------


def forget_the_index(service: Trajectories) -> None:
    """As a store from before the index: no rows, never filled."""
    tables = service.search_index.tables
    tables.run(
        (f"DELETE FROM {tables.name(SEARCH_TABLE)}", ()),
        (f"DELETE FROM {tables.name(SEARCH_TABLE + '_filled')}", ()),
    )


def test_participants_registered_before_the_index_are_found_after_the_next_start(
    database_url: str,
) -> None:
    # Given a store whose participants were registered before the index existed,
    # one of them erased since
    service = Trajectories(Settings(database_url=database_url))
    zoe = register(service, national_register_number=NUMBER)
    erased = register(service, "Jan", "Janssens", date(1980, 2, 2))
    service.erase_participant(erased, recorded_by="admin")
    forget_the_index(service)
    assert found(service, name="zoe") == []
    service.close()

    # When the service starts again (with the master key)
    again = Trajectories(Settings(database_url=database_url))

    # Then they are found, the erased one is not, and the fill is not repeated
    assert found(again, name="zoe") == [zoe]
    assert found(again, None, name="janssens") == []
    assert again.search_index.filled()
    assert again.search_index.indexed() == 1
    again.close()


def test_reindexing_is_idempotent(service: Trajectories) -> None:
    zoe = register(service, national_register_number=NUMBER)
    before = sorted(map(tuple, index_rows(service)))

    assert service.reindex() == 1
    assert service.reindex() == 1

    assert sorted(map(tuple, index_rows(service))) == before
    assert found(service, name="zoe") == [zoe]


def test_a_fill_leaves_a_participant_changed_since_it_read_them_as_their_save_did(
    service: Trajectories,
) -> None:
    zoe = register(service)
    opened = service.search.reader.open([zoe])
    participant = service.participant(zoe)
    participant.change_details(recorded_by="Hilde", family_name="Maes")
    service.save(participant)

    service.search_index.fill(opened)  # read before the change

    assert found(service, name="maes") == [zoe]


def test_the_index_keeps_working_after_a_master_key_rotation(
    database_url: str,
) -> None:
    # Given a store with an indexed participant
    service = Trajectories(Settings(database_url=database_url))
    zoe = register(service, national_register_number=NUMBER)
    rows_before = sorted(map(tuple, index_rows(service)))
    service.close()

    # When the master key is rotated
    new = new_key_text()
    rotating = Trajectories(
        Settings(
            database_url=database_url,
            master_key=SecretStr(new),
            previous_master_key=SecretStr(TEST_MASTER_KEY),
        )
    )
    rotating.keyring.rotate()
    rotating.close()
    rotated = Trajectories(
        Settings(database_url=database_url, master_key=SecretStr(new))
    )

    # Then the index is as it was, and searches and registrations use it
    assert sorted(map(tuple, index_rows(rotated))) == rows_before
    assert found(rotated, name="broeck") == [zoe]
    assert found(rotated, national_number=NUMBER) == [zoe]
    with pytest.raises(NationalNumberRegistered):
        register(rotated, "Anna", "Peeters", national_register_number=NUMBER)
    later = register(rotated, "Anna", "Peeters", date(1991, 3, 4))
    assert found(rotated, name="peet") == [later]
    rotated.close()


def test_a_participant_opened_by_the_search_reads_as_one_loaded_alone(
    service: Trajectories,
) -> None:
    zoe = register(service, national_register_number=NUMBER, email="z@example.org")

    [opened] = service.search.reader.open([zoe]).values()
    alone: Participant = service.participant(zoe)

    assert vars(opened) == vars(alone)
