"""Heavy reads from the cluster's standby, with read-your-writes
(``application.routing``), on a throwaway Patroni cluster: the standby serves them
while it keeps up; a writer's next read sees its write even when the standby has
stopped replaying (it is then skipped, and the primary serves); after a failover
the promoted node serves them, and the old primary once it has rejoined as a
standby.
"""

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
import pytest

from application.projections.caseload.queries import CaseloadQuery
from application.routing import StandbyReads
from application.service import Trajectories
from application.views import Views
from interfaces.demo.loading import load_demo
from tests.ha.cluster import Node
from tests.ha.cluster import PatroniCluster
from tests.ha.service import store_settings
from tests.service_builders import referred

pytestmark = pytest.mark.ha

SKIP_FOR = 2.0  # seconds a standby that fell behind is skipped, in these tests


@pytest.fixture
def cluster(patroni_cluster: PatroniCluster) -> PatroniCluster:
    patroni_cluster.wait_until_healthy()
    return patroni_cluster


def demo_service(cluster: PatroniCluster, **options: Any) -> Iterator[Trajectories]:
    store = Trajectories(store_settings(cluster, standby_skip_for=SKIP_FOR, **options))
    load_demo(store, trajectories=30, seed=5)
    yield store
    store.close()


@pytest.fixture
def service(cluster: PatroniCluster) -> Iterator[Trajectories]:
    yield from demo_service(cluster)


@pytest.fixture
def patient_service(cluster: PatroniCluster) -> Iterator[Trajectories]:
    """As ``service``, waiting up to 10 s (not 0.5) for the standby's replay: on a
    busy machine (CI runs these tests beside the rest) replaying a commit took the
    standby longer than 0.5 s, and the read went to the primary, as it should."""
    yield from demo_service(cluster, standby_max_wait=10)


def reads(service: Trajectories) -> StandbyReads:
    assert isinstance(service.reads, StandbyReads)
    return service.reads


def address(node: Node) -> str:
    return f"127.0.0.1:{node.pg_port}"


@contextmanager
def replay_held_up(primary: Node, standby: Node) -> Iterator[None]:
    """The standby stops replaying the primary's log (it still receives and
    flushes it: the primary's commits do not wait), as behind a long query: a
    query on the standby reads a table that the primary then locks exclusively,
    and the standby's replay of that lock waits for the query to end (up to
    max_standby_streaming_delay, 30 s). Patroni resumes a paused replay, so
    pg_wal_replay_pause() would not do."""
    with psycopg.connect(primary.dsn(), autocommit=True) as connection:
        connection.execute(b"CREATE TABLE IF NOT EXISTS replay_blocker (n int)")
    wait_until(lambda: _has_table(standby), 30, "the table on the standby")
    with psycopg.connect(standby.dsn()) as reader:
        reader.execute(b"SELECT count(*) FROM replay_blocker")  # holds its lock
        with psycopg.connect(primary.dsn()) as connection:  # commits on leaving
            connection.execute(b"LOCK TABLE replay_blocker IN ACCESS EXCLUSIVE MODE")
        yield
        reader.rollback()


def _has_table(node: Node) -> bool:
    with psycopg.connect(node.dsn(), autocommit=True) as connection:
        row = connection.execute(b"SELECT to_regclass('replay_blocker')").fetchone()
    return row is not None and row[0] is not None


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} in {timeout} s")
        time.sleep(0.05)


def test_the_standby_serves_the_heavy_reads_and_they_equal_the_primary_s(
    cluster: PatroniCluster, patient_service: Trajectories
) -> None:
    service = patient_service
    (standby,) = cluster.standbys()
    views = Views(service)
    views.catch_up()
    trajectory_id = next(row.trajectory_id for row in views.caseload.view.rows())

    page = views.caseload_page(CaseloadQuery())
    figures = views.outcome_table(["programme", "gender"])
    replayed = views.outcome_table(["programme"], as_of=date(2026, 6, 30))
    history = service.history(trajectory_id)
    verification = service.verify()

    assert set(reads(service).servers()) == {address(standby)}
    assert reads(service).counts().get("primary", 0) == 0
    assert verification.intact and verification.aggregates > 30
    on_the_primary = Trajectories(
        store_settings(cluster).model_copy(update={"standby_url": None})
    )
    try:
        primary_views = Views(on_the_primary)
        assert page == primary_views.caseload_page(CaseloadQuery())
        assert figures.rows == primary_views.outcome_table(["programme", "gender"]).rows
        assert (
            replayed.rows
            == primary_views.outcome_table(["programme"], as_of=date(2026, 6, 30)).rows
        )
        assert history == on_the_primary.history(trajectory_id)
    finally:
        on_the_primary.close()


def test_a_writer_reads_its_write_and_a_standby_that_falls_behind_is_skipped(
    cluster: PatroniCluster, service: Trajectories
) -> None:
    (standby,) = cluster.standbys()
    first = referred(service)
    assert service.history(first)  # read from the standby, which keeps up
    assert set(reads(service).servers()) == {address(standby)}

    # Given a standby that stopped replaying
    with replay_held_up(cluster.primary(), standby):
        # When a writer records and reads back at once
        written = referred(service)
        history = service.history(written)
        again = service.history(written)

        # Then it reads its write, from the primary, which serves while the
        # standby is skipped (without waiting for it again)
        assert [entry.version for entry in history] == [1]
        assert again == history
        counts = reads(service).counts()
        assert counts["skipped"] == 1 and counts["primary"] >= 2

    # And once the standby has caught up and its skip is over, it serves again
    wait_until(lambda: not reads(service).skipping(), SKIP_FOR * 5, "end of the skip")
    served = sum(reads(service).servers().values())
    assert service.history(written) == history
    assert sum(reads(service).servers().values()) > served


def test_after_a_failover_the_promoted_node_serves_and_then_the_rejoined_standby(
    cluster: PatroniCluster, service: Trajectories
) -> None:
    old = cluster.primary()
    (standby,) = cluster.standbys()
    before = referred(service)

    cluster.kill_postmaster(old)
    new = cluster.wait_for_leader(45, other_than=old.name)
    assert new.name == standby.name
    # The first reads may find no primary yet to ask how far its log is: 503.
    wait_until(lambda: _reads_well(service, before), 45, "routed read")
    written = referred(service)  # on the new primary

    # The prefer-standby endpoint finds no standby: the promoted node serves.
    assert [entry.version for entry in service.history(written)] == [1]

    cluster.wait_until_healthy(90)  # its Patroni starts it again, as a standby
    wait_until(
        lambda: (
            _reads_well(service, written) and address(old) in reads(service).servers()
        ),
        45,
        "a read served by the rejoined standby",
    )


def _reads_well(service: Trajectories, trajectory_id: object) -> bool:
    from eventsourcing.persistence import OperationalError

    try:
        return bool(service.history(trajectory_id))  # type: ignore[arg-type]
    except OperationalError:
        return False
