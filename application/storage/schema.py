"""Setting up the schema: a connection of its own to the database, and whether this
database role sets the schema up (under a lock) or only checks it."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from application.cluster import connection_options

log = logging.getLogger("trajectory.storage")


class SchemaNotReady(RuntimeError):
    """The service's database role may not set up the schema, and it is not set up."""


def connect(library_env: dict[str, str], **options: Any) -> psycopg.Connection[Any]:
    """A connection of its own (outside the library's pool) to the PostgreSQL
    database that ``library_env`` names (a cluster's primary: ``cluster``), with
    ``options`` for psycopg."""
    return psycopg.connect(
        host=library_env["POSTGRES_HOST"],
        port=library_env["POSTGRES_PORT"],
        dbname=library_env["POSTGRES_DBNAME"],
        user=library_env["POSTGRES_USER"],
        password=library_env["POSTGRES_PASSWORD"],
        **(connection_options(library_env) | options),
    )


@contextmanager
def setting_up_schema(library_env: dict[str, str]) -> Iterator[bool]:
    """Yields whether this database role sets up the schema: on PostgreSQL, when it
    owns the schema (or is a member of the owning role, or a superuser). A service
    role that owns nothing only checks the set-up, even in an empty schema: creating
    the tables would make it their owner, free to drop their triggers.

    While it is open, a role that sets up the schema holds a lock on it (a session
    advisory lock named after the schema), so processes starting at once set it up
    one after the other: concurrent ``CREATE ... IF NOT EXISTS`` statements on the
    same catalogue rows can otherwise fail with "tuple concurrently updated"."""
    if library_env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield True
        return
    schema = library_env["POSTGRES_SCHEMA"] or "public"
    timeout = int(library_env["POSTGRES_CONNECT_TIMEOUT"])
    with connect(library_env, connect_timeout=timeout, autocommit=True) as connection:
        row = connection.execute(
            "SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace "
            "WHERE nspname = %s",
            (schema,),
        ).fetchone()
        manages = row is None or bool(row[0])  # no schema: the library says so
        if not manages:
            yield False
            return
        key = f"trajectory schema {schema}"
        taken = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", (key,)
        ).fetchone()
        if not (taken and taken[0]):
            log.info("waiting for another process setting up schema %s", schema)
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield True
        finally:
            if not connection.closed:
                connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
