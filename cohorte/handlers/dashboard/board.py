"""/tablero (coordinators): teams × deliverables as text, then as a picture (`chart`);
the same picture for `cohorte dashboard`."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.board import attendance_summary_lines
from cohorte.handlers.attendance.matrix import AttendanceMatrix, load_attendance
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Image, Reply
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.dashboard.chart import BoardPicture, board_picture, render_board_png
from cohorte.handlers.dashboard.summary import (
    item_line,
    last_update_text,
    legend_text,
    rdc_progress_lines,
    status_counts,
    week_text,
)
from cohorte.handlers.status.board import Board, load_board
from cohorte.handlers.status.wording import OVERDUE_ICON, STATUS_ICONS
from cohorte.locales import N_, Translator
from cohorte.locales.markup import bold, literal
from cohorte.storage.models import Cohort
from cohorte.storage.status import Status


class NothingToDrawError(CohortError):
    message = N_("{cohort} has no teams or deliverables yet: the dashboard has nothing to draw.")


async def show_board(ctx: Context, _args: str) -> list[Reply]:
    """/tablero (coordinators): the matrix as text, then as a PNG heat map."""
    cohort, _ = ctx.require_coordinator()
    board = await load_board(ctx.session, cohort, ctx.clock.now())
    attendance = await load_attendance(ctx.session, cohort, ctx.clock.now())
    t = ctx.t
    text = board_text(t, board, attendance)
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


async def dashboard_picture(
    session: AsyncSession, cohort: Cohort, now: datetime
) -> tuple[date, BoardPicture]:
    """The day (cohort time) and the heat map `/tablero` would send, in the cohort's
    language (`cohorte dashboard`), to draw with `render_board_png`.

    Raises `NothingToDrawError`."""
    board = await load_board(session, cohort, now)
    if not board.deliverables or not board.teams:
        raise NothingToDrawError(cohort=cohort.name)
    return board.today, board_picture(reader_of(cohort=cohort).t, board)


def board_text(t: Translator, board: Board, attendance: AttendanceMatrix | None = None) -> str:
    """Teams × deliverables in lines: each team with every deliverable's icon and code;
    then the attendance per team and at the last session, once a session has started."""
    cohort = board.cohort
    head = t._("*Dashboard* · {cohort}", cohort=cohort.name)
    week = week_text(t, board)
    lines = [f"{head} · {week}" if week else head]
    seen = attendance_summary_lines(t, attendance) if attendance is not None else []
    if not board.deliverables:
        lines.append(t._("There are no deliverables yet. Add them with /entregable nuevo."))
        if seen:
            lines += ["", *seen]
        return "\n".join(lines)
    lines.append(" · ".join(f"{literal(d.code)} = {literal(d.title)}" for d in board.deliverables))
    for team in board.teams:
        cells = board.team_cells(team)
        marks = []
        for cell in cells:
            mark = f"{STATUS_ICONS[cell.status]} {literal(cell.deliverable.code)}"
            if cell.overdue:
                mark += f" {OVERDUE_ICON}"
            marks.append(mark)
        done = status_counts(cells)[Status.DONE]
        lines += [
            "",
            f"{bold(team.name)} · {done}/{len(cells)} · {last_update_text(t, board, team)}",
            "  ".join(marks) or "—",
        ]
    blocked = [
        c for team in board.teams for c in board.team_cells(team) if c.status is Status.BLOCKED
    ]
    overdue = [c for team in board.teams for c in board.team_cells(team) if c.overdue]
    if blocked:
        lines += ["", f"{STATUS_ICONS[Status.BLOCKED]} " + t._("*Blocked*")]
        lines += [item_line(t, board, cell) for cell in blocked]
    if overdue:
        lines += ["", f"{OVERDUE_ICON} " + t._("*Overdue*")]
        lines += [item_line(t, board, cell) for cell in overdue]
    lines += ["", *rdc_progress_lines(t, board)]
    if seen:
        lines += ["", *seen]
    lines += ["", legend_text(t)]
    return "\n".join(lines)
