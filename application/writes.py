"""How every write is loaded, saved and answered.

A write loads the aggregates it needs (from a batch in hand, or the store), changes
them and saves them together: all or nothing, through the group commit when it is on.
A write sent with an idempotency key is answered once: its answer is stored with its
events, in their transaction, and a retry with the key gets that answer and records
nothing. A save that conflicts with another writer's is a ``VersionConflict``.

A command run through ``optimistic`` (a trajectory command) may start from the copy
of its aggregate this process kept after saving it (``keep``), without asking the
store for newer events: the store refuses a version that exists already, so a save
from a stale copy fails, and the command runs again on what the store holds. A
refusal from a kept copy is checked the same way. Once a kept copy proves stale
(another process wrote it, or two commands raced), every command asks the store
first for ``DISTRUST_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from itertools import groupby
from typing import Any
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.domain import DomainEvent
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import StoredEvent

from application.audit.chain import ChainOutOfStep
from application.audit.chain import HistoryDamaged
from application.audit.chain import VersionsOutOfStep
from application.errors import IdempotencyKeyReused
from application.errors import VersionConflict
from application.group_commit import GroupCommit
from application.idempotency import AlreadyAnswered
from application.idempotency import IdempotencyKey
from application.idempotency import IdempotencyRecords
from application.storage import PlannerStatistics
from application.storage import SideTables
from domain.errors import DomainError

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
FORGET_EVERY = 3600.0  # seconds between clearing old idempotency records
READ_MANY = 200  # aggregates a query of ``read_many`` reads at most
DISTRUST_SECONDS = 60.0  # kept copies unused after one proved stale
log = logging.getLogger("trajectory.storage")


@dataclass(frozen=True)
class Answer:
    """What a write created or changed (``id``), and the version it reached;
    ``replayed`` when it is the stored answer to an earlier request with the same
    key."""

    id: UUID
    version: int
    replayed: bool = False


class Writes:
    """Loads, saves and answers for every command."""

    def __init__(
        self,
        app: Application[UUID],
        idempotency: IdempotencyRecords,
        group_commit: GroupCommit | None,
        *,
        not_aggregates: frozenset[UUID] = frozenset(),
        statistics: PlannerStatistics | None = None,
    ) -> None:
        self.app = app
        self.statistics = statistics
        self.idempotency = idempotency
        self.group_commit = group_commit
        self.not_aggregates = not_aggregates
        self._local = threading.local()
        self._reading = [threading.Lock() for _ in range(64)]
        self._forgotten_at = time.monotonic()
        self._tables = SideTables(app.recorder)
        # The version of each aggregate this process saved and kept last (``keep``),
        # as long as no other save of it went past (``store``); see ``optimistic``.
        self._kept: dict[UUID, int] = {}
        self._distrusted_until = 0.0
        idempotency.forget_old()

    # Reading --------------------------------------------------------------------------

    def get(
        self,
        aggregate_id: UUID,
        kind: type[A],
        version: int | None = None,
        *,
        stored: bool = True,
        trusting: bool = False,
    ) -> A:
        """The aggregate (the one a batch in hand changed, if it did), at its last
        version or at ``version``; ``AggregateNotFoundError`` if there is no
        ``kind`` of that id. ``stored=False``: the caller knows the store holds
        none of that id (see ``unsaved``), so only the batch in hand is looked in,
        without a round trip to the store (with a ``version`` as well: nothing is
        looked in, and it is not found). ``trusting``: the copy this process kept,
        if it has one, without asking the store for newer events (only within
        ``optimistic``, which runs the command again if the copy was stale)."""
        if aggregate_id in self.not_aggregates:  # a log of events
            raise AggregateNotFoundError(aggregate_id)
        batched = self.batched() if version is None else None
        aggregate: Any = (batched or {}).get(aggregate_id)
        if aggregate is None and not stored:
            raise AggregateNotFoundError(aggregate_id)
        if aggregate is None and version is None:
            # The library fast-forwards a cached aggregate under its own lock but
            # copies it after releasing it; one reader at a time per aggregate here
            # keeps a copy from being taken while another read moves it forward.
            with self._reading[hash(aggregate_id) % len(self._reading)]:
                if trusting and batched is None:
                    aggregate = self._kept_copy(aggregate_id)
                if aggregate is None:
                    aggregate = self.app.repository.get(aggregate_id)
                    self._check_trust(aggregate)
        elif aggregate is None:
            aggregate = self.app.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, kind):
            raise AggregateNotFoundError(aggregate_id)
        if batched is not None:
            batched[aggregate_id] = aggregate
        return aggregate

    def optimistic(self, attempt: Callable[[bool], T]) -> T:
        """``attempt(True)``: a command that may read the copies this process kept
        (``get(trusting=True)``) instead of asking the store for newer events. If it
        read one and is refused (a rule, the caller's version, or the store holding
        that version already), it runs again as ``attempt(False)``, reading what the
        store holds: its answer is the answer. A copy found stale then (another
        process wrote, or a command racing this one) stops the trust for
        ``DISTRUST_SECONDS``, logged when that begins. Only a save meets the store's
        check of a copy's version, so a trusting attempt that would save nothing
        must read the store instead (``Handlers._record`` does)."""
        self._local.trusted = {}
        try:
            return attempt(True)
        except IdempotencyKeyReused:
            raise  # the key's doing, whatever the copy
        except (DomainError, VersionConflict):
            if not self._local.trusted:
                raise
        finally:
            trusted, self._local.trusted = self._local.trusted, None
        self._local.checking = trusted
        try:
            return attempt(False)
        finally:
            self._local.checking = None

    def _kept_copy(self, aggregate_id: UUID) -> Any:
        """A copy of the aggregate as this process saved and kept it, if the cache
        still holds that version and copies are trusted; else None."""
        trusted: dict[UUID, int] | None = getattr(self._local, "trusted", None)
        kept = self._kept.get(aggregate_id)
        cache = self.app.repository.cache
        if trusted is None or kept is None or cache is None:
            return None
        if time.monotonic() < self._distrusted_until:
            return None
        try:
            cached: Any = cache.get(aggregate_id)
        except KeyError:
            return None
        if cached.version != kept:  # a read moved it forward: another's events
            return None
        trusted[aggregate_id] = kept
        return deepcopy(cached)

    def _check_trust(self, aggregate: Aggregate) -> None:
        """After a command refused on a kept copy, whether the copy was stale."""
        checking: dict[UUID, int] | None = getattr(self._local, "checking", None)
        kept = (checking or {}).get(aggregate.id)
        if kept is not None and aggregate.version != kept:
            if time.monotonic() >= self._distrusted_until:
                log.info(
                    "aggregate %s had moved on from the copy kept at version %d "
                    "(another process wrote it, or a command racing this one): "
                    "kept copies are not trusted for %g s",
                    aggregate.id,
                    kept,
                    DISTRUST_SECONDS,
                )
            self._distrusted_until = time.monotonic() + DISTRUST_SECONDS

    @staticmethod
    def unsaved(aggregate: Aggregate) -> bool:
        """Whether none of the aggregate's history is stored yet: it was created in
        the batch in hand, and all its events wait for the batch's end."""
        return len(aggregate.pending_events) == aggregate.version

    def peek(self, aggregate_id: UUID, kind: type[A], read: Callable[[A], T]) -> T:
        """What ``read`` reads of the aggregate as it stands, without a copy of it:
        for a value a command needs from another aggregate (a programme's cap on
        sessions), where copying the whole aggregate costs more than the read."""
        batched = self.batched()
        aggregate: Any = (batched or {}).get(aggregate_id)
        with self._reading[hash(aggregate_id) % len(self._reading)]:
            if aggregate is None:
                aggregate = self.app.repository.get(
                    aggregate_id, deepcopy_from_cache=False
                )
            if not isinstance(aggregate, kind):
                raise AggregateNotFoundError(aggregate_id)
            return read(aggregate)

    def read_many(self, ids: Iterable[UUID], kind: type[A]) -> dict[UUID, A]:
        """The stored aggregates of ``ids`` that are ``kind``, from their events
        read in one query (per ``READ_MANY``): for a batch that will ask for many
        (an import's batch names tens of coaches), where reading each on its own
        costs a round trip each. From the store only: not through the cache nor
        the batch in hand, without snapshots (for small aggregates), and an id of
        ``not_aggregates`` is read as any other. A history with a version missing is
        ``HistoryDamaged``, as ``get`` names it."""
        tables, found = self._tables, {}
        events = tables.name(self.app.recorder.events_table_name)  # type: ignore[attr-defined]
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), READ_MANY):
            rows = tables.events_of(events, wanted[start : start + READ_MANY])
            for raw_id, stored in groupby(rows, key=lambda row: str(row[0])):
                aggregate_id, aggregate = UUID(raw_id), None
                try:
                    for _, version, topic, state in stored:
                        event: Any = self.app.mapper.to_domain_event(
                            StoredEvent(aggregate_id, int(version), topic, bytes(state))
                        )
                        aggregate = event.mutate(aggregate)
                except OriginatorVersionError as error:
                    raise HistoryDamaged(aggregate_id, str(error)) from error
                if isinstance(aggregate, kind):
                    found[aggregate_id] = aggregate
        return found

    def version_of(self, aggregate_id: UUID) -> int:
        store = self.app.repository.event_store
        last = list(store.get(aggregate_id, desc=True, limit=1))
        return last[0].originator_version if last else 0

    # Answering once -------------------------------------------------------------------

    def answer(
        self,
        key: IdempotencyKey | None,
        write: Callable[[], Aggregate],
        *,
        keep: bool = False,
    ) -> Answer:
        """Runs ``write`` (which returns the aggregate it created or changed, as
        saved) at most once per caller's key. The same key with a different
        request is refused with ``IdempotencyKeyReused``. Without a key, the write
        just runs. With ``keep``, the saved aggregate becomes the cached one
        (see ``keep``)."""
        if key is not None and time.monotonic() - self._forgotten_at > FORGET_EVERY:
            self._forgotten_at = time.monotonic()
            self.idempotency.forget_old()  # hourly, besides at start-up
        if key is not None and (stored := self.idempotency.find(key)) is not None:
            return Answer(stored.aggregate_id, stored.version, replayed=True)
        self._local.key = key
        try:
            result = write()
        except AlreadyAnswered as already:
            record = already.record
            return Answer(record.aggregate_id, record.version, replayed=True)
        except (DomainError, VersionConflict):
            # A request with the same key may have committed after the look-up
            # above; its answer, not this attempt's refusal, is the answer.
            if key is None or (stored := self.idempotency.find(key)) is None:
                raise
            return Answer(stored.aggregate_id, stored.version, replayed=True)
        finally:
            self._local.key = None
        answer = Answer(result.id, result.version)
        if keep:
            self.keep(result)
        return answer

    def keep(self, aggregate: Aggregate) -> None:
        """Puts an aggregate just saved in the cache, for the next command on it to
        start from: otherwise that command reads back and decodes (and unseals) the
        event this one stored. Nothing may use the aggregate afterwards: a read
        moves the cached one forward in place. One with events not yet saved (in a
        batch) is left out, and so is every aggregate when there is no cache."""
        cache = self.app.repository.cache
        if cache is None or aggregate.pending_events:
            return
        with self._reading[hash(aggregate.id) % len(self._reading)]:
            try:
                cached: Any = cache.get(aggregate.id)
            except KeyError:
                cached = None
            if cached is not None and cached.version > aggregate.version:
                return  # a later command's, kept first
            cache.put(aggregate.id, aggregate)
            if len(self._kept) >= 2 * getattr(cache, "maxsize", len(self._kept) + 1):
                self._kept.clear()  # the cache forgot most of them
            self._kept[aggregate.id] = aggregate.version

    # Saving ---------------------------------------------------------------------------

    def save(
        self,
        aggregate_id: UUID,
        expected_version: int | None,
        *aggregates: Aggregate,
        **writes: list[Any],
    ) -> None:
        """Saves the aggregates, with ``writes`` for the recorder (``shred=[...]``);
        a conflict on ``aggregate_id`` is a ``VersionConflict``. In a batch, they
        are kept until the batch ends."""
        batched = self.batched()
        if batched is not None:
            batched.update((aggregate.id, aggregate) for aggregate in aggregates)
            for name, rows in writes.items():
                self._local.writes.setdefault(name, []).extend(rows)
            return
        try:
            self.store(aggregates[0], *aggregates[1:], **writes)
        except (ChainOutOfStep, VersionsOutOfStep):
            raise  # the store's integrity, or a fault: not another writer's doing
        except IntegrityError:
            current = self.version_of(aggregate_id)
            raise VersionConflict(aggregate_id, expected_version, current) from None

    def store(
        self, first: Aggregate, *others: Aggregate | DomainEvent, **writes: list[Any]
    ) -> None:
        """Saves, with the idempotency record answering for ``first`` if the write
        runs under a key, through the group commit when it is on."""
        key: IdempotencyKey | None = getattr(self._local, "key", None)
        records = [key.answered(first.id, first.version)] if key else []
        self._forget_kept(first, *others)
        save = self.group_commit.save if self.group_commit else self.app.save
        try:
            save(first, *others, idempotency=records, **writes)
        except IntegrityError:
            answer = self.idempotency.find(key) if key else None
            if answer is not None:
                raise AlreadyAnswered(answer) from None
            raise

    # Batches --------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Records many commands as one transaction: the aggregates they load and
        change stay in memory and are saved together when the block ends, all or
        nothing. For imports and the demo; commands in the block see each other's
        changes, queries of the stored history see them once the block ends. The
        store's statistics are kept up with what the batches store
        (``PlannerStatistics``)."""
        if self.batched() is not None:
            raise RuntimeError("batches do not nest")
        self._local.aggregates = {}
        self._local.writes = {}
        try:
            yield
            changed = list(self._local.aggregates.values())
            writes = self._local.writes
        finally:
            self._local.aggregates = self._local.writes = None
        events = sum(len(aggregate.pending_events) for aggregate in changed)
        self._forget_kept(*changed)
        self.app.save(*changed, **writes)
        if self.statistics is not None:
            self.statistics.stored(events)

    def _forget_kept(self, *saved: Aggregate | DomainEvent) -> None:
        """A save of an aggregate makes the copy kept of it no longer its last
        version, until the saving command keeps its own."""
        for aggregate in saved:
            if isinstance(aggregate, Aggregate):
                self._kept.pop(aggregate.id, None)

    def batched(self) -> dict[UUID, Aggregate] | None:
        aggregates: dict[UUID, Aggregate] | None = getattr(
            self._local, "aggregates", None
        )
        return aggregates
