"""The answer of ``GET /reports/esf``: the ESF+ common indicators of one programme
and period, by gender."""

from datetime import date
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import Field

from application.reports.esf import EsfReport
from application.reports.indicators import COLUMNS
from interfaces.http.schemas.base import response_example

Kind = Literal["output", "immediate result", "longer-term result", "base"]

LINE_EXAMPLE: dict[str, Any] = {
    "code": "long_term_unemployed",
    "kind": "output",
    "name": "long-term unemployed",
    "counted_from": "labour status at entry: long-term unemployed, as the coach "
    "recorded it at the intake",
    "counts": {"F": 12, "M": 9, "X": None, "unknown": None, "total": 23},
    "withheld": {"X": "<5", "unknown": "<5"},
}
NOT_RECORDED_EXAMPLE: dict[str, Any] = {
    "kind": "immediate result",
    "name": "participants gaining a qualification upon leaving",
    "why": "qualifications gained are not recorded",
}
PERIOD_EXAMPLE: dict[str, Any] = {
    "name": "2025",
    "starts_on": "2025-01-01",
    "ends_on": "2025-12-31",
}
REPORT_EXAMPLE: dict[str, Any] = {
    "programme": "SAMENWERKT",
    "programme_name": "SamenWerkt",
    "funder": "ESF+ Vlaanderen",
    "period": PERIOD_EXAMPLE,
    "organisation": None,
    "as_of": "2026-11-30",
    "evaluated_on": "2026-11-30",
    "disclosure_control": True,
    "release_as_of": "2026-11-30",
    "indicators": [LINE_EXAMPLE],
    "not_recorded": [NOT_RECORDED_EXAMPLE],
}


class EsfLineOut(BaseModel):
    code: str = Field(description="the indicator's name in this API")
    kind: Kind = Field(
        description="its kind in Annex I: output (on entering), immediate result "
        "(on leaving), longer-term result (six months after leaving); base: the "
        "count the others are among, no Annex indicator"
    )
    name: str = Field(description="the Annex's words")
    counted_from: str = Field(description="what the recorded data counts it from")
    counts: dict[str, int | None] = Field(
        description=f"by column: {', '.join(COLUMNS)} (F women, M men, X non-binary "
        "persons, unknown: gender not given); null where withheld"
    )
    withheld: dict[str, str] = Field(
        description='the withheld counts\' marks: "<5" a count from 0 to 4, "x" '
        "withheld so that a small count cannot be worked out"
    )

    model_config = response_example(LINE_EXAMPLE)


class NotRecordedOut(BaseModel):
    kind: Kind
    name: str
    why: str

    model_config = response_example(NOT_RECORDED_EXAMPLE)


class ReportPeriodOut(BaseModel):
    name: str
    starts_on: date
    ends_on: date

    model_config = response_example(PERIOD_EXAMPLE)


class EsfReportOut(BaseModel):
    programme: str
    programme_name: str
    funder: str
    period: ReportPeriodOut
    organisation: str | None = Field(
        description="only this organisation's trajectories (staff: their own)"
    )
    as_of: date | None
    evaluated_on: date = Field(
        description="what the report knows of: today, or the as-of date; which "
        "leavers' six months have passed"
    )
    disclosure_control: bool
    release_as_of: date | None = Field(
        description="an evaluator's report comes from the release of this month's end"
    )
    indicators: list[EsfLineOut]
    not_recorded: list[NotRecordedOut] = Field(
        description="Annex I indicators for participants the recorded data cannot "
        "give, and why"
    )

    model_config = response_example(REPORT_EXAMPLE)


def esf_report_out(report: EsfReport) -> EsfReportOut:
    query = report.query
    return EsfReportOut(
        programme=report.programme.code,
        programme_name=report.programme.name,
        funder=report.programme.funder,
        period=ReportPeriodOut(
            name=query.period.name,
            starts_on=query.period.starts_on,
            ends_on=query.period.ends_on,
        ),
        organisation=query.organisation,
        as_of=query.as_of,
        evaluated_on=query.evaluated_on,
        disclosure_control=query.suppress,
        release_as_of=report.release.as_of if report.release else None,
        indicators=[
            EsfLineOut(
                code=line.indicator.code,
                kind=line.indicator.kind,  # type: ignore[arg-type]
                name=line.indicator.name,
                counted_from=line.indicator.counted_from,
                counts=line.counts,
                withheld=line.withheld,
            )
            for line in report.lines
        ],
        not_recorded=[
            NotRecordedOut(
                kind=item.kind,  # type: ignore[arg-type]
                name=item.name,
                why=item.why,
            )
            for item in report.not_recorded
        ],
    )
