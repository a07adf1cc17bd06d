"""Fault-injection benchmark: the service through one failover of its database, and
the standby's read throughput against the primary's, in one run.

    .venv/bin/python -m bench.faults                   # `make faults`
    .venv/bin/python -m bench.faults --fault stop --clients 8 --nodes 3

It starts a throwaway Patroni cluster (etcd and --nodes PostgreSQL nodes, a primary
and its synchronous standby, in a temporary folder on free loopback ports: the
harness of tests/ha, never the machine's own server), writes a demo history into it
(--history trajectories) and starts the compose file's api and projector against its
multi-host endpoint. Then:

1. **reads**: the heavy reads through the application (the outcome figures by
   programme and cohort, and a caseload page with its participants' names), from
   --readers threads for --read-seconds each, in alternating rounds: served by the
   primary (no standby configured) and by the standby (``TRAJECTORY_STANDBY_URL``, with
   its read-your-writes check on each read). Reads per second and p99 of each, and
   the standby's rate against the primary's.
2. **failover**: --clients clients record sessions through the API without pause,
   each write with an Idempotency-Key and sent again with it after a 503 or no answer
   until it is acknowledged. After --warmup seconds the primary fails (--fault: kill
   -9 of its postmaster, or its Patroni stopped); the clients go on until --after
   seconds after the first write acknowledged by the new primary. Reported: the write
   rate before the fault, through the failover (from the fault to --after seconds
   after) and after it; the p50/p99/longest answer time of the writes sent through
   the failover; the time without a writable primary (from the fault until the
   cluster has a new one) and without any acknowledged write; the time from the new
   primary to the first write acknowledged; the answers by status (500 and no answer
   must be 0); and the acknowledged writes missing from the store, or stored twice
   (must be 0: the run exits 1 otherwise).

Run it by hand: it is never a timed test. What each figure means is in
bench/README.md.
"""

from __future__ import annotations

import argparse
import platform
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg

from application.projections.caseload.queries import CaseloadQuery
from application.service import Trajectories
from application.views import Views
from bench.console import console
from bench.options import add_numbers
from interfaces.demo.loading import load_demo
from tests.ha.cluster import Node
from tests.ha.cluster import PatroniCluster
from tests.ha.cluster import ha_unavailable
from tests.ha.service import Service
from tests.ha.service import SessionWriters
from tests.ha.service import Writes
from tests.ha.service import percentile
from tests.ha.service import prepare_store
from tests.ha.service import programme_body
from tests.ha.service import store_settings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--nodes", type=int, choices=(2, 3), default=2)
    parser.add_argument(
        "--fault",
        choices=("kill", "stop"),
        default="kill",
        help="kill: kill -9 of the primary's postmaster (default); stop: its "
        "Patroni stopped (SIGTERM)",
    )
    add_numbers(
        parser,
        ("--clients", 16, "writing clients"),
        ("--warmup", 10.0, "seconds of writes before the fault"),
        (
            "--after",
            10.0,
            "seconds of writes after the first one the new primary acknowledged",
        ),
        ("--history", 1000, "demo trajectories for the reads"),
        ("--readers", 4, "reading threads"),
        ("--read-seconds", 8.0, "seconds per round of reads"),
        ("--rounds", 2, "rounds of reads, each"),
    )
    return parser.parse_args(argv)


# Reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRate:
    name: str
    served_by: str
    reads: int
    seconds: float
    p99: float

    @property
    def per_second(self) -> float:
        return self.reads / self.seconds


def reads_for(views: Views, trajectory_id: UUID) -> dict[str, Callable[[], object]]:
    return {
        "outcomes by programme and cohort": lambda: views.outcome_table(
            ["programme", "cohort"]
        ),
        "caseload page (50 rows, names)": lambda: views.caseload_page(
            CaseloadQuery(limit=50)
        ),
        "a trajectory's history (replay)": lambda: views.app.history(trajectory_id),
    }


def read_rate(
    read: Callable[[], object], threads: int, seconds: float
) -> tuple[int, list[float]]:
    """Calls ``read`` from ``threads`` threads for ``seconds``; the reads done and
    their durations."""
    stop = time.monotonic() + seconds
    durations: list[list[float]] = [[] for _ in range(threads)]

    def run(mine: list[float]) -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            read()
            mine.append(time.perf_counter() - started)

    workers = [threading.Thread(target=run, args=(d,)) for d in durations]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    flat = [d for mine in durations for d in mine]
    return len(flat), flat


