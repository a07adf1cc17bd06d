"""The service on a throwaway Patroni cluster: the compose file's two processes (the
API and the projector) started against the cluster's endpoint, a store prepared for
them, and clients that record sessions through the API without pause.

Used by the HA tests (tests/ha) and by the fault-injection benchmark
(bench/faults.py), which measure the same thing: what clients see while the
cluster's primary fails.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import httpx

from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from domain.coach import Coach
from tests.conftest import _free_port
from tests.ha.cluster import PatroniCluster

BIN = Path(sys.executable).parent
STARTS_WITHIN = 60.0  # seconds for a server to answer /health
ORGANISATION = "Werkburo Oost-Vlaanderen"
PROGRAMME = "HA-JOBCOACHING"
COACH = "Hilde"
ANSWER_WITHIN = 30.0  # the clients' timeout: an answer later than this is a hang


def store_settings(cluster: PatroniCluster, **options: Any) -> Settings:
    """The service's settings on the cluster: writes through the multi-host URL
    to the primary, heavy reads from a standby."""
    return Settings(
        database_url=cluster.dsn("read-write"),
        standby_url=cluster.dsn("prefer-standby"),
        **options,
    )


def environment(cluster: PatroniCluster, port: int) -> dict[str, str]:
    """The compose file's environment for the api and the projector, with the
    cluster's endpoints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
    env.update(
        TRAJECTORY_ENV="production",
        TRAJECTORY_MASTER_KEY=os.environ["TRAJECTORY_MASTER_KEY"],
        TRAJECTORY_DATABASE_URL=cluster.dsn("read-write"),
        TRAJECTORY_STANDBY_URL=cluster.dsn("prefer-standby"),
        TRAJECTORY_HOST="127.0.0.1",
        TRAJECTORY_PORT=str(port),
        TRAJECTORY_LOG_FORMAT="text",
    )
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as docker stop; the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # its group is gone already
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Tokens:
    admin: dict[str, str]
    staff: dict[str, str]
    auditor: dict[str, str]


def prepare_store(cluster: PatroniCluster) -> Tokens:
    """Sets the schema up on the cluster's primary, and makes a token per role
    (the staff member is a coach of the organisation)."""
    store = Trajectories(store_settings(cluster))
    try:
        admin = store.tokens.create(role=Role.ADMIN, name="IT")[1]
        auditor = store.tokens.create(role=Role.AUDITOR, name="Audit")[1]
        staff = store.create_token(
            role=Role.STAFF, name=COACH, organisation=ORGANISATION, recorded_by="IT"
        )[1]
    finally:
        store.close()
    return Tokens(bearer(admin), bearer(staff), bearer(auditor))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class Service:
    """The api (`trajectory serve --no-projections`) and the projector
    (`trajectory project`) as the compose file runs them, against the cluster."""

    def __init__(self, cluster: PatroniCluster, folder: Path) -> None:
        self.cluster = cluster
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, Process] = {}

    def __enter__(self) -> Service:
        self.start("api", "serve", "--no-projections")
        self.start("projector", "project", "--heartbeat", str(self.folder / "beat"))
        self.wait_until_answering()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes.values():
            process.kill()

    def start(self, name: str, *command: str) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("ab") as sink:
            popen = subprocess.Popen(  # a group of its own: its workers die with it
                [str(BIN / "trajectory"), *command],
                env=environment(self.cluster, self.port),
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes[name] = process
        return process

    def wait_until_answering(self) -> None:
        api = self.processes["api"]
        deadline = time.monotonic() + STARTS_WITHIN
        while time.monotonic() < deadline:
            if api.popen.poll() is not None:
                raise RuntimeError(f"the api exited:\n{api.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the api did not answer in {STARTS_WITHIN} s")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} (last lines)\n{p.tail()}" for p in self.processes.values()
        )

    def client(self, headers: dict[str, str]) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers, timeout=ANSWER_WITHIN)


def programme_body() -> dict[str, Any]:
    return {
        "code": PROGRAMME,
        "name": "Jobcoaching",
        "funder": "Vlaamse overheid",
        "organisations": [ORGANISATION],
        "starts_on": "2023-01-01",
        "budget": "250000.00",
        "min_age": 16,
        "max_age": 64,
    }


