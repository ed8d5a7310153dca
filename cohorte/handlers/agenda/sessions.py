"""/sesion: coordinators add, move and cancel sessions, or set the weekly one.

Everyone hears of it through the outbox: a new session or weekly time is an
announcement that carries only which session it is about (rendered for each
reader when it is sent); a move or a cancellation drops the session's pending
reminders and queues a notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.deliveries import (
    ANNOUNCEMENT,
    SESSION_CANCELLED,
    SESSION_MOVED,
    AnnouncementPayload,
    CancelledPayload,
    MovedPayload,
)
from cohorte.handlers.agenda.forms import move_form, new_session_form
from cohorte.handlers.agenda.grammar import (
    KIND_WORDS,
    SESSION_EXAMPLE,
    NewSession,
    check_new_session,
    read_meeting_link,
    read_new_session,
    read_session_start,
    read_weekly,
)
from cohorte.handlers.agenda.occurrences import find_occurrence, set_weekly_session
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.agenda.routes import CANCEL, SessionCode, session_code
from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.scheduling.outbox import drop_pending
from cohorte.scheduling.recurrence import Occurrence, code_ref, event_ref, ref_code
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.cohorts import members_with_people
from cohorte.storage.models import Cohort, Event


async def session_command(ctx: Context, args: str) -> list[Reply]:
    """/sesion nueva|semanal|mover|cancelar ...; /sesion alone opens the new-session form."""
    cohort, _ = ctx.require_coordinator()
    action, _, rest = args.strip().partition(" ")
    action = fold(action)
    if action in ("nueva", "new"):
        return await add_session(ctx, cohort, read_new_session(rest))
    if action in ("semanal", "weekly"):
        return await set_weekly(ctx, cohort, rest)
    if action in ("mover", "move"):
        code, _, when = rest.strip().partition(" ")
        return await move_session(ctx, cohort, code_ref(code), when)
    if action in ("cancelar", "cancel"):
        return await cancel_session(ctx, cohort, code_ref(rest))
    if not action:
        return [Reply(ctx.t._("Let's add a session."), form=new_session_form(ctx.t))]
    raise CohortError(
        N_(
            "Use /sesion nueva, /sesion semanal, /sesion mover or /sesion cancelar. "
            "Example: {example}"
        ),
        example=SESSION_EXAMPLE,
    )


async def submit_new_event(ctx: Context, _fields: NoFields) -> list[Reply]:
    """The new-session form, answered: the session is added as /sesion nueva would."""
    cohort, _ = ctx.require_coordinator()
    values = ctx.incoming.form_values or {}
    kind = values.get("kind", "")
    if kind not in ("masterclass", "showtime"):
        raise StaleButtonError()
    new = NewSession(
        KIND_WORDS[kind],
        " ".join(values.get("title", "").split()),
        values.get("when", ""),
        link=read_meeting_link(values.get("link") or ""),
    )
    return await add_session(ctx, cohort, new)


async def add_session(ctx: Context, cohort: Cohort, new: NewSession) -> list[Reply]:
    """Add a one-off session and announce it to the cohort's chats."""
    assert cohort.id is not None
    starts_at = read_session_start(new.when, cohort, ctx.clock.now(), ctx.t)
    check_new_session(new)
    event = Event(
        cohort_id=cohort.id,
        kind=new.kind,
        title=new.title,
        starts_at=starts_at,
        duration_minutes=new.duration,
        meeting_url=new.link,
    )
    await calendar_rows.add_events(ctx.session, [event])
    assert event.id is not None
    await announce(
        ctx, ANNOUNCEMENT, f"new-e{event.id}", payload=AnnouncementPayload(event=event.id)
    )
    return [
        Reply(
            ctx.t._(
                "Added: {title}, {when}. Code: {code}.",
                title=new.title,
                when=ctx.t.when(starts_at, ctx.zone),
                code=event_ref(event.id),
            )
        )
    ]


async def set_weekly(ctx: Context, cohort: Cohort, text: str) -> list[Reply]:
    """/sesion semanal mar 10:00 [duracion 60]: set the weekly session without a poll."""
    weekday, at, duration = read_weekly(text)
    now = ctx.clock.now()
    today = now.astimezone(ZoneInfo(cohort.home_zone)).date()
    series = await set_weekly_session(
        ctx.session, cohort, weekday, at, cohort.home_zone, duration, today + timedelta(days=1), now
    )
    assert series.id is not None
    await announce(
        ctx, ANNOUNCEMENT, f"weekly-s{series.id}", payload=AnnouncementPayload(series=series.id)
    )
    return [
        Reply(
            ctx.t._(
                "Done: weekly session on {weekday} at {time}, from {day}.",
                weekday=weekday_name(weekday, ctx.t.language),
                time=at.strftime("%H:%M"),
                day=ctx.t.date(series.first_date),
            )
        )
    ]


