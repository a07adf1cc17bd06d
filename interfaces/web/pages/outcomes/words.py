"""The outcome figures in words, in the page's language: a figure as a cell shows
it (a withheld one by its mark), a cohort and a group by their names, the rates
beside the funnel over their denominators, and every figure's definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_currency

from application.projections.outcomes.metrics import BUDGET
from application.projections.outcomes.metrics import DEFINED
from application.projections.outcomes.metrics import DEFINITIONS
from application.projections.outcomes.queries import OutcomeRow
from domain.vocabulary import AgeBand
from domain.vocabulary import Gender
from domain.vocabulary import Province
from domain.vocabulary import ReferralSource
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts

# Beside the funnel: each rate over its own denominator, with what goes with it.
BESIDE = (
    ("intake_rate", ()),
    ("placement_rate", ()),
    ("competitive_employment_rate", ()),
    ("dropout_rate", ()),
    ("employed_on_leaving_rate", ("exit_result_unknown_share",)),
    ("sustained_employment_6m_rate", ("sustained_unknown_6m_share",)),
    ("ladder_up_share", ("ladder_mean_change",)),
    ("median_days_to_intake", ()),
    ("median_days_to_first_placement", ("still_unplaced_share",)),
)
DIMENSION_CODES = {
    "referral_source": ReferralSource,
    "province": Province,
    "age_band": AgeBand,
    "gender": Gender,
}
UNKNOWN_PROVINCE = N_("unknown: no intake")


def cell(texts: Texts, row: OutcomeRow, name: str) -> str:
    """A figure as the page shows it, in the page's language; a withheld one by its
    mark ("<5" for a count from 0 to 4, "x" for a figure withheld so that a small
    count cannot be worked out)."""
    mark = row.mark(name)
    if mark is not None:
        return mark
    if name.startswith("dropout_rate_") and name != "dropout_rate":
        value = row.figures["dropout_rate_by_reason"].get(
            name.removeprefix("dropout_rate_")
        )
    else:
        value = row.figures.get(name)
    return figure(texts, name, value)


def figure(texts: Texts, name: str, value: Any) -> str:
    if value is None:
        return "–"
    if name.endswith(("_rate", "_share")) or name.startswith("dropout_rate_"):
        return texts.percent(value)
    if name.startswith("median_"):
        return texts.measure(round(float(value), 1))
    if name == "ladder_mean_change":
        return ("+" if value > 0 else "") + texts.number(float(value), 2)
    if name.startswith("cost_"):
        return format_currency(value, "EUR", locale=texts.locale)
    return texts.number(int(value))


def cohort_words(texts: Texts, cohort: str | None) -> str:
    """A cohort by its name: the quarter ("K1 2024", "Q1 2024") or the year."""
    if cohort is None:
        return texts.gettext("No intake yet")
    if len(cohort) == 6 and cohort[4] == "Q":
        return texts.gettext("Q%(quarter)s %(year)s") % {
            "quarter": cohort[5],
            "year": cohort[:4],
        }
    return cohort


@dataclass(frozen=True)
class Group:
    """A group's name on the page, with its code where the code says more (a
    programme's), and whether it is the unknown province."""

    words: str
    code: str | None = None
    unknown_province: bool = False


def group_of(
    texts: Texts, dimension: str, value: str | None, names: dict[str, str]
) -> Group:
    if dimension == "cohort":
        return Group(cohort_words(texts, value))
    if value is None:
        if dimension == "province":
            return Group(texts.gettext(UNKNOWN_PROVINCE), unknown_province=True)
        return Group(texts.gettext("Unknown"))
    if dimension == "programme":
        return Group(names.get(value, value), value)
    if dimension in DIMENSION_CODES:
        return Group(texts.code(DIMENSION_CODES[dimension], value))
    return Group(value)


# What the page shows -------------------------------------------------------------


@dataclass(frozen=True)
class Beside:
    """A figure beside the funnel: its value over its denominator in words, with
    the figures that go with it."""

    name: str
    words: str
    value: str
    over: str
    also: list[tuple[str, str, str]]  # (name, words, value)


def beside(texts: Texts, total: OutcomeRow) -> list[Beside]:
    shown = []
    for name, also in BESIDE:
        definition = DEFINED[name]
        denominator = definition.denominator
        assert denominator is not None
        whole = cell(texts, total, denominator)
        counted = DEFINED[denominator]
        words = texts.gettext(counted.noun or counted.text)
        if definition.numerator is not None and definition.numerator in DEFINED:
            over = texts.gettext("%(part)s of %(whole)s %(words)s") % {
                "part": cell(texts, total, definition.numerator),
                "whole": whole,
                "words": words,
            }
        else:
            over = texts.gettext("over %(whole)s %(words)s") % {
                "whole": whole,
                "words": words,
            }
        shown.append(
            Beside(
                name,
                texts.label(name),
                cell(texts, total, name),
                over,
                [(n, texts.label(n), cell(texts, total, n)) for n in also],
            )
        )
    return shown


@dataclass(frozen=True)
class Explained:
    """A figure's definition as the page shows it."""

    name: str
    words: str
    text: str
    numerator: str | None
    denominator: str | None
    kind: str  # count, rate, mean, median or cost
    kind_words: str


KIND_WORDS = {
    "count": N_("count"),
    "rate": N_("rate"),
    "mean": N_("mean"),
    "median": N_("median"),
    "cost": N_("cost"),
}


def explained(texts: Texts) -> list[Explained]:
    def named(name: str | None) -> str | None:
        if name is None:
            return None
        if name == BUDGET:
            return texts.gettext("the programme's total budget")
        return texts.label(name)

    return [
        Explained(
            d.name,
            texts.label(d.name),
            texts.gettext(d.text),
            named(d.numerator),
            named(d.denominator),
            d.kind,
            texts.gettext(KIND_WORDS[d.kind]),
        )
        for d in DEFINITIONS
    ]
