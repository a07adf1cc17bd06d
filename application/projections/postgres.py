"""The views on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row

from application.projections.sql import Cursor
from application.projections.sql import R
from application.projections.sql import RebuildInProgress
from application.projections.sql import json_text
from application.projections.sql import where_also
from application.projections.view import ProjectionView

SQL_TYPES = {
    "uuid": "uuid",
    "text": "text",
    "date": "date",
    "int": "integer",
    "bool": "boolean",
    "real": "double precision",
    "json": "text",
}


class PostgresCursor(Cursor):
    cursor: psycopg.Cursor[Any]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql.encode(), params or None)


class PostgresView(ProjectionView[R]):
    datastore: PostgresDatastore

    @contextmanager
    def writing(self) -> Iterator[PostgresCursor]:
        with self.datastore.get_connection() as connection, connection.transaction():
            yield PostgresCursor(connection.cursor(row_factory=tuple_row))

    @contextmanager
    def reading(self) -> Iterator[PostgresCursor]:
        with self.datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(
                b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            )
            yield PostgresCursor(cursor)

    @contextmanager
    def scratch(self) -> Iterator[PostgresCursor]:
        with self.writing() as cursor:
            # Idle while the replay's scan sorts: not a stuck client.
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            yield cursor

    def name(self, table: str) -> str:
        return f'"{self.datastore.schema}"."{table}"'

    def sql_type(self, kind: str) -> str:
        return SQL_TYPES[kind]

    def lock_setup(self, cursor: Cursor) -> None:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            (f"trajectory views setup {self.datastore.schema}",),
        )

    def view_exists(self, cursor: Cursor) -> bool:
        cursor.execute("SELECT to_regclass(%s)", (self.name(self.table),))
        row = cursor.fetchone()
        return row is not None and row[0] is not None

    def lock_view(self, cursor: Cursor) -> None:
        cursor.execute(
            f"SELECT 1 FROM {self.name('projection_generations')} "
            "WHERE view = %s FOR UPDATE",
            (self.table,),
        )

    def reader(self, kind: str) -> Callable[[Any], Any] | None:
        if kind == "date":
            return date.isoformat
        if kind == "json":
            return orjson.loads
        return None

    def writer(self, kind: str) -> Callable[[Any], Any] | None:
        if kind == "json":
            return json_text
        return None

    def select_rows(
        self, cursor: Cursor, table: str, ids: Sequence[UUID]
    ) -> list[Sequence[Any]]:
        if not ids:
            return []
        columns = ", ".join(c.name for c in self.columns)
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE trajectory_id = ANY(%s)",
            (list(ids),),
        )
        return cursor.fetchall()

    def upsert_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        assert isinstance(cursor, PostgresCursor)
        names = [c.name for c in self.columns]
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names[1:])
        cursor.cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))}) "
            f"ON CONFLICT (trajectory_id) DO UPDATE SET {updates}".encode(),
            rows,
        )

    def append_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        assert isinstance(cursor, PostgresCursor)
        # Rows of a generation no query reads yet, or of a temporary table: their
        # commit need not wait for the disk. The switch to the generation commits
        # synchronously, which makes every commit before it durable too.
        cursor.cursor.execute(b"SET LOCAL synchronous_commit = off")
        names = ", ".join(c.name for c in self.columns)
        statement = f"COPY {table} ({names}) FROM STDIN"
        with cursor.cursor.copy(statement.encode()) as copy:
            for row in rows:
                copy.write_row(row)

    def temporary_name(self, table: str) -> str:
        return f'"pg_temp"."{table}"'

    def values_aggregate(self, column: str) -> str | None:
        # Not percentile_cont: an ordered-set aggregate makes PostgreSQL sort every
        # row by its group before aggregating, where a list lets it hash the groups.
        return f"array_agg({column}) FILTER (WHERE {column} IS NOT NULL)"

    def analyze(self, cursor: Cursor, table: str) -> None:
        # Without statistics (a table just filled, before autovacuum's analyze; a
        # temporary table, which it never analyzes) the planner guesses the rows
        # and the groups, and sorts where it would hash.
        cursor.execute(f"ANALYZE {table}")

    def median(self, column: str, dims: Sequence[str], table: str, where: str) -> str:
        condition = where_also(where, f"{column} IS NOT NULL")
        group = f"GROUP BY {', '.join(dims)}" if dims else ""
        selected = ", ".join([*dims, ""])
        return (
            f"SELECT {selected}percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}) "
            f"FROM {table} {condition} {group}"
        )

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        key = f"trajectory rebuild {self.datastore.schema}.{self.table}"
        with self.datastore.get_connection() as connection:
            taken = connection.execute(
                b"SELECT pg_try_advisory_lock(hashtext(%s))", (key,)
            ).fetchone()
            if not (taken and next(iter(taken.values()))):
                raise RebuildInProgress(self.table)
            try:
                yield
            finally:
                connection.execute(b"SELECT pg_advisory_unlock(hashtext(%s))", (key,))
