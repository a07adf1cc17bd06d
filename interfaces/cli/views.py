"""For evaluators and operators: rebuilding a view, and the outcome figures."""

import json
import sys
import textwrap
import time
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from typing import Any

import typer
from rich.progress import TextColumn

from application.projections.outcomes.disclosure import SMALL
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.queries import DIMENSIONS
from application.projections.outcomes.queries import OutcomeRow
from application.projections.outcomes.queries import OutcomeTable
from application.projections.sql import RebuildInProgress
from application.views import VIEW_NAMES
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import figures
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import open_views
from interfaces.cli.common import out
from interfaces.cli.common import progress_bar
from interfaces.exports.outcomes import outcome_csv
from interfaces.exports.outcomes import outcome_workbook
from interfaces.web.i18n import TEXTS


def rebuild(
    view: Annotated[str, typer.Argument(help=f"one of {', '.join(VIEW_NAMES)}")],
) -> None:
    """Rebuild a view into fresh tables while the old ones keep serving, then switch."""
    if view not in VIEW_NAMES:
        fail(f"there is no view {view!r}; the views are {', '.join(VIEW_NAMES)}")
    service = open_service(load_settings())
    try:
        views = open_views(service)
        total = views.events_to_rebuild(view)
        with progress_bar(TextColumn("{task.fields[rate]}")) as progress:
            task = progress.add_task(f"rebuilding {view}", total=total, rate="")
            started = time.perf_counter()

            def advance(events: int) -> None:
                progress.advance(task, events)
                done = progress.tasks[0].completed
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress.update(task, rate=f"{rate:,.0f} events/s")

            report = views.rebuild(view, progress=advance)
    except RebuildInProgress as busy:
        fail(str(busy))
    finally:
        service.close()
    out.print(
        f"{report.view}: generation {report.generation}, {report.trajectories} "
        f"trajectories, {report.events} events in {report.seconds:.2f} s "
        f"({report.events_per_second:,.0f} events/s), up to notification "
        f"{report.head}",
        highlight=False,
    )


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"
    SPREADSHEET = "spreadsheet-csv"


class Language(StrEnum):
    NL = "nl"
    EN = "en"


OutputFile = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="write to this file instead of stdout (xlsx: required)",
        dir_okay=False,
    ),
]
Lang = Annotated[
    Language,
    typer.Option("--lang", help="xlsx and spreadsheet-csv: the labels' language"),
]
AsOf = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="what had happened by this business date"),
]
Organisation = Annotated[
    str | None, typer.Option(help="only this organisation's trajectories")
]


def write_out(content: str | bytes, output: Path | None) -> None:
    """The content to ``output``, or to stdout; a workbook only to a file."""
    if output is not None:
        try:
            if isinstance(content, bytes):
                output.write_bytes(content)
            else:
                output.write_text(content, encoding="utf-8", newline="")
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror}")
        err.print(f"written to {output}", highlight=False)
    elif isinstance(content, bytes):
        fail("a workbook is no text for a terminal: give --output FILE.xlsx")
    else:
        sys.stdout.write(content)


def outcomes(
    group_by: Annotated[
        str,
        typer.Option(help=f"comma-separated, of: {', '.join(DIMENSIONS)}"),
    ] = "",
    cohort: Annotated[
        str | None, typer.Option(help="only this quarter, e.g. 2024Q1")
    ] = None,
    cohort_by: Annotated[
        str, typer.Option(help="referral or intake: the quarter of which")
    ] = "referral",
    as_of: AsOf = None,
    known_at: Annotated[
        str | None,
        typer.Option(
            help="what the store held at this ISO time, e.g. 2025-01-31T12:00Z"
        ),
    ] = None,
    organisation: Organisation = None,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table: the main figures, 80 columns wide; csv: every figure, as "
            "GET /outcomes gives it; json: every figure, with what was withheld; "
            "xlsx: a workbook (all trajectories, by cohort, grouped as asked, and "
            "the definitions); spreadsheet-csv: labelled, for a spreadsheet in "
            "Dutch (Belgium)",
        ),
    ] = Format.TABLE,
    to: OutputFile = None,
    lang: Lang = Language.NL,
    csv: Annotated[
        bool, typer.Option("--csv", help="the same as --format csv", hidden=True)
    ] = False,
    suppress: Annotated[
        bool,
        typer.Option(
            help="disclosure control, as evaluators get it: small counts withheld, "
            "and what they could be worked out from"
        ),
    ] = True,
) -> None:
    """Outcome figures per group (catching the view up first). Outcomes hold no
    personal data: no master key is needed."""
    moment = None
    if known_at is not None:
        try:
            moment = datetime.fromisoformat(known_at.replace("Z", "+00:00"))
        except ValueError:
            fail(
                f"--known-at {known_at!r} is not an ISO time such as 2025-01-31T12:00Z"
            )
    if output is Format.XLSX and to is None:
        fail("--format xlsx writes a workbook: give --output FILE.xlsx")
    dimensions = [d for d in (part.strip() for part in group_by.split(",")) if d]
    texts = TEXTS[lang.value]
    with figures() as views:

        def table_of(grouping: list[str], one: str | None = cohort) -> OutcomeTable:
            return views.outcome_table(
                grouping,
                cohort=one,
                cohort_by=cohort_by,
                as_of=as_of.date() if as_of else None,
                known_at=moment,
                suppress=suppress,
                organisation=organisation,
            )

        table = table_of(dimensions)
        names = {p.code: p.name for p in views.app.programmes()}
        if output is Format.XLSX:
            groupings = [[], ["cohort"]]
            if dimensions not in groupings:
                groupings.append(dimensions)
            tables = [
                table if g == dimensions else table_of(g, None) for g in groupings
            ]
            content: str | bytes = outcome_workbook(tables, texts, names)
    if csv or output is Format.CSV:
        content = table.csv()
    elif output is Format.JSON:
        content = json.dumps(as_json(table), indent=2, default=str) + "\n"
    elif output is Format.SPREADSHEET:
        content = outcome_csv(table, texts, names)
    elif output is Format.TABLE:
        content = outcome_lines(table)
        err.print(textwrap.fill(LEGEND, WIDTH), highlight=False)
    write_out(content, to)


