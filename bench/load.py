"""Load benchmark: events posted over HTTP to a real server on PostgreSQL, against how
fast the database commits single-row INSERTs at all, measured in the same run.

    .venv/bin/python -m bench.load [--clients 16] [--duration 20] [--workers 1]
                                   [--no-group-commit] [--keep] [--py-spy FILE]

In a fresh schema it measures the raw INSERT + COMMIT rate from as many connections as
there are clients (plain, then with the table locked as the event store locks its
own), starts `trajectory serve --no-projections` (--workers of them, each on its own
free port, the clients spread over them), sets up a programme and 64 trajectories per
client over HTTP, then has each client post SessionHeld events to its own
trajectories for --duration seconds after a warm-up. It prints events/s, latency
percentiles, errors, the ratios to the raw rates, the CPU the server, this process and
PostgreSQL used (from /proc), and checks that the log holds exactly the events
answered 201. --py-spy also samples the server over the measured seconds and prints
its hot spots. Run it by hand: it is never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from bench.console import console
from bench.console import status
from bench.options import add_numbers
from bench.options import add_server
from bench.options import check_server
from bench.rebuild import Database

with warnings.catch_warnings():  # the helpers' module imports Starlette's TestClient
    warnings.simplefilter("ignore")
    from tests.interfaces.helpers import COACHES
    from tests.interfaces.helpers import INTAKE_ON
    from tests.interfaces.helpers import ORGANISATION
    from tests.interfaces.helpers import intake
    from tests.interfaces.helpers import participant_body
    from tests.interfaces.helpers import programme_body
    from tests.interfaces.helpers import referral_body
    from tests.interfaces.helpers import session

RAW_TABLE = "bench_raw_inserts"
INTAKE_COACH = COACHES[0]  # registered in the organisation by tokens_for
# Its own programme, without a cap on sessions: never a demo programme of the same
# code (python -m bench writes into the demo history).
LOAD_PROGRAMME = "BENCH-LOAD"
PAYLOAD_BYTES = 300  # about a stored SessionHeld event (the report shows the real size)
SESSION_TOPIC = "trajectory:SessionHeld"
EVENTS_ROUTE = "/trajectories/{trajectory_id}/events"
PY_SPY_RATE = 100  # samples a second
SESSION_DAYS = 365  # sessions are dated over the year from the intake on
BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")


class SetupFailed(RuntimeError):
    pass


# CPU, read from /proc -----------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    name: str
    own: float  # seconds of CPU, user and system
    reaped: float  # seconds of CPU of the children it has waited for


def processes() -> list[Process]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        own = (int(fields[11]) + int(fields[12])) / TICKS
        reaped = (int(fields[13]) + int(fields[14])) / TICKS
        found.append(Process(int(entry.name), int(fields[1]), name, own, reaped))
    return found


def tree(root: int, table: Sequence[Process]) -> list[Process]:
    """The process and its descendants."""
    children: dict[int, list[Process]] = {}
    for process in table:
        children.setdefault(process.ppid, []).append(process)
    found: list[Process] = []
    pending = [p for p in table if p.pid == root]
    while pending:
        process = pending.pop()
        found.append(process)
        pending += children.get(process.pid, [])
    return found


def machine_busy() -> float:
    """Seconds of CPU the whole machine has spent busy (all cores, since boot)."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


@dataclass(frozen=True)
class CpuSample:
    at: float
    server: float
    generator: float  # this process, every thread
    postgres: float
    machine: float
    server_processes: dict[int, float] = field(default_factory=dict)


def sample_cpu(server_pid: int | None) -> CpuSample:
    """A process tree's CPU is what its live processes used plus what their reaped
    children did (PostgreSQL's postmaster reaps the backends of closed connections)."""
    table = processes()
    server = tree(server_pid, table) if server_pid else []
    postgres = [p for p in table if p.name == "postgres"]
    me = next(p for p in table if p.pid == os.getpid())
    return CpuSample(
        at=time.perf_counter(),
        server=sum(p.own + p.reaped for p in server),
        generator=me.own,
        postgres=sum(p.own + p.reaped for p in postgres),
        machine=machine_busy(),
        server_processes={p.pid: p.own + p.reaped for p in server},
    )


