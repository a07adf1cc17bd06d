"""A cluster's endpoints in the settings, and the heavy reads routed to a standby
(``application.cluster``, ``application.routing``).

Here against the machine's single PostgreSQL, standing in for both endpoints, or
with a standby that cannot be reached; the same with a real Patroni cluster, a
standby that falls behind and a failover, is in tests/ha/test_standby_reads.py.
"""

import logging
import socket
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from application.cluster import connection_options
from application.projections.caseload.queries import CaseloadQuery
from application.routing import Reads
from application.routing import StandbyReads
from application.service import Trajectories
from application.settings import Settings
from application.settings import UnsupportedDatabaseURL
from application.views import Views
from interfaces.demo.loading import load_demo

CLUSTER = "postgresql://svc:pw@pg1:5432,pg2:5433,[::1]/traj?schema=s"

# Settings -----------------------------------------------------------------------------


def test_a_cluster_url_names_every_host_with_its_port_and_asks_for_the_primary() -> (
    None
):
    env = Settings(database_url=CLUSTER).library_env()

    assert env["POSTGRES_HOST"] == "pg1,pg2,::1"
    assert env["POSTGRES_PORT"] == "5432,5433,5432"
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("svc", "pw")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"]) == ("traj", "s")
    assert env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write"


def test_one_host_gets_no_session_attributes_unless_its_url_says() -> None:
    one = Settings(database_url="postgresql://svc@db:5432/traj").library_env()
    told = Settings(
        database_url="postgresql://svc@db/traj?target_session_attrs=primary"
    ).library_env()

    assert "POSTGRES_TARGET_SESSION_ATTRS" not in one
    assert told["POSTGRES_TARGET_SESSION_ATTRS"] == "primary"


@pytest.mark.parametrize("attrs", ["standby", "prefer-standby", "read-only", "any"])
def test_a_store_url_that_may_find_a_standby_is_refused_naming_the_standby_setting(
    attrs: str,
) -> None:
    settings = Settings(
        database_url=f"postgresql://svc@a:1,b:2/traj?target_session_attrs={attrs}"
    )

    with pytest.raises(UnsupportedDatabaseURL, match="TRAJECTORY_STANDBY_URL"):
        settings.library_env()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://svc@a:x/traj", "'a:x' has no valid port"),
        ("postgresql://svc@a:1,b:70000/traj", "'b:70000' has no valid port"),
        ("postgresql://svc@a/traj?target_session_attrs=bogus", "bogus is none of"),
    ],
)
def test_a_wrong_cluster_url_is_refused_naming_the_problem(
    url: str, problem: str
) -> None:
    with pytest.raises(UnsupportedDatabaseURL, match=problem):
        Settings(database_url=url).library_env()


def test_the_standby_endpoint_prefers_a_standby_unless_told() -> None:
    default = Settings(standby_url="postgresql://svc:pw@pg1,pg2/traj")
    told = Settings(
        standby_url="postgresql://svc@pg2/traj?target_session_attrs=standby"
    )

    assert default.standby_env() == {
        "POSTGRES_DBNAME": "traj",
        "POSTGRES_HOST": "pg1,pg2",
        "POSTGRES_PORT": "5432,5432",
        "POSTGRES_USER": "svc",
        "POSTGRES_PASSWORD": "pw",
        "POSTGRES_TARGET_SESSION_ATTRS": "prefer-standby",
    }
    assert (told.standby_env() or {})["POSTGRES_TARGET_SESSION_ATTRS"] == "standby"
    assert Settings().standby_env() is None


@pytest.mark.parametrize("attrs", ["read-write", "primary"])
def test_a_standby_url_asking_for_the_primary_is_refused(attrs: str) -> None:
    settings = Settings(
        standby_url=f"postgresql://svc@a/t?target_session_attrs={attrs}"
    )

    with pytest.raises(UnsupportedDatabaseURL, match="prefer-standby"):
        settings.standby_env()


def test_messages_show_the_standby_url_without_its_password() -> None:
    settings = Settings(standby_url="postgresql://svc:S3cret@a:1,b:2/traj")

    assert settings.safe_standby_url == "postgresql://svc:***@a:1,b:2/traj"


def test_connections_carry_session_attributes_a_timeout_per_host_and_keepalives() -> (
    None
):
    options = connection_options(Settings(database_url=CLUSTER).library_env())

    assert options["target_session_attrs"] == "read-write"
    assert options["connect_timeout"] == 2
    assert options["keepalives"] == 1 and options["tcp_user_timeout"] > 0


