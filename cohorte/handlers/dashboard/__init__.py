"""Seeing the cohort's progress: /estado, /tablero (text and PNG heat map), CSV exports.

Everything here reads the board built by `status.load_board`. The picture is
drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
backend, no display), from plain data (`BoardPicture`) that tests check
directly. Its size in pixels depends only on the number of teams and
deliverables (`picture_size`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import textwrap
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import Capabilities, RenderContext
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, File, Image, Reply, button_rows
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang.text import fold
from cohorte.handlers.status import (
    OVERDUE_ICON,
    RDC_CRITERIA,
    STATUS_ICONS,
    STATUS_ORDER,
    Board,
    Cell,
    active_cohorts,
    cell_line,
    load_board,
    local_today,
    match_deliverables,
    match_teams,
    rdc_tags,
    require_team,
    short_date,
    silent_since,
    status_label,
    status_tag,
)
from cohorte.locales import N_, Translator
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import sprint_week, to_utc
from cohorte.storage import queries
from cohorte.storage.models import Cohort, Role, Team
from cohorte.storage.status import (
    Deliverable,
    Status,
    checkin_answers,
    deliverables_of,
    status_history,
)

logger = logging.getLogger(__name__)

KIND_WEEKLY = "status.weekly"
WEEKLY_AT = time(9, 0)  # Monday, cohort's home zone
HISTORY_LINES = 15


def register(router: Router) -> None:
    router.command(
        ("estado", "status"),
        show_status,
        N_("your team's deliverables (coordination: the cohort summary)"),
    )
    router.command(
        ("tablero", "dashboard"),
        show_board,
        N_("teams × deliverables, as text and as a picture"),
        coordinator_only=True,
    )
    router.command(
        ("exportar", "export"),
        export,
        N_("CSV files: /exportar estado, historial or checkins"),
        coordinator_only=True,
    )
    router.raw_button("stx", export_button)


def register_capabilities(capabilities: Capabilities) -> None:
    capabilities.planners.append(plan_weekly_digest)
    capabilities.renderer(KIND_WEEKLY, render_weekly_digest, private=True)


# --- /estado ----------------------------------------------------------------------------


async def show_status(ctx: Context, args: str) -> list[Reply]:
    """/estado [equipo|entregable]: a team's deliverables, a history, or the cohort summary."""
    cohort, _ = ctx.require_member()
    text = args.strip()
    now = ctx.clock.now()
    if ctx.is_coordinator:
        if not text:
            board = await load_board(ctx.session, cohort, now)
            return [Reply(cohort_summary(ctx.t, board))]
        teams = await queries.teams_of(ctx.session, cohort.id or 0)
        try:
            chosen = match_teams(text, teams)
        except CohortError:
            chosen = []
        if len(chosen) == 1:
            board = await load_board(ctx.session, cohort, now, team_id=chosen[0].id)
            return [Reply(team_summary(ctx.t, board, chosen[0]))]
        return [await _history(ctx, cohort, text, None)]
    _, _, team = require_team(ctx)
    if text:
        return [await _history(ctx, cohort, text, team)]
    board = await load_board(ctx.session, cohort, now, team_id=team.id)
    return [Reply(team_summary(ctx.t, board, team))]


def week_text(t: Translator, board: Board) -> str:
    week = board.week
    if week is None:
        return ""
    return t._("Week {n} of {weeks}", n=week, weeks=board.cohort.weeks)


def team_summary(t: Translator, board: Board, team: Team) -> str:
    """A team's deliverables with status, due date, overdue mark and latest note."""
    cells = board.team_cells(team)
    head = t._("*Deliverables of the {team} team*", team=team.name)
    week = week_text(t, board)
    lines = [f"{head} · {week}" if week else head]
    if not cells:
        lines.append(t._("No deliverables assigned yet."))
        return "\n".join(lines)
    lines += [cell_line(t, cell, board.cohort) for cell in cells]
    done = sum(1 for cell in cells if cell.status is Status.DONE)
    lines += ["", t._("{done} of {total} done.", done=done, total=len(cells))]
    lines.append(t._("To update one: /reportar"))
    return "\n".join(lines)


def _counts(cells: list[Cell]) -> dict[Status, int]:
    return {status: sum(1 for cell in cells if cell.status is status) for status in STATUS_ORDER}


