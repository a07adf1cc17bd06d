"""Verification of the whole store: every hash chain recomputed in one consistent
read, the store sealed as read, a kept seal checked, and every snapshot compared
with the state replayed from the events up to it."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from application.audit.chain_verification import Progress
from application.audit.chain_verification import verify
from application.audit.findings import Verification
from application.audit.seal import Seal
from application.audit.snapshots import check_snapshots
from application.errors import VerificationRunning
from application.storage import SideTables


class Verifier:
    def __init__(self, app: Application[UUID]) -> None:
        self.app = app
        self._running = threading.Lock()

    def verify(
        self, progress: Progress | None = None, kept_seal: Seal | None = None
    ) -> Verification:
        """Names the first broken link of each aggregate. One verification at a
        time: it reads the whole store."""
        if not self._running.acquire(blocking=False):
            raise VerificationRunning()
        try:
            recorder: Any = self.app.recorder
            with recorder.chains.reading() as source:
                result = verify(source, progress, kept_seal)
            started = time.perf_counter()
            self._verify_snapshots(result)
            result.seconds += time.perf_counter() - started
            return result
        finally:
            self._running.release()

    def _verify_snapshots(self, result: Verification) -> None:
        """Each snapshot must equal the state replayed from the events up to it."""
        snapshots = self.app.snapshots
        assert snapshots is not None
        tables = SideTables(snapshots.recorder)
        table = tables.name(snapshots.recorder.events_table_name)  # type: ignore[attr-defined]
        rows = tables.run(
            (f"SELECT DISTINCT originator_id FROM {table} ORDER BY 1", ()),
            commit=False,
        )
        # A history whose chain is broken is named already, and may not decode.
        ids = [UUID(str(row[0])) for row in rows]
        ids = [i for i in ids if not result.is_broken(i)]
        result.snapshotted = len(ids)
        events = self.app.repository.event_store
        for broken in check_snapshots(
            ids,
            lambda aggregate_id: iter(snapshots.get(aggregate_id)),
            lambda aggregate_id, last: iter(events.get(aggregate_id, lte=last)),
        ):
            result.add(broken)
