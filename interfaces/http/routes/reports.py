"""Files people open: the outcome tables as a spreadsheet (XLSX, or CSV for a
spreadsheet in a Belgian locale), and the funder's report, the ESF+ common
indicators, as JSON, XLSX or that CSV. Who reads what follows ``GET /outcomes``:
auditors and admins every figure, staff their own organisation's trajectories',
evaluators every organisation's under disclosure control, as of a month's end."""

from collections.abc import Callable
from datetime import date
from typing import Annotated
from typing import Literal

from fastapi import APIRouter
from fastapi import Depends
from fastapi import Query
from fastapi import Response
from fastapi.types import DecoratedCallable

from application.projections.outcomes.queries import DIMENSIONS
from application.reports.esf import EsfReport
from interfaces.exports.downloads import OutcomeChoice
from interfaces.exports.downloads import esf_report_for
from interfaces.exports.downloads import esf_spreadsheet_csv
from interfaces.exports.downloads import esf_xlsx
from interfaces.exports.downloads import outcomes_spreadsheet_csv
from interfaces.exports.downloads import outcomes_xlsx
from interfaces.exports.sheets import SPREADSHEET_CSV
from interfaces.exports.sheets import XLSX
from interfaces.http.deps import NO_NUL
from interfaces.http.deps import OutcomeReader
from interfaces.http.deps import ViewsDep
from interfaces.http.openapi import READ
from interfaces.http.schemas.reports import EsfReportOut
from interfaces.http.schemas.reports import esf_report_out
from interfaces.web.i18n import TEXTS
from interfaces.web.i18n import Texts

router = APIRouter(tags=["reports"])

Lang = Annotated[
    Literal["nl", "en"],
    Query(description="the language of the labels: nl (Dutch, Belgian) or en"),
]
GroupBy = Annotated[
    str,
    Query(
        description=f"comma-separated, of: {', '.join(DIMENSIONS)}; the workbook "
        "has a sheet of all trajectories, one by cohort and one grouped so",
        examples=["programme"],
        max_length=200,
    ),
]
CohortBy = Annotated[
    Literal["referral", "intake"],
    Query(description="the quarter of the referral or of the intake"),
]
AsOf = Annotated[
    date | None,
    Query(
        description="what had happened by this business date; evaluators: the last "
        "day of a month that has ended (by default the last one)"
    ),
]
Organisation = Annotated[
    str | None,
    Query(
        description="only this organisation's trajectories (staff: their own "
        "always; not for evaluators' ESF+ report)",
        max_length=200,
        pattern=NO_NUL,
    ),
]
Programme = Annotated[
    str,
    Query(
        description="the programme's code",
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
    ),
]
Period = Annotated[
    str,
    Query(
        description="a year (2025), a quarter (2025Q1), or two dates "
        "(2025-01-01..2025-06-30; not for evaluators)",
        min_length=1,
        max_length=40,
        pattern=NO_NUL,
    ),
]


def _download(
    path: str, media_type: str, what: str
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A route that answers with a file of ``media_type``, ``what`` says what is in
    it."""
    return router.get(
        path,
        response_class=Response,
        response_model=None,
        responses={
            **READ,
            200: {
                "description": what,
                "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                },
            },
        },
    )


def _dimensions(group_by: str) -> list[str]:
    return [d for d in (part.strip() for part in group_by.split(",")) if d]


async def labels(lang: Lang = "nl") -> Texts:
    return TEXTS[lang]


async def outcome_choice(
    cohort_by: CohortBy = "referral",
    as_of: AsOf = None,
    organisation: Organisation = None,
) -> OutcomeChoice:
    return OutcomeChoice(cohort_by=cohort_by, as_of=as_of, organisation=organisation)


def esf_report_asked(
    views: ViewsDep,
    caller: OutcomeReader,
    programme: Programme,
    period: Period,
    as_of: AsOf = None,
    organisation: Organisation = None,
) -> EsfReport:
    """The ESF+ report of the query, as the caller's role lets them have it."""
    return esf_report_for(
        views,
        caller,
        programme=programme,
        period=period,
        as_of=as_of,
        organisation=organisation,
    )


Labels = Annotated[Texts, Depends(labels)]
Choice = Annotated[OutcomeChoice, Depends(outcome_choice)]
Report = Annotated[EsfReport, Depends(esf_report_asked)]


@_download(
    "/outcomes/spreadsheet.xlsx",
    XLSX,
    "A workbook: a sheet per table (all trajectories, by cohort, grouped by "
    "group_by), then what the figures are as of and each figure's definition; "
    "counts and rates as numbers in their formats, withheld ones by their mark",
)
def outcomes_workbook(
    views: ViewsDep,
    caller: OutcomeReader,
    choice: Choice,
    texts: Labels,
    group_by: GroupBy = "programme",
) -> Response:
    """The outcome figures as an XLSX workbook, labelled in Dutch or English."""
    dimensions = _dimensions(group_by)
    return outcomes_xlsx(views, caller, texts, group_by=dimensions, **choice).response()


@_download(
    "/outcomes/spreadsheet.csv",
    SPREADSHEET_CSV,
    "The table grouped by group_by for a spreadsheet in a Belgian locale: a "
    "UTF-8 byte order mark, labelled headers, ';' between fields, ',' before "
    "decimals, rates as percentages",
)
def outcomes_spreadsheet(
    views: ViewsDep,
    caller: OutcomeReader,
    choice: Choice,
    texts: Labels,
    group_by: GroupBy = "programme",
) -> Response:
    """The outcome figures as CSV for a spreadsheet set to Dutch (Belgium); the
    machine CSV, codes and '.' decimals, stays GET /outcomes with Accept:
    text/csv."""
    dimensions = _dimensions(group_by)
    return outcomes_spreadsheet_csv(
        views, caller, texts, group_by=dimensions, **choice
    ).response()


@router.get("/reports/esf", response_model=EsfReportOut, responses=READ)
def esf(report: Report) -> EsfReportOut:
    """The ESF+ common indicators (Regulation (EU) 2021/1057, Annex I) that the
    recorded data supports, for one programme and period, by gender: each with
    what it is counted from; those it cannot support named as not recorded."""
    return esf_report_out(report)


@_download(
    "/reports/esf.xlsx",
    XLSX,
    "The indicators by gender with what each is counted from, those not "
    "recorded, and what the report is of",
)
def esf_workbook(report: Report, texts: Labels) -> Response:
    """The ESF+ report as an XLSX workbook, labelled in Dutch or English."""
    return esf_xlsx(report, texts).response()


@_download(
    "/reports/esf.csv",
    SPREADSHEET_CSV,
    "The indicators, then those not recorded, for a spreadsheet in a Belgian "
    "locale (BOM, ';', labelled headers)",
)
def esf_spreadsheet(report: Report, texts: Labels) -> Response:
    """The ESF+ report as CSV for a spreadsheet set to Dutch (Belgium)."""
    return esf_spreadsheet_csv(report, texts).response()
