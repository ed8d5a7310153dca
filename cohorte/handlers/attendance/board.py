"""/asistencia tablero (coordinators): people × sessions as text, then as a PNG matrix;
and the few lines of it that the dashboard's summary shows."""

from __future__ import annotations

import asyncio

from cohorte.handlers.agenda.renderers import repeats_label
from cohorte.handlers.attendance.matrix import (
    MARK_ORDER,
    AttendanceMatrix,
    Mark,
    load_attendance,
    mark_label,
    rate_text,
    session_kind_label,
)
from cohorte.handlers.attendance.picture import attendance_picture, render_attendance_png
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Image, Reply
from cohorte.locales import Translator
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import Occurrence, sprint_week

MARK_ICONS = {Mark.PRESENT: "✅", Mark.ABSENT: "❌", Mark.EXCUSED: "➖", Mark.UNKNOWN: "❔"}
NOT_CONCERNED_ICON = "·"


async def show_board(ctx: Context, _text: str) -> list[Reply]:
    """/asistencia tablero (coordinators): the matrix as text, then as a PNG picture."""
    cohort, _ = ctx.require_coordinator()
    matrix = await load_attendance(ctx.session, cohort, ctx.clock.now())
    t = ctx.t
    text = attendance_text(t, matrix)
    if not matrix.sessions or not matrix.people:
        return [Reply(text)]
    picture = attendance_picture(t, matrix)

    async def draw() -> list[Reply]:  # drawn after the commit: no write turn held
        png = await asyncio.to_thread(render_attendance_png, picture)
        today = matrix.now.astimezone(t.zoneinfo(cohort.home_zone)).date()
        caption = t._("Attendance of {cohort}, {date}", cohort=cohort.name, date=t.date(today))
        return [Reply(caption, image=Image(f"asistencia-{today.isoformat()}.png", png, caption))]

    ctx.after_commit(draw)
    return [Reply(text)]


def session_title(t: Translator, matrix: AttendanceMatrix, occurrence: Occurrence) -> str:
    """'Sesión semanal', 'Masterclass: Datos abiertos', 'Sesión de acompañamiento — Bogotá'."""
    label = session_kind_label(t, occurrence.kind)
    if occurrence.kind == "checkin":
        teams = {team.id: team.name for team in matrix.teams}
        return label + f" — {_words(t, teams.get(occurrence.team_id, '?'))}"
    if occurrence.kind in ("masterclass", "showtime") and not repeats_label(
        occurrence.kind, occurrence.title
    ):
        return label + f": {_words(t, occurrence.title)}"
    return label


def _words(t: Translator, text: str) -> str:
    """People's words, marked for a chat, plain for a picture or a cell."""
    return literal(text) if t.markup else text


def session_line_label(t: Translator, matrix: AttendanceMatrix, occurrence: Occurrence) -> str:
    """'22 abr · Sesión semanal · Semana 1', '23 abr · Sesión de acompañamiento — Bogotá'."""
    zone = matrix.cohort.home_zone
    day = occurrence.starts_at.astimezone(t.zoneinfo(zone)).date()
    label = session_title(t, matrix, occurrence)
    week = sprint_week(matrix.cohort.start_date, matrix.cohort.weeks, day)
    parts = [t.short_date(day), label]
    if week:
        parts.append(t._("Week {n}", n=week))
    return " · ".join(parts)


def legend_line(t: Translator) -> str:
    """What each mark means."""
    parts = [f"{MARK_ICONS[mark]} {mark_label(t, mark)}" for mark in MARK_ORDER]
    parts.append(f"{NOT_CONCERNED_ICON} " + t._("not their session"))
    return " · ".join(parts)


def attendance_text(t: Translator, matrix: AttendanceMatrix) -> str:
    """The sessions numbered, each person's marks grouped by team, the rates."""
    cohort = matrix.cohort
    lines = [t._("*Attendance* · {cohort}", cohort=cohort.name)]
    if not matrix.sessions:
        lines.append(t._("No session has started yet: there is no attendance to show."))
        return "\n".join(lines)
    if not matrix.people:
        lines.append(t._("There are no participants yet."))
        return "\n".join(lines)
    lines += ["", t._("*Sessions*")]
    for number, occurrence in enumerate(matrix.sessions, start=1):
        rate = matrix.session_rate(occurrence)
        lines.append(
            f"{number}. {session_line_label(t, matrix, occurrence)} · {rate_text(t, rate)}"
        )
    for team, members in matrix.groups:
        name = team.name if team is not None else t._("No team")
        lines += ["", f"{bold(name)} · {rate_text(t, matrix.team_rate(team))}"]
        for participant in members:
            marks = [matrix.mark(participant, o) for o in matrix.sessions]
            icons = " ".join(NOT_CONCERNED_ICON if m is None else MARK_ICONS[m] for m in marks)
            lines.append(f"{literal(participant.shown(t))}: {icons}")
    lines += ["", t._("*Per kind of session*")]
    lines += [
        f"• {session_kind_label(t, kind)}: {rate_text(t, matrix.kind_rate(kind))}"
        for kind in matrix.kinds
    ]
    lines += ["", legend_line(t), rate_rule(t)]
    return "\n".join(lines)


def rate_rule(t: Translator) -> str:
    """How the rates are counted, in one sentence."""
    return t._(
        "The rate counts who came among those expected; excused absences and sessions "
        "without any record are left out."
    )


def attendance_summary_lines(t: Translator, matrix: AttendanceMatrix) -> list[str]:
    """The dashboard's lines: the rate per team and who came to the last session."""
    last = matrix.last_session
    if last is None or not matrix.people:
        return []
    if not matrix.taken_refs:
        return [t._("*Attendance*: nothing recorded yet (/asistencia tablero)")]
    lines = [t._("*Attendance*") + f" · {rate_text(t, matrix.total_rate)}"]
    lines += [f"{bold(team.name)}: {rate_text(t, matrix.team_rate(team))}" for team in matrix.teams]
    if matrix.taken(last):
        came = matrix.session_rate(last)
        result = rate_text(t, came)
    else:
        result = mark_label(t, Mark.UNKNOWN)
    label = session_line_label(t, matrix, last)
    lines.append(t._("Last session:") + f" {label} · {result}")
    lines.append(t._("Details: /asistencia tablero"))
    return lines