def _last_update_text(t: Translator, board: Board, team: Team) -> str:
    last = board.last_update_of(team)
    if last is None:
        return t._("no updates yet")
    return t._(
        "last update {date}",
        date=short_date(t, local_today(last.created_at, board.cohort.home_zone)),
    )


def cohort_summary(t: Translator, board: Board) -> str:
    """One line per team, then progress per RDC criterion."""
    cohort = board.cohort
    head = f"*{cohort.name}*"
    week = week_text(t, board)
    lines = [f"{head} · {week}" if week else head]
    if not board.deliverables:
        lines.append(t._("There are no deliverables yet. Add them with /entregable nuevo."))
        return "\n".join(lines)
    for team in board.teams:
        cells = board.team_cells(team)
        counts = _counts(cells)
        overdue = sum(1 for cell in cells if cell.overdue)
        parts = [
            t._(
                "{icon} {done} of {total}",
                icon=STATUS_ICONS[Status.DONE],
                done=counts[Status.DONE],
                total=len(cells),
            ),
            f"{STATUS_ICONS[Status.IN_PROGRESS]} {counts[Status.IN_PROGRESS]}",
            f"{STATUS_ICONS[Status.BLOCKED]} {counts[Status.BLOCKED]}",
            f"{OVERDUE_ICON} {overdue}",
            _last_update_text(t, board, team),
        ]
        lines.append(f"*{team.name}*: " + " · ".join(parts))
    lines += ["", *rdc_progress_lines(t, board)]
    lines += ["", legend_text(t), t._("Details: /tablero · /estado TEAM · /exportar")]
    return "\n".join(lines)


def legend_text(t: Translator) -> str:
    parts = [status_tag(t, status) for status in STATUS_ORDER]
    parts.append(f"{OVERDUE_ICON} " + t._("overdue"))
    return " · ".join(parts)


@dataclass(frozen=True)
class CriterionProgress:
    """How many teams completed each deliverable tagged with one RDC criterion."""

    tag: str
    rows: list[tuple[Deliverable, int, int]]  # deliverable, teams done, teams assigned

    @property
    def done(self) -> int:
        return sum(done for _, done, _ in self.rows)

    @property
    def total(self) -> int:
        return sum(total for _, _, total in self.rows)


def rdc_progress(board: Board) -> list[CriterionProgress]:
    found = []
    for tag in RDC_CRITERIA:
        rows = []
        for deliverable in board.deliverables:
            if tag not in rdc_tags(deliverable):
                continue
            cells = board.deliverable_cells(deliverable)
            done = sum(1 for cell in cells if cell.status is Status.DONE)
            rows.append((deliverable, done, len(cells)))
        found.append(CriterionProgress(tag, rows))
    return found


def rdc_progress_lines(t: Translator, board: Board) -> list[str]:
    lines = [t._("*Progress per RDC criterion*")]
    for progress in rdc_progress(board):
        if not progress.rows:
            continue
        lines.append(
            t._(
                "{tag} ({name}): {done} of {total} done",
                tag=progress.tag,
                name=t._(RDC_CRITERIA[progress.tag]),
                done=progress.done,
                total=progress.total,
            )
        )
        for deliverable, done, total in progress.rows:
            lines.append(
                "   • "
                + t.ngettext(
                    "{title}: {done} of {n} team",
                    "{title}: {done} of {n} teams",
                    total,
                    title=deliverable.title,
                    done=done,
                )
            )
    return lines


