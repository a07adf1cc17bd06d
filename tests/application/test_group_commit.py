"""Group commit: concurrent saves share transactions, and only a conflicting save fails.

The committer is held inside its first transaction, so the saves sent meanwhile
queue up deterministically; the test then lets it go and reads which transaction
carried which events.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import ProcessingEvent

from application.idempotency import IdempotencyKey, IdempotencyKeyReused
from application.trajectories import Answer, Trajectories, VersionConflict
from domain.vocabulary import Gender, SessionMode, SessionSetting
from tests.service_builders import register_buso_programme, taken_in


class HeldCommitter:
    """Once armed, holds the committer in its next transaction until ``release()``,
    and records the event count of every transaction it is asked to commit."""

    def __init__(self, service: Trajectories) -> None:
        assert service.group_commit is not None
        self.group = service.group_commit
        self.transactions: list[int] = []
        self.armed = False
        self.entered, self._released = threading.Event(), threading.Event()
        record = service._record

        def held(processing: ProcessingEvent[UUID]) -> Any:
            if self.armed:
                self.transactions.append(len(processing.events))
                if not self.entered.is_set():
                    self.entered.set()
                    assert self._released.wait(10)
            return record(processing)

        service._record = held  # type: ignore[method-assign,assignment]

    def wait_for_queue(self, saves: int) -> None:
        for _ in range(1000):
            with self.group._ready:
                if len(self.group._waiting) >= saves:
                    return
            threading.Event().wait(0.005)
        raise AssertionError(f"{saves} saves never queued")

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def held(service: Trajectories) -> Iterator[HeldCommitter]:
    register_buso_programme(service)
    holder = HeldCommitter(service)
    yield holder
    holder.release()


def register(service: Trajectories, name: str) -> UUID:
    return service.register_participant(
        given_name=name,
        family_name="Claes",
        birth_date=date(2001, 5, 4),
        gender=Gender.F,
        recorded_by="Hilde",
    ).id


def in_threads(
    pool: ThreadPoolExecutor, held: HeldCommitter, *calls: Callable[[], Any]
) -> list[Future[Any]]:
    """Starts the first call, waits until the committer holds it, then queues the
    others behind it."""
    held.armed = True
    first = pool.submit(calls[0])
    assert held.entered.wait(10)
    rest = [pool.submit(call) for call in calls[1:]]
    held.wait_for_queue(len(rest))
    return [first, *rest]


def session_on(service: Trajectories, trajectory_id: UUID, **extra: Any) -> int:
    return service.hold_session(
        trajectory_id,
        on=date(2024, 2, 20),
        minutes=60,
        mode=SessionMode.INDIVIDUAL,
        setting=SessionSetting.WORKPLACE,
        note="",
        recorded_by="Hilde",
        **extra,
    )


def test_saves_queued_during_a_commit_share_the_next_transaction(
    service: Trajectories, held: HeldCommitter
) -> None:
    names = [f"participant {n}" for n in range(9)]
    with ThreadPoolExecutor(len(names)) as pool:
        futures = in_threads(
            pool, held, *[lambda name=name: register(service, name) for name in names]
        )
        held.release()
        ids = [future.result(10) for future in futures]

    assert held.transactions == [1, 8]
    assert [service.participant(i).given_name for i in ids] == names


def test_two_saves_of_one_aggregate_never_share_a_transaction(
    service: Trajectories, held: HeldCommitter
) -> None:
    trajectory_id = taken_in(service)
    with ThreadPoolExecutor(3) as pool:
        futures = in_threads(
            pool,
            held,
            lambda: register(service, "someone else"),
            lambda: session_on(service, trajectory_id),
            lambda: session_on(service, trajectory_id),
        )
        held.release()
        outcomes = [future.exception(10) or future.result() for future in futures]

    assert held.transactions == [1, 1, 1], "the second session waited for its own"
    conflicts = [o for o in outcomes[1:] if isinstance(o, VersionConflict)]
    assert [o for o in outcomes[1:] if isinstance(o, int)] == [3]
    assert [c.current for c in conflicts] == [3]
    assert service.trajectory(trajectory_id).version == 3


def test_a_conflict_in_a_shared_transaction_fails_only_its_own_save(
    service: Trajectories, held: HeldCommitter
) -> None:
    one, other = taken_in(service), taken_in(service, coach="Jef")
    key = "retry-me"

    def keyed(trajectory_id: UUID, fingerprint: str) -> Callable[[], Any]:
        claim = IdempotencyKey("scope", key, fingerprint)
        return lambda: service.once(claim, lambda: session_on(service, trajectory_id))

    with ThreadPoolExecutor(4) as pool:
        futures = in_threads(
            pool,
            held,
            lambda: register(service, "first"),
            keyed(one, "a"),
            keyed(other, "b"),  # the same key for another request
            lambda: register(service, "bystander"),
        )
        held.release()
        outcomes = [future.exception(10) or future.result() for future in futures]

    assert held.transactions[1] == 3, "the three queued saves went together first"
    assert held.transactions[2:] == [1, 1, 1], "then each on its own"
    assert len(held.transactions) == 5
    keyed_outcomes = {one: outcomes[1], other: outcomes[2]}
    [winner] = [t for t, o in keyed_outcomes.items() if isinstance(o, Answer)]
    [loser] = [t for t, o in keyed_outcomes.items() if t != winner]
    assert keyed_outcomes[winner] == Answer(None, 3, replayed=False)
    assert isinstance(keyed_outcomes[loser], IdempotencyKeyReused)
    assert isinstance(outcomes[3], UUID)
    assert service.trajectory(winner).version == 3
    assert service.trajectory(loser).version == 2


def test_a_save_that_cannot_be_stored_fails_alone(
    service: Trajectories, held: HeldCommitter
) -> None:
    assert service.group_commit is not None
    unstorable = service.programme_log.trigger_event(programme_id=object())

    with ThreadPoolExecutor(4) as pool:
        futures = in_threads(
            pool,
            held,
            lambda: register(service, "first"),
            lambda: register(service, "before"),
            lambda: service.group_commit.save(unstorable),  # type: ignore[union-attr]
            lambda: register(service, "after"),
        )
        held.release()
        outcomes = [future.exception(10) or future.result() for future in futures]

    assert held.transactions[1] == 3, "the three queued saves went together first"
    assert isinstance(outcomes[2], Exception)
    names = [service.participant(o).given_name for o in outcomes if isinstance(o, UUID)]
    assert names == ["first", "before", "after"]
