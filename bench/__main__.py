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
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import psycopg

from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from bench import figures
from bench import imports
from bench import load
from bench import outage
from bench import rebuild
from bench import reports
from bench import search
from bench import verify
from bench.console import console
from bench.console import progress_bar
from bench.console import status
from bench.figures import LagWatch
from bench.figures import Latencies
from bench.load import BIN
from bench.load import CpuUse
from bench.load import Measurement
from bench.load import Server
from bench.load import raw_inserts
from bench.options import add_history
from bench.options import add_numbers
from bench.options import add_server
from bench.options import check_server
from bench.rebuild import Database
from bench.rebuild import MemoryReading
from bench.rebuild import Timing
from bench.rebuild import mib
from interfaces.demo.loading import BLOCK_SIZE
from interfaces.demo.loading import load_demo_in_parallel
from interfaces.records.files import FileRefused

FIGURES = (
    "write",
    "lag",
    "rebuild",
    "replay",
    "queries",
    "verify",
    "size",
    "outage",
    "search",
    "reports",
    "import",
)
HISTORY_FIGURES = {
    "rebuild",
    "queries",
    "verify",
    "size",
    "search",
    "reports",
    "import",
}
SERVER_FIGURES = {"write", "lag", "queries", "search"}
EVENTS_PER_TRAJECTORY = 27.8  # in the log, per demo trajectory: places the readings
MEMORY_AT = (100_000, 1_000_000)  # events in the log when the memory is read

TARGET_REBUILD = 50_000  # events/s
TARGET_WRITE_P99 = 0.100  # s, at 16 clients
TARGET_LAG_P99 = 1.0  # s
TARGET_LOAD_SNAPSHOTS = 0.020  # s, a 1,000-event trajectory
TARGET_AS_OF_VERSION = 0.050  # s
TARGET_QUERY = 0.300  # s
TARGET_MEMORY_GROWTH = 0.10  # from the first reading to the last
OUTAGE_CLIENTS, OUTAGE_SECONDS = 8, 12.0


# The table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    figure: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generated: float = 0.0  # events/s of the demo generator, once it ran

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


def latency_line(
    figure: str,
    ours: Latencies,
    raw: Latencies,
    raw_read: str,
    target: float | None = None,
) -> Line:
    """Our latencies beside those of the raw read (``raw_read`` says what it
    reads), their medians' ratio, and our p99 against ``target`` if there is one."""
    return Line(
        figure,
        spread(ours),
        f"{spread(raw)} ({raw_read})",
        times(ours.p50, raw.p50),
        "" if target is None else f"p99 < {ms(target)}",
        None if target is None else ours.p99 < target,
    )


# The fresh database -------------------------------------------------------------------


@dataclass(frozen=True)
class FreshDatabase:
    """A database of its own on the server, created and dropped by the run."""

    server_url: str
    name: str

    def create(self) -> None:
        with self._server() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"'.encode())

    def drop(self) -> None:
        with self._server() as connection:
            connection.execute(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'.encode()
            )

    @property
    def database(self) -> Database:
        parts = urlsplit(self.server_url)
        return Database(urlunsplit(parts._replace(path=f"/{self.name}")), "public")

    def _server(self) -> psycopg.Connection[tuple[object, ...]]:
        return Database(self.server_url, "public").connect(autocommit=True)


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
    progress = progress_bar()
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
    report.generated = history.events / seconds
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
    all_rows = f"SELECT of its {replay.events:,} rows"
    report.add(
        latency_line(
            f"replay: load a {replay.events:,}-event trajectory, snapshots",
            replay.with_snapshots,
            replay.raw_all,
            all_rows,
            TARGET_LOAD_SNAPSHOTS,
        )
    )
    report.add(
        latency_line(
            "replay: the same, without snapshots",
            replay.without_snapshots,
            replay.raw_all,
            all_rows,
        )
    )
    report.add(
        latency_line(
            f"replay: as of version {replay.middle_version} (snapshot at "
            f"{replay.snapshot_below_middle})",
            replay.as_of_version,
            replay.raw_middle,
            "SELECT of the rows after the snapshot",
            TARGET_AS_OF_VERSION,
        )
    )
    report.add(
        latency_line(
            "replay: as of that version's date (every event read)",
            replay.as_of_date,
            replay.raw_all,
            all_rows,
        )
    )


