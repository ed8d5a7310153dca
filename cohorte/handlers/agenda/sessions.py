"""/sesion: coordinators add, move and cancel sessions, or set the weekly one.

Everyone hears of it through the outbox: a new session or weekly time is an
announcement that carries only which session it is about (rendered for each
reader when it is sent); a move or a cancellation drops the session's pending
reminders and queues a notice for whoever gets its reminders, where they get
them. A move to the time the session already has is no change.

A new session, a move or a weekly time that would clash with other sessions
(`clashes`) is asked about first: the request waits in the database
(`pending`) and the coordinator answers with buttons.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.clashes import (
    Clash,
    ClashChoice,
    clash_buttons,
    clash_question,
    find_clashes,
    local_dates,
    skippable,
    sprint_calendar,
)
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
from cohorte.handlers.agenda.occurrences import find_occurrence, set_weekly_session, weekly_span
from cohorte.handlers.agenda.pending import (
    MoveRequest,
    NewEventRequest,
    Request,
    WeeklyRequest,
    keep_request,
    take_request,
)
from cohorte.handlers.agenda.reminders import audiences_of
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.agenda.routes import (
    ANSWER_CLASH,
    CANCEL,
    ClashAnswer,
    SessionCode,
    session_code,
)
from cohorte.handlers.agenda.weekly import weekly_notes
from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.scheduling.outbox import drop_pending
from cohorte.scheduling.recurrence import (
    Occurrence,
    code_ref,
    event_ref,
    ref_code,
    series_dates,
    to_utc,
)
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.cohorts import teams_of
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
        ref = _typed_ref(code, "/sesion mover e12 7 de mayo 16:00")
        return await move_session(ctx, cohort, ref, when)
    if action in ("cancelar", "cancel"):
        return await cancel_session(ctx, cohort, _typed_ref(rest, "/sesion cancelar e12"))
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
    """Add a one-off session and announce it; one that clashes is asked about first."""
    starts_at = read_session_start(new.when, cohort, ctx.clock.now(), ctx.t)
    check_new_session(new)
    request = NewEventRequest(new.kind, new.title, starts_at, new.duration, new.link)
    clashes = find_clashes(
        [(starts_at, timedelta(minutes=new.duration))],
        await sprint_calendar(ctx.session, cohort),
    )
    if clashes:
        t = ctx.t
        header = t._(
            "⚠️ “{title}”, {when}, would clash with:",
            title=new.title,
            when=t.when(starts_at, ctx.zone),
        )
        return [await _ask(ctx, cohort, request, clashes, header, t._("Add it anyway?"))]
    return await _add_event(ctx, cohort, request)


async def _add_event(ctx: Context, cohort: Cohort, new: NewEventRequest) -> list[Reply]:
    assert cohort.id is not None
    if new.starts_at <= ctx.clock.now():  # a question answered after the moment passed
        raise CohortError(
            N_("That moment has already passed: {when}."), when=ctx.t.when(new.starts_at, ctx.zone)
        )
    event = Event(
        cohort_id=cohort.id,
        kind=new.kind,
        title=new.title,
        starts_at=new.starts_at,
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
                when=ctx.t.when(new.starts_at, ctx.zone),
                code=event_ref(event.id),
            )
        )
    ]


async def set_weekly(ctx: Context, cohort: Cohort, text: str) -> list[Reply]:
    """/sesion semanal mar 10:00 [duracion 60]: set the weekly session without a poll."""
    weekday, at, duration = read_weekly(text)
    today = ctx.clock.now().astimezone(ZoneInfo(cohort.home_zone)).date()
    request = WeeklyRequest(weekday, at, duration, today + timedelta(days=1))
    return await _set_weekly(ctx, cohort, request, None)


async def _set_weekly(
    ctx: Context, cohort: Cohort, request: WeeklyRequest, choice: ClashChoice | None
) -> list[Reply]:
    """The weekly session from the request's day on, in place of the running one; when it
    clashes, asked first (`choice` None), then kept whole or without the weeks that fall
    on a Masterclass or the Showtime."""
    t = ctx.t
    now = ctx.clock.now()
    home = cohort.home_zone
    tomorrow = now.astimezone(ZoneInfo(home)).date() + timedelta(days=1)
    starting_from = max(request.starting_from, tomorrow)
    first, last = weekly_span(cohort, request.weekday, starting_from)
    duration = timedelta(minutes=request.duration)
    clashes = find_clashes(
        [(to_utc(day, request.local_time, home), duration) for day in series_dates(first, last)],
        await sprint_calendar(ctx.session, cohort, without_weekly=True),
    )
    if clashes and choice is None:
        header = t._(
            "⚠️ A weekly session on {weekday} at {time} would clash with:",
            weekday=weekday_name(request.weekday, t.language),
            time=request.local_time.strftime("%H:%M"),
        )
        question = t._("Set it anyway?")
        return [await _ask(ctx, cohort, request, clashes, header, question, weekly=True)]
    skip = local_dates(skippable(clashes), home) if choice == ClashChoice.SKIP else []
    series = await set_weekly_session(
        ctx.session,
        cohort,
        request.weekday,
        request.local_time,
        home,
        request.duration,
        starting_from,
        now,
        skip=skip,
    )
    assert series.id is not None
    await announce(
        ctx, ANNOUNCEMENT, f"weekly-s{series.id}", payload=AnnouncementPayload(series=series.id)
    )
    lines = [
        t._(
            "Done: weekly session on {weekday} at {time}, from {day}.",
            weekday=weekday_name(request.weekday, t.language),
            time=request.local_time.strftime("%H:%M"),
            day=t.date(series.first_date),
        ),
        *await weekly_notes(ctx.session, t, series, home),
    ]
    return [Reply("\n".join(lines))]


async def _ask(
    ctx: Context,
    cohort: Cohort,
    request: Request,
    clashes: list[Clash],
    header: str,
    question: str,
    *,
    weekly: bool = False,
) -> Reply:
    """Keep the request and ask whether to go ahead despite `clashes`, with buttons."""
    assert cohort.id is not None
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    change = await keep_request(ctx.session, cohort.id, ctx.person.id, request, ctx.clock.now())
    teams = {team.id: team.name for team in await teams_of(ctx.session, cohort.id) if team.id}
    t = ctx.t
    text = clash_question(t, header, clashes, ctx.zone, teams, question, weekly=weekly)

    def payload(choice: ClashChoice) -> str:
        return ANSWER_CLASH.payload(ClashAnswer(change, choice))

    return Reply(text, clash_buttons(t, payload, clashes, weekly=weekly))


async def answer_clash(ctx: Context, answer: ClashAnswer) -> list[Reply]:
    """A coordinator's answer to a change that clashes: go ahead (as asked, or without the
    weekly sessions on one-off days), or leave things as they are."""
    cohort, _ = ctx.require_coordinator()
    if ctx.person is None or ctx.person.id is None:
        raise StaleButtonError()
    taken = await take_request(ctx.session, answer.change, ctx.person.id, ctx.clock.now())
    if taken is None or taken.cohort_id != cohort.id:
        raise StaleButtonError()
    if taken.expired:
        return [
            Reply(ctx.t._("That question has expired: nothing changed. Type the command again."))
        ]
    if answer.choice == ClashChoice.DROP:
        return [Reply(ctx.t._("All right: nothing changed."))]
    request = taken.request
    if isinstance(request, NewEventRequest):
        return await _add_event(ctx, cohort, request)
    if isinstance(request, MoveRequest):
        return await _move(ctx, cohort, request, ask=False)
    return await _set_weekly(ctx, cohort, request, answer.choice)


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
    """Move one session; its pending reminders are dropped and everyone is told (unless
    it already is at that time: then nothing changes). A move that clashes with other
    sessions is asked about first."""
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None or occurrence.cancelled:
        raise _no_such_session(ref)
    new_start = read_session_start(when_text, cohort, ctx.clock.now(), ctx.t)
    return await _move(ctx, cohort, MoveRequest(ref, new_start), ask=True)


async def _move(ctx: Context, cohort: Cohort, request: MoveRequest, *, ask: bool) -> list[Reply]:
    ref, new_start = request.ref, request.new_start
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None or occurrence.cancelled:
        raise _no_such_session(ref)
    t = ctx.t
    title = await occurrence_title(ctx.session, t, occurrence)
    if ask:
        clashes = find_clashes(
            [(new_start, occurrence.duration)],
            await sprint_calendar(ctx.session, cohort, without=ref),
        )
        if clashes:
            header = t._(
                "⚠️ Moved to {when}, *{title}* would clash with:",
                title=title,
                when=t.when(new_start, ctx.zone),
            )
            return [await _ask(ctx, cohort, request, clashes, header, t._("Move it anyway?"))]
    if new_start <= ctx.clock.now():  # a question answered after the moment passed
        raise CohortError(
            N_("That moment has already passed: {when}."), when=t.when(new_start, ctx.zone)
        )
    old_start = occurrence.starts_at
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    if new_start == old_start:
        # Not a change: its reminders stand and nobody is told anything.
        return [
            Reply(
                ctx.t._(
                    "{title} is already on {when}: nothing changed.",
                    title=title,
                    when=ctx.t.when(old_start, ctx.zone),
                )
            )
        ]
    await _change(ctx, occurrence, new_start=new_start)
    await drop_pending(ctx.session, ref, "moved")
    chats, people = await _told_of_changes(ctx, cohort, occurrence)
    await announce(
        ctx,
        SESSION_MOVED,
        f"{ref}:{int(new_start.timestamp())}",
        ref=ref,
        payload=MovedPayload(old_start),
        people=people,
        to_chats=bool(chats),
    )
    return [
        Reply(
            t._(
                "Done. New time for *{title}*: {when}. Everyone will be told.",
                title=title,
                when=t.when(new_start, ctx.zone),
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
    chats, people = await _told_of_changes(ctx, cohort, occurrence)
    await announce(
        ctx,
        SESSION_CANCELLED,
        ref,
        payload=CancelledPayload(),
        ref=ref,
        people=people,
        to_chats=bool(chats),
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


def _typed_ref(code: str, example: str) -> str:
    """The reference behind a code typed after /sesion mover|cancelar; none typed is asked for."""
    if not code.strip():
        raise CohortError(
            N_(
                "Write the code of the session, for example {example}. "
                "See the codes with /proximas."
            ),
            example=example,
        )
    return code_ref(code)


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


async def _told_of_changes(
    ctx: Context, cohort: Cohort, occurrence: Occurrence
) -> tuple[list[int], list[int]]:
    """(chat link ids, person ids) told that the occurrence moved or was cancelled: whoever
    gets its reminders, where they get them (the reminder planner's own audience rule) —
    the group chats, and privately the members who want private reminders; a check-in's
    team, privately. The keys of the person rows (`<kind>:<key>:p<person>`) are new for
    everyone but a check-in's team, whose keys stay what they were."""
    assert cohort.id is not None
    audience = (await audiences_of(ctx.session, [cohort.id]))[cohort.id]
    return audience.of_occurrence(occurrence)
