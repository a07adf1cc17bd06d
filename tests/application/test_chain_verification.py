"""Verification finds every change made to the stored events behind the service's
back, and names the first broken link.

The tampering is done as a database superuser would: on PostgreSQL, in a throwaway
cluster of the test's own, with the append-only triggers disabled for the change;
on SQLite, with the triggers dropped (anyone holding the file can).
"""

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from application.access import Caller
from application.access import Role
from application.audit.access_chain import ACCESS_LINKS_TABLE
from application.audit.access_chain import ACCESS_LOG_TABLE
from application.audit.bypass import replica_role_bypass
from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.audit.chain import ChainOutOfStep
from application.audit.chain import HistoryDamaged
from application.audit.chain import VersionsOutOfStep
from application.audit.findings import Break
from application.audit.findings import BrokenLink
from application.audit.seal import InvalidSeal
from application.audit.seal import Seal
from application.errors import VerificationRunning
from application.service import Trajectories
from application.settings import Settings
from domain.commands import HoldSession
from domain.trajectory import Trajectory
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.conftest import ThrowawayPostgres
from tests.conftest import running_throwaway_postgres
from tests.service_builders import INTAKE_ON
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

SESSIONS = 3  # versions 3, 4 and 5 after the referral and the intake
SESSION: dict[str, Any] = {
    "minutes": 30,
    "mode": SessionMode.INDIVIDUAL,
    "setting": SessionSetting.OFFICE,
    "note": "weekly",
}


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with running_throwaway_postgres() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator["Store"]:
    if request.param == "postgres":
        cluster: ThrowawayPostgres = request.getfixturevalue("cluster")
        schema = f"tamper_{uuid4().hex[:8]}"
        with psycopg.connect(cluster.url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        url = f"{cluster.url}?schema={schema}"
    else:
        url = f"sqlite:///{tmp_path}/trajectory.db"
    service = Trajectories(Settings(database_url=url, snapshot_interval=100))
    try:
        yield Store(service)
    finally:
        service.close()


class Store:
    """The service, a trajectory of five versions, and a superuser's hands."""

    def __init__(self, service: Trajectories) -> None:
        self.service = service
        register_buso_programme(service)
        self.trajectory_id = taken_in(service)
        for week in range(SESSIONS):
            hold(service, self.trajectory_id, INTAKE_ON + timedelta(weeks=week + 1))
        self.postgres = service.settings.is_postgres
        recorder: Any = service.recorder
        self.events = recorder.events_table_name
        if self.postgres:
            schema = recorder.datastore.schema
            self.events = f'"{schema}".{self.events}'
            self.links = f'"{schema}".{LINKS_TABLE}'
            self.heads = f'"{schema}".{HEADS_TABLE}'
            self.access_log = f'"{schema}".{ACCESS_LOG_TABLE}'
            self.access_links = f'"{schema}".{ACCESS_LINKS_TABLE}'
        else:
            self.links, self.heads = LINKS_TABLE, HEADS_TABLE
            self.access_log, self.access_links = ACCESS_LOG_TABLE, ACCESS_LINKS_TABLE
        self._datastore = recorder.datastore

    def id(self, aggregate_id: UUID) -> Any:
        return aggregate_id if self.postgres else aggregate_id.hex

    @contextmanager
    def untriggered(self, *tables: str) -> Iterator[Any]:
        """A transaction in which the append-only triggers of ``tables`` are off."""
        with self._datastore.transaction(commit=True) as cursor:
            for table in tables:
                if self.postgres:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                else:
                    for operation in ("update", "delete"):
                        cursor.execute(
                            f"DROP TRIGGER IF EXISTS {table}_refuse_{operation}"
                        )
            yield cursor
            if self.postgres:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    def sql(self, statement: str) -> str:
        return statement if self.postgres else statement.replace("%s", "?")

    def state(self, aggregate_id: UUID, version: int) -> bytes:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT state FROM {self.events} "
                    "WHERE originator_id = %s AND originator_version = %s"
                ),
                (self.id(aggregate_id), version),
            )
            row = cursor.fetchone()
        return bytes(row["state"] if self.postgres else row[0])

    def flip_byte(self, aggregate_id: UUID, version: int, position: int) -> None:
        state = bytearray(self.state(aggregate_id, version))
        state[position % len(state)] ^= 0x01
        with self.untriggered(self.events) as cursor:
            cursor.execute(
                self.sql(
                    f"UPDATE {self.events} SET state = %s "
                    "WHERE originator_id = %s AND originator_version = %s"
                ),
                (bytes(state), self.id(aggregate_id), version),
            )

    def delete(self, table: str, aggregate_id: UUID, version: int) -> None:
        column = "version" if table == self.heads else "originator_version"
        with self.untriggered(table) as cursor:
            cursor.execute(
                self.sql(
                    f"DELETE FROM {table} WHERE originator_id = %s AND {column} = %s"
                ),
                (self.id(aggregate_id), version),
            )

    def swap_versions(self, aggregate_id: UUID, one: int, other: int) -> None:
        statement = self.sql(
            f"UPDATE {self.events} SET originator_version = %s "
            "WHERE originator_id = %s AND originator_version = %s"
        )
        with self.untriggered(self.events) as cursor:
            for new, old in ((-1, one), (one, other), (other, -1)):
                cursor.execute(statement, (new, self.id(aggregate_id), old))

    def insert_event(self, aggregate_id: UUID, version: int) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self.sql(
                    f"INSERT INTO {self.events} "
                    "(originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s)"
                ),
                (self.id(aggregate_id), version, "trajectory:Forged", b"{}"),
            )

    def read_personal_data(self, times: int) -> list[int]:
        """Records reads of personal data in the access log; their entries' ids."""
        for _ in range(times):
            self.service.access_log.record(READER, [uuid4(), uuid4()], READ)
        return [e.id for e in self.service.access_log.entries(limit=1000).entries]

    def run(self, statement: str, *params: Any, untriggered: str = "") -> None:
        tables = (untriggered,) if untriggered else ()
        with self.untriggered(*tables) as cursor:
            cursor.execute(self.sql(statement), params)


