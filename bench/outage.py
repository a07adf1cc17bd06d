"""Outage benchmark: how soon every write is answered while the database is down,
and how soon after it is back the first write succeeds.

    .venv/bin/python -m bench.outage [--clients 8] [--down 12] [--warmup 3]

It starts a PostgreSQL cluster of its own (initdb in a temporary folder, on a free
port: the machine's own server is never stopped), registers a programme and a
trajectory per client, starts `trajectory serve --no-projections` on it, and has
each client post sessions to its trajectory, one after another (a client gives up
on a request after 60 s). After --warmup seconds it stops the cluster as a crash
would (`pg_ctl stop -m immediate`), keeps it down for --down seconds, starts it
again and runs until every client has had a write succeed since (or 30 s). It
prints:

- the answer time of every write that was waiting while the database was down:
  those sent before the stop and answered after it, and those sent during the
  outage (the outage answer time: p50, p99 and the longest), with how many were
  503 with Retry-After;
- the time from the restart (the cluster accepting connections) to the first write
  answered 201 (the first success);
- the acknowledged writes missing from the store afterwards (must be 0).

Run it by hand, or as the `outage` figure of `make bench`: it is never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx

from application.access import Role
from application.service import Trajectories
from application.settings import Settings
from application.storage import DEFAULT_PATIENCE
from bench.console import console
from bench.load import BIN
from bench.load import SetupFailed
from bench.load import free_port
from bench.load import session_bodies
from bench.trajectories import register_programme
from bench.trajectories import someone
from bench.trajectories import taken_in
from domain.vocabulary import LabourStatus

PROGRAMME = "BENCH-OUTAGE"
ORGANISATION = "Werkburo Oost-Vlaanderen"
CLIENT_TIMEOUT = 60.0  # seconds a client waits for an answer: well above the bound
AFTER_RESTART = 30.0  # seconds the run goes on after the restart, at most
TARGET_ANSWER = DEFAULT_PATIENCE + 1.0  # s: "at most about 5 s"
TARGET_FIRST_SUCCESS = 2.0  # s after the database is back
ON = date(2024, 2, 1)


# The cluster of its own ---------------------------------------------------------------


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SetupFailed(f"no PostgreSQL binaries ({name}) on this machine")
    return found[-1]


class Cluster:
    """initdb in a folder of its own, on a free port (as the user postgres when
    run as root); stopped and removed by ``close``."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-outage-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run(
            _postgres_bin("initdb"),
            *("-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres"),
            "--no-sync",
        )

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            _postgres_bin("pg_ctl"),
            *("-D", str(self.folder / "data"), "-o", options),
            *("-l", str(self.folder / "log"), "-w", "start"),
        )

    def stop(self) -> None:
        self._run(
            _postgres_bin("pg_ctl"),
            *("-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"),
        )

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def cluster_of_its_own() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


# The writes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    sent: float  # monotonic
    answered: float
    status: int  # 0: no answer (the client gave up, or the connection failed)
    retry_after: bool
    trajectory_id: str
    version: int | None  # of a 201

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


@dataclass
class Outage:
    stopped: float = 0.0  # monotonic, once stopped
    restarted: float = 0.0  # once the cluster accepts connections again
    writes: list[Write] = field(default_factory=list)


def set_up(url: str, clients: int) -> tuple[str, list[str]]:
    """A programme, a staff token and a trajectory taken in per client."""
    service = Trajectories(Settings(database_url=url))
    try:
        register_programme(
            service,
            PROGRAMME,
            "Outage benchmark",
            ORGANISATION,
            starts_on=date(2023, 1, 1),
        )
        coach = service.coaches.ensure("bench coach", ORGANISATION, recorded_by="bench")
        _, staff = service.tokens.create(
            role=Role.STAFF, name="bench coach", organisation=ORGANISATION
        )
        trajectories = []
        for n in range(clients):
            trajectory_id = taken_in(
                service,
                someone(f"Outage {n}", "Bench", date(2000, 1, 1)),
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referred_on=ON,
                intake_on=ON,
                coach_id=coach.id,
                rung=2,
                labour_status=LabourStatus.UNEMPLOYED,
            )
            trajectories.append(str(trajectory_id))
        return staff, trajectories
    finally:
        service.close()


