"""Group commit: concurrent saves share transactions, and only a conflicting save fails.

The committer is held inside its first transaction, so the saves sent meanwhile
queue up deterministically; the test then lets it go and reads which transaction
carried which events.
"""

import select
import threading
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import OperationalError

from application.audit.stores import PostgresChains
from application.errors import IdempotencyKeyReused
from application.errors import VersionConflict
from application.idempotency import IdempotencyKey
from application.service import Trajectories
from application.settings import Settings
from application.storage import DatabaseUnavailable
from application.writes import Answer
from domain.commands import HoldSession
from domain.commands import RegisterParticipant
from domain.trajectory import Trajectory
from domain.vocabulary import Gender
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in


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
        RegisterParticipant(
            given_name=name,
            family_name="Claes",
            birth_date=date(2001, 5, 4),
            gender=Gender.F,
            confirmed_new_person=True,  # people of one name, each their own
        ),
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


SESSION = HoldSession(
    on=date(2024, 2, 20),
    minutes=60,
    mode=SessionMode.INDIVIDUAL,
    setting=SessionSetting.WORKPLACE,
    note="",
)


def session_on(
    service: Trajectories,
    trajectory_id: UUID,
    key: IdempotencyKey | None = None,
    version: int | None = None,
) -> Answer:
    return service.record(
        trajectory_id, SESSION, recorded_by="Hilde", key=key, expected_version=version
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
            # Both against version 2, as two callers who read it: the second to be
            # saved conflicts whether it started from a kept copy or the store's.
            lambda: session_on(service, trajectory_id, version=2),
            lambda: session_on(service, trajectory_id, version=2),
        )
        held.release()
        outcomes = [future.exception(10) or future.result() for future in futures]

    assert held.transactions == [1, 1, 1], "the second session waited for its own"
    conflicts = [o for o in outcomes[1:] if isinstance(o, VersionConflict)]
    assert [o.version for o in outcomes[1:] if isinstance(o, Answer)] == [3]
    assert [c.current for c in conflicts] == [3]
    assert service.trajectory(trajectory_id).version == 3


def test_a_conflict_in_a_shared_transaction_fails_only_its_own_save(
    service: Trajectories, held: HeldCommitter
) -> None:
    one, other = taken_in(service), taken_in(service, coach="Jef")
    key = "retry-me"

    def keyed(trajectory_id: UUID, fingerprint: str) -> Callable[[], Any]:
        claim = IdempotencyKey("scope", key, fingerprint)
        return lambda: session_on(service, trajectory_id, key=claim)

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
    assert keyed_outcomes[winner] == Answer(winner, 3, replayed=False)
    assert isinstance(keyed_outcomes[loser], IdempotencyKeyReused)
    assert isinstance(outcomes[3], UUID)
    assert service.trajectory(winner).version == 3
    assert service.trajectory(loser).version == 2


def test_a_save_that_cannot_be_stored_fails_alone(
    service: Trajectories, held: HeldCommitter
) -> None:
    assert service.group_commit is not None
    unstorable = service.catalogue.log.trigger_event(programme_id=object())

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


# The false 503: a conflict the server answered before the pipeline's sync -----------


@contextmanager
def answers_read_early(
    monkeypatch: pytest.MonkeyPatch, wait: float = 0.5
) -> Iterator[None]:
    """As under load: the server's answers to the statements sent so far (the
    insert's conflict among them) are in before the recorder sends its next one,
    so psycopg reads the conflict while sending it, before the pipeline's sync.
    Each save waits for them at most ``wait`` seconds."""
    ask_heads = PostgresChains.ask_heads

    def after_the_answers(
        chains: PostgresChains, connection: Any, stored_events: Any
    ) -> Any:
        connection.pgconn.flush()
        # Until the server answers (at most ``wait``: psycopg may have read the
        # answers already).
        select.select([connection.fileno()], [], [], wait)
        return ask_heads(chains, connection, stored_events)

    with monkeypatch.context() as patch:
        patch.setattr(PostgresChains, "ask_heads", after_the_answers)
        yield


def stale_session(service: Trajectories, trajectory_id: UUID) -> Trajectory:
    """The trajectory as read now, with a session recorded on it after another
    writer (another server, say) recorded one: its save conflicts."""
    stale: Any = service.repository.get(trajectory_id)
    assert isinstance(stale, Trajectory)
    with Trajectories(Settings(database_url=service.settings.database_url)) as other:
        session_on(other, trajectory_id)
    stale.hold_session(SESSION, recorded_by="Hilde")
    return stale


@pytest.mark.postgres
def test_a_conflict_read_before_the_sync_fails_only_its_own_save(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Trajectories(Settings(database_url=postgres_url)) as service:
        register_buso_programme(service)
        held = HeldCommitter(service)
        conflicted, bystander, first = (taken_in(service) for _ in range(3))
        stale = stale_session(service, conflicted)
        assert service.group_commit is not None
        with answers_read_early(monkeypatch), ThreadPoolExecutor(3) as pool:
            futures = in_threads(
                pool,
                held,
                lambda: session_on(service, first),
                lambda: session_on(service, bystander),
                lambda: service.group_commit.save(stale),  # type: ignore[union-attr]
            )
            held.release()
            outcomes = [future.exception(20) or future.result() for future in futures]

        assert held.transactions[1] == 2, "the bystander shared the conflict's"
        assert isinstance(outcomes[2], IntegrityError), outcomes[2]
        assert not isinstance(outcomes[2], OperationalError)
        assert outcomes[1] == Answer(bystander, 3, replayed=False)
        assert service.trajectory(bystander).version == 3
        assert service.trajectory(conflicted).version == 3  # the other writer's


def test_an_operational_error_of_one_save_fails_it_alone_while_the_database_answers(
    service: Trajectories, held: HeldCommitter
) -> None:
    one, other = taken_in(service), taken_in(service, coach="Jef")
    record = held.group.app._record

    def deadlocked(processing: ProcessingEvent[UUID]) -> Any:
        if any(e.originator_id == other for e in processing.events):
            raise OperationalError("deadlock detected")  # the server's answer
        return record(processing)

    held.group.app._record = deadlocked  # type: ignore[method-assign,assignment]
    with ThreadPoolExecutor(3) as pool:
        futures = in_threads(
            pool,
            held,
            lambda: register(service, "first"),
            lambda: session_on(service, one),
            lambda: session_on(service, other),
        )
        held.release()
        outcomes = [future.exception(10) or future.result() for future in futures]

    assert outcomes[1] == Answer(one, 3, replayed=False)
    assert isinstance(outcomes[2], OperationalError)
    assert not isinstance(outcomes[2], DatabaseUnavailable)
    assert service.trajectory(other).version == 2


# A request waits for the database at most its timeout ------------------------------


def test_a_save_still_queued_at_its_deadline_is_withdrawn_and_never_stored(
    service: Trajectories, held: HeldCommitter
) -> None:
    trajectory_id = taken_in(service)
    assert service.group_commit is not None
    service.group_commit.timeout = 0.2
    with ThreadPoolExecutor(2) as pool:
        futures = in_threads(
            pool,
            held,
            lambda: register(service, "held in its transaction"),
            lambda: session_on(service, trajectory_id),
        )
        refused = futures[1].exception(10)  # while the first is still held
        held.release()
        registered = futures[0].result(10)

    assert isinstance(refused, DatabaseUnavailable)
    assert "not stored" in str(refused)
    assert service.participant(registered).given_name == "held in its transaction"
    assert service.trajectory(trajectory_id).version == 2
    assert held.transactions == [1], "the withdrawn save never reached the store"
