"""Worked examples of the five changes to a stored event (docs/developers/events.md).

Each starts from rows as an older release stored them, in the service's own store,
and reads them with today's code. ``Logbook`` is a small aggregate of this module
whose events have been through every kind of change:

- ``Noted`` version 1 held ``text`` and ``hours`` (a float); version 2 added
  ``channel`` with a default, version 3 renamed ``text`` to ``note``, version 4 made
  ``hours`` a Decimal;
- ``Booked`` (a date and a room) was split into ``Scheduled`` and ``RoomAssigned``;
- ``Flagged`` was retired: no command records it any more.

The trajectory's own guarantees follow: its views read upcast events and retired
codes as the aggregate does, and a retired event type stays in a retraction's
re-check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.domain import event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from application.errors import StoredByNewerCode
from application.projections import events as view_events
from application.service import Trajectories
from application.settings import Settings
from application.transcoding import RETIRED_CODES
from application.views import Views
from domain.commands import COMMAND_FOR_EVENT
from domain.commands import HoldSession
from domain.commands import IdentifyBarrier
from domain.commands import RetractEntry
from domain.trajectory import Trajectory
from domain.vocabulary import Barrier
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

RECORDED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


class Logbook(Aggregate):
    TOPIC = "example:Logbook"

    class Event(Aggregate.Event):
        TOPIC = "example:Logbook.Event"

    class Opened(Aggregate.Created):
        TOPIC = "example:Logbook.Opened"
        owner: str

    @event(Opened)
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.notes: list[tuple[str, str, Decimal]] = []
        self.bookings: dict[date, str | None] = {}
        self.flags: list[str] = []

    class Noted(Aggregate.Event):
        """Version 4: a note, the channel it came by, the hours it took."""

        TOPIC = "example:Logbook.Noted"
        class_version = 4

        note: str
        channel: str
        hours: Decimal

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A field added: version 1 knew only notes taken in person."""
            state["channel"] = "in person"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """A field renamed: ``text`` is ``note``."""
            state["note"] = state.pop("text")

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            """A field's type changed: hours were a float."""
            state["hours"] = Decimal(str(state["hours"]))

    @event(Noted)
    def take_note(self, note: str, channel: str, hours: Decimal) -> None:
        self.notes.append((note, channel, hours))

    class Scheduled(Aggregate.Event):
        TOPIC = "example:Logbook.Scheduled"
        on: date

    class RoomAssigned(Aggregate.Event):
        TOPIC = "example:Logbook.RoomAssigned"
        on: date
        room: str

    def book(self, on: date, room: str | None) -> None:
        """Records what ``Booked`` once did in one event, in two."""
        self._schedule(on)
        if room is not None:
            self._assign(on, room)

    @event(Scheduled)
    def _schedule(self, on: date) -> None:
        self.bookings[on] = None

    @event(RoomAssigned)
    def _assign(self, on: date, room: str) -> None:
        self.bookings[on] = room

    class Booked(Aggregate.Event):
        """Split into ``Scheduled`` and ``RoomAssigned``: kept so stored ones read,
        and applied as the two would be."""

        TOPIC = "example:Logbook.Booked"
        on: date
        room: str

        def apply(self, aggregate: Any) -> None:
            aggregate.bookings[self.on] = self.room

    class Flagged(Aggregate.Event):
        """Retired: no command records it, stored ones read and apply as before."""

        TOPIC = "example:Logbook.Flagged"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.flags.append(self.reason)


class Store:
    """Rows put into the service's store as an older release wrote them."""

    def __init__(self, service: Trajectories) -> None:
        self.service = service
        self.logbook_id = uuid4()
        self.version = 0
        self.row(
            "example:Logbook.Opened", originator_topic="example:Logbook", owner="Hilde"
        )

    def row(self, topic: str, class_version: int = 1, **state: Any) -> None:
        """One event of ``topic`` as version ``class_version`` of its class stored
        it: its fields, the library's timestamp, and the version where above 1."""
        self.version += 1
        state["timestamp"] = RECORDED
        if class_version > 1:
            state["class_version"] = class_version
        encoded = self.service.mapper.transcoder.encode(state)
        stored = StoredEvent(self.logbook_id, self.version, topic, encoded)
        self.service.recorder.insert_events([stored])

    def logbook(self) -> Logbook:
        logbook: Logbook = self.service.repository.get(self.logbook_id)
        return logbook