async def post_sessions(
    base_url: str, secret: str, trajectory_id: str, outage: Outage, stop: asyncio.Event
) -> None:
    bodies = session_bodies()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=CLIENT_TIMEOUT
    ) as client:
        n = 0
        while not stop.is_set():
            body = bodies[n % len(bodies)]
            n += 1
            sent = time.monotonic()
            try:
                response = await client.post(
                    f"/trajectories/{trajectory_id}/events", content=body
                )
                status = response.status_code
                retry_after = "retry-after" in response.headers
                version = response.json().get("version") if status == 201 else None
            except httpx.HTTPError:
                status, retry_after, version = 0, False, None
            outage.writes.append(
                Write(
                    sent,
                    time.monotonic(),
                    status,
                    retry_after,
                    trajectory_id,
                    version,
                )
            )
            if status != 201:
                await asyncio.sleep(0.05)  # as a client pausing before it retries


async def through_an_outage(
    cluster: Cluster,
    base_url: str,
    secret: str,
    trajectories: Sequence[str],
    warmup: float,
    down: float,
) -> Outage:
    outage = Outage()
    stop = asyncio.Event()
    clients = [
        asyncio.create_task(post_sessions(base_url, secret, t, outage, stop))
        for t in trajectories
    ]
    try:
        await asyncio.sleep(warmup)
        outage.stopped = time.monotonic()
        await asyncio.to_thread(cluster.stop)
        await asyncio.sleep(max(0.0, down - (time.monotonic() - outage.stopped)))
        await asyncio.to_thread(cluster.start)
        outage.restarted = time.monotonic()
        while time.monotonic() - outage.restarted < AFTER_RESTART:
            succeeded = {
                w.trajectory_id
                for w in outage.writes
                if w.status == 201 and w.sent >= outage.restarted
            }
            if len(succeeded) == len(trajectories):
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*clients, return_exceptions=True)
    return outage


def stored_versions(url: str, trajectories: Sequence[str]) -> dict[str, set[int]]:
    service = Trajectories(Settings(database_url=url))
    try:
        event_store = service.repository.event_store
        return {
            t: {e.originator_version for e in event_store.get(UUID(t))}
            for t in trajectories
        }
    finally:
        service.close()


# The figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    down: float  # seconds the cluster was down
    waiting: list[Write]  # answered after the stop, sent before the restart
    first_success: float | None  # seconds from the restart to the first 201
    acknowledged: int
    lost: int  # acknowledged writes not in the store
    hung: int  # writes the client gave up on

    def percentile(self, share: float) -> float:
        seconds = sorted(w.seconds for w in self.waiting)
        if not seconds:
            return 0.0
        return seconds[min(len(seconds) - 1, round(share * (len(seconds) - 1)))]

    @property
    def longest(self) -> float:
        return max((w.seconds for w in self.waiting), default=0.0)

    @property
    def answers(self) -> str:
        """How they were answered: ``1431 × 503 (Retry-After), 11 × 201``."""
        counts = Counter(
            "no answer"
            if w.status == 0
            else f"{w.status}{' (Retry-After)' * w.retry_after}"
            for w in self.waiting
        )
        return ", ".join(f"{n} × {status}" for status, n in counts.most_common())

    @property
    def server_errors(self) -> int:
        return sum(1 for w in self.waiting if w.status >= 500 and w.status != 503)

    @property
    def answer_met(self) -> bool:
        return (
            bool(self.waiting)
            and self.longest <= TARGET_ANSWER
            and not self.hung
            and not self.server_errors
        )

    @property
    def first_success_met(self) -> bool:
        return (
            self.first_success is not None
            and self.first_success <= TARGET_FIRST_SUCCESS
        )


