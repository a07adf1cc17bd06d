"""The About sheet a workbook ends with: what its figures are of, a line a thing,
and what the marks of withheld counts mean."""

from __future__ import annotations

from typing import Any

from interfaces.exports.sheets import Column
from interfaces.exports.sheets import Sheet
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts

ABOUT = N_("About")


def sheet(texts: Texts, rows: list[list[Any]], width: int) -> Sheet:
    """The About sheet of ``rows``, each a thing and what it is, its second column
    ``width`` wide."""
    columns = [Column(texts.gettext("What")), Column("", width=width)]
    return Sheet(texts.gettext(ABOUT), columns, rows)


def whose(texts: Texts, organisation: str | None, suppress: bool) -> list[list[Any]]:
    """Whose trajectories the figures count, and whether small counts are
    withheld."""
    return [
        [texts.label("organisation"), organisation or texts.gettext("every")],
        [
            texts.gettext("Disclosure control"),
            texts.gettext("yes") if suppress else texts.gettext("no"),
        ],
    ]


def marks(texts: Texts, suppress: bool) -> list[list[Any]]:
    """What the marks of withheld counts mean, where counts are withheld."""
    if not suppress:
        return []
    return [
        ["<5", texts.gettext("a count from 0 to 4, withheld")],
        ["x", texts.gettext("withheld so that a small count cannot be worked out")],
    ]
