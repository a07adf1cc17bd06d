"""The schema's versions: applied once, in order, recorded; a newer store refused;
processes starting at once on an empty schema set it up once between them."""

import multiprocessing
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from application import migrations
from application.migrations import Migration
from application.migrations import SchemaTooNew
from application.service import Trajectories
from application.settings import Settings
from application.storage import SideTables

COUNTER = "migration_counter"


def counter_table(tables: SideTables) -> list[str]:
    """Not idempotent on purpose: a second run fails on the existing table."""
    return [
        f"CREATE TABLE {tables.name(COUNTER)} (n INTEGER NOT NULL)",
        f"INSERT INTO {tables.name(COUNTER)} (n) VALUES (1)",
    ]


# This release's migrations, and one more as the next release would add it.
RELEASE = migrations.MIGRATIONS
RELEASED = [m.version for m in RELEASE]
SECOND = Migration(RELEASED[-1] + 1, "a table counting its own runs", counter_table)


def opened(database_url: str) -> Trajectories:
    return Trajectories(Settings(database_url=database_url))


def versions(service: Trajectories) -> list[tuple[int, str]]:
    tables = SideTables(service.recorder)
    table = tables.name("schema_versions")
    rows = tables.run(
        (f"SELECT version, description FROM {table} ORDER BY version", ()),
        commit=False,
    )
    return [(int(version), str(description)) for version, description in rows]


def counted_runs(service: Trajectories) -> int:
    tables = SideTables(service.recorder)
    rows = tables.run((f"SELECT count(*) FROM {tables.name(COUNTER)}", ()))
    return int(rows[0][0])


def assert_second_applied_once(database_url: str) -> None:
    service = opened(database_url)
    try:
        assert [v for v, _ in versions(service)] == [*RELEASED, SECOND.version]
        assert counted_runs(service) == 1
    finally:
        service.close()


@pytest.fixture
def with_a_second_migration(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, SECOND))
    yield


def test_a_new_store_is_at_the_latest_version_and_says_what_it_applied(
    database_url: str,
) -> None:
    service = opened(database_url)
    try:
        assert versions(service) == [(m.version, m.description) for m in RELEASE]
        assert [m.version for m in service.migrated_now] == RELEASED
    finally:
        service.close()


def test_opening_the_store_again_applies_nothing(database_url: str) -> None:
    opened(database_url).close()

    again = opened(database_url)
    try:
        assert again.migrated_now == []
        assert [v for v, _ in versions(again)] == RELEASED
    finally:
        again.close()


def test_a_new_migration_runs_once_when_the_store_next_opens(
    database_url: str, with_a_second_migration: None
) -> None:
    opened(database_url).close()
    opened(database_url).close()  # a second run would fail on the existing table

    assert_second_applied_once(database_url)


def test_a_failing_migration_leaves_no_record_and_runs_again_next_time(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened(database_url).close()
    broken = Migration(
        SECOND.version, "broken", lambda _tables: ["SELECT * FROM no_such_table"]
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))

    with pytest.raises(Exception, match="no_such_table"):
        opened(database_url)

    monkeypatch.setattr(migrations, "MIGRATIONS", (*RELEASE, SECOND))
    assert_second_applied_once(database_url)


def test_a_migration_breaking_a_constraint_stops_the_start_and_is_not_recorded(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def duplicate_rows(tables: SideTables) -> list[str]:
        table = tables.name(COUNTER)
        return [
            f"CREATE TABLE {table} (n INTEGER PRIMARY KEY)",
            f"INSERT INTO {table} (n) VALUES (1), (1)",
        ]

    opened(database_url).close()
    broken = Migration(SECOND.version, "duplicate rows", duplicate_rows)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))

    for _ in range(2):  # and again at the next start: never silently skipped
        with pytest.raises(IntegrityError):
            opened(database_url)

    monkeypatch.setattr(migrations, "MIGRATIONS", RELEASE)
    service = opened(database_url)
    try:
        assert [v for v, _ in versions(service)] == RELEASED
    finally:
        service.close()


def test_a_store_migrated_by_a_newer_release_is_refused_by_name(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as newer:
        newer.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, SECOND))
        opened(database_url).close()

    too_new = rf"version\(s\) {SECOND.version}, which this release"
    with pytest.raises(SchemaTooNew, match=too_new):
        opened(database_url)


def test_the_versions_are_append_only(database_url: str) -> None:
    service = opened(database_url)
    try:
        tables = SideTables(service.recorder)
        with pytest.raises(Exception, match="append-only"):
            tables.run((f"DELETE FROM {tables.name('schema_versions')}", ()))
        assert [v for v, _ in versions(service)] == RELEASED
    finally:
        service.close()


def _open_with_a_second_migration(database_url: str) -> list[int]:
    migrations.MIGRATIONS = (*migrations.MIGRATIONS, SECOND)
    service = opened(database_url)
    service.close()
    return [m.version for m in service.migrated_now]


@pytest.mark.postgres
def test_processes_starting_at_once_on_an_empty_schema_set_it_up_once(
    postgres_url: str,
) -> None:
    """Each round starts four processes on an empty schema at once; without the
    schema lock, concurrent CREATE statements fail ("tuple concurrently updated",
    duplicate types) and a migration could run twice."""
    base, schema = postgres_url.split("?schema=")
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        for round_ in range(3):
            url = f"{base}?schema={schema}_{round_}"
            with psycopg.connect(base, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}_{round_}"')
            try:
                applied = pool.map(_open_with_a_second_migration, [url] * 4)
                with psycopg.connect(base, autocommit=True) as connection:
                    recorded = connection.execute(
                        f'SELECT version FROM "{schema}_{round_}".schema_versions '
                        "ORDER BY version"
                    ).fetchall()
                    runs = connection.execute(
                        f'SELECT count(*) FROM "{schema}_{round_}".{COUNTER}'
                    ).fetchone()
            finally:
                with psycopg.connect(base, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}_{round_}" CASCADE')

            assert sorted(v for each in applied for v in each) == [
                *RELEASED,
                SECOND.version,
            ]
            assert recorded == [(v,) for v in [*RELEASED, SECOND.version]]
            assert runs == (1,)
