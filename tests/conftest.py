"""Fixtures shared by every layer's tests.

PostgreSQL tests use TRAJECTORY_TEST_DATABASE_URL (default: the local server) and a
fresh schema per test, dropped afterwards. Without a server they are skipped with the
reason shown, except under CI=true, where they fail.
"""

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from application.settings import Settings
from application.trajectories import Trajectories

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


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database URL whose schema is fresh for this test."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_server else "?"
    try:
        yield f"{postgres_server}{separator}schema={schema}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


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