def query_lines(database: Database, url: str, repeat: int, report: Report) -> None:
    with status("queries: GET /outcomes and GET /caseload"):
        queries = figures.measure_queries(database, url, repeat)
    report.add(
        latency_line(
            f"query: GET /outcomes?group_by=programme,cohort ({queries.groups} rows "
            f"over {queries.trajectories:,} trajectories)",
            queries.outcomes,
            queries.outcomes_raw,
            "SQL count per group",
            TARGET_QUERY,
        )
    )
    report.add(
        latency_line(
            f"query: GET /caseload?coach={queries.coach} ({queries.page_rows} of "
            f"{queries.coach_rows} open trajectories)",
            queries.caseload,
            queries.caseload_raw,
            "SQL select of the coach's rows",
            TARGET_QUERY,
        )
    )


def report_lines(database: Database, repeat: int, report: Report) -> None:
    """The outcome workbook and the ESF+ report over the whole history
    (bench/reports.py)."""
    with status("reports: the outcome workbook and the ESF+ report"):
        made = reports.measure(database, repeat)
    workbook = (
        f"outcome workbook (3 tables and the definitions, "
        f"{made.workbook_bytes / 1024:,.0f} KiB)"
    )
    esf = (
        f"ESF+ report of {made.programme} {made.year} "
        f"({made.participants:,} participants)"
    )
    by_cohort = (made.workbook_raw, "SQL count per programme and cohort")
    by_gender = (made.esf_raw, "SQL count of the year's intakes by gender")
    for line in (
        Line(
            f"reports: the evaluators' month-end release built "
            f"({made.trajectories:,} trajectories)",
            f"{made.release_seconds:,.1f} s",
        ),
        latency_line(
            f"reports: {workbook}, auditor, live", made.auditor_workbook, *by_cohort
        ),
        latency_line(
            f"reports: {workbook}, evaluator, release under disclosure control",
            made.evaluator_workbook,
            *by_cohort,
        ),
        Line(
            f"reports: an evaluator's widest table, referral source x province x "
            f"cohort ({made.widest_groups:,} groups), the first time",
            f"{made.widest_first:,.1f} s",
        ),
        latency_line(
            "reports: the same table again (its disclosure control kept)",
            made.widest_again,
            *by_cohort,
        ),
        latency_line(f"reports: {esf}, auditor", made.auditor_esf, *by_gender),
        latency_line(
            f"reports: {esf}, evaluator, under disclosure control",
            made.evaluator_esf,
            *by_gender,
        ),
        latency_line(
            f"reports: {esf}, evaluator, as XLSX", made.esf_workbook, *by_gender
        ),
    ):
        report.add(line)


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
    https: dict[int, Measurement] = {}
    rates: dict[int, float] = {}
    for clients in (1, 16):
        with status(f"write: raw INSERT + COMMIT, {clients} connections"):
            raws[clients] = raw_inserts(
                database, clients, args.raw_seconds, False, "raw"
            )
        run = asyncio.run(load.load(server, load_args(clients, args), tokens))
        http, raw = run.measurement, raws[clients]
        https[clients] = http
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
    report.add(cpu_line(https, raws))
    return raws


def cpu_line(https: dict[int, Measurement], raws: dict[int, Measurement]) -> Line:
    """The server's CPU per event recorded over HTTP, against PostgreSQL's per row
    of the raw INSERT + COMMIT runs, over the windows of both client counts."""

    def server(cpu: CpuUse) -> float:
        return cpu.server

    def postgres(cpu: CpuUse) -> float:
        return cpu.postgres

    def cpu_ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    ours = load.cpu_per_event(list(https.values()), server)
    each = [cpu_ms(load.cpu_per_event([https[n]], server)) for n in (1, 16)]
    raw = load.cpu_per_event(list(raws.values()), postgres)
    return Line(
        "write: server CPU per event recorded (user + system), 1 and 16 clients",
        f"{cpu_ms(ours)} ({each[0]} at 1 client, {each[1]} at 16)",
        f"{cpu_ms(raw)} of PostgreSQL's per row (INSERT + COMMIT, 1 and 16 "
        "connections)",
        times(ours, raw),
    )


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


