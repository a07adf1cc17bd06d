"""What the views' SQL shares: the cursor a dialect wraps, values as JSON text,
WHERE clauses, the fingerprint of a view's columns, and the errors of its positions
and rebuilds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

import orjson

from application.projections.rows import Column
from application.projections.rows import TrajectoryRow

R = TypeVar("R", bound=TrajectoryRow)

GENERATIONS_TABLE = "projection_generations"
TRACKING_TABLE = "projection_tracking"
COPY_CHUNK = 1_000


class PositionMoved(Exception):
    """Another runner processed these events first: read again from its position."""


class GenerationBehind(Exception):
    """A rebuilt generation must catch up before it can serve."""

    def __init__(self, view: str, position: int, active: int) -> None:
        super().__init__(
            f"{view}: the new generation is at {position}, the old {active}"
        )


class RebuildInProgress(Exception):
    code = "rebuild_in_progress"

    def __init__(self, view: str) -> None:
        super().__init__(f"the {view} view is being rebuilt already")


def json_text(value: Any) -> str:
    """A JSON column's text."""
    return orjson.dumps(value).decode()


def where_also(where: str, condition: str) -> str:
    """A WHERE clause (possibly empty) with one more condition."""
    return f"{where} AND {condition}" if where else f"WHERE {condition}"


def fingerprint(columns: Sequence[Column], revision: int, reading: str = "") -> str:
    """Changes when a view's columns or fold change, or how the events it folds are
    read (``reading``: their versions, retired codes), so old generations are
    rebuilt."""
    text = ",".join(f"{c.name}:{c.kind}" for c in columns) + f";{revision}"
    text += f";{reading}" if reading else ""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Cursor:
    """What the views need of a database cursor (a DB-API one, wrapped): rows come
    back as sequences, and each dialect runs a statement its own way."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def fetchone(self) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self.cursor.fetchone()
        return row

    def fetchall(self) -> list[Sequence[Any]]:
        return list(self.cursor.fetchall())


def chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
