"""What the cohort report says, read from the database, in the cohort's language.

Four sections, each from the rules its capability owns: the cohort (its calendar from
`agenda.occurrences`), participation (the attendance matrix, `attendance.matrix`, and
the meeting-time polls, `poll.view`), progress (the board, `status.board`; the RDC
progress, `dashboard.summary.rdc_progress`; blocked spells and completions,
`status.rules`) and feedback (`storage.feedback`). Only names of people in the cohort
appear: no e-mail address, no platform account (an address in a comment is masked).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.numbers import format_decimal
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences
from cohorte.handlers.attendance.board import session_title
from cohorte.handlers.attendance.matrix import (
    SESSION_KINDS,
    AttendanceMatrix,
    Mark,
    Rate,
    load_attendance,
    mark_label,
    rate_text,
    session_kind_label,
)
from cohorte.handlers.core.pictures import LIGHT_GREY, OKABE_ITO
from cohorte.handlers.core.readers import Reader
from cohorte.handlers.dashboard.chart import STATUS_COLOURS
from cohorte.handlers.dashboard.summary import rdc_progress, status_counts
from cohorte.handlers.poll.view import PURPOSE, load_poll
from cohorte.handlers.report.document import (
    Bars,
    Heading,
    Lines,
    Quote,
    ReportDocument,
    StackedBars,
    Table,
    Text,
)
from cohorte.handlers.status.board import Board, load_board
from cohorte.handlers.status.rules import (
    STATUS_ORDER,
    blocked_spells,
    completed_at,
    local_today,
)
from cohorte.handlers.status.wording import RDC_CRITERIA, rdc_tags, status_label
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence, sprint_end, sprint_week, to_utc
from cohorte.storage.cohorts import members_with_people
from cohorte.storage.feedback import Feedback, feedback_of
from cohorte.storage.models import Cohort, Role
from cohorte.storage.polls import PollState, polls_of
from cohorte.storage.status import Status, StatusUpdate, status_history

# Lines drawn for the teams, in palette order (black last: it reads as "total").
TEAM_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
    OKABE_ITO["black"],
)
HIGHLIGHTS_SHOWN = 12
# An e-mail address anywhere in a text (a comment): masked in the report.
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")

_POLL_STATES = {
    PollState.OPEN: N_("open"),
    PollState.CLOSED: N_("closed, time not confirmed yet"),
    PollState.CONFIRMED: N_("closed, time confirmed"),
    PollState.CANCELLED: N_("cancelled"),
}


def mask_emails(text: str) -> str:
    """'write to ana@x.org' -> 'write to […]': the report carries no e-mail address."""
    return _EMAIL_IN_TEXT.sub("[…]", text)


@dataclass(frozen=True)
class Calendar:
    """Every session of the sprint, cancelled ones too, and which have started by `now`."""

    occurrences: list[Occurrence]
    now: datetime

    def held(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if not o.cancelled and o.starts_at <= self.now]

    def planned(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if not o.cancelled and o.starts_at > self.now]

    def cancelled(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if o.cancelled]

    def _of(self, kind: str | None) -> list[Occurrence]:
        return [o for o in self.occurrences if kind is None or o.kind == kind]


async def load_calendar(session: AsyncSession, cohort: Cohort, now: datetime) -> Calendar:
    """The sprint's sessions, from the week before it (a session moved early) to a month
    after its last day (a late Showtime)."""
    start = to_utc(cohort.start_date - timedelta(days=7), datetime.min.time(), cohort.home_zone)
    last = sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=31)
    end = to_utc(last, datetime.min.time(), cohort.home_zone)
    found = await cohort_occurrences(session, cohort, start, end, include_cancelled=True)
    return Calendar(found, now)


def percent(part: int, whole: int) -> int | None:
    """Whole percent, half up (as the attendance rate is rounded); None of nothing."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def decimal(t: Translator, value: float) -> str:
    """'4,3' / '4.3': one decimal, in the reader's locale."""
    return format_decimal(value, format="0.0", locale=t.locale)


def days_text(t: Translator, span: timedelta) -> str:
    """'3 days', 'less than a day'."""
    days = span.days
    if days < 1:
        return t._("less than a day")
    return t.ngettext("{n} day", "{n} days", days)


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
    await _participation_section(t, document, session, cohort, matrix)
    await _progress_section(t, document, session, board)
    await _feedback_section(t, document, session, cohort, matrix, calendar)
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


