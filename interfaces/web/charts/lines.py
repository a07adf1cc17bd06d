"""The rates over cohorts: a line per rate, each with its dash pattern and marker,
named in the right margin (wide) or in a legend under the plot (narrow), with the
values beside the points where they have room."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from interfaces.web.charts.geometry import GAP
from interfaces.web.charts.geometry import HALF_HEIGHT
from interfaces.web.charts.geometry import LINE_HEIGHT
from interfaces.web.charts.geometry import SMALL
from interfaces.web.charts.geometry import TEXT
from interfaces.web.charts.geometry import WIDE
from interfaces.web.charts.geometry import Box
from interfaces.web.charts.geometry import Label
from interfaces.web.charts.geometry import free
from interfaces.web.charts.geometry import label
from interfaces.web.charts.geometry import text_width
from interfaces.web.charts.geometry import wrap

DASHES = ("none", "8 4", "2 4", "10 4 2 4")
MARKERS = ("circle", "square", "triangle", "diamond")
MARKER_SIZE = 6  # half a marker's width
SAMPLE = 30  # a legend's stroke of the line
NAMES_OFF = 28  # from the plot's right edge to the names of the lines (wide)
VALUE_OFFSET = MARKER_SIZE + HALF_HEIGHT * SMALL + 2  # a value's middle from its point


@dataclass(frozen=True)
class Point:
    """Where a line passes a category, with the value shown beside it."""

    x: float
    y: float
    shown: str

    @property
    def box(self) -> Box:
        return Box(
            self.x - MARKER_SIZE,
            self.y - MARKER_SIZE,
            self.x + MARKER_SIZE,
            self.y + MARKER_SIZE,
        )


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
        """The line's last point, which its name points at."""
        return next((p for p in reversed(self.points) if p is not None), None)


@dataclass(frozen=True)
class Tick:
    at: float
    label: Label | None  # None: a tick without its name (no room)


@dataclass(frozen=True)
class Leader:
    """A thin line from a line's last point to its name in the margin."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    names: list[Label]  # one per line: in the margin (wide) or the legend (narrow)
    values: list[Label]  # the values written beside their points
    leaders: list[Leader | None]  # per line (wide); None in a legend
    legend: bool

    @property
    def bottom(self) -> float:
        return self.top + self.plot_height

    @property
    def right(self) -> float:
        return self.left + self.plot_width

    @property
    def labels(self) -> list[Label]:
        ticks = [t.label for t in (*self.x_ticks, *self.y_ticks) if t.label]
        return [*ticks, *self.names, *self.values]

    @property
    def samples(self) -> list[tuple[float, float]]:
        """Where the legend draws each line's stroke: its left end and height."""
        return [(0.0, name.y) for name in self.names] if self.legend else []


def rate_lines(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    shown: Sequence[Sequence[str]],
    percent_labels: Sequence[str],
    width: int = WIDE,
) -> LineChart:
    """A line per series of rates (0 to 1) over the categories (cohorts); a None
    value (no denominator, or a withheld figure) leaves a gap."""
    legend = width < WIDE
    top = 20.0
    plot_height = 240.0 if not legend else 200.0
    left = max((text_width(t, TEXT) for t in percent_labels), default=0) + 12
    if legend:
        right = width - 30.0  # room for half the last cohort's name
        names_room = 0.0
    else:
        names_room = min(
            max((text_width(n, TEXT, bold=True) for n, _ in series), default=0),
            190.0,
        )
        right = width - names_room - NAMES_OFF - 4
    plot_width = right - left
    bottom = top + plot_height
    count = len(categories)
    if count > 1:
        step = plot_width / (count - 1)
        x_of = [left + i * step for i in range(count)]
    else:
        step = plot_width
        x_of = [left + plot_width / 2] * count

    def y_of(value: float) -> float:
        return top + plot_height * (1 - min(max(value, 0.0), 1.0))

    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    y_ticks = [
        Tick(y_of(s), label(left - 6, y_of(s), text, anchor="end", kind="tick"))
        for s, text in zip(shares, percent_labels, strict=True)
    ]
    widest = max((text_width(c, TEXT) for c in categories), default=0)
    every = max(1, math.ceil((widest + 2 * GAP + 2) / step)) if count > 1 else 1
    x_ticks = [
        Tick(
            x,
            label(x, bottom + 20, category, anchor="middle", kind="tick")
            if (count - 1 - i) % every == 0
            else None,
        )
        for i, (x, category) in enumerate(zip(x_of, categories, strict=True))
    ]
    lines = [
        Line(
            name,
            DASHES[n % len(DASHES)],
            MARKERS[n % len(MARKERS)],
            [
                None if value is None else Point(x_of[i], y_of(value), shown[n][i])
                for i, value in enumerate(values)
            ],
        )
        for n, (name, values) in enumerate(series)
    ]
    axis_bottom = bottom + 20 + HALF_HEIGHT * TEXT
    if legend:
        names, leaders = _legend(lines, width, axis_bottom + 14)
        height = (names[-1].box.bottom if names else axis_bottom) + 4
    else:
        floor = bottom + 20 - HALF_HEIGHT * TEXT - GAP  # above the cohorts' names
        names, leaders = _names_in_margin(lines, right, names_room, floor)
        height = axis_bottom + 4
    fixed = [*names, *(t.label for t in (*x_ticks, *y_ticks) if t.label)]
    markers = [p.box for line in lines for p in line.points if p]
    values = _values(
        lines,
        [each.box for each in fixed],
        markers,
        Box(0, 0, right + NAMES_OFF - GAP, bottom + 6),
    )
    return LineChart(
        width,
        math.ceil(height),
        left,
        top,
        plot_width,
        plot_height,
        lines,
        x_ticks,
        y_ticks,
        names,
        values,
        leaders,
        legend,
    )


