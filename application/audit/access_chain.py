"""The access log's hash chain: a row deleted, changed or added behind the service's
back shows, as in the events' chains (``application.audit.chain``).

The log is one chain, in the order of its ids (the order the entries committed).
Each entry's link is the SHA-256 of the previous entry's link (32 zero bytes for the
first), the entry's id and every column as stored, each part length-prefixed. The
links are kept in ``access_log_links`` (append-only, like the log), written in the
entry's transaction. A verification recomputes the chain from the rows as stored and
compares each link; the last link goes into the seal, so a tail cut with its links
shows against a kept seal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from application.audit.chain import GENESIS
from application.audit.findings import Break

ACCESS_LOG_TABLE = "access_log"
ACCESS_LINKS_TABLE = "access_log_links"
# The columns an entry is linked by, in this order, after its id.
LINKED_COLUMNS = "at, token_id, name, role, organisation, participant_id, route"


@dataclass(frozen=True)
class EntryRow:
    """One row of the access log as stored: its id and its columns as text."""

    id: int
    values: tuple[str | None, ...]

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> EntryRow:
        """From ``(id, at, token_id, name, role, organisation, participant_id,
        route)`` as a database gives them."""
        entry_id, at, *rest = row
        return cls(int(entry_id), (at_text(at), *(_text(v) for v in rest)))


def at_text(at: Any) -> str:
    """A stored time as the chain reads it: ISO 8601 in UTC, to the microsecond (as
    SQLite keeps it as text; PostgreSQL's timestamptz gives it back as a time)."""
    if isinstance(at, datetime):
        return at.astimezone(UTC).isoformat(timespec="microseconds")
    return str(at)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def entry_link(previous: bytes, entry: EntryRow) -> bytes:
    """The link of one entry. A missing value (an auditor's organisation) is told
    apart from an empty one."""
    digest = hashlib.sha256(previous)
    digest.update(entry.id.to_bytes(8, "big", signed=True))
    for value in entry.values:
        if value is None:
            digest.update(b"\x00")
            continue
        encoded = value.encode()
        digest.update(b"\x01" + len(encoded).to_bytes(4, "big"))
        digest.update(encoded)
    return digest.digest()


def link_entries(previous: bytes, entries: list[EntryRow]) -> list[tuple[int, bytes]]:
    """The links of new entries, in id order, after the link ``previous``."""
    links = []
    for entry in sorted(entries, key=lambda e: e.id):
        previous = entry_link(previous, entry)
        links.append((entry.id, previous))
    return links


@dataclass(frozen=True)
class BrokenEntry:
    """The first entry of the access log whose link does not hold."""

    entry: int  # its id
    kind: Break
    message: str
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "kind": self.kind.value,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


@dataclass
class AccessLogCheck:
    """What a verification found in the access log: how many entries, the last one
    read and its link (recomputed from the rows as stored), the first broken entry,
    and the link as of a kept seal's entry."""

    entries: int = 0
    last: int = 0
    link: bytes = GENESIS
    broken: BrokenEntry | None = None
    kept_link: bytes = GENESIS

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "last_entry": self.last,
            "intact": self.broken is None,
            "broken": None if self.broken is None else self.broken.as_dict(),
        }


def check_access_log(
    entries: Iterator[EntryRow],
    links: Iterator[tuple[int, bytes]],
    kept: int | None = None,
) -> AccessLogCheck:
    """Recomputes the chain over the entries (in id order) and compares it with the
    recorded links (in id order), streaming both."""
    result = AccessLogCheck()
    entry, recorded = next(entries, None), next(links, None)
    previous = GENESIS
    while entry is not None or recorded is not None:
        if entry is not None and (recorded is None or entry.id < recorded[0]):
            previous = _read(result, entry, previous, kept)
            _first(
                result,
                BrokenEntry(
                    entry.id,
                    Break.UNCHAINED,
                    f"access log entry {entry.id} belongs to no chain: no link was "
                    "recorded for it when it was written",
                    found=previous.hex(),
                ),
            )
            entry = next(entries, None)
        elif entry is None or (recorded is not None and recorded[0] < entry.id):
            assert recorded is not None
            _first(
                result,
                BrokenEntry(
                    recorded[0],
                    Break.DELETED,
                    f"access log entry {recorded[0]} is missing: a link was recorded "
                    "for it, but the entry is gone",
                    expected=recorded[1].hex(),
                ),
            )
            recorded = next(links, None)
        else:
            assert recorded is not None
            previous = _read(result, entry, previous, kept)
            if recorded[1] != previous:
                _first(
                    result,
                    BrokenEntry(
                        entry.id,
                        Break.ALTERED,
                        f"access log entry {entry.id} does not match its link: the "
                        "entry, or one before it, was changed or removed",
                        expected=recorded[1].hex(),
                        found=previous.hex(),
                    ),
                )
            entry, recorded = next(entries, None), next(links, None)
    return result


def _read(
    result: AccessLogCheck, entry: EntryRow, previous: bytes, kept: int | None
) -> bytes:
    link = entry_link(previous, entry)
    result.entries += 1
    result.last, result.link = entry.id, link
    if kept is not None and entry.id <= kept:
        result.kept_link = link
    return link


def _first(result: AccessLogCheck, broken: BrokenEntry) -> None:
    if result.broken is None:
        result.broken = broken
