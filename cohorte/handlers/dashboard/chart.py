"""The dashboard's heat map: teams × deliverables as a PNG.

It is drawn with the helpers every picture shares (`core.pictures`: headless
Agg canvas, Okabe-Ito palette), from plain data (`BoardPicture`) that tests check
directly. Its size in pixels depends only on the number of teams and
deliverables (`picture_size`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.core.pictures import (
    DPI,
    LIGHT_GREY,
    OKABE_ITO,
    new_figure,
    png_bytes,
    wrap_label,
)
from cohorte.handlers.dashboard.summary import last_update_text, week_text
from cohorte.handlers.status.board import Board
from cohorte.handlers.status.rules import STATUS_ORDER, local_today
from cohorte.handlers.status.wording import rdc_tags, short_date, status_label
from cohorte.locales import Translator
from cohorte.storage.status import Status

# Okabe-Ito colours, and a text colour with enough contrast on each.
STATUS_COLOURS = {
    Status.NOT_STARTED: (LIGHT_GREY, "#000000"),
    Status.IN_PROGRESS: (OKABE_ITO["sky_blue"], "#000000"),
    Status.BLOCKED: (OKABE_ITO["vermillion"], "#FFFFFF"),
    Status.DONE: (OKABE_ITO["bluish_green"], "#FFFFFF"),
}
OVERDUE_COLOUR = "#000000"
NOT_ASSIGNED_COLOUR = "#FFFFFF"

LEFT_IN, COLUMN_IN, RIGHT_IN = 2.4, 1.6, 0.3
TOP_IN, ROW_IN, BOTTOM_IN = 1.7, 0.75, 0.8


@dataclass(frozen=True)
class PictureCell:
    status: Status | None  # None: not assigned to that team
    text: str
    overdue: bool


@dataclass(frozen=True)
class BoardPicture:
    """Everything the heat map shows, already in the reader's language."""

    title: str
    rows: list[str]  # team labels
    columns: list[str]  # deliverable labels
    cells: list[list[PictureCell]]  # rows × columns
    totals_label: str
    totals: list[str]  # per column: teams that completed it
    legend: list[tuple[Status | None, str]]  # None: the overdue mark
    overdue_label: str


def picture_size(columns: int, rows: int) -> tuple[int, int]:
    """Width and height in pixels; one extra row holds the totals."""
    width = LEFT_IN + COLUMN_IN * max(columns, 1) + RIGHT_IN
    height = TOP_IN + ROW_IN * (max(rows, 1) + 1) + BOTTOM_IN
    return round(width * DPI), round(height * DPI)


def board_picture(t: Translator, board: Board) -> BoardPicture:
    """What the heat map shows, in the reader's language (see `BoardPicture`)."""
    t = t.plain  # a picture shows plain text: nothing in it is marked for a chat
    cohort = board.cohort
    week = week_text(t, board)
    title = t._("Dashboard · {cohort}", cohort=cohort.name) + f" — {t.date(board.today)}"
    if week:
        title += f" ({week})"
    rows = [
        f"{wrap_label(team.name, 26, 2)}\n{last_update_text(t, board, team)}"
        for team in board.teams
    ]
    columns = []
    for deliverable in board.deliverables:
        tags = " · ".join(rdc_tags(deliverable))
        if deliverable.optional:
            optional = t._("optional")
            tags = f"{tags} · {optional}" if tags else optional
        columns.append(wrap_label(deliverable.title, 18, 3) + (f"\n{tags}" if tags else ""))
    cells = []
    for team in board.teams:
        row = []
        for deliverable in board.deliverables:
            cell = board.cell(team, deliverable)
            if cell is None:
                row.append(PictureCell(None, "—", False))
                continue
            text = status_label(t, cell.status)
            if cell.update is not None:
                text += "\n" + short_date(t, local_today(cell.update.created_at, cohort.home_zone))
            if cell.overdue:
                text += "\n" + t._("overdue")
            row.append(PictureCell(cell.status, text, cell.overdue))
        cells.append(row)
    totals = []
    for deliverable in board.deliverables:
        assigned = board.deliverable_cells(deliverable)
        done = sum(1 for cell in assigned if cell.status is Status.DONE)
        totals.append(t._("{done} of {total}", done=done, total=len(assigned)))
    legend: list[tuple[Status | None, str]] = [(s, status_label(t, s)) for s in STATUS_ORDER]
    legend.append((None, t._("overdue")))
    return BoardPicture(
        title=title,
        rows=rows,
        columns=columns,
        cells=cells,
        totals_label=t._("Teams that completed it"),
        totals=totals,
        legend=legend,
        overdue_label=t._("overdue"),
    )


