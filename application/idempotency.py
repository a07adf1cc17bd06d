"""Safe retries: the first answer to a write sent with an ``Idempotency-Key``.

The record is written in the same transaction as the events it answers for (see
``storage.PostgresEventRecorder``), so it exists if and only if they do. It holds which
aggregate the write created or changed and the version it reached, not the answer's
text: a retry is answered from it, and no personal data is copied into it.

What was asked is told by a fingerprint (``request_fingerprints``): a JSON body counts
by its value, not its bytes, so a client that serialises its object again (keys in
another order, other whitespace) is answered, as a retry, not refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.errors import IdempotencyKeyReused
from application.storage import IDEMPOTENCY_TABLE
from application.storage import SideTables

KEPT_FOR = timedelta(days=7)  # a retry later than this is a new request


def canonical_body(body: bytes) -> bytes:
    """What identifies a request's body: a JSON body as canonical JSON (keys sorted,
    no insignificant whitespace, non-ASCII escaped), any other body (a file, none)
    as its bytes.

    The value is read with ``json.loads``, as Starlette reads the body for the
    routes, so two bodies count as the same request exactly when the service reads
    the same value from them, types included: ``{"a": 1, "b": 2}`` and
    ``{"b":2,"a":1}`` do, while ``1`` and ``1.5``, ``1`` and ``1.0``, ``"38"`` and
    ``38``, ``1`` and ``true``, or a field more or less do not. A body sent in the
    canonical form has the fingerprint its bytes had before (see
    ``request_fingerprints``)."""
    try:
        value = json.loads(body)
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):  # not JSON (or none the service reads)
        return body
    return text.encode("ascii")


def request_fingerprints(
    fingerprint: Callable[..., str],
    method: str,
    path: str,
    if_match: str,
    body: bytes,
) -> tuple[str, tuple[str, ...]]:
    """The fingerprint of a request (``fingerprint`` is ``Keyring.fingerprint``, a
    keyed hash), and the ones it had before, for ``IdempotencyKey``.

    Until this release the fingerprint was taken over the body's bytes. Records are
    kept for ``KEPT_FOR`` (7 days), so after an upgrade a retry can find a record
    stored by the earlier code: typically the retry of a write sent just before the
    restart, which is when clients retry. The fingerprint of the bytes is therefore
    accepted too (``IdempotencyKey.earlier``), which answers such a retry when its
    bytes are the ones first sent, as the earlier code did; a record stored from now
    on holds only the canonical fingerprint. This cannot match a different request:
    bytes equal to another body's canonical form are JSON of the same value. Once
    every process has run this code for ``KEPT_FOR``, no record that only the bytes
    match is left, and ``earlier`` could go; it costs one hash per keyed write.
    Running the earlier code again (a rollback, or a rolling update's older process)
    refuses as key reuse the retry of a record stored by this code whose bytes are
    not canonical (422, nothing recorded): safe, as it was for any re-serialised
    body before."""
    canonical = canonical_body(body)
    current = fingerprint(method, path, if_match, canonical)
    if canonical == body:
        return current, ()
    return current, (fingerprint(method, path, if_match, body),)


@dataclass(frozen=True)
class IdempotencyKey:
    """A caller's key for one request: ``scope`` keeps callers' keys apart and
    ``fingerprint`` identifies what was asked (``request_fingerprints``); a stored
    record with one of the ``earlier`` fingerprints, which the same request had
    under earlier code, is its answer too."""

    scope: str
    key: str
    fingerprint: str
    earlier: tuple[str, ...] = ()

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
        if fingerprint != key.fingerprint and fingerprint not in key.earlier:
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