@dataclass(frozen=True)
class CpuUse:
    """Cores kept busy over an interval, by whom."""

    server: float
    generator: float
    postgres: float
    machine: float
    server_processes: dict[int, float] = field(default_factory=dict)

    @classmethod
    def between(cls, start: CpuSample, end: CpuSample) -> CpuUse:
        seconds = end.at - start.at
        return cls(
            server=(end.server - start.server) / seconds,
            generator=(end.generator - start.generator) / seconds,
            postgres=(end.postgres - start.postgres) / seconds,
            machine=(end.machine - start.machine) / seconds,
            server_processes={
                pid: (used - start.server_processes[pid]) / seconds
                for pid, used in end.server_processes.items()
                if pid in start.server_processes
            },
        )

    @property
    def other(self) -> float:
        return self.machine - self.server - self.generator - self.postgres


# Measurements -------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    label: str
    count: int  # what succeeded inside the window
    seconds: float
    latencies: list[float]  # seconds, sorted
    errors: int
    cpu: CpuUse

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        index = min(len(self.latencies) - 1, math.ceil(share * len(self.latencies)) - 1)
        return self.latencies[max(index, 0)]

    @property
    def mean(self) -> float:
        return sum(self.latencies) / len(self.latencies) if self.latencies else 0.0


def cpu_per_event(
    measurements: Sequence[Measurement], used: Callable[[CpuUse], float]
) -> float:
    """Seconds of CPU (user and system) per event counted in the measurements'
    windows, of the processes ``used`` picks (``lambda cpu: cpu.server``)."""
    events = sum(m.count for m in measurements)
    seconds = sum(used(m.cpu) * m.seconds for m in measurements)
    return seconds / events if events else math.nan


# The baseline: the database alone -----------------------------------------------------


def create_raw_table(database: Database) -> None:
    """The events table's shape: uuid, bigint, text, bytea, a sequence, two indexes;
    empty, for each figure that measures raw INSERTs (one before may have filled it)."""
    with database.connect(autocommit=True) as connection:
        connection.execute(
            f'DROP TABLE IF EXISTS "{database.schema}".{RAW_TABLE}'.encode()
        )
        connection.execute(
            f"""
            CREATE TABLE "{database.schema}".{RAW_TABLE} (
                originator_id uuid NOT NULL,
                originator_version bigint NOT NULL,
                topic text,
                state bytea,
                notification_id bigserial UNIQUE,
                PRIMARY KEY (originator_id, originator_version)
            )
            """.encode()
        )


def raw_inserts(
    database: Database, connections: int, seconds: float, lock: bool, label: str
) -> Measurement:
    """Each connection in its own thread inserts one row per transaction and commits,
    as fast as it can; with ``lock`` each transaction first takes the table's
    EXCLUSIVE lock, as the event store does, so that commits go one at a time."""
    table = f'"{database.schema}".{RAW_TABLE}'
    insert = (
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
        "VALUES (%s, %s, %s, %s)"
    ).encode()
    lock_table = f"LOCK TABLE {table} IN EXCLUSIVE MODE".encode()
    payload = os.urandom(PAYLOAD_BYTES)
    started = threading.Barrier(connections + 1)
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[BaseException] = []

    def insert_rows(slot: int) -> None:
        mine = latencies[slot]
        try:
            with database.connect() as connection:  # autocommit off
                cursor = connection.cursor()
                originator = uuid.uuid4()
                version = 0
                started.wait()
                while not stop.is_set():
                    version += 1
                    began = time.perf_counter()
                    if lock:
                        cursor.execute(lock_table)
                    cursor.execute(
                        insert, (originator, version, SESSION_TOPIC, payload)
                    )
                    connection.commit()
                    mine.append(time.perf_counter() - began)
        except BaseException as error:
            failures.append(error)
            started.abort()

    threads = [
        threading.Thread(target=insert_rows, args=(slot,), daemon=True)
        for slot in range(connections)
    ]
    for thread in threads:
        thread.start()
    try:
        started.wait()
        time.sleep(0.5)  # warm-up: every statement prepared, every backend busy
        marks = [len(mine) for mine in latencies]
        before = sample_cpu(None)
        time.sleep(seconds)
        ends = [len(mine) for mine in latencies]
        after = sample_cpu(None)
    except threading.BrokenBarrierError:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    window = sorted(
        latency
        for mine, mark, end in zip(latencies, marks, ends, strict=True)
        for latency in mine[mark:end]
    )
    return Measurement(
        label=label,
        count=len(window),
        seconds=after.at - before.at,
        latencies=window,
        errors=0,
        cpu=CpuUse.between(before, after),
    )


