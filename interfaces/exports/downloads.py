"""The downloads as the API and the pages hand them out: the outcome tables and the
ESF+ report as a file, for one reader (what their role lets them see), in one
language, with its name.

``GET /outcomes/spreadsheet.xlsx`` and ``/ui/outcomes.xlsx`` give the same bytes for
the same reader and parameters; so do the CSVs and the ESF+ report's files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypedDict
from typing import Unpack

from fastapi import Response

from application.access import Caller
from application.projections.outcomes.queries import OutcomeScope
from application.projections.outcomes.queries import OutcomeTable
from application.reports.esf import EsfQuery
from application.reports.esf import EsfReport
from application.reports.esf import esf_report
from application.views import Views
from interfaces.exports.esf import esf_csv
from interfaces.exports.esf import esf_workbook
from interfaces.exports.outcomes import outcome_csv
from interfaces.exports.outcomes import outcome_workbook
from interfaces.exports.sheets import SPREADSHEET_CSV
from interfaces.exports.sheets import XLSX
from interfaces.web.i18n import Texts


@dataclass(frozen=True)
class Download:
    """A file to hand out: its bytes, media type and name."""

    content: bytes
    media_type: str
    filename: str

    def response(self) -> Response:
        return Response(
            self.content,
            media_type=self.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{self.filename}"',
                "Cache-Control": "no-store",
            },
        )


class OutcomeChoice(TypedDict, total=False):
    """Which figures an outcome file holds besides its grouping (``Views.outcome_table``
    says what each means and its default)."""

    cohort_by: str
    as_of: date | None
    organisation: str | None


def outcome_tables(
    views: Views,
    reader: Caller,
    *,
    group_by: Sequence[str] = ("programme",),
    **choice: Unpack[OutcomeChoice],
) -> list[OutcomeTable]:
    """The tables of a workbook: all trajectories, by cohort, and grouped by
    ``group_by`` (where it is not the cohort alone)."""
    groupings: list[list[str]] = [[], ["cohort"]]
    if list(group_by) not in groupings:
        groupings.append(list(group_by))
    return [
        views.outcome_table(grouping, reader=reader, **choice) for grouping in groupings
    ]


def _names(views: Views) -> dict[str, str]:
    return {p.code: p.name for p in views.app.programmes()}


def _stem(table: OutcomeTable, group_by: Sequence[str]) -> str:
    query = table.query
    parts = ["outcomes", *group_by]
    if query.organisation:
        parts.append(query.organisation)
    parts.append(query.evaluated_on.isoformat())
    return _safe("-".join(parts))


def _safe(name: str) -> str:
    """A file name of letters, digits, dots, dashes and underscores only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def outcomes_xlsx(
    views: Views,
    reader: Caller,
    texts: Texts,
    *,
    group_by: Sequence[str] = ("programme",),
    **choice: Unpack[OutcomeChoice],
) -> Download:
    """The workbook: a sheet per table (``outcome_tables``), then About and
    Definitions; labels in the texts' language."""
    tables = outcome_tables(views, reader, group_by=group_by, **choice)
    content = outcome_workbook(tables, texts, _names(views))
    return Download(content, XLSX, f"{_stem(tables[-1], group_by)}.xlsx")


def outcomes_spreadsheet_csv(
    views: Views,
    reader: Caller,
    texts: Texts,
    *,
    group_by: Sequence[str] = ("programme",),
    **choice: Unpack[OutcomeChoice],
) -> Download:
    """The table grouped by ``group_by`` as CSV for a spreadsheet in Dutch
    (Belgium): labelled headers, ``;``, ``,`` decimals, a byte order mark."""
    table = views.outcome_table(list(group_by), reader=reader, **choice)
    content = outcome_csv(table, texts, _names(views)).encode("utf-8")
    return Download(content, SPREADSHEET_CSV, f"{_stem(table, group_by)}.csv")


def esf_report_for(
    views: Views,
    reader: Caller,
    *,
    programme: str,
    period: str,
    as_of: date | None = None,
    organisation: str | None = None,
) -> EsfReport:
    """The ESF+ report as the reader's role lets them have it (``EsfQuery.parse``)."""
    query = EsfQuery.parse(
        programme=programme,
        period=period,
        as_of=as_of,
        organisation=organisation,
        scope=OutcomeScope.of(reader),
    )
    return esf_report(views, query)


def _esf_stem(report: EsfReport) -> str:
    query = report.query
    parts = ["esf", report.programme.code, query.period.name.replace("..", "_")]
    if query.organisation:
        parts.append(query.organisation)
    parts.append(query.evaluated_on.isoformat())
    return _safe("-".join(parts))


def esf_xlsx(report: EsfReport, texts: Texts) -> Download:
    return Download(esf_workbook(report, texts), XLSX, f"{_esf_stem(report)}.xlsx")


def esf_spreadsheet_csv(report: EsfReport, texts: Texts) -> Download:
    content = esf_csv(report, texts).encode("utf-8")
    return Download(content, SPREADSHEET_CSV, f"{_esf_stem(report)}.csv")
