"""``trajectory report esf``: the funder's report, the ESF+ common indicators of one
programme and period, by gender, as a table, JSON, a workbook or CSV for a Belgian
spreadsheet. Like the outcome figures, it holds no personal data: no master key."""

import textwrap
from typing import Annotated

import typer

from application.projections.outcomes.queries import OutcomeScope
from application.reports.esf import EsfQuery
from application.reports.esf import EsfReport
from application.reports.esf import esf_report
from application.reports.indicators import COLUMNS
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import figures
from interfaces.cli.views import AsOf
from interfaces.cli.views import Format
from interfaces.cli.views import Lang
from interfaces.cli.views import Language
from interfaces.cli.views import Organisation
from interfaces.cli.views import OutputFile
from interfaces.cli.views import write_out
from interfaces.exports.esf import esf_csv
from interfaces.exports.esf import esf_workbook
from interfaces.http.schemas.reports import esf_report_out
from interfaces.web.i18n import TEXTS

app = typer.Typer(help="The funder's reports.", no_args_is_help=True)

WIDTH = 80
LEGEND = (
    "F women, M men, X non-binary, unknown: gender not given; <5: a count from 0 "
    "to 4; x: withheld so that a small count cannot be worked out. What each line "
    "is counted from: --format json or xlsx"
)
HEADERS = {"F": "F", "M": "M", "X": "X", "unknown": "unknown", "total": "total"}


@app.command()
def esf(
    programme: Annotated[str, typer.Option(help="the programme's code")],
    period: Annotated[
        str,
        typer.Option(
            help="a year (2025), a quarter (2025Q1), or two dates "
            "(2025-01-01..2025-06-30)"
        ),
    ],
    as_of: AsOf = None,
    organisation: Organisation = None,
    suppress: Annotated[
        bool,
        typer.Option(
            help="as an evaluator gets it: a whole year of the whole programme, "
            "as of a month's last day, small counts withheld"
        ),
    ] = False,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table: the counts, 80 columns wide; json: as GET /reports/esf "
            "answers, with what each is counted from; xlsx: a workbook; "
            "spreadsheet-csv (or csv): labelled, for a spreadsheet in Dutch "
            "(Belgium)",
        ),
    ] = Format.TABLE,
    to: OutputFile = None,
    lang: Lang = Language.NL,
) -> None:
    """The ESF+ common indicators (Regulation (EU) 2021/1057, Annex I) the recorded
    data supports, for one programme and period, by gender; those it cannot
    support are named as not recorded."""
    if output is Format.XLSX and to is None:
        fail("--format xlsx writes a workbook: give --output FILE.xlsx")
    scope = OutcomeScope(suppress=True, month_ends=True) if suppress else None
    with figures() as views:
        query = EsfQuery.parse(
            programme=programme,
            period=period,
            as_of=as_of.date() if as_of else None,
            organisation=organisation,
            scope=scope,
        )
        report = esf_report(views, query)
    texts = TEXTS[lang.value]
    content: str | bytes
    if output is Format.XLSX:
        content = esf_workbook(report, texts)
    elif output in (Format.CSV, Format.SPREADSHEET):
        content = esf_csv(report, texts)
    elif output is Format.JSON:
        content = esf_report_out(report).model_dump_json(indent=2) + "\n"
    else:
        content = esf_lines(report)
        err.print(textwrap.fill(LEGEND, WIDTH), highlight=False)
    write_out(content, to)


def esf_lines(report: EsfReport) -> str:
    """The report as a plain table, at most 80 characters a line."""
    query = report.query
    width = 8
    label_width = WIDTH - (width + 1) * len(COLUMNS)
    title = (
        f"ESF+ common indicators: {report.programme.name} ({report.programme.code}), "
        f"{query.period.starts_on} to {query.period.ends_on}, evaluated on "
        f"{query.evaluated_on}"
    )
    if query.organisation:
        title += f", of {query.organisation}"
    if query.suppress:
        title += ", small counts withheld"
    lines = [*_wrapped(title), ""]
    header = "".join(f" {HEADERS[c]:>{width}}" for c in COLUMNS)
    lines.append(f"{'indicator':<{label_width}}{header}")
    for line in report.lines:
        label = line.indicator.code
        cells = "".join(
            f" {str(line.withheld.get(c, line.counts[c])):>{width}}" for c in COLUMNS
        )
        if len(label) >= label_width:
            lines.append(label)
            label = ""
        lines.append(f"{label:<{label_width}}{cells}")
    lines += ["", "Not recorded (the data cannot support them):"]
    for item in report.not_recorded:
        lines += _wrapped(f"- {item.name}: {item.why}", indent="  ")
    return "\n".join(lines) + "\n"


def _wrapped(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent) or [""]
