"""The report's charts, drawn from the plain data of `document`.

With what every picture shares (`core.pictures`: the headless Agg canvas, the
Okabe-Ito palette, label wrapping), at print resolution, handed to the layout as
pixels (no PNG in between: encoding and decoding one cost more than drawing it).
The width is the report's text width; the height grows with the number of bars.
Colour never carries the meaning alone: every bar has its value written beside it,
every line its legend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohorte.handlers.core.pictures import LIGHT_GREY, new_figure, wrap_label
from cohorte.handlers.report.document import Bars, Chart, Lines, StackedBars

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from PIL.Image import Image

PRINT_DPI = 180
WIDTH_IN = 6.6
BAR_IN = 0.34  # height per bar, up to MAX_HEIGHT_IN for the whole chart
MAX_HEIGHT_IN = 8.0  # a chart always fits on a page
FRAME_IN = 1.0  # title and axis
LINES_HEIGHT_IN = 3.0
INK = "#333333"


def chart_size(chart: Chart) -> tuple[float, float]:
    """Width and height of a chart, in inches."""
    if isinstance(chart, Lines):
        return WIDTH_IN, LINES_HEIGHT_IN
    bars = max(len(chart.labels), 1)
    height = FRAME_IN + BAR_IN * bars + (0.4 if isinstance(chart, StackedBars) else 0)
    return WIDTH_IN, min(height, MAX_HEIGHT_IN)


def render_chart(chart: Chart) -> Image:
    """The chart as an RGB picture at print resolution (headless)."""
    from PIL import Image as PilImage

    width, height = chart_size(chart)
    figure = new_figure(round(width * 100), round(height * 100))
    if isinstance(chart, Bars):
        _bars(figure, chart)
    elif isinstance(chart, StackedBars):
        _stacked(figure, chart)
    else:
        _lines(figure, chart)
    figure.set_dpi(PRINT_DPI)
    canvas = figure.canvas
    canvas.draw()
    pixels = canvas.buffer_rgba()  # type: ignore[attr-defined]
    size = (pixels.shape[1], pixels.shape[0])
    return PilImage.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1).convert("RGB")


def _frame(figure: Figure, title: str, height: float, *, legend: bool = False) -> Axes:
    top = 1 - 0.45 / height
    bottom = (0.75 if legend else 0.45) / height
    axes = figure.add_axes((0.36, bottom, 0.58, top - bottom))
    figure.text(
        0.02,
        1 - 0.12 / height,
        title,
        ha="left",
        va="top",
        fontsize=10,
        fontweight="bold",
        color=INK,
        parse_math=False,
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8)
    return axes


def _bars(figure: Figure, chart: Bars) -> None:
    _, height = chart_size(chart)
    axes = _frame(figure, chart.title, height)
    positions = list(range(len(chart.labels)))
    values = [value if value is not None else 0 for value in chart.values]
    colours = [chart.colour if value is not None else LIGHT_GREY for value in chart.values]
    axes.barh(positions, values, color=colours, height=0.62)
    axes.set_yticks(positions, [wrap_label(label, 44, 2) for label in chart.labels])
    for label in axes.get_yticklabels():
        label.set_parse_math(False)
    axes.invert_yaxis()
    axes.set_xlim(0, chart.maximum * 1.12)
    axes.set_xlabel(chart.axis_label, fontsize=8, color=INK)
    for position, value, text in zip(positions, values, chart.value_labels, strict=True):
        axes.text(
            value + chart.maximum * 0.01,
            position,
            text,
            va="center",
            fontsize=8,
            color=INK,
            parse_math=False,
        )


def _stacked(figure: Figure, chart: StackedBars) -> None:
    _, height = chart_size(chart)
    axes = _frame(figure, chart.title, height, legend=True)
    positions = list(range(len(chart.labels)))
    left = [0] * len(positions)
    for name, colour, values in chart.segments:
        axes.barh(positions, values, left=left, color=colour, height=0.62, label=name)
        for position, start, value in zip(positions, left, values, strict=True):
            if value:
                ink = "#FFFFFF" if colour.upper() in ("#D55E00", "#009E73", "#0072B2") else INK
                axes.text(
                    start + value / 2,
                    position,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=ink,
                )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, [wrap_label(label, 44, 2) for label in chart.labels])
    for label in axes.get_yticklabels():
        label.set_parse_math(False)
    axes.invert_yaxis()
    axes.set_xlim(0, max([*left, 1]))
    axes.set_xlabel(chart.axis_label, fontsize=8, color=INK)
    figure.legend(
        loc="lower center",
        ncol=len(chart.segments),
        frameon=False,
        fontsize=8,
        bbox_to_anchor=(0.5, 0.02 / height),
    )


def _lines(figure: Figure, chart: Lines) -> None:
    from matplotlib.ticker import MaxNLocator

    _, height = chart_size(chart)
    top, bottom = 1 - 0.45 / height, 0.85 / height
    axes = figure.add_axes((0.09, bottom, 0.62, top - bottom))
    figure.text(
        0.02,
        1 - 0.12 / height,
        chart.title,
        ha="left",
        va="top",
        fontsize=10,
        fontweight="bold",
        color=INK,
        parse_math=False,
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8)
    positions = list(range(len(chart.x_labels)))
    markers = "osD^vP*X"
    highest = 1
    for index, (name, colour, values) in enumerate(chart.series):
        axes.plot(
            positions,
            values,
            color=colour,
            marker=markers[index % len(markers)],
            markersize=4,
            linewidth=1.8,
            label=wrap_label(name, 24, 2),
        )
        highest = max(highest, *values) if values else highest
    axes.set_xticks(positions, chart.x_labels)
    axes.set_ylim(0, highest + 0.5)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(chart.axis_label, fontsize=8, color=INK)
    axes.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    legend = axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=8)
    for text in legend.get_texts():
        text.set_parse_math(False)