def taken_in(http: httpx.Client, n: int) -> str:
    """A new participant, referred and taken in: a trajectory to record sessions
    in."""
    person = {
        "given_name": f"Writer{n}",
        "family_name": "Claes",
        "birth_date": "1990-03-14",
        "gender": "X",
        "confirmed_new_person": True,
    }
    participant = _created(http.post("/participants", json=person))["id"]
    referral = {
        "participant_id": participant,
        "programme": PROGRAMME,
        "organisation": ORGANISATION,
        "referral_source": "vdab",
        "on": "2024-02-01",
    }
    trajectory_id = str(_created(http.post("/trajectories", json=referral))["id"])
    intake = {
        "type": "IntakeCompleted",
        "on": "2024-02-12",
        "coach_id": str(Coach.id_for(ORGANISATION, COACH)),
        "rung": 2,
        "labour_status": "unemployed",
        "education_level": "isced_3_4",
        "barriers": ["mobility"],
        "disability": False,
        "postcode": "9000",
    }
    _created(http.post(f"/trajectories/{trajectory_id}/events", json=intake))
    return trajectory_id


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise AssertionError(f"{response.status_code}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


@dataclass(frozen=True)
class Answer:
    """One request of a write: when it was sent (monotonic), how long its answer
    took, and its status (0: no answer within the client's timeout or a broken
    connection)."""

    sent_at: float
    seconds: float
    status: int
    retry_after: str | None
    code: str | None


@dataclass(frozen=True)
class Acknowledged:
    key: str
    trajectory_id: str
    version: int
    minutes: int
    acknowledged_at: float
    attempts: int


@dataclass
class Writes:
    """Every request of every client, the writes acknowledged, and the statuses of
    the reads that asked for each write's version right after it was acknowledged
    (404: not seen)."""

    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    read_back: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer, acknowledged: Acknowledged | None) -> None:
        with self.lock:
            self.answers.append(answer)
            if acknowledged is not None:
                self.acknowledged.append(acknowledged)

    def statuses(self) -> dict[int, int]:
        counted: dict[int, int] = {}
        for answer in self.answers:
            counted[answer.status] = counted.get(answer.status, 0) + 1
        return counted

    def outage(self) -> tuple[float, float] | None:
        """From the first request that was not acknowledged to the first one
        acknowledged after it: the time without a primary as the clients saw it
        (start, seconds)."""
        answers = sorted(self.answers, key=lambda a: a.sent_at)
        failed = next((a for a in answers if a.status != 201), None)
        if failed is None:
            return None
        later = [
            a.sent_at + a.seconds
            for a in answers
            if a.status == 201 and a.sent_at > failed.sent_at
        ]
        if not later:
            return None
        return failed.sent_at, min(later) - failed.sent_at


class SessionWriters:
    """`count` clients, each recording sessions in a trajectory of its own through
    the API as fast as it is answered. Each write carries an Idempotency-Key and is
    sent again with it after a 503 or no answer, until it is acknowledged: a
    client that gives up on an answer never makes a double. Clients retry at once
    (not after Retry-After), so that the outage is measured to a few tens of ms."""

    RETRY_PAUSE = 0.05

    def __init__(
        self,
        service: Service,
        headers: dict[str, str],
        count: int,
        *,
        read_back: bool = False,
    ) -> None:
        self.service = service
        self.headers = headers
        self.count = count
        self.read_back = read_back
        self.writes = Writes()
        self.trajectories: list[str] = []
        self._stop = threading.Event()
        self._abandon = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> SessionWriters:
        with self.service.client(self.headers) as http:
            self.trajectories = [taken_in(http, n) for n in range(self.count)]
        for trajectory_id in self.trajectories:
            thread = threading.Thread(
                target=self._write, args=(trajectory_id,), daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        if kind is None:
            self.stop()
        else:  # the first error tells more than clients waiting because of it
            self.abandon()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(ANSWER_WITHIN * 4)
        hanging = [t for t in self._threads if t.is_alive()]
        if hanging:
            raise TimeoutError(f"{len(hanging)} clients still wait for an answer")

    def abandon(self) -> None:
        """Stops the clients without waiting for the writes in hand (a test that
        failed: they may never be acknowledged)."""
        self._stop.set()
        self._abandon.set()

    def wait_for_acknowledged(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.writes.acknowledged) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(self.writes.acknowledged)} of {count} writes acknowledged "
                    f"in {timeout} s; answers {self.writes.statuses()}\n"
                    f"{self.service.logs()}"
                )
            time.sleep(0.02)

    def _write(self, trajectory_id: str) -> None:
        n = 0
        with self.service.client(self.headers) as http:
            while not self._stop.is_set():
                n += 1
                self._until_acknowledged(http, trajectory_id, 1 + n % 240)

    def _until_acknowledged(
        self, http: httpx.Client, trajectory_id: str, minutes: int
    ) -> None:
        key = str(uuid.uuid4())
        body = {
            "type": "SessionHeld",
            "on": "2024-03-01",
            "minutes": minutes,
            "mode": "individual",
            "setting": "office",
            "note": f"write {key}",
        }
        attempts = 0
        while not self._abandon.is_set():  # finishes the write in hand when stopped
            attempts += 1
            sent = time.monotonic()
            try:
                response = http.post(
                    f"/trajectories/{trajectory_id}/events",
                    json=body,
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError:
                self.writes.add(
                    Answer(sent, time.monotonic() - sent, 0, None, None), None
                )
                time.sleep(self.RETRY_PAUSE)
                continue
            seconds = time.monotonic() - sent
            code = None
            if response.status_code >= 400:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    code = response.json()["detail"]["code"]
            answer = Answer(
                sent,
                seconds,
                response.status_code,
                response.headers.get("Retry-After"),
                code,
            )
            if response.status_code == 201:
                version = int(response.json()["version"])
                self.writes.add(
                    answer,
                    Acknowledged(
                        key, trajectory_id, version, minutes, sent + seconds, attempts
                    ),
                )
                if self.read_back:
                    self._read_back(http, trajectory_id, version)
                return
            self.writes.add(answer, None)
            if response.status_code != 503:
                return  # a refusal, counted; the test says whether it may happen
            time.sleep(self.RETRY_PAUSE)

    def _read_back(self, http: httpx.Client, trajectory_id: str, version: int) -> None:
        """The trajectory as of the version just acknowledged: a replay, read from
        a standby, which must have it (read-your-writes)."""
        try:
            response = http.get(
                f"/trajectories/{trajectory_id}", params={"as_of_version": version}
            )
        except httpx.TransportError:
            status = 0
        else:
            status = response.status_code
        with self.writes.lock:
            self.writes.read_back.append(status)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie (nearest rank)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)) - 1, 0)
    return ordered[rank]
