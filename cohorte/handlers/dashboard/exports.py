"""CSV exports for coordinators: the current status, the full history, the check-in answers
(/exportar in the chat, `cohorte export` on the command line)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, File, Reply, button_rows
from cohorte.handlers.core.spreadsheets import csv_bytes
from cohorte.handlers.lang.text import fold
from cohorte.handlers.status.board import Board, load_board
from cohorte.handlers.status.rules import local_today
from cohorte.handlers.status.wording import rdc_tags, status_label
from cohorte.locales import N_, Translator
from cohorte.storage import cohorts
from cohorte.storage.checkins import checkin_answers
from cohorte.storage.models import Cohort
from cohorte.storage.status import Status, status_history


class ExportKind(StrEnum):
    """What a CSV export holds (its value is also the `cohorte export` command name)."""

    STATUS = "status"
    HISTORY = "history"
    CHECKINS = "checkins"


class ExportChoice(NamedTuple):
    kind: ExportKind


EXPORT = ButtonRoute("stx", ExportChoice)
EXPORT_KINDS = {
    "estado": ExportKind.STATUS,
    "status": ExportKind.STATUS,
    "historial": ExportKind.HISTORY,
    "history": ExportKind.HISTORY,
    "checkins": ExportKind.CHECKINS,
    "checkin": ExportKind.CHECKINS,
    "avances": ExportKind.CHECKINS,
}
# The file names, in Spanish like the command words.
EXPORT_NAMES = {
    ExportKind.STATUS: "estado",
    ExportKind.HISTORY: "historial",
    ExportKind.CHECKINS: "checkins",
}


class UnknownExportError(CohortError):
    message = N_("What should I export? Write estado, historial or checkins.")


def export_kind(word: str) -> ExportKind:
    """'Historial' -> `ExportKind.HISTORY`. Raises `UnknownExportError`."""
    kind = EXPORT_KINDS.get(fold(word))
    if kind is None:
        raise UnknownExportError()
    return kind


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


async def export_csv(
    session: AsyncSession, cohort: Cohort, kind: ExportKind, now: datetime, t: Translator
) -> tuple[str, bytes]:
    """(file name, CSV bytes) of the current status, the full history or the check-in answers.

    Dates are the cohort's home time, written so that spreadsheets sort them.
    """
    board = await load_board(session, cohort, now)
    if kind == ExportKind.STATUS:
        header, rows = _status_table(t, board)
    elif kind == ExportKind.HISTORY:
        header, rows = await _history_table(t, board, session)
    else:
        header, rows = await _checkin_table(t, board, session)
    day = local_today(now, cohort.home_zone).isoformat()
    return f"{EXPORT_NAMES[kind]}-{cohort.id}-{day}.csv", csv_bytes(header, rows)


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
            Button(t._("Current status"), EXPORT.payload(ExportChoice(ExportKind.STATUS))),
            Button(t._("Full history"), EXPORT.payload(ExportChoice(ExportKind.HISTORY))),
            Button(t._("Check-in answers"), EXPORT.payload(ExportChoice(ExportKind.CHECKINS))),
        ]
        return [Reply(t._("What do you want to export?"), button_rows(buttons, per_row=1))]
    return [await _export_reply(ctx, cohort, export_kind(args.strip().split()[0]))]


async def export_button(ctx: Context, choice: ExportChoice) -> list[Reply]:
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
