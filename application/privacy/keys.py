"""The master key and the participants' data keys.

Each participant's personal data is sealed under a data key of their own (AES-256-GCM).
The data keys are stored in ``participant_keys``, each wrapped (AES-256-GCM) by the
master key, which is never stored with them: it comes from the settings. Erasure
deletes a participant's row, and with it the only way to open what was sealed for them.

A row under the nil id, stored with the first registration, holds a key wrapped by
the store's master key, so that a service started with another master key is refused
at once, naming both keys' ids, rather than failing on the first participant it reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.settings import Settings
from application.storage import KEYS_TABLE
from application.storage import SideTables

log = logging.getLogger("trajectory.keys")

KEY_BYTES = 32
NONCE_BYTES = 12
DEVELOPMENT_KEY_FILE = Path("var/master.key")
CHECK_ID = UUID(int=0)  # the row that tells whether the master key is the store's
HOW_TO_MAKE_ONE = "`trajectory keygen` makes one"


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed, unreadable, or not the store's."""


class WrongMasterKey(MasterKeyError):
    code = "wrong_master_key"


def new_key_text() -> str:
    """A new master key: 32 random bytes in base64, as the settings take it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


class MasterKey:
    """Wraps and unwraps data keys; ``id`` names it in messages and in each key row
    (a hash: the key cannot be found from it)."""

    def __init__(self, secret: bytes, source: str) -> None:
        if len(secret) != KEY_BYTES:
            raise MasterKeyError(
                f"the master key from {source} is {len(secret)} bytes; it must be "
                f"{KEY_BYTES} random bytes in base64 ({HOW_TO_MAKE_ONE})"
            )
        self.source = source
        self.id = hashlib.sha256(b"trajectory master key\x00" + secret).hexdigest()[:16]
        self._aead = AESGCM(secret)
        self._fingerprints = hashlib.sha256(b"trajectory fingerprints\x00" + secret)

    @classmethod
    def parse(cls, text: str, source: str) -> MasterKey:
        """The key from its base64 text (standard or URL-safe alphabet); the text is
        never repeated in an error."""
        cleaned = text.strip()
        try:
            secret = base64.b64decode(
                cleaned.replace("-", "+").replace("_", "/"), validate=True
            )
        except (binascii.Error, ValueError):
            raise MasterKeyError(
                f"the master key from {source} is not base64 text; it must be "
                f"{KEY_BYTES} random bytes in base64 ({HOW_TO_MAKE_ONE})"
            ) from None
        return cls(secret, source)

    @classmethod
    def read(cls, path: Path, source: str) -> MasterKey:
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise MasterKeyError(
                f"the master key file {path} ({source}) does not exist; "
                f"`trajectory keygen --file {path}` makes one"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "it is not base64 text"
            raise MasterKeyError(
                f"cannot read the master key file {path} ({source}): {reason}"
            ) from None
        return cls.parse(text, f"{source} {path}")

    def wrap(self, participant_id: UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, _bound(participant_id))

    def unwrap(self, participant_id: UUID, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _bound(participant_id)
            )
        except InvalidTag:
            raise WrongMasterKey(
                f"the data key of {participant_id} does not open with master key "
                f"{self.id} although it is recorded as wrapped by it: the key row "
                "was altered"
            ) from None

    def fingerprint(self, *parts: str | bytes) -> str:
        """A keyed hash of the parts: what identifies a request in an idempotency
        record without being a hash anyone could compute from guessed contents."""
        digest = hmac.new(self._fingerprints.digest(), digestmod=hashlib.sha256)
        for part in parts:
            digest.update(part.encode() if isinstance(part, str) else part)
            digest.update(b"\x00")
        return digest.hexdigest()


def _bound(participant_id: UUID) -> bytes:
    """A wrapped key opens only as the key of the participant it was made for."""
    return b"trajectory data key\x00" + participant_id.bytes


def master_keys(settings: Settings) -> tuple[MasterKey, MasterKey | None]:
    """The configured master key, and the previous one while rotating. In
    development without a key, ``var/master.key`` is made once and used; in
    production a missing key is an error that says what to set."""
    current = _configured(
        settings.master_key, settings.master_key_file, "TRAJECTORY_MASTER_KEY"
    )
    previous = _configured(
        settings.previous_master_key,
        settings.previous_master_key_file,
        "TRAJECTORY_PREVIOUS_MASTER_KEY",
    )
    if current is None:
        if settings.env == "production":
            raise MasterKeyError(
                "TRAJECTORY_ENV=production needs a master key: set "
                "TRAJECTORY_MASTER_KEY (32 random bytes in base64) or "
                "TRAJECTORY_MASTER_KEY_FILE (a file holding it); "
                f"{HOW_TO_MAKE_ONE}"
            )
        current = development_key(DEVELOPMENT_KEY_FILE)
    if previous is not None and previous.id == current.id:
        previous = None
    return current, previous


def _configured(secret: object, path: Path | None, variable: str) -> MasterKey | None:
    text = getattr(secret, "get_secret_value", lambda: None)()
    if text is not None and path is not None:
        raise MasterKeyError(f"set {variable} or {variable}_FILE, not both")
    if text is not None:
        return MasterKey.parse(text, variable)
    if path is not None:
        return MasterKey.read(path, f"{variable}_FILE")
    return None


def development_key(path: Path) -> MasterKey:
    """The development master key at ``path``, made at the first start."""
    if write_key_file(path):
        log.warning(
            "made a development master key in %s: keep it with the database it "
            "opens; production needs TRAJECTORY_MASTER_KEY or _FILE",
            path,
        )
    return MasterKey.read(path, "the development key file")


def write_key_file(path: Path) -> bool:
    """Writes a new key to ``path`` (readable by its owner only) unless a file is
    there already; whether it wrote one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(new_key_text() + "\n")
    return True