# The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`trajectory serve` (one worker) or uvicorn with the app factory (several),
    in a session of its own, its output in a log file."""

    def __init__(
        self, database: Database, args: argparse.Namespace, log_path: Path
    ) -> None:
        self.workers: int = args.workers
        self.ports = [free_port() for _ in range(self.workers)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.url = self.urls[0]
        self.log_path = log_path
        projections = "--projections" if args.projections else "--no-projections"
        serve = [
            [
                str(BIN / "trajectory"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                projections,
            ]
            for port in self.ports
        ]
        if self.workers == 1:
            self.command = serve[0]
        else:
            # Several `trajectory serve` processes, each on its own port, and the
            # clients spread over them as a load balancer would. (Workers of one
            # uvicorn share a listening socket, and kept-alive connections then
            # tend to land on one of them.) The shell is their common parent.
            self.command = [
                "sh",
                "-c",
                " & ".join(shlex.join(command) for command in serve) + " & wait",
            ]
        # Only the pool's size is taken from this environment; the rest is the run's.
        keep = ("TRAJECTORY_POSTGRES_POOL_SIZE", "TRAJECTORY_POSTGRES_MAX_OVERFLOW")
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TRAJECTORY_") or k in keep
        }
        self.env.update(
            TRAJECTORY_DATABASE_URL=database.schema_url,
            TRAJECTORY_HOST="127.0.0.1",
            TRAJECTORY_GROUP_COMMIT=str(args.group_commit).lower(),
            TRAJECTORY_RUN_PROJECTIONS=str(args.projections).lower(),
            TRAJECTORY_DEMO="false",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches it through stop() only
            )

    def wait_until_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SetupFailed(
                    f"the server exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            try:
                answers = [httpx.get(f"{url}/health", timeout=2) for url in self.urls]
                if all(answer.status_code == 200 for answer in answers):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SetupFailed(f"GET /health did not answer 200 in {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # uvicorn shuts down gracefully
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its session: its workers
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def metrics(self) -> tuple[float, float] | None:
        """Seconds spent in, and number of, event POSTs, by the server's own
        metrics middleware; None with several workers (each counts its own)."""
        if self.workers != 1:
            return None
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        found = {}
        for suffix in ("sum", "count"):
            match = re.search(
                rf"^trajectory_http_request_seconds_{suffix}\{{[^}}]*"
                rf'route="{re.escape(EVENTS_ROUTE)}"[^}}]*\}} (\S+)$',
                text,
                re.MULTILINE,
            )
            found[suffix] = float(match.group(1)) if match else 0.0
        return found["sum"], found["count"]


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


# The load -----------------------------------------------------------------------------


def tokens_for(database: Database) -> tuple[str, str]:
    """Sets up the store's and the views' tables (so that several workers starting
    at once find them there), registers the coach the intakes name, and returns an
    admin's and a staff member's secrets."""
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        Views(app)
        app.coaches.ensure(INTAKE_COACH, ORGANISATION, recorded_by="bench admin")
        _, admin = app.tokens.create(role=Role.ADMIN, name="bench admin")
        _, staff = app.tokens.create(
            role=Role.STAFF, name="bench coach", organisation=ORGANISATION
        )
        return admin, staff
    finally:
        app.close()


def client(base_url: str, secret: str, keep_alive: bool = True) -> httpx.AsyncClient:
    """One keep-alive connection, as one user's browser or integration would; or a
    new connection for each request."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
        },
        limits=httpx.Limits(
            max_connections=1, max_keepalive_connections=1 if keep_alive else 0
        ),
        timeout=30,
    )


async def created(client: httpx.AsyncClient, url: str, body: Any) -> dict[str, Any]:
    response = await client.post(url, content=json.dumps(body).encode())
    if response.status_code != 201:
        raise SetupFailed(
            f"POST {url} answered {response.status_code}: {response.text[:500]}"
        )
    answer: dict[str, Any] = response.json()
    return answer


