"""Bringing an organisation's records in, and taking them out: ``trajectory import``
and ``trajectory export``."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from application.imports import Report
from application.settings import Settings
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import open_views
from interfaces.cli.common import out
from interfaces.cli.common import progress_bar
from interfaces.records.columns import TRAJECTORY
from interfaces.records.columns import columns
from interfaces.records.export import rows_of
from interfaces.records.files import FileRefused
from interfaces.records.files import format_of
from interfaces.records.files import scan_file
from interfaces.records.files import write_table
from interfaces.records.parallel import import_groups
from interfaces.records.report import counts
from interfaces.records.report import file_problem
from interfaces.records.report import summary
from interfaces.records.rows import FilePlan
from interfaces.web.i18n import Language

LanguageOption = Annotated[
    str, typer.Option("--lang", help="the report's language: nl or en")
]


def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="a .csv, .xlsx or .jsonl file"
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="check every row and store nothing; the report says what a real "
            "run would store and refuse",
        ),
    ] = False,
    organisation: Annotated[
        str | None,
        typer.Option(help="the organisation of referral rows that name none"),
    ] = None,
    language: LanguageOption = "en",
    as_json: Annotated[
        bool, typer.Option("--json", help="the report as JSON on stdout")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="processes importing at once (default: one per core on PostgreSQL, "
            "one on SQLite); the result is the same whatever their number",
        ),
    ] = None,
) -> None:
    """Import trajectories from a file, one row per event (see docs/import.md).
    Each trajectory is stored whole or not at all; a file imported again records
    nothing twice."""
    lang: Language = "nl" if language == "nl" else "en"
    if language not in ("nl", "en"):
        fail(f"--lang {language!r}: nl or en")
    format = format_of(file.name)
    if format is None:
        fail(f"{file.name}: the name must end in .csv, .xlsx or .jsonl")
    settings = load_settings()
    if workers is None:
        workers = (os.cpu_count() or 1) if settings.is_postgres else 1
    try:
        planned, report = _import(
            settings,
            FilePlan(lambda: scan_file(file, format), organisation),
            workers=workers,
            dry_run=dry_run,
            quiet=as_json,
        )
    except FileRefused as refused:
        fail(f"{file.name}: {file_problem(refused, lang)}")
    result = summary(planned, report, lang)
    if as_json:
        out.print_json(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        for line in counts(result, lang):
            out.print(line, highlight=False)
        for problem in result.problems:
            where = f"row {problem.row}" + (
                f", {problem.column}" if problem.column else ""
            )
            err.print(
                f"{problem.trajectory}: {where}: {problem.problem}", highlight=False
            )
    if result.refused:
        raise typer.Exit(code=2)


def _import(
    settings: Settings, planned: FilePlan, *, workers: int, dry_run: bool, quiet: bool
) -> tuple[FilePlan, Report]:
    """The file's trajectories imported, each participant's as soon as their rows
    are read (the file is read twice and never held whole), from ``workers``
    processes; the views caught up after."""
    service = open_service(settings)
    try:
        with progress_bar(transient=quiet) as progress:
            task = progress.add_task("trajectories", total=planned.trajectories)
            report = import_groups(
                settings,
                planned.groups(),
                workers=workers,
                recorded_by="import",
                dry_run=dry_run,
                progress=lambda n: progress.advance(task, n),
                service=service,
            )
            # The trajectories the checks refused were never handed on.
            progress.update(task, completed=planned.trajectories)
    except FileRefused:  # the file changed while it was read
        if not dry_run:  # what was imported before is whole: the views take it in
            open_views(service).catch_up()
        raise
    else:
        if not dry_run and report.events:
            open_views(service).catch_up()
    finally:
        service.close()
    return planned, report


def export(
    file: Annotated[
        Path,
        typer.Argument(dir_okay=False, help="the file to write: .csv, .xlsx or .jsonl"),
    ],
    organisation: Annotated[
        str | None,
        typer.Option(help="the organisation whose histories to write (default: all)"),
    ] = None,
    personal_data: Annotated[
        bool,
        typer.Option(
            "--personal-data",
            help="write each participant's name, birth date, gender, national "
            "register number and contact details too (an admin's explicit choice: "
            "without them the file cannot be imported again)",
        ),
    ] = False,
    participant: Annotated[
        UUID | None,
        typer.Option(help="only this participant's trajectories (their own data)"),
    ] = None,
) -> None:
    """Write an organisation's histories in the import format, one row per event."""
    format = format_of(file.name)
    if format is None:
        fail(f"{file.name}: the name must end in .csv, .xlsx or .jsonl")
    service = open_service(load_settings())
    try:
        histories = service.histories_of(
            organisation, personal_data=personal_data, participant=participant
        )
        rows = [row for history in histories for row in rows_of(history)]
    finally:
        service.close()
    file.write_bytes(write_table(columns(), rows, format, date.today()))
    trajectories = len({row[TRAJECTORY] for row in rows})
    out.print(
        f"{trajectories} trajectories, {len(rows)} events: {file}", highlight=False
    )
