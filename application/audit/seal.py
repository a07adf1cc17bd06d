"""The seal of the store as of a log position: one digest over every history's last
link and the access log's, for an auditor to keep and check again later."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID


class InvalidSeal(ValueError):
    code = "invalid_seal"


@dataclass(frozen=True)
class Seal:
    """The store as of a log position, in one digest: SHA-256 over each history's
    id, version and link as of its last event at or before the position, in id
    order, and then the access log's link as of its entry ``entry``. A
    verification reports the seal of what it read; an auditor keeps it, and a later
    verification given it recomputes the store as of that position and entry: any
    event or access log entry at or before them since changed, removed or added, or
    any chain rewritten, gives another digest. A store with an empty access log is
    sealed by its events alone (``POSITION:DIGEST``, as before the log was
    chained); else the seal reads ``POSITION:ENTRY:DIGEST``."""

    position: int
    digest: str
    entry: int | None = None  # the access log's last entry covered, if any

    def __str__(self) -> str:
        if self.entry is None:
            return f"{self.position}:{self.digest}"
        return f"{self.position}:{self.entry}:{self.digest}"

    @classmethod
    def parse(cls, text: str) -> Seal:
        parts = text.strip().split(":")
        position, digest = parts[0], parts[-1]
        entry = parts[1] if len(parts) == 3 else None
        if not (
            len(parts) in (2, 3)
            and position.isdigit()
            and (entry is None or entry.isdigit())
            and len(digest) == 64
        ):
            raise InvalidSeal(
                f"{text!r} is not a seal: it reads POSITION:DIGEST or "
                "POSITION:ENTRY:DIGEST, as a verification printed it (e.g. "
                "104233:5120:9f2c...; 64 hex digits)"
            )
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise InvalidSeal(
                f"{text!r} is not a seal: the digest is not hex"
            ) from None
        return cls(int(position), digest.lower(), None if entry is None else int(entry))


class Sealer:
    """Feeds each history's last link at or before ``position`` (any, if None)."""

    def __init__(self, position: int | None) -> None:
        self.position = position
        self._digest = hashlib.sha256()

    def add(self, aggregate_id: UUID, computed: list[tuple[int, int, bytes]]) -> None:
        last = None
        for version, position, hashed in computed:
            if self.position is None or position <= self.position:
                last = (version, hashed)
        if last is not None:
            self._digest.update(aggregate_id.bytes)
            self._digest.update(last[0].to_bytes(8, "big", signed=True))
            self._digest.update(last[1])

    def seal(self, position: int, access: tuple[int, bytes] | None = None) -> Seal:
        """The seal as of ``position``; with the access log's last entry covered and
        its link, unless there is none."""
        if access is None or access[0] == 0:
            return Seal(position, self._digest.hexdigest())
        entry, entry_link = access
        combined = hashlib.sha256(b"trajectory seal: events, access log")
        combined.update(self._digest.digest())
        combined.update(entry.to_bytes(8, "big", signed=True))
        combined.update(entry_link)
        return Seal(position, combined.hexdigest(), entry)
