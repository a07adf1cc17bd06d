"""The outcome charts' geometry: every text has a box, and no two boxes meet, at any
number of cohorts, on a screen and on a phone."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from interfaces.web import charts
from interfaces.web.charts import Label
from interfaces.web.charts import LineChart
from interfaces.web.i18n import TEXTS
from interfaces.web.pages.outcomes.page import TREND
from interfaces.web.pages.outcomes.words import cohort_words

WIDTHS = (charts.WIDE, charts.NARROW)
PERCENTS = ["0,0%", "25,0%", "50,0%", "75,0%", "100,0%"]


def quarters(count: int, last: str = "2026Q4") -> list[str]:
    """``count`` quarters up to ``last``."""
    year, quarter = int(last[:4]), int(last[5])
    named = []
    for _ in range(count):
        named.append(f"{year}Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return named[::-1]


def trend(
    count: int,
    width: int,
    values: Sequence[Sequence[float | None]] | None = None,
    language: str = "nl",
) -> LineChart:
    """The chart of the outcomes page: its four rates, named in Dutch (the longer
    names), over ``count`` quarters."""
    texts = TEXTS["nl" if language == "nl" else "en"]
    if values is None:  # lines that cross, meet and end early, as the demo's do
        values = [
            [0.85 + 0.1 * (i % 2) for i in range(count)],
            [0.5 + 0.05 * (i % 3) for i in range(count)],
            [0.5 + 0.05 * (i % 3) for i in range(count)],  # on top of the one before
            [0.3 if i < count - 3 else None for i in range(count)],
        ]
    shown = [[texts.percent(v) for v in line] for line in values]
    return charts.rate_lines(
        [cohort_words(texts, c) for c in quarters(count)],
        [(texts.label(name), line) for name, line in zip(TREND, values, strict=True)],
        shown,
        PERCENTS,
        width,
    )


def assert_readable(labels: list[Label], width: float, height: float) -> None:
    assert charts.meeting(labels) == []
    outside = [label.text for label in labels if not label.box.within(width, height)]
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("count", [1, 8, 40])
def test_no_text_of_the_rates_by_cohort_meets_another(count: int, width: int) -> None:
    chart = trend(count, width)

    assert_readable(chart.labels, chart.width, chart.height)
    assert len(chart.names) == 4
    named = [tick.label for tick in chart.x_ticks if tick.label]
    assert named[-1] is not None and named[-1].text == "K4 2026"  # the last, always
    assert len(named) >= min(count, 4)


@pytest.mark.parametrize("width", WIDTHS)
def test_forty_cohorts_name_every_few_on_the_axis_evenly(width: int) -> None:
    chart = trend(40, width)

    named = [i for i, tick in enumerate(chart.x_ticks) if tick.label]
    steps = {b - a for a, b in zip(named, named[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() > 1
    assert named[-1] == 39


def test_eight_cohorts_are_each_named_on_a_screen() -> None:
    chart = trend(8, charts.WIDE)

    assert all(tick.label for tick in chart.x_ticks)


def test_lines_that_end_together_have_their_names_apart_beside_them() -> None:
    same = [0.5] * 8
    chart = trend(8, charts.WIDE, [same, same, same, same])

    assert_readable(chart.labels, chart.width, chart.height)
    assert [leader is not None for leader in chart.leaders] == [True] * 4
    assert all(name.x > chart.right for name in chart.names)


def test_a_name_stands_at_its_line_s_end_where_it_has_room() -> None:
    chart = trend(8, charts.WIDE, [[0.9] * 8, [0.6] * 8, [0.35] * 8, [0.05] * 8])

    for line, name in zip(chart.lines, chart.names, strict=True):
        assert line.last is not None
        middle = (name.box.top + name.box.bottom) / 2
        assert middle == pytest.approx(line.last.y, abs=0.01) or line is chart.lines[3]
    # the lowest, three lines long, is moved up off the cohorts' names
    lowest = chart.names[3].box
    assert lowest.bottom <= chart.x_ticks[-1].label.box.top  # type: ignore[union-attr]


def test_values_are_written_where_they_have_room_and_only_there() -> None:
    apart = trend(8, charts.WIDE, [[0.9] * 8, [0.6] * 8, [0.35] * 8, [0.05] * 8])
    crowded = trend(40, charts.WIDE)

    assert len(apart.values) == 32  # every point's value
    assert 4 <= len(crowded.values) < 160
    last_values = {(v.x, v.text) for v in crowded.values}
    for line in crowded.lines:
        assert line.last is not None
        assert any(x == line.last.x for x, _ in last_values)


def test_a_phone_s_chart_names_its_lines_in_a_legend_under_the_plot() -> None:
    chart = trend(8, charts.NARROW)

    assert chart.legend
    assert all(name.box.top > chart.bottom for name in chart.names)
    assert all(leader is None for leader in chart.leaders)
    assert len(chart.samples) == 4


def test_a_line_breaks_where_a_cohort_has_no_value() -> None:
    chart = charts.rate_lines(
        ["2024Q1", "2024Q2", "2024Q3", "2024Q4"],
        [("rate", [0.5, None, 0.25, 1.0]), ("other", [0.1, 0.2, 0.3, 0.4])],
        [["50%", "<5", "25%", "100%"], ["10%", "20%", "30%", "40%"]],
        PERCENTS,
    )

    rate, other = chart.lines
    assert [len(run) for run in rate.segments] == [1, 2]
    assert [len(run) for run in other.segments] == [4]
    assert rate.last is not None and rate.last.shown == "100%"
    assert rate.dash != other.dash and rate.marker != other.marker
    assert rate.last.y == chart.top  # 100% at the top of the plot
    assert rate.points[0] is not None
    assert rate.points[0].y == chart.top + chart.plot_height / 2


rates = st.one_of(st.none(), st.floats(min_value=0, max_value=1))


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=60),
    width=st.sampled_from(WIDTHS),
    language=st.sampled_from(["nl", "en"]),
    data=st.data(),
)
def test_no_two_texts_meet_for_any_rates_at_any_count(
    count: int, width: int, language: str, data: st.DataObject
) -> None:
    values = [data.draw(st.lists(rates, min_size=count, max_size=count)) for _ in TREND]

    chart = trend(count, width, values, language)

    assert_readable(chart.labels, chart.width, chart.height)


# The funnel -----------------------------------------------------------------------

STEPS = [
    ("Toeleidingen", 300, "300 (100,0%)"),
    ("Intakes", 262, "262 (87,3%)"),
    ("Geplaatst", 140, "140 (46,7%)"),
    ("Betaald regulier werk", 61, "61 (20,3%)"),
]


@pytest.mark.parametrize("width", [charts.FUNNEL_WIDE, charts.NARROW])
def test_no_text_of_the_funnel_meets_another(width: int) -> None:
    chart = charts.funnel(STEPS, width)

    assert_readable(chart.labels, chart.width, chart.height)
    for bar, value in zip(chart.bars, chart.values, strict=True):
        assert value.box.left > bar.x + bar.width  # after the bar's end


def test_the_funnel_s_bars_are_as_long_as_their_share_of_the_first() -> None:
    chart = charts.funnel([("a", 20, "20"), ("b", 5, "5"), ("c", 0, "0")])

    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 4 * widths[1]
    assert widths[2] == 0
    assert [value.text for value in chart.values] == ["20", "5", "0"]


def test_a_funnel_names_its_steps_above_the_bars_where_they_do_not_fit_beside() -> None:
    beside = charts.funnel(STEPS, charts.FUNNEL_WIDE)
    above = charts.funnel(STEPS, charts.NARROW)

    for name, bar in zip(beside.names, beside.bars, strict=True):
        assert name.box.right < bar.x
    for name, bar in zip(above.names, above.bars, strict=True):
        assert name.box.bottom < bar.y
    assert_readable(above.labels, above.width, above.height)


def test_a_long_step_name_is_wrapped_within_a_phone_s_width() -> None:
    name = "Duurzame tewerkstelling na 6 maanden, een heel lange naam van een stap"
    chart = charts.funnel([(name, 10, "10 (100,0%)")], charts.NARROW)

    assert len(chart.names[0].lines) > 1
    assert_readable(chart.labels, chart.width, chart.height)


def test_a_text_is_as_wide_as_dejavu_sans_draws_it_or_wider() -> None:
    # measured in Chromium at 100 px: "Intakegraad" 590, "100,0%" 388 (regular)
    assert charts.text_width("Intakegraad", 100) >= 590
    assert charts.text_width("100,0%", 100) >= 388
    assert charts.text_width("Intakegraad", 100, bold=True) > charts.text_width(
        "Intakegraad", 100
    )