async def set_up(client: httpx.AsyncClient, slot: int, count: int) -> list[str]:
    """``count`` participants of this client, each referred and taken in (each a
    new person, although the search takes their names for the same)."""
    trajectories = []
    for n in range(count):
        participant = await created(
            client,
            "/participants",
            participant_body(given_name=f"Bench {slot}-{n}", confirmed_new_person=True),
        )
        trajectory = await created(
            client,
            "/trajectories",
            referral_body(str(participant["id"]), programme=LOAD_PROGRAMME),
        )
        await created(
            client, f"/trajectories/{trajectory['id']}/events", intake(INTAKE_COACH)
        )
        trajectories.append(str(trajectory["id"]))
    return trajectories


@dataclass
class Window:
    measuring: bool = False
    stopping: bool = False


@dataclass
class ClientTally:
    latencies: list[float] = field(default_factory=list)  # 201s inside the window
    errors: Counter[str] = field(default_factory=Counter)  # inside the window
    answered_201: int = 0  # every 201, warm-up and tail included
    examples: dict[str, str] = field(default_factory=dict)


class RawConnection:
    """A lean HTTP/1.1 client on one kept-alive connection: it sends requests
    rendered in advance and reads the status and the body, so the load generator,
    which shares the machine's cores with the server, spends as little CPU per
    request as it can (httpx costs about 2.5 ms of CPU per request here)."""

    def __init__(self, url: str, secret: str) -> None:
        parts = httpx.URL(url)
        self.host, self.port = parts.host, parts.port or 80
        self.head = (
            f"Host: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def render(self, path: str, body: bytes) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\n".encode()
            + self.head
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port
            )
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length)
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def post_sessions(
    connection: RawConnection,
    trajectories: Sequence[str],
    bodies: Sequence[bytes],
    window: Window,
) -> ClientTally:
    """Posts a SessionHeld event to each of its trajectories in turn, the session's
    date a day later on each round, until the window closes."""
    tally = ClientTally()
    requests = [
        [connection.render(f"/trajectories/{t}/events", body) for t in trajectories]
        for body in bodies
    ]
    n = 0
    try:
        while not window.stopping:
            round_, index = divmod(n, len(trajectories))
            request = requests[round_ % len(requests)][index]
            n += 1
            began = time.perf_counter()
            try:
                status, body = await connection.send(request)
                outcome, text = str(status), body.decode(errors="replace")
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                outcome, text = type(error).__name__, str(error)
                await connection.close()
                connection.writer = None
            elapsed = time.perf_counter() - began
            if outcome == "201":
                tally.answered_201 += 1
                if window.measuring:
                    tally.latencies.append(elapsed)
            elif window.measuring:
                tally.errors[outcome] += 1
                tally.examples.setdefault(outcome, text[:300])
    finally:
        await connection.close()
    return tally


@dataclass(frozen=True)
class HttpRun:
    measurement: Measurement
    answered_201: int
    errors: Counter[str]
    examples: dict[str, str]
    server_seconds: float | None  # mean inside the server, per event POST
    profile: Path | None


def session_bodies() -> list[bytes]:
    first = date.fromisoformat(INTAKE_ON)
    return [
        json.dumps(session(on=(first + timedelta(days=d)).isoformat())).encode()
        for d in range(SESSION_DAYS)
    ]


