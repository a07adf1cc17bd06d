"""Hash chains over the stored events: every aggregate's history is tamper-evident.

Each stored event gets a link: the SHA-256 of the previous link, the event's
aggregate id and version, and its topic and state exactly as stored (so a chain holds
for encrypted payloads too). The links are written by the recorder in the same
transaction as the events, after the table lock that serialises writers, together
with the aggregate's head (its last version and link): a deleted tail shows as a
head beyond the last stored event. ``Verifier`` recomputes every chain in one
consistent read and names the first broken link of each aggregate.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

GENESIS = bytes(32)  # the "previous link" of every aggregate's first event
LINKS_TABLE = "event_links"
HEADS_TABLE = "event_chain_heads"
MAX_LISTED = 1000  # broken aggregates listed in a verification; all are counted


def link(
    previous: bytes, aggregate_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    """The link of one stored event. Each part is length-prefixed, so no two
    different events can give the same input."""
    digest = hashlib.sha256(previous)
    digest.update(aggregate_id.bytes)
    digest.update(version.to_bytes(8, "big", signed=True))
    encoded = topic.encode()
    digest.update(len(encoded).to_bytes(4, "big"))
    digest.update(encoded)
    digest.update(len(state).to_bytes(8, "big"))
    digest.update(state)
    return digest.digest()


class ChainOutOfStep(RuntimeError):
    """A write found an aggregate's chain head not at the version before its new
    events: the stored history was changed outside the service."""

    def __init__(self, aggregate_id: UUID, head: int, version: int) -> None:
        super().__init__(
            f"the hash chain of {aggregate_id} ends at version {head}, but the next "
            f"stored event is version {version}: the store was changed outside the "
            "service; run `trajectory verify`"
        )


@dataclass(frozen=True)
class Links:
    """The links and new heads of the events of one save."""

    links: list[tuple[UUID, int, bytes]]
    heads: list[tuple[UUID, int, bytes]]


def chain(
    stored_events: Sequence[StoredEvent], heads: dict[UUID, tuple[int, bytes]]
) -> Links:
    """Links the events of one save to the heads of their aggregates' chains."""
    links: list[tuple[UUID, int, bytes]] = []
    last: dict[UUID, tuple[int, bytes]] = {}
    for event in stored_events:
        aggregate_id = as_uuid(event.originator_id)
        version, previous = last.get(aggregate_id) or heads.get(
            aggregate_id, (0, GENESIS)
        )
        if event.originator_version != version + 1:
            raise ChainOutOfStep(aggregate_id, version, event.originator_version)
        hashed = link(
            previous, aggregate_id, event.originator_version, event.topic, event.state
        )
        links.append((aggregate_id, event.originator_version, hashed))
        last[aggregate_id] = (event.originator_version, hashed)
    return Links(links, [(a, v, h) for a, (v, h) in last.items()])


def as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


# Verification ---------------------------------------------------------------------


class Break(Enum):
    ALTERED = "altered"
    DELETED = "deleted"
    UNCHAINED = "unchained"
    TRUNCATED = "truncated"
    REORDERED = "reordered"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class BrokenLink:
    """The first broken link of one aggregate's chain. ``expected`` is the link the
    chain recorded, ``found`` what the stored event hashes to now (hex; absent where
    there is nothing to hash or nothing recorded)."""

    aggregate_id: UUID
    version: int
    kind: Break
    message: str
    expected: str | None = None
    found: str | None = None