READER = Caller(uuid4(), "Hilde Maes", Role.STAFF, "Werkburo Oost-Vlaanderen")
READ = "GET /caseload"


def only_break(store: Store) -> BrokenLink:
    result = store.service.verify()
    assert not result.intact
    assert result.broken_aggregates == 1, result.broken
    return result.broken[0]


def test_an_untouched_store_verifies(store: Store) -> None:
    progress: list[tuple[int, int]] = []

    result = store.service.verify(
        progress=lambda done, total: progress.append((done, total))
    )

    assert result.intact and result.broken == [] and result.first_broken is None
    # the programme, its log, the participant, the trajectory, the enrolment, the
    # coach and the coaches' log
    assert result.aggregates == 7
    assert result.events == progress[-1][0] == progress[-1][1]
    assert result.events == store.service.recorder.max_notification_id()


def test_a_byte_changed_in_an_event_is_named_with_both_hashes(store: Store) -> None:
    recorded = store.service.verify()
    store.flip_byte(store.trajectory_id, 4, position=10)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        4,
        Break.ALTERED,
    )
    assert broken.expected is not None and broken.found is not None
    assert broken.expected != broken.found
    assert recorded.intact


def test_a_deleted_event_is_named(store: Store) -> None:
    store.delete(store.events, store.trajectory_id, 3)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        3,
        Break.DELETED,
    )
    assert "version 3 is missing" in broken.message


def test_two_swapped_versions_are_found_at_the_first(store: Store) -> None:
    store.swap_versions(store.trajectory_id, 3, 4)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        3,
        Break.ALTERED,
    )


def test_a_tail_cut_with_its_links_is_found_by_the_head(store: Store) -> None:
    for version in (5, 4):
        store.delete(store.events, store.trajectory_id, version)
        store.delete(store.links, store.trajectory_id, version)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        4,
        Break.TRUNCATED,
    )
    assert "head is at version 5" in broken.message
    assert "end at version 3" in broken.message


def test_a_tail_cut_without_its_links_is_a_deleted_event(store: Store) -> None:
    store.delete(store.events, store.trajectory_id, 5)

    broken = only_break(store)

    assert (broken.version, broken.kind) == (5, Break.DELETED)