def figures_of(outage: Outage, stored: dict[str, set[int]]) -> Figures:
    waiting = [
        w
        for w in outage.writes
        if w.answered >= outage.stopped and w.sent < outage.restarted
    ]
    successes = [
        w.answered - outage.restarted
        for w in outage.writes
        if w.status == 201
        and w.answered >= outage.restarted
        and w.sent >= outage.restarted - 60
        and w not in waiting
    ]
    acknowledged = [w for w in outage.writes if w.status == 201]
    lost = sum(
        1
        for w in acknowledged
        if w.version is None or w.version not in stored.get(w.trajectory_id, set())
    )
    return Figures(
        down=outage.restarted - outage.stopped,
        waiting=waiting,
        first_success=min(successes) if successes else None,
        acknowledged=len(acknowledged),
        lost=lost,
        hung=sum(1 for w in outage.writes if w.status == 0),
    )


def measure(clients: int, warmup: float, down: float, log_path: Path) -> Figures:
    """The whole run: a cluster of its own, the server on it, the outage."""
    with cluster_of_its_own() as cluster:
        secret, trajectories = set_up(cluster.url, clients)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
        env.update(
            TRAJECTORY_DATABASE_URL=cluster.url,
            TRAJECTORY_RUN_PROJECTIONS="false",
            TRAJECTORY_DEMO="false",
        )
        command = [
            str(BIN / "trajectory"),
            *("serve", "--host", "127.0.0.1", "--port", str(port)),
            "--no-projections",
        ]
        with open(log_path, "ab") as log:
            server = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_healthy(base_url, server)
            outage = asyncio.run(
                through_an_outage(cluster, base_url, secret, trajectories, warmup, down)
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        return figures_of(outage, stored_versions(cluster.url, trajectories))


def wait_until_healthy(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupFailed(f"the server exited with {server.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SetupFailed("GET /health did not answer 200 in 60 s")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def lines(figures: Figures) -> list[tuple[str, str, str, bool | None]]:
    """(figure, ours, target, met) for the report."""
    first = figures.first_success
    return [
        (
            f"outage: answer time of the writes waiting while the database was "
            f"down ({figures.down:.0f} s)",
            f"p50 {ms(figures.percentile(0.5))}, p99 {ms(figures.percentile(0.99))}, "
            f"longest {ms(figures.longest)}; {figures.answers}",
            f"every one <= {TARGET_ANSWER:g} s",
            figures.answer_met,
        ),
        (
            "outage: first write answered 201 after the database is back",
            "none" if first is None else ms(first),
            f"<= {TARGET_FIRST_SUCCESS:g} s",
            figures.first_success_met,
        ),
        (
            "outage: acknowledged writes missing afterwards",
            f"{figures.lost} of {figures.acknowledged}",
            "0",
            figures.lost == 0,
        ),
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.outage", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=8, help="default 8")
    parser.add_argument(
        "--down", type=float, default=12.0, help="seconds down (default 12)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds before (default 3)"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.down <= 0 or args.warmup < 0:
        parser.error("--clients >= 1, --down > 0, --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_") as scratch:
        log_path = Path(scratch) / "server.log"
        try:
            with console.status(
                f"{args.clients} clients writing; the database down for {args.down:g} s"
            ):
                figures = measure(args.clients, args.warmup, args.down, log_path)
        except Exception:
            console.print(log_path.read_text(errors="replace")[-3000:], markup=False)
            raise
    print(json.dumps({"clients": args.clients, "down": round(figures.down, 1)}))
    for figure, ours, target, met in lines(figures):
        verdict = {True: "met", False: "MISSED", None: ""}[met]
        print(f"{figure}: {ours} (target {target}: {verdict})")
    return 0 if all(met is not False for *_, met in lines(figures)) else 1


if __name__ == "__main__":
    sys.exit(main())
