"""Fixtures shared by every layer's tests.

PostgreSQL tests use TRAJECTORY_TEST_DATABASE_URL (default: the local server) and a
fresh schema per test, dropped afterwards. Without a server they are skipped with the
reason shown, except under CI=true, where they fail.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from application.service import Trajectories
from application.settings import Settings

# Every store a test opens, in this process or in a command it starts, has this
# master key (a test of the development key or of a missing one unsets it).
TEST_MASTER_KEY = "dGVzdHMgb2YgdGhlIHRyYWplY3Rvcnkgc2VydmljZSE="
os.environ["TRAJECTORY_MASTER_KEY"] = TEST_MASTER_KEY

POSTGRES_URL = os.environ.get(
    "TRAJECTORY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_unavailable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"no PostgreSQL at {POSTGRES_URL}: {error}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = postgres_unavailable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true needs PostgreSQL: {problem}")
        pytest.skip(problem)
    return POSTGRES_URL


@contextlib.contextmanager
def fresh_schema(server: str) -> Iterator[str]:
    """A database URL whose schema is new, and dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}schema={schema}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database URL whose schema is fresh for this test."""
    with fresh_schema(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path}/trajectory.db"


@pytest.fixture
def service(database_url: str) -> Iterator[Trajectories]:
    app = Trajectories(Settings(database_url=database_url, snapshot_interval=5))
    yield app
    app.close()


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own, on its own port, for tests that stop
    or break the database; the machine's server is never touched."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(
            _postgres_bin("initdb"),
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            _postgres_bin("pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            _postgres_bin("pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-m",
            "immediate",
            "-w",
            "stop",
        )


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        problem = f"no PostgreSQL binaries ({name}) on this machine"
        if IN_CI:
            pytest.fail(f"CI=true needs them: {problem}")
        pytest.skip(problem)
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running_throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A started cluster in a fresh folder, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="trajectory-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = ThrowawayPostgres(folder)
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    with running_throwaway_postgres() as cluster:
        yield cluster
