""" "Empezamos" at the start of a session, and the "✋ Estoy aquí" press that answers it.

Planning (`planning.plan_attendance`, on every scheduler tick): the sessions
starting within the next `PLAN_AHEAD` (or under way) get one outbox row per
member they expect who did not answer "No", due at the start and useless after
the end. The key names the
occurrence, its start instant and the person, so a moved session gets fresh
rows (the old ones were dropped with its reminders) and a cancelled one none.
The row goes privately where the platform lets the bot write first, else as a
mention in the cohort's group chat, like every private reminder.

The press is a hot path, like a vote: the session is read from the calendar
(its window and state), then one statement writes the record with the
membership check inside it; the receipt is rendered after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.grammar import MAX_DURATION
from cohorte.handlers.agenda.occurrences import (
    cohort_occurrences,
    find_occurrence,
    occurrence_for,
)
from cohorte.handlers.agenda.renderers import describe, occurrence_title
from cohorte.handlers.attendance.deliveries import SESSION_STARTED, StartedPayload
from cohorte.handlers.attendance.roster import (
    OPENS_BEFORE,
    code_of,
    expected,
    expects,
    record_label,
    window_opens,
)
from cohorte.handlers.attendance.routes import HERE, SessionCode
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.text import first_name
from cohorte.locales import N_
from cohorte.scheduling.outbox import Planned
from cohorte.scheduling.recurrence import Occurrence, code_ref
from cohorte.storage import attendance as records
from cohorte.storage.cohorts import members_of_cohorts, membership
from cohorte.storage.models import Cohort, Member, Role

# Sessions starting within this long are planned (and those under way, for a row that
# a restart or a late join left unplanned).
PLAN_AHEAD = timedelta(minutes=15)
PARTICIPANTS_ONLY = N_("Attendance is kept for participants: nothing to record for you.")
# How far back a session under way may have started (the longest a session lasts).
LONGEST_SESSION = timedelta(minutes=MAX_DURATION)


def under_way_or_soon(occurrence: Occurrence, now: datetime) -> bool:
    """Whether the session's "Empezamos" is planned now: it starts within `PLAN_AHEAD`
    and has not ended."""
    return occurrence.starts_at < now + PLAN_AHEAD and now < occurrence.ends_at


async def started_rows(session: AsyncSession, soon: dict[int, list[Occurrence]]) -> list[Planned]:
    """The "Empezamos" rows of these sessions (by cohort id): one per member each expects
    who did not answer "No"."""
    busy = [cohort_id for cohort_id, occurrences in soon.items() if occurrences]
    if not busy:
        return []
    members: dict[int, list[Member]] = {}
    for member in await members_of_cohorts(session, busy):
        members.setdefault(member.cohort_id, []).append(member)
    said_no = await records.declined(session, [o.ref for c in busy for o in soon[c]])
    return [
        started_row(cohort_id, occurrence, member.person_id)
        for cohort_id in busy
        for occurrence in soon[cohort_id]
        for member in expected(occurrence, members.get(cohort_id, []))
        if (occurrence.ref, member.id) not in said_no
    ]


def started_row(cohort_id: int, occurrence: Occurrence, person_id: int) -> Planned:
    """The "Empezamos" row of one person for one session (pure)."""
    start = occurrence.starts_at
    return SESSION_STARTED.plan(
        f"{SESSION_STARTED.kind}:{occurrence.ref}:{int(start.timestamp())}:p{person_id}",
        cohort_id,
        start,
        StartedPayload(start),
        expires_at=occurrence.ends_at,
        person_id=person_id,
        ref=occurrence.ref,
    )


async def render_started(rc: RenderContext, payload: StartedPayload) -> Reply | None:
    """'🟢 Empezamos: *Sesión semanal* · Semana 2', the link and "✋ Estoy aquí"; nothing
    if the session moved or was cancelled since, or the reader said "No" or is in."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.starts_at != payload.start:
        return None
    if rc.member is None or rc.member.id is None or not expects(occurrence, rc.member):
        return None
    said_no, recorded = await _answered(rc, occurrence.ref)
    if rc.member.id in said_no or rc.member.id in recorded:
        return None  # said "No" since, or already marked (pressed early, or by a coordinator)
    t = rc.t
    text = await describe(rc, occurrence, "🟢 " + t._("We are starting:"))
    text += "\n" + t._("Are you in? Press the button (or write /asistencia aqui) so we know.")
    button = Button(t._("✋ I am here"), HERE.payload(SessionCode(code_of(occurrence))))
    return Reply(text, ((button,),))