async def _history(ctx: Context, cohort: Cohort, query: str, team: Team | None) -> Reply:
    """The changes of one deliverable: for the reader's team, or every team (coordinators)."""
    t = ctx.t
    cohort_id = cohort.id or 0
    board = await load_board(ctx.session, cohort, ctx.clock.now())
    candidates = [d for d in board.deliverables if team is None or board.cell(team, d) is not None]
    found = match_deliverables(query, candidates)
    if not found:
        raise CohortError(
            N_("There is no deliverable or team “{query}”. The codes: {codes}."),
            query=query[:40],
            codes=", ".join(d.code for d in candidates) or "—",
        )
    if len(found) > 1:
        raise CohortError(
            N_("“{query}” could be several deliverables: {codes}. Write its code."),
            query=query[:40],
            codes=", ".join(d.code for d in found),
        )
    deliverable = found[0]
    rows = await status_history(
        ctx.session, cohort_id, deliverable_id=deliverable.id, team_id=team.id if team else None
    )
    teams = {item.id: item for item in board.teams}
    names = board.names
    head = t._("History of *{title}*", title=deliverable.title)
    if team is not None:
        head += f" — {team.name}"
    lines = [head]
    if not rows:
        lines.append(t._("No updates yet."))
    for row in list(rows)[-HISTORY_LINES:]:
        day = short_date(t, local_today(row.created_at, ctx.zone))
        when = f"{day} {t.time(row.created_at, ctx.zone)}"
        who = names.get(row.member_id or 0, "—")
        change = (
            f"{status_label(t, row.previous or Status.NOT_STARTED)} → {status_label(t, row.status)}"
        )
        line = f"• {when} · {who}"
        if team is None:
            line += f" ({teams[row.team_id].name if row.team_id in teams else '?'})"
        line += f": {change}"
        if row.note:
            line += f" — “{row.note}”"
        if row.link:
            line += f" {row.link}"
        lines.append(line)
    if len(rows) > HISTORY_LINES:
        lines.append(t._("(the last {n}; the full history: /exportar historial)", n=HISTORY_LINES))
    return Reply("\n".join(lines))


# --- /tablero ---------------------------------------------------------------------------


async def show_board(ctx: Context, _args: str) -> list[Reply]:
    """/tablero (coordinators): the matrix as text, then as a PNG heat map."""
    cohort, _ = ctx.require_coordinator()
    board = await load_board(ctx.session, cohort, ctx.clock.now())
    t = ctx.t
    text = board_text(t, board)
    if not board.deliverables or not board.teams:
        return [Reply(text)]
    picture = board_picture(t, board)

    async def heat_map() -> list[Reply]:  # drawn after the commit: no write turn held
        png = await asyncio.to_thread(render_board_png, picture)
        day = board.today.isoformat()
        caption = t._("Dashboard of {cohort}, {date}", cohort=cohort.name, date=t.date(board.today))
        return [Reply(caption, image=Image(f"tablero-{day}.png", png, caption))]

    ctx.after_commit(heat_map)
    return [Reply(text)]


def board_text(t: Translator, board: Board) -> str:
    """Teams × deliverables in lines: each team with every deliverable's icon and code."""
    cohort = board.cohort
    head = t._("*Dashboard* · {cohort}", cohort=cohort.name)
    week = week_text(t, board)
    lines = [f"{head} · {week}" if week else head]
    if not board.deliverables:
        lines.append(t._("There are no deliverables yet. Add them with /entregable nuevo."))
        return "\n".join(lines)
    lines.append(" · ".join(f"{d.code} = {d.title}" for d in board.deliverables))
    for team in board.teams:
        cells = board.team_cells(team)
        marks = []
        for cell in cells:
            mark = f"{STATUS_ICONS[cell.status]} {cell.deliverable.code}"
            if cell.overdue:
                mark += f" {OVERDUE_ICON}"
            marks.append(mark)
        done = _counts(cells)[Status.DONE]
        lines += [
            "",
            f"*{team.name}* · {done}/{len(cells)} · {_last_update_text(t, board, team)}",
            "  ".join(marks) or "—",
        ]
    blocked = [
        c for team in board.teams for c in board.team_cells(team) if c.status is Status.BLOCKED
    ]
    overdue = [c for team in board.teams for c in board.team_cells(team) if c.overdue]
    if blocked:
        lines += ["", f"{STATUS_ICONS[Status.BLOCKED]} " + t._("*Blocked*")]
        lines += [_item_line(t, board, cell) for cell in blocked]
    if overdue:
        lines += ["", f"{OVERDUE_ICON} " + t._("*Overdue*")]
        lines += [_item_line(t, board, cell) for cell in overdue]
    lines += ["", *rdc_progress_lines(t, board), "", legend_text(t)]
    return "\n".join(lines)