async def ask_move(ctx: Context, fields: SessionCode) -> list[Reply]:
    """The "Move the next one" button: the form that asks for the new day and time."""
    cohort, _ = ctx.require_coordinator()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(fields.code))
    if occurrence is None or occurrence.cancelled:
        raise StaleButtonError()
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    return [Reply(ctx.t._("Moving *{title}*.", title=title), form=move_form(ctx.t, occurrence))]


async def submit_move(ctx: Context, fields: SessionCode) -> list[Reply]:
    """The move form, answered: the session moves as /sesion mover would."""
    cohort, _ = ctx.require_coordinator()
    values = ctx.incoming.form_values or {}
    return await move_session(ctx, cohort, code_ref(fields.code), values.get("when", ""))


async def move_session(ctx: Context, cohort: Cohort, ref: str, when_text: str) -> list[Reply]:
    """Move one session; its pending reminders are dropped and everyone is told."""
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None or occurrence.cancelled:
        raise _no_such_session(ref)
    new_start = read_session_start(when_text, cohort, ctx.clock.now(), ctx.t)
    old_start = occurrence.starts_at
    await _change(ctx, occurrence, new_start=new_start)
    await drop_pending(ctx.session, ref, "moved")
    await announce(
        ctx,
        SESSION_MOVED,
        f"{ref}:{int(new_start.timestamp())}",
        ref=ref,
        payload=MovedPayload(old_start),
        people=await _affected_people(ctx, cohort, occurrence),
        to_chats=occurrence.kind != "checkin",
    )
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    return [
        Reply(
            ctx.t._(
                "Done. New time for *{title}*: {when}. Everyone will be told.",
                title=title,
                when=ctx.t.when(new_start, ctx.zone),
            )
        )
    ]


async def ask_cancel(ctx: Context, fields: SessionCode) -> list[Reply]:
    """The "Cancel the next one" button: asks to confirm, with a button."""
    cohort, _ = ctx.require_coordinator()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(fields.code))
    if occurrence is None or occurrence.cancelled:
        raise StaleButtonError()
    t = ctx.t
    title = await occurrence_title(ctx.session, t, occurrence)
    return [
        Reply(
            t._(
                "Cancel *{title}* on {when}?",
                title=title,
                when=t.when(occurrence.starts_at, ctx.zone),
            ),
            ((Button(t._("Yes, cancel it"), CANCEL.payload(session_code(occurrence))),),),
        )
    ]


async def confirm_cancel(ctx: Context, fields: SessionCode) -> list[Reply]:
    """The "Yes, cancel it" button: the session is cancelled as /sesion cancelar would."""
    cohort, _ = ctx.require_coordinator()
    return await cancel_session(ctx, cohort, code_ref(fields.code))


async def cancel_session(ctx: Context, cohort: Cohort, ref: str) -> list[Reply]:
    """Cancel one session (once); its pending reminders are dropped and everyone is told."""
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None:
        raise _no_such_session(ref)
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    if occurrence.cancelled:
        return [Reply(ctx.t._("{title} was already cancelled.", title=title))]
    await _change(ctx, occurrence, cancelled=True)
    await drop_pending(ctx.session, ref, "cancelled")
    people = await _affected_people(ctx, cohort, occurrence)
    await announce(
        ctx,
        SESSION_CANCELLED,
        ref,
        payload=CancelledPayload(),
        ref=ref,
        people=people,
        to_chats=occurrence.kind != "checkin",
    )
    return [
        Reply(
            ctx.t._(
                "Cancelled: {title}, {when}. Everyone will be told.",
                title=title,
                when=ctx.t.when(occurrence.starts_at, ctx.zone),
            )
        )
    ]


def _no_such_session(ref: str) -> CohortError:
    return CohortError(
        N_("There is no session with the code {code}. See the codes with /proximas."),
        code=ref_code(ref)[:40],
    )


async def _change(
    ctx: Context,
    occurrence: Occurrence,
    *,
    new_start: datetime | None = None,
    cancelled: bool = False,
) -> None:
    """Move or cancel the occurrence where it is stored: its event, or its series' change."""
    if occurrence.event_id is not None:
        event = await calendar_rows.event_by_id(ctx.session, occurrence.event_id)
        assert event is not None
        if cancelled:
            event.cancelled_at = ctx.clock.now()
        if new_start is not None:
            event.starts_at = new_start
        return
    assert occurrence.series_id is not None and occurrence.original_date is not None
    await calendar_rows.record_series_change(
        ctx.session,
        occurrence.series_id,
        occurrence.original_date,
        cancelled=cancelled,
        new_start=new_start,
    )


async def _affected_people(ctx: Context, cohort: Cohort, occurrence: Occurrence) -> list[int]:
    """Who is told about a change by direct message: the team for a check-in, else nobody
    beyond the group chats (members who want DMs get the reminders anyway)."""
    assert cohort.id is not None
    if occurrence.kind != "checkin":
        return []
    members = await members_with_people(ctx.session, cohort.id)
    return [p.id for m, p in members if p.id and m.team_id == occurrence.team_id]
