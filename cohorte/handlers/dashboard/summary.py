"""/estado: a team's deliverables, one deliverable's history, or the cohort summary;
and the text pieces the dashboard and the weekly digest share."""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.attendance.board import attendance_summary_lines
from cohorte.handlers.attendance.matrix import AttendanceMatrix, load_attendance
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.status.access import require_team
from cohorte.handlers.status.board import Board, Cell, load_board
from cohorte.handlers.status.deliverable_grammar import match_teams
from cohorte.handlers.status.grammar import match_deliverables
from cohorte.handlers.status.rules import STATUS_ORDER, local_today
from cohorte.handlers.status.wording import (
    OVERDUE_ICON,
    RDC_CRITERIA,
    STATUS_ICONS,
    cell_line,
    rdc_tags,
    short_date,
    status_label,
    status_tag,
)
from cohorte.locales import N_, Translator
from cohorte.locales.markup import bold, literal
from cohorte.storage.cohorts import teams_of
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Cohort, Team
from cohorte.storage.status import Status, status_history

HISTORY_LINES = 15


async def show_status(ctx: Context, args: str) -> list[Reply]:
    """/estado [equipo|entregable]: a team's deliverables, a history, or the cohort summary."""
    cohort, _ = ctx.require_member()
    text = args.strip()
    now = ctx.clock.now()
    if ctx.is_coordinator:
        if not text:
            board = await load_board(ctx.session, cohort, now)
            attendance = await load_attendance(ctx.session, cohort, now)
            return [Reply(cohort_summary(ctx.t, board, attendance))]
        teams = await teams_of(ctx.session, cohort.id or 0)
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
    """'Week 3 of 12', or nothing outside the sprint."""
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
    lines += ["", t.ngettext("{done} of {n} done.", "{done} of {n} done.", len(cells), done=done)]
    lines.append(t._("To update one: /reportar"))
    return "\n".join(lines)


def status_counts(cells: list[Cell]) -> dict[Status, int]:
    """How many of `cells` are in each status."""
    return {status: sum(1 for cell in cells if cell.status is status) for status in STATUS_ORDER}


def last_update_text(t: Translator, board: Board, team: Team) -> str:
    """'last update 12 may', or 'no updates yet'."""
    last = board.last_update_of(team)
    if last is None:
        return t._("no updates yet")
    return t._(
        "last update {date}",
        date=short_date(t, local_today(last.created_at, board.cohort.home_zone)),
    )


def cohort_summary(t: Translator, board: Board, attendance: AttendanceMatrix | None = None) -> str:
    """One line per team, then progress per RDC criterion; then the attendance per team
    and at the last session, once a session has started."""
    cohort = board.cohort
    head = bold(cohort.name)
    week = week_text(t, board)
    lines = [f"{head} · {week}" if week else head]
    seen = attendance_summary_lines(t, attendance) if attendance is not None else []
    if not board.deliverables:
        lines.append(t._("There are no deliverables yet. Add them with /entregable nuevo."))
        if seen:
            lines += ["", *seen]
        return "\n".join(lines)
    for team in board.teams:
        cells = board.team_cells(team)
        counts = status_counts(cells)
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
            last_update_text(t, board, team),
        ]
        lines.append(f"{bold(team.name)}: " + " · ".join(parts))
    lines += ["", *rdc_progress_lines(t, board)]
    if seen:
        lines += ["", *seen]
    lines += ["", legend_text(t), t._("Details: /tablero · /estado TEAM · /exportar")]
    return "\n".join(lines)


def legend_text(t: Translator) -> str:
    """What each status icon and the overdue mark mean."""
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
        """Teams done, over all its deliverables."""
        return sum(done for _, done, _ in self.rows)

    @property
    def total(self) -> int:
        """Teams assigned, over all its deliverables."""
        return sum(total for _, _, total in self.rows)


def rdc_progress(board: Board) -> list[CriterionProgress]:
    """Per RDC criterion, how many teams completed each of its deliverables."""
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
    """The progress per RDC criterion, as lines (criteria without deliverables left out)."""
    lines = [t._("*Progress per RDC criterion*")]
    for progress in rdc_progress(board):
        if not progress.rows:
            continue
        lines.append(
            # Plural by the total: Spanish agrees "completado(s)" with it ("0 de 1 completado").
            t.ngettext(
                "{tag} ({name}): {done} of {n} done",
                "{tag} ({name}): {done} of {n} done",
                progress.total,
                tag=progress.tag,
                name=t._(RDC_CRITERIA[progress.tag]),
                done=progress.done,
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
        head += f" — {literal(team.name)}"
    lines = [head]
    if not rows:
        lines.append(t._("No updates yet."))
    for row in list(rows)[-HISTORY_LINES:]:
        day = short_date(t, local_today(row.created_at, ctx.zone))
        when = f"{day} {t.time(row.created_at, ctx.zone)}"
        who = literal(names.get(row.member_id or 0, "—"))
        previous = row.previous or Status.NOT_STARTED
        change = (
            f"{status_label(t, previous)} → {status_label(t, row.status)}"
            if previous != row.status
            # A note that left the status as it was: "sigue en curso", not "en curso → en curso".
            else t._("still {status}", status=status_label(t, row.status))
        )
        line = f"• {when} · {who}"
        if team is None:
            line += f" ({literal(teams[row.team_id].name) if row.team_id in teams else '?'})"
        line += f": {change}"
        if row.note:
            line += f" — “{literal(row.note)}”"
        if row.link:
            line += f" {literal(row.link)}"
        lines.append(line)
    if len(rows) > HISTORY_LINES:
        lines.append(t._("(the last {n}; the full history: /exportar historial)", n=HISTORY_LINES))
    return Reply("\n".join(lines))


def item_line(t: Translator, board: Board, cell: Cell) -> str:
    """One blocked or overdue item: team, deliverable, status, due date, latest note."""
    team, title = literal(cell.team.name), literal(cell.deliverable.title)
    line = f"• {team} — {title}: {status_label(t, cell.status)}"
    if cell.overdue and cell.due is not None:
        line += " · " + t._("was due {date}", date=t.date(cell.due))
    if cell.update is not None:
        line += f" · {short_date(t, local_today(cell.update.created_at, board.cohort.home_zone))}"
        if cell.update.note:
            note = " ".join(cell.update.note.split())
            line += f" · “{literal(note[:120])}{'…' if len(note) > 120 else ''}”"
    return line
