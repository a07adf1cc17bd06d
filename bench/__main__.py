"""Every benchmark figure in one run, each beside the database's own limit measured
in the same run, and the ratio between them.

    .venv/bin/python -m bench                     # every figure (`make bench`)
    .venv/bin/python -m bench replay queries      # only these (and what they need)
    .venv/bin/python -m bench --trajectories 20000 --duration 10   # a quicker run

It creates a fresh database on the local PostgreSQL (dropped at the end unless
--keep), generates the demo history through the application (in stages, reading the
rebuild's peak memory after each), measures each figure and prints one table, with
the targets of the issue met or MISSED. Run it by hand: it is never a timed test.
What each figure means is in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from application.audit.chain import HEADS_TABLE, LINKS_TABLE
from application.demo import BLOCK_SIZE, load_demo_in_parallel
from application.settings import Settings
from application.trajectories import Trajectories
from application.views import Views
from bench import figures, load, rebuild, verify
from bench.figures import LagWatch, Latencies
from bench.load import BIN, Measurement, Server, raw_inserts
from bench.rebuild import (
    DEFAULT_DATABASE_URL,
    Database,
    MemoryReading,
    Timing,
    mib,
)

FIGURES = ("write", "lag", "rebuild", "replay", "queries", "verify", "size")
HISTORY_FIGURES = {"rebuild", "queries", "verify", "size"}
SERVER_FIGURES = {"write", "lag", "queries"}
EVENTS_PER_TRAJECTORY = 27.8  # in the log, per demo trajectory: places the readings
MEMORY_AT = (100_000, 1_000_000)  # events in the log when the memory is read

TARGET_REBUILD = 50_000  # events/s
TARGET_WRITE_P99 = 0.100  # s, at 16 clients
TARGET_LAG_P99 = 1.0  # s
TARGET_LOAD_SNAPSHOTS = 0.020  # s, a 1,000-event trajectory
TARGET_AS_OF_VERSION = 0.050  # s
TARGET_QUERY = 0.300  # s
TARGET_MEMORY_GROWTH = 0.10  # from the first reading to the last

console = Console(stderr=True, soft_wrap=True)


# The table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    figure: str
    ours: str
    baseline: str
    ratio: str
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        verdict = {True: "met", False: "MISSED", None: ""}[line.met]
        console.print(
            f"  {line.figure}: {line.ours} | {line.baseline} | {line.ratio} "
            f"{line.target} {verdict}",
            highlight=False,
            markup=False,
        )

    @property
    def missed(self) -> list[Line]:
        return [line for line in self.lines if line.met is False]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def spread(latencies: Latencies) -> str:
    return f"p50 {ms(latencies.p50)}, p99 {ms(latencies.p99)}"


def measured_spread(measurement: Measurement) -> str:
    return (
        f"p50 {ms(measurement.percentile(0.5))}, p99 {ms(measurement.percentile(0.99))}"
    )


def times(ours: float, baseline: float) -> str:
    return f"{ours / baseline:,.2f} ×" if baseline else "—"


def share(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.1%}" if baseline else "—"


# The fresh database -------------------------------------------------------------------


@dataclass(frozen=True)
class FreshDatabase:
    """A database of its own on the server, created and dropped by the run."""

    server_url: str
    name: str

    @property
    def url(self) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    @property
    def database(self) -> Database:
        return Database(self.url, "public")

    def _server(self) -> psycopg.Connection[tuple[object, ...]]:
        return Database(self.server_url, "public").connect(autocommit=True)

    def create(self) -> None:
        with self._server() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"'.encode())

    def drop(self) -> None:
        with self._server() as connection:
            connection.execute(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'.encode()
            )


# The machine --------------------------------------------------------------------------


def machine(database: Database) -> str:
    memory = "?"
    model = platform.processor() or "?"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f"{kib / 1024 / 1024:.0f} GiB"
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with database.connect() as connection:
        version = connection.execute(b"SHOW server_version").fetchone()
        synchronous = connection.execute(b"SHOW synchronous_commit").fetchone()
    return (
        f"{date.today()}, {os.cpu_count()} cores ({model}), {memory}, "
        f"PostgreSQL {version[0] if version else '?'} "
        f"(synchronous_commit {synchronous[0] if synchronous else '?'}), "
        f"Python {platform.python_version()}"
    )


# The history --------------------------------------------------------------------------


def memory_marks(trajectories: int) -> list[int]:
    """The blocks generated before each memory reading: about 100,000 and 1,000,000
    events, and the whole history."""
    blocks = math.ceil(trajectories / BLOCK_SIZE)
    marks = {
        min(blocks, max(1, round(events / EVENTS_PER_TRAJECTORY / BLOCK_SIZE)))
        for events in MEMORY_AT
    }
    return sorted(marks | {blocks})


def generate_history(
    database: Database, args: argparse.Namespace, report: Report
) -> list[MemoryReading]:
    """The demo history of ``--trajectories``, as `trajectory demo` writes it, in
    stages; after each, VACUUM ANALYZE and, for the size figure, the peak memory of
    an outcome rebuild in a fresh process."""
    settings = Settings(database_url=database.schema_url)
    marks = memory_marks(args.trajectories) if "size" in args.figures else []
    stages = marks or [math.ceil(args.trajectories / BLOCK_SIZE)]
    readings: list[MemoryReading] = []
    seconds, events, done = 0.0, 0, 0
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task(
            f"generating ({args.workers} processes)", total=args.trajectories
        )
        for mark in stages:
            started = time.perf_counter()
            summary = load_demo_in_parallel(
                settings,
                trajectories=args.trajectories,
                seed=args.seed,
                workers=args.workers,
                blocks=range(done, mark),
                progress=lambda n: progress.advance(task, n),
            )
            seconds += time.perf_counter() - started
            events += summary.events
            done = mark
            database.vacuum_analyze()
            if marks:
                progress.update(task, description="rebuild's peak memory")
                readings.append(rebuild.measure_memory(database, "outcomes"))
                progress.update(
                    task, description=f"generating ({args.workers} processes)"
                )
    with database.connect(autocommit=True) as connection:
        # The generation's dirty pages written now, not by a checkpoint during a
        # later figure.
        connection.execute(b"CHECKPOINT")
    history = database.history()
    if history.trajectories != args.trajectories:
        raise RuntimeError(
            f"the log holds {history.trajectories:,} trajectories, "
            f"not {args.trajectories:,}"
        )
    report.add(
        Line(
            f"generate: `trajectory demo --trajectories {args.trajectories}` "
            f"({args.workers} processes)",
            f"{seconds / 60:.1f} min, {history.events / seconds:,.0f} events/s "
            f"({history.events:,} events)",
            "—",
            "—",
        )
    )
    return readings


# The figures --------------------------------------------------------------------------


def size_lines(
    database: Database, readings: Sequence[MemoryReading], report: Report
) -> None:
    size = figures.measure_size(database)
    report.add(
        Line(
            "size: bytes per event on disk (events with indexes, chain links)",
            f"{size.per_event:,.0f} B",
            f"{size.raw_row_bytes:,.0f} B (the row's values alone)",
            times(size.per_event, size.raw_row_bytes),
        )
    )
    report.add(
        Line(
            "size: with snapshots",
            f"{size.with_snapshots_per_event:,.0f} B",
            f"{size.raw_row_bytes:,.0f} B",
            times(size.with_snapshots_per_event, size.raw_row_bytes),
        )
    )
    for reading in readings:
        report.add(
            Line(
                f"memory: outcome rebuild's peak RSS at {reading.log_events:,} events",
                mib(reading.peak_kib),
                f"{mib(reading.rss_before_kib)} (the process before it)",
                times(reading.peak_kib, reading.rss_before_kib),
            )
        )
    if len(readings) > 1:
        first, last = readings[0], readings[-1]
        growth = last.peak_kib / first.peak_kib - 1
        report.add(
            Line(
                f"memory: growth from {first.log_events:,} to "
                f"{last.log_events:,} events",
                f"{growth:+.1%}",
                f"{last.log_events / first.log_events:,.1f} × the events",
                "—",
                f"< {TARGET_MEMORY_GROWTH:.0%}",
                growth < TARGET_MEMORY_GROWTH,
            )
        )


def rebuild_lines(database: Database, rounds: int, report: Report) -> None:
    """Interleaved rounds of the raw scans and the two views' full rebuilds; the
    fastest of each."""
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        views = Views(app)
        history = database.history()
        best: dict[str, Timing] = {}
        steps: dict[str, Callable[[], Timing]] = {
            "raw text": lambda: rebuild.scan_stream(database, 2000, binary=False),
            "raw binary": lambda: rebuild.scan_stream(database, 2000, binary=True),
            "outcomes": lambda: rebuild.timed_rebuild(views, "outcomes", history.head),
            "caseload": lambda: rebuild.timed_rebuild(views, "caseload", history.head),
        }
        for round_ in range(1, rounds + 1):
            for key, step in steps.items():
                with status(f"rebuild round {round_}/{rounds}: {key}"):
                    timing = step()
                if key not in best or timing.seconds < best[key].seconds:
                    best[key] = timing
    finally:
        app.close()
    raw = max(best["raw text"], best["raw binary"], key=lambda t: t.rate)
    raw_text = f"{raw.rate:,.0f} rows/s (SELECT of every event)"
    for name in ("outcomes", "caseload"):
        timing = best[name]
        target = name == "outcomes"
        report.add(
            Line(
                f"rebuild {name}: events read/s ({timing.rows:,} of its types)",
                f"{timing.rate:,.0f}/s ({timing.seconds:.2f} s)",
                raw_text,
                share(timing.rate, raw.rate),
                f">= {TARGET_REBUILD:,}/s" if target else "",
                timing.rate >= TARGET_REBUILD if target else None,
            )
        )
        covered = history.events / timing.seconds
        report.add(
            Line(
                f"rebuild {name}: history events/s (all {history.events:,})",
                f"{covered:,.0f}/s",
                raw_text,
                share(covered, raw.rate),
            )
        )


def verify_lines(database: Database, report: Report) -> None:
    schema = f'"{database.schema}"'
    queries = [
        "SELECT originator_id, originator_version, topic, state, notification_id "
        f"FROM {database.events_table} ORDER BY originator_id, originator_version",
        f"SELECT originator_id, originator_version, hash FROM {schema}.{LINKS_TABLE} "
        "ORDER BY originator_id, originator_version",
        f"SELECT originator_id, version, hash FROM {schema}.{HEADS_TABLE} "
        "ORDER BY originator_id",
    ]
    events = database.history().events
    with status("verify: the raw read of events, links and heads"):
        started = time.perf_counter()
        verify.read(database, queries, hashing=False)
        raw = time.perf_counter() - started
    with status("verify: `trajectory verify` over the whole store"):
        started = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "trajectory"), "verify"],
            env={**os.environ, "TRAJECTORY_DATABASE_URL": database.schema_url},
            capture_output=True,
            text=True,
        )
        ours = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"trajectory verify failed:\n{done.stdout}{done.stderr}")
    report.add(
        Line(
            f"verify: `trajectory verify`, {events:,} events",
            f"{ours:.1f} s, {events / ours:,.0f} events/s",
            f"{raw:.1f} s (raw read of events, links, heads)",
            times(ours, raw),
        )
    )


def replay_lines(database: Database, repeat: int, report: Report) -> None:
    with status(f"replay: writing a {figures.REPLAY_EVENTS:,}-event trajectory"):
        replay = figures.measure_replay(database, repeat)
    all_rows = f"{spread(replay.raw_all)} (SELECT of its {replay.events:,} rows)"
    report.add(
        Line(
            f"replay: load a {replay.events:,}-event trajectory, snapshots",
            spread(replay.with_snapshots),
            all_rows,
            times(replay.with_snapshots.p50, replay.raw_all.p50),
            f"p99 < {ms(TARGET_LOAD_SNAPSHOTS)}",
            replay.with_snapshots.p99 < TARGET_LOAD_SNAPSHOTS,
        )
    )
    report.add(
        Line(
            "replay: the same, without snapshots",
            spread(replay.without_snapshots),
            all_rows,
            times(replay.without_snapshots.p50, replay.raw_all.p50),
        )
    )
    report.add(
        Line(
            f"replay: as of version {replay.middle_version} (snapshot at "
            f"{replay.snapshot_below_middle})",
            spread(replay.as_of_version),
            f"{spread(replay.raw_middle)} (SELECT of the rows after the snapshot)",
            times(replay.as_of_version.p50, replay.raw_middle.p50),
            f"p99 < {ms(TARGET_AS_OF_VERSION)}",
            replay.as_of_version.p99 < TARGET_AS_OF_VERSION,
        )
    )
    report.add(
        Line(
            "replay: as of that version's date (every event read)",
            spread(replay.as_of_date),
            all_rows,
            times(replay.as_of_date.p50, replay.raw_all.p50),
        )
    )


def query_lines(database: Database, url: str, repeat: int, report: Report) -> None:
    with status("queries: GET /outcomes and GET /caseload"):
        queries = figures.measure_queries(database, url, repeat)
    report.add(
        Line(
            f"query: GET /outcomes?group_by=programme,cohort ({queries.groups} rows "
            f"over {queries.trajectories:,} trajectories)",
            spread(queries.outcomes),
            f"{spread(queries.outcomes_raw)} (SQL count per group)",
            times(queries.outcomes.p50, queries.outcomes_raw.p50),
            f"p99 < {ms(TARGET_QUERY)}",
            queries.outcomes.p99 < TARGET_QUERY,
        )
    )
    report.add(
        Line(
            f"query: GET /caseload?coach={queries.coach} ({queries.page_rows} of "
            f"{queries.coach_rows} open trajectories)",
            spread(queries.caseload),
            f"{spread(queries.caseload_raw)} (SQL select of the coach's rows)",
            times(queries.caseload.p50, queries.caseload_raw.p50),
            f"p99 < {ms(TARGET_QUERY)}",
            queries.caseload.p99 < TARGET_QUERY,
        )
    )


def load_args(clients: int, args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(
        clients=clients,
        trajectories=64,
        warmup=3.0,
        duration=args.duration,
        py_spy=None,
        workers=1,
        projections=False,
        group_commit=True,
    )


def write_lines(
    database: Database,
    server: Server,
    tokens: tuple[str, str],
    args: argparse.Namespace,
    report: Report,
) -> dict[int, Measurement]:
    """Raw single-row INSERT + COMMIT, then events over HTTP, at 1 and 16
    connections; returns the raw measurements."""
    load.create_raw_table(database)
    raws: dict[int, Measurement] = {}
    rates: dict[int, float] = {}
    for clients in (1, 16):
        with status(f"write: raw INSERT + COMMIT, {clients} connections"):
            raws[clients] = raw_inserts(
                database, clients, args.raw_seconds, False, "raw"
            )
        run = asyncio.run(load.load(server, load_args(clients, args), tokens))
        http, raw = run.measurement, raws[clients]
        rates[clients] = http.rate
        errors = f", {http.errors} errors" if http.errors else ""
        for outcome, example in run.examples.items():
            report.notes.append(
                f"write, {clients} client(s): {run.errors[outcome]} answered "
                f"{outcome}, such as: {example}"
            )
        target = clients == 16
        report.add(
            Line(
                f"write: events over HTTP, {clients} client{'s' * (clients > 1)}",
                f"{http.rate:,.0f}/s, {measured_spread(http)}{errors}",
                f"{raw.rate:,.0f}/s, {measured_spread(raw)} (INSERT + COMMIT, "
                f"{clients} connection{'s' * (clients > 1)})",
                share(http.rate, raw.rate),
                f">= raw rate, p99 < {ms(TARGET_WRITE_P99)}" if target else "",
                (
                    http.rate >= raw.rate
                    and http.percentile(0.99) < TARGET_WRITE_P99
                    and not http.errors
                )
                if target
                else None,
            )
        )
    report.add(
        Line(
            "write: the same 16 clients against one raw connection",
            f"{rates[16]:,.0f}/s",
            f"{raws[1].rate:,.0f}/s (INSERT + COMMIT, 1 connection)",
            share(rates[16], raws[1].rate),
        )
    )
    return raws


def lag_lines(
    database: Database,
    server: Server,
    tokens: tuple[str, str],
    args: argparse.Namespace,
    raw: Measurement | None,
    log_path: Path,
    report: Report,
) -> None:
    """The caseload view fed by `trajectory project` in a process of its own (as
    in production) while 16 clients write."""
    watch = LagWatch(database)
    with projector(server, log_path):
        with status("lag: the projector catching up with the log"):
            watch.wait_caught_up(timeout=600)
        watch.start()
        try:
            run = asyncio.run(
                load.load(server, load_args(16, args), tokens, watch.measuring)
            )
            with status("lag: the projector catching up with the window"):
                watch.wait_caught_up(timeout=120)
        finally:
            watch.stop()
    lags = Latencies(sorted(watch.lags))
    if raw is None:
        raw = raw_inserts(database, 16, args.raw_seconds, False, "raw")
    report.add(
        Line(
            f"lag: commit to caseload view, 16 clients writing "
            f"({run.measurement.rate:,.0f} events/s, {len(lags.seconds):,} samples)",
            spread(lags),
            f"p99 {ms(raw.percentile(0.99))} (a raw commit, 16 connections)",
            times(lags.p99, raw.percentile(0.99)),
            f"p99 < {ms(TARGET_LAG_P99)}",
            bool(lags.seconds) and lags.p99 < TARGET_LAG_P99,
        )
    )


@contextmanager
def projector(server: Server, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`trajectory project` beside the server, with its settings."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(BIN / "trajectory"), "project"],
            env=server.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def build_views(database: Database) -> None:
    """Both views at the head of the log, for the queries."""
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        views = Views(app)
        for name in ("outcomes", "caseload"):
            with status(f"rebuilding the {name} view"):
                views.rebuild(name)
    finally:
        app.close()


# Running ------------------------------------------------------------------------------


@contextmanager
def status(message: str) -> Iterator[None]:
    with console.status(message):
        yield


def run(database: Database, args: argparse.Namespace, scratch: Path) -> Report:
    report = Report()
    chosen = set(args.figures)
    readings: list[MemoryReading] = []
    if chosen & HISTORY_FIGURES:
        readings = generate_history(database, args, report)
    if "size" in chosen:
        size_lines(database, readings, report)
    if "rebuild" in chosen:
        rebuild_lines(database, args.rounds, report)
    elif "queries" in chosen:
        build_views(database)
    if "verify" in chosen:
        verify_lines(database, report)
    if "replay" in chosen:
        replay_lines(database, args.repeat, report)
    if chosen & SERVER_FIGURES:
        with status("creating the tokens"):
            tokens = load.tokens_for(database)
        server = Server(database, load_args(1, args), scratch / "server.log")
        with load.running(server):
            with status(f"starting the server on {server.url}"):
                server.wait_until_healthy()
            try:
                if "queries" in chosen:
                    query_lines(database, server.url, args.repeat, report)
                raws: dict[int, Measurement] = {}
                if "write" in chosen:
                    raws = write_lines(database, server, tokens, args, report)
                if "lag" in chosen:
                    lag_lines(
                        database,
                        server,
                        tokens,
                        args,
                        raws.get(16),
                        scratch / "projector.log",
                        report,
                    )
            except Exception:
                console.print(
                    f"the server's last output:\n{server.log_tail()}", markup=False
                )
                raise
    return report


def print_table(report: Report, about: str, seconds: float) -> None:
    out = print
    out()
    out(f"Benchmark, {about}; run time {seconds / 60:.1f} min.")
    out()
    out("| figure | ours | raw database, same run | ratio | target | |")
    out("|---|---|---|---|---|---|")
    for line in report.lines:
        verdict = {True: "met", False: "**MISSED**", None: ""}[line.met]
        out(
            f"| {line.figure} | {line.ours} | {line.baseline} | {line.ratio} "
            f"| {line.target} | {verdict} |"
        )
    out()
    for note in report.notes:
        out(f"- {note}")
    missed = report.missed
    if missed:
        out(f"{len(missed)} target(s) missed: " + "; ".join(m.figure for m in missed))
    else:
        out("every target met")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument(
        "figures",
        nargs="*",
        metavar="FIGURE",
        help=f"some of {', '.join(FIGURES)} (default: all)",
    )
    parser.add_argument(
        "--trajectories",
        type=int,
        default=100_000,
        help="demo trajectories in the history (default 100,000: about 2.5 "
        "million events)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the demo's seed")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="generator processes (default: one per core)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=15.0,
        help="seconds measured for each write load (default 15)",
    )
    parser.add_argument(
        "--raw-seconds",
        type=float,
        default=5.0,
        help="seconds of each raw INSERT + COMMIT measurement (default 5)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rebuild rounds (default 2, the best)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=50,
        help="calls timed per replay and query figure (default 50)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="the PostgreSQL server (default: %(default)s, or "
        "TRAJECTORY_BENCH_DATABASE_URL); the run creates a database of its own",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    args = parser.parse_args(argv)
    unknown = [f for f in args.figures if f not in FIGURES]
    if unknown:
        parser.error(
            f"no figure {', '.join(unknown)}: the figures are {', '.join(FIGURES)}"
        )
    args.figures = args.figures or list(FIGURES)
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be a postgresql:// URL")
    if args.trajectories < 1 or args.workers < 1 or args.rounds < 1:
        parser.error("--trajectories, --workers and --rounds must be at least 1")
    if args.duration <= 0 or args.raw_seconds <= 0 or args.repeat < 2:
        parser.error("--duration and --raw-seconds > 0, --repeat >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, load.interrupt)  # cleans up as Ctrl-C does
    started = time.perf_counter()
    fresh = FreshDatabase(args.database_url, f"bench_{uuid.uuid4().hex[:8]}")
    try:
        fresh.create()
    except psycopg.Error as error:
        console.print(f"cannot create a database on {args.database_url}: {error}")
        return 2
    console.print(f"database {fresh.name} created", highlight=False)
    try:
        about = machine(fresh.database)
        with tempfile.TemporaryDirectory(prefix="bench_") as scratch:
            report = run(fresh.database, args, Path(scratch))
    except KeyboardInterrupt:
        console.print("interrupted: stopping, dropping the database")
        return 130
    finally:
        if args.keep:
            console.print(f"database {fresh.name} kept", highlight=False)
        else:
            with status(f"dropping database {fresh.name}"):
                fresh.drop()
    print_table(report, about, time.perf_counter() - started)
    return 1 if args.strict and report.missed else 0


if __name__ == "__main__":
    sys.exit(main())
