"""The stored rows of a store, exactly as the recorders wrote them, out of a database
into JSON and back into a fresh one: the events with their log positions, the
snapshots, the hash chains' links and heads, and the wrapped data keys."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from application.service import Trajectories
from application.storage import connect

# Table (its name in the store), and its columns in the order they are kept.
TABLES: dict[str, Sequence[str]] = {
    "events": ("notification_id", "originator_id", "originator_version", "topic"),
    "snapshots": ("originator_id", "originator_version", "topic"),
    "event_links": ("originator_id", "originator_version", "hash"),
    "event_chain_heads": ("originator_id", "version", "hash"),
    "participant_keys": ("participant_id", "wrapped", "master_key"),
}
STATE = "state"  # the events' and snapshots' stored bytes


def table_names(service: Trajectories) -> dict[str, str]:
    assert service.snapshots is not None
    events: Any = service.recorder
    snapshots: Any = service.snapshots.recorder
    return {
        "events": events.events_table_name,
        "snapshots": snapshots.events_table_name,
        "event_links": "event_links",
        "event_chain_heads": "event_chain_heads",
        "participant_keys": "participant_keys",
    }


def columns(kind: str) -> list[str]:
    base = list(TABLES[kind])
    return [*base, STATE] if kind in ("events", "snapshots") else base


def as_json(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, UUID):
        return str(value)
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    return value


def dump(service: Trajectories) -> dict[str, list[list[Any]]]:
    """Every row of the tables, in a stable order."""
    names = table_names(service)
    dumped: dict[str, list[list[Any]]] = {}
    with _cursor(service) as run:
        for kind, table in names.items():
            selected = [_column(service, kind, c) for c in columns(kind)]
            rows = run(
                f"SELECT {', '.join(selected)} FROM {_qualified(service, table)} "
                f"ORDER BY {', '.join(selected[:2])}"
            )
            dumped[kind] = [[as_json(v) for v in row] for row in rows]
    return dumped


def load(service: Trajectories, dumped: dict[str, list[list[Any]]]) -> None:
    """Inserts the rows into the (fresh, set-up) store of ``service``."""
    names = table_names(service)
    with _cursor(service) as run:
        for kind, rows in dumped.items():
            table = _qualified(service, names[kind])
            if kind == "participant_keys":
                run(f"DELETE FROM {table}")  # the fresh store's own check row
            targets = [_column(service, kind, c) for c in columns(kind)]
            marks = ", ".join(["%s" if _postgres(service) else "?"] * len(targets))
            for row in rows:
                run(
                    f"INSERT INTO {table} ({', '.join(targets)}) VALUES ({marks})",
                    [from_json(v) for v in row],
                )
        if _postgres(service):
            events = _qualified(service, names["events"])
            run(
                f"SELECT setval(pg_get_serial_sequence('{events}', 'notification_id'),"
                f" (SELECT max(notification_id) FROM {events}))"
            )


def _postgres(service: Trajectories) -> bool:
    return service.settings.is_postgres


def _column(service: Trajectories, kind: str, column: str) -> str:
    """SQLite keeps an event's log position as its rowid."""
    if column == "notification_id" and not _postgres(service):
        return "rowid"
    return column


def _qualified(service: Trajectories, table: str) -> str:
    if not _postgres(service):
        return table
    schema = service.settings.library_env()["POSTGRES_SCHEMA"] or "public"
    return f'"{schema}"."{table}"'


class _cursor:
    """Runs statements in one transaction on the store's database."""

    def __init__(self, service: Trajectories) -> None:
        self.service = service
        self.connection: Any = None

    def __enter__(self) -> Any:
        env = self.service.settings.library_env()
        if _postgres(self.service):
            self.connection = connect(env)
        else:
            self.connection = sqlite3.connect(env["SQLITE_DBNAME"])

        def run(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            cursor = self.connection.cursor()
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

        return run

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.connection.commit()
        else:
            self.connection.rollback()
        self.connection.close()
