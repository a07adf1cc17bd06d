"""Who may do what: roles, the caller a bearer token stands for, and the tokens.

A token is shown once, when it is created; the store keeps only its SHA-256 hash. A
token is 32 random bytes, so a fast hash is as safe as a slow one here: there is no
password to guess, and the hash lets the lookup be a single indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from enum import StrEnum
from uuid import UUID
from uuid import uuid4

from application.errors import InvalidToken
from application.errors import TokenNotFound
from application.storage import SideTables

TOKENS_TABLE = "access_tokens"
TOKEN_PREFIX = "trj_"
CACHE_SECONDS = 5.0  # a revocation reaches other processes within this time


class Role(StrEnum):
    STAFF = "staff"  # one organisation: records events, reads its own trajectories
    AUDITOR = "auditor"  # reads every history, replays, verifies; writes nothing
    EVALUATOR = "evaluator"  # outcome views only: no personal data
    ADMIN = "admin"  # programmes, tokens, erasure, rebuilds


@dataclass(frozen=True)
class Caller:
    """The person or system behind a request's token."""

    token_id: UUID
    name: str
    role: Role
    organisation: str | None  # a staff member's organisation; None for other roles

    @property
    def within(self) -> str | None:
        """The only organisation whose trajectories and participants the caller may
        see, or None for every organisation."""
        return self.organisation if self.role is Role.STAFF else None


@dataclass(frozen=True)
class TokenInfo:
    id: UUID
    name: str
    role: Role
    organisation: str | None
    created_at: datetime
    revoked_at: datetime | None


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Tokens:
    """Access tokens, stored hashed in a table beside the stored events."""

    def __init__(self, tables: SideTables) -> None:
        self.tables = tables
        self.table = tables.name(TOKENS_TABLE)
        self._cache: dict[str, tuple[float, Caller]] = {}
        self._revocations = 0  # a lookup that overlaps a revocation is not cached
        self._lock = threading.Lock()
        tables.create(
            TOKENS_TABLE,
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
            "role TEXT NOT NULL, organisation TEXT, created_at TEXT NOT NULL, "
            "revoked_at TEXT)",
        )

    def create(
        self, *, role: Role, name: str, organisation: str | None = None
    ) -> tuple[TokenInfo, str]:
        """A new token and its secret, which is not stored and cannot be shown again."""
        name = name.strip()
        organisation = organisation.strip() if organisation else None
        if not name or len(name) > 200:
            raise InvalidToken("a token needs a name of 1 to 200 characters")
        if "\x00" in name or (organisation and "\x00" in organisation):
            raise InvalidToken("a token's name and organisation cannot hold a NUL")
        if role is Role.STAFF and not organisation:
            raise InvalidToken("a staff token needs the staff member's organisation")
        if role is not Role.STAFF and organisation:
            raise InvalidToken(f"an {role} token is not tied to an organisation")
        if organisation is not None and len(organisation) > 200:
            raise InvalidToken("an organisation name has at most 200 characters")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(
            id=uuid4(),
            name=name,
            role=role,
            organisation=organisation,
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        self.tables.run(
            (
                f"INSERT INTO {self.table} "
                "(id, hash, name, role, organisation, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    str(info.id),
                    hash_token(secret),
                    info.name,
                    info.role.value,
                    info.organisation,
                    info.created_at.isoformat(),
                ),
            )
        )
        return info, secret

    def list(self) -> list[TokenInfo]:
        rows = self.tables.run(
            (f"SELECT {self._columns} FROM {self.table} ORDER BY created_at, id", ()),
            commit=False,
        )
        return [self._info(row) for row in rows]

    def get(self, token_id: UUID) -> TokenInfo:
        rows = self.tables.run(
            (
                f"SELECT {self._columns} FROM {self.table} WHERE id = %s",
                (str(token_id),),
            ),
            commit=False,
        )
        if not rows:
            raise TokenNotFound(token_id)
        return self._info(rows[0])

    def revoke(self, token_id: UUID) -> TokenInfo:
        """Revokes the token; revoking it again changes nothing."""
        self.tables.run(
            (
                f"UPDATE {self.table} SET revoked_at = %s "
                "WHERE id = %s AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), str(token_id)),
            )
        )
        with self._lock:
            self._revocations += 1
            self._cache.clear()
        return self.get(token_id)

    def revoke_named(self, name: str) -> int:
        """Revokes every live token of that name (the development tokens)."""
        revoked = [t.id for t in self.list() if t.name == name and not t.revoked_at]
        for token_id in revoked:
            self.revoke(token_id)
        return len(revoked)

    def cached(self, secret: str) -> Caller | None:
        """The caller, if the secret was checked in the last ``CACHE_SECONDS``; no
        database read."""
        with self._lock:
            cached = self._cache.get(hash_token(secret))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    def authenticate(self, secret: str) -> Caller | None:
        """The caller the secret stands for; None for an unknown or revoked token."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        if (caller := self.cached(secret)) is not None:
            return caller
        digest = hash_token(secret)
        now = time.monotonic()
        with self._lock:
            revocations = self._revocations
        rows = self.tables.run(
            (
                f"SELECT id, name, role, organisation FROM {self.table} "
                "WHERE hash = %s AND revoked_at IS NULL",
                (digest,),
            ),
            commit=False,
        )
        if not rows:
            return None
        token_id, name, role, organisation = rows[0]
        caller = Caller(UUID(str(token_id)), name, Role(role), organisation)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            if revocations == self._revocations:
                self._cache[digest] = (now + CACHE_SECONDS, caller)
        return caller

    _columns = "id, name, role, organisation, created_at, revoked_at"

    @staticmethod
    def _info(row: tuple[object, ...]) -> TokenInfo:
        token_id, name, role, organisation, created_at, revoked_at = row
        return TokenInfo(
            id=UUID(str(token_id)),
            name=str(name),
            role=Role(str(role)),
            organisation=None if organisation is None else str(organisation),
            created_at=datetime.fromisoformat(str(created_at)),
            revoked_at=None
            if revoked_at is None
            else datetime.fromisoformat(str(revoked_at)),
        )


class Forbidden(Exception):
    """The caller's role or organisation does not allow this."""

    code = "forbidden"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OtherOrganisation(Forbidden):
    code = "other_organisation"

    def __init__(self, own: str, other: str) -> None:
        super().__init__(
            f"staff of {own} work with the trajectories of {own} only, not of {other}"
        )
