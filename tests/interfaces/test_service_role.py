"""On PostgreSQL the schema belongs to an owner role, set up by `trajectory migrate`;
the service runs as a role that owns nothing and may not delete, truncate or (by the
triggers) update what is stored. In a throwaway cluster: roles are the cluster's."""

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import uuid4

import psycopg
import pytest
from typer.testing import CliRunner

from application.access import Caller
from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from application.storage import PlannerStatistics
from application.storage import SchemaNotReady
from application.storage import SideTables
from application.views import Views
from interfaces.cli.main import app
from tests.conftest import running_throwaway_postgres
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

pytestmark = pytest.mark.postgres
runner = CliRunner()

OWNER, SERVICE = "trajectory_owner", "trajectory_service"
EVENTS = "store.trajectories_events"


@dataclass(frozen=True)
class Roles:
    superuser: str
    owner: str
    service: str

    def raw(self, url: str) -> psycopg.Connection:
        return psycopg.connect(url.split("?")[0], autocommit=True)


@pytest.fixture(scope="module")
def roles() -> Iterator[Roles]:
    with running_throwaway_postgres() as cluster:
        with psycopg.connect(cluster.url, autocommit=True) as connection:
            connection.execute(f"CREATE ROLE {OWNER} LOGIN")
            connection.execute(f"CREATE ROLE {SERVICE} LOGIN")
            connection.execute(f"CREATE SCHEMA store AUTHORIZATION {OWNER}")
        base = f"127.0.0.1:{cluster.port}/postgres?schema=store"
        roles = Roles(
            superuser=cluster.url,
            owner=f"postgresql://{OWNER}@{base}",
            service=f"postgresql://{SERVICE}@{base}",
        )
        result = runner.invoke(
            app,
            ["migrate", "--grant-to", SERVICE],
            env={"TRAJECTORY_DATABASE_URL": roles.owner},
        )
        assert result.exit_code == 0, result.output
        assert f"{SERVICE} may run the service" in result.output
        yield roles


@pytest.fixture
def service(roles: Roles) -> Iterator[Trajectories]:
    service = Trajectories(Settings(database_url=roles.service))
    yield service
    service.close()


def test_the_service_role_records_reads_verifies_and_builds_views(
    service: Trajectories,
) -> None:
    if not service.programmes():
        register_buso_programme(service)
    trajectory_id = taken_in(service)
    service.tokens.create(role=Role.AUDITOR, name="auditor")
    service.take_snapshot(trajectory_id)
    views = Views(service)
    try:
        views.catch_up()
    finally:
        views.stop()

    assert not service.manages_schema
    assert service.trajectory(trajectory_id).version == 2
    assert service.verify().intact


def test_the_service_role_erases_but_only_the_owner_rotates_the_master_key(
    roles: Roles, service: Trajectories
) -> None:
    if not service.programmes():
        register_buso_programme(service)
    participant_id = service.trajectory(taken_in(service)).participant_id

    service.erase_participant(participant_id, recorded_by="admin")
    as_service = runner.invoke(
        app, ["rotate-master-key"], env={"TRAJECTORY_DATABASE_URL": roles.service}
    )
    as_owner = runner.invoke(
        app, ["rotate-master-key"], env={"TRAJECTORY_DATABASE_URL": roles.owner}
    )

    assert service.participant(participant_id).erased
    assert as_service.exit_code == 1
    assert "as the schema's owner" in as_service.output
    assert as_owner.exit_code == 0, as_owner.output


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (f"DELETE FROM {EVENTS}", "permission denied for table trajectories_events"),
        (f"TRUNCATE {EVENTS}", "permission denied for table trajectories_events"),
        (
            f"UPDATE {EVENTS} SET topic = topic",
            "append-only: UPDATE refused on trajectories_events",
        ),
        (f"ALTER TABLE {EVENTS} DISABLE TRIGGER USER", "must be owner"),
        (f"DROP TABLE {EVENTS}", "must be owner"),
        ("DELETE FROM store.trajectories_snapshots", "permission denied"),
        ("DELETE FROM store.event_links", "permission denied"),
        ("UPDATE store.event_links SET hash = hash", "permission denied"),
        ("TRUNCATE store.event_links", "permission denied"),
        ("DELETE FROM store.access_log", "permission denied"),
        ("UPDATE store.access_log SET route = route", "permission denied"),
    ],
)
def test_the_service_role_may_not_change_what_is_stored(
    roles: Roles, service: Trajectories, statement: str, refusal: str
) -> None:
    if not service.programmes():
        register_buso_programme(service)
    before = service.verify()

    with roles.raw(roles.service) as connection:
        with pytest.raises(psycopg.Error, match=refusal):
            connection.execute(statement)

    after = service.verify()
    assert after.intact and after.events == before.events


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (f"DELETE FROM {EVENTS}", "append-only: DELETE refused"),
        (f"UPDATE {EVENTS} SET topic = topic", "append-only: UPDATE refused"),
        (f"TRUNCATE {EVENTS}", "append-only: TRUNCATE refused"),
        ("DELETE FROM store.event_links", "append-only: DELETE refused"),
        ("DELETE FROM store.access_log", "append-only: DELETE refused"),
    ],
)
def test_the_triggers_refuse_the_owner_too(
    roles: Roles, service: Trajectories, statement: str, refusal: str
) -> None:
    # Row triggers fire on rows: make sure every table has some.
    if not service.programmes():
        register_buso_programme(service)
    info, _ = service.tokens.create(role=Role.AUDITOR, name="auditor")
    reader = Caller(info.id, info.name, info.role, None)
    service.access_log.record(reader, [uuid4()], "GET /participants/{participant_id}")

    with roles.raw(roles.owner) as connection:
        with pytest.raises(psycopg.Error, match=refusal):
            connection.execute(statement)