async def _answered(rc: RenderContext, ref: str) -> tuple[set[int], set[int]]:
    """Member ids that said "No" to the session and those already recorded, read once
    per batch (the start's messages go out together)."""

    async def read() -> tuple[set[int], set[int]]:
        cohort_id = rc.cohort.id or 0
        answers = await records.rsvps(rc.session, cohort_id, ref=ref)
        marks = await records.attendance(rc.session, cohort_id, ref=ref)
        said_no = {a.member_id for a in answers if a.answer is records.RsvpAnswer.NO}
        return said_no, {mark.member_id for mark in marks}

    return await rc.cache.memo(("attendance.answered", rc.cohort.id, ref), read)


async def press_here(ctx: Context, fields: SessionCode) -> list[Reply]:
    """The "✋ Estoy aquí" button: the sender took part in the session (source self)."""
    cohort, _ = ctx.require_member()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(fields.code))
    if occurrence is None:
        raise StaleButtonError()
    return await record_presence(ctx, cohort, occurrence)


async def here_by_command(ctx: Context) -> list[Reply]:
    """`/asistencia aqui`: the press, typed — for whoever got "Empezamos" as a group
    mention, which carries no buttons. It counts for the session of theirs whose
    window is open now (the latest to start, if several are)."""
    cohort, member = ctx.require_member()
    if member.role != Role.PARTICIPANT:
        raise CohortError(PARTICIPANTS_ONLY)
    now = ctx.clock.now()
    found = await cohort_occurrences(
        ctx.session, cohort, now - LONGEST_SESSION, now + OPENS_BEFORE + timedelta(seconds=1)
    )
    open_now = [o for o in found if expects(o, member) and window_opens(o) <= now <= o.ends_at]
    if not open_now:
        raise CohortError(
            N_(
                "No session of yours is under way now: attendance counts from 10 minutes "
                "before a session until its end."
            )
        )
    return await record_presence(ctx, cohort, open_now[-1])


async def record_presence(ctx: Context, cohort: Cohort, occurrence: Occurrence) -> list[Reply]:
    """Record the sender present at the session (source self), if its window is open;
    the checks that need no calendar are inside the write."""
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    now = ctx.clock.now()
    if occurrence.cancelled or now < window_opens(occurrence) or now > occurrence.ends_at:
        raise await _outside_window(ctx, occurrence, now)
    team = occurrence.team_id if occurrence.kind == "checkin" else None
    member_id = await records.record_own_presence(
        ctx.session, cohort.id or 0, occurrence.ref, ctx.person.id, now, team_id=team
    )
    if member_id is None:
        raise await _why_not_recorded(ctx, cohort, occurrence)
    person = ctx.person

    async def receipt() -> list[Reply]:
        title = await occurrence_title(ctx.session, ctx.t, occurrence)
        text = "✋ " + ctx.t._(
            "Thank you, {name}: you are in for {title}.",
            name=first_name(person.display_name),
            title=title,
        )
        return [Reply(text, ephemeral=ctx.in_group)]

    return ctx.after_commit(receipt)


async def _outside_window(ctx: Context, occurrence: Occurrence, now: datetime) -> CohortError:
    """Why a press outside the session's window counts for nothing (the rare path)."""
    t = ctx.t
    title = await occurrence_title(ctx.session, t, occurrence)
    if occurrence.cancelled:
        return CohortError(N_("{title} was cancelled: there is nothing to attend."), title=title)
    if now < window_opens(occurrence):
        return CohortError(
            N_("Too early: {title} starts {when}. The button works from {opens}."),
            title=title,
            when=t.when(occurrence.starts_at, ctx.zone),
            opens=t.time(window_opens(occurrence), ctx.zone),
        )
    return CohortError(
        N_("{title} has already ended ({ended}). If you took part, tell the coordination team."),
        title=title,
        ended=t.time(occurrence.ends_at, ctx.zone),
    )


async def _why_not_recorded(ctx: Context, cohort: Cohort, occurrence: Occurrence) -> CohortError:
    """The press wrote nothing: say why (only read on this rare path)."""
    assert ctx.person is not None and ctx.person.id is not None and cohort.id is not None
    member = await membership(ctx.session, cohort.id, ctx.person.id)
    if member is None or member.id is None:
        return NotMemberError()
    if not expects(occurrence, member):
        if occurrence.kind == "checkin" and member.team_id != occurrence.team_id:
            return CohortError(N_("This check-in is another team's: nothing to record for you."))
        return CohortError(PARTICIPANTS_ONLY)
    record = await records.attendance_of(ctx.session, occurrence.ref, member.id)
    return CohortError(
        N_("Your attendance is already recorded: {record}. If it is wrong, tell the coordinators."),
        record=record_label(ctx.t, record),
    )
