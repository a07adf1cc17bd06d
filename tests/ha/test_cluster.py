"""The throwaway Patroni cluster works and fails over without losing an
acknowledged write: a writer commits rows through the multi-host connection string
while the primary's postmaster is killed, or its Patroni stopped, and afterwards
every acknowledged row is on the promoted standby (and on the old primary once it
has rejoined). Run with `-s` to see the measured times.
"""

import signal
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.ha.cluster import ContinuousWriter
from tests.ha.cluster import Node
from tests.ha.cluster import PatroniCluster

pytestmark = pytest.mark.ha

# Generous, so as not to flake on a loaded machine: failover takes a few seconds.
FAILOVER_BOUND = 45.0


class RowWriter:
    """Inserts row n through `dsn`, reconnecting after any error."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.connection: psycopg.Connection[Any] | None = None

    def __call__(self, n: int) -> None:
        try:
            if self.connection is None:
                self.connection = psycopg.connect(
                    self.dsn, connect_timeout=2, autocommit=True
                )
            self.connection.execute("INSERT INTO written (n) VALUES (%s)", (n,))
        except psycopg.Error:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _rows_on(node: Node) -> set[int]:
    with psycopg.connect(node.dsn(), connect_timeout=2) as connection:
        return {n for (n,) in connection.execute("SELECT n FROM written")}


def _check_synchronous(primary: Node) -> None:
    with psycopg.connect(primary.dsn(), connect_timeout=2) as connection:
        names = connection.execute("SHOW synchronous_standby_names").fetchone()
        commit = connection.execute("SHOW synchronous_commit").fetchone()
    assert names is not None and names[0], "no synchronous standby named"
    assert commit == ("on",)


def _fail_over(
    cluster: PatroniCluster, fault: Callable[[Node], object], what: str
) -> None:
    """Writes continuously through the fault; checks that a standby took over in
    time and holds every acknowledged row."""
    old = cluster.wait_until_healthy()
    _check_synchronous(old)
    with psycopg.connect(cluster.dsn(), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS written (n bigint PRIMARY KEY)")

    row_writer = RowWriter(cluster.dsn())
    try:
        with ContinuousWriter(row_writer) as writer:
            writer.wait_for_acknowledged(50)
            faulted_at = time.monotonic()
            fault(old)
            new = cluster.wait_for_leader(FAILOVER_BOUND, other_than=old.name)
            promoted_at = time.monotonic()
            writer.wait_for_recovery(FAILOVER_BOUND)
            writer.wait_for_acknowledged(len(writer.acknowledged) + 50)
    finally:
        row_writer.close()

    assert writer.recovered_at is not None and writer.outage is not None
    without_primary = writer.outage
    first_write_after = writer.recovered_at - faulted_at
    assert first_write_after < FAILOVER_BOUND

    acknowledged = set(writer.acknowledged)
    missing = acknowledged - _rows_on(new)
    assert not missing, f"{len(missing)} acknowledged rows lost: {sorted(missing)[:20]}"

    print(
        f"\n{cluster.node_count} nodes, {what}: {old.name} -> {new.name}; "
        f"no writable primary for {without_primary:.2f} s (first failed write to "
        f"the first acknowledged one after it); first write {first_write_after:.2f}"
        f" s and promotion seen {promoted_at - faulted_at:.2f} s after the fault; "
        f"{len(acknowledged)} acknowledged, {writer.failures} failed, 0 lost"
    )

    if not old.patroni_running():
        cluster.start_patroni(old)
    started = time.monotonic()
    cluster.wait_until_healthy(90)
    rejoined = time.monotonic() - started
    assert cluster.primary().name == new.name
    # The old primary follows the new one again and has every acknowledged row.
    deadline = time.monotonic() + 30
    while missing := acknowledged - _rows_on(old):
        assert time.monotonic() < deadline, f"{old.name} lacks {len(missing)} rows"
        time.sleep(0.2)
    print(f"{old.name} rejoined as a standby {rejoined:.2f} s later")


def test_cluster_starts_healthy_switches_over_and_closes_without_leftovers(
    patroni_cluster: PatroniCluster,
) -> None:
    cluster = patroni_cluster
    primary = cluster.wait_until_healthy()
    _check_synchronous(primary)
    others = [node.name for node in cluster.nodes if node is not primary]
    assert [node.name for node in cluster.standbys()] == others
    assert [node.name for node in cluster.sync_standbys()] == others
    for target, expected in (("read-write", False), ("standby", True)):
        with psycopg.connect(cluster.dsn(target), connect_timeout=2) as connection:
            row = connection.execute("SELECT pg_is_in_recovery()").fetchone()
        assert row == (expected,)
    with psycopg.connect(cluster.conninfo(), connect_timeout=2) as connection:
        assert connection.info.port == primary.pg_port

    new = cluster.switchover()
    assert new.name != primary.name
    assert cluster.wait_until_healthy().name == new.name

    # The worst mess to clean up: a crashed primary, and a standby's postgres
    # orphaned by a killed Patroni.
    cluster.kill_primary_postmaster()
    cluster.stop_patroni(cluster.node(primary.name), signal.SIGKILL)
    assert cluster.processes()
    cluster.close()
    assert cluster.processes() == []
    assert not cluster.folder.exists()


@pytest.mark.parametrize("nodes", [2, 3])
def test_no_acknowledged_write_lost_when_the_primary_postmaster_is_killed(
    patroni_cluster_factory: Callable[..., PatroniCluster], nodes: int
) -> None:
    cluster = patroni_cluster_factory(nodes)
    _fail_over(cluster, cluster.kill_postmaster, "kill -9 of the primary's postmaster")


def test_no_acknowledged_write_lost_when_the_primary_patroni_stops(
    patroni_cluster: PatroniCluster,
) -> None:
    cluster = patroni_cluster

    def stop(node: Node) -> None:
        cluster.stop_patroni(node, signal.SIGTERM)

    _fail_over(cluster, stop, "the primary's Patroni stopped (SIGTERM)")
