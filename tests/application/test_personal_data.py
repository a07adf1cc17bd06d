"""Personal data sealed per participant: what is stored, what erasure leaves, and the
master key that wraps every participant's data key (missing, wrong, rotated)."""

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.errors import DataKeyMissing
from application.privacy.keys import MasterKey
from application.privacy.keys import MasterKeyError
from application.privacy.keys import new_key_text
from application.privacy.sealing import ERASED
from application.privacy.sealing import FREE_TEXT
from application.privacy.sealing import PERSONAL
from application.privacy.sealing import SealBroken
from application.service import Trajectories
from application.settings import Settings
from application.settings import SettingsProblems
from application.storage import KEYS_TABLE
from domain.commands import CorrectEntryProfile
from domain.commands import HoldSession
from domain.commands import RegisterParticipant
from domain.errors import ParticipantErasedError
from domain.vocabulary import Gender
from domain.vocabulary import ProfileField
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.conftest import TEST_MASTER_KEY
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

GIVEN, FAMILY, EMAIL = "Ysaline", "Dewaelheyns", "ysaline.dewaelheyns@example.org"
NOTE = "Ysaline wil terug naar school in Geraardsbergen"


def register(service: Trajectories, given_name: str = GIVEN) -> UUID:
    participant = service.register_participant(
        RegisterParticipant(
            given_name=given_name,
            family_name=FAMILY,
            birth_date=date(2004, 5, 6),
            gender=Gender.F,
            email=EMAIL,
            phone="+32 470 98 76 54",
            confirmed_new_person=True,  # people of one name, each their own
        ),
        organisation="Groep Intro",
        recorded_by="Hilde",
    )
    return participant.id


def taken_in_with_a_note(service: Trajectories, participant_id: UUID) -> UUID:
    register_buso_programme(service)
    trajectory_id = taken_in(service, participant_id=participant_id)
    hold(service, trajectory_id)
    return trajectory_id


def hold(service: Trajectories, trajectory_id: UUID) -> int:
    return service.record(
        trajectory_id,
        HoldSession(
            on=date(2024, 2, 20),
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.OFFICE,
            note=NOTE,
        ),
        recorded_by="Hilde",
    ).version


def stored(service: Trajectories, aggregate_id: UUID) -> list[StoredEvent]:
    return list(service.recorder.select_events(aggregate_id))


def test_a_participants_events_are_stored_sealed_and_read_in_clear(
    service: Trajectories,
) -> None:
    participant_id = register(service)

    [registered] = stored(service, participant_id)
    participant = service.participant(participant_id)

    for value in (GIVEN, FAMILY, EMAIL, "2004-05-06", "+32 470"):
        assert value.encode() not in registered.state
    assert b"Groep Intro" in registered.state  # who keeps the dossier: in clear
    assert (participant.given_name, participant.email) == (GIVEN, EMAIL)
    assert participant.birth_date == date(2004, 5, 6)


def test_a_session_note_is_stored_sealed_and_shown_in_the_history(
    service: Trajectories,
) -> None:
    trajectory_id = taken_in_with_a_note(service, register(service))

    session = stored(service, trajectory_id)[-1]
    [entry] = [e for e in service.history(trajectory_id) if e.type == "SessionHeld"]

    assert session.topic == "trajectory:SessionHeld"
    assert NOTE.encode() not in session.state
    assert b'"minutes":45' in session.state  # what the views need stays in clear
    assert entry.data["note"] == NOTE


