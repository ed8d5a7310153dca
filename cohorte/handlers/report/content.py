"""What the cohort report says, read from the database, in the cohort's language.

Four sections, each from the rules its capability owns: the cohort (its calendar from
`agenda.occurrences`), participation (the attendance matrix, `attendance.matrix`, and
the meeting-time polls, `poll.view`), progress (the board, `status.board`; the RDC
progress, `dashboard.summary.rdc_progress`; blocked spells and completions,
`status.rules`) and feedback (`storage.feedback`). Only names of people in the cohort
appear: no e-mail address, no platform account (an address in a comment is masked).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.matrix import SESSION_KINDS, load_attendance, session_kind_label
from cohorte.handlers.core.readers import Reader
from cohorte.handlers.report.calendar import Calendar, load_calendar
from cohorte.handlers.report.document import Heading, ReportDocument, Table, Text
from cohorte.handlers.report.feedback import feedback_section
from cohorte.handlers.report.participation import participation_section
from cohorte.handlers.report.progress import progress_section
from cohorte.handlers.status.board import Board, load_board
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import sprint_end
from cohorte.storage.cohorts import members_with_people
from cohorte.storage.models import Cohort, Role


async def report_document(
    session: AsyncSession, cohort: Cohort, reader: Reader, now: datetime
) -> ReportDocument:
    """The whole report of `cohort` as it stands at `now`, in the cohort's language; its
    generation date on the reader's clock."""
    t = Translator(cohort.locale, markup=False)
    board = await load_board(session, cohort, now)
    matrix = await load_attendance(session, cohort, now)
    calendar = await load_calendar(session, cohort, now)
    document = ReportDocument(
        title=t._("Cohort report"),
        subtitle=cohort.name,
        generated=t._("Generated on {when}", when=t.when(now, reader.zone, year=True)),
        header=t._("{cohort} · cohort report", cohort=cohort.name),
        page_label=t._("Page {page} of {pages}"),
        language=t.language,
    )
    document.add(Text(_period_text(t, cohort, board)))
    await _cohort_section(t, document, session, cohort, board, calendar)
    await participation_section(t, document, session, cohort, matrix)
    await progress_section(t, document, session, board)
    await feedback_section(t, document, session, cohort, matrix, calendar)
    return document


def _period_text(t: Translator, cohort: Cohort, board: Board) -> str:
    week = board.week
    span = t._(
        "Sprint of {weeks} weeks, from {start} to {end}.",
        weeks=cohort.weeks,
        start=t.date(cohort.start_date, year=True),
        end=t.date(sprint_end(cohort.start_date, cohort.weeks), year=True),
    )
    if week is not None:
        return span + " " + t._("This report was made in week {n}.", n=week)
    if board.today < cohort.start_date:
        return span + " " + t._("The sprint has not started yet.")
    return span + " " + t._("The sprint is over.")


# -- 1. the cohort ----------------------------------------------------------------------


async def _cohort_section(
    t: Translator,
    document: ReportDocument,
    session: AsyncSession,
    cohort: Cohort,
    board: Board,
    calendar: Calendar,
) -> None:
    members = await members_with_people(session, cohort.id or 0)
    coordinators = [p.display_name for m, p in members if m.role == Role.COORDINATOR]
    by_team: dict[int | None, list[str]] = defaultdict(list)
    for member, person in members:
        if member.role == Role.PARTICIPANT:
            by_team[member.team_id].append(person.display_name)
    document.add(Heading(t._("1. The cohort")))
    document.add(
        Text(
            t._(
                "Home time zone: {zone}. Language: {language}.",
                zone=t.zone_label(cohort.home_zone),
                language=t.locale.get_display_name(t.locale) or t.language,
            )
        )
    )
    if coordinators:
        document.add(Text(t._("Coordination team: {names}.", names=", ".join(coordinators))))
    document.add(Heading(t._("Cities and teams"), 2))
    rows = []
    for team in board.teams:
        names = by_team.get(team.id, [])
        place = f"{team.city}, {t.country(team.country_code)}" if team.country_code else team.city
        rows.append((team.name, place, str(len(names)), ", ".join(names) or "—"))
    if rows:
        total = sum(len(names) for names in by_team.values())
        rows.append((t._("Total"), "", str(total), ""))
        document.add(
            Table(
                (t._("Team"), t._("City"), t._("Participants"), t._("Names")),
                tuple(rows),
                (0.2, 0.22, 0.13, 0.45),
                numeric=frozenset({2}),
                total=True,
            )
        )
    else:
        document.add(Text(t._("The cohort has no teams yet."), note=True))
    document.add(Heading(t._("Sessions"), 2))
    rows = []
    for kind in SESSION_KINDS:
        held, planned = calendar.held(kind), calendar.planned(kind)
        cancelled = calendar.cancelled(kind)
        if not (held or planned or cancelled):
            continue
        label = session_kind_label(t, kind)
        rows.append((label, str(len(held)), str(len(planned)), str(len(cancelled))))
    if rows:
        rows.append(
            (
                t._("Total"),
                str(len(calendar.held())),
                str(len(calendar.planned())),
                str(len(calendar.cancelled())),
            )
        )
        document.add(
            Table(
                (t._("Kind of session"), t._("Held"), t._("Planned"), t._("Cancelled")),
                tuple(rows),
                (0.46, 0.18, 0.18, 0.18),
                numeric=frozenset({1, 2, 3}),
                total=True,
            )
        )
        document.add(
            Text(
                t._(
                    "Held: started by the time of this report. Planned: still to come. "
                    "Team check-ins count once per team."
                ),
                note=True,
            )
        )
    else:
        document.add(Text(t._("No session is on the calendar yet."), note=True))