def measure_reads(cluster: PatroniCluster, args: argparse.Namespace) -> list[ReadRate]:
    """Each heavy read, served by the primary and by the standby, in alternating
    rounds (the best round of each)."""
    primary = Trajectories(
        store_settings(cluster).model_copy(update={"standby_url": None})
    )
    standby = Trajectories(store_settings(cluster))
    try:
        stores = {"primary": Views(primary), "standby": Views(standby)}
        longest = max(
            stores["primary"].caseload.view.rows(), key=lambda row: row.version
        )
        best: dict[tuple[str, str], ReadRate] = {}
        for _ in range(args.rounds):
            for served_by, views in stores.items():
                for name, read in reads_for(views, longest.trajectory_id).items():
                    read()  # warm: connections, caches
                    count, durations = read_rate(read, args.readers, args.read_seconds)
                    rate = ReadRate(
                        name,
                        served_by,
                        count,
                        args.read_seconds,
                        percentile(durations, 0.99),
                    )
                    console.print(
                        f"  {name}, {served_by}: {rate.per_second:.1f}/s, "
                        f"p99 {rate.p99 * 1000:.0f} ms"
                    )
                    key = (name, served_by)
                    if key not in best or rate.per_second > best[key].per_second:
                        best[key] = rate
        counts = standby.reads.counts()
        console.print(f"  the standby store's routed connections: {counts}")
        if counts.get("primary"):
            console.print("  [yellow]some routed reads went to the primary[/]")
    finally:
        primary.close()
        standby.close()
    return list(best.values())


def raw_commits(cluster: PatroniCluster, connections: int, seconds: float) -> float:
    """Single-row INSERT + COMMIT per second from ``connections`` connections on the
    cluster's primary (each commit waits for the synchronous standby): the
    database's own limit for the write rate, on the same machine."""
    dsn = cluster.dsn()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(b"CREATE TABLE IF NOT EXISTS raw_commits (n bigint)")
    done = [0] * connections
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as connection:
            while time.monotonic() < stop:
                connection.execute(b"INSERT INTO raw_commits VALUES (1)")
                done[index] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds


# Failover -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Failover:
    raw_rate: float
    fault: str
    old: str
    new: str
    clients: int
    faulted_at: float
    promoted_at: float
    first_success_at: float
    writes: Writes
    lost: int
    doubled: int

    def rate(self, start: float, end: float) -> float:
        acknowledged = [
            w for w in self.writes.acknowledged if start <= w.acknowledged_at < end
        ]
        return len(acknowledged) / (end - start) if end > start else 0.0

    def answers_between(self, start: float, end: float) -> list[float]:
        return [a.seconds for a in self.writes.answers if start <= a.sent_at < end]

    def longest_without_acknowledgement(self) -> float:
        times = sorted(w.acknowledged_at for w in self.writes.acknowledged)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        return max(gaps, default=0.0)


def fail_over(
    cluster: PatroniCluster,
    service: Service,
    headers: dict[str, str],
    args: argparse.Namespace,
) -> Failover:
    old = cluster.wait_until_healthy()
    fault: Callable[[Node], object]
    if args.fault == "kill":
        fault, what = cluster.kill_postmaster, "kill -9 of the primary's postmaster"
    else:

        def fault(node: Node) -> None:
            cluster.stop_patroni(node, signal.SIGTERM)

        what = "the primary's Patroni stopped (SIGTERM)"
    raw_rate = raw_commits(cluster, args.clients, 5.0)
    console.print(f"  raw commits on the primary: {raw_rate:.0f}/s")
    writers = SessionWriters(service, headers, args.clients)
    with writers:
        writers.wait_for_acknowledged(args.clients)
        time.sleep(args.warmup)  # a steady rate before the fault
        console.print(f"  {what}: {old.name}")
        faulted_at = time.monotonic()
        fault(old)
        new = cluster.wait_for_leader(60, other_than=old.name)
        promoted_at = time.monotonic()
        console.print(
            f"  {new.name} is the primary after {promoted_at - faulted_at:.2f} s"
        )
        deadline = time.monotonic() + 60
        while not any(
            w.acknowledged_at > promoted_at for w in writers.writes.acknowledged
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no write acknowledged after the failover\n{service.logs()}"
                )
            time.sleep(0.01)
        first_success_at = min(
            w.acknowledged_at
            for w in writers.writes.acknowledged
            if w.acknowledged_at > promoted_at
        )
        time.sleep(args.after)
    lost, doubled = check_store(cluster, writers)
    return Failover(
        raw_rate,
        what,
        old.name,
        new.name,
        args.clients,
        faulted_at,
        promoted_at,
        first_success_at,
        writers.writes,
        lost,
        doubled,
    )


def check_store(cluster: PatroniCluster, writers: SessionWriters) -> tuple[int, int]:
    """The acknowledged writes not stored as answered, and the writes stored twice:
    each session's note carries its write's Idempotency-Key."""
    store = Trajectories(
        store_settings(cluster).model_copy(update={"standby_url": None})
    )
    try:
        found: dict[str, list[tuple[str, int]]] = {}
        for trajectory_id in writers.trajectories:
            for entry in store.history(UUID(trajectory_id)):
                if entry.type == "SessionHeld":
                    key = str(entry.data["note"]).removeprefix("write ")
                    found.setdefault(key, []).append((trajectory_id, entry.version))
    finally:
        store.close()
    lost = sum(
        1
        for w in writers.writes.acknowledged
        if found.get(w.key) != [(w.trajectory_id, w.version)]
    )
    doubled = sum(1 for stored in found.values() if len(stored) > 1)
    return lost, doubled


