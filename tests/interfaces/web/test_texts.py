"""Every text of the pages has its Dutch, the two languages format alike, and the
colours keep text readable."""

import re
from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from interfaces.web import charts
from interfaces.web.i18n import CATALOGUES, TEXTS, catalogue

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


# Charts --------------------------------------------------------------------------


def test_funnel_bars_are_as_long_as_their_share_of_the_first() -> None:
    chart = charts.funnel([("a", 20, "20"), ("b", 5, "5"), ("c", 0, "0")])

    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 4 * widths[1]
    assert widths[2] == 0
    assert [bar.shown for bar in chart.bars] == ["20", "5", "0"]


def test_a_line_breaks_where_a_cohort_has_no_value() -> None:
    chart = charts.rate_lines(
        ["2024Q1", "2024Q2", "2024Q3", "2024Q4"],
        [("rate", [0.5, None, 0.25, 1.0]), ("other", [0.1, 0.2, 0.3, 0.4])],
        [["50%", "<5", "25%", "100%"], ["10%", "20%", "30%", "40%"]],
        ["0%", "25%", "50%", "75%", "100%"],
    )

    rate, other = chart.lines
    assert [len(run) for run in rate.segments] == [1, 2]
    assert [len(run) for run in other.segments] == [4]
    assert rate.last is not None and rate.last.shown == "100%"
    assert rate.dash != other.dash and rate.marker != other.marker
    top = charts.PLOT_TOP
    assert rate.last.y == top  # 100% at the top of the plot
    assert rate.points[0] is not None
    assert rate.points[0].y == top + charts.PLOT_HEIGHT / 2