@pytest.fixture
def store(service: Trajectories) -> Store:
    return Store(service)


def test_a_field_added_with_a_default(store: Store) -> None:
    store.row("example:Logbook.Noted", text="called the employer", hours=0.5)

    logbook = store.logbook()

    assert logbook.notes == [("called the employer", "in person", Decimal("0.5"))]


def test_a_field_renamed(store: Store) -> None:
    store.row(
        "example:Logbook.Noted",
        class_version=2,
        text="visit at the workplace",
        channel="on site",
        hours=1.5,
    )

    logbook = store.logbook()

    assert logbook.notes == [("visit at the workplace", "on site", Decimal("1.5"))]


def test_a_field_whose_type_changed(store: Store) -> None:
    store.row(
        "example:Logbook.Noted",
        class_version=3,
        note="CV reviewed",
        channel="by phone",
        hours=0.25,
    )

    logbook = store.logbook()

    [(_, _, hours)] = logbook.notes
    assert hours == Decimal("0.25") and isinstance(hours, Decimal)


def test_todays_events_are_stored_with_todays_version(store: Store) -> None:
    logbook = store.logbook()
    logbook.take_note("new note", channel="by mail", hours=Decimal("0.5"))
    store.service.save(logbook)

    stored = store.service.recorder.select_events(store.logbook_id, gt=1)

    assert [json.loads(s.state)["class_version"] for s in stored] == [4]
    assert store.logbook().notes == [("new note", "by mail", Decimal("0.5"))]


def test_an_event_split_in_two_reads_as_the_pair_would(store: Store) -> None:
    store.row("example:Logbook.Booked", on=date(2024, 3, 4), room="B12")
    old = store.logbook()
    old.book(date(2024, 3, 11), "B14")
    old.book(date(2024, 3, 18), None)
    store.service.save(old)

    logbook = store.logbook()

    assert logbook.bookings == {
        date(2024, 3, 4): "B12",
        date(2024, 3, 11): "B14",
        date(2024, 3, 18): None,
    }
    topics = [s.topic for s in store.service.recorder.select_events(store.logbook_id)]
    assert topics[2:] == [
        "example:Logbook.Scheduled",
        "example:Logbook.RoomAssigned",
        "example:Logbook.Scheduled",
    ]


def test_a_retired_event_type_still_reads_and_applies(store: Store) -> None:
    store.row("example:Logbook.Flagged", reason="no show twice")

    logbook = store.logbook()

    assert logbook.flags == ["no show twice"]
    assert not any(callable(getattr(logbook, n, None)) for n in ("flag", "_flag"))


def test_an_event_stored_by_a_newer_version_is_never_misread(store: Store) -> None:
    """As after a rollback over events a newer release wrote."""
    store.row("example:Logbook.Noted", class_version=5, note="n", channel="c", hours=1)

    with pytest.raises(StoredByNewerCode) as refused:
        store.logbook()

    assert "example:Logbook.Noted of version 5" in str(refused.value)
    assert "reads its versions up to 4" in str(refused.value)


# The trajectory's own events --------------------------------------------------------


@pytest.fixture
def trajectory_service(database_url: str) -> Iterator[Trajectories]:
    service = Trajectories(Settings(database_url=database_url, snapshot_interval=50))
    register_buso_programme(service)
    yield service
    service.close()


def hold_session(service: Trajectories, trajectory_id: UUID, minutes: int) -> int:
    session = HoldSession(
        on=date(2024, 3, 11),
        minutes=minutes,
        mode=SessionMode.INDIVIDUAL,
        setting=SessionSetting.OFFICE,
    )
    return service.record(trajectory_id, session, recorded_by="Hilde").version


def caseload_rows(service: Trajectories) -> list[Any]:
    views = Views(service)
    try:
        views.rebuild_stale()
        views.catch_up()
        return list(views.caseload.view.rows())
    finally:
        views.stop()


