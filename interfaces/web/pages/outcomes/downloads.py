"""The outcomes page's downloads, the API's files in the page's language: its
tables as CSV, as a workbook and as CSV for a spreadsheet set to Dutch (Belgium),
and the funder's report of a programme and period."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter
from fastapi import Depends
from fastapi.responses import Response

from application.reports.esf import EsfReport
from interfaces.exports import downloads
from interfaces.exports.downloads import Download
from interfaces.web.pages.outcomes.asked import ReportAsked
from interfaces.web.pages.outcomes.asked import TableAsked
from interfaces.web.session import PAGES
from interfaces.web.visit import OutcomeVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)

Table = Annotated[TableAsked, Depends()]
Report = Annotated[ReportAsked, Depends()]


@router.get("/outcomes.csv", name="ui_outcomes_csv")
def outcomes_csv(visit: OutcomeVisit, asked: Table) -> Response:
    table = visit.views.outcome_table(
        [asked.group_by],
        cohort_by=asked.cohort_by,
        as_of=asked.as_of,
        reader=visit.caller,
    )
    day = (asked.as_of or table.query.evaluated_on).isoformat()
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="outcomes-{asked.group_by}-{day}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.get("/outcomes.xlsx", name="ui_outcomes_xlsx")
def outcomes_xlsx(visit: OutcomeVisit, asked: Table) -> Response:
    """The page's tables as a workbook in the page's language (the API's
    ``/outcomes/spreadsheet.xlsx``): every trajectory, by cohort, by the dimension
    chosen; then what they are as of and what each figure means."""
    return _tables(downloads.outcomes_xlsx, visit, asked)


@router.get("/outcomes-spreadsheet.csv", name="ui_outcomes_spreadsheet_csv")
def outcomes_spreadsheet_csv(visit: OutcomeVisit, asked: Table) -> Response:
    """The breakdown as CSV for a spreadsheet set to Dutch (Belgium): ``;``
    between fields, ``,`` before decimals, a BOM, headers in the page's words."""
    return _tables(downloads.outcomes_spreadsheet_csv, visit, asked)


def _tables(
    download: Callable[..., Download], visit: Visit, asked: TableAsked
) -> Response:
    """The ``download`` of the tables asked for, in the page's language."""
    return download(
        visit.views,
        visit.caller,
        visit.texts,
        group_by=[asked.group_by],
        cohort_by=asked.cohort_by,
        as_of=asked.as_of,
    ).response()


@router.get("/outcomes/esf.xlsx", name="ui_esf_xlsx")
def esf_xlsx(visit: OutcomeVisit, asked: Report) -> Response:
    """The funder's report (the ESF+ common indicators) of a programme and period,
    as a workbook in the page's language."""
    return downloads.esf_xlsx(_report(visit, asked), visit.texts).response()


@router.get("/outcomes/esf.csv", name="ui_esf_csv")
def esf_spreadsheet_csv(visit: OutcomeVisit, asked: Report) -> Response:
    """The funder's report as CSV for a spreadsheet set to Dutch (Belgium)."""
    return downloads.esf_spreadsheet_csv(_report(visit, asked), visit.texts).response()


def _report(visit: Visit, asked: ReportAsked) -> EsfReport:
    return downloads.esf_report_for(
        visit.views,
        visit.caller,
        programme=asked.programme,
        period=asked.period,
        as_of=asked.as_of,
    )
