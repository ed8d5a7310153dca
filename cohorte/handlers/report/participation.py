"""2. Participation: attendance per team and per session (the attendance matrix) and the
meeting-time polls (their views)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.board import session_title
from cohorte.handlers.attendance.matrix import AttendanceMatrix, Mark, Rate, mark_label, rate_text
from cohorte.handlers.core.pictures import OKABE_ITO
from cohorte.handlers.poll.view import PURPOSE, load_poll
from cohorte.handlers.report.document import Bars, Heading, ReportDocument, Table, Text
from cohorte.handlers.report.numbers import count_text, percent, percent_text
from cohorte.handlers.status.rules import local_today
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import sprint_week
from cohorte.storage.models import Cohort
from cohorte.storage.polls import PollState, polls_of

_POLL_STATES = {
    PollState.OPEN: N_("open"),
    PollState.CLOSED: N_("closed, time not confirmed yet"),
    PollState.CONFIRMED: N_("closed, time confirmed"),
    PollState.CANCELLED: N_("cancelled"),
}


async def participation_section(
    t: Translator,
    document: ReportDocument,
    session: AsyncSession,
    cohort: Cohort,
    matrix: AttendanceMatrix,
) -> None:
    document.add(Heading(t._("2. Participation")))
    document.add(Heading(t._("Attendance"), 2))
    zone = cohort.home_zone
    if not matrix.sessions:
        document.add(Text(t._("No session has been held yet: there is no attendance.")))
    elif not matrix.taken_refs:
        document.add(
            Text(
                t._(
                    "Attendance was not tracked: none of the {n} sessions held has an "
                    "attendance record.",
                    n=len(matrix.sessions),
                )
            )
        )
    else:
        _attendance_tables(t, document, matrix, zone)
    await _poll_participation(t, document, session, cohort)


def _attendance_tables(
    t: Translator, document: ReportDocument, matrix: AttendanceMatrix, zone: str
) -> None:
    taken = [o for o in matrix.sessions if matrix.taken(o)]
    total = matrix.total_rate
    document.add(
        Text(
            t._(
                "Attendance was recorded at {taken} of the {held} sessions held. Overall "
                "attendance: {rate}.",
                taken=len(taken),
                held=len(matrix.sessions),
                rate=rate_text(t, total),
            )
        )
    )
    rows: list[tuple[str, ...]] = []
    for group, people in matrix.groups:
        name = group.name if group is not None else t._("Without a team")
        rate = sum((matrix.person_rate(p) for p in people), Rate())
        rows.append((name, str(len(people)), percent_text(rate), count_text(rate)))
    rows.append((t._("Total"), str(len(matrix.people)), percent_text(total), count_text(total)))
    document.add(Heading(t._("Attendance per team"), 2))
    document.add(
        Table(
            (t._("Team"), t._("Participants"), t._("Attendance"), t._("Present / counted")),
            tuple(rows),
            (0.4, 0.18, 0.18, 0.24),
            numeric=frozenset({1, 2, 3}),
            total=True,
        )
    )
    team_rates = [(group, matrix.team_rate(group)) for group, _ in matrix.groups]
    document.add(
        Bars(
            title=t._("Attendance per team"),
            labels=tuple(g.name if g else t._("Without a team") for g, _ in team_rates),
            values=tuple(
                float(r.percent) if r.percent is not None else None for _, r in team_rates
            ),
            value_labels=tuple(percent_text(r) for _, r in team_rates),
            maximum=100,
            colour=OKABE_ITO["blue"],
            axis_label=t._("attendance (%)"),
        )
    )
    rows = []
    for occurrence in matrix.sessions:
        day = local_today(occurrence.starts_at, zone)
        week = sprint_week(matrix.cohort.start_date, matrix.cohort.weeks, day)
        rate = matrix.session_rate(occurrence)
        rows.append(
            (
                t.short_date(day),
                str(week or "—"),
                session_title(t, matrix, occurrence),
                percent_text(rate) if matrix.taken(occurrence) else mark_label(t, Mark.UNKNOWN),
                count_text(rate) if matrix.taken(occurrence) else "—",
            )
        )
    document.add(Heading(t._("Attendance per session"), 2))
    document.add(
        Table(
            (t._("Date"), t._("Week"), t._("Session"), t._("Attendance"), t._("Present / counted")),
            tuple(rows),
            (0.12, 0.09, 0.45, 0.14, 0.2),
            numeric=frozenset({1, 3, 4}),
        )
    )
    document.add(
        Text(
            t._(
                "A session counts the participants it concerns (a check-in: its team's). "
                "Excused absences are not counted; at a session nobody took attendance "
                "of, nothing is counted."
            ),
            note=True,
        )
    )
    # The sessions of the whole cohort: a check-in per team would make a bar per team.
    common = [o for o in taken if o.kind != "checkin"]
    if not common:
        return
    labels = tuple(
        f"{t.short_date(local_today(o.starts_at, zone))} · {session_title(t, matrix, o)}"
        for o in common
    )
    rates = [matrix.session_rate(o) for o in common]
    document.add(
        Bars(
            title=t._("Attendance per session (whole-cohort sessions with attendance taken)"),
            labels=labels,
            values=tuple(float(r.percent) if r.percent is not None else None for r in rates),
            value_labels=tuple(percent_text(r) for r in rates),
            maximum=100,
            colour=OKABE_ITO["sky_blue"],
            axis_label=t._("attendance (%)"),
        )
    )


async def _poll_participation(
    t: Translator, document: ReportDocument, session: AsyncSession, cohort: Cohort
) -> None:
    document.add(Heading(t._("Meeting-time poll"), 2))
    polls = await polls_of(session, cohort.id or 0, PURPOSE)
    if not polls:
        document.add(Text(t._("No meeting-time poll was held."), note=True))
        return
    rows = []
    for poll in polls:
        view = await load_poll(session, poll, calendar=False)
        expected = len(view.expected())
        complete = view.complete_count()
        partial = sum(1 for _, _, answered in view.missing() if answered)
        share = percent(complete, expected)
        rows.append(
            (
                poll.title or t._("Meeting-time poll"),
                t._(_POLL_STATES[poll.state]),
                str(expected),
                str(complete),
                str(partial),
                f"{share} %" if share is not None else "—",
            )
        )
    document.add(
        Table(
            (
                t._("Poll"),
                t._("State"),
                t._("Participants"),
                t._("Answered every option"),
                t._("Answered some"),
                t._("Participation"),
            ),
            tuple(rows),
            (0.25, 0.2, 0.13, 0.16, 0.13, 0.13),
            numeric=frozenset({2, 3, 4, 5}),
        )
    )
