"""The import's rate against the model's and the database's own, in one run.

    python -m bench.imports [--trajectories 100000] [--workers N]

On a database of its own: the demo generator writes ``--trajectories`` into one
schema (the model's rate: the domain and the store, no file); `trajectory export
--personal-data` writes them as one JSON Lines file; the import reads that file as
`trajectory import` does (twice: once to find where each participant's rows end,
then checking every row and storing each participant's trajectories as they are
read) into an empty second schema with the same programmes, from ``--workers``
processes; then the raw single-row INSERT + COMMIT rate from 16 connections. Each
rate is events/s; the import's is given whole and for its second reading alone.
Peak memory is the largest resident size of the importing processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from application.service import Trajectories
from application.settings import Settings
from bench import load
from bench.console import console
from bench.console import progress_bar
from bench.console import status
from bench.options import add_history
from bench.options import add_server
from bench.options import check_server
from bench.rebuild import Database
from interfaces.demo.loading import load_demo_in_parallel
from interfaces.demo.loading import register_seed_programmes
from interfaces.demo.seeds import SEED_PROGRAMMES
from interfaces.records.columns import columns
from interfaces.records.export import rows_of
from interfaces.records.files import scan_file
from interfaces.records.files import write_table
from interfaces.records.parallel import import_groups
from interfaces.records.rows import FilePlan

HORIZON = date(2026, 12, 6)  # the demo's load date: the same data every run
TARGET = 10_000  # events/s, for an import of 100,000 trajectories


def megabytes(kilobytes: int) -> str:
    return f"{kilobytes / 1024:,.0f} MB"


@dataclass(frozen=True)
class Imported:
    """An import of a history's own export into an empty schema."""

    trajectories: int
    events: int
    file_bytes: int
    checking: float  # s: the first reading of the file (whose rows end where)
    storing: float  # s: the second: checking and storing, as the rows are read
    memory: int  # KiB: the largest resident size of one importing process
    workers: int

    @property
    def whole(self) -> float:
        return self.events / (self.checking + self.storing)

    @property
    def stored(self) -> float:
        return self.events / self.storing


def export_and_import(
    source: Database, target: Database, workers: int, scratch: Path
) -> Imported:
    """`trajectory export --personal-data` of ``source`` as JSON Lines, imported
    into ``target`` (a new schema, given the same programmes) from ``workers``
    processes; refused if the import refuses anything of it."""
    target.create_schema()
    target_settings = Settings(database_url=target.schema_url)
    with status("export --personal-data, JSON Lines"):
        file = export_file(Settings(database_url=source.schema_url), scratch)
    app = Trajectories(target_settings)
    try:
        register_seed_programmes(app, "admin", HORIZON)
    finally:
        app.close()
    # Imported by a process of its own, as `trajectory import` would: its peak
    # memory is then the import's, not this process's.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        with status(f"import, {workers} processes"):
            return pool.submit(import_file, target_settings, file, workers).result()


def export_file(settings: Settings, scratch: Path) -> Path:
    """`trajectory export --personal-data` of the store's demo trajectories (those
    of the seed programmes: not those the write figures of `python -m bench` add in
    a programme of their own), as one JSON Lines file, written a trajectory at a
    time."""
    app = Trajectories(settings)
    file = scratch / "export.jsonl"
    seeded = {seed.code for seed in SEED_PROGRAMMES}
    try:
        with file.open("wb") as out:
            for history in app.histories_of(None, personal_data=True):
                if history.events[0].programme not in seeded:
                    continue
                out.write(write_table(columns(), rows_of(history), "jsonl", HORIZON))
    finally:
        app.close()
    return file


