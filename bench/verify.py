"""Verify benchmark: recomputing every hash chain of a PostgreSQL store, against how
fast a client can read the same rows at all, measured in the same run.

    .venv/bin/python -m bench.verify [--events 100000] [--rounds 3] [--keep]

In a fresh schema it generates a demo history of about ``--events`` events through the
application (so every event is linked in the write path), then times in interleaved
rounds: the raw read of the events, links and heads in the order a verification
needs them (server-side cursors, no hashing: the baseline), the same rows hashed with
SHA-256 and nothing else, ``Trajectories.verify()``, and the whole ``trajectory
verify`` command in a fresh process. It prints the best of the rounds and the ratios.
Run it by hand: it is never a timed test.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.service import Trajectories
from application.settings import Settings
from bench.options import add_server
from bench.rebuild import Database
from interfaces.demo.loading import load_demo

EVENTS_PER_TRAJECTORY = 28  # about, in the demo's distributions
FETCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    add_server(parser, keeps="schema")
    args = parser.parse_args()

    schema = f"bench_verify_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    database = Database(args.database_url, schema)
    try:
        run(database, args)
    finally:
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")


def run(database: Database, args: argparse.Namespace) -> None:
    url, schema = database.schema_url, database.schema
    service = Trajectories(Settings(database_url=url, group_commit=False))
    try:
        started = time.perf_counter()
        trajectories = max(1, args.events // EVENTS_PER_TRAJECTORY)
        summary = load_demo(service, trajectories=trajectories, seed=1)
        print(
            f"generated {summary.trajectories:,} trajectories ({summary.events:,} "
            f"of their events) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        events = f'"{schema}".trajectories_events'
        queries = [
            "SELECT originator_id, originator_version, topic, state, notification_id "
            f"FROM {events} ORDER BY originator_id, originator_version",
            f'SELECT originator_id, originator_version, hash FROM "{schema}".'
            f"{LINKS_TABLE} ORDER BY originator_id, originator_version",
            f'SELECT originator_id, version, hash FROM "{schema}".{HEADS_TABLE} '
            "ORDER BY originator_id",
        ]
        env = {**os.environ, "TRAJECTORY_DATABASE_URL": url}
        command = [sys.executable, "-m", "interfaces.cli.main", "verify"]
        measures: dict[str, Callable[[], Any]] = {
            "raw read of events, links, heads": lambda: read(database, queries, False),
            "raw read + SHA-256 of each event": lambda: read(database, queries, True),
            "Trajectories.verify()": service.verify,
            "`trajectory verify` (a new process)": lambda: subprocess.run(
                command, env=env, check=True, capture_output=True
            ),
        }
        best = {name: float("inf") for name in measures}
        for _ in range(args.rounds):
            for name, measure in measures.items():
                started = time.perf_counter()
                measure()
                best[name] = min(best[name], time.perf_counter() - started)
        result = service.verify()
        assert result.intact, result.broken
    finally:
        service.close()
    raw = best["raw read of events, links, heads"]
    print(
        f"\n{result.events:,} events in {result.aggregates:,} histories "
        f"({result.snapshotted:,} with snapshots, each replayed), "
        f"best of {args.rounds} rounds\n"
    )
    print(f"| {'measure':<38} | seconds | events/s | × raw read |")
    print(f"|{'-' * 40}|---------|----------|------------|")
    for name, seconds in best.items():
        print(
            f"| {name:<38} | {seconds:7.2f} | {result.events / seconds:8,.0f} "
            f"| {seconds / raw:10.2f} |"
        )


def read(database: Database, queries: list[str], hashing: bool) -> int:
    """Streams the rows as a verification does, in one repeatable-read transaction."""
    rows = 0
    with database.connect() as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for number, query in enumerate(queries):
            with connection.cursor(f"bench_{number}") as cursor:
                cursor.itersize = FETCH
                cursor.execute(query)
                for row in cursor:
                    rows += 1
                    if hashing and number == 0:
                        hashlib.sha256(bytes(row[3])).digest()
    return rows


if __name__ == "__main__":
    main()