def render_board_png(picture: BoardPicture) -> bytes:
    """The heat map as PNG bytes, headless (Agg canvas), of `picture_size` pixels."""
    # Imported here: matplotlib is heavy and only pictures need it.
    from matplotlib.patches import Patch, Rectangle

    n_rows, n_cols = len(picture.rows), len(picture.columns)
    width_px, height_px = picture_size(n_cols, n_rows)
    width, height = width_px / DPI, height_px / DPI
    figure = new_figure(width_px, height_px)
    grid_w, grid_h = COLUMN_IN * n_cols, ROW_IN * (n_rows + 1)
    axes = figure.add_axes((LEFT_IN / width, BOTTOM_IN / height, grid_w / width, grid_h / height))
    axes.set_xlim(0, n_cols)
    axes.set_ylim(n_rows + 1, 0)
    axes.set_axis_off()
    figure.text(
        0.5,
        1 - 0.3 / height,
        picture.title,
        ha="center",
        va="top",
        fontsize=13,
        fontweight="bold",
        parse_math=False,
    )
    for col, label in enumerate(picture.columns):
        axes.text(col + 0.5, -0.08, label, ha="center", va="bottom", fontsize=8, parse_math=False)
    for row, label in enumerate(picture.rows):
        axes.text(-0.06, row + 0.5, label, ha="right", va="center", fontsize=9, parse_math=False)
        for col, cell in enumerate(picture.cells[row]):
            face, ink = (
                STATUS_COLOURS[cell.status]
                if cell.status is not None
                else (NOT_ASSIGNED_COLOUR, "#777777")
            )
            axes.add_patch(
                Rectangle((col, row), 1, 1, facecolor=face, edgecolor="#FFFFFF", linewidth=3)
            )
            if cell.overdue:
                axes.add_patch(
                    Rectangle(
                        (col + 0.04, row + 0.06),
                        0.92,
                        0.88,
                        fill=False,
                        edgecolor=OVERDUE_COLOUR,
                        linewidth=2.5,
                        linestyle="--",
                    )
                )
            axes.text(
                col + 0.5,
                row + 0.5,
                cell.text,
                ha="center",
                va="center",
                fontsize=8,
                color=ink,
                fontweight="bold" if cell.overdue else "normal",
                parse_math=False,
            )
    axes.text(
        -0.06,
        n_rows + 0.5,
        picture.totals_label,
        ha="right",
        va="center",
        fontsize=9,
        style="italic",
        parse_math=False,
    )
    for col, total in enumerate(picture.totals):
        axes.add_patch(
            Rectangle((col, n_rows), 1, 1, facecolor="#F5F5F5", edgecolor="#FFFFFF", linewidth=3)
        )
        axes.text(
            col + 0.5, n_rows + 0.5, total, ha="center", va="center", fontsize=9, parse_math=False
        )
    handles = []
    for status, label in picture.legend:
        if status is None:
            handles.append(
                Patch(
                    facecolor="#FFFFFF",
                    edgecolor=OVERDUE_COLOUR,
                    linestyle="--",
                    linewidth=1.5,
                    label=label,
                )
            )
        else:
            handles.append(Patch(facecolor=STATUS_COLOURS[status][0], label=label))
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        frameon=False,
        fontsize=9,
        bbox_to_anchor=(0.5, 0.1 / height),
    )
    return png_bytes(figure)
