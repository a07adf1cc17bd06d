"""The pages' two languages: Dutch (the default) and English.

Texts are written in English in the code and templates (``_("Caseload")``); the Dutch
ones are gettext catalogues under ``locale/nl/LC_MESSAGES/`` (one ``.po`` per part:
the pages, the labels of codes, the refusals of domain rules), read once with Babel.
Dates, numbers and percentages are formatted by Babel in the page's locale: on the
Dutch pages in the Belgian way (24/11/2026, 45,2%).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent

from domain.errors import DomainError
from interfaces.web import labels
from interfaces.web.refusals import refusal_words

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Language = "nl"
LOCALES: dict[Language, Locale] = {
    "nl": Locale.parse("nl_BE"),
    "en": Locale.parse("en_GB"),
}
CATALOGUES = Path(__file__).parent / "locale"
TIME_ZONE = ZoneInfo("Europe/Brussels")
HUGE = 1e15  # beyond, a number is written as 1e+308: no figure is that large


@functools.cache
def catalogue(language: Language) -> dict[str, str]:
    """msgid -> translation, from every ``.po`` of the language (English: none)."""
    translations: dict[str, str] = {}
    for path in sorted((CATALOGUES / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file, locale=language):
                if message.id and message.string and not message.fuzzy:
                    translations[str(message.id)] = str(message.string)
    return translations


def N_(text: str) -> str:
    """Marks a text for translation where it is defined (in a table, say); it is
    translated where it is shown."""
    return text


def language_of(value: str | None) -> Language:
    return "en" if value == "en" else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Texts:
    """Everything a page needs to speak its language."""

    language: Language

    @property
    def locale(self) -> Locale:
        return LOCALES[self.language]

    def gettext(self, text: str) -> str:
        if self.language == "en":
            return text
        return catalogue(self.language).get(text, text)

    def date(self, day: date | str | None) -> str:
        if day is None or day == "":
            return ""
        if isinstance(day, str):
            day = date.fromisoformat(day)
        if self.language == "nl":  # the Belgian way, the year always in 4 digits
            return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
        return format_date(day, "d MMM yyyy", locale=self.locale)

    def moment(self, at: datetime | None) -> str:
        if at is None:
            return ""
        if self.language == "nl":
            pattern = "dd/MM/y HH:mm:ss"
        else:
            pattern = "d MMM y HH:mm:ss"
        return format_datetime(at, pattern, tzinfo=TIME_ZONE, locale=self.locale)

    def number(self, value: float | int | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        if not math.isfinite(value) or abs(value) >= HUGE:
            return f"{value:g}"
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, pattern, locale=self.locale)

    def measure(self, value: float) -> str:
        """A measured number with its decimals only where it has them (19; 19,5)."""
        if not math.isfinite(value) or abs(value) >= HUGE:
            return f"{value:g}"
        return format_decimal(value, "#,##0.##", locale=self.locale)

    def days_ago(self, days: int | None) -> str:
        """How long ago a day was, in days: today, yesterday, 5 days ago."""
        if days is None:
            return "–"
        if days == 0:
            return self.gettext("today")
        if days == 1:
            return self.gettext("yesterday")
        return self.gettext("%(days)s days ago") % {"days": days}

    def percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        return format_percent(value, "#,##0.0%", locale=self.locale)

    def label(self, value: Enum | str | None) -> str:
        """The words for a code: an enum member, or an event type, field or figure
        name; a code without a label is shown as it is."""
        if value is None:
            return ""
        if isinstance(value, Enum):
            return self.gettext(labels.label(value))
        for table in (labels.EVENT_LABELS, labels.FIELD_LABELS, labels.FIGURE_LABELS):
            if value in table:
                return self.gettext(table[value])
        return value

    def code(self, enum: type[Enum], value: str | None) -> str:
        """The words for a stored code of ``enum`` (views keep codes as text)."""
        if value is None:
            return ""
        try:
            return self.label(enum(value))
        except ValueError:
            return value

    def show(self, value: object) -> str:
        """A value inside a sentence, in the page's way."""
        if isinstance(value, datetime):
            return self.moment(value)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, Enum):
            return self.label(value)
        if isinstance(value, float):
            return self.measure(value)
        return str(value)

    def value(self, value: object) -> str:
        """A field's value in a table cell: lists joined, yes or no, a dash for
        none (never an empty cell)."""
        if value is None or value == [] or value == {} or value == "":
            return "–"
        if isinstance(value, bool):
            return self.gettext("yes") if value else self.gettext("no")
        if isinstance(value, list):
            return ", ".join(self.value(item) for item in value)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {self.value(v)}" for k, v in value.items())
        return self.show(value)

    def refusal(self, error: DomainError) -> str:
        """A refused command in plain words of the page's language."""
        if self.language == "en":
            words = error.message
        else:
            words = refusal_words(error, self.gettext, self.show)
        return words[:1].upper() + words[1:]


TEXTS: dict[Language, Texts] = {language: Texts(language) for language in LANGUAGES}
