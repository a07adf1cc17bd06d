"""The two commands docker-compose.yml runs, with its environment (secrets and the
database URL aside), as separate processes against the local PostgreSQL: what the api
records appears in the caseload the projector feeds; both start at once on an empty
schema, log JSON with request ids, and stop cleanly on SIGTERM, the api finishing
the requests in flight."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from tests.conftest import TEST_MASTER_KEY
from tests.conftest import _free_port
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import programme_body
from tests.interfaces.helpers import referral_body
from tests.interfaces.test_deployment_files import environment
from tests.interfaces.test_deployment_files import interpolate
from tests.interfaces.test_deployment_files import service

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
STARTS_WITHIN = 60.0  # seconds for a server to answer /health
# What .env would hold; the database URL points at the local server instead of the
# compose network's "postgres" host.
DOT_ENV = {"POSTGRES_PASSWORD": "unused", "TRAJECTORY_MASTER_KEY": TEST_MASTER_KEY}


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        """Its log, one JSON object per line (fails on any other line)."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self) -> int:
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(60)


def compose_process(
    name: str, database_url: str, port: int, folder: Path, **extra: str
) -> Process:
    """Starts the service's command with the service's environment."""
    command = [
        str(BIN / part) if i == 0 else part
        for i, part in enumerate(service(name)["command"])
    ]
    if name == "projector":  # its heartbeat file, in the test's folder
        command[command.index("--heartbeat") + 1] = str(folder / "heartbeat")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
    env.update({k: interpolate(v, DOT_ENV) for k, v in environment(name).items()})
    env.update(
        TRAJECTORY_DATABASE_URL=database_url,
        TRAJECTORY_HOST="127.0.0.1",
        TRAJECTORY_PORT=str(port),
        **extra,
    )
    log = folder / f"{name}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(  # a group of its own: its workers die with it
            command,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,
        )
    return Process(name, popen, log)