async def load(
    server: Server,
    args: argparse.Namespace,
    tokens: tuple[str, str],
    on_window: Callable[[bool], None] | None = None,
) -> HttpRun:
    """Sets up the clients' trajectories, then has the clients post sessions;
    ``on_window`` is told when the measured window opens (True) and closes."""
    admin, staff = tokens
    async with client(server.url, admin) as as_admin:
        body = json.dumps(
            programme_body(code=LOAD_PROGRAMME, session_cap=None)
        ).encode()
        response = await as_admin.post("/programmes", content=body)
        registered = "programme_already_registered" in response.text  # this run's
        if response.status_code != 201 and not registered:
            raise SetupFailed(
                f"POST /programmes answered {response.status_code}: "
                f"{response.text[:500]}"
            )
    clients = [client(server.url, staff) for _ in range(args.clients)]
    window = Window()
    tasks: list[asyncio.Task[Any]] = []
    profiler: subprocess.Popen[bytes] | None = None
    try:
        total = args.clients * args.trajectories
        with status(f"setting up {total:,} trajectories over HTTP (not measured)"):
            setups = [
                asyncio.create_task(set_up(c, slot, args.trajectories))
                for slot, c in enumerate(clients)
            ]
            tasks += setups
            mine = await asyncio.gather(*setups)
        bodies = session_bodies()
        runs = [
            asyncio.create_task(
                post_sessions(
                    RawConnection(server.urls[n % len(server.urls)], staff),
                    ids,
                    bodies,
                    window,
                )
            )
            for n, ids in enumerate(mine)
        ]
        tasks += runs
        with status(f"warming up for {args.warmup:g} s"):
            await asyncio.sleep(args.warmup)
        metrics_before = await asyncio.to_thread(server.metrics)
        profiler = start_py_spy(server, args)
        before = sample_cpu(server.pid)
        window.measuring = True
        if on_window is not None:
            on_window(True)
        with status(f"measuring for {args.duration:g} s"):
            await asyncio.sleep(args.duration)
        window.measuring = False
        if on_window is not None:
            on_window(False)
        after = sample_cpu(server.pid)
        window.stopping = True
        tallies = await asyncio.gather(*runs)
        metrics_after = await asyncio.to_thread(server.metrics)
        if profiler is not None:
            with status("waiting for py-spy to write its profile"):
                await asyncio.to_thread(profiler.wait, 60)
    finally:  # also on an error or Ctrl-C: nothing left running
        window.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if profiler is not None and profiler.poll() is None:
            profiler.terminate()
            profiler.wait()
        await asyncio.gather(*(c.aclose() for c in clients))

    errors: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for tally in tallies:
        errors.update(tally.errors)
        for outcome, text in tally.examples.items():
            examples.setdefault(outcome, text)
    latencies = sorted(latency for t in tallies for latency in t.latencies)
    server_seconds = None
    if metrics_before is not None and metrics_after is not None:
        posts = metrics_after[1] - metrics_before[1]
        if posts:
            server_seconds = (metrics_after[0] - metrics_before[0]) / posts
    return HttpRun(
        measurement=Measurement(
            label="POST /trajectories/{id}/events, SessionHeld",
            count=len(latencies),
            seconds=after.at - before.at,
            latencies=latencies,
            errors=sum(errors.values()),
            cpu=CpuUse.between(before, after),
        ),
        answered_201=sum(t.answered_201 for t in tallies),
        errors=errors,
        examples=examples,
        server_seconds=server_seconds,
        profile=args.py_spy,
    )


# Profiling the server with py-spy -----------------------------------------------------


def py_spy() -> str | None:
    local = BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start_py_spy(
    server: Server, args: argparse.Namespace
) -> subprocess.Popen[bytes] | None:
    """Samples the server (its workers too) for the measurement window only: the
    thread holding the GIL, what limits a Python process (py-spy's idle-thread
    detection counts threads waiting on a lock or a socket here as busy)."""
    if args.py_spy is None:
        return None
    command = [
        py_spy() or "py-spy",
        "record",
        "--pid",
        str(server.pid),
        "--duration",
        str(math.ceil(args.duration)),
        "--rate",
        str(PY_SPY_RATE),
        "--format",
        "raw",
        "--output",
        str(args.py_spy),
        "--nonblocking",
        "--gil",
    ]
    if server.workers > 1:
        command.append("--subprocesses")
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None
    )


FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short_file(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def function_of(frame: str) -> str | None:
    """``name (file:line)`` as ``name (file)``; None for py-spy's process and
    thread pseudo-frames."""
    match = FRAME.match(frame)
    if match is None:
        return None
    return f"{match['function']} ({short_file(match['file'])})"


PROJECT = ("domain", "application", "interfaces")
THREADS = (
    ("GroupCommit._run", "the group-commit thread"),
    ("WorkerThread.run", "anyio's worker threads (sync endpoints and dependencies)"),
    ("BaseEventLoop._run_once", "the event loop (HTTP, middleware, routing)"),
)


@dataclass
class Profile:
    samples: int = 0
    own: Counter[str] = field(default_factory=Counter)  # where it was running
    total: Counter[str] = field(default_factory=Counter)  # anywhere on the stack
    threads: Counter[str] = field(default_factory=Counter)


def hot_spots(path: Path) -> Profile:
    """py-spy's raw stacks, counted by function and by thread."""
    profile = Profile()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in map(function_of, stack.split(";")) if f is not None]
        if not frames:
            continue
        profile.samples += n
        profile.own[frames[-1]] += n
        for function in set(frames):
            profile.total[function] += n
        thread = next(
            (name for marker, name in THREADS if any(marker in f for f in frames)),
            "other threads, or a stack py-spy caught only in part",
        )
        profile.threads[thread] += n
    return profile


def print_profile(path: Path, seconds: float, workers: int, top: int) -> None:
    if not path.exists():
        print(f"\npy-spy wrote no profile at {path}")
        return
    profile = hot_spots(path)
    if not profile.samples:
        print(f"\npy-spy recorded no samples in {path}")
        return
    samples = profile.samples
    held = samples / (PY_SPY_RATE * seconds * workers)
    print()
    print(
        f"py-spy of the server over the measurement window, only the thread holding "
        f"the GIL: {samples:,} samples at {PY_SPY_RATE} Hz, the GIL held "
        f"{held:.0%} of the time; raw stacks in {path}"
    )
    print("  by thread:")
    for thread, n in profile.threads.most_common():
        print(f"    {n / samples:6.1%}  {thread}")
    packages: Counter[str] = Counter()
    for function, n in profile.own.items():
        packages[package_of(function)] += n
    ours = Counter({f: n for f, n in profile.total.items() if package_of(f) in PROJECT})
    for title, counts in (
        ("own time (where the GIL holder was running)", profile.own),
        ("own time, by package or module", packages),
        ("inclusive time, the project's own functions", ours),
    ):
        print(f"  top {top} by {title}:")
        for function, n in counts.most_common(top):
            print(f"    {n / samples:6.1%}  {function}")


def package_of(function: str) -> str:
    """``name (psycopg/cursor.py)`` -> ``psycopg``; ``name (threading.py)`` ->
    ``threading``."""
    file = function.rpartition(" (")[2].rstrip(")")
    return file.split("/", 1)[0].removesuffix(".py")


# Reporting ----------------------------------------------------------------------------


def milliseconds(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.2f}"


