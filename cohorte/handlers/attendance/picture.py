"""The attendance matrix as a PNG: people (grouped by team) × sessions that have started.

Each mark has an Okabe-Ito colour, a symbol and, for the two kinds of absence, a
hatching, so that it reads without colour too (and printed in grey). Drawn with the
helpers every picture shares (`core.pictures`) from plain data (`AttendancePicture`);
its size in pixels depends only on the number of sessions and rows (`picture_size`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cohorte.handlers.attendance.matrix import (
    MARK_ORDER,
    AttendanceMatrix,
    Mark,
    mark_label,
    session_kind_label,
)
from cohorte.handlers.core.pictures import (
    DPI,
    LIGHT_GREY,
    OKABE_ITO,
    new_figure,
    png_bytes,
    wrap_label,
)
from cohorte.locales import Translator

# Face colour, symbol colour, symbol, hatching.
MARK_STYLES: dict[Mark, tuple[str, str, str, str]] = {
    Mark.PRESENT: (OKABE_ITO["bluish_green"], "#FFFFFF", "✓", ""),
    Mark.ABSENT: (OKABE_ITO["vermillion"], "#FFFFFF", "✖", "//"),
    Mark.EXCUSED: (OKABE_ITO["sky_blue"], "#000000", "–", ".."),
    Mark.UNKNOWN: (LIGHT_GREY, "#000000", "?", ""),
}
# The symbol as a marker (mathtext markers, drawn once per mark), and the hatching's ink:
# a darker shade of the face, so the hatching never hides the symbol.
MARKERS = {Mark.PRESENT: "$✓$", Mark.ABSENT: "X", Mark.EXCUSED: "$–$", Mark.UNKNOWN: "$?$"}
HATCH_INK = {
    Mark.PRESENT: OKABE_ITO["bluish_green"],
    Mark.ABSENT: "#8A3C00",
    Mark.EXCUSED: "#1F6F9E",
    Mark.UNKNOWN: LIGHT_GREY,
}
NOT_CONCERNED = "#FFFFFF"
GROUP_FILL = "#F5F5F5"

LEFT_IN, COLUMN_IN, RIGHT_IN = 2.3, 0.8, 1.1
TOP_IN, ROW_IN, BOTTOM_IN = 2.0, 0.4, 0.9


@dataclass(frozen=True)
class PictureRow:
    label: str
    rate: str
    marks: list[Mark | None]  # per session; None: it does not concern them
    group: bool = False  # a team's heading (no marks)


@dataclass(frozen=True)
class AttendancePicture:
    """Everything the matrix shows, already in the reader's language."""

    title: str
    subtitle: str  # the rate per kind of session
    columns: list[str]  # session labels
    rows: list[PictureRow]  # team headings and people, in order
    totals_label: str
    totals: list[str]  # per session: its rate
    rate_label: str
    legend: list[tuple[Mark, str]]


def picture_size(columns: int, rows: int) -> tuple[int, int]:
    """Width and height in pixels; one extra row holds the totals."""
    width = LEFT_IN + COLUMN_IN * max(columns, 1) + RIGHT_IN
    height = TOP_IN + ROW_IN * (max(rows, 1) + 1) + BOTTOM_IN
    return round(width * DPI), round(height * DPI)


def _percent(t: Translator, percent: int | None) -> str:
    return "—" if percent is None else t._("{percent} %", percent=percent)


def attendance_picture(t: Translator, matrix: AttendanceMatrix) -> AttendancePicture:
    """What the PNG shows, in the reader's language (see `AttendancePicture`)."""
    t = t.plain  # a picture shows plain text: nothing in it is marked for a chat
    cohort = matrix.cohort
    today = matrix.now.astimezone(t.zoneinfo(cohort.home_zone)).date()
    title = t._("Attendance · {cohort}", cohort=cohort.name) + f" — {t.date(today)}"
    subtitle = " · ".join(
        f"{session_kind_label(t, kind)}: {_percent(t, matrix.kind_rate(kind).percent)}"
        for kind in matrix.kinds
    )
    teams = {team.id: team.name for team in matrix.teams}
    columns = []
    for occurrence in matrix.sessions:
        if occurrence.kind == "checkin":
            label = t._("Check-in") + "\n" + wrap_label(teams.get(occurrence.team_id, "?"), 14, 1)
        elif occurrence.kind == "showtime":
            label = "Showtime"  # the sprint's own name, in every language
        else:
            label = wrap_label(session_kind_label(t, occurrence.kind), 14, 2)
        day = occurrence.starts_at.astimezone(t.zoneinfo(cohort.home_zone)).date()
        columns.append(f"{label}\n{t.short_date(day)}")
    rows = []
    for team, members in matrix.groups:
        name = team.name if team is not None else t._("No team")
        rows.append(
            PictureRow(
                wrap_label(name, 28, 1), _percent(t, matrix.team_rate(team).percent), [], True
            )
        )
        for participant in members:
            rows.append(
                PictureRow(
                    wrap_label(participant.shown(t), 26, 1),
                    _percent(t, matrix.person_rate(participant).percent),
                    [matrix.mark(participant, o) for o in matrix.sessions],
                )
            )
    return AttendancePicture(
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        totals_label=t._("Attendance per session"),
        totals=[_percent(t, matrix.session_rate(o).percent) for o in matrix.sessions],
        rate_label=t._("Attendance"),
        legend=[(mark, mark_label(t, mark)) for mark in MARK_ORDER],
    )