def test_the_service_role_will_not_start_without_the_triggers(roles: Roles) -> None:
    with roles.raw(roles.owner) as connection:
        connection.execute(
            f"DROP TRIGGER trajectories_events_refuse_truncate ON {EVENTS}"
        )
    try:
        with pytest.raises(SchemaNotReady, match="run `trajectory migrate`"):
            Trajectories(Settings(database_url=roles.service))
    finally:
        result = runner.invoke(
            app, ["migrate"], env={"TRAJECTORY_DATABASE_URL": roles.owner}
        )
    assert result.exit_code == 0, result.output
    Trajectories(Settings(database_url=roles.service)).close()


def test_migrate_refuses_a_role_that_does_not_own_the_store(roles: Roles) -> None:
    result = runner.invoke(
        app, ["migrate"], env={"TRAJECTORY_DATABASE_URL": roles.service}
    )

    assert result.exit_code == 1
    assert "as the schema's owner" in result.output


@pytest.mark.parametrize(
    ("role", "refusal"),
    [("nobody_here", "there is no database role"), ("Bad;Role", "not a plain role")],
)
def test_migrate_names_a_role_it_cannot_grant_to(
    roles: Roles, role: str, refusal: str
) -> None:
    result = runner.invoke(
        app,
        ["migrate", "--grant-to", role],
        env={"TRAJECTORY_DATABASE_URL": roles.owner},
    )

    assert result.exit_code == 1
    assert refusal in " ".join(result.output.split())


def test_the_service_role_does_not_set_up_an_empty_schema(roles: Roles) -> None:
    with roles.raw(roles.superuser) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS empty AUTHORIZATION {OWNER}")
        connection.execute(f"GRANT USAGE, CREATE ON SCHEMA empty TO {SERVICE}")
    url = roles.service.replace("schema=store", "schema=empty")

    with pytest.raises(SchemaNotReady, match="run `trajectory migrate`"):
        Trajectories(Settings(database_url=url))

    with roles.raw(roles.superuser) as connection:
        owned = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'empty'"
        ).fetchone()
    assert owned is not None and owned[0] == 0


def test_the_service_role_leaves_the_stored_events_statistics_to_autovacuum(
    service: Trajectories,
) -> None:
    # Given the service role, which owns none of the store's tables
    if not service.programmes():
        register_buso_programme(service)
    taken_in(service)
    statistics = PlannerStatistics(SideTables(service.recorder), floor_pages=0)

    # When a bulk load checks the statistics, then it asks to analyze none of the
    # owner's tables (the server would skip each with a warning), and it does not
    # fail
    analyzed = statistics.refresh()
    assert "trajectories_events" not in analyzed
    assert "participant_keys" not in analyzed