def test_after_erasure_nothing_personal_opens_and_the_history_still_verifies(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    trajectory_id = taken_in_with_a_note(service, participant_id)
    before = [stored(service, i) for i in (participant_id, trajectory_id)]

    answer = service.erase_participant(participant_id, recorded_by="admin")

    participant = service.participant(participant_id)
    assert participant.erased and answer.replayed is False
    with pytest.raises(ParticipantErasedError):
        participant.check_readable()
    assert participant.given_name == "" and participant.email is None
    [entry] = [e for e in service.history(trajectory_id) if e.type == "SessionHeld"]
    assert entry.data["note"] == ERASED
    after = [stored(service, i) for i in (participant_id, trajectory_id)]
    assert after[0][:-1] == before[0] and after[1] == before[1]  # + ParticipantErased
    assert service.verify().intact


def test_erasing_again_records_nothing(service: Trajectories) -> None:
    participant_id = register(service)
    first = service.erase_participant(participant_id, recorded_by="admin")

    second = service.erase_participant(participant_id, recorded_by="admin")

    assert (second.version, second.replayed) == (first.version, True)
    assert len(stored(service, participant_id)) == 2


def test_nothing_more_is_recorded_about_an_erased_participant(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    trajectory_id = taken_in_with_a_note(service, participant_id)
    service.erase_participant(participant_id, recorded_by="admin")
    version = service.trajectory(trajectory_id).version

    with pytest.raises(ParticipantErasedError):
        hold(service, trajectory_id)
    with pytest.raises(ParticipantErasedError):
        service.participant(participant_id).change_details(
            recorded_by="Hilde", email="new@example.org"
        )

    assert service.trajectory(trajectory_id).version == version


def test_a_participant_is_never_snapshotted(service: Trajectories) -> None:
    participant_id = register(service)

    with pytest.raises(TypeError, match="never snapshotted"):
        service.take_snapshot(participant_id)


def test_a_sealed_note_moved_to_another_event_of_the_same_person_does_not_open(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    trajectory_id = taken_in_with_a_note(service, participant_id)
    later = hold(service, trajectory_id)
    first, second = stored(service, trajectory_id)[-2:]
    forged = StoredEvent(trajectory_id, later, second.topic, first.state)
    mapper: Any = service.mapper
    key = service.keyring.fetch([participant_id])[participant_id]

    moved = mapper.to_domain_event(forged)
    genuine = mapper.to_domain_event(second)

    assert mapper.open_text(genuine.note, key, False) == NOTE
    with pytest.raises(SealBroken, match="does not open"):
        mapper.open_text(moved.note, key, False)


def test_free_text_that_may_tell_about_the_person_is_sealed_out_of_snapshots_too(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    trajectory_id = taken_in_with_a_note(service, participant_id)
    reason = f"{GIVEN} woont nu bij haar tante in Ninove"
    service.record(
        trajectory_id,
        CorrectEntryProfile(
            on=date(2024, 2, 13),
            field=ProfileField.POSTCODE,
            value="9400",
            reason=reason,
        ),
        recorded_by="Hilde",
    )
    service.take_snapshot(trajectory_id)
    assert service.snapshots is not None
    [snapshot] = service.snapshots.recorder.select_events(trajectory_id)

    correction = stored(service, trajectory_id)[-1]
    shown = service.history(trajectory_id)[-1].data["reason"]
    service.erase_participant(participant_id, recorded_by="admin")

    assert GIVEN.encode() not in correction.state + snapshot.state
    assert shown == reason
    assert service.history(trajectory_id)[-1].data["reason"] == ERASED
    assert service.trajectory(trajectory_id).postcode == "9400"  # codes stay


# The master key -----------------------------------------------------------------


@pytest.fixture
def store_url(database_url: str) -> str:
    return database_url


def opened(url: str, **keys: object) -> Trajectories:
    return Trajectories(Settings(database_url=url, **keys))  # type: ignore[arg-type]


@pytest.fixture
def registered(store_url: str) -> Iterator[UUID]:
    service = opened(store_url)
    participant_id = register(service)
    service.close()
    yield participant_id


def test_the_keys_survive_a_restart(store_url: str, registered: UUID) -> None:
    service = opened(store_url)
    try:
        assert service.participant(registered).email == EMAIL
    finally:
        service.close()


def test_another_master_key_is_refused_at_start_naming_both_keys(
    store_url: str, registered: UUID
) -> None:
    other = new_key_text()

    with pytest.raises(MasterKeyError) as refused:
        opened(store_url, master_key=other)

    message = str(refused.value)
    assert MasterKey.parse(TEST_MASTER_KEY, "").id in message
    assert MasterKey.parse(other, "").id in message
    assert other not in message and TEST_MASTER_KEY not in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [("not base64 at all!", "not base64"), ("c2hvcnQ=", "is 5 bytes")],
)
def test_a_malformed_master_key_is_refused_without_repeating_it(
    store_url: str, text: str, problem: str
) -> None:
    with pytest.raises(MasterKeyError, match=problem) as refused:
        opened(store_url, master_key=text)

    assert text not in str(refused.value)


def test_production_refuses_to_start_without_a_master_key(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")

    with pytest.raises(SettingsProblems, match="TRAJECTORY_MASTER_KEY_FILE"):
        opened(store_url, env="production", allow_sqlite=True)


def test_a_missing_key_file_is_named(store_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "master.key"

    with pytest.raises(MasterKeyError, match=f"{missing} .* does not exist"):
        opened(store_url, master_key=None, master_key_file=missing)


def test_in_development_a_key_file_is_made_once_under_var(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/dev.db"

    first = opened(url)
    participant_id = register(first)
    first.close()
    made = (tmp_path / "var" / "master.key").read_text()
    second = opened(url)

    assert second.participant(participant_id).given_name == GIVEN
    assert (tmp_path / "var" / "master.key").read_text() == made
    assert (tmp_path / "var" / "master.key").stat().st_mode & 0o777 == 0o600
    second.close()


def test_rotation_rewraps_every_data_key_and_leaves_the_events_as_they_were(
    store_url: str, registered: UUID
) -> None:
    old = opened(store_url)
    seal_before = old.verify().seal
    old.close()
    new = new_key_text()

    rotating = opened(store_url, master_key=new, previous_master_key=TEST_MASTER_KEY)
    rewrapped = rotating.keyring.rotate()
    rotating.close()
    service = opened(store_url, master_key=new)

    assert rewrapped == 1
    assert service.participant(registered).email == EMAIL
    assert service.verify().seal == seal_before  # not one stored event changed
    service.close()
    with pytest.raises(MasterKeyError, match="wrapped by master key"):
        opened(store_url)  # the old key alone no longer opens the store


def test_what_an_earlier_version_stored_in_clear_is_shown_until_erasure_only(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before_sealing:  # a version that sealed nothing
        before_sealing.delitem(PERSONAL, "trajectory:ParticipantRegistered")
        before_sealing.delitem(FREE_TEXT, "trajectory:SessionHeld")
        old = Trajectories(Settings(database_url=database_url))
        participant_id = register(old)
        trajectory_id = taken_in_with_a_note(old, participant_id)
        old.keyring.destroy(participant_id)  # nor did it make keys
        old.close()
    service = Trajectories(Settings(database_url=database_url))

    shown = [
        e.data["note"] for e in service.history(trajectory_id) if e.data.get("note")
    ]
    with pytest.raises(DataKeyMissing):
        hold(service, trajectory_id)  # nothing more is recorded in clear
    service.erase_participant(participant_id, recorded_by="admin")
    erased = [
        e.data["note"] for e in service.history(trajectory_id) if e.data.get("note")
    ]

    assert shown == [NOTE]
    assert erased == [ERASED]  # still stored, as the README says, but not shown
    service.close()


def test_a_key_lost_without_an_erasure_is_named_not_taken_for_one(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    service.keyring.destroy(participant_id)  # as a key table restored apart would
    service.repository.cache.clear()  # type: ignore[union-attr]

    with pytest.raises(DataKeyMissing, match=str(participant_id)):
        service.participant(participant_id)


def test_on_sqlite_a_reader_delays_emptying_the_log_until_a_later_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    service = opened(f"sqlite:///{path}")
    participant_id = register(service)
    [(wrapped,)] = service.keyring.tables.run(
        (
            f"SELECT wrapped FROM {KEYS_TABLE} WHERE participant_id = %s",
            (str(participant_id),),
        ),
        commit=False,
    )
    files = [path, Path(f"{path}-wal")]
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM participant_keys").fetchone()  # a snapshot

    service.erase_participant(participant_id, recorded_by="admin")  # returns at once
    reader.execute("COMMIT")
    reader.close()
    register(service, given_name="Later")  # the next write empties the log

    stored = b"".join(f.read_bytes() for f in files if f.exists())
    assert bytes(wrapped) not in stored
    service.close()


def test_erasures_at_once_record_one_erasure_and_each_answers(
    service: Trajectories,
) -> None:
    participant_id = register(service)
    start = threading.Barrier(4)

    def erase() -> bool:
        start.wait()
        return service.erase_participant(participant_id, recorded_by="admin").replayed

    with ThreadPoolExecutor(4) as pool:
        replayed = list(pool.map(lambda _: erase(), range(4)))

    assert sorted(replayed) == [False, True, True, True]
    assert len(stored(service, participant_id)) == 2