def _item_line(t: Translator, board: Board, cell: Cell) -> str:
    line = f"• {cell.team.name} — {cell.deliverable.title}: {status_label(t, cell.status)}"
    if cell.overdue and cell.due is not None:
        line += " · " + t._("was due {date}", date=t.date(cell.due))
    if cell.update is not None:
        line += f" · {short_date(t, local_today(cell.update.created_at, board.cohort.home_zone))}"
        if cell.update.note:
            note = " ".join(cell.update.note.split())
            line += f" · “{note[:120]}{'…' if len(note) > 120 else ''}”"
    return line


# The Okabe-Ito palette (safe for the common colour-vision deficiencies), and a
# text colour with enough contrast on each.
STATUS_COLOURS = {
    Status.NOT_STARTED: ("#E0E0E0", "#000000"),
    Status.IN_PROGRESS: ("#56B4E9", "#000000"),
    Status.BLOCKED: ("#D55E00", "#FFFFFF"),
    Status.DONE: ("#009E73", "#FFFFFF"),
}
OVERDUE_COLOUR = "#000000"
NOT_ASSIGNED_COLOUR = "#FFFFFF"

DPI = 100
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


def _wrap(text: str, width: int, lines: int) -> str:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def board_picture(t: Translator, board: Board) -> BoardPicture:
    cohort = board.cohort
    week = week_text(t, board)
    title = t._("Dashboard · {cohort}", cohort=cohort.name) + f" — {t.date(board.today)}"
    if week:
        title += f" ({week})"
    rows = [
        f"{_wrap(team.name, 26, 2)}\n{_last_update_text(t, board, team)}" for team in board.teams
    ]
    columns = []
    for deliverable in board.deliverables:
        tags = " · ".join(rdc_tags(deliverable))
        if deliverable.optional:
            optional = t._("optional")
            tags = f"{tags} · {optional}" if tags else optional
        columns.append(_wrap(deliverable.title, 18, 3) + (f"\n{tags}" if tags else ""))
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
    # Imported here: matplotlib is heavy and only the dashboard needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    n_rows, n_cols = len(picture.rows), len(picture.columns)
    width_px, height_px = picture_size(n_cols, n_rows)
    width, height = width_px / DPI, height_px / DPI
    figure = Figure(figsize=(width, height), dpi=DPI, facecolor="#FFFFFF")
    FigureCanvasAgg(figure)
    grid_w, grid_h = COLUMN_IN * n_cols, ROW_IN * (n_rows + 1)
    axes = figure.add_axes((LEFT_IN / width, BOTTOM_IN / height, grid_w / width, grid_h / height))
    axes.set_xlim(0, n_cols)
    axes.set_ylim(n_rows + 1, 0)
    axes.set_axis_off()
    figure.text(
        0.5, 1 - 0.3 / height, picture.title, ha="center", va="top", fontsize=13, fontweight="bold"
    )
    for col, label in enumerate(picture.columns):
        axes.text(col + 0.5, -0.08, label, ha="center", va="bottom", fontsize=8)
    for row, label in enumerate(picture.rows):
        axes.text(-0.06, row + 0.5, label, ha="right", va="center", fontsize=9)
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
            )
    axes.text(
        -0.06,
        n_rows + 0.5,
        picture.totals_label,
        ha="right",
        va="center",
        fontsize=9,
        style="italic",
    )
    for col, total in enumerate(picture.totals):
        axes.add_patch(
            Rectangle((col, n_rows), 1, 1, facecolor="#F5F5F5", edgecolor="#FFFFFF", linewidth=3)
        )
        axes.text(col + 0.5, n_rows + 0.5, total, ha="center", va="center", fontsize=9)
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
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


# --- CSV exports ------------------------------------------------------------------------

EXPORT_KINDS = {
    "estado": "status",
    "status": "status",
    "historial": "history",
    "history": "history",
    "checkins": "checkins",
    "checkin": "checkins",
    "avances": "checkins",
}
EXPORT_NAMES = {"status": "estado", "history": "historial", "checkins": "checkins"}


class UnknownExportError(CohortError):
    message = N_("What should I export? Write estado, historial or checkins.")


def export_kind(word: str) -> str:
    """'Historial' -> 'history'. Raises `UnknownExportError`."""
    kind = EXPORT_KINDS.get(fold(word))
    if kind is None:
        raise UnknownExportError()
    return kind


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets open the accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


