"""The geometry of the outcome charts; ``templates/charts.html`` draws it as SVG.

Both charts are readable without colour: every bar carries its label and number,
every line its name at its end, its own dash pattern and marker shape, and every
point its value; the figures are also in a table under each chart.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 820
BAR_HEIGHT = 34
BAR_GAP = 12
LABEL_WIDTH = 300
NUMBER_WIDTH = 150

PLOT_LEFT, PLOT_TOP, PLOT_HEIGHT = 56, 16, 240
PLOT_WIDTH = WIDTH - PLOT_LEFT - 300  # room on the right for the names of the lines
DASHES = ("none", "8 4", "2 4", "10 4 2 4")
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the number and its share, in the page's language
    y: float
    width: float


@dataclass(frozen=True)
class Funnel:
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * (BAR_HEIGHT + BAR_GAP)


def funnel(steps: list[tuple[str, int, str]]) -> Funnel:
    """Bars for (label, count, shown) steps, their length relative to the first."""
    widest = max((value for _, value, _ in steps), default=0) or 1
    room = WIDTH - LABEL_WIDTH - NUMBER_WIDTH
    return Funnel(
        [
            Bar(label, value, shown, i * (BAR_HEIGHT + BAR_GAP), room * value / widest)
            for i, (label, value, shown) in enumerate(steps)
        ]
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    shown: str


@dataclass(frozen=True)
class Line:
    name: str
    dash: str
    marker: str
    points: list[Point | None]  # None: no value for that category

    @property
    def segments(self) -> list[list[Point]]:
        """The runs of consecutive points: a category without a value breaks the
        line rather than bridging it."""
        runs: list[list[Point]] = [[]]
        for point in self.points:
            if point is None:
                runs.append([])
            else:
                runs[-1].append(point)
        return [run for run in runs if run]

    @property
    def last(self) -> Point | None:
        """Where the line's name is written."""
        return next((p for p in reversed(self.points) if p is not None), None)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class LineChart:
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = PLOT_TOP + PLOT_HEIGHT + 40
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    plot_width: int = PLOT_WIDTH
    plot_height: int = PLOT_HEIGHT


def rate_lines(
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    shown: list[list[str]],
    percent_labels: list[str],
) -> LineChart:
    """A line per series of rates (0 to 1) over the categories (cohorts); a None
    value (no denominator, or a suppressed cohort) leaves a gap."""
    if len(categories) > 1:
        step = PLOT_WIDTH / (len(categories) - 1)
        x_of = [PLOT_LEFT + i * step for i in range(len(categories))]
    else:
        x_of = [PLOT_LEFT + PLOT_WIDTH / 2] * len(categories)

    def y_of(value: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - value)

    lines: list[Line] = []
    for n, (name, values) in enumerate(series):
        points = [
            None if value is None else Point(x_of[i], y_of(value), shown[n][i])
            for i, value in enumerate(values)
        ]
        lines.append(
            Line(name, DASHES[n % len(DASHES)], MARKERS[n % len(MARKERS)], points)
        )
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    return LineChart(
        lines,
        [Tick(x, c) for x, c in zip(x_of, categories, strict=True)],
        [Tick(y_of(s), label) for s, label in zip(shares, percent_labels, strict=True)],
    )