def test_an_event_inserted_past_the_service_belongs_to_no_chain(store: Store) -> None:
    store.insert_event(store.trajectory_id, 6)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        6,
        Break.UNCHAINED,
    )


def test_an_aggregate_inserted_past_the_service_belongs_to_no_chain(
    store: Store,
) -> None:
    forged = uuid4()
    store.insert_event(forged, 1)

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        forged,
        1,
        Break.UNCHAINED,
    )


def test_every_broken_aggregate_is_counted_and_the_intact_ones_pass(
    store: Store,
) -> None:
    other = taken_in(store.service)
    store.flip_byte(store.trajectory_id, 2, position=3)
    store.flip_byte(other, 1, position=3)

    result = store.service.verify()

    assert result.broken_aggregates == 2
    assert {b.aggregate_id for b in result.broken} == {store.trajectory_id, other}
    assert result.aggregates == 7 + 3  # another participant, trajectory, enrolment


def test_a_write_after_a_cut_tail_is_refused_and_stores_nothing(store: Store) -> None:
    store.delete(store.events, store.trajectory_id, 5)
    before = store.service.verify()

    with pytest.raises(Exception, match="hash chain .* ends at version 5"):
        hold(store.service, store.trajectory_id, date(2024, 6, 3))

    after = store.service.verify()
    assert (after.events, after.broken) == (before.events, before.broken)


def test_events_written_before_the_chains_existed_are_linked_once(
    store: Store,
) -> None:
    url = store.service.settings.database_url
    with store._datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DROP TABLE {store.links}")
        cursor.execute(f"DROP TABLE {store.heads}")

    reopened = Trajectories(Settings(database_url=url))
    try:
        result = reopened.verify()
    finally:
        reopened.close()

    assert result.intact
    assert result.events == store.service.recorder.max_notification_id()


def test_one_verification_runs_at_a_time(store: Store) -> None:
    inside: list[Exception] = []

    def progress(done: int, total: int) -> None:
        if not inside:
            try:
                store.service.verify()
            except VerificationRunning as running:
                inside.append(running)

    assert store.service.verify(progress=progress).intact
    assert len(inside) == 1
    assert store.service.verify().intact


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("chains")
    service = Trajectories(Settings(database_url=f"sqlite:///{folder}/t.db"))
    try:
        yield Store(service)
    finally:
        service.close()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_byte_flipped_in_any_stored_event_is_named(
    sqlite_store: Store, data: st.DataObject
) -> None:
    store = sqlite_store
    events = store.service.recorder.select_notifications(start=1, limit=100)
    event = data.draw(st.sampled_from(events), label="event")
    aggregate_id = event.originator_id
    aggregate_id = (
        aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id)
    )
    position = data.draw(st.integers(0, len(event.state) - 1), label="byte")

    store.flip_byte(aggregate_id, event.originator_version, position)
    try:
        broken = only_break(store)
    finally:
        store.flip_byte(aggregate_id, event.originator_version, position)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        aggregate_id,
        event.originator_version,
        Break.ALTERED,
    )
    assert store.service.verify().intact


def test_a_changed_snapshot_is_named_though_every_chain_holds(store: Store) -> None:
    store.service.take_snapshot(store.trajectory_id)
    recorder: Any = store.service.snapshots.recorder  # type: ignore[union-attr]
    table = recorder.events_table_name
    if store.postgres:
        table = f'"{recorder.datastore.schema}".{table}'
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT state FROM {table}")
        row = cursor.fetchone()
        state = bytes(row["state"] if store.postgres else row[0])
    assert b'"postcode":"9300"' in state
    with store.untriggered(table) as cursor:
        cursor.execute(
            store.sql(f"UPDATE {table} SET state = %s"),
            (state.replace(b'"postcode":"9300"', b'"postcode":"1000"'),),
        )
    reader = Trajectories(store.service.settings)  # no cached copy: the snapshot
    try:
        assert reader.trajectory(store.trajectory_id).postcode == "1000"
    finally:
        reader.close()

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        2 + SESSIONS,
        Break.SNAPSHOT,
    )
    assert "differs from the state replayed" in broken.message