# -- 2. participation -------------------------------------------------------------------


async def _participation_section(
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
        rows.append((name, str(len(people)), _percent_text(rate), _count_text(rate)))
    rows.append((t._("Total"), str(len(matrix.people)), _percent_text(total), _count_text(total)))
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
            value_labels=tuple(_percent_text(r) for _, r in team_rates),
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
                _percent_text(rate) if matrix.taken(occurrence) else mark_label(t, Mark.UNKNOWN),
                _count_text(rate) if matrix.taken(occurrence) else "—",
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
    labels = tuple(
        f"{t.short_date(local_today(o.starts_at, zone))} · {session_title(t, matrix, o)}"
        for o in taken
    )
    rates = [matrix.session_rate(o) for o in taken]
    document.add(
        Bars(
            title=t._("Attendance per session (sessions with attendance taken)"),
            labels=labels,
            values=tuple(float(r.percent) if r.percent is not None else None for r in rates),
            value_labels=tuple(_percent_text(r) for r in rates),
            maximum=100,
            colour=OKABE_ITO["sky_blue"],
            axis_label=t._("attendance (%)"),
        )
    )


def _percent_text(rate: Rate) -> str:
    return f"{rate.percent} %" if rate.percent is not None else "—"


def _count_text(rate: Rate) -> str:
    return f"{rate.present} / {rate.counted}" if rate.counted else "—"


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


# -- 3. progress ------------------------------------------------------------------------


async def _progress_section(
    t: Translator, document: ReportDocument, session: AsyncSession, board: Board
) -> None:
    document.add(Heading(t._("3. Progress")))
    if not board.deliverables or not board.teams:
        document.add(Text(t._("The cohort has no deliverables yet."), note=True))
        return
    cohort = board.cohort
    history = await status_history(session, cohort.id or 0)
    done_at = completed_at(history)
    zone = cohort.home_zone

    def week_of(instant: datetime) -> int | None:
        return sprint_week(cohort.start_date, cohort.weeks, local_today(instant, zone))

    _progress_per_team(t, document, board)
    _rdc_table(t, document, board)
    document.add(Heading(t._("Deliverables by team"), 2))
    header = (t._("Deliverable"), t._("RDC"), t._("Due"), *(team.name for team in board.teams))
    rows = []
    for deliverable in board.deliverables:
        cells = []
        for team in board.teams:
            cell = board.cell(team, deliverable)
            if cell is None:
                cells.append("—")
                continue
            text = status_label(t, cell.status)
            when = done_at.get((deliverable.id or 0, team.id or 0))
            if cell.status is Status.DONE and when is not None:
                week = week_of(when)
                text += (
                    f" · {t._('wk {n}', n=week)}"
                    if week
                    else f" · {t.short_date(local_today(when, zone))}"
                )
            elif cell.overdue:
                text += " · " + t._("overdue")
            cells.append(text)
        due = ""
        if deliverable.due_week is not None:
            due = t._("wk {n}", n=deliverable.due_week)
        elif deliverable.due_date is not None:
            due = t.short_date(deliverable.due_date)
        title = f"{deliverable.code} · {deliverable.title}"
        if deliverable.optional:
            title += f" ({t._('optional')})"
        rows.append((title, " ".join(rdc_tags(deliverable)) or "—", due or "—", *cells))
    team_share = 0.62 / len(board.teams)
    document.add(Table(header, tuple(rows), (0.2, 0.08, 0.1, *([team_share] * len(board.teams)))))
    document.add(
        Text(
            t._(
                "“wk N”: the sprint week it was completed in (or is due in); "
                "“overdue”: its due day has passed and it is not done."
            ),
            note=True,
        )
    )
    _completions_by_week(t, document, board, done_at, week_of)
    _blocked_items(t, document, board, history)


def _progress_per_team(t: Translator, document: ReportDocument, board: Board) -> None:
    document.add(Heading(t._("Status per team"), 2))
    rows = []
    counts_per_team = []
    for team in board.teams:
        cells = board.team_cells(team)
        counts = status_counts(cells)
        counts_per_team.append(counts)
        overdue = sum(1 for cell in cells if cell.overdue)
        rows.append(
            (
                team.name,
                str(len(cells)),
                *(str(counts[status]) for status in reversed(STATUS_ORDER)),
                str(overdue),
            )
        )
    header = (
        t._("Team"),
        t._("Assigned"),
        *(status_label(t, status).capitalize() for status in reversed(STATUS_ORDER)),
        t._("Overdue"),
    )
    document.add(
        Table(
            header,
            tuple(rows),
            (0.26, 0.12, 0.13, 0.13, 0.12, 0.12, 0.12),
            numeric=frozenset({1, 2, 3, 4, 5, 6}),
        )
    )
    document.add(
        StackedBars(
            title=t._("Deliverables per team and status"),
            labels=tuple(team.name for team in board.teams),
            segments=tuple(
                (
                    status_label(t, status),
                    STATUS_COLOURS[status][0] if status is not Status.NOT_STARTED else LIGHT_GREY,
                    tuple(counts[status] for counts in counts_per_team),
                )
                for status in reversed(STATUS_ORDER)
            ),
            axis_label=t._("deliverables"),
        )
    )


def _rdc_table(t: Translator, document: ReportDocument, board: Board) -> None:
    document.add(Heading(t._("Progress per RDC criterion"), 2))
    rows: list[tuple[str, ...]] = []
    for progress in rdc_progress(board):
        name = f"{progress.tag} ({t._(RDC_CRITERIA[progress.tag])})"
        if not progress.rows:
            rows.append((name, t._("no deliverable tagged"), "—", "—"))
            continue
        for deliverable, done, total in progress.rows:
            share = percent(done, total)
            rows.append(
                (name, deliverable.title, f"{done} / {total}", f"{share} %" if share else "0 %")
            )
            name = ""
        share = percent(progress.done, progress.total)
        rows.append(
            (
                "",
                t._("All of {tag}", tag=progress.tag),
                f"{progress.done} / {progress.total}",
                f"{share} %" if share is not None else "—",
            )
        )
    document.add(
        Table(
            (t._("Criterion"), t._("Deliverable"), t._("Teams done"), t._("Share")),
            tuple(rows),
            (0.34, 0.38, 0.14, 0.14),
            numeric=frozenset({2, 3}),
        )
    )


def _completions_by_week(
    t: Translator,
    document: ReportDocument,
    board: Board,
    done_at: dict[tuple[int, int], datetime],
    week_of: Callable[[datetime], int | None],
) -> None:
    cohort = board.cohort
    last_week = board.week or (cohort.weeks if board.today > cohort.start_date else 0)
    if last_week < 1:
        return
    weeks = list(range(1, last_week + 1))
    per_team: list[list[int]] = []
    for team in board.teams:
        counts = [0] * len(weeks)
        for (_, team_id), when in done_at.items():
            week = week_of(when)
            if team_id == team.id and week is not None and week <= last_week:
                counts[week - 1] += 1
        per_team.append(counts)
    document.add(Heading(t._("Deliverables completed per week"), 2))
    header = (t._("Team"), *(str(week) for week in weeks), t._("Total"))
    rows = tuple(
        (team.name, *(str(n) if n else "·" for n in counts), str(sum(counts)))
        for team, counts in zip(board.teams, per_team, strict=True)
    )
    name_share = 0.22
    share = (1 - name_share - 0.08) / len(weeks)
    document.add(
        Table(
            header,
            rows,
            (name_share, *([share] * len(weeks)), 0.08),
            numeric=frozenset(range(1, len(weeks) + 2)),
        )
    )
    series = []
    for index, (team, counts) in enumerate(zip(board.teams, per_team, strict=True)):
        running, total = [], 0
        for n in counts:
            total += n
            running.append(total)
        series.append((team.name, TEAM_COLOURS[index % len(TEAM_COLOURS)], tuple(running)))
    document.add(
        Lines(
            title=t._("Deliverables completed so far, per team and sprint week"),
            x_labels=tuple(t._("wk {n}", n=week) for week in weeks),
            series=tuple(series),
            axis_label=t._("deliverables completed"),
        )
    )


def _blocked_items(
    t: Translator, document: ReportDocument, board: Board, history: Sequence[StatusUpdate]
) -> None:
    spells = blocked_spells(history)
    document.add(Heading(t._("Blocked items"), 2))
    if not spells:
        document.add(Text(t._("No deliverable was ever reported blocked."), note=True))
        return
    zone = board.cohort.home_zone
    teams = {team.id: team.name for team in board.teams}
    titles = {d.id: f"{d.code} · {d.title}" for d in board.deliverables}
    rows = []
    for spell in spells:
        until = (
            t.short_date(local_today(spell.ended, zone))
            if spell.ended is not None
            else t._("still blocked")
        )
        rows.append(
            (
                teams.get(spell.team_id, "?"),
                titles.get(spell.deliverable_id, "?"),
                t.short_date(local_today(spell.started, zone)),
                until,
                days_text(t, spell.duration(board.now)),
                mask_emails(" ".join((spell.note or "").split()))[:160] or "—",
            )
        )
    document.add(
        Table(
            (
                t._("Team"),
                t._("Deliverable"),
                t._("Blocked on"),
                t._("Until"),
                t._("For"),
                t._("Reason given"),
            ),
            tuple(rows),
            (0.14, 0.22, 0.11, 0.12, 0.11, 0.3),
        )
    )
    still = sum(1 for spell in spells if spell.ended is None)
    document.add(
        Text(
            t._(
                "Times a deliverable was blocked: {n}. Still blocked: {still}.",
                n=len(spells),
                still=still,
            ),
            note=True,
        )
    )


# -- 4. feedback ------------------------------------------------------------------------


async def _feedback_section(
    t: Translator,
    document: ReportDocument,
    session: AsyncSession,
    cohort: Cohort,
    matrix: AttendanceMatrix,
    calendar: Calendar,
) -> None:
    document.add(Heading(t._("4. Feedback")))
    answers = await feedback_of(session, cohort.id or 0)
    if not answers:
        document.add(Text(t._("No session feedback has been collected yet."), note=True))
        return
    by_ref: dict[str, list[Feedback]] = defaultdict(list)
    for answer in answers:
        by_ref[answer.ref].append(answer)
    known = {o.ref: o for o in calendar.occurrences}
    zone = cohort.home_zone
    ordered = sorted(
        by_ref, key=lambda ref: (known[ref].starts_at.isoformat() if ref in known else "~", ref)
    )
    titles: dict[str, str] = {}
    rows = []
    averages: list[float] = []
    for ref in ordered:
        found = known.get(ref)
        titles[ref] = session_title(t, matrix, found) if found else ref
        scores = [answer.score for answer in by_ref[ref]]
        average = sum(scores) / len(scores)
        averages.append(average)
        day = t.short_date(local_today(found.starts_at, zone)) if found else "—"
        rows.append((day, titles[ref], str(len(scores)), decimal(t, average)))
    everything = [answer.score for answer in answers]
    rows.append(
        (
            "",
            t._("All sessions"),
            str(len(everything)),
            decimal(t, sum(everything) / len(everything)),
        )
    )
    document.add(
        Text(t._("Answers to “How useful was it? 1 to 5” after the sessions that asked for it."))
    )
    document.add(
        Table(
            (t._("Date"), t._("Session"), t._("Answers"), t._("Average (1–5)")),
            tuple(rows),
            (0.12, 0.56, 0.14, 0.18),
            numeric=frozenset({2, 3}),
            total=True,
        )
    )
    document.add(
        Bars(
            title=t._("Average usefulness per session (1 to 5)"),
            labels=tuple(titles[ref] for ref in ordered),
            values=tuple(averages),
            value_labels=tuple(decimal(t, average) for average in averages),
            maximum=5,
            colour=OKABE_ITO["bluish_green"],
            axis_label=t._("average score"),
        )
    )
    chosen = [a for a in answers if a.highlighted and a.comment and a.comment.strip()]
    document.add(Heading(t._("Comments chosen by the coordination team"), 2))
    if not chosen:
        document.add(Text(t._("The coordination team has not chosen any comment yet."), note=True))
        return
    for answer in chosen[:HIGHLIGHTS_SHOWN]:
        document.add(
            Quote(
                mask_emails(" ".join((answer.comment or "").split())),
                t._(
                    "{session} · score {score} of 5",
                    session=titles.get(answer.ref, answer.ref),
                    score=answer.score,
                ),
            )
        )
