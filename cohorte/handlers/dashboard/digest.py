"""The weekly digest to coordinators: what is blocked or overdue, which teams went quiet,
and which teams nobody came from at their last two sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.board import session_line_label
from cohorte.handlers.attendance.matrix import AttendanceMatrix, load_attendance
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.dashboard.summary import item_line
from cohorte.handlers.feedback.opinions import new_comment_lines
from cohorte.handlers.status.board import Board, load_board
from cohorte.handlers.status.planning import active_cohorts, silent_since
from cohorte.handlers.status.rules import local_today
from cohorte.handlers.status.wording import OVERDUE_ICON, STATUS_ICONS
from cohorte.locales import Translator
from cohorte.locales.markup import bold
from cohorte.scheduling.outbox import enqueue
from cohorte.scheduling.recurrence import sprint_week, to_utc
from cohorte.storage.cohorts import members_with_people
from cohorte.storage.deliverables import deliverables_of
from cohorte.storage.models import Role
from cohorte.storage.status import Status


@dataclass(frozen=True)
class WeeklyPayload(Payload):
    """The sprint week the digest is about."""

    week: int


WEEKLY_DIGEST = DeliveryType(DeliveryKind.STATUS_WEEKLY, WeeklyPayload)
WEEKLY_AT = time(9, 0)  # Monday, cohort's home zone


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
        members = await members_with_people(session, cohort_id)
        planned = [
            WEEKLY_DIGEST.plan(
                f"st-week:{cohort_id}:{week}:p{person.id}",
                cohort_id,
                at,
                WeeklyPayload(week),
                expires_at=at + timedelta(days=1),
                person_id=person.id,
                ref=f"week{week}",
            )
            for member, person in members
            if member.role == Role.COORDINATOR
        ]
        await enqueue(session, planned, now)


async def render_weekly_digest(rc: RenderContext, payload: WeeklyPayload) -> Reply | None:
    """The weekly digest, from the board as it is when it is sent."""
    board = await load_board(rc.session, rc.cohort, rc.now)
    attendance = await load_attendance(rc.session, rc.cohort, rc.now)
    comments = await new_comment_lines(rc.session, rc.t, rc.cohort, rc.now - timedelta(days=7))
    return Reply(weekly_digest_text(rc.t, board, payload.week, attendance, comments))


def weekly_digest_text(
    t: Translator,
    board: Board,
    week: int,
    attendance: AttendanceMatrix | None = None,
    comments: list[str] | None = None,
) -> str:
    """Blocked and overdue items, the teams that went quiet, the teams whose members
    missed their last two sessions (`AttendanceMatrix.missed_in_a_row`) and the week's new
    comments on the sessions (`feedback.opinions.new_comment_lines`)."""
    cohort = board.cohort
    lines = [t._("*Weekly summary — Week {n}* · {cohort}", n=week, cohort=cohort.name)]
    cells = [cell for team in board.teams for cell in board.team_cells(team)]
    blocked = [cell for cell in cells if cell.status is Status.BLOCKED]
    overdue = [cell for cell in cells if cell.overdue]
    if blocked:
        lines += ["", f"{STATUS_ICONS[Status.BLOCKED]} " + t._("*Blocked* ({n})", n=len(blocked))]
        lines += [item_line(t, board, cell) for cell in blocked]
    if overdue:
        lines += ["", f"{OVERDUE_ICON} " + t._("*Overdue* ({n})", n=len(overdue))]
        lines += [item_line(t, board, cell) for cell in overdue]
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
    if attendance is not None:
        lines += missed_sessions_lines(t, attendance)
    lines += comments or []
    lines += ["", t._("The full dashboard: /tablero")]
    return "\n".join(lines)


def missed_sessions_lines(t: Translator, attendance: AttendanceMatrix) -> list[str]:
    """The teams nobody came from at their last two sessions, with those sessions."""
    flagged = [(team, attendance.missed_in_a_row(team)) for team in attendance.teams]
    flagged = [(team, missed) for team, missed in flagged if missed]
    if not flagged:
        return []
    lines = ["", "🚨 " + t._("*Nobody from these teams came to their last two sessions*")]
    for team, missed in flagged:
        sessions = ", ".join(session_line_label(t, attendance, o) for o in missed)
        lines.append(f"• {bold(team.name)}: {sessions}")
    lines.append(t._("Who came to each session: /asistencia tablero"))
    return lines