def _names_in_margin(
    lines: Sequence[Line], right: float, room: float, floor: float
) -> tuple[list[Label], list[Leader | None]]:
    """Each line's name in the right margin, at the height of its last point where
    it can be, moved apart from the others; a leader from the point to the name."""
    x = right + NAMES_OFF
    step = TEXT * LINE_HEIGHT
    wanted: list[tuple[float, int, tuple[str, ...]]] = []
    for n, line in enumerate(lines):
        last = line.last
        words = wrap(line.name, TEXT, room, bold=True)
        middle = last.y if last else floor
        wanted.append((middle - (len(words) - 1) * step / 2, n, words))
    half = HALF_HEIGHT * TEXT
    placed: dict[int, float] = {}
    order = sorted(wanted)
    # Downwards from the top: each name below the one before it.
    lowest = 0.0
    for y, n, words in order:
        y = max(y, lowest + half)
        placed[n] = y
        lowest = y + half + (len(words) - 1) * step + GAP
    # Upwards from the floor: none below the x axis's names.
    highest = floor
    for _, n, words in reversed(order):
        bottom = placed[n] + half + (len(words) - 1) * step
        if bottom > highest:
            placed[n] -= bottom - highest
        highest = placed[n] - half - GAP
    names: list[Label] = []
    leaders: list[Leader | None] = []
    for _, n, words in sorted(wanted, key=lambda w: w[1]):
        names.append(Label(x, placed[n], words, bold=True, kind="name"))
        last = lines[n].last
        leaders.append(
            Leader(last.x + MARKER_SIZE + 2, last.y, x - 4, placed[n]) if last else None
        )
    return names, leaders


def _legend(
    lines: Sequence[Line], width: float, top: float
) -> tuple[list[Label], list[Leader | None]]:
    """Each line's name under the plot, after a stroke of the line."""
    names: list[Label] = []
    y = top
    for line in lines:
        words = wrap(line.name, TEXT, width - SAMPLE - 8, bold=True)
        names.append(
            Label(SAMPLE + 8, y + HALF_HEIGHT * TEXT, words, bold=True, kind="name")
        )
        y = names[-1].box.bottom + 8
    return names, [None] * len(lines)


def _values(
    lines: Sequence[Line], taken: list[Box], markers: list[Box], area: Box
) -> list[Label]:
    """The values beside their points, above or below, clear of every text and
    marker, where one has room: each line's last first, then from the last cohort
    back, a line at a time."""
    count = max((len(line.points) for line in lines), default=0)
    order: list[tuple[int, int]] = []
    for n, line in enumerate(lines):
        last = line.points.index(line.last) if line.last else None
        if last is not None:
            order.append((n, last))
    order += [
        (n, i)
        for i in reversed(range(count))
        for n in range(len(lines))
        if (n, i) not in order
    ]
    values: list[Label] = []
    for n, i in order:
        point = lines[n].points[i] if i < len(lines[n].points) else None
        if point is None:
            continue
        for dy in (-VALUE_OFFSET, VALUE_OFFSET):
            value = label(
                point.x,
                point.y + dy,
                point.shown,
                size=SMALL,
                anchor="middle",
                kind=f"value of-{n + 1}",
            )
            box = value.box
            inside = (
                box.left >= area.left
                and box.right <= area.right
                and box.top >= area.top
                and box.bottom <= area.bottom
            )
            if inside and free(box, taken) and not any(box.meets(m) for m in markers):
                values.append(value)
                taken.append(box)
                break
    return values
