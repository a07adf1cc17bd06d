"""docker-compose.yml's database cluster, run for real without Docker: its Patroni
configuration and post-bootstrap script on a throwaway cluster (only the names,
addresses and folders placed on this machine), with the passwords from the nodes'
environment. The service connects through the api's URLs, and the operators' page
(docs/operators/high-availability.md) is followed: `patronictl list`, a
switchover by hand, a node replaced by an empty one.
"""

import shutil
import subprocess
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

from application.routing import StandbyReads
from application.service import Trajectories
from application.settings import Settings
from tests.ha.cluster import PatroniCluster
from tests.interfaces.test_deployment_files import compose
from tests.interfaces.test_deployment_files import environment
from tests.interfaces.test_deployment_files import interpolate
from tests.service_builders import referred
from tests.service_builders import register_buso_programme

pytestmark = pytest.mark.ha

DOT_ENV = {
    "POSTGRES_PASSWORD": "trajectorypw",
    "PATRONI_SUPERUSER_PASSWORD": "superpw",
    "PATRONI_REPLICATION_PASSWORD": "replicapw",
    "TRAJECTORY_MASTER_KEY": "unused",
}
# Set by each node in the compose file; the harness places the node itself.
PLACED = ("PATRONI_NAME", "PATRONI_RESTAPI_CONNECT_ADDRESS", "PATRONI_POSTGRESQL_")


def compose_cluster(factory: Callable[..., PatroniCluster]) -> PatroniCluster:
    configs = compose()["configs"]
    config = yaml.safe_load(interpolate(configs["patroni"]["content"], DOT_ENV))
    script = interpolate(configs["post-bootstrap"]["content"], DOT_ENV)
    node_environment = {
        name: interpolate(value, DOT_ENV)
        for name, value in environment("pg1").items()
        if not name.startswith(PLACED)
    }
    return factory(
        2, config=config, environment=node_environment, post_bootstrap=script
    )


def the_api_s(variable: str, cluster: PatroniCluster) -> str:
    """The api's database URL from the compose file, its hosts (pg1, pg2, pg3)
    replaced by the throwaway cluster's nodes."""
    url = urlsplit(interpolate(environment("api")[variable], DOT_ENV))
    hosts = ",".join(f"127.0.0.1:{node.pg_port}" for node in cluster.nodes)
    user_info = url.netloc.rpartition("@")[0]
    return url._replace(netloc=f"{user_info}@{hosts}").geturl()


def patronictl(cluster: PatroniCluster, *arguments: str) -> str:
    """`patronictl` as the operators' page runs it in a node's container."""
    config = cluster.nodes[0].config_path
    completed = subprocess.run(
        ["patronictl", "-c", str(config), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.fixture
def cluster(patroni_cluster_factory: Callable[..., PatroniCluster]) -> PatroniCluster:
    cluster = compose_cluster(patroni_cluster_factory)
    cluster.wait_until_healthy(120)
    return cluster


def test_the_compose_cluster_runs_the_service_with_a_synchronous_standby(
    cluster: PatroniCluster,
) -> None:
    primary = cluster.primary()
    (standby,) = cluster.standbys()
    settings = Settings(
        database_url=the_api_s("TRAJECTORY_DATABASE_URL", cluster),
        standby_url=the_api_s("TRAJECTORY_STANDBY_URL", cluster),
    )

    store = Trajectories(settings)
    try:
        assert store.manages_schema  # the role owns its database, as set up
        register_buso_programme(store)
        trajectory_id = referred(store)
        history = store.history(trajectory_id)
        assert isinstance(store.reads, StandbyReads)
        served_by = set(store.reads.servers())
    finally:
        store.close()

    assert [entry.version for entry in history] == [1]
    assert served_by == {f"127.0.0.1:{standby.pg_port}"}
    with psycopg.connect(primary.dsn(), autocommit=True) as connection:
        names = _setting(connection, "synchronous_standby_names")
        assert standby.name in names
        assert _setting(connection, "synchronous_commit") == "on"
    with psycopg.connect(standby.dsn(), autocommit=True) as connection:
        assert _setting(connection, "hot_standby_feedback") == "on"
    with psycopg.connect(primary.dsn("trajectory"), autocommit=True) as connection:
        owner = connection.execute(
            b"SELECT pg_get_userbyid(datdba) FROM pg_database "
            b"WHERE datname = 'trajectory'"
        ).fetchone()
    assert owner == ("trajectory",)


def test_an_operator_lists_switches_over_and_replaces_a_node_with_patronictl(
    cluster: PatroniCluster,
) -> None:
    old = cluster.primary()
    (standby,) = cluster.standbys()
    with psycopg.connect(old.dsn(), autocommit=True) as connection:
        connection.execute(b"CREATE TABLE kept (n int)")
        connection.execute(b"INSERT INTO kept VALUES (1), (2), (3)")

    listed = patronictl(cluster, "list")
    assert old.name in listed and standby.name in listed
    assert "Sync Standby" in listed and "Leader" in listed

    # A switchover by hand, to the synchronous standby.
    patronictl(
        cluster,
        "switchover",
        "--leader",
        old.name,
        "--candidate",
        standby.name,
        "--force",
    )
    new = cluster.wait_for_leader(90, other_than=old.name)
    assert new.name == standby.name
    assert cluster.wait_until_healthy(120).name == new.name  # the old one follows

    # The old primary's machine is replaced: an empty node of the same name.
    cluster.stop_patroni(old)
    shutil.rmtree(old.data_dir)
    cluster.start_patroni(old)
    assert cluster.wait_until_healthy(180).name == new.name
    with psycopg.connect(old.dsn(), autocommit=True) as connection:
        assert connection.execute(b"SELECT count(*) FROM kept").fetchone() == (3,)
        assert connection.execute(b"SELECT pg_is_in_recovery()").fetchone() == (True,)


def _setting(connection: psycopg.Connection[Any], name: str) -> str:
    row = connection.execute(f"SHOW {name}".encode()).fetchone()
    assert row is not None
    return str(row[0])
