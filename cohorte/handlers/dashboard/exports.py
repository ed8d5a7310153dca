"""CSV exports for coordinators: the current status, the full history, the check-in answers,
the attendance, the feedback on the sessions (/exportar in the chat, `cohorte export` on the
command line)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.attendance.board import session_title
from cohorte.handlers.attendance.matrix import (
    AttendanceMatrix,
    load_attendance,
    mark_label,
    rsvp_label,
    session_kind_label,
    source_label,
)
from cohorte.handlers.cohort.registration import applications_table
from cohorte.handlers.core.buttons import ButtonRoute, of_field
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, File, Reply, button_rows
from cohorte.handlers.core.spreadsheets import csv_bytes, time_cell
from cohorte.handlers.feedback.opinions import feedback_table
from cohorte.handlers.lang.text import fold
from cohorte.handlers.status.board import Board, load_board
from cohorte.handlers.status.rules import local_today
from cohorte.handlers.status.wording import rdc_tags, status_label
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import sprint_week
from cohorte.storage import cohorts
from cohorte.storage.checkins import checkin_answers
from cohorte.storage.models import Cohort
from cohorte.storage.status import Status, status_history


class ExportKind(StrEnum):
    """What a CSV export holds (its value is also the `cohorte export` command name)."""

    STATUS = "status"
    HISTORY = "history"
    CHECKINS = "checkins"
    ATTENDANCE = "attendance"
    FEEDBACK = "feedback"
    APPLICATIONS = "applications"


class ExportChoice(NamedTuple):
    kind: ExportKind


class CohortExport(NamedTuple):
    kind: ExportKind
    cohort: int


# The buttons of /exportar: of the cohort they were offered for, also when pressed later
# by a coordinator who uses another cohort in private meanwhile.
EXPORT = ButtonRoute("sxc", CohortExport, cohort=of_field("cohort"))
OLD_EXPORT = ButtonRoute("stx", ExportChoice)  # the same, on messages that name no cohort
EXPORT_KINDS = {
    "estado": ExportKind.STATUS,
    "status": ExportKind.STATUS,
    "historial": ExportKind.HISTORY,
    "history": ExportKind.HISTORY,
    "checkins": ExportKind.CHECKINS,
    "checkin": ExportKind.CHECKINS,
    "avances": ExportKind.CHECKINS,
    "asistencia": ExportKind.ATTENDANCE,
    "attendance": ExportKind.ATTENDANCE,
    "opiniones": ExportKind.FEEDBACK,
    "feedback": ExportKind.FEEDBACK,
    "inscripciones": ExportKind.APPLICATIONS,
    "applications": ExportKind.APPLICATIONS,
}
# The file names, in Spanish like the command words.
EXPORT_NAMES = {
    ExportKind.STATUS: "estado",
    ExportKind.HISTORY: "historial",
    ExportKind.CHECKINS: "checkins",
    ExportKind.ATTENDANCE: "asistencia",
    ExportKind.FEEDBACK: "opiniones",
    ExportKind.APPLICATIONS: "inscripciones",
}


class UnknownExportError(CohortError):
    message = N_(
        "What should I export? Write estado, historial, checkins, asistencia, opiniones or "
        "inscripciones."
    )


def export_kind(word: str) -> ExportKind:
    """'Historial' -> `ExportKind.HISTORY`. Raises `UnknownExportError`."""
    kind = EXPORT_KINDS.get(fold(word))
    if kind is None:
        raise UnknownExportError()
    return kind


async def export_csv(
    session: AsyncSession, cohort: Cohort, kind: ExportKind, now: datetime, t: Translator
) -> tuple[str, bytes]:
    """(file name, CSV bytes) of the current status, the full history, the check-in answers,
    the attendance or the feedback.

    Dates are the cohort's home time, written so that spreadsheets sort them.
    """
    day = local_today(now, cohort.home_zone).isoformat()
    name = f"{EXPORT_NAMES[kind]}-{cohort.id}-{day}.csv"
    if kind == ExportKind.ATTENDANCE:
        header, rows = _attendance_table(t, await load_attendance(session, cohort, now))
        return name, csv_bytes(header, rows)
    if kind == ExportKind.FEEDBACK:
        header, feedback_rows = await feedback_table(session, cohort, t)
        return name, csv_bytes(header, feedback_rows)
    if kind == ExportKind.APPLICATIONS:
        header, application_rows = await applications_table(session, cohort, t.plain)
        return name, csv_bytes(header, application_rows)
    board = await load_board(session, cohort, now)
    if kind == ExportKind.STATUS:
        header, rows = _status_table(t, board)
    elif kind == ExportKind.HISTORY:
        header, rows = await _history_table(t, board, session)
    else:
        header, rows = await _checkin_table(t, board, session)
    return name, csv_bytes(header, rows)


def _at(t: Translator, board: Board | AttendanceMatrix, label: str) -> str:
    """A date column's header names the zone: 'Fecha y hora (hora de Bogotá)'."""
    return f"{label} ({t.zone_label(board.cohort.home_zone)})"