def as_json(table: OutcomeTable) -> dict[str, Any]:
    """The table as GET /outcomes answers it."""
    query = table.query
    return {
        "group_by": list(query.group_by),
        "cohort": query.cohort,
        "cohort_by": query.cohort_by,
        "as_of": query.as_of,
        "known_at": query.known_at,
        "evaluated_on": query.evaluated_on,
        "organisation": query.organisation,
        "disclosure_control": query.suppress,
        "release": asdict(table.release) if table.release else None,
        "rows": [asdict(row) for row in table.rows],
    }


# The table's columns: each figure with its header on two lines. With a space
# before each, they take 61 of 80 columns; the group takes the rest, or a line of
# its own where its name is longer.
WIDTH = 80
COLUMNS = (
    ("referrals", "", "referred"),
    ("intakes", "", "intakes"),
    ("intake_rate", "intake", "rate"),
    ("placement_rate", "placed", "rate"),
    ("competitive_employment_rate", "compet.", "rate"),
    ("dropout_rate", "dropout", "rate"),
    ("employed_on_leaving_rate", "job on", "exit"),
    ("sustained_employment_6m_rate", "job at", "6 m"),
)
LEGEND = (
    "intake rate: intakes / referrals; placed: placed / intakes; compet.: "
    "competitive employment / intakes; dropout: dropouts / exits; job on exit: "
    "employed on leaving / exits; job at 6 m: employed 6 months after leaving / "
    f"exits 6 months past. {SMALL}: a count from 0 to 4; {WITHHELD}: withheld so "
    "that a small count cannot be worked out; -: no value (an empty denominator). "
    "Every figure: --format csv or json; definitions: GET /outcomes/definitions"
)


def outcome_lines(table: OutcomeTable) -> str:
    """The main figures as a plain table, at most 80 characters a line whatever
    the terminal (a pipe, a file), with a title line."""
    query = table.query
    widths = [max(len(top), len(bottom), 6) for _, top, bottom in COLUMNS]
    figures_width = sum(widths) + len(widths)
    group_width = WIDTH - figures_width
    title = f"Outcomes, evaluated on {query.evaluated_on}"
    if query.organisation:
        title += f", of {query.organisation}"
    if query.suppress:
        title += ", small counts withheld"
    heading = " / ".join(query.group_by) or "all trajectories"
    lines = [title, ""]
    if len(heading) >= group_width:  # a line of its own, above the figures' names
        lines.append(heading)
        heading = ""
    lines += [
        _line("", [top for _, top, _ in COLUMNS], widths, group_width),
        _line(heading, [bottom for _, _, bottom in COLUMNS], widths, group_width),
    ]
    for row in table.rows:
        label = " / ".join(row.group[d] or "-" for d in query.group_by) or "all"
        values = [_shown(row, name) for name, _, _ in COLUMNS]
        if len(label) >= group_width:
            lines.append(label)
            label = ""
        lines.append(_line(label, values, widths, group_width))
    return "\n".join(lines) + "\n"


def _line(label: str, values: list[str], widths: list[int], group_width: int) -> str:
    cells = "".join(
        f" {value:>{width}}" for value, width in zip(values, widths, strict=True)
    )
    return f"{label:<{group_width}}{cells}".rstrip()


def _shown(row: OutcomeRow, name: str) -> str:
    mark = row.mark(name)
    if mark is not None:
        return mark
    value = row.figures.get(name)
    if value is None:
        return "-"
    if name.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return str(value)