@dataclass
class Verification:
    """What a verification found: ``broken`` lists the first broken link of each
    broken aggregate (the first ``MAX_LISTED``), in aggregate id order; ``position``
    is the last log position it covered."""

    events: int = 0
    aggregates: int = 0
    broken_aggregates: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    position: int = 0
    seconds: float = 0.0
    snapshotted: int = 0  # histories whose snapshots were checked against a replay
    seal: Seal | None = None  # of the store as read
    kept_seal: Seal | None = None  # given by the auditor, as of an earlier position
    kept_seal_holds: bool | None = None
    _broken_ids: set[UUID] = field(default_factory=set, repr=False)

    def is_broken(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self._broken_ids

    def add(self, broken: BrokenLink) -> None:
        """Counts a broken history once, listing its first broken link found."""
        if broken.aggregate_id in self._broken_ids:
            return
        self._broken_ids.add(broken.aggregate_id)
        self.broken_aggregates += 1
        if len(self.broken) < MAX_LISTED:
            self.broken.append(broken)

    @property
    def intact(self) -> bool:
        return self.broken_aggregates == 0 and self.kept_seal_holds is not False

    @property
    def first_broken(self) -> BrokenLink | None:
        return self.broken[0] if self.broken else None

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return {
            "intact": self.intact,
            "events": self.events,
            "aggregates": self.aggregates,
            "position": self.position,
            "snapshotted": self.snapshotted,
            "seconds": round(self.seconds, 3),
            "seal": str(self.seal) if self.seal else None,
            "kept_seal": str(self.kept_seal) if self.kept_seal else None,
            "kept_seal_holds": self.kept_seal_holds,
            "broken_aggregates": self.broken_aggregates,
            "first_broken": _link_dict(self.first_broken),
            "broken": [_link_dict(link) for link in self.broken],
        }


def _link_dict(broken: BrokenLink | None) -> dict[str, Any] | None:
    if broken is None:
        return None
    return {
        "aggregate_id": str(broken.aggregate_id),
        "version": broken.version,
        "kind": broken.kind.value,
        "message": broken.message,
        "expected": broken.expected,
        "found": broken.found,
    }


class InvalidSeal(ValueError):
    code = "invalid_seal"


@dataclass(frozen=True)
class Seal:
    """The store as of a log position, in one digest: SHA-256 over each history's
    id, version and link as of its last event at or before the position, in id
    order. A verification reports the seal of what it read; an auditor keeps it,
    and a later verification given it recomputes the store as of that position:
    any event at or before it since changed, removed or added, or any chain
    rewritten, gives another digest."""

    position: int
    digest: str

    def __str__(self) -> str:
        return f"{self.position}:{self.digest}"

    @classmethod
    def parse(cls, text: str) -> Seal:
        position, _, digest = text.strip().partition(":")
        if not (position.isdigit() and len(digest) == 64):
            raise InvalidSeal(
                f"{text!r} is not a seal: it reads POSITION:DIGEST, as a verification "
                "printed it (e.g. 104233:9f2c...; 64 hex digits)"
            )
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise InvalidSeal(
                f"{text!r} is not a seal: the digest is not hex"
            ) from None
        return cls(int(position), digest.lower())


class _Sealer:
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

    def seal(self, position: int) -> Seal:
        return Seal(position, self._digest.hexdigest())


@dataclass(frozen=True)
class EventRow:
    aggregate_id: UUID
    version: int
    topic: str
    state: bytes
    position: int  # the notification id: the order the views read the events in


@dataclass(frozen=True)
class LinkRow:
    aggregate_id: UUID
    version: int
    hash: bytes


class ChainSource:
    """What a verification reads, in one consistent snapshot of the store: the
    events and the links ordered by aggregate id and version, the heads by
    aggregate id, and the number of events (for progress)."""

    def count(self) -> int:
        raise NotImplementedError

    def events(self) -> Generator[EventRow, None, None]:
        raise NotImplementedError

    def links(self) -> Generator[LinkRow, None, None]:
        raise NotImplementedError

    def heads(self) -> Generator[LinkRow, None, None]:
        raise NotImplementedError


Progress = Callable[[int, int], None]  # (events checked, events in the store)
PROGRESS_EVERY = 10_000


def verify(
    source: ChainSource,
    progress: Progress | None = None,
    kept_seal: Seal | None = None,
) -> Verification:
    """Recomputes every chain, streaming: memory holds one aggregate at a time. It
    seals what it read and, given a seal kept from an earlier verification, checks
    that the store as of that seal's position still gives it."""
    started = time.perf_counter()
    result = Verification(kept_seal=kept_seal)
    total = source.count()
    if progress is not None:
        progress(0, total)
    now = _Sealer(None)
    then = _Sealer(kept_seal.position) if kept_seal else None
    with contextlib.closing(_by_aggregate(source)) as groups:
        _verify_groups(groups, result, total, progress, [now, then])
    result.seal = now.seal(result.position)
    if kept_seal is not None and then is not None:
        result.kept_seal_holds = then.seal(kept_seal.position) == kept_seal
    if progress is not None:
        progress(result.events, total)
    result.seconds = time.perf_counter() - started
    return result


def _verify_groups(
    groups: Iterator[Group],
    result: Verification,
    total: int,
    progress: Progress | None,
    sealers: list[_Sealer | None],
) -> None:
    reported = 0
    for aggregate_id, events, links, head in groups:
        result.aggregates += 1
        result.events += len(events)
        if events:
            result.position = max(result.position, max(e.position for e in events))
        computed = _links_of(aggregate_id, events)
        broken = _check(aggregate_id, events, computed, links, head)
        if broken is not None:
            result.add(broken)
        for sealer in sealers:
            if sealer is not None:
                sealer.add(aggregate_id, computed)
        if progress is not None and result.events - reported >= PROGRESS_EVERY:
            reported = result.events
            progress(result.events, total)


def _links_of(
    aggregate_id: UUID, events: list[EventRow]
) -> list[tuple[int, int, bytes]]:
    """(version, position, link) of each stored event, chained as stored."""
    computed = []
    previous = GENESIS
    for event in events:
        previous = link(previous, aggregate_id, event.version, event.topic, event.state)
        computed.append((event.version, event.position, previous))
    return computed


# One aggregate: its events, its links by version, its head.
Group = tuple[UUID, list[EventRow], dict[int, bytes], LinkRow | None]


def _by_aggregate(source: ChainSource) -> Generator[Group, None, None]:
    """Merges the three ordered streams into one group per aggregate id. The
    streams are closed when this is, while their connection is still open."""
    streams = source.events(), source.links(), source.heads()
    try:
        yield from _merged(*streams)
    finally:
        for stream in streams:
            stream.close()


def _merged(
    event_rows: Iterator[EventRow],
    link_rows: Iterator[LinkRow],
    head_rows: Iterator[LinkRow],
) -> Iterator[Group]:
    events = _grouped(event_rows)
    links = _grouped(link_rows)
    heads = ((row.aggregate_id, row) for row in head_rows)
    next_events, next_links = next(events, None), next(links, None)
    next_head = next(heads, None)
    while next_events or next_links or next_head:
        aggregate_id = min(
            group[0] for group in (next_events, next_links, next_head) if group
        )
        own_events: list[Any] = []
        own_links: dict[int, bytes] = {}
        head: LinkRow | None = None
        if next_events and next_events[0] == aggregate_id:
            own_events = next_events[1]
            next_events = next(events, None)
        if next_links and next_links[0] == aggregate_id:
            own_links = {row.version: row.hash for row in next_links[1]}
            next_links = next(links, None)
        if next_head and next_head[0] == aggregate_id:
            head = next_head[1]
            next_head = next(heads, None)
        yield aggregate_id, own_events, own_links, head


def _grouped(rows: Iterable[Any]) -> Iterator[tuple[UUID, list[Any]]]:
    for aggregate_id, group in itertools.groupby(rows, key=lambda r: r.aggregate_id):
        yield aggregate_id, list(group)


def _check(
    aggregate_id: UUID,
    events: list[EventRow],
    computed: list[tuple[int, int, bytes]],
    links: dict[int, bytes],
    head: LinkRow | None,
) -> BrokenLink | None:
    previous, expected_version, position = GENESIS, 1, 0
    for event, (_, _, found) in zip(events, computed, strict=True):
        if event.version != expected_version:
            return BrokenLink(
                aggregate_id,
                expected_version,
                Break.DELETED,
                f"version {expected_version} is missing: the stored events go from "
                f"version {expected_version - 1} to {event.version}",
                expected=_hex(links.get(expected_version)),
            )
        recorded = links.get(event.version)
        if recorded is None:
            return BrokenLink(
                aggregate_id,
                event.version,
                Break.UNCHAINED,
                f"version {event.version} belongs to no chain: no link was recorded "
                "for it when it was written",
                found=found.hex(),
            )
        if recorded != found:
            return BrokenLink(
                aggregate_id,
                event.version,
                Break.ALTERED,
                f"version {event.version} does not match its link: the stored event, "
                "or one before it, was changed",
                expected=recorded.hex(),
                found=found.hex(),
            )
        if event.position <= position:
            return BrokenLink(
                aggregate_id,
                event.version,
                Break.REORDERED,
                f"version {event.version} is at log position {event.position}, "
                f"before version {event.version - 1} at {position}",
            )
        previous, expected_version, position = found, event.version + 1, event.position
    last = expected_version - 1
    beyond = [version for version in links if version > last]
    if beyond:
        missing = min(beyond)
        return BrokenLink(
            aggregate_id,
            missing,
            Break.DELETED,
            f"version {missing} is missing: a link was recorded for it, but the "
            f"stored events end at version {last}",
            expected=links[missing].hex(),
        )
    if head is None:
        return BrokenLink(
            aggregate_id,
            1,
            Break.UNCHAINED,
            "the events belong to no chain: no chain head was recorded for them",
        )
    if head.version > last:
        return BrokenLink(
            aggregate_id,
            last + 1,
            Break.TRUNCATED,
            f"the chain's head is at version {head.version}, but the stored events "
            f"end at version {last}",
            expected=head.hash.hex(),
        )
    if head.version < last:
        return BrokenLink(
            aggregate_id,
            head.version + 1,
            Break.UNCHAINED,
            f"versions {head.version + 1} to {last} are beyond the chain's head "
            f"at version {head.version}",
        )
    if head.hash != previous:
        return BrokenLink(
            aggregate_id,
            last,
            Break.ALTERED,
            f"the chain's head does not match version {last}",
            expected=head.hash.hex(),
            found=previous.hex(),
        )
    return None


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None
