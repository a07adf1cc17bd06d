"""Every text of the pages has its Dutch, the two languages format alike, and the
colours keep text readable."""

import re
from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from application.reports.indicators import GENDER_COLUMNS_FROM
from application.reports.indicators import INDICATORS
from application.reports.indicators import NOT_RECORDED
from interfaces.web.i18n import CATALOGUES
from interfaces.web.i18n import TEXTS
from interfaces.web.i18n import catalogue

WEB = Path(__file__).parents[3] / "interfaces" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def marked_texts() -> set[str]:
    """The texts marked for translation in the templates (_()) and the code
    (gettext(), N_())."""
    found = extract_from_dir(
        str(WEB),
        method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
        keywords={"_": None, "gettext": None, "N_": None},
        options_map={"templates/**.html": {"trim_blocks": "true"}},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def entries(name: str) -> dict[str, str]:
    with (CATALOGUES / "nl" / "LC_MESSAGES" / name).open("rb") as file:
        return {str(m.id): str(m.string) for m in read_po(file) if m.id}


def test_every_marked_text_has_its_dutch() -> None:
    texts = marked_texts()
    assert "Record the next event" in texts  # the extraction finds the templates'
    assert "Fill this in." in texts  # and the code's

    missing = sorted(t for t in texts if t not in catalogue("nl"))

    assert missing == []


def test_the_pages_catalogue_holds_no_text_the_pages_lost() -> None:
    assert sorted(set(entries("messages.po")) - marked_texts()) == []


def test_a_translation_keeps_the_values_of_its_text() -> None:
    for english, dutch in entries("messages.po").items():
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(dutch))


def test_a_text_in_two_catalogues_has_one_dutch() -> None:
    seen: dict[str, str] = {}
    for path in sorted((CATALOGUES / "nl" / "LC_MESSAGES").glob("*.po")):
        for english, dutch in entries(path.name).items():
            assert seen.setdefault(english, dutch) == dutch, (path.name, english)


def test_dutch_pages_write_belgian_dates_and_numbers() -> None:
    dutch, english = TEXTS["nl"], TEXTS["en"]

    assert dutch.date(date(2024, 2, 1)) == "01/02/2024"
    assert english.date(date(2024, 2, 1)) == "1 Feb 2024"
    assert dutch.date(date(1, 1, 1)) == "01/01/0001"  # not 01/01/1
    assert english.date(date(999, 3, 4)) == "4 Mar 0999"
    assert dutch.percent(0.4523) == "45,2%"
    assert english.percent(0.4523) == "45.2%"
    assert dutch.number(12345) == "12.345"
    assert dutch.percent(None) == "–"


# Contrast: WCAG 2 asks 4.5:1 for text; the pages' pairs of text and background.

PAIRS = [
    ("--text", "#ffffff"),
    ("--muted", "#ffffff"),
    ("--muted", "--soft"),
    ("--link", "#ffffff"),
    ("#ffffff", "--brand"),
    ("--text", "--amber-bg"),
    ("--text", "--red-bg"),
    ("#ffffff", "--danger"),
    ("--danger", "#ffffff"),
    ("--danger", "--red-bg"),
    ("--ok", "#ffffff"),
]


def colours() -> dict[str, str]:
    css = (WEB / "static" / "style.css").read_text()
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", css))


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrasts_with_its_background() -> None:
    named = colours()
    assert contrast("#777777", "#ffffff") < 4.5  # the measure can fail

    for text, background in PAIRS:
        ratio = contrast(named.get(text, text), named.get(background, background))
        assert ratio >= 4.5, (text, background, round(ratio, 2))


def test_days_ago_say_today_and_yesterday() -> None:
    dutch, english = TEXTS["nl"], TEXTS["en"]

    assert [dutch.days_ago(n) for n in (0, 1, 5)] == [
        "vandaag",
        "gisteren",
        "5 dagen geleden",
    ]
    assert [english.days_ago(n) for n in (0, 1, 5)] == [
        "today",
        "yesterday",
        "5 days ago",
    ]
    assert dutch.days_ago(None) == "–"


def test_a_measure_shows_its_decimals_only_where_it_has_them() -> None:
    dutch, english = TEXTS["nl"], TEXTS["en"]

    assert [dutch.show(v) for v in (19.0, 19.5, 0.25, 1234.0)] == [
        "19",
        "19,5",
        "0,25",
        "1.234",
    ]
    assert english.show(19.5) == "19.5"
    assert dutch.show(1e308) == "1e+308"  # written, not a server error
    assert dutch.number(float("nan")) == "nan"


def test_an_empty_value_shows_a_dash_never_nothing() -> None:
    assert TEXTS["nl"].value("") == "–"


def test_every_text_of_the_downloads_and_the_funder_s_report_has_its_dutch() -> None:
    exports = Path(__file__).parents[3] / "interfaces" / "exports"
    found = extract_from_dir(
        str(exports),
        method_map=[("**.py", "python")],
        keywords={"gettext": None, "N_": None},
    )
    texts = {message for _, _, message, _, _ in found if isinstance(message, str)}
    assert "Definitions" in texts
    for indicator in INDICATORS:
        texts |= {indicator.name, indicator.counted_from}
    for item in NOT_RECORDED:
        texts |= {item.name, item.why}
    texts.add(GENDER_COLUMNS_FROM)

    missing = sorted(t for t in texts if t not in catalogue("nl"))

    assert missing == []
