"""What both charts are drawn with: their widths and font sizes, the width of a
text as DejaVu Sans draws it, and the boxes of texts and marks, so that no two
texts meet."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

WIDE = 820
NARROW = 340
FUNNEL_WIDE = 640  # the funnel shares its row with the rates beside it
TEXT = 13  # the charts' font size
SMALL = 11  # the values beside the points
LINE_HEIGHT = 1.25  # between the lines of a wrapped label, in font sizes
HALF_HEIGHT = 0.62  # a line's half height around its middle, in font sizes

# Widths in ems of DejaVu Sans, regular and bold, by groups of characters: each
# group's widest (measured in Chromium); any other character as a lowercase letter.
GLYPHS = (
    ("iljIJ'ï", 0.29, 0.37),
    (" !(),-./:;[\\]|frt·", 0.41, 0.49),
    ('sz?"*_`–', 0.53, 0.60),
    ("ABCDEFGHKLNOPQRSTUVXYZ&#+<=>^~≥", 0.80, 0.87),
    ("mwMW%@", 1.00, 1.10),
)
OTHER_GLYPH = (0.64, 0.72)
GAP = 4  # the least room between two texts


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of a line of text at a font size, as wide as DejaVu Sans draws it
    or wider."""
    ems = 0.0
    for char in text:
        for group, regular, heavy in GLYPHS:
            if char in group:
                ems += heavy if bold else regular
                break
        else:
            ems += OTHER_GLYPH[bold]
    return ems * size


def wrap(text: str, size: float, width: float, bold: bool = False) -> tuple[str, ...]:
    """The text in lines no wider than ``width`` where its words allow it."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return tuple(lines) or ("",)


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box, gap: float = 0) -> bool:
        return (
            self.left < other.right + gap
            and other.left < self.right + gap
            and self.top < other.bottom + gap
            and other.top < self.bottom + gap
        )

    def within(self, width: float, height: float) -> bool:
        return (
            self.left >= 0
            and self.top >= 0
            and self.right <= width
            and self.bottom <= height
        )


@dataclass(frozen=True)
class Label:
    """A text of a chart: ``y`` is the middle of its first line (the SVG draws it
    with dominant-baseline middle), ``anchor`` the end of it at ``x``."""

    x: float
    y: float
    lines: tuple[str, ...]
    size: float = TEXT
    anchor: str = "start"  # start, middle or end
    bold: bool = False
    kind: str = ""  # its class in the SVG

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    @property
    def width(self) -> float:
        return max(text_width(line, self.size, self.bold) for line in self.lines)

    @property
    def line_step(self) -> float:
        return self.size * LINE_HEIGHT

    @property
    def box(self) -> Box:
        width = self.width
        left = self.x - {"start": 0.0, "middle": width / 2, "end": width}[self.anchor]
        half = HALF_HEIGHT * self.size
        bottom = self.y + half + (len(self.lines) - 1) * self.line_step
        return Box(left, self.y - half, left + width, bottom)


def label(
    x: float,
    y: float,
    text: str,
    *,
    size: float = TEXT,
    anchor: str = "start",
    bold: bool = False,
    kind: str = "",
) -> Label:
    return Label(x, y, (text,), size, anchor, bold, kind)


def meeting(labels: Sequence[Label]) -> list[tuple[Label, Label]]:
    """The pairs of labels whose boxes meet: none, in a readable chart."""
    return [(a, b) for a, b in combinations(labels, 2) if a.box.meets(b.box)]


def free(box: Box, taken: Iterable[Box]) -> bool:
    return not any(box.meets(other, GAP) for other in taken)
