"""Imports that run in the background of the server, one at a time, each followed
by its progress: the API's ``/imports`` and the admin's import page share them.

A file is read and checked row by row when it is sent (a file that cannot be read
is refused then); its trajectories are then imported by a thread of the server
while the caller follows the job. Jobs live in the server's memory: a restart
forgets them, and an import cut off by one is simply run again (what was stored
is recognised and not stored twice).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from typing import Literal
from uuid import UUID

from application.imports import ImportNotFound
from application.service import Trajectories
from interfaces.records.files import Format
from interfaces.records.files import read_table
from interfaces.records.report import Summary
from interfaces.records.report import summary
from interfaces.records.rows import Plan
from interfaces.records.rows import plan
from interfaces.web.i18n import Language

KEPT = 20  # the last jobs a server remembers
log = logging.getLogger("trajectory.imports")

State = Literal["waiting", "running", "done", "failed"]


@dataclass
class ImportJob:
    id: UUID
    by: str
    file_name: str
    format: Format
    dry_run: bool
    organisation: str | None
    language: Language
    content: bytes = field(repr=False)  # kept: a dry run's file may run for real
    trajectories: int = 0  # in the file
    done: int = 0
    state: State = "waiting"
    summary: Summary | None = None
    failure: str | None = None
    ended: threading.Event = field(default_factory=threading.Event, repr=False)


class ImportJobs:
    def __init__(self, service: Trajectories) -> None:
        self.service = service
        self.jobs: OrderedDict[UUID, ImportJob] = OrderedDict()
        self._one_at_a_time = threading.Lock()

    def start(
        self,
        content: bytes,
        format: Format,
        *,
        file_name: str,
        by: str,
        dry_run: bool,
        organisation: str | None,
        language: Language,
    ) -> ImportJob:
        """Reads the file (``FileRefused`` if it cannot be) and imports it in the
        background."""
        planned = plan(read_table(content, format), organisation)
        job = ImportJob(
            uuid.uuid4(),
            by,
            file_name,
            format,
            dry_run,
            organisation,
            language,
            content,
            trajectories=len(planned.incoming) + len(planned.refused),
        )
        self.jobs[job.id] = job
        while len(self.jobs) > KEPT:
            self.jobs.popitem(last=False)
        threading.Thread(
            target=self._run, args=(job, planned), name=f"import {job.id}", daemon=True
        ).start()
        return job

    def get(self, job_id: UUID) -> ImportJob:
        """The job; ``ImportNotFound`` for one this server does not remember."""
        job = self.jobs.get(job_id)
        if job is None:
            raise ImportNotFound(job_id)
        return job

    def wait(self, job_id: UUID, timeout: float = 60.0) -> ImportJob:
        """The job once it has ended (for a caller that waits, such as a test)."""
        job = self.jobs[job_id]
        if not job.ended.wait(timeout):
            raise TimeoutError(f"import {job_id} still {job.state} after {timeout} s")
        return job

    def _run(self, job: ImportJob, planned: Plan) -> None:
        with self._one_at_a_time:
            job.state = "running"
            job.done = len(planned.refused)

            def advance(count: int) -> None:
                job.done += count

            try:
                report = self.service.import_trajectories(
                    planned.incoming,
                    recorded_by=job.by,
                    dry_run=job.dry_run,
                    progress=advance,
                )
            except Exception as error:  # named to whoever follows the job
                log.exception("import %s failed", job.id)
                job.failure = f"{type(error).__name__}: {error}"
                job.state = "failed"
            else:
                job.summary = summary(planned, report, job.language)
                job.state = "done"
            finally:
                job.ended.set()
