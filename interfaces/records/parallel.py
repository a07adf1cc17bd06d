"""An import from several processes at once, as the demo loads: the trajectories in
parts of ``PART`` (a participant's trajectories always in the same part), each
part imported by one of ``workers`` processes with a store of its own. Parts never
share a participant, so they never meet on one; two that name the same new coach
register them once (the registration that loses the race finds the winner's).

Parts are handed out as they are made, ``workers`` ahead at the most: a file read
as it is imported (``FilePlan``) is then never held whole."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import wait

from application.import_parts import in_parts
from application.imports import Incoming
from application.imports import Report
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


def import_in_turn(
    service: Trajectories,
    groups: Iterable[list[Incoming]],
    *,
    recorded_by: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    part: int = PART,
) -> Report:
    """The same from this process, a part at a time."""
    report = Report(dry_run=dry_run)
    for one in in_parts(groups, part):
        _merge(
            report,
            service.import_trajectories(
                one, recorded_by=recorded_by, dry_run=dry_run, progress=progress
            ),
        )
    return report


def _merge(report: Report, part: Report) -> None:
    report.outcomes += part.outcomes
    report.coaches |= part.coaches


def import_groups(
    settings: Settings,
    groups: Iterable[list[Incoming]],
    *,
    workers: int,
    recorded_by: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    part: int = PART,
    service: Trajectories | None = None,
) -> Report:
    """What ``Trajectories.import_trajectories`` does, given each participant's
    trajectories together (as ``batches`` or a ``FilePlan`` groups them): in
    ``service``, this process's, for one worker; else from ``workers`` processes."""
    if workers == 1 and service is not None:
        return import_in_turn(
            service,
            groups,
            recorded_by=recorded_by,
            dry_run=dry_run,
            progress=progress,
            part=part,
        )
    report = Report(dry_run=dry_run)
    sizes: dict[Future[Report], int] = {}

    def ended(done: Future[Report]) -> None:
        _merge(report, done.result())
        size = sizes.pop(done)
        if progress is not None:
            progress(size)

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(settings,)
    ) as pool:
        for one in in_parts(groups, part):
            if len(sizes) > workers:  # every worker busy, one part waiting
                for done in wait(sizes, return_when=FIRST_COMPLETED).done:
                    ended(done)
            sizes[pool.submit(_part, one, recorded_by, dry_run)] = len(one)
        for done in wait(sizes).done:
            ended(done)
    return report