def test_untouched_snapshots_verify(store: Store) -> None:
    store.service.take_snapshot(store.trajectory_id, version=3)
    store.service.take_snapshot(store.trajectory_id)

    result = store.service.verify()

    assert result.intact and result.snapshotted == 1


def test_a_tampered_event_below_a_snapshot_is_named_not_a_crash(store: Store) -> None:
    store.service.take_snapshot(store.trajectory_id)
    store.flip_byte(store.trajectory_id, 1, position=0)  # no longer JSON

    broken = only_break(store)

    assert (broken.aggregate_id, broken.version, broken.kind) == (
        store.trajectory_id,
        1,
        Break.ALTERED,
    )


def test_a_stray_link_past_the_last_event_is_named(store: Store) -> None:
    for version in (5, 4):
        store.delete(store.events, store.trajectory_id, version)
    store.delete(store.links, store.trajectory_id, 4)

    broken = only_break(store)

    assert (broken.version, broken.kind) == (5, Break.DELETED)


@pytest.mark.parametrize("saves_before", range(7))
def test_a_conflicting_save_leaves_the_connection_fit_for_the_next(
    store: Store, saves_before: int
) -> None:
    # One connection, so the save after the conflict uses the conflict's; psycopg
    # prepares a statement at its fifth run, which the conflict may skip.
    settings = store.service.settings.model_copy(
        update={
            "postgres_pool_size": 1,
            "postgres_max_overflow": 0,
            "group_commit": False,
        }
    )
    service = Trajectories(settings)
    try:
        for week in range(saves_before):
            hold(service, store.trajectory_id, date(2024, 4, 1) + timedelta(weeks=week))
        stale: Trajectory = service.repository.get(store.trajectory_id)
        hold(service, store.trajectory_id, date(2024, 6, 3))
        stale.hold_session(HoldSession(**SESSION, on=date(2024, 6, 4)), "Hilde")
        with pytest.raises(IntegrityError):
            service.save(stale)

        hold(service, store.trajectory_id, date(2024, 6, 10))
    finally:
        service.close()
    assert store.service.verify().intact


def hold(service: Trajectories, trajectory_id: UUID, on: date) -> None:
    service.record(trajectory_id, HoldSession(**SESSION, on=on), recorded_by="Hilde")


