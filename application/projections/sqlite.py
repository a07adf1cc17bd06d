"""The views on SQLite."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.sqlite import SQLiteDatastore

from application.projections.sql import Cursor
from application.projections.sql import R
from application.projections.sql import RebuildInProgress
from application.projections.sql import json_text
from application.projections.sql import where_also
from application.projections.view import ProjectionView

SQL_TYPES = {
    "uuid": "TEXT",
    "text": "TEXT",
    "date": "TEXT",
    "int": "INTEGER",
    "bool": "INTEGER",
    "real": "REAL",
    "json": "TEXT",
}
IN_CHUNK = 500

_memory_locks: dict[str, threading.Lock] = {}


class SQLiteViewCursor(Cursor):
    cursor: sqlite3.Cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql.replace("%s", "?"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cursor.executemany(sql.replace("%s", "?"), rows)


class SQLiteView(ProjectionView[R]):
    datastore: SQLiteDatastore

    @contextmanager
    def writing(self) -> Iterator[SQLiteViewCursor]:
        with self.datastore.transaction(commit=True) as cursor:
            yield SQLiteViewCursor(cursor.sqlite_cursor)

    @contextmanager
    def reading(self) -> Iterator[SQLiteViewCursor]:
        with self.datastore.transaction(commit=False) as cursor:
            yield SQLiteViewCursor(cursor.sqlite_cursor)

    @contextmanager
    def scratch(self) -> Iterator[SQLiteViewCursor]:
        """A private in-memory database: a long replay never holds the file's
        write lock, and the metric SQL runs on it as on the file."""
        connection = sqlite3.connect(":memory:")
        try:
            yield SQLiteViewCursor(connection.cursor())
        finally:
            connection.close()

    def name(self, table: str) -> str:
        return f'"{table}"'

    def sql_type(self, kind: str) -> str:
        return SQL_TYPES[kind]

    def lock_setup(self, cursor: Cursor) -> None:
        # A write first: SQLite then holds its write lock for the transaction (a
        # read first would have to upgrade, which fails if another wrote meanwhile).
        try:
            cursor.execute("DELETE FROM projection_setup_lock")
        except sqlite3.OperationalError:  # no such table, yet
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS projection_setup_lock (held INTEGER)"
            )

    def view_exists(self, cursor: Cursor) -> bool:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = %s",
            (self.table,),
        )
        return cursor.fetchone() is not None

    def lock_view(self, cursor: Cursor) -> None:
        # A write first: the transaction holds SQLite's write lock from here on.
        cursor.execute(
            f"UPDATE {self.name('projection_generations')} SET active = active "
            "WHERE view = %s",
            (self.table,),
        )

    def reader(self, kind: str) -> Callable[[Any], Any] | None:
        readers: dict[str, Callable[[Any], Any]] = {
            "uuid": UUID,
            "bool": bool,
            "json": orjson.loads,
        }
        return readers.get(kind)

    def writer(self, kind: str) -> Callable[[Any], Any] | None:
        writers: dict[str, Callable[[Any], Any]] = {
            "uuid": str,
            "bool": int,
            "json": json_text,
        }
        return writers.get(kind)

    def select_rows(
        self, cursor: Cursor, table: str, ids: Sequence[UUID]
    ) -> list[Sequence[Any]]:
        columns = ", ".join(c.name for c in self.columns)
        found: list[Sequence[Any]] = []
        for start in range(0, len(ids), IN_CHUNK):
            chunk = [str(i) for i in ids[start : start + IN_CHUNK]]
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE trajectory_id IN "
                f"({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            found += cursor.fetchall()
        return found

    def upsert_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        self._insert(cursor, "INSERT OR REPLACE", table, rows)

    def append_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        self._insert(cursor, "INSERT", table, rows)

    def _insert(
        self, cursor: Cursor, verb: str, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        assert isinstance(cursor, SQLiteViewCursor)
        names = [c.name for c in self.columns]
        cursor.executemany(
            f"{verb} INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})",
            rows,
        )

    def temporary_name(self, table: str) -> str:
        return f'temp."{table}"'

    def median(self, column: str, dims: Sequence[str], table: str, where: str) -> str:
        """SQLite has no percentile: number the values per group and average the
        middle one, or the middle two."""
        condition = where_also(where, f"{column} IS NOT NULL")
        partition = f"PARTITION BY {', '.join(dims)} " if dims else ""
        selected = ", ".join([*dims, ""])
        group = f"GROUP BY {', '.join(dims)}" if dims else ""
        return (
            f"SELECT {selected}AVG(value) FROM ("
            f"SELECT {selected}{column} AS value, "
            f"ROW_NUMBER() OVER ({partition}ORDER BY {column}) AS n, "
            f"COUNT(*) OVER ({partition[:-1] if partition else ''}) AS total "
            f"FROM {table} {condition}"
            f") AS numbered WHERE n IN ((total + 1) / 2, (total + 2) / 2) {group}"
        )

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        pool = self.datastore.pool
        db_name = pool.db_name
        if pool.is_sqlite_memory_mode:
            lock = _memory_locks.setdefault(f"{db_name}:{self.table}", threading.Lock())
            if not lock.acquire(blocking=False):
                raise RebuildInProgress(self.table)
            try:
                yield
            finally:
                lock.release()
            return
        path = Path(f"{db_name}.{self.table}.rebuild-lock")
        with path.open("a") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildInProgress(self.table) from None
            try:
                yield
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)