def print_report(
    database: Database,
    args: argparse.Namespace,
    server: Server,
    raw: Measurement,
    locked: Measurement,
    run: HttpRun,
) -> bool:
    """Prints the tables; True when every request was answered 201 and the log
    holds exactly the events that were."""
    with database.connect() as connection:
        server_version = connection.execute(b"SHOW server_version").fetchone()
        synchronous = connection.execute(b"SHOW synchronous_commit").fetchone()
        fsync = connection.execute(b"SHOW fsync").fetchone()
        stored = connection.execute(
            f"SELECT count(*), count(DISTINCT xmin::text), "
            f"coalesce(avg(octet_length(state)), 0) "
            f"FROM {database.events_table} WHERE topic = %s".encode(),
            (SESSION_TOPIC,),
        ).fetchone()
    assert server_version and synchronous and fsync and stored
    events, transactions, state_bytes = int(stored[0]), int(stored[1]), stored[2]
    settings = Settings(database_url=database.schema_url)
    http = run.measurement
    out = print
    out()
    out(
        f"Load benchmark: PostgreSQL {server_version[0]} (synchronous_commit "
        f"{synchronous[0]}, fsync {fsync[0]}), schema {database.schema}, "
        f"{os.cpu_count()} cores"
    )
    serving = "trajectory serve" + (
        f" x {server.workers}, one port each" if server.workers > 1 else ""
    )
    connections = "one kept-alive connection"
    out(
        f"server: {serving}, {server.workers} worker(s), group commit "
        f"{'on' if args.group_commit else 'off'}, views "
        f"{'fed in-process' if args.projections else 'not fed'}, pool "
        f"{settings.postgres_pool_size}+{settings.postgres_max_overflow} connections "
        "per worker"
    )
    out(
        f"load: {args.clients} clients (raw HTTP/1.1, "
        f"{connections} each), "
        f"{args.clients * args.trajectories:,} trajectories ({args.trajectories} per "
        f"client); {http.seconds:.1f} s measured after {args.warmup:g} s of warm-up"
    )
    out(
        f"raw: {args.clients} connections, one {PAYLOAD_BYTES}-byte row per "
        f"transaction, {raw.seconds:.1f} s each (stored SessionHeld events average "
        f"{float(state_bytes):.0f} bytes)"
    )
    out()
    header = (
        f"{'measurement':<50} {'count':>8} {'rate/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'÷raw':>6} {'÷locked':>7}"
    )
    out(header)
    out("-" * len(header))
    for measurement in (raw, locked, http):
        out(
            f"{measurement.label:<50} {measurement.count:>8,} "
            f"{measurement.rate:>9,.0f} {milliseconds(measurement.percentile(0.5)):>7} "
            f"{milliseconds(measurement.percentile(0.99)):>7} "
            f"{measurement.errors:>6,} {measurement.rate / raw.rate:>6.1%} "
            f"{measurement.rate / locked.rate:>7.1%}"
        )
    out(
        "÷raw: against the raw INSERT + COMMIT rate; ÷locked: against the same with "
        "the table locked in each transaction, as the event store does"
    )

    out()
    out(f"CPU, cores busy over each measurement (of {os.cpu_count()}):")
    cpu_header = (
        f"  {'measurement':<48} {'server':>7} {'load gen':>8} {'postgres':>8} "
        f"{'other':>6} {'machine':>7}"
    )
    out(cpu_header)
    for measurement in (raw, locked, http):
        cpu = measurement.cpu
        server_cpu = f"{cpu.server:.2f}" if measurement is http else "-"
        out(
            f"  {measurement.label:<48} {server_cpu:>7} {cpu.generator:>8.2f} "
            f"{cpu.postgres:>8.2f} {cpu.other:>6.2f} {cpu.machine:>7.2f}"
        )
    out(
        "  server: its processes; load gen: this process (the raw INSERT threads, or "
        "the HTTP clients); postgres: every PostgreSQL process; other: the rest of "
        "the machine (the kernel's I/O and network work, py-spy, anything else)"
    )
    if len(http.cpu.server_processes) > 1:
        out(
            "  server processes: "
            + ", ".join(
                f"pid {pid} {cores:.2f}"
                for pid, cores in sorted(http.cpu.server_processes.items())
            )
        )
    if http.count:
        out(
            f"  per event: server {http.cpu.server / http.rate * 1000:.2f} ms, "
            f"load generator {http.cpu.generator / http.rate * 1000:.2f} ms, "
            f"PostgreSQL {http.cpu.postgres / http.rate * 1000:.2f} ms of CPU"
        )

    out()
    if run.server_seconds is not None and http.latencies:
        inside, waited = run.server_seconds, http.mean
        out(
            "inside the server (its metrics middleware): "
            f"{inside * 1000:.2f} ms per event POST on average, of the "
            f"{waited * 1000:.2f} ms the clients waited ({inside / waited:.0%})"
        )
    elif server.workers != 1:
        out(
            "inside the server: not measured with several workers (each counts its own)"
        )
    if transactions:
        out(
            f"transactions: {events:,} SessionHeld events stored in {transactions:,} "
            f"transactions, {events / transactions:.1f} events per commit (warm-up "
            "included)"
        )
    matched = events == run.answered_201
    out(
        f"event log: {events:,} SessionHeld events stored; {run.answered_201:,} "
        f"answered 201 (warm-up and last requests included): "
        f"{'they match' if matched else 'THEY DIFFER'}"
    )
    if run.errors:
        out("errors inside the window, by status:")
        for outcome, n in run.errors.most_common():
            out(f"  {outcome} x {n:,}: {run.examples.get(outcome, '')}")
    else:
        out("errors: none; every request was answered 201")
    return matched and not run.errors