def own_peak() -> int:
    """This process's peak resident size in KiB since it started its program
    (``VmHWM``). Its ``ru_maxrss`` also counts the copy of its parent it was forked
    as before that: a benchmark that has grown by then would be counted as the
    import's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def import_file(settings: Settings, file: Path, workers: int) -> Imported:
    """The import of ``file`` into ``settings``' store, timed. Run in a fresh process
    (its peak memory is measured). Refused if the import refuses anything of it: a
    national register number is one person's in a demo load, so its own export holds
    nothing to refuse."""
    started = time.perf_counter()
    planned = FilePlan(lambda: scan_file(file, "jsonl"))
    checked = time.perf_counter()
    report = import_groups(
        settings, planned.groups(), workers=workers, recorded_by="import", dry_run=False
    )
    finished = time.perf_counter()
    if report.refused or planned.refused:
        problems = [
            f"{outcome.reference} row {outcome.row}: {outcome.refusal}"
            for outcome in report.refused[:5]
        ]
        raise RuntimeError(
            f"the import refused {len(report.refused) + len(planned.refused)} "
            "trajectories of the history's own export: " + "; ".join(problems)
        )
    return Imported(
        trajectories=planned.trajectories,
        events=report.events,
        file_bytes=file.stat().st_size,
        checking=checked - started,
        storing=finished - checked,
        memory=max(own_peak(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
        workers=workers,
    )


def run(database: Database, args: argparse.Namespace, scratch: Path) -> list[str]:
    source = Database(database.url, "import_source")
    source.create_schema()
    with progress_bar() as progress:
        task = progress.add_task("demo generator", total=args.trajectories)
        started = time.perf_counter()
        summary = load_demo_in_parallel(
            Settings(database_url=source.schema_url),
            trajectories=args.trajectories,
            seed=args.seed,
            workers=args.workers,
            horizon=HORIZON,
            progress=lambda n: progress.advance(task, n),
        )
        demo_seconds = time.perf_counter() - started
    imported = export_and_import(
        source, Database(database.url, "import_target"), args.workers, scratch
    )
    load.create_raw_table(database)
    with status("raw INSERT + COMMIT, 16 connections"):
        raw = load.raw_inserts(database, 16, args.raw_seconds, False, "raw")
    demo = summary.events / demo_seconds
    return [
        f"import of {imported.trajectories:,} trajectories, {imported.events:,} "
        f"events ({imported.file_bytes / 1e6:,.0f} MB of JSON Lines), "
        f"{imported.workers} processes:",
        f"  whole (read, check, store): {imported.whole:,.0f} events/s; "
        f"{imported.whole / raw.rate:.1%} of raw, {imported.whole / demo:.0%} of "
        f"the demo generator; target >= {TARGET:,}/s: "
        f"{'met' if imported.whole >= TARGET else 'missed'}",
        f"  checking and storing (the second reading): {imported.stored:,.0f} "
        f"events/s ({imported.storing:,.1f} s)",
        f"  the first reading (where each participant's rows end): "
        f"{imported.checking:,.1f} s",
        f"  peak memory: {megabytes(imported.memory)}",
        f"demo generator: {demo:,.0f} events/s ({summary.events:,} events, "
        f"{demo_seconds:,.1f} s, {args.workers} processes)",
        f"raw INSERT + COMMIT, 16 connections: {raw.rate:,.0f}/s",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description=__doc__.split("\n\n")[0]
    )
    add_server(parser, keeps="database")
    add_history(parser, trajectories=100_000, events="about 2.4 million events")
    parser.add_argument(
        "--raw-seconds", type=float, default=10.0, help="seconds of raw INSERTs"
    )
    args = parser.parse_args(argv)
    check_server(parser, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from bench.__main__ import FreshDatabase  # the same fresh database as make bench

    args = parse_args(argv)
    fresh = FreshDatabase(args.database_url, f"bench_{uuid.uuid4().hex[:8]}")
    fresh.create()
    try:
        with tempfile.TemporaryDirectory(prefix="bench_import_") as scratch:
            lines = run(fresh.database, args, Path(scratch))
    finally:
        if not args.keep:
            fresh.drop()
    for line in lines:
        console.print(line, highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