def test_sqlite_a_forged_id_in_another_spelling_joins_its_history(
    tmp_path: Any,
) -> None:
    service = Trajectories(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    try:
        store = Store(service)
        others = [taken_in(service) for _ in range(3)]
        with service.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            cursor.execute(
                f"INSERT INTO {store.events} (originator_id, originator_version, "
                "topic, state) VALUES (?, 6, 'trajectory:Forged', x'7b7d')",
                (store.trajectory_id.hex.upper(),),
            )

        result = service.verify()
    finally:
        service.close()

    assert result.broken_aggregates == 1
    assert (result.broken[0].aggregate_id, result.broken[0].version) == (
        store.trajectory_id,
        6,
    )
    assert not any(result.is_broken(other) for other in others)


# Seals: what an auditor keeps ---------------------------------------------------------


def test_a_kept_seal_holds_while_the_store_only_grows(store: Store) -> None:
    first = store.service.verify()
    assert first.seal is not None and first.seal.position == first.position

    hold(store.service, store.trajectory_id, date(2024, 6, 3))
    later = store.service.verify(kept_seal=first.seal)

    assert later.seal != first.seal
    assert later.kept_seal_holds is True and later.intact
    assert store.service.verify().seal == later.seal  # the same store, the same seal


def test_a_tail_cut_with_its_head_rewound_breaks_the_kept_seal(store: Store) -> None:
    kept = store.service.verify().seal
    # Cut version 5 with its link and point the head at version 4's link: every
    # chain holds, and only a kept seal can tell.
    with store.untriggered(store.events, store.links) as cursor:
        for table in (store.events, store.links):
            cursor.execute(
                store.sql(
                    f"DELETE FROM {table} WHERE originator_id = %s "
                    "AND originator_version = 5"
                ),
                (store.id(store.trajectory_id),),
            )
        cursor.execute(
            store.sql(
                f"UPDATE {store.heads} SET version = 4, hash = (SELECT hash FROM "
                f"{store.links} WHERE originator_id = %s AND originator_version = 4) "
                "WHERE originator_id = %s"
            ),
            (store.id(store.trajectory_id), store.id(store.trajectory_id)),
        )

    result = store.service.verify(kept_seal=kept)

    assert result.broken_aggregates == 0  # the chains alone cannot see it
    assert result.kept_seal_holds is False and not result.intact


def test_a_history_removed_whole_breaks_the_kept_seal(store: Store) -> None:
    kept = store.service.verify().seal
    for table in (store.events, store.links, store.heads):
        with store.untriggered(table) as cursor:
            cursor.execute(
                store.sql(f"DELETE FROM {table} WHERE originator_id = %s"),
                (store.id(store.trajectory_id),),
            )

    result = store.service.verify(kept_seal=kept)

    assert result.broken_aggregates == 0 and result.kept_seal_holds is False


@pytest.mark.parametrize(
    "text", ["", "12", "12:abc", "x:" + "0" * 64, "12:" + "g" * 64, "-1:" + "0" * 64]
)
def test_a_malformed_seal_is_refused_naming_the_form(text: str) -> None:
    with pytest.raises(InvalidSeal, match="POSITION:DIGEST|not hex"):
        Seal.parse(text)


# Reading a damaged history ----------------------------------------------------------


def test_a_history_with_an_event_deleted_is_read_as_damaged_by_name(
    store: Store,
) -> None:
    store.delete(store.events, store.trajectory_id, 3)
    reader = Trajectories(store.service.settings)  # no cached copy
    try:
        with pytest.raises(HistoryDamaged) as loading:
            reader.trajectory(store.trajectory_id)
        with pytest.raises(HistoryDamaged) as listing:
            reader.history(store.trajectory_id)
        with pytest.raises(HistoryDamaged):
            reader.trajectory_as_of(store.trajectory_id, INTAKE_ON)
    finally:
        reader.close()

    assert str(store.trajectory_id) in str(loading.value)
    assert "version 3 is missing before 4" in str(listing.value)
    assert "trajectory verify" in str(loading.value)
    assert only_break(store).kind is Break.DELETED


def test_a_history_whose_first_event_was_deleted_is_damaged_not_unknown(
    store: Store,
) -> None:
    store.delete(store.events, store.trajectory_id, 1)
    reader = Trajectories(store.service.settings)
    try:
        with pytest.raises(HistoryDamaged, match="starts at version 2"):
            reader.history(store.trajectory_id)
    finally:
        reader.close()


# A save that does not follow its chain ----------------------------------------------


def test_a_save_after_an_event_was_deleted_is_refused_as_out_of_step(
    store: Store,
) -> None:
    store.delete(store.events, store.trajectory_id, 2 + SESSIONS)  # the last one
    reader = Trajectories(store.service.settings)
    try:
        trajectory = reader.trajectory(store.trajectory_id)
        with pytest.raises(ChainOutOfStep, match="changed outside the service"):
            hold(reader, store.trajectory_id, INTAKE_ON + timedelta(weeks=9))
    finally:
        reader.close()

    assert trajectory.version == 1 + SESSIONS
    assert isinstance(ChainOutOfStep(uuid4(), 1, 2), IntegrityError)


def test_versions_a_caller_got_wrong_are_refused_without_blaming_the_store(
    store: Store,
) -> None:
    recorder: Any = store.service.recorder
    first = StoredEvent(uuid4(), 1, "trajectory:Forged", b"{}")
    skipping = StoredEvent(first.originator_id, 3, "trajectory:Forged", b"{}")
    from_zero = StoredEvent(uuid4(), 0, "trajectory:Forged", b"{}")
    recorder.insert_events([first])

    with pytest.raises(VersionsOutOfStep, match="after version 1") as skipped:
        recorder.insert_events([skipping])
    with pytest.raises(VersionsOutOfStep, match="as the first event") as zero:
        recorder.insert_events([from_zero])

    assert "outside" not in str(skipped.value) + str(zero.value)
    assert isinstance(skipped.value, IntegrityError)
    assert [
        e.originator_version for e in recorder.select_events(first.originator_id)
    ] == [1]
    assert store.service.verify().intact


# The access log's chain ----------------------------------------------------------


def broken_entry(store: Store, kept: Seal | None = None) -> Any:
    result = store.service.verify(kept_seal=kept)
    assert result.access_log is not None
    assert not result.intact and result.broken_aggregates == 0
    return result.access_log.broken


def test_the_access_log_is_chained_and_in_the_seal(store: Store) -> None:
    before = store.service.verify()
    ids = store.read_personal_data(3)

    result = store.service.verify()

    assert result.intact and result.access_log is not None
    assert result.access_log.entries == len(ids) == 6
    assert result.access_log.last == ids[-1]
    assert before.seal is not None and before.seal.entry is None  # an empty log
    assert result.seal is not None and result.seal.entry == ids[-1]
    assert str(result.seal) == f"{result.position}:{ids[-1]}:{result.seal.digest}"
    assert Seal.parse(str(result.seal)) == result.seal
    assert result.as_dict()["access_log"] == {
        "entries": 6,
        "last_entry": ids[-1],
        "intact": True,
        "broken": None,
    }


def test_a_deleted_access_log_entry_is_named(store: Store) -> None:
    ids = store.read_personal_data(3)
    store.run(
        f"DELETE FROM {store.access_log} WHERE id = %s",
        ids[2],
        untriggered=store.access_log,
    )

    broken = broken_entry(store)

    assert (broken.entry, broken.kind) == (ids[2], Break.DELETED)
    assert f"entry {ids[2]} is missing" in broken.message


def test_a_changed_access_log_entry_is_named(store: Store) -> None:
    ids = store.read_personal_data(3)
    store.run(
        f"UPDATE {store.access_log} SET name = %s WHERE id = %s",
        "Someone Else",
        ids[3],
        untriggered=store.access_log,
    )

    broken = broken_entry(store)

    assert (broken.entry, broken.kind) == (ids[3], Break.ALTERED)
    assert broken.expected != broken.found


def test_an_entry_deleted_with_its_link_is_found_at_the_next(store: Store) -> None:
    ids = store.read_personal_data(3)
    for table in (store.access_log, store.access_links):
        store.run(f"DELETE FROM {table} WHERE id = %s", ids[1], untriggered=table)

    broken = broken_entry(store)

    assert (broken.entry, broken.kind) == (ids[2], Break.ALTERED)


def test_an_entry_added_behind_the_service_s_back_is_unchained(store: Store) -> None:
    store.read_personal_data(1)
    store.run(
        f"INSERT INTO {store.access_log} (token_id, name, role, organisation, "
        "participant_id, route, at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        str(uuid4()),
        "Forged",
        "staff",
        None,
        str(uuid4()),
        READ,
        "2026-01-01T00:00:00.000000+00:00",
    )

    assert broken_entry(store).kind is Break.UNCHAINED


def test_an_access_log_tail_cut_with_its_links_breaks_the_kept_seal(
    store: Store,
) -> None:
    ids = store.read_personal_data(2)
    kept = store.service.verify().seal
    for table in (store.access_log, store.access_links):
        store.run(f"DELETE FROM {table} WHERE id >= %s", ids[2], untriggered=table)

    result = store.service.verify(kept_seal=kept)

    assert result.access_log is not None and result.access_log.broken is None
    assert result.kept_seal_holds is False and not result.intact


def test_a_kept_seal_holds_while_the_access_log_grows(store: Store) -> None:
    store.read_personal_data(2)
    kept = store.service.verify().seal

    store.read_personal_data(2)
    result = store.service.verify(kept_seal=kept)

    assert result.kept_seal_holds is True and result.intact


def test_entries_written_before_the_chain_are_linked_at_the_next_start(
    store: Store,
) -> None:
    store.read_personal_data(2)
    store.run(f"DELETE FROM {store.access_links}", untriggered=store.access_links)
    assert broken_entry(store).kind is Break.UNCHAINED

    again = Trajectories(store.service.settings)
    try:
        result = again.verify()
    finally:
        again.close()

    assert result.intact and result.access_log is not None
    assert result.access_log.entries == 4


def test_reads_logged_at_once_keep_one_chain(store: Store) -> None:
    threads = [
        threading.Thread(target=store.read_personal_data, args=(3,)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    result = store.service.verify()

    assert result.intact and result.access_log is not None
    assert result.access_log.entries == 24


# session_replication_role = replica: the triggers do not fire, the chains still tell


def test_rows_changed_under_the_replica_role_break_the_chains(store: Store) -> None:
    if not store.postgres:
        pytest.skip("a PostgreSQL setting")
    ids = store.read_personal_data(2)
    state = bytearray(store.state(store.trajectory_id, 4))
    state[5] ^= 0x01
    with store._datastore.transaction(commit=True) as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"UPDATE {store.events} SET state = %s "
            "WHERE originator_id = %s AND originator_version = 4",
            (bytes(state), store.trajectory_id),
        )
        cursor.execute(f"DELETE FROM {store.access_log} WHERE id = %s", (ids[0],))
        cursor.execute(
            "SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND tgenabled = 'O'",
            (store.events,),
        )
        enabled = cursor.fetchone()["n"]

    result = store.service.verify()

    assert enabled >= 2  # the triggers are on: the start-up check would pass
    assert not result.intact
    assert [(b.aggregate_id, b.version, b.kind) for b in result.broken] == [
        (store.trajectory_id, 4, Break.ALTERED)
    ]
    assert result.access_log is not None and result.access_log.broken is not None
    assert result.access_log.broken.kind is Break.DELETED


def test_a_service_role_that_can_bypass_the_triggers_is_warned_of_at_start(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    if not store.postgres:
        assert store.service.append_only_bypass is None  # SQLite has no roles
        return
    with caplog.at_level(logging.WARNING, logger="trajectory"):
        again = Trajectories(store.service.settings)
    again.close()

    assert again.append_only_bypass is not None
    assert "is a superuser" in again.append_only_bypass
    assert "session_replication_role" in caplog.text


@pytest.mark.postgres
def test_only_a_role_that_may_set_the_replication_role_is_warned_of(
    cluster: ThrowawayPostgres,
) -> None:
    role = f"plain_{uuid4().hex[:8]}"
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        with psycopg.connect(cluster.url, user=role, autocommit=True) as plain:

            def run(sql: str, params: Any) -> list[tuple[Any, ...]]:
                return plain.execute(sql, params).fetchall()

            before = replica_role_bypass(run)
            admin.execute(f"GRANT SET ON PARAMETER session_replication_role TO {role}")
            after = replica_role_bypass(run)

    assert before is None
    assert after is not None and f"{role} may set session_replication_role" in after


@pytest.mark.parametrize(
    ("timestamp", "named"),
    [
        ("2000-01-01T00:00:00+00:00", "before the event at its version was recorded"),
        ("2999-01-01T00:00:00+00:00", "after this verification read it"),
        ("2024-03-01T12:00:00", "not a time with its zone"),
        ("a while ago", "cannot be replayed"),
    ],
)
def test_a_snapshot_s_time_changed_is_named(
    store: Store, timestamp: str, named: str
) -> None:
    store.service.take_snapshot(store.trajectory_id)
    recorder: Any = store.service.snapshots.recorder  # type: ignore[union-attr]
    table = recorder.events_table_name
    if store.postgres:
        table = f'"{recorder.datastore.schema}".{table}'
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT state FROM {table}")
        row = cursor.fetchone()
        state = json.loads(bytes(row["state"] if store.postgres else row[0]))
    assert store.service.verify().intact
    state["timestamp"]["_data_"] = timestamp
    with store.untriggered(table) as cursor:
        cursor.execute(
            store.sql(f"UPDATE {table} SET state = %s"),
            (json.dumps(state).encode(),),
        )

    broken = only_break(store)

    assert (broken.aggregate_id, broken.kind) == (store.trajectory_id, Break.SNAPSHOT)
    assert named in broken.message