async def export_csv(
    session: AsyncSession, cohort: Cohort, kind: str, now: datetime, t: Translator
) -> tuple[str, bytes]:
    """(file name, CSV bytes) of the current status, the full history or the check-in answers.

    Dates are the cohort's home time, written so that spreadsheets sort them.
    """
    board = await load_board(session, cohort, now)
    if kind == "status":
        header, rows = _status_table(t, board)
    elif kind == "history":
        header, rows = await _history_table(t, board, session)
    else:
        header, rows = await _checkin_table(t, board, session)
    day = local_today(now, cohort.home_zone).isoformat()
    return f"{EXPORT_NAMES[kind]}-{cohort.id}-{day}.csv", _csv_bytes(header, rows)


def _at(t: Translator, board: Board, label: str) -> str:
    """A date column's header names the zone: 'Fecha y hora (hora de Bogotá)'."""
    return f"{label} ({t.zone_label(board.cohort.home_zone)})"


def _status_table(t: Translator, board: Board) -> tuple[list[str], list[list[str]]]:
    yes, no = t._("yes"), t._("no")
    zone = board.cohort.home_zone
    header = [t._("Team"), t._("Code"), t._("Deliverable"), t._("RDC criteria")]
    header += [t._("Optional"), t._("Due date"), t._("Status"), t._("Overdue"), t._("Note")]
    header += [t._("Link"), t._("Updated by"), _at(t, board, t._("Last update"))]
    rows = []
    for team in board.teams:
        for cell in board.team_cells(team):
            d, update = cell.deliverable, cell.update
            row = [team.name, d.code, d.title, " ".join(rdc_tags(d)), yes if d.optional else no]
            row += [cell.due.isoformat() if cell.due else "", status_label(t, cell.status)]
            row += [yes if cell.overdue else no]
            if update is None:
                row += ["", "", "", ""]
            else:
                row += [update.note or "", update.link or "", cell.author or ""]
                row += [_local(update.created_at, zone)]
            rows.append(row)
    return header, rows


async def _history_table(
    t: Translator, board: Board, session: AsyncSession
) -> tuple[list[str], list[list[str]]]:
    zone = board.cohort.home_zone
    teams = {team.id: team.name for team in board.teams}
    deliverables = {d.id: d for d in board.deliverables}
    header = [_at(t, board, t._("Date and time")), t._("Team"), t._("Code"), t._("Deliverable")]
    header += [t._("Previous status"), t._("New status"), t._("Note"), t._("Link")]
    header += [t._("Person")]
    rows = []
    for update in await status_history(session, board.cohort.id or 0):
        found = deliverables.get(update.deliverable_id)
        row = [_local(update.created_at, zone), teams.get(update.team_id, "")]
        row += [found.code, found.title] if found else ["", ""]
        row += [status_label(t, update.previous or Status.NOT_STARTED)]
        row += [status_label(t, update.status), update.note or "", update.link or ""]
        row += [board.names.get(update.member_id or 0, "")]
        rows.append(row)
    return header, rows


async def _checkin_table(
    t: Translator, board: Board, session: AsyncSession
) -> tuple[list[str], list[list[str]]]:
    zone = board.cohort.home_zone
    teams = {team.id: team.name for team in board.teams}
    header = [_at(t, board, t._("Check-in session")), t._("Team"), t._("Person")]
    header += [t._("Question"), t._("Answer"), _at(t, board, t._("Answered on"))]
    rows = []
    starts: dict[str, str] = {}
    for answer in await checkin_answers(session, board.cohort.id or 0):
        if answer.ref not in starts:
            occurrence = await find_occurrence(session, board.cohort, answer.ref)
            starts[answer.ref] = _local(occurrence.starts_at, zone) if occurrence else answer.ref
        for question, text in _answers(answer.answers).items():
            row = [starts[answer.ref], teams.get(answer.team_id, "")]
            row += [board.names.get(answer.member_id, ""), question, text]
            row += [_local(answer.created_at, zone)]
            rows.append(row)
    return header, rows


