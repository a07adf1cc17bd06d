"""Hash chains over the stored events: every aggregate's history is tamper-evident.

Each stored event gets a link: the SHA-256 of the previous link, the event's
aggregate id and version, and its topic and state exactly as stored (so a chain holds
for encrypted payloads too). The links are written by the recorder in the same
transaction as the events, after the table lock that serialises writers, together
with the aggregate's head (its last version and link): a deleted tail shows as a
head beyond the last stored event. ``chain_verification.verify`` recomputes every
chain in one consistent read and names the first broken link of each aggregate
(``findings.py``), and seals the store as read (``seal.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import StoredEvent

GENESIS = bytes(32)  # the "previous link" of every aggregate's first event
LINKS_TABLE = "event_links"
HEADS_TABLE = "event_chain_heads"


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


class ChainOutOfStep(IntegrityError):
    """A save found an aggregate's chain head not where the stored events end: the
    stored history was changed outside the service. Nothing of the save is stored
    (its transaction is rolled back), and every later save of the aggregate is
    refused the same way until the store is repaired."""

    code = "history_out_of_step"

    def __init__(self, aggregate_id: UUID, head: int, version: int) -> None:
        self.aggregate_id, self.head, self.version = aggregate_id, head, version
        super().__init__(
            f"the hash chain of {aggregate_id} ends at version {head}, but the "
            f"stored events of it do not: the store was changed outside the "
            f"service (the save of version {version} was refused); run "
            "`trajectory verify`"
        )


class VersionsOutOfStep(IntegrityError):
    """A save whose own versions do not follow the aggregate's last stored one (the
    store narrows the library's contract: an aggregate's versions start at 1 and
    follow one another). The caller's mistake, not the store's: nothing is
    stored."""

    code = "versions_out_of_step"

    def __init__(self, aggregate_id: UUID, last: int, version: int) -> None:
        self.aggregate_id, self.last, self.version = aggregate_id, last, version
        after = f"after version {last}" if last else "as the first event"
        super().__init__(
            f"version {version} of {aggregate_id} cannot be stored {after}: an "
            "aggregate's versions start at 1 and follow one another"
        )


class HistoryDamaged(IntegrityError):
    """A stored history that cannot be read as one: a version is missing between
    two stored events, so an event was removed outside the service."""

    code = "history_damaged"

    def __init__(self, aggregate_id: UUID, detail: str) -> None:
        self.aggregate_id = aggregate_id
        super().__init__(
            f"the stored history of {aggregate_id} is damaged ({detail}): events "
            "were changed outside the service; run `trajectory verify`"
        )


# The stored version of an aggregate's last event before a given version, or 0;
# asked only when a save does not follow its chain's head.
LastStored = Callable[[UUID, int], int]


@dataclass(frozen=True)
class Links:
    """The links and new heads of the events of one save."""

    links: list[tuple[UUID, int, bytes]]
    heads: list[tuple[UUID, int, bytes]]


def chain(
    stored_events: Sequence[StoredEvent],
    heads: dict[UUID, tuple[int, bytes]],
    last_stored: LastStored | None = None,
    *,
    cut: Collection[UUID] = (),
) -> Links:
    """Links the events of one save to the heads of their aggregates' chains. An
    event that does not follow is refused: ``VersionsOutOfStep`` when the stored
    events end where the chain does (the save's own versions are wrong; without
    ``last_stored`` that is assumed), ``ChainOutOfStep`` when they do not. So is
    every event of an aggregate in ``cut``: its chain's head names a version whose
    event is no longer stored (the history's tail was cut), whatever version the
    save follows on from."""
    links: list[tuple[UUID, int, bytes]] = []
    last: dict[UUID, tuple[int, bytes]] = {}
    for event in stored_events:
        aggregate_id = as_uuid(event.originator_id)
        own = last.get(aggregate_id)
        version, previous = own or heads.get(aggregate_id, (0, GENESIS))
        new = event.originator_version
        if aggregate_id in cut:
            raise ChainOutOfStep(aggregate_id, version, new)
        if new != version + 1:
            if own is None and last_stored is not None:
                if last_stored(aggregate_id, new) != version:
                    raise ChainOutOfStep(aggregate_id, version, new)
            raise VersionsOutOfStep(aggregate_id, version, new)
        hashed = link(previous, aggregate_id, new, event.topic, event.state)
        links.append((aggregate_id, new, hashed))
        last[aggregate_id] = (new, hashed)
    return Links(links, [(a, v, h) for a, (v, h) in last.items()])


def as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
