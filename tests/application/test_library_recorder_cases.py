"""The eventsourcing library's own test cases for recorders (``eventsourcing.tests
.persistence``), run against the project's: the event store's recorders
(``application/storage/recorders.py``, with the hash chains of
``application/audit/``) as the library's aggregate and application recorders, and a
view (``application/projections/``) as its tracking recorder, on SQLite and PostgreSQL.

Where the project narrows the library's contract on purpose, the case is adapted
and says why (see docs/developers/tests.md): an aggregate's versions start at 1 and
follow one another, ids are UUIDs, and a view follows one upstream application.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import threading
from typing import Any

import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import StoredEvent
from eventsourcing.persistence import Tracking
from eventsourcing.tests.persistence import AggregateRecorderTestCase
from eventsourcing.tests.persistence import ApplicationRecorderTestCase
from eventsourcing.tests.persistence import TrackingRecorderTestCase
from eventsourcing.utils import Environment

from application.audit.chain import VersionsOutOfStep
from application.projections.caseload.rows import CaseloadRow
from application.projections.postgres import PostgresView
from application.projections.sqlite import SQLiteView
from application.projections.view import ProjectionView
from application.settings import Settings
from application.storage import PostgresEventRecorder
from application.storage import SQLiteEventRecorder
from tests.conftest import IN_CI
from tests.conftest import POSTGRES_URL
from tests.conftest import fresh_schema
from tests.conftest import postgres_unavailable


class Stores:
    """Opens a store for each recorder a case creates, and closes them after it."""

    postgres = False

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self._closing = contextlib.ExitStack()
        self._threads_before = set(threading.enumerate())
        if self.postgres and (problem := postgres_unavailable()):
            pytest.fail(problem) if IN_CI else pytest.skip(problem)

    def tearDown(self) -> None:
        # The library's concurrent cases start reader threads, tell them to stop and
        # return without joining them. Closing the store under a reader still in
        # its query crashes the process (SQLite's connection freed beneath it), so
        # the stores close only after every thread the case started has ended.
        # (The stores' own helpers, such as a connection pool's scheduler, are
        # daemons that end with the store.)
        for thread in set(threading.enumerate()) - self._threads_before:
            if thread.daemon:
                continue
            thread.join(timeout=30)
            assert not thread.is_alive(), f"{thread.name} did not end"
        self._closing.close()
        super().tearDown()  # type: ignore[misc]

    def url(self) -> str:
        if self.postgres:
            return self._closing.enter_context(fresh_schema(POSTGRES_URL))
        folder = self._closing.enter_context(tempfile.TemporaryDirectory())
        return f"sqlite:///{folder}/trajectory.db"

    def event_recorder(self) -> Any:
        env = Settings(database_url=self.url()).library_env()
        factory = InfrastructureFactory.construct(Environment("Trajectories", env))
        self._closing.callback(factory.close)
        recorder = factory.application_recorder()
        assert isinstance(recorder, PostgresEventRecorder | SQLiteEventRecorder)
        return recorder

    def view(self, application_name: str) -> ProjectionView[CaseloadRow]:
        datastore = self.event_recorder().datastore
        kind = PostgresView if self.postgres else SQLiteView
        view = kind(datastore, "caseload_rows", CaseloadRow, application_name)
        view.setup()
        return view


# The event store's recorders --------------------------------------------------------


class AsAggregateRecorder:
    """The event store's recorder as the library's aggregate recorder: the same, but
    for ``insert_events`` answering None, where an application recorder (which the
    event store's recorders are) answers the events' log positions."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    def insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> None:
        self.recorder.insert_events(stored_events, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.recorder, name)


class VersionsFromOne:
    """The recorder for the library's cases that number an aggregate's events from
    0: each save that starts a history at version 0 is stored one version up, from
    1, as the event store's contract wants. (Those cases never read the versions
    back.)"""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    def insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Any:
        starts = {e.originator_id for e in stored_events if e.originator_version == 0}
        shifted = [
            dataclasses.replace(e, originator_version=e.originator_version + 1)
            if e.originator_id in starts
            else e
            for e in stored_events
        ]
        return self.recorder.insert_events(shifted, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.recorder, name)


class SQLiteAggregateRecorderCase(Stores, AggregateRecorderTestCase):
    def create_recorder(self) -> Any:
        return AsAggregateRecorder(self.event_recorder())

    def test_insert_and_select(self) -> None:
        """The case as the library wrote it, up to its last step: a second history
        whose first event is version 0, which the event store refuses (versions
        start at 1). Every check before that step passed when it is reached."""
        with pytest.raises(VersionsOutOfStep, match="cannot be stored as the first"):
            super().test_insert_and_select()


@pytest.mark.postgres
class PostgresAggregateRecorderCase(SQLiteAggregateRecorderCase):
    postgres = True


class SQLiteApplicationRecorderCase(Stores, ApplicationRecorderTestCase[Any]):
    def create_recorder(self) -> Any:
        if self._testMethodName.startswith("test_concurrent"):
            return VersionsFromOne(self.event_recorder())
        return self.event_recorder()


@pytest.mark.postgres
class PostgresApplicationRecorderCase(SQLiteApplicationRecorderCase):
    postgres = True


# A view as the library's tracking recorder ------------------------------------------


class SQLiteTrackingRecorderCase(Stores, TrackingRecorderTestCase):
    def create_recorder(self) -> Any:
        return self.view("upstream1")

    def test_insert_tracking(self) -> None:
        """The case as the library wrote it, for the one application a view follows
        (its steps for a second upstream application left out)."""
        tracking_recorder = self.create_recorder()
        tracking1 = Tracking("upstream1", 21)
        tracking2 = Tracking("upstream1", 22)
        tracking_recorder.insert_tracking(tracking=tracking1)
        tracking_recorder.insert_tracking(tracking=tracking2)
        with self.assertRaises(IntegrityError):
            tracking_recorder.insert_tracking(tracking=tracking1)
        with self.assertRaises(IntegrityError):
            tracking_recorder.insert_tracking(tracking=tracking2)
        self.assertEqual(tracking_recorder.max_tracking_id("upstream1"), 22)
        self.assertTrue(tracking_recorder.has_tracking_id("upstream1", None))
        self.assertTrue(tracking_recorder.has_tracking_id("upstream1", 20))
        self.assertTrue(tracking_recorder.has_tracking_id("upstream1", 21))
        self.assertTrue(tracking_recorder.has_tracking_id("upstream1", 22))
        self.assertFalse(tracking_recorder.has_tracking_id("upstream1", 23))
        tracking4 = Tracking("upstream1", 23)
        tracking5 = Tracking("upstream1", 24)
        tracking_recorder.insert_tracking(tracking5)
        with self.assertRaises(IntegrityError):  # can't fill in the gap
            tracking_recorder.insert_tracking(tracking4)
        self.assertTrue(tracking_recorder.has_tracking_id("upstream1", 23))


@pytest.mark.postgres
class PostgresTrackingRecorderCase(SQLiteTrackingRecorderCase):
    postgres = True
