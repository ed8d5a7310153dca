"""/asistencia: a session's roster for coordinators, their marks; one's own record.

`/asistencia [CODIGO]` — coordinators read the roster of the session the code
names (default: the latest that has started): each member it expects, by
team, with their answer to "¿Vas a asistir?" and their record (who said so,
minutes), and a button per person to mark or correct them (present, absent,
excused; source coordinator). The roster comes in pages of `PAGE_SIZE`
people, so that the buttons fit Telegram's and Slack's limits. Participants
read their own record, per session. `/asistencia tablero` is the board.
"""

from __future__ import annotations

from collections.abc import Sequence

from cohorte.handlers.agenda.renderers import occurrence_title, week_label
from cohorte.handlers.attendance.board import show_board
from cohorte.handlers.attendance.presence import here_by_command
from cohorte.handlers.attendance.roster import (
    UnknownSessionError,
    code_of,
    expected,
    expects,
    held_sessions,
    named_session,
    record_label,
    rsvp_label,
    status_label,
)
from cohorte.handlers.attendance.routes import (
    MARK,
    PICK,
    ROSTER_PAGE,
    Mark,
    MarkCode,
    PickMember,
    RosterPage,
)
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.readers import shown_name
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage import attendance as records
from cohorte.storage.attendance import AttendanceSource, AttendanceStatus
from cohorte.storage.cohorts import members_with_people, teams_of
from cohorte.storage.models import Cohort, Member, Person

PAGE_SIZE = 10  # people per roster page: ten buttons, five rows of two
OWN_SESSIONS = 30  # a participant's own record lists at most the latest this many sessions
BOARD_WORDS = ("tablero", "board")
HERE_WORDS = ("aqui", "here", "estoy aqui", "i am here")


async def attendance_command(ctx: Context, args: str) -> list[Reply]:
    """/asistencia [CODIGO | tablero | aqui]: the roster (coordinators) or one's own
    record; `aqui` is the "✋ Estoy aquí" press, typed."""
    cohort, member = ctx.require_member()
    text = args.strip()
    if fold(text.split(" ", 1)[0]) in BOARD_WORDS:
        return await show_board(ctx, text.split(" ", 1)[1] if " " in text else "")
    if " ".join(fold(text).split()) in HERE_WORDS:
        return await here_by_command(ctx)
    if not ctx.is_coordinator:
        return await own_record(ctx, cohort, member, text)
    occurrence = await _session_or_latest(ctx, cohort, text)
    return [await roster_reply(ctx, cohort, occurrence, 1)]


async def _session_or_latest(ctx: Context, cohort: Cohort, code: str) -> Occurrence:
    if code:
        return await named_session(ctx, cohort, code)
    held = await held_sessions(ctx, cohort, team_id=None)
    if not held:
        raise CohortError(N_("No session has started yet: there is no attendance to show."))
    return held[-1]


# -- the coordinators' roster -------------------------------------------------------------


