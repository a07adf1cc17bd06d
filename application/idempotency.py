"""Safe retries: the first answer to a write sent with an ``Idempotency-Key``.

The record is written in the same transaction as the events it answers for (see
``storage.PostgresEventRecorder``), so it exists if and only if they do. It holds which
aggregate the write created or changed and the version it reached, not the answer's
text: a retry is answered from it, and no personal data is copied into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.errors import IdempotencyKeyReused
from application.storage import IDEMPOTENCY_TABLE
from application.storage import SideTables

KEPT_FOR = timedelta(days=7)  # a retry later than this is a new request


@dataclass(frozen=True)
class IdempotencyKey:
    """A caller's key for one request: ``scope`` keeps callers' keys apart and
    ``fingerprint`` identifies what was asked (``Keyring.fingerprint``)."""

    scope: str
    key: str
    fingerprint: str

    def answered(self, aggregate_id: UUID, version: int) -> IdempotencyRecord:
        return IdempotencyRecord(
            self.scope, self.key, self.fingerprint, aggregate_id, version
        )


@dataclass(frozen=True)
class IdempotencyRecord:
    scope: str
    key: str
    fingerprint: str
    aggregate_id: UUID
    version: int

    def row(self) -> tuple[str, str, str, str, int]:
        return (
            self.scope,
            self.key,
            self.fingerprint,
            str(self.aggregate_id),
            self.version,
        )


class AlreadyAnswered(Exception):
    """A request with the same key committed first, while this one was running."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(f"Idempotency-Key {record.key!r} was answered meanwhile")
        self.record = record


class IdempotencyRecords:
    def __init__(self, tables: SideTables) -> None:
        self.tables = tables
        self.table = tables.name(IDEMPOTENCY_TABLE)
        created_at = (
            "TIMESTAMPTZ NOT NULL DEFAULT now()"
            if tables.postgres
            else "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))"
        )
        tables.create(
            IDEMPOTENCY_TABLE,
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, "
            f"created_at {created_at}, PRIMARY KEY (scope, key))",
        )

    def find(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        """The stored answer for the caller's key; a different request under the
        same key is refused."""
        rows = self.tables.run(
            (
                f"SELECT fingerprint, aggregate_id, version FROM {self.table} "
                "WHERE scope = %s AND key = %s",
                (key.scope, key.key),
            ),
            commit=False,
        )
        if not rows:
            return None
        fingerprint, aggregate_id, version = rows[0]
        if fingerprint != key.fingerprint:
            raise IdempotencyKeyReused(key.key)
        return key.answered(UUID(str(aggregate_id)), int(version))

    def forget_old(self) -> None:
        """Deletes the records older than ``KEPT_FOR``."""
        if self.tables.postgres:
            cutoff = "now() - %s::interval"
            param = f"{KEPT_FOR.days} days"
        else:
            cutoff = "strftime('%Y-%m-%d %H:%M:%f', 'now', %s)"
            param = f"-{KEPT_FOR.days} days"
        self.tables.run(
            (f"DELETE FROM {self.table} WHERE created_at < {cutoff}", (param,))
        )
