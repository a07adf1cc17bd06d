"""A bulk load keeps the query planner's statistics of the store up with what it
stores (``application.storage.statistics``): a table never analyzed is planned as if
each originator had half a percent of its rows, and a read of a dozen aggregates'
events then reads the whole table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from application.service import Trajectories
from application.settings import Settings
from application.storage import PlannerStatistics
from application.storage import SideTables
from tests.service_builders import referred
from tests.service_builders import register_buso_programme

EVENTS_TABLE = "trajectories_events"


@pytest.fixture
def store(postgres_url: str) -> Iterator[Trajectories]:
    app = Trajectories(Settings(database_url=postgres_url))
    tables = SideTables(app.recorder)
    # Only the load analyzes here: autovacuum (where the server runs it) would
    # analyze the tables at its own moments.
    names = tables.run(
        (
            "SELECT tablename FROM pg_tables WHERE schemaname = %s",
            [tables.schema],
        )
    )
    tables.run(
        *(
            (f"ALTER TABLE {tables.name(f'{n}')} SET (autovacuum_enabled = off)", [])
            for (n,) in names
        )
    )
    register_buso_programme(app)
    yield app
    app.close()


def analyzed(app: Trajectories, table: str) -> bool:
    tables = SideTables(app.recorder)
    ((when,),) = tables.run(
        (
            "SELECT last_analyze FROM pg_stat_user_tables "
            "WHERE schemaname = %s AND relname = %s",
            [tables.schema, table],
        )
    )
    return when is not None


def load(app: Trajectories, trajectories: int) -> None:
    """Trajectories stored in one batch, as an import or the demo stores them."""
    with app.batch():
        for _ in range(trajectories):
            referred(app)


def with_statistics(
    app: Trajectories, *, check_every: int, floor_pages: int
) -> PlannerStatistics:
    statistics = PlannerStatistics(
        SideTables(app.recorder), check_every=check_every, floor_pages=floor_pages
    )
    app.writes.statistics = statistics
    return statistics


@pytest.mark.postgres
def test_a_bulk_load_analyzes_the_tables_it_grew_past_the_floor(
    store: Trajectories,
) -> None:
    # Given a store whose tables were never analyzed (autovacuum may be off)
    with_statistics(store, check_every=100, floor_pages=2)
    assert not analyzed(store, EVENTS_TABLE)

    # When a batch stores more events than a check waits for
    load(store, 60)

    # Then the events table, grown past the floor, is analyzed: the planner knows
    # its rows
    assert analyzed(store, EVENTS_TABLE)
    tables = SideTables(store.recorder)
    ((estimated, counted),) = tables.run(
        (
            "SELECT reltuples, (SELECT count(*) FROM "
            f"{tables.name(EVENTS_TABLE)}) FROM pg_class WHERE oid = %s::regclass",
            [tables.name(EVENTS_TABLE)],
        )
    )
    assert estimated == counted > 120  # two or more events a trajectory


@pytest.mark.postgres
def test_a_table_under_the_floor_or_a_load_under_a_check_is_left_alone(
    store: Trajectories,
) -> None:
    # Given a check every 1,000 events
    statistics = with_statistics(store, check_every=1_000, floor_pages=2)

    # When batches store fewer than that
    load(store, 60)

    # Then nothing is analyzed
    assert not analyzed(store, EVENTS_TABLE)

    # And with a floor above the table's size, a check analyzes nothing either
    statistics.floor_pages = 10_000
    assert statistics.refresh() == []
    assert not analyzed(store, EVENTS_TABLE)


@pytest.mark.postgres
def test_a_table_is_analyzed_again_only_once_it_grew_by_half(
    store: Trajectories,
) -> None:
    # Given the events table analyzed after a load
    statistics = with_statistics(store, check_every=10**9, floor_pages=2)
    load(store, 60)
    assert EVENTS_TABLE in statistics.refresh()

    # When a few more are stored, it is not analyzed again
    load(store, 5)
    assert EVENTS_TABLE not in statistics.refresh()

    # Then once it holds half as many pages again, it is
    load(store, 60)
    assert EVENTS_TABLE in statistics.refresh()


@pytest.mark.postgres
def test_one_process_analyzes_at_a_time_the_others_go_on(
    store: Trajectories, postgres_url: str
) -> None:
    # Given another process analyzing this store's tables (holding the lock)
    statistics = with_statistics(store, check_every=10**9, floor_pages=2)
    load(store, 60)
    tables = SideTables(store.recorder)
    lock = "trajectory statistics " + tables.schema
    server = postgres_url.split("?")[0]
    with psycopg.connect(server) as other, other.transaction():
        other.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock])

        # When this one checks, it does not wait: it analyzes nothing
        assert statistics.refresh() == []
        assert not analyzed(store, EVENTS_TABLE)

    # Then once the other is done, it can
    assert EVENTS_TABLE in statistics.refresh()


def test_on_sqlite_there_is_nothing_to_analyze(tmp_path: object) -> None:
    app = Trajectories(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    try:
        register_buso_programme(app)
        statistics = with_statistics(app, check_every=1, floor_pages=0)
        load(app, 5)
        assert statistics.refresh() == []
    finally:
        app.close()


@pytest.mark.postgres
def test_a_check_that_fails_is_logged_and_the_load_goes_on(
    store: Trajectories,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a check that loses its connection to the server
    statistics = with_statistics(store, check_every=100, floor_pages=2)

    @contextmanager
    def lost() -> Iterator[Any]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")
        yield

    monkeypatch.setattr(statistics.tables, "connection", lost)

    # When a batch stores more than a check waits for
    with caplog.at_level("WARNING", logger="trajectory"):
        load(store, 60)

    # Then what it stored is stored, and the failed check is logged
    assert len(list(store.histories_of(None, personal_data=False))) == 60
    assert "statistics were not refreshed" in caplog.text
    assert not analyzed(store, EVENTS_TABLE)