# The command --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=(__doc__ or "").split("\n\n")[0]
    )
    add_numbers(
        parser,
        ("--clients", 16, "concurrent HTTP clients (default 16)"),
        ("--duration", 20.0, "seconds measured (default 20)"),
        ("--warmup", 3.0, "seconds of load before measuring (default 3)"),
        (
            "--workers",
            1,
            "server processes (default 1): each a `trajectory serve` on its own "
            "port, the clients spread over them as by a load balancer",
        ),
    )
    parser.add_argument(
        "--no-group-commit",
        dest="group_commit",
        action="store_false",
        help="a transaction per request (TRAJECTORY_GROUP_COMMIT=false)",
    )
    parser.add_argument(
        "--projections",
        action="store_true",
        help="feed the views in the server too (default: --no-projections)",
    )
    add_numbers(
        parser,
        (
            "--trajectories",
            64,
            "trajectories per client, each client writing to its own (default 64)",
        ),
        ("--raw-seconds", 5.0, "seconds of each raw INSERT measurement (default 5)"),
    )
    add_server(parser, keeps="schema")
    parser.add_argument("--schema", help="the fresh schema's name (default: random)")
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="FILE",
        help="sample the server with py-spy over the measurement window, write the "
        "raw stacks to FILE and print the hot spots (py-spy is not a project "
        "dependency: .venv/bin/pip install py-spy)",
    )
    parser.add_argument(
        "--server-log",
        type=Path,
        metavar="FILE",
        help="keep the server's output in FILE (default: a temporary file, its "
        "tail shown if the server fails)",
    )
    args = parser.parse_args(argv)
    check_server(parser, args)
    if args.clients < 1 or args.workers < 1 or args.trajectories < 1:
        parser.error("--clients, --workers and --trajectories must be at least 1")
    if args.duration <= 0 or args.warmup < 0 or args.raw_seconds <= 0:
        parser.error("--duration and --raw-seconds > 0, --warmup >= 0")
    if args.py_spy is not None and py_spy() is None:
        parser.error("--py-spy: py-spy is not installed (.venv/bin/pip install py-spy)")
    return args


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    started = time.perf_counter()
    schema = args.schema or f"bench_load_{uuid.uuid4().hex[:8]}"
    database = Database(args.database_url, schema)
    if not database.create_schema():
        console.print(
            f"schema {schema} exists already: the benchmark needs a fresh one"
        )
        return 2
    console.print(f"schema {schema} created")
    try:
        with tempfile.TemporaryDirectory(prefix="bench_load_") as scratch:
            log_path = args.server_log or Path(scratch, "server.log")
            ok = run(database, args, log_path)
    except KeyboardInterrupt:
        console.print("interrupted: stopping the server, dropping the schema")
        return 130
    finally:
        if args.keep:
            console.print(f"schema {schema} kept")
        else:
            with status(f"dropping schema {schema}"):
                database.drop_schema()
    print(f"\nrun time {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def run(database: Database, args: argparse.Namespace, log_path: Path) -> bool:
    create_raw_table(database)
    measured = []
    for lock, label in (
        (False, "raw INSERT + COMMIT (the baseline)"),
        (True, "raw LOCK TABLE + INSERT + COMMIT (as the store)"),
    ):
        with status(f"{label}, {args.clients} connections, {args.raw_seconds:g} s"):
            measured.append(
                raw_inserts(database, args.clients, args.raw_seconds, lock, label)
            )
        console.print(f"  {label}: {measured[-1].rate:,.0f} rows/s", highlight=False)
    raw, locked = measured
    with status("creating the tables and the tokens"):
        tokens = tokens_for(database)
    server = Server(database, args, log_path)
    with running(server):
        with status(f"starting {' '.join(server.command[:2])} on {server.url}"):
            server.wait_until_healthy()
        console.print(
            f"server pid {server.pid} on {server.url}, log {log_path}", highlight=False
        )
        try:
            http = asyncio.run(load(server, args, tokens))
        except Exception:
            tail = server.log_tail()
            if tail:
                console.print(f"the server's last output:\n{tail}", markup=False)
            raise
        if server.process is not None and server.process.poll() is not None:
            raise SetupFailed(f"the server exited during the run:\n{server.log_tail()}")
    ok = print_report(database, args, server, raw, locked, http)
    if http.profile is not None:
        print_profile(http.profile, http.measurement.seconds, server.workers, top=15)
    return ok


if __name__ == "__main__":
    sys.exit(main())