# Routing ------------------------------------------------------------------------------


def test_without_a_standby_every_read_is_the_primary_s(database_url: str) -> None:
    service = Trajectories(Settings(database_url=database_url))
    try:
        assert type(service.reads) is Reads
        assert service.reads.counts() == {}
    finally:
        service.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def routed(postgres_url: str) -> Iterator[tuple[Trajectories, Views]]:
    """A service whose standby endpoint is the same server (a primary: never
    behind), with demo trajectories and caught-up views."""
    standby = postgres_url.split("?")[0] + "?target_session_attrs=prefer-standby"
    service = Trajectories(Settings(database_url=postgres_url, standby_url=standby))
    load_demo(service, trajectories=12, seed=3)
    views = Views(service)
    views.catch_up()
    yield service, views
    service.close()


@pytest.mark.postgres
def test_the_heavy_reads_are_served_from_the_standby_endpoint(
    routed: tuple[Trajectories, Views],
) -> None:
    service, views = routed
    trajectory_id = next(row.trajectory_id for row in views.caseload.view.rows())

    page = views.caseload_page(CaseloadQuery())
    figures = views.outcome_table(["programme"])
    replayed = views.outcome_table(["programme"], as_of=date(2026, 1, 1))
    history = service.history(trajectory_id)
    verification = service.verify()

    assert page.total > 0 and figures.rows and replayed.rows and history
    assert verification.intact
    counts = service.reads.counts()
    assert counts["standby"] > 0
    assert counts.get("primary", 0) == counts.get("skipped", 0) == 0


@pytest.mark.postgres
def test_routed_reads_give_what_the_primary_gives(
    routed: tuple[Trajectories, Views], postgres_url: str
) -> None:
    service, views = routed
    plain = Trajectories(Settings(database_url=postgres_url))
    try:
        plain_views = Views(plain)
        trajectory_id = next(row.trajectory_id for row in views.caseload.view.rows())

        assert views.caseload_page(CaseloadQuery()) == plain_views.caseload_page(
            CaseloadQuery()
        )
        assert views.outcome_table(["programme", "gender"]).rows == (
            plain_views.outcome_table(["programme", "gender"]).rows
        )
        assert service.history(trajectory_id) == plain.history(trajectory_id)
    finally:
        plain.close()


@pytest.mark.postgres
def test_a_standby_that_cannot_be_reached_is_skipped_and_the_primary_serves(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    standby = f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres"
    service = Trajectories(
        Settings(database_url=postgres_url, standby_url=standby, standby_skip_for=600)
    )
    try:
        load_demo(service, trajectories=3, seed=4)
        views = Views(service)
        views.catch_up()
        assert isinstance(service.reads, StandbyReads)

        with caplog.at_level(logging.WARNING, logger="trajectory.routing"):
            first = views.caseload_page(CaseloadQuery())
            second = views.caseload_page(CaseloadQuery())

        assert first == second and first.total > 0
        counts = service.reads.counts()
        assert counts["skipped"] == 1  # the second read did not try it again
        assert counts.get("standby", 0) == 0 and counts["primary"] > 0
        (warning,) = [
            r.getMessage() for r in caplog.records if r.name == "trajectory.routing"
        ]
        assert "cannot be reached" in warning and "go to the primary" in warning
    finally:
        service.close()


@pytest.mark.postgres
def test_a_routed_read_answers_the_library_s_operational_error_when_the_primary_is_gone(
    routed: tuple[Trajectories, Views],
) -> None:
    service, views = routed
    assert isinstance(service.reads, StandbyReads)
    service.reads.primary.close()  # as if the primary could not be reached

    with pytest.raises(OperationalError):
        views.caseload_page(CaseloadQuery())


@pytest.mark.postgres
def test_settings_given_to_the_store_s_pool_reach_the_primary_s_pool(
    routed: tuple[Trajectories, Views],
) -> None:
    service, _ = routed
    assert isinstance(service.reads, StandbyReads)
    pool: Any = service.recorder.datastore.pool  # type: ignore[attr-defined]

    pool.reconnect_timeout = 3.5

    assert service.reads.primary.reconnect_timeout == 3.5
    assert pool.kwargs is service.reads.primary.kwargs