def _attendance_table(t: Translator, matrix: AttendanceMatrix) -> tuple[list[str], list[list[str]]]:
    """One row per participant and session that has started and concerned them."""
    t = t.plain  # the title of a session holds people's words: plain in a cell
    cohort = matrix.cohort
    zone = cohort.home_zone
    header = [t._("Session"), _at(t, matrix, t._("Date and time")), t._("Kind"), t._("Week")]
    header += [t._("Person"), t._("Team"), t._("RSVP"), t._("Attended"), t._("Minutes")]
    header += [t._("Source")]
    rows = []
    for occurrence in matrix.sessions:
        day = local_today(occurrence.starts_at, zone)
        week = sprint_week(cohort.start_date, cohort.weeks, day)
        head = [session_title(t, matrix, occurrence), time_cell(occurrence.starts_at, zone)]
        head += [session_kind_label(t, occurrence.kind), str(week or "")]
        for participant in matrix.people:
            mark = matrix.mark(participant, occurrence)
            if mark is None:
                continue  # another team's check-in
            key = (occurrence.ref, participant.member_id)
            answer, record = matrix.answers.get(key), matrix.records.get(key)
            row = [*head, participant.shown(t), participant.team.name if participant.team else ""]
            row += [rsvp_label(t, answer.answer) if answer else "", mark_label(t, mark)]
            row += [str(record.minutes) if record and record.minutes is not None else ""]
            row += [source_label(t, record.source) if record else ""]
            rows.append(row)
    return header, rows


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
                row += [time_cell(update.created_at, zone)]
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
        row = [time_cell(update.created_at, zone), teams.get(update.team_id, "")]
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
            starts[answer.ref] = time_cell(occurrence.starts_at, zone) if occurrence else answer.ref
        for question, text in _answers(answer.answers).items():
            row = [starts[answer.ref], teams.get(answer.team_id, "")]
            row += [board.names.get(answer.member_id, ""), question, text]
            row += [time_cell(answer.created_at, zone)]
            rows.append(row)
    return header, rows


def _answers(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


async def export(ctx: Context, args: str) -> list[Reply]:
    """/exportar [estado|historial|checkins|asistencia|opiniones|inscripciones] (coordinators):
    a CSV file in the chat."""
    cohort, _ = ctx.require_coordinator()
    t = ctx.t
    if not args.strip():
        assert cohort.id is not None
        choices = (
            (t._("Current status"), ExportKind.STATUS),
            (t._("Full history"), ExportKind.HISTORY),
            (t._("Check-in answers"), ExportKind.CHECKINS),
            (t._("Attendance"), ExportKind.ATTENDANCE),
            (t._("Feedback"), ExportKind.FEEDBACK),
            (t._("Applications"), ExportKind.APPLICATIONS),
        )
        buttons = [
            Button(label, EXPORT.payload(CohortExport(kind, cohort.id))) for label, kind in choices
        ]
        return [Reply(t._("What do you want to export?"), button_rows(buttons, per_row=1))]
    return [await _export_reply(ctx, cohort, export_kind(args.strip().split()[0]))]


async def export_button(ctx: Context, choice: CohortExport | ExportChoice) -> list[Reply]:
    """An export button (coordinators): that CSV file in the chat."""
    cohort, _ = ctx.require_coordinator()
    return [await _export_reply(ctx, cohort, choice.kind)]


async def _export_reply(ctx: Context, cohort: Cohort, kind: ExportKind) -> Reply:
    name, data = await export_csv(ctx.session, cohort, kind, ctx.clock.now(), ctx.t)
    rows = row_count(data)
    caption = ctx.t.ngettext("{name}: {n} row", "{name}: {n} rows", rows, name=name)
    return Reply(caption, file=File(name, data, "text/csv", caption))


def row_count(data: bytes) -> int:
    """How many rows an export holds, under its header."""
    return data.decode("utf-8-sig").count("\n") - 1


async def export_for_cli(
    session: AsyncSession, cohort_id: int, kind: str, now: datetime, t: Translator
) -> bytes:
    """The CSV for `cohorte export KIND COHORT FILE`. Raises CohortError."""
    cohort = await cohorts.cohort_by_id(session, cohort_id)
    if cohort is None:
        raise CohortError(N_("There is no cohort with id {cohort_id}."), cohort_id=cohort_id)
    _, data = await export_csv(session, cohort, export_kind(kind), now, t)
    return data