# Report -------------------------------------------------------------------------------


def report(
    args: argparse.Namespace, reads: list[ReadRate], failover: Failover, minutes: float
) -> str:
    f = failover
    warm_start = min(a.sent_at for a in f.writes.answers) + 2  # past the first writes
    end = max(a.sent_at + a.seconds for a in f.writes.answers)
    through_end = f.first_success_at + args.after
    through = f.answers_between(f.faulted_at, through_end)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(f.writes.statuses().items()))
    machine = platform.processor() or platform.machine()
    rows = [
        ("fault", f"{f.fault} ({f.old} -> {f.new})"),
        ("write rate before the fault", f"{f.rate(warm_start, f.faulted_at):.0f}/s"),
        (
            f"raw INSERT + COMMIT from {f.clients} connections on the primary",
            f"{f.raw_rate:.0f}/s",
        ),
        (
            f"write rate through the failover (the {through_end - f.faulted_at:.0f} s "
            "from the fault)",
            f"{f.rate(f.faulted_at, through_end):.0f}/s",
        ),
        ("write rate after", f"{f.rate(through_end, end):.0f}/s"),
        (
            "answer time of the writes sent through the failover: p50 / p99 / longest",
            " / ".join(
                f"{seconds * 1000:.0f}"
                for seconds in (
                    percentile(through, 0.5),
                    percentile(through, 0.99),
                    max(through),
                )
            )
            + " ms",
        ),
        (
            "time without a writable primary (the fault to a new leader)",
            f"{f.promoted_at - f.faulted_at:.2f} s",
        ),
        (
            "longest time without an acknowledged write",
            f"{f.longest_without_acknowledgement():.2f} s",
        ),
        (
            "the new leader to the first write acknowledged",
            f"{max(f.first_success_at - f.promoted_at, 0):.2f} s",
        ),
        ("answers by status", statuses),
        ("acknowledged writes", str(len(f.writes.acknowledged))),
        ("acknowledged writes lost / stored twice", f"{f.lost} / {f.doubled}"),
    ]
    lines = [
        f"`make faults` on {date.today().isoformat()}: {args.nodes} nodes (a "
        f"synchronous standby), {args.clients} writing clients, {args.readers} "
        f"reading threads, {machine}, Python {platform.python_version()}; run time "
        f"{minutes:.1f} minutes.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {figure} | {value} |" for figure, value in rows),
        "",
        "| heavy read | primary | standby | standby / primary |",
        "|---|---|---|---|",
    ]
    by = {(r.name, r.served_by): r for r in reads}
    for name in dict.fromkeys(r.name for r in reads):
        p, s = by[(name, "primary")], by[(name, "standby")]
        lines.append(
            f"| {name} | {p.per_second:.1f}/s (p99 {p.p99 * 1000:.0f} ms) | "
            f"{s.per_second:.1f}/s (p99 {s.p99 * 1000:.0f} ms) | "
            f"{s.per_second / p.per_second:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    problem = ha_unavailable()
    if problem is not None:
        console.print(f"[red]cannot start a Patroni cluster:[/] {problem}")
        return 2
    started = time.monotonic()
    with PatroniCluster(args.nodes) as cluster, tempfile.TemporaryDirectory() as folder:
        console.print(f"cluster {cluster.scope}: {cluster.summary()}")
        tokens = prepare_store(cluster)
        with console.status(f"writing {args.history} demo trajectories"):
            store = Trajectories(store_settings(cluster))
            try:
                load_demo(store, trajectories=args.history, seed=1)
                Views(store).catch_up()
            finally:
                store.close()
        console.print("reads, by the primary and by the standby:")
        reads = measure_reads(cluster, args)
        with Service(cluster, Path(folder)) as service:
            with service.client(tokens.admin) as http:
                answer = http.post("/programmes", json=programme_body())
                if answer.status_code != 201:
                    console.print(f"[red]{answer.status_code}[/] {answer.text}")
                    return 1
            console.print(f"failover under {args.clients} writing clients:")
            failover = fail_over(cluster, service, tokens.staff, args)
    minutes = (time.monotonic() - started) / 60
    print(report(args, reads, failover, minutes))
    statuses = failover.writes.statuses()
    if failover.lost or failover.doubled or 500 in statuses or 0 in statuses:
        console.print(
            "[red]an acknowledged write was lost or doubled, or an answer was a 500 "
            "or none[/]"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
