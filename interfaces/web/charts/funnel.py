"""The funnel: a bar per step, as long as its share of the largest, named beside
or above it, with its number and share after its end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from interfaces.web.charts.geometry import HALF_HEIGHT
from interfaces.web.charts.geometry import TEXT
from interfaces.web.charts.geometry import WIDE
from interfaces.web.charts.geometry import Label
from interfaces.web.charts.geometry import label
from interfaces.web.charts.geometry import text_width
from interfaces.web.charts.geometry import wrap

BAR_HEIGHT = 28
BAR_GAP = 12
NAME_ROOM = 0.32  # of the width: the names beside the bars, where they all fit


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float = BAR_HEIGHT


@dataclass(frozen=True)
class Funnel:
    width: int
    height: float
    bars: list[Bar]
    names: list[Label]
    values: list[Label]  # the number and its share, after the bar's end

    @property
    def labels(self) -> list[Label]:
        return [*self.names, *self.values]


def funnel(steps: Sequence[tuple[str, int, str]], width: int = WIDE) -> Funnel:
    """Bars for (name, count, shown) steps, each as long as its share of the
    largest; the names beside the bars where every name fits in the margin, else
    each above its bar; the number and share after the bar's end."""
    widest = max((value for _, value, _ in steps), default=0) or 1
    room = width * NAME_ROOM
    beside = all(text_width(name, TEXT) <= room - 10 for name, _, _ in steps)
    left = room if beside else 0.0
    shown = max((text_width(s, TEXT, bold=True) for _, _, s in steps), default=0)
    length = max(width - left - shown - 10, 1)
    bars: list[Bar] = []
    names: list[Label] = []
    values: list[Label] = []
    y = 0.0
    for name, value, figure in steps:
        if beside:
            names.append(
                label(left - 10, y + BAR_HEIGHT / 2, name, anchor="end", kind="name")
            )
        else:
            lines = wrap(name, TEXT, width)
            top = y + HALF_HEIGHT * TEXT
            names.append(Label(0, top, lines, kind="name"))
            y = names[-1].box.bottom + 4
        bar = Bar(left, y, length * value / widest)
        bars.append(bar)
        values.append(
            label(
                bar.x + bar.width + 8,
                y + BAR_HEIGHT / 2,
                figure,
                bold=True,
                kind="value",
            )
        )
        y += BAR_HEIGHT + BAR_GAP
    return Funnel(width, max(y - BAR_GAP, 0) + 2, bars, names, values)
