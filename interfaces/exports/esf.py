"""The ESF+ report as a workbook (the indicators by gender with what each is counted
from, the indicators not recorded, and what the report is of) and as CSV for a
Belgian spreadsheet (the same lines, then those not recorded, with empty counts)."""

from __future__ import annotations

from typing import Any

from application.reports.esf import EsfReport
from application.reports.indicators import BASE
from application.reports.indicators import COLUMNS
from application.reports.indicators import GENDER_COLUMNS_FROM
from application.reports.indicators import IMMEDIATE
from application.reports.indicators import LONGER_TERM
from application.reports.indicators import OUTPUT
from interfaces.exports import about
from interfaces.exports.sheets import COUNT
from interfaces.exports.sheets import Column
from interfaces.exports.sheets import Sheet
from interfaces.exports.sheets import belgian_csv
from interfaces.exports.sheets import workbook
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts

COLUMN_WORDS = {
    "F": N_("Women"),
    "M": N_("Men"),
    "X": N_("Non-binary"),
    "unknown": N_("Gender unknown"),
    "total": N_("Total"),
}
KIND_WORDS = {
    OUTPUT: N_("output indicator (on entering)"),
    IMMEDIATE: N_("immediate result indicator (on leaving)"),
    LONGER_TERM: N_("longer-term result indicator (six months after leaving)"),
    BASE: N_("base: what the indicators are counted among"),
}
REPORT = N_("ESF+ common indicators")
NOT_RECORDED = N_("Not recorded")
INDICATOR = N_("Indicator")
KIND = N_("Kind")
COUNTED_FROM = N_("Counted from")
WHY = N_("Why")
CODE = N_("Code")


def count_columns(texts: Texts) -> list[Column]:
    return [Column(texts.gettext(COLUMN_WORDS[c]), COUNT) for c in COLUMNS]


def report_rows(report: EsfReport, texts: Texts) -> list[list[Any]]:
    """Each indicator: its words, kind, counts (a withheld one by its mark) and what
    it is counted from."""
    rows = []
    for line in report.lines:
        indicator = line.indicator
        counts: list[Any] = [line.withheld.get(c, line.counts[c]) for c in COLUMNS]
        rows.append(
            [
                texts.gettext(indicator.name),
                texts.gettext(KIND_WORDS[indicator.kind]),
                *counts,
                texts.gettext(indicator.counted_from),
                indicator.code,
            ]
        )
    return rows


def about_rows(report: EsfReport, texts: Texts) -> list[list[Any]]:
    query = report.query
    programme = report.programme
    rows: list[list[Any]] = [
        [texts.gettext("Regulation"), "(EU) 2021/1057, Annex I"],
        [texts.label("programme"), f"{programme.name} ({programme.code})"],
        [texts.gettext("Funder"), programme.funder],
        [texts.gettext("Period"), query.period.name],
        [texts.gettext("From"), texts.date(query.period.starts_on)],
        [texts.gettext("To"), texts.date(query.period.ends_on)],
        [texts.gettext("Evaluated on"), texts.date(query.evaluated_on)],
        *about.whose(texts, query.organisation, query.suppress),
        [texts.label("gender"), texts.gettext(GENDER_COLUMNS_FROM)],
    ]
    if query.period.ends_on > query.evaluated_on:
        rows.append(
            [
                "",
                texts.gettext(
                    "The period has not ended: it is counted up to the evaluation date."
                ),
            ]
        )
    return rows + about.marks(texts, query.suppress)


def esf_workbook(report: EsfReport, texts: Texts) -> bytes:
    indicators = Sheet(
        texts.gettext(REPORT),
        [
            Column(texts.gettext(INDICATOR), width=45),
            Column(texts.gettext(KIND), width=28),
            *count_columns(texts),
            Column(texts.gettext(COUNTED_FROM), width=80),
            Column(texts.gettext(CODE)),
        ],
        report_rows(report, texts),
        frozen_columns=1,
    )
    not_recorded = Sheet(
        texts.gettext(NOT_RECORDED),
        [
            Column(texts.gettext(INDICATOR), width=45),
            Column(texts.gettext(KIND), width=28),
            Column(texts.gettext(WHY), width=80),
        ],
        [
            [
                texts.gettext(item.name),
                texts.gettext(KIND_WORDS[item.kind]),
                texts.gettext(item.why),
            ]
            for item in report.not_recorded
        ],
        frozen_columns=1,
    )
    what = about.sheet(texts, about_rows(report, texts), width=80)
    return workbook([indicators, not_recorded, what], report.query.evaluated_on)


def esf_csv(report: EsfReport, texts: Texts) -> str:
    """The indicators, then those not recorded (their counts empty, what they would
    need in the last column), as CSV for a spreadsheet in Dutch (Belgium)."""
    header = [
        texts.gettext(CODE),
        texts.gettext(INDICATOR),
        texts.gettext(KIND),
        *(texts.gettext(COLUMN_WORDS[c]) for c in COLUMNS),
        texts.gettext(COUNTED_FROM),
    ]
    rows = [
        [row[-1], *(str(value) if value is not None else "" for value in row[:-1])]
        for row in report_rows(report, texts)
    ]
    rows += [
        [
            "",
            texts.gettext(item.name),
            texts.gettext(KIND_WORDS[item.kind]),
            *([""] * len(COLUMNS)),
            texts.gettext(NOT_RECORDED) + ": " + texts.gettext(item.why),
        ]
        for item in report.not_recorded
    ]
    return belgian_csv(header, rows)
