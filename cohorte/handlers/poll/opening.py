"""Opening a poll: `/encuesta nueva ...` typed in one line, or the guided form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.messages import Button, FieldKind, Form, FormField, Reply
from cohorte.handlers.core.platforms import privately_reachable
from cohorte.handlers.poll.announcements import POLL_MESSAGE, PollPayload, poll_ref
from cohorte.handlers.poll.routes import NEW_FORM, POLL_FORM, CohortButton
from cohorte.handlers.poll.syntax import (
    CandidateSlot,
    PollSyntaxError,
    parse_poll_command,
    parse_slots,
)
from cohorte.handlers.poll.view import PURPOSE, load_poll, open_poll_of
from cohorte.handlers.poll.weekly import local_date, personal_slot
from cohorte.locales import N_
from cohorte.scheduling.recurrence import to_utc
from cohorte.storage import agenda as calendar_rows
from cohorte.storage import polls
from cohorte.storage.cohorts import chats_of, cohort_by_id, membership
from cohorte.storage.models import Cohort
from cohorte.storage.polls import Poll
from cohorte.storage.series import SeriesKind

DEFAULT_DURATION = 60
FORM_DEADLINE_TIME = time(18, 0)


async def new_poll(ctx: Context, args: str) -> list[Reply]:
    """/encuesta nueva ...: open a poll; alone, a guided form."""
    cohort, _ = ctx.require_coordinator()
    if not args.strip():
        return [new_poll_form(ctx, cohort)]
    now = ctx.clock.now()
    spec = parse_poll_command(args, cohort.home_zone, now)
    return await open_poll(
        ctx,
        cohort,
        spec.title,
        spec.slots,
        spec.deadline,
        spec.duration_minutes or DEFAULT_DURATION,
    )


def new_poll_form(ctx: Context, cohort: Cohort) -> Reply:
    """The guided form: slots as text, deadline and duration with buttons, optional title."""
    t = ctx.t
    home = cohort.home_zone
    today = local_date(ctx.clock.now(), home)
    deadlines = []
    for days in (2, 3, 7):
        day = today + timedelta(days=days)
        when = t.when(to_utc(day, FORM_DEADLINE_TIME, home), home)
        deadlines.append((day.isoformat(), when))
    deadlines.append(("-", t._("No deadline (I will close it myself)")))
    durations = (
        ("60", t._("1 hour")),
        ("90", t._("1 hour 30 minutes")),
        ("120", t._("2 hours")),
    )
    form = Form(
        title=t._("New weekly session poll"),
        submit=POLL_FORM.payload(CohortButton(cohort.id or 0)),
        fields=(
            FormField(
                "slots",
                t._(
                    "Which weekly times do you propose? Write days and times in {zone}, "
                    "separated by commas, for example: martes 10:00, miércoles 16:00, jueves 9:30",
                    zone=t.zone_label(home),
                ),
                max_length=300,
            ),
            FormField(
                "deadline",
                t._("When does voting close?"),
                FieldKind.CHOICE,
                tuple(deadlines),
            ),
            FormField("duration", t._("How long is each session?"), FieldKind.CHOICE, durations),
            FormField(
                "title",
                t._("A title for the poll? (Skip: “{title}”)", title=t._("Weekly session")),
                required=False,
                max_length=120,
            ),
        ),
    )
    return Reply(t._("Let's open the poll for the weekly session."), form=form)


async def press_new_form(ctx: Context, button: CohortButton) -> list[Reply]:
    """'Try again' after a form answer that could not be read: the form again."""
    cohort = await coordinated_cohort(ctx, button.cohort)
    return [new_poll_form(ctx, cohort)]


async def submit_poll_form(ctx: Context, form: CohortButton) -> list[Reply]:
    """The guided form (or Slack modal) came back: open the poll it describes."""
    cohort = await coordinated_cohort(ctx, form.cohort)
    values = ctx.incoming.form_values or {}
    try:
        slots = parse_slots(values.get("slots", ""))
    except PollSyntaxError as error:
        retry = Button(ctx.t._("Try again"), NEW_FORM.payload(CohortButton(cohort.id or 0)))
        return [Reply(error.render(ctx.t), ((retry,),))]
    deadline = None
    if values.get("deadline", "-") not in ("", "-"):
        day = date.fromisoformat(values["deadline"])
        deadline = datetime.combine(day, FORM_DEADLINE_TIME, ZoneInfo(cohort.home_zone))
    duration = int(values.get("duration") or DEFAULT_DURATION)
    if not 15 <= duration <= 480:
        raise ValueError(f"duration out of range: {duration}")
    title = " ".join(values.get("title", "").split())[:120] or None
    return await open_poll(ctx, cohort, title, slots, deadline, duration)


async def coordinated_cohort(ctx: Context, cohort_id: int) -> Cohort:
    """The cohort of a coordinator's button, checking the presser coordinates it."""
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    cohort = await cohort_by_id(ctx.session, cohort_id)
    member = await membership(ctx.session, cohort_id, ctx.person.id)
    if cohort is None or member is None:
        raise StaleButtonError()
    ctx.cohort, ctx.member = cohort, member
    ctx.require_coordinator()
    return cohort


