"""What every PNG the bot draws shares: the colour-blind-safe palette, label wrapping,
the headless canvas and the PNG bytes.

Pictures are drawn with matplotlib's object API on the Agg canvas (no pyplot, no
global backend, no display) from plain data that tests check directly; matplotlib
is imported only when a picture is drawn (it is heavy). The same data gives the
same bytes (no timestamp in the file). Every text is drawn with `parse_math=False`:
matplotlib would read a name between dollar signs as mathematics, and fail on a
name like `$\\frac$`; people's words are shown as typed.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100

# The Okabe-Ito palette: told apart with the common colour-vision deficiencies.
# Pictures never rely on colour alone: cells carry a word or a symbol too.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
LIGHT_GREY = "#E0E0E0"  # "nothing yet": not a palette colour, so never mistaken for one


def wrap_label(text: str, width: int, lines: int) -> str:
    """`text` in at most `lines` lines of `width` characters, cut with '…' if longer."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def new_figure(width_px: int, height_px: int) -> Figure:
    """A white figure of that many pixels on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="#FFFFFF")
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the metadata that would make them differ."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