# The data keys --------------------------------------------------------------------


@dataclass(frozen=True)
class NewDataKey:
    participant_id: UUID
    key: bytes
    wrapped: bytes
    master_key: str

    def row(self) -> tuple[str, bytes, str]:
        return (str(self.participant_id), self.wrapped, self.master_key)


class Keyring:
    """The participants' data keys: made at registration (and stored by the save
    that records it, in its transaction), looked up to seal and open, destroyed by
    erasure (in the transaction that records it). Without a master key (to set up
    the schema) the table is made and nothing else can be done."""

    def __init__(
        self,
        master: MasterKey | None,
        tables: SideTables,
        previous: MasterKey | None = None,
    ) -> None:
        self.tables = tables
        self._masters = {m.id: m for m in (master, previous) if m is not None}
        self._master = master
        self._truncate_pending = False
        if tables.postgres:
            columns = "participant_id text PRIMARY KEY, wrapped bytea NOT NULL"
            created = "created_at timestamptz NOT NULL DEFAULT now()"
        else:
            columns = "participant_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL"
            created = "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
        tables.create(
            KEYS_TABLE,
            f"CREATE TABLE IF NOT EXISTS {tables.name(KEYS_TABLE)} ("
            f"{columns}, master_key text NOT NULL, {created})",
        )
        if master is not None:
            # The store's keys must open with this master key (the check row is
            # stored with the first registration; until then any key will do).
            self.check = self.new_key(CHECK_ID)
            self.fetch([CHECK_ID])

    @property
    def master(self) -> MasterKey:
        if self._master is None:
            raise MasterKeyError("no master key was given to open the data keys")
        return self._master

    def new_key(self, participant_id: UUID) -> NewDataKey:
        """A new data key for the participant, to be stored by the save that
        registers them (``data_keys=[...]``)."""
        key = AESGCM.generate_key(bit_length=256)
        return NewDataKey(
            participant_id, key, self.master.wrap(participant_id, key), self.master.id
        )

    def fetch(self, participant_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """The stored data keys of those participants that have one (an erased
        participant has none), unwrapped."""
        found: dict[UUID, bytes] = {}
        missing = sorted(str(i) for i in set(participant_ids))
        table = self.tables.name(KEYS_TABLE)
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            rows = self.tables.run(
                (
                    "SELECT participant_id, wrapped, master_key FROM "
                    f"{table} WHERE participant_id IN ({marks})",
                    chunk,
                ),
                commit=False,
            )
            for raw_id, wrapped, master_id in rows:
                participant_id = UUID(str(raw_id))
                found[participant_id] = self._unwrap(
                    participant_id, bytes(wrapped), master_id
                )
        return found

    def _unwrap(self, participant_id: UUID, wrapped: bytes, master_id: str) -> bytes:
        master = self._masters.get(master_id)
        if master is None:
            configured = " and ".join(sorted(self._masters)) or "none"
            raise WrongMasterKey(
                f"this store's data keys are wrapped by master key {master_id}, but "
                f"the configured master key is {configured}: configure the key the "
                "store was set up with (or, while rotating, give it as "
                "TRAJECTORY_PREVIOUS_MASTER_KEY)"
            )
        return master.unwrap(participant_id, wrapped)

    def destroy(self, participant_id: UUID) -> None:
        """Deletes the participant's data key, if it is still there (left by an
        erasure from before erasures destroyed the key in their own transaction)."""
        statements: list[tuple[str, tuple[str, ...]]] = []
        if not self.tables.postgres:
            statements.append(("PRAGMA secure_delete = ON", ()))
        statements.append(
            (
                f"DELETE FROM {self.tables.name(KEYS_TABLE)} WHERE participant_id = %s",
                (str(participant_id),),
            )
        )
        self.tables.run(*statements)
        self.after_shredding()

    def after_shredding(self) -> None:
        """On SQLite, moves what the write-ahead log holds into the database file
        (where deleted rows were overwritten) and empties the log, so no copy of a
        destroyed key is left in either file. A reader of an older snapshot (a
        verification, a rebuild) keeps it from finishing: then it is tried again
        after each later write, until it does."""
        self._truncate_pending = not self.tables.checkpoint()
        if self._truncate_pending:
            log.info("the write-ahead log is being read; it is emptied later")

    def after_write(self) -> None:
        if self._truncate_pending:
            self.after_shredding()

    def rotate(self) -> int:
        """Re-wraps every data key not wrapped by the configured master key, opening
        it with the previous key, in one transaction; the number re-wrapped. No
        event is read or written."""
        table = self.tables.name(KEYS_TABLE)
        with self.tables.transaction() as run:
            if self.tables.postgres:
                run(f"LOCK TABLE {table} IN EXCLUSIVE MODE", ())
            rows = run(
                f"SELECT participant_id, wrapped, master_key FROM {table} "
                "WHERE master_key <> %s",
                (self.master.id,),
            )
            updates = []
            for raw_id, wrapped, master_id in rows:
                participant_id = UUID(str(raw_id))
                key = self._unwrap(participant_id, bytes(wrapped), master_id)
                rewrapped = self.master.wrap(participant_id, key)
                updates.append((rewrapped, self.master.id, str(participant_id)))
            for update in updates:
                run(
                    f"UPDATE {table} SET wrapped = %s, master_key = %s "
                    "WHERE participant_id = %s",
                    update,
                )
        return sum(1 for update in updates if update[2] != str(CHECK_ID))

    def fingerprint(self, *parts: str | bytes) -> str:
        return self.master.fingerprint(*parts)