def _answers(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


async def export(ctx: Context, args: str) -> list[Reply]:
    """/exportar [estado|historial|checkins] (coordinators): a CSV file in the chat."""
    cohort, _ = ctx.require_coordinator()
    t = ctx.t
    if not args.strip():
        buttons = [
            Button(t._("Current status"), "stx:status"),
            Button(t._("Full history"), "stx:history"),
            Button(t._("Check-in answers"), "stx:checkins"),
        ]
        return [Reply(t._("What do you want to export?"), button_rows(buttons, per_row=1))]
    return [await _export_reply(ctx, cohort, export_kind(args.strip().split()[0]))]


async def export_button(ctx: Context, args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    if args[0] not in EXPORT_NAMES:
        raise StaleButtonError()
    return [await _export_reply(ctx, cohort, args[0])]


async def _export_reply(ctx: Context, cohort: Cohort, kind: str) -> Reply:
    name, data = await export_csv(ctx.session, cohort, kind, ctx.clock.now(), ctx.t)
    rows = data.decode("utf-8-sig").count("\n") - 1
    caption = ctx.t.ngettext("{name}: {n} row", "{name}: {n} rows", rows, name=name)
    return Reply(caption, file=File(name, data, "text/csv", caption))


async def export_for_cli(
    session: AsyncSession, cohort_id: int, kind: str, now: datetime, t: Translator
) -> bytes:
    """The CSV for `cohorte export KIND COHORT FILE`. Raises CohortError."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise CohortError(N_("There is no cohort with id {cohort_id}."), cohort_id=cohort_id)
    _, data = await export_csv(session, cohort, export_kind(kind), now, t)
    return data


# --- the weekly digest to coordinators --------------------------------------------------


async def plan_weekly_digest(session: AsyncSession, now: datetime) -> None:
    """Monday 09:00 (home zone), from week 2 on: overdue and blocked items to coordinators.

    Cohorts without deliverables get none.
    """
    for cohort in await active_cohorts(session, now):
        cohort_id = cohort.id or 0
        today = local_today(now, cohort.home_zone)
        week = sprint_week(cohort.start_date, cohort.weeks, today)
        if week is None or week < 2:
            continue
        monday = cohort.start_date + timedelta(weeks=week - 1)
        at = to_utc(monday, WEEKLY_AT, cohort.home_zone)
        if not at <= now < at + timedelta(days=1):
            continue
        if not await deliverables_of(session, cohort_id):
            continue  # nothing to track: no digest
        members = await queries.members_with_people(session, cohort_id)
        planned = [
            Planned(
                f"st-week:{cohort_id}:{week}:p{person.id}",
                KIND_WEEKLY,
                cohort_id,
                at,
                at + timedelta(days=1),
                person_id=person.id,
                ref=f"week{week}",
                data={"week": week},
            )
            for member, person in members
            if member.role == Role.COORDINATOR
        ]
        await enqueue(session, planned, now)


async def render_weekly_digest(rc: RenderContext) -> Reply | None:
    board = await load_board(rc.session, rc.cohort, rc.now)
    return Reply(weekly_digest_text(rc.t, board, int(str(rc.data.get("week", 0)))))


def weekly_digest_text(t: Translator, board: Board, week: int) -> str:
    """Blocked and overdue items, and the teams that went quiet."""
    cohort = board.cohort
    lines = [t._("*Weekly summary — Week {n}* · {cohort}", n=week, cohort=cohort.name)]
    cells = [cell for team in board.teams for cell in board.team_cells(team)]
    blocked = [cell for cell in cells if cell.status is Status.BLOCKED]
    overdue = [cell for cell in cells if cell.overdue]
    if blocked:
        lines += ["", f"{STATUS_ICONS[Status.BLOCKED]} " + t._("*Blocked* ({n})", n=len(blocked))]
        lines += [_item_line(t, board, cell) for cell in blocked]
    if overdue:
        lines += ["", f"{OVERDUE_ICON} " + t._("*Overdue* ({n})", n=len(overdue))]
        lines += [_item_line(t, board, cell) for cell in overdue]
    if not blocked and not overdue:
        lines.append(t._("Nothing is blocked or overdue this week."))
    quiet = []
    for team in board.teams:
        since, _ = silent_since(board, team)
        if board.now - since >= timedelta(days=cohort.nudge_after_days):
            quiet.append(team.name)
    if quiet:
        lines += [
            "",
            t.ngettext(
                "No updates for {n} day or more: {teams}",
                "No updates for {n} days or more: {teams}",
                cohort.nudge_after_days,
                teams=", ".join(quiet),
            ),
        ]
    lines += ["", t._("The full dashboard: /tablero")]
    return "\n".join(lines)