async def roster_reply(ctx: Context, cohort: Cohort, occurrence: Occurrence, page: int) -> Reply:
    """One page of a session's roster, with a button per person and the pages around."""
    assert cohort.id is not None
    t = ctx.t
    people = await _roster_people(ctx, cohort, occurrence)
    ref = occurrence.ref
    answers = {a.member_id: a for a in await records.rsvps(ctx.session, cohort.id, ref=ref)}
    marks = {r.member_id: r for r in await records.attendance(ctx.session, cohort.id, ref=ref)}
    pages = max(1, -(-len(people) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = people[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [await _heading(ctx, cohort, occurrence)]
    counts = {status: 0 for status in AttendanceStatus}
    for member, _, _ in people:
        found = marks.get(member.id or 0)
        if found is not None:
            counts[found.status] += 1
    lines.append(
        t._(
            "Present {present} · Absent {absent} · Excused {excused} · Not recorded {unknown}",
            present=counts[AttendanceStatus.PRESENT],
            absent=counts[AttendanceStatus.ABSENT],
            excused=counts[AttendanceStatus.EXCUSED],
            unknown=len(people) - sum(counts.values()),
        )
    )
    if not people:
        lines.append(t._("This session expects nobody yet."))
    team_shown = None
    for member, person, team_name in shown:
        if team_name != team_shown:
            team_shown = team_name
            lines.append("")
            lines.append(bold(team_name) if team_name else t._("*No team*"))
        answer = rsvp_label(t, answers.get(member.id or 0))
        record = record_label(t, marks.get(member.id or 0))
        lines.append(f"• {literal(shown_name(t, person, team_name))} — {answer} · {record}")
    if pages > 1:
        lines.append("")
        lines.append(t._("Page {page} of {pages}.", page=page, pages=pages))
    code = code_of(occurrence)
    buttons = [
        Button(shown_name(t, person, team), PICK.payload(PickMember(member.id or 0, code)))
        for member, person, team in shown
    ]
    lines.append("")
    lines.append(t._("To mark or correct someone, press their name."))
    rows = list(button_rows(buttons))
    turn = []
    if page > 1:
        turn.append(Button(t._("« Previous"), ROSTER_PAGE.payload(RosterPage(page - 1, code))))
    if page < pages:
        turn.append(Button(t._("Next »"), ROSTER_PAGE.payload(RosterPage(page + 1, code))))
    if turn:
        rows.append(tuple(turn))
    return Reply("\n".join(lines), tuple(rows))


async def _heading(ctx: Context, cohort: Cohort, occurrence: Occurrence) -> str:
    t = ctx.t
    title = await occurrence_title(ctx.session, t, occurrence)
    week = week_label(t, cohort, occurrence)
    head = t._("Attendance: *{title}*", title=title) + (f" · {week}" if week else "")
    when = t.when(occurrence.starts_at, ctx.zone)
    code = t._("code {code}", code=code_of(occurrence))
    return f"{head}\n{when} · {code}"


async def _roster_people(
    ctx: Context, cohort: Cohort, occurrence: Occurrence
) -> list[tuple[Member, Person, str]]:
    """The members the session expects, with their person and team name, by team then
    name (the team-less last)."""
    assert cohort.id is not None
    teams = {team.id: team.name for team in await teams_of(ctx.session, cohort.id)}
    found = await members_with_people(ctx.session, cohort.id)
    people = {member.id: person for member, person in found}
    rows = [
        (member, people[member.id], teams.get(member.team_id, "") if member.team_id else "")
        for member in expected(occurrence, [member for member, _ in found])
    ]
    rows.sort(key=lambda row: (row[2] == "", fold(row[2]), fold(row[1].display_name)))
    return rows


async def _coordinators_session(ctx: Context, code: str) -> tuple[Cohort, Occurrence]:
    """The coordinator's cohort and the (held, not cancelled) session a button names."""
    cohort, _ = ctx.require_coordinator()
    try:
        occurrence = await named_session(ctx, cohort, code)
    except UnknownSessionError as error:
        raise StaleButtonError() from error
    return cohort, occurrence


async def turn_page(ctx: Context, fields: RosterPage) -> list[Reply]:
    """The roster's "« Anterior" / "Siguiente »" buttons."""
    cohort, occurrence = await _coordinators_session(ctx, fields.code)
    return [await roster_reply(ctx, cohort, occurrence, fields.page)]


async def pick_member(ctx: Context, fields: PickMember) -> list[Reply]:
    """A name in the roster: their record now, and the three states to mark."""
    cohort, occurrence = await _coordinators_session(ctx, fields.code)
    _, person = await _expected_member(ctx, cohort, occurrence, fields.member)
    record = await records.attendance_of(ctx.session, occurrence.ref, fields.member)
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    text = ctx.t._(
        "*{name}* at {title}: {record}. Mark them as:",
        name=person.display_name,
        title=title,
        record=record_label(ctx.t, record),
    )
    return [Reply(text, _mark_buttons(ctx, occurrence, fields.member))]


def _mark_buttons(
    ctx: Context, occurrence: Occurrence, member_id: int
) -> tuple[tuple[Button, ...], ...]:
    code = code_of(occurrence)
    marks = tuple(
        Button(status_label(ctx.t, mark.status), MARK.payload(Mark(member_id, mark, code)))
        for mark in MarkCode
    )
    back = Button(ctx.t._("« Back to the list"), ROSTER_PAGE.payload(RosterPage(1, code)))
    return (marks, (back,))


async def mark_member(ctx: Context, fields: Mark) -> list[Reply]:
    """Present / absent / excused, by a coordinator (source coordinator)."""
    cohort, occurrence = await _coordinators_session(ctx, fields.code)
    member, person = await _expected_member(ctx, cohort, occurrence, fields.member)
    assert cohort.id is not None and ctx.person is not None and member.id is not None
    status = fields.mark.status
    before = await records.attendance_of(ctx.session, occurrence.ref, member.id)
    # Minutes come from the meeting tool: a present person keeps theirs.
    minutes = before.minutes if before and status is AttendanceStatus.PRESENT else None
    await records.set_attendance(
        ctx.session,
        cohort.id,
        occurrence.ref,
        member.id,
        status,
        AttendanceSource.COORDINATOR,
        ctx.clock.now(),
        minutes=minutes,
        recorded_by=ctx.person.id,
    )
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    text = ctx.t._(
        "Done: *{name}* at {title} — {status}.",
        name=person.display_name,
        title=title,
        status=status_label(ctx.t, status),
    )
    return [Reply(text, _mark_buttons(ctx, occurrence, member.id))]


async def _expected_member(
    ctx: Context, cohort: Cohort, occurrence: Occurrence, member_id: int
) -> tuple[Member, Person]:
    """The member a button names, if the session expects them (else a stale button)."""
    for member, person, _ in await _roster_people(ctx, cohort, occurrence):
        if member.id == member_id:
            return member, person
    raise StaleButtonError()


# -- a participant's own record -----------------------------------------------------------


async def own_record(ctx: Context, cohort: Cohort, member: Member, code: str) -> list[Reply]:
    """A participant's answer and record, for one session or for each one held so far."""
    assert member.id is not None
    t = ctx.t
    if code:
        sessions: Sequence[Occurrence] = [await named_session(ctx, cohort, code)]
    else:
        sessions = await held_sessions(ctx, cohort, team_id=member.team_id or -1)
    sessions = [o for o in sessions if expects(o, member)][-OWN_SESSIONS:]
    if not sessions:
        text = t._("No session of yours has started yet: there is no attendance to show.")
        return [Reply(text, ephemeral=ctx.in_group)]
    answers, marks = await records.records_of_member(ctx.session, member.id)
    lines = [t._("Your attendance ({zone}):", zone=t.zone_label(ctx.zone))]
    for occurrence in sessions:
        title = await occurrence_title(ctx.session, t, occurrence)
        lines.append(
            f"• {t.day_and_time(occurrence.starts_at, ctx.zone)} — {bold(title)}: "
            + t._(
                "{record} · your answer: {answer}",
                record=record_label(t, marks.get(occurrence.ref)),
                answer=rsvp_label(t, answers.get(occurrence.ref)),
            )
        )
    return [Reply("\n".join(lines), ephemeral=ctx.in_group)]  # one's own, not the group's