async def open_poll(
    ctx: Context,
    cohort: Cohort,
    title: str | None,
    slots: Sequence[CandidateSlot],
    deadline: datetime | None,
    duration: int,
) -> list[Reply]:
    """Create the poll, post it to the cohort's chats and send each participant a ballot."""
    assert cohort.id is not None
    t = ctx.t
    now = ctx.clock.now()
    if deadline is not None and deadline <= now:
        raise PollSyntaxError(
            N_("The deadline {when} has already passed."),
            when=t.when(deadline, cohort.home_zone),
        )
    existing = await open_poll_of(ctx.session, cohort.id)
    if existing is not None:
        raise _already_open(existing)
    # One open poll per cohort and purpose, even when two coordinators race.
    poll_id = await polls.open_new_poll(
        ctx.session,
        cohort_id=cohort.id,
        purpose=PURPOSE,
        title=title or t._("Weekly session"),
        zone=cohort.home_zone,
        duration_minutes=duration,
        deadline=deadline.astimezone(UTC) if deadline else None,
        created_by=ctx.person.id if ctx.person else None,
        now=now,
    )
    if poll_id is None:
        existing = await open_poll_of(ctx.session, cohort.id)
        raise _already_open(existing)
    await polls.add_slots(
        ctx.session, poll_id, [(slot.weekday, slot.local_time) for slot in sorted(slots)]
    )
    poll = await polls.poll_by_id(ctx.session, poll_id)
    assert poll is not None
    view = await load_poll(ctx.session, poll, calendar=False)
    participants = [person.id for _, person in view.expected() if person.id is not None]
    ballots_to = await privately_reachable(ctx.session, ctx.platforms, participants)
    ctx.cohort = cohort
    await announce(
        ctx,
        POLL_MESSAGE,
        f"{poll_id}:open",
        ref=poll_ref(poll_id),
        payload=PollPayload(poll_id),
        people=ballots_to,
    )
    lines = [
        t.ngettext(
            "Done: the poll “{title}” is open with {n} time.",
            "Done: the poll “{title}” is open with {n} times.",
            len(slots),
            title=poll.title,
        )
    ]
    if poll.deadline is not None:
        lines.append(t._("It closes on {when}.", when=t.when(poll.deadline, ctx.zone)))
    else:
        lines.append(t._("It has no deadline: close it with /encuesta cerrar."))
    chats = await chats_of(ctx.session, cohort.id)
    if chats:
        lines.append(t._("I posted it in the cohort's group chat."))
    else:
        lines.append(
            t._("The cohort has no group chat yet: link one with /vincular CODIGO in the group.")
        )
    lines.append(
        t.ngettext(
            "{n} participant got their ballot privately; everyone can also use /votar.",
            "{n} participants got their ballot privately; everyone can also use /votar.",
            len(ballots_to),
        )
    )
    for running in await calendar_rows.running_series(ctx.session, cohort.id, SeriesKind.SESSION):
        instant = to_utc(running.first_date, running.local_time, running.zone)
        lines.append(
            t._(
                "The weekly session is already every {slot}: confirming this poll replaces "
                "it from its next session on.",
                slot=personal_slot(t, [instant], ctx.zone),
            )
        )
    return [Reply("\n".join(lines))]


def _already_open(poll: Poll | None) -> CohortError:
    return CohortError(
        N_(
            "There is already an open poll: “{title}”. Close it with /encuesta cerrar "
            "or cancel it with /encuesta cancelar before opening another one."
        ),
        title=poll.title if poll else "",
    )
