"""A save is stored whole or not at all, whatever fails during it.

A fault is injected at each step of a save, in turn: each statement the save sends
beside its events (the idempotency record, the participant's data key, the search
index's rows), the events' insert, the read of the chains' heads, the computation
of the links, the links' insert and the heads' update, and a stored event that
cannot be stored. Each time the save fails, nothing of it is stored, every chain
holds, and the aggregate takes the same save again. On both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.sqlite import SQLiteCursor

from application.audit import stores
from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.idempotency import IdempotencyKey
from application.service import Trajectories
from application.storage import IDEMPOTENCY_TABLE
from application.storage import KEYS_TABLE
from application.storage import SEARCH_TABLE
from application.writes import Answer
from domain.commands import HoldSession
from domain.commands import RegisterParticipant
from domain.vocabulary import Gender
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

EVENTS = "the events' table"  # its name is the recorder's
SESSION = HoldSession(
    on=date(2024, 2, 20),
    minutes=45,
    mode=SessionMode.INDIVIDUAL,
    setting=SessionSetting.OFFICE,
    note="a note sealed under the participant's key",
)


class Injected(Exception):
    """The fault a test injects."""


# Where a fault is injected: a statement whose SQL mentions the table (with the
# words given), or a step of the recorder's own code.
STATEMENTS = {
    "the idempotency record": ("INSERT", IDEMPOTENCY_TABLE),
    "the data key": ("INSERT", KEYS_TABLE),
    "the search index's rows": ("INSERT", SEARCH_TABLE),
    "the events' insert": ("INSERT", EVENTS),
    "the read of the chains' heads": ("SELECT", HEADS_TABLE),
    "the links' insert": ("INSERT", LINKS_TABLE),
    "the heads' update": ("INSERT", HEADS_TABLE),
}
STEPS = [*STATEMENTS, "the links' computation", "an event that cannot be stored"]
# A session writes no data key and no search index rows.
EVENT_STEPS = [s for s in STEPS if s not in ("the data key", "the search index's rows")]


def sql_text(query: Any, cursor: Any) -> str:
    if isinstance(query, bytes):
        return query.decode()
    if isinstance(query, str):
        return query
    return str(query.as_string(cursor))


@contextmanager
def fault_at(step: str, service: Trajectories) -> Iterator[None]:
    """Raises ``Injected`` at the step, in every save made in the block."""
    with pytest.MonkeyPatch.context() as patch:
        if step in STATEMENTS:
            verb, table = STATEMENTS[step]
            if table == EVENTS:
                table = service.recorder.events_table_name  # type: ignore[attr-defined]

            def faulty(method: Callable[..., Any]) -> Callable[..., Any]:
                def run(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                    text = sql_text(query, cursor)
                    if text.lstrip().upper().startswith(verb) and table in text:
                        raise Injected(step)
                    return method(cursor, query, *args, **kwargs)

                return run

            for cursor_class in (psycopg.Cursor, SQLiteCursor):
                for name in ("execute", "executemany"):
                    patch.setattr(
                        cursor_class, name, faulty(getattr(cursor_class, name))
                    )
        elif step == "the links' computation":

            def failing_chain(*args: Any, **kwargs: Any) -> Any:
                raise Injected(step)

            patch.setattr(stores, "chain", failing_chain)
        else:  # a stored event with no state, as a faulty mapper would give
            mapper: Any = service.mapper
            to_stored_event = mapper.to_stored_event

            def stateless(domain_event: Any) -> Any:
                return replace(to_stored_event(domain_event), state=None)

            patch.setattr(mapper, "to_stored_event", stateless)
        yield


class Store:
    """Counts the rows of every table a save writes to."""

    def __init__(self, service: Trajectories) -> None:
        self.service = service
        recorder: Any = service.recorder
        self.datastore = recorder.datastore
        self.postgres = service.settings.is_postgres
        schema = f'"{self.datastore.schema}".' if self.postgres else ""
        self.tables = [
            f"{schema}{table}"
            for table in (
                recorder.events_table_name,
                LINKS_TABLE,
                HEADS_TABLE,
                IDEMPOTENCY_TABLE,
                KEYS_TABLE,
                SEARCH_TABLE,
            )
        ]

    def rows(self) -> dict[str, int]:
        counts = {}
        with self.datastore.transaction(commit=False) as cursor:
            for table in self.tables:
                cursor.execute(f"SELECT count(*) AS n FROM {table}")
                row = cursor.fetchone()
                counts[table] = int(row["n"] if self.postgres else row[0])
            heads = self.tables[2]
            cursor.execute(f"SELECT sum(version) AS n FROM {heads}")
            row = cursor.fetchone()
            counts["head versions"] = int((row["n"] if self.postgres else row[0]) or 0)
        return counts


@pytest.fixture
def store(service: Trajectories) -> Store:
    register_buso_programme(service)
    # The first registration stores the store's own secret (the search index's,
    # ``privacy/index.py``) ahead of its save, on purpose: it is there before.
    service.register_participant(registration(0), recorded_by="Hilde")
    return Store(service)


def registration(n: int) -> RegisterParticipant:
    return RegisterParticipant(
        given_name=f"Lien {n}",
        family_name="Wouters",
        birth_date=date(2003, 7, 1),
        gender=Gender.F,
        confirmed_new_person=True,
    )


@pytest.mark.parametrize("step", STEPS)
def test_a_fault_in_a_registration_stores_nothing_and_the_next_one_is_stored(
    store: Store, step: str
) -> None:
    service = store.service
    before = store.rows()
    key = IdempotencyKey("a token", f"register {step}", "its body")

    with fault_at(step, service), pytest.raises(Exception) as failed:
        service.register_participant(registration(1), recorded_by="Hilde", key=key)

    assert store.rows() == before, f"{step}: {failed.value!r}"
    assert service.verify().intact
    answer = service.register_participant(registration(1), recorded_by="Hilde", key=key)
    assert not answer.replayed
    assert service.participant(answer.id).given_name == "Lien 1"
    assert service.verify().intact


@pytest.mark.parametrize("step", EVENT_STEPS)
def test_a_fault_in_an_event_stores_nothing_and_the_trajectory_takes_it_again(
    store: Store, step: str
) -> None:
    service = store.service
    trajectory_id = taken_in(service)
    before = store.rows()
    key = IdempotencyKey("a token", f"session {step}", "its body")

    with fault_at(step, service), pytest.raises(Exception) as failed:
        service.record(trajectory_id, SESSION, recorded_by="Hilde", key=key)

    assert store.rows() == before, f"{step}: {failed.value!r}"
    assert isinstance(failed.value, Injected) or step in (
        "an event that cannot be stored",
    ), repr(failed.value)
    assert service.verify().intact
    again = service.record(trajectory_id, SESSION, recorded_by="Hilde", key=key)
    assert again == Answer(trajectory_id, 3, replayed=False)
    assert service.trajectory(trajectory_id).version == 3
    assert service.verify().intact


def test_a_trajectory_whose_save_failed_in_its_linking_is_not_left_out_of_step(
    store: Store,
) -> None:
    service = store.service
    trajectory_id = taken_in(service)
    with fault_at("the links' computation", service), pytest.raises(Injected):
        service.record(trajectory_id, SESSION, recorded_by="Hilde")

    for version in (3, 4):
        answer = service.record(trajectory_id, SESSION, recorded_by="Hilde")
        assert answer == Answer(trajectory_id, version, replayed=False)
    assert _versions(service, trajectory_id) == [1, 2, 3, 4]


def _versions(service: Trajectories, aggregate_id: UUID) -> list[int]:
    event_store = service.repository.event_store
    return [e.originator_version for e in event_store.get(aggregate_id)]