def test_the_views_read_an_upcast_trajectory_event_and_are_rebuilt_for_it(
    trajectory_service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given sessions stored by version 2 of SessionHeld and a caseload built from
    them, when a version 3 upcasts them (here: a day later), then the view
    is rebuilt (its fingerprint follows the events' versions) and folds them as
    the aggregate reads them."""
    service = trajectory_service
    trajectory_id = taken_in(service)
    hold_session(service, trajectory_id, 30)
    [before] = caseload_rows(service)

    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["on"] += timedelta(days=1)

    session_held = resolve_topic("trajectory:SessionHeld")
    assert session_held.class_version == 2  # what hold_session stored
    monkeypatch.setattr(session_held, "class_version", 3, raising=False)
    monkeypatch.setattr(
        session_held,
        "upcast_v2_v3",
        staticmethod(upcast_v2_v3),
        raising=False,
    )
    monkeypatch.setitem(view_events.CODE_VERSIONS, "SessionHeld", 3)
    service.repository.cache = None  # as after a restart
    [after] = caseload_rows(service)

    assert (before.last_contact_on, after.last_contact_on) == (
        "2024-03-11",
        "2024-03-12",
    )
    assert service.trajectory(trajectory_id).last_contact_on == date(2024, 3, 12)


def copied_with(
    service: Trajectories, trajectory_id: UUID, old: bytes, new: bytes
) -> UUID:
    """The trajectory's stored rows again, as another trajectory, with ``old`` bytes
    in their state written ``new``: as an older release would have stored them."""
    copy_id = uuid4()
    service.recorder.insert_events(
        [
            StoredEvent(
                copy_id, s.originator_version, s.topic, s.state.replace(old, new)
            )
            for s in service.recorder.select_events(trajectory_id)
        ]
    )
    return copy_id


def test_a_retired_code_reads_as_its_successor_in_the_aggregate_and_the_views(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a barrier stored with a code the vocabulary has since retired ("debt",
    now "debt_income"), then the trajectory and the caseload read its successor."""
    service = Trajectories(Settings(database_url=database_url))
    register_buso_programme(service)
    trajectory_id = taken_in(service, barriers=[Barrier.DEBT_INCOME])
    old_id = copied_with(service, trajectory_id, b'"debt_income"', b'"debt"')
    service.close()
    barrier: type[Enum] = Barrier
    monkeypatch.setitem(RETIRED_CODES, barrier, {"debt": Barrier.DEBT_INCOME})

    service = Trajectories(Settings(database_url=database_url))
    try:
        barriers = service.trajectory(old_id).open_barriers
        rows = {row.trajectory_id: row for row in caseload_rows(service)}
    finally:
        service.close()

    assert list(barriers) == [Barrier.DEBT_INCOME]
    assert rows[old_id].open_barriers == rows[trajectory_id].open_barriers
    assert rows[old_id].open_barriers == ["debt_income"]


def test_the_views_never_misread_a_trajectory_event_of_a_newer_version(
    trajectory_service: Trajectories,
) -> None:
    service = trajectory_service
    trajectory_id = taken_in(service)
    newer = copied_with(  # the intake, stored at version 2, as if of version 9
        service, trajectory_id, b'"class_version":2}', b'"class_version":9}'
    )
    [stored] = service.recorder.select_events(newer, gt=1, limit=1)

    with pytest.raises(StoredByNewerCode):
        service.trajectory(newer)
    with pytest.raises(StoredByNewerCode):
        view_events.decode(newer, 2, stored.topic, stored.state)


def test_a_retired_trajectory_event_stays_through_a_retraction(
    trajectory_service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a barrier identified before BarrierIdentified was retired, when a later
    session is retracted, then the retraction's re-check re-applies the barrier as
    stored (no command records it any more) and the barrier stays."""
    service = trajectory_service
    trajectory_id = taken_in(service)
    identify = IdentifyBarrier(on=date(2024, 3, 4), barrier=Barrier.MOBILITY)
    service.record(trajectory_id, identify, recorded_by="Hilde")
    session = hold_session(service, trajectory_id, 45)
    monkeypatch.setattr(Trajectory, "RETIRED_EVENTS", frozenset({"BarrierIdentified"}))
    monkeypatch.delitem(COMMAND_FOR_EVENT, "BarrierIdentified")
    service.repository.cache = None

    retraction = RetractEntry(on=date(2024, 3, 12), version=session, reason="twice")
    service.record(trajectory_id, retraction, recorded_by="Hilde")

    trajectory = service.trajectory(trajectory_id)
    assert list(trajectory.open_barriers) == [Barrier.MOBILITY]
    assert trajectory.session_minutes == 0