def import_lines(
    database: Database, args: argparse.Namespace, scratch: Path, report: Report
) -> None:
    """The history's own export (`trajectory export --personal-data`) imported into
    an empty schema, against raw INSERTs and the demo generator (bench/imports.py)."""
    try:
        imported = imports.export_and_import(
            database, Database(database.url, "import_target"), args.workers, scratch
        )
    except (RuntimeError, FileRefused) as failed:
        # A refusal is the figure's answer, not the end of the run: every other
        # figure is in the table still.
        report.add(
            Line(
                "import: the history's own export",
                f"failed: {failed}"[:300],
                target=f">= {imports.TARGET:,}/s",
                met=False,
            )
        )
        return
    load.create_raw_table(database)
    with status("import: raw INSERT + COMMIT, 16 connections"):
        raw = raw_inserts(database, 16, args.raw_seconds, False, "raw")
    report.add(
        Line(
            f"import: the history's own export, {imported.trajectories:,} "
            f"trajectories, {imported.file_bytes / 1e6:,.0f} MB of JSON Lines "
            f"({imported.workers} processes; read, check, store)",
            f"{imported.whole:,.0f} events/s ({imported.events:,} events)",
            f"{raw.rate:,.0f}/s (INSERT + COMMIT, 16 connections)",
            share(imported.whole, raw.rate),
            f">= {imports.TARGET:,}/s",
            imported.whole >= imports.TARGET,
        )
    )
    report.add(
        Line(
            "import: checking and storing (its second reading), against the demo "
            "generator",
            f"{imported.stored:,.0f} events/s",
            f"{report.generated:,.0f} events/s (the generate line)",
            share(imported.stored, report.generated) if report.generated else "—",
        )
    )
    report.add(
        Line(
            "import: peak memory of its processes",
            f"{imported.memory / 1024:,.0f} MiB",
            f"its first reading (where each participant's rows end) took "
            f"{imported.checking:,.1f} s",
        )
    )


def outage_lines(scratch: Path, report: Report) -> None:
    """Writes through a database outage, on a cluster of the run's own."""
    with status(
        f"outage: {OUTAGE_CLIENTS} clients writing, the database down "
        f"{OUTAGE_SECONDS:g} s"
    ):
        figures = outage.measure(
            OUTAGE_CLIENTS, 3.0, OUTAGE_SECONDS, scratch / "outage.log"
        )
    for figure, ours, target, met in outage.lines(figures):
        report.add(Line(figure, ours, target=target, met=met))


def search_lines(database: Database, args: argparse.Namespace, report: Report) -> None:
    """Participants found among ``--participants`` (bench/search.py)."""
    settings = Settings(database_url=database.schema_url)
    with status(f"search: registering participants up to {args.participants:,}"):
        started = time.perf_counter()
        registered = search.top_up(settings, args.participants, args.workers, args.seed)
        seconds = time.perf_counter() - started
    database.vacuum_analyze()
    with status("search: searching as an auditor"):
        found = search.measured(settings, registered, seconds, args.repeat, args.seed)
    for line in search.lines(found):
        report.add(Line(*line))


def search_http_line(
    database: Database, url: str, args: argparse.Namespace, report: Report
) -> None:
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        with status("search: GET /participants"):
            http, raw = search.measure_http(app, url, args.repeat, args.seed)
        participants = len(app.search.reader.registered())
    finally:
        app.close()
    report.add(Line(*search.http_line(http, raw, participants)))


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
    elif chosen & {"queries", "reports"}:
        build_views(database)
    if "reports" in chosen:
        report_lines(database, args.repeat, report)
    if "verify" in chosen:
        verify_lines(database, report)
    if "replay" in chosen:
        replay_lines(database, args.repeat, report)
    if "search" in chosen:
        search_lines(database, args, report)
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
                if "search" in chosen:
                    search_http_line(database, server.url, args, report)
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
    if "outage" in chosen:
        outage_lines(scratch, report)
    if "import" in chosen:
        import_lines(database, args, scratch, report)
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
    add_history(parser, trajectories=100_000, events="about 2.5 million events")
    add_numbers(
        parser,
        (
            "--participants",
            search.PARTICIPANTS,
            "participants the search figure searches among: the history's, and "
            f"more registered to reach it (default {search.PARTICIPANTS:,})",
        ),
        ("--duration", 15.0, "seconds measured for each write load (default 15)"),
        (
            "--raw-seconds",
            5.0,
            "seconds of each raw INSERT + COMMIT measurement (default 5)",
        ),
        ("--rounds", 2, "rebuild rounds (default 2, the best)"),
        ("--repeat", 50, "calls timed per replay and query figure (default 50)"),
    )
    add_server(parser, keeps="database")
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
    check_server(parser, args)
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
