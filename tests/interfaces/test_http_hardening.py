"""The small things an attacker looks at first: every answer carries security
headers and no server banner, a 405 names the methods allowed, a client sending
wrong tokens is slowed down with 429, and the language form refuses another site."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.settings import Settings
from interfaces.http.app import create_app
from interfaces.http.front import DATA_POLICY
from interfaces.http.throttle import FAILURES
from interfaces.http.throttle import WINDOW
from interfaces.http.throttle import FailedAuthentication
from tests.conftest import TEST_MASTER_KEY
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import bearer

TRAJECTORY = Path(sys.executable).parent / "trajectory"
STARTS_WITHIN = 60.0  # seconds


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/programmes", Role.STAFF),
        ("GET", "/health", None),
        ("GET", "/no/such/route", Role.STAFF),
        ("GET", "/caseload", None),  # 401
        ("GET", "/outcomes", Role.STAFF),  # 403
    ],
)
def test_every_api_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str, role: Role | None
) -> None:
    headers = as_role(client, role) if role else {"Authorization": ""}

    response = client.request(method, path, headers=headers)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["content-security-policy"] == DATA_POLICY
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/participants?name=claes", "/programmes"])
def test_an_answer_to_a_token_is_not_stored_by_a_cache(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers=as_role(client, Role.STAFF))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_the_pages_keep_their_own_policy(client: TestClient) -> None:
    page = client.get("/ui/sign-in")

    assert page.status_code == 200
    assert page.headers["content-security-policy"] != DATA_POLICY
    assert "default-src" in page.headers["content-security-policy"]


def test_a_method_a_route_does_not_take_names_those_it_does(
    client: TestClient,
) -> None:
    response = client.delete("/programmes")

    assert response.status_code == 405
    assert response.json()["detail"]["code"] == "method_not_allowed"
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {
        "GET",
        "POST",
    }


def test_a_page_a_method_does_not_reach_names_those_it_does(
    client: TestClient,
) -> None:
    response = client.delete("/ui/sign-in")

    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def test_a_client_sending_wrong_tokens_is_slowed_with_429(client: TestClient) -> None:
    wrong = bearer("trj_" + "x" * 43)
    answers = [client.get("/programmes", headers=wrong) for _ in range(FAILURES)]

    slowed = client.get("/programmes", headers=wrong)
    right_token_too = client.get("/programmes", headers=as_role(client, Role.ADMIN))
    health = client.get("/health")

    assert {a.status_code for a in answers} == {401}
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["retry-after"]) <= WINDOW
    assert slowed.json()["detail"]["code"] == "too_many_failed_authentications"
    assert slowed.headers["x-frame-options"] == "DENY"
    assert slowed.headers["content-security-policy"] == DATA_POLICY
    assert slowed.headers["x-content-type-options"] == "nosniff"
    assert right_token_too.status_code == 429  # the address, whatever it sends
    assert health.status_code == 200  # needs no token: never slowed


def test_requests_without_a_token_are_not_counted(client: TestClient) -> None:
    answers = [client.get("/programmes", headers={"Authorization": ""})] * 3
    answers += [
        client.get("/programmes", headers={"Authorization": ""})
        for _ in range(FAILURES * 2)
    ]

    assert {a.status_code for a in answers} == {401}


def test_wrong_tokens_on_the_sign_in_form_are_counted(client: TestClient) -> None:
    for _ in range(FAILURES):
        client.post("/ui/sign-in", data={"token": "trj_wrong"}, follow_redirects=False)

    assert client.get("/ui/sign-in").status_code == 429


def test_the_wait_ends_with_the_window() -> None:
    now = [0.0]
    failures = FailedAuthentication(failures=3, window=10.0, clock=lambda: now[0])
    for moment in (0.0, 1.0, 2.0):
        now[0] = moment
        failures.failed("10.0.0.1")

    assert failures.wait("10.0.0.1") == pytest.approx(8.0)
    assert failures.wait("10.0.0.2") == 0.0  # another address
    now[0] = 10.5
    assert failures.wait("10.0.0.1") == 0.0
    now[0] = 11.0
    failures.failed("10.0.0.1")
    assert failures.wait("10.0.0.1") == 0.0  # one failure in the new window


def test_the_language_form_refuses_another_site(client: TestClient) -> None:
    ours = client.post(
        "/ui/language",
        data={"language": "en", "back": "/ui/caseload"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    theirs = client.post(
        "/ui/language",
        data={"language": "en", "back": "/ui/caseload"},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )

    assert ours.status_code == 303 and "language" in ours.headers["set-cookie"]
    assert theirs.status_code == 403 and "set-cookie" not in theirs.headers


# The real server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`trajectory serve` on a port of its own; its address."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
    env.update(
        TRAJECTORY_DATABASE_URL=f"sqlite:///{tmp_path}/trajectory.db",
        TRAJECTORY_MASTER_KEY=TEST_MASTER_KEY,
        TRAJECTORY_PORT=str(port),
        TRAJECTORY_DEMO="false",
    )
    server = subprocess.Popen(
        [str(TRAJECTORY), "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTS_WITHIN
        while True:  # until it listens, or the deadline
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(f"{address}/health", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)  # a starting server, not a projection
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_server_announces_no_software(served: str) -> None:
    response = httpx.get(f"{served}/health", timeout=5.0)

    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_app_with_the_default_settings_carries_the_headers(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    with TestClient(app) as plain:
        assert plain.get("/health").headers["x-frame-options"] == "DENY"