def answering(url: str, process: Process) -> None:
    """Waits until the server answers /health (a server starting, not a view)."""
    deadline = time.monotonic() + STARTS_WITHIN
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited: {process.log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{process.name} did not answer in {STARTS_WITHIN} s")


def started_api(
    postgres_url: str, processes: list[Process], folder: Path
) -> tuple[Process, str]:
    """The compose api on a free port, answering; and its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    api = compose_process("api", postgres_url, port, folder)
    processes.append(api)
    answering(url, api)
    return api, url


def staff_token(store: Trajectories) -> str:
    """Hilde's token: she is one of the organisation's coaches with it."""
    return store.create_token(
        role=Role.STAFF, name="Hilde", organisation=ORGANISATION, recorded_by="IT"
    )[1]


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        with contextlib.suppress(ProcessLookupError):  # the group is gone: stopped
            os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(30)


def test_the_compose_api_and_projector_feed_the_caseload_from_two_processes(
    postgres_url: str, processes: list[Process], tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # Both at once, on an empty schema: each sets it up, one after the other.
    api = compose_process("api", postgres_url, port, tmp_path)
    projector = compose_process("projector", postgres_url, _free_port(), tmp_path)
    processes += [api, projector]
    answering(url, api)
    store = Trajectories(Settings(database_url=postgres_url))
    try:
        admin = bearer(store.tokens.create(role=Role.ADMIN, name="IT")[1])
        staff = bearer(staff_token(store))
        with httpx.Client(base_url=url, timeout=30) as http:
            programme = http.post("/programmes", json=programme_body(), headers=admin)
            assert programme.status_code == 201, programme.text
            participant = http.post(
                "/participants", json=participant_body(), headers=staff
            ).json()["id"]
            referred = http.post(
                "/trajectories", json=referral_body(participant), headers=staff
            )
            trajectory_id = referred.json()["id"]
            took_in = http.post(
                f"/trajectories/{trajectory_id}/events",
                json=intake(coach="Hilde"),
                headers=staff,
            )
            Views(store).wait(timeout=60)  # the projector's tracking position
            caseload = http.get("/caseload", params={"coach": "Hilde"}, headers=staff)
            docs = http.get("/docs")
    finally:
        store.close()

    assert took_in.status_code == 201, took_in.text
    assert caseload.status_code == 200, caseload.text
    assert [row["trajectory_id"] for row in caseload.json()["entries"]] == [
        trajectory_id
    ]
    assert docs.status_code == 404  # production: no docs page unless asked
    assert (tmp_path / "heartbeat").exists()
    assert api.stop() == 0
    assert projector.stop() == 0
    request_id = caseload.headers["X-Request-ID"]
    access = [
        line
        for line in api.lines()
        if line["request_id"] == request_id
        and line["logger"] == "trajectory.http.access"
    ]
    assert [(line["route"], line["status"]) for line in access] == [("/caseload", 200)]
    assert any("feeding the views" in line["message"] for line in projector.lines())


@dataclass
class Writes:
    """What each writing client saw: the ids acknowledged, and when."""

    acknowledged: list[tuple[float, str]] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def keep_writing(url: str, headers: dict[str, str], writes: Writes) -> None:
    """Registers participants until the server stops answering."""
    with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
        while True:
            try:
                answer = http.post(
                    "/participants",
                    json=participant_body(confirmed_new_person=True),
                )
            except httpx.TransportError:
                return  # the server closed: this request was not acknowledged
            with writes.lock:
                if answer.status_code == 201:
                    writes.acknowledged.append((time.monotonic(), answer.json()["id"]))
                else:
                    writes.refused.append(answer.status_code)


def test_an_api_stopped_under_load_exits_cleanly_and_keeps_each_acknowledged_write(
    postgres_url: str, processes: list[Process], tmp_path: Path
) -> None:
    api, url = started_api(postgres_url, processes, tmp_path)
    store = Trajectories(Settings(database_url=postgres_url))
    try:
        staff = bearer(staff_token(store))
        writes = Writes()
        clients = [
            threading.Thread(target=keep_writing, args=(url, staff, writes))
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 120
        while len(writes.acknowledged) < 50:  # well under way
            if not any(client.is_alive() for client in clients):
                pytest.fail(f"the clients stopped: {api.log.read_text()}")
            if time.monotonic() > deadline:
                api.stop()
                pytest.fail(f"50 writes were not acknowledged: {writes.refused[:20]}")
            time.sleep(0.01)
        exit_code = api.stop()
        for client in clients:
            client.join(60)
        stored = [
            store.participant(UUID(participant_id)).id
            for _, participant_id in writes.acknowledged
        ]
    finally:
        store.close()

    assert exit_code == 0
    assert writes.refused == []
    assert len(stored) == len(writes.acknowledged)
    lines = api.lines()
    assert any(line["message"].startswith("Shutting down") for line in lines)


def test_a_stopping_api_finishes_a_request_still_arriving(
    postgres_url: str, processes: list[Process], tmp_path: Path
) -> None:
    """A request whose body is half sent when the api is told to stop: the api
    waits for the rest, answers it, and only then exits."""
    api, url = started_api(postgres_url, processes, tmp_path)
    port = int(url.rsplit(":", 1)[1])
    store = Trajectories(Settings(database_url=postgres_url))
    try:
        token = staff_token(store)
        body = json.dumps(participant_body()).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(
                b"POST /participants HTTP/1.1\r\nHost: api\r\n"
                + f"Authorization: Bearer {token}\r\n".encode()
                + b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            # The app asks for the body: the request is in flight.
            assert connection.recv(1024).startswith(b"HTTP/1.1 100 Continue")
            api.popen.send_signal(signal.SIGTERM)
            logged_while_waiting(api, "Waiting for connections to close")
            connection.sendall(body)
            answer = read_answer(connection)
        exit_code = api.popen.wait(60)
        status, payload = answer
        stored = store.participant(UUID(json.loads(payload)["id"]))
    finally:
        store.close()

    assert status == 201
    assert stored.version == 1
    assert exit_code == 0


def logged_while_waiting(process: Process, text: str) -> None:
    """Waits until the process logs ``text`` (a server's shutdown, not a view)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if text in process.log.read_text():
            return
        time.sleep(0.05)
    pytest.fail(f"{process.name} never logged {text!r}: {process.log.read_text()}")


def read_answer(connection: socket.socket) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 answer (the server closes after it)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), payload
