"""Options the benchmarks share: the server they measure on, and the demo history
they generate; and a table of options that take a number."""

from __future__ import annotations

import argparse
import os
import re

DEFAULT_DATABASE_URL = os.environ.get(
    "TRAJECTORY_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def add_server(parser: argparse.ArgumentParser, *, keeps: str) -> None:
    """--database-url, and --keep for what the run creates (a schema, a database)."""
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="the PostgreSQL server (default: %(default)s, or "
        f"TRAJECTORY_BENCH_DATABASE_URL); the run creates a {keeps} of its own",
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the {keeps} at the end"
    )


def add_history(
    parser: argparse.ArgumentParser, *, trajectories: int, events: str
) -> None:
    """--trajectories, --seed and --workers of the demo history to generate."""
    parser.add_argument(
        "--trajectories",
        type=int,
        default=trajectories,
        help=f"demo trajectories in the history (default {trajectories:,}: {events})",
    )
    parser.add_argument("--seed", type=int, default=1, help="the demo's seed")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="generator processes (default: one per core)",
    )


def add_numbers(
    parser: argparse.ArgumentParser, *options: tuple[str, float, str]
) -> None:
    """Options that take a number, each as (flag, default, help): a whole number
    where the default is one."""
    for flag, default, text in options:
        parser.add_argument(flag, type=type(default), default=default, help=text)


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL server (postgresql:// or postgres://)."""
    return url.startswith(("postgresql://", "postgres://"))


def check_server(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuses a --database-url that is not a PostgreSQL server's, or a --schema
    that is not a plain SQL name."""
    schema = getattr(args, "schema", None)
    if schema and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        parser.error("--schema takes a lower-case SQL identifier")
    if not is_postgres_url(args.database_url):
        parser.error("--database-url must be a postgresql:// URL")
    if "schema=" in args.database_url:
        parser.error("--database-url names the server; give the schema with --schema")
