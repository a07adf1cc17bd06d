"""An import from several processes at once, as the demo loads: the trajectories in
parts of ``PART`` (a participant's trajectories always in the same part), each
part imported by one of ``workers`` processes with a store of its own. Parts never
share a participant, so they never meet on one; two that name the same new coach
register them once (the registration that loses the race finds the winner's)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed

from application.imports import Incoming
from application.imports import Report
from application.imports import batches
from application.service import Trajectories
from application.settings import Settings

PART = 500  # trajectories a process takes at a time

_service: Trajectories | None = None  # a worker process's own


def _start(settings: Settings) -> None:
    global _service
    _service = Trajectories(settings)


def _part(incoming: list[Incoming], recorded_by: str, dry_run: bool) -> Report:
    assert _service is not None, "the worker opens its store first"
    return _service.import_trajectories(
        incoming, recorded_by=recorded_by, dry_run=dry_run
    )


def import_in_parallel(
    settings: Settings,
    incoming: Sequence[Incoming],
    *,
    workers: int,
    recorded_by: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    part: int = PART,
) -> Report:
    """What ``Trajectories.import_trajectories`` does, from ``workers`` processes."""
    report = Report(dry_run=dry_run)
    parts = list(batches(incoming, part))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(settings,)
    ) as pool:
        sizes = {
            pool.submit(_part, part, recorded_by, dry_run): len(part) for part in parts
        }
        for done in as_completed(sizes):
            imported = done.result()
            report.outcomes += imported.outcomes
            report.coaches |= imported.coaches
            if progress is not None:
                progress(sizes[done])
    return report
