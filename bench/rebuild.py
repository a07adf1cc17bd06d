"""Rebuild benchmark: a full rebuild of the outcome view on PostgreSQL, against how
fast a client can read the events table at all, measured in the same run.

    .venv/bin/python -m bench.rebuild [--trajectories N] [--rounds R] [--keep]

In a fresh schema it generates a demo history (half of it, then the rest, with one
generator process per core), measures the peak memory of a rebuild in a fresh process
at both sizes, then times in interleaved rounds: the raw SELECT of the events table
(three ways, the fastest is the baseline), the rebuild's own query alone, that query
decoded and grouped by trajectory, and the full rebuilds of the outcome and caseload
views. It prints the best of each round, the ratios and the targets. Run it by hand:
it is never a timed test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import multiprocessing
import os
import pstats
import sys
import time
import uuid
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from functools import partial
from typing import Any

import psycopg

from application.projections.events import TRAJECTORY_TOPICS
from application.service import Trajectories
from application.settings import Settings
from application.storage import connect
from application.views import Views
from bench.console import console
from bench.console import progress_bar
from bench.console import status
from bench.options import add_history
from bench.options import add_server
from bench.options import check_server
from interfaces.demo.loading import BLOCK_SIZE
from interfaces.demo.loading import load_demo_in_parallel

TARGET_EVENTS_PER_SECOND = 50_000
TARGET_SHARE_OF_RAW_SCAN = 0.15
FLAT_MEMORY_GROWTH = 0.10  # peak RSS may grow this much when the history doubles
EVENTS_TABLE = "trajectories_events"
SCAN_COLUMNS = "originator_id, originator_version, topic, state, notification_id"


# The database -------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """The server and the benchmark's schema in it."""

    url: str  # without a schema
    schema: str

    @property
    def schema_url(self) -> str:
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}schema={self.schema}"

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        return connect(Settings(database_url=self.url).library_env(), **kwargs)

    @property
    def events_table(self) -> str:
        return f'"{self.schema}"."{EVENTS_TABLE}"'

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.connect() as connection:
            row = connection.execute(sql.encode(), params or None).fetchone()
        return row[0] if row else None

    def create_schema(self) -> bool:
        """Creates the schema; False when it was there already."""
        with self.connect(autocommit=True) as connection:
            exists = connection.execute(
                b"SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE SCHEMA "{self.schema}"'.encode())
        return not exists

    def drop_schema(self) -> None:
        with self.connect(autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{self.schema}" CASCADE'.encode())

    def vacuum_analyze(self) -> None:
        with self.connect(autocommit=True) as connection:
            tables = connection.execute(
                b"SELECT tablename FROM pg_tables WHERE schemaname = %s",
                (self.schema,),
            ).fetchall()
            for (table,) in tables:
                connection.execute(
                    f'VACUUM (ANALYZE) "{self.schema}"."{table}"'.encode()
                )

    def history(self) -> History:
        with self.connect() as connection:
            row = connection.execute(
                f"SELECT count(*), coalesce(max(notification_id), 0), "
                f"count(*) FILTER (WHERE topic = ANY(%s)), "
                f"count(DISTINCT originator_id) FILTER (WHERE topic = ANY(%s)) "
                f"FROM {self.events_table}".encode(),
                (list(TRAJECTORY_TOPICS), list(TRAJECTORY_TOPICS)),
            ).fetchone()
        assert row is not None
        return History(*(int(value) for value in row))


@dataclass(frozen=True)
class History:
    events: int  # every event in the log
    head: int
    trajectory_events: int
    trajectories: int


# Generating the history ---------------------------------------------------------------


def generate(
    database: Database, trajectories: int, seed: int, workers: int, blocks: range
) -> int:
    """Generates ``blocks`` of the demo history of ``trajectories`` trajectories
    (as `trajectory demo --workers` does); returns the trajectory events made."""
    progress = progress_bar()
    made = min(blocks.stop * BLOCK_SIZE, trajectories) - blocks.start * BLOCK_SIZE
    with progress:
        task = progress.add_task(f"generating ({workers} processes)", total=made)
        summary = load_demo_in_parallel(
            Settings(database_url=database.schema_url),
            trajectories=trajectories,
            seed=seed,
            workers=workers,
            blocks=blocks,
            progress=lambda n: progress.advance(task, n),
        )
    return summary.events


# Reading the table raw ----------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Rows read in so many seconds."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def scan_stream(database: Database, chunk: int, binary: bool) -> Timing:
    """Every row and column of the events table, through ``cursor.stream`` in
    chunks (libpq's chunked rows mode), the call the rebuild reads with."""
    with database.connect() as connection:
        cursor = connection.cursor()
        rows = 0
        started = time.perf_counter()
        for _ in cursor.stream(
            f"SELECT {SCAN_COLUMNS} FROM {database.events_table}".encode(),
            binary=binary,
            size=chunk,
        ):
            rows += 1
        return Timing(rows, time.perf_counter() - started)


def scan_server_cursor(database: Database, chunk: int) -> Timing:
    """Every row and column of the events table, through a server-side (named)
    cursor in binary format, fetched ``chunk`` rows at a time."""
    with database.connect() as connection, connection.transaction():
        cursor = connection.cursor(name="bench_raw_scan", binary=True)
        rows = 0
        started = time.perf_counter()
        cursor.execute(f"SELECT {SCAN_COLUMNS} FROM {database.events_table}".encode())
        while batch := cursor.fetchmany(chunk):
            rows += len(batch)
        return Timing(rows, time.perf_counter() - started)


def drain_query(views: Views, name: str, head: int) -> Timing:
    """The rebuild's own query (its topics, ordered by trajectory), rows drained
    without decoding."""
    topics = views.projection(name).topics
    rows = 0
    started = time.perf_counter()
    for _ in views.source.stream(topics, head):
        rows += 1
    return Timing(rows, time.perf_counter() - started)


def drain_decoded(views: Views, name: str, head: int) -> Timing:
    """The rebuild's query, each row's JSON decoded and grouped by trajectory, as
    the fold receives it; nothing folded or written."""
    topics = views.projection(name).topics
    rows = 0
    started = time.perf_counter()
    for events in views.source.trajectories(topics, head):
        rows += len(events)
    return Timing(rows, time.perf_counter() - started)


def timed_rebuild(views: Views, name: str, head: int) -> Timing:
    """A full blue/green rebuild of the view, as ``trajectory rebuild`` runs it."""
    report = views.rebuild(name)
    if report.head != head:
        raise RuntimeError(f"the log moved during the benchmark: {report}")
    return Timing(report.events, report.seconds)


# Peak memory in a fresh process -------------------------------------------------------


@dataclass(frozen=True)
class MemoryReading:
    view: str
    log_events: int
    events_read: int
    rss_before_kib: int
    peak_kib: int
    seconds: float


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _rebuild_measuring_memory(database_url: str, name: str) -> MemoryReading:
    app = Trajectories(Settings(database_url=database_url))
    try:
        views = Views(app)
        before = _status_kib("VmRSS")
        report = views.rebuild(name)
        peak = _status_kib("VmHWM")
        return MemoryReading(
            name, report.head, report.events, before, peak, report.seconds
        )
    finally:
        app.close()


def measure_memory(database: Database, name: str) -> MemoryReading:
    """Rebuilds the view in a fresh process and reads its peak resident set size
    (VmHWM), so nothing this process holds is counted."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        reading = pool.submit(
            _rebuild_measuring_memory, database.schema_url, name
        ).result()
    events = database.scalar(
        f"SELECT count(*) FROM {database.events_table} WHERE notification_id <= %s",
        (reading.log_events,),
    )
    return replace(reading, log_events=int(events))


# Running the rounds -------------------------------------------------------------------

VIEWS = ("outcomes", "caseload")
RAW_SCANS = ("stream-text", "stream-binary", "server-cursor")


@dataclass
class Results:
    """The fastest round of each measurement, by key: ``raw:<scan>`` or
    ``<view>:query``, ``<view>:decoded``, ``<view>:rebuild``."""

    event_types: dict[str, int]
    best: dict[str, Timing] = field(default_factory=dict)

    def offer(self, key: str, timing: Timing) -> None:
        best = self.best.get(key)
        if best is None or timing.seconds < best.seconds:
            self.best[key] = timing

    def __getitem__(self, key: str) -> Timing:
        return self.best[key]

    @property
    def baseline(self) -> tuple[str, Timing]:
        """The fastest raw scan: the database's own limit for a client."""
        return max(
            ((key, self[f"raw:{key}"]) for key in RAW_SCANS), key=lambda p: p[1].rate
        )


def time_rounds(
    database: Database, views: Views, rounds: int, chunk: int, head: int
) -> Results:
    """Runs every measurement once a round, the rounds one after the other, so
    that noise hits them alike; keeps the fastest of each."""
    steps: list[tuple[str, Callable[[], Timing]]] = [
        ("raw:stream-text", lambda: scan_stream(database, chunk, binary=False)),
        ("raw:stream-binary", lambda: scan_stream(database, chunk, binary=True)),
        ("raw:server-cursor", lambda: scan_server_cursor(database, chunk)),
    ]
    for name in VIEWS:
        steps += [
            (f"{name}:query", partial(drain_query, views, name, head)),
            (f"{name}:decoded", partial(drain_decoded, views, name, head)),
            (f"{name}:rebuild", partial(timed_rebuild, views, name, head)),
        ]
    results = Results(
        event_types={name: len(views.projection(name).topics) for name in VIEWS}
    )
    for round_ in range(1, rounds + 1):
        for key, step in steps:
            with status(f"round {round_}/{rounds}: {key}"):
                timing = step()
            results.offer(key, timing)
            console.print(
                f"  round {round_}/{rounds}  {key:<20} {timing.rows:>10,} rows "
                f"{timing.seconds:8.3f} s {timing.rate:>10,.0f}/s",
                highlight=False,
            )
    return results


# Reporting ----------------------------------------------------------------------------


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_report(
    database: Database,
    history: History,
    results: Results,
    memory: list[MemoryReading],
    rounds: int,
    chunk: int,
) -> bool:
    """Prints the table and the targets; True when every target is met."""
    server = database.scalar("SHOW server_version")
    baseline_key, baseline = results.baseline
    out = print
    out()
    out(
        f"Rebuild benchmark: PostgreSQL {server}, schema {database.schema}, "
        f"{os.cpu_count()} cores"
    )
    out(
        f"history: {history.trajectories:,} trajectories; "
        f"{history.events:,} events in the log up to the head "
        f"({history.trajectory_events:,} of them trajectory events, the rest "
        "participants, enrolments, programmes)"
    )
    out(f"best of {rounds} interleaved rounds; chunk size {chunk:,} rows")
    out("rows/s: rows read per second; for a rebuild, events read/s counts the rows")
    out("its query returned, history events/s counts every event in the log up to")
    out("the head (what the rebuild covers) over the same seconds.")
    out()
    header = (
        f"{'measurement':<56} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'÷raw':>6}"
    )
    out(header)
    out("-" * len(header))

    def line(label: str, rows: int, seconds: float) -> None:
        rate = rows / seconds
        out(
            f"{label:<56} {rows:>10,} {seconds:>8.3f} {rate:>10,.0f} "
            f"{rate / baseline.rate:>6.1%}"
        )

    raw_labels = {
        "stream-text": f"  cursor.stream(size={chunk}), text format (as the rebuild)",
        "stream-binary": f"  cursor.stream(size={chunk}), binary format",
        "server-cursor": f"  server-side cursor, binary format, fetchmany({chunk})",
    }
    out("raw SELECT of the events table, every row and column:")
    for key, label in raw_labels.items():
        line(label, results[f"raw:{key}"].rows, results[f"raw:{key}"].seconds)
    for name in VIEWS:
        out(f"{name} view (its query selects {results.event_types[name]} event types):")
        for label, timing in (
            ("  its query only: rows drained, not decoded", results[f"{name}:query"]),
            (
                "  its query, JSON decoded, grouped by trajectory",
                results[f"{name}:decoded"],
            ),
            ("  full rebuild, events read/s", results[f"{name}:rebuild"]),
        ):
            line(label, timing.rows, timing.seconds)
        seconds = results[f"{name}:rebuild"].seconds
        line("  full rebuild, history events/s", history.events, seconds)
    out(
        f"÷raw: against the fastest raw SELECT ({raw_labels[baseline_key].strip()}), "
        f"{baseline.rate:,.0f} rows/s"
    )

    out()
    out("peak memory of a rebuild in a fresh process (VmHWM; RSS before: after")
    out("imports and connecting, before the rebuild starts):")
    out(
        f"  {'view':<9} {'log events':>11} {'events read':>12} {'seconds':>8} "
        f"{'RSS before':>11} {'peak RSS':>10} {'rebuild adds':>13}"
    )
    for reading in memory:
        out(
            f"  {reading.view:<9} {reading.log_events:>11,} {reading.events_read:>12,} "
            f"{reading.seconds:>8.2f} {mib(reading.rss_before_kib):>11} "
            f"{mib(reading.peak_kib):>10} "
            f"{mib(reading.peak_kib - reading.rss_before_kib):>13}"
        )

    outcomes = results["outcomes:rebuild"]
    read_rate = outcomes.rate
    history_rate = history.events / outcomes.seconds
    floor = TARGET_SHARE_OF_RAW_SCAN * baseline.rate
    checks = [
        (
            f">= {TARGET_EVENTS_PER_SECOND:,} events/s, history events/s",
            f"{history_rate:,.0f}/s",
            history_rate >= TARGET_EVENTS_PER_SECOND,
        ),
        (
            f">= {TARGET_EVENTS_PER_SECOND:,} events/s, events read/s",
            f"{read_rate:,.0f}/s",
            read_rate >= TARGET_EVENTS_PER_SECOND,
        ),
        (
            f">= {TARGET_SHARE_OF_RAW_SCAN:.0%} of the raw scan, history events/s",
            f"{history_rate / baseline.rate:.1%}",
            history_rate >= floor,
        ),
        (
            f">= {TARGET_SHARE_OF_RAW_SCAN:.0%} of the raw scan, events read/s",
            f"{read_rate / baseline.rate:.1%}",
            read_rate >= floor,
        ),
    ]
    outcome_readings = [r for r in memory if r.view == "outcomes"]
    if len(outcome_readings) >= 2:
        small, large = outcome_readings[0], outcome_readings[-1]
        growth = large.peak_kib / small.peak_kib - 1
        checks.append(
            (
                f"peak RSS flat: < {FLAT_MEMORY_GROWTH:.0%} more for "
                f"{large.log_events / small.log_events:.1f}× the history",
                f"{mib(small.peak_kib)} -> {mib(large.peak_kib)} ({growth:+.1%})",
                growth < FLAT_MEMORY_GROWTH,
            )
        )
    else:
        checks.append(("peak RSS flat", "one history size only: not judged", True))
    out()
    out("targets, full rebuild of the outcome view (best round):")
    for target, value, ok in checks:
        out(f"  {target:<52} {value:>28}  {verdict(ok)}")
    return all(ok for _, _, ok in checks)


def profile_rebuild(views: Views, name: str, top: int) -> None:
    """One more rebuild under cProfile, with the functions taking the most time."""
    profiler = cProfile.Profile()
    with status(f"profiling a {name} rebuild"):
        profiler.enable()
        report = views.rebuild(name)
        profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    print()
    print(
        f"cProfile of one {name} rebuild ({report.seconds:.2f} s under the profiler, "
        f"{report.events:,} events read), top {top} by own time:"
    )
    print(text.getvalue().split("\n", 1)[1].strip("\n"))


# The command --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.rebuild", description=__doc__.split("\n\n")[0]
    )
    add_history(parser, trajectories=20_000, events="about 550,000 events")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds (best kept)"
    )
    parser.add_argument(
        "--chunk", type=int, default=2_000, help="rows per chunk of the raw scan"
    )
    add_server(parser, keeps="schema")
    parser.add_argument(
        "--schema",
        help="use this schema: created and filled when missing; when it holds a "
        "history already (from --keep), that history is measured as it is",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one outcome rebuild with cProfile and print the top",
    )
    args = parser.parse_args(argv)
    check_server(parser, args)
    if args.trajectories < 2 or args.workers < 1 or args.rounds < 1:
        parser.error("--trajectories >= 2, --workers >= 1 and --rounds >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    schema = args.schema or f"bench_rebuild_{uuid.uuid4().hex[:8]}"
    database = Database(args.database_url, schema)
    created = database.create_schema()
    console.print(f"schema {schema} ({'created' if created else 'already there'})")
    try:
        ok = run(database, args)
    finally:
        if created and not args.keep:
            with status(f"dropping schema {schema}"):
                database.drop_schema()
        else:
            console.print(f"schema {schema} kept")
    print(f"\nrun time {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def run(database: Database, args: argparse.Namespace) -> bool:
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        table = getattr(app.recorder, "events_table_name", None)
        if table != EVENTS_TABLE:
            raise RuntimeError(f"the events table is {table!r}, not {EVENTS_TABLE!r}")
        views = Views(app)  # sets the view tables up before any child process
        memory: list[MemoryReading] = []
        if database.history().trajectories == 0:
            blocks = math.ceil(args.trajectories / BLOCK_SIZE)
            expected = 0
            for half in (range(0, blocks // 2), range(blocks // 2, blocks)):
                expected += generate(
                    database, args.trajectories, args.seed, args.workers, half
                )
                made = min(half.stop * BLOCK_SIZE, args.trajectories)
                with status("VACUUM ANALYZE"):
                    database.vacuum_analyze()
                check_history(database, made, expected)
                memory += measure_all_memory(database)
        else:
            console.print("measuring the history already in the schema")
            with status("VACUUM ANALYZE"):
                database.vacuum_analyze()
            memory += measure_all_memory(database)
        history = database.history()
        results = time_rounds(database, views, args.rounds, args.chunk, history.head)
        ok = print_report(database, history, results, memory, args.rounds, args.chunk)
        if args.profile:
            profile_rebuild(views, "outcomes", top=25)
        return ok
    finally:
        app.close()


def check_history(
    database: Database, trajectories: int, trajectory_events: int
) -> None:
    """The parallel generators wrote what they reported, and nothing twice."""
    history = database.history()
    console.print(
        f"history: {history.trajectories:,} trajectories, "
        f"{history.trajectory_events:,} trajectory events (the generators made "
        f"{trajectories:,} and {trajectory_events:,}), "
        f"{history.events:,} events in the log, head {history.head:,}",
        highlight=False,
    )
    if (history.trajectories, history.trajectory_events) != (
        trajectories,
        trajectory_events,
    ):
        raise RuntimeError("the log does not hold the events the generators reported")


def measure_all_memory(database: Database) -> list[MemoryReading]:
    readings = []
    for name in VIEWS:
        with status(f"peak memory of a {name} rebuild, in a fresh process"):
            readings.append(measure_memory(database, name))
    return readings


if __name__ == "__main__":
    sys.exit(main())
