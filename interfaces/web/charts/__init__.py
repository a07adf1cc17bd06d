"""The geometry of the outcome charts; ``templates/charts.html`` draws it as SVG.

Every text of a chart is a ``Label`` whose box the geometry knows, its width worked
out from the widths of DejaVu Sans (the widest of the usual sans fonts, and the
pages' font where no other is installed), so that a chart can place its texts where
no two meet, whatever the number of cohorts: the x axis names every k-th cohort
(always the last), a value is written beside a point only where it has room (every
value is in the table under the chart), and the names of the lines stand in the
right margin, moved apart where they would meet (wide) or in a legend under the plot
(narrow). Each chart is drawn at two widths, for a screen (820 units) and a phone
(340); the page shows the one that fits.

Both charts are readable without colour: every bar carries its label and number,
every line its name, its own dash pattern and marker shape, and the legend or a
leader line ties the name to the line.
"""

from interfaces.web.charts.funnel import Bar
from interfaces.web.charts.funnel import Funnel
from interfaces.web.charts.funnel import funnel
from interfaces.web.charts.geometry import FUNNEL_WIDE
from interfaces.web.charts.geometry import NARROW
from interfaces.web.charts.geometry import SMALL
from interfaces.web.charts.geometry import TEXT
from interfaces.web.charts.geometry import WIDE
from interfaces.web.charts.geometry import Box
from interfaces.web.charts.geometry import Label
from interfaces.web.charts.geometry import label
from interfaces.web.charts.geometry import meeting
from interfaces.web.charts.geometry import text_width
from interfaces.web.charts.geometry import wrap
from interfaces.web.charts.lines import Leader
from interfaces.web.charts.lines import Line
from interfaces.web.charts.lines import LineChart
from interfaces.web.charts.lines import Point
from interfaces.web.charts.lines import Tick
from interfaces.web.charts.lines import rate_lines

__all__ = [
    "Bar",
    "Box",
    "FUNNEL_WIDE",
    "Funnel",
    "Label",
    "Leader",
    "Line",
    "LineChart",
    "NARROW",
    "Point",
    "SMALL",
    "TEXT",
    "Tick",
    "WIDE",
    "funnel",
    "label",
    "meeting",
    "rate_lines",
    "text_width",
    "wrap",
]
