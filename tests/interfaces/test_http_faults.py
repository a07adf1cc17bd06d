"""Faults answered quickly and truthfully: racing writers get 201 or 409, never a
false 503; the breaker opens only when the database is really gone; through an
outage every write is answered 503 with Retry-After (none is left hanging), and
once the database is back the next write succeeds.

Tests that stop the database use a PostgreSQL cluster of their own
(``throwaway_postgres``). No test times anything: a request that hangs fails the
test by not being answered within a client timeout far above the bound
(``Settings.database_timeout``); the times are measured by ``make bench``
(``python -m bench.outage``).
"""

from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from application.settings import Settings
from interfaces.http.app import create_app
from tests.application.test_group_commit import answers_read_early
from tests.conftest import ThrowawayPostgres
from tests.interfaces.conftest import signed_in
from tests.interfaces.helpers import ApiClient
from tests.interfaces.helpers import history
from tests.interfaces.helpers import record
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

CLIENT_TIMEOUT = 60.0  # seconds: far above the bound, so a hang fails the test
WRITERS = 12
WRITES = 96  # in all: a third of them on one trajectory


@pytest.fixture
def uncapped(client: TestClient) -> TestClient:
    register_programme(client, session_cap=None)
    return client


def in_parallel(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Every call's answer; a call left unanswered for CLIENT_TIMEOUT fails."""
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result(timeout=CLIENT_TIMEOUT) for future in futures]


def versions_of(client: TestClient, trajectory_id: str) -> list[int]:
    return [entry["version"] for entry in history(client, trajectory_id)]


@pytest.fixture
def early_answers(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """On PostgreSQL, the server's answer to a save's insert is read before the
    pipeline's sync (as happens under load), where a conflict once turned into
    "pipeline aborted" for the whole group commit."""
    if database_url.startswith("postgresql"):
        with answers_read_early(monkeypatch, wait=0.05):
            yield
    else:
        yield


def test_racing_writers_get_201_or_409_and_never_a_false_503(
    uncapped: TestClient, early_answers: None
) -> None:
    shared = taken_in(uncapped)
    own = [taken_in(uncapped) for _ in range(WRITERS)]

    def write(n: int) -> Callable[[], httpx.Response]:
        trajectory_id = shared if n % 3 == 0 else own[n % WRITERS]
        # Without If-Match: the client read nothing first; a writer whose
        # trajectory moved on between its read and its save gets 409.
        return lambda: record(uncapped, trajectory_id, session())

    answers = in_parallel([write(n) for n in range(WRITES)])

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert not uncapped.app.state.breaker.open  # type: ignore[attr-defined]
    for trajectory_id in [shared, *own]:
        acknowledged = sorted(
            answer.json()["version"]
            for n, answer in enumerate(answers)
            if answer.status_code == 201
            and (shared if n % 3 == 0 else own[n % WRITERS]) == trajectory_id
        )
        assert versions_of(uncapped, trajectory_id)[2:] == acknowledged
    assert all(
        answer.json()["detail"]["code"] == "version_conflict"
        for answer in answers
        if answer.status_code == 409
    )


def test_a_database_that_answers_with_an_error_is_503_but_never_opens_the_breaker(
    uncapped: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    trajectory_id = taken_in(uncapped)
    service: Any = uncapped.app.state.service  # type: ignore[attr-defined]

    def lock_timeout(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(service, "record", lock_timeout)
    refused = record(uncapped, trajectory_id, session())
    breaker_open = uncapped.app.state.breaker.open  # type: ignore[attr-defined]
    monkeypatch.undo()
    later = record(uncapped, trajectory_id, session())

    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert not breaker_open
    assert later.status_code == 201


def test_every_write_through_an_outage_is_answered_503_and_the_next_one_succeeds(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    settings = Settings(database_url=throwaway_postgres.url, run_projections=False)
    with ApiClient(create_app(settings), raise_server_exceptions=False) as client:
        signed_in(client)
        register_programme(client, session_cap=None)
        trajectories = [taken_in(client) for _ in range(4)]
        before = [record(client, t, session()).status_code for t in trajectories]

        throwaway_postgres.stop()
        during = in_parallel(
            [
                lambda t=t: record(client, t, session())  # type: ignore[misc]
                for t in trajectories * 3
            ]
        )
        breaker_open = client.app.state.breaker.open  # type: ignore[attr-defined]
        throwaway_postgres.start()
        after = [record(client, t, session()) for t in trajectories]

        assert before == [201] * 4
        assert [answer.status_code for answer in during] == [503] * 12
        assert all(answer.headers["Retry-After"] == "5" for answer in during)
        assert {a.json()["detail"]["code"] for a in during} == {"database_unavailable"}
        assert breaker_open
        assert [answer.status_code for answer in after] == [201] * 4
        for trajectory_id, answer in zip(trajectories, after, strict=True):
            assert versions_of(client, trajectory_id) == [1, 2, 3, 4]
            assert answer.json()["version"] == 4
        assert client.app.state.service.verify().intact  # type: ignore[attr-defined]
