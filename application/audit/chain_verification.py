"""Verifying the hash chains: every chain recomputed from the stored events in one
consistent read, streaming one aggregate at a time, against the links and heads
recorded with them; the store sealed as read, and a kept seal checked again."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.audit.access_chain import EntryRow
from application.audit.access_chain import check_access_log
from application.audit.chain import GENESIS
from application.audit.chain import link
from application.audit.findings import Break
from application.audit.findings import BrokenLink
from application.audit.findings import Verification
from application.audit.seal import Seal
from application.audit.seal import Sealer


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

    def access_entries(self) -> Generator[EntryRow, None, None]:
        """The access log's rows in id order (none, for a store without one)."""
        yield from ()

    def access_links(self) -> Generator[tuple[int, bytes], None, None]:
        """The access log's recorded links in id order."""
        yield from ()


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
    now = Sealer(None)
    then = Sealer(kept_seal.position) if kept_seal else None
    with contextlib.closing(_by_aggregate(source)) as groups:
        _verify_groups(groups, result, total, progress, [now, then])
    entries, links = source.access_entries(), source.access_links()
    try:
        access = check_access_log(
            entries, links, kept_seal.entry if kept_seal else None
        )
    finally:
        entries.close()
        links.close()
    result.access_log = access
    result.seal = now.seal(result.position, (access.last, access.link))
    if kept_seal is not None and then is not None:
        entry = kept_seal.entry
        as_kept = None if entry is None else (entry, access.kept_link)
        result.kept_seal_holds = then.seal(kept_seal.position, as_kept) == kept_seal
    if progress is not None:
        progress(result.events, total)
    result.seconds = time.perf_counter() - started
    return result


def _verify_groups(
    groups: Iterator[Group],
    result: Verification,
    total: int,
    progress: Progress | None,
    sealers: list[Sealer | None],
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