def render_attendance_png(picture: AttendancePicture) -> bytes:
    """The matrix as PNG bytes, headless, of `picture_size` pixels.

    The cells of each mark are one collection and their symbols one scatter of
    markers, so a full sprint (30 people × 25 sessions) draws in a fraction of a
    second rather than one artist per cell.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Patch, Rectangle

    n_rows, n_cols = len(picture.rows), len(picture.columns)
    width_px, height_px = picture_size(n_cols, n_rows)
    width, height = width_px / DPI, height_px / DPI
    figure = new_figure(width_px, height_px)
    # The grid keeps one column and one row when empty, as `picture_size` does.
    span_cols, span_rows = max(n_cols, 1), max(n_rows, 1) + 1
    grid_w, grid_h = COLUMN_IN * span_cols, ROW_IN * span_rows
    axes = figure.add_axes((LEFT_IN / width, BOTTOM_IN / height, grid_w / width, grid_h / height))
    axes.set_xlim(0, span_cols)
    axes.set_ylim(span_rows, 0)
    axes.set_axis_off()
    title: dict[str, Any] = {"ha": "center", "va": "top", "parse_math": False}
    figure.text(0.5, 1 - 0.25 / height, picture.title, fontsize=13, fontweight="bold", **title)
    figure.text(0.5, 1 - 0.6 / height, picture.subtitle, fontsize=9, **title)
    label: dict[str, Any] = {"va": "center", "parse_math": False, "clip_on": False}
    for col, text in enumerate(picture.columns):
        axes.text(col + 0.5, -0.1, text, ha="center", va="bottom", fontsize=7, parse_math=False)
    # The rate column, right of the grid, in the axes' row units.
    rate_x = span_cols + (RIGHT_IN / 2) / COLUMN_IN
    axes.text(
        rate_x, -0.1, picture.rate_label, ha="center", va="bottom", fontsize=7, parse_math=False
    )
    cells: dict[Mark | None, list[Rectangle]] = {}
    centres: dict[Mark, list[tuple[float, float]]] = {}
    groups: list[Rectangle] = []
    for row, line in enumerate(picture.rows):
        weight = "bold" if line.group else "normal"
        size = 9 if line.group else 8
        axes.text(
            -0.06, row + 0.5, line.label, ha="right", fontsize=size, fontweight=weight, **label
        )
        axes.text(
            rate_x, row + 0.5, line.rate, ha="center", fontsize=size, fontweight=weight, **label
        )
        if line.group:
            groups.append(Rectangle((0, row), span_cols, 1))
            continue
        for col, mark in enumerate(line.marks):
            # A gap around each cell draws the grid: no edges, so a hatching keeps its colour.
            cells.setdefault(mark, []).append(Rectangle((col + 0.03, row + 0.05), 0.94, 0.9))
            if mark is not None:
                centres.setdefault(mark, []).append((col + 0.5, row + 0.5))
    groups += [Rectangle((col + 0.03, n_rows + 0.05), 0.94, 0.9) for col in range(n_cols)]
    axes.add_collection(PatchCollection(groups, facecolor=GROUP_FILL, edgecolor="none"))
    if None in cells:
        axes.add_collection(
            PatchCollection(cells[None], facecolor=NOT_CONCERNED, edgecolor="#EEEEEE")
        )
    for mark in MARK_ORDER:
        if mark not in cells:
            continue
        face, ink, _, hatch = MARK_STYLES[mark]
        axes.add_collection(
            PatchCollection(
                cells[mark],
                facecolor=face,
                edgecolor=HATCH_INK[mark],
                linewidth=0,
                hatch=hatch or None,
            )
        )
        xs, ys = zip(*centres[mark], strict=True)
        axes.scatter(xs, ys, s=70, c=ink, marker=MARKERS[mark], linewidths=0.5, zorder=3)
    axes.text(
        -0.06, n_rows + 0.5, picture.totals_label, ha="right", fontsize=8, style="italic", **label
    )
    for col, total in enumerate(picture.totals):
        axes.text(col + 0.5, n_rows + 0.5, total, ha="center", fontsize=8, **label)
    handles = [
        Patch(
            facecolor=MARK_STYLES[mark][0],
            hatch=MARK_STYLES[mark][3] or None,
            edgecolor=HATCH_INK[mark],
            linewidth=0,
            label=f"{MARK_STYLES[mark][2]} {text}",
        )
        for mark, text in picture.legend
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        frameon=False,
        fontsize=9,
        bbox_to_anchor=(0.5, 0.1 / height),
    )
    return png_bytes(figure)
