"""Closing a poll, choosing its slot and confirming it, or cancelling it.

The planner closes a poll at its deadline (`planning.py`), a coordinator with
`/encuesta cerrar`; either way the rule proposes a winner. A coordinator then
confirms it or picks another slot (asked first when it clashes with the sprint's
other sessions), which becomes the weekly session series from the following
week, in place of the running one, announced to everyone in their own time.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.clashes import (
    Clash,
    ClashChoice,
    clash_buttons,
    clash_question,
    local_dates,
    skippable,
)
from cohorte.handlers.agenda.occurrences import set_weekly_session
from cohorte.handlers.agenda.weekly import weekly_notes
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.core.platforms import Platforms, privately_reachable
from cohorte.handlers.poll.announcements import (
    POLL_CLOSED,
    POLL_CONFIRMED,
    POLL_MESSAGE,
    ConfirmedPayload,
    PollPayload,
    plan_deliveries,
    poll_ref,
)
from cohorte.handlers.poll.audience import audience_for
from cohorte.handlers.poll.opening import coordinated_cohort
from cohorte.handlers.poll.render import choose_buttons, results_text
from cohorte.handlers.poll.routes import CONFIRM_CLASHING, ClashingSlot, SlotButton
from cohorte.handlers.poll.view import (
    NoPollError,
    PollClosedError,
    PollView,
    latest_poll_of,
    load_poll,
    open_poll_of,
)
from cohorte.handlers.poll.weekly import (
    expected_start,
    local_date,
    occurrences,
    personal_slot,
    series_start,
    slot_clashes,
)
from cohorte.locales import N_
from cohorte.scheduling.outbox import drop_pending
from cohorte.scheduling.recurrence import to_utc
from cohorte.storage import polls
from cohorte.storage.models import Cohort
from cohorte.storage.polls import Poll, PollSlot, PollState

logger = logging.getLogger(__name__)


async def close_poll(
    session: AsyncSession,
    poll: Poll,
    now: datetime,
    *,
    platforms: Platforms,
    closed_by: int | None = None,
) -> PollView | None:
    """Close an open poll (once, even with several processes), propose the winner, announce.

    `platforms` says which coordinators can be written to privately. Returns None when
    the poll was not open any more (someone else closed it).
    """
    assert poll.id is not None
    if not await polls.close_if_open(session, poll, now):
        return None
    view = await load_poll(session, poll)
    poll.winner_slot_id = view.winner.slot_id if view.winner else None
    await polls.save_poll(session, poll)
    await drop_pending(session, poll_ref(poll.id), "poll closed")
    payload = PollPayload(poll.id)
    # The group message loses its buttons first, then the result follows.
    await plan_deliveries(
        session,
        poll.cohort_id,
        POLL_MESSAGE,
        f"{poll.id}:final",
        now,
        ref=f"poll:{poll.id}:final",
        payload=payload,
        people=[],
        to_chats=True,
    )
    await plan_deliveries(
        session,
        poll.cohort_id,
        POLL_CLOSED,
        str(poll.id),
        now,
        ref=f"poll:{poll.id}:closed",
        payload=payload,
        # Coordinators who cannot be written to privately see the group's copy.
        people=await privately_reachable(
            session, platforms, view.coordinator_ids(besides=closed_by)
        ),
        to_chats=True,
    )
    logger.info("closed poll %s (winner slot %s)", poll.id, poll.winner_slot_id)
    return view


async def close_by_command(ctx: Context) -> list[Reply]:
    """/encuesta cerrar: close now; the closer gets the result with the confirm buttons."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll to close."))
    view = await close_poll(
        ctx.session,
        poll,
        ctx.clock.now(),
        platforms=ctx.platforms,
        closed_by=ctx.person.id if ctx.person else None,
    )
    if view is None:
        raise PollClosedError()
    ctx.outbox_dirty = True
    audience = await audience_for(ctx, cohort)
    t = ctx.t
    text = "\n".join(
        [
            t._("Done: the poll is closed."),
            "",
            results_text(audience, view),
            "",
            t._("Confirm the proposed time or choose another one (or write /encuesta elegir N)."),
        ]
    )
    return [Reply(text, choose_buttons(audience, view))]


async def _decidable_poll(ctx: Context, cohort: Cohort) -> Poll:
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise NoPollError()
    if poll.state == PollState.OPEN:
        raise CohortError(
            N_("The poll is still open. Close it first with /encuesta cerrar, then choose.")
        )
    return poll


async def choose_by_command(ctx: Context, args: str) -> list[Reply]:
    """/encuesta elegir N: make slot N the weekly session."""
    cohort, _ = ctx.require_coordinator()
    poll = await _decidable_poll(ctx, cohort)
    view = await load_poll(ctx.session, poll)
    text = args.strip().lstrip("#")
    slot = view.slot_at(int(text)) if text.isdigit() and len(text) < 4 else None
    if slot is None:
        raise CohortError(
            N_("Write the number of the time, from 1 to {count}, for example: /encuesta elegir 2"),
            count=len(view.slots),
        )
    return await confirm_slot(ctx, view, slot)


async def confirm_by_command(ctx: Context) -> list[Reply]:
    """/encuesta confirmar: make the proposed slot the weekly session."""
    cohort, _ = ctx.require_coordinator()
    poll = await _decidable_poll(ctx, cohort)
    view = await load_poll(ctx.session, poll)
    slot = view.slot(poll.winner_slot_id)
    if slot is None:
        raise CohortError(N_("There is no proposed time. Choose one with /encuesta elegir N."))
    return await confirm_slot(ctx, view, slot)


async def press_choose(ctx: Context, button: SlotButton) -> list[Reply]:
    """A coordinator's 'Confirm' / 'Choose' button: that slot becomes the weekly session."""
    view, slot = await _pressed_slot(ctx, button.poll, button.slot)
    return await confirm_slot(ctx, view, slot)


async def press_confirm_clashing(ctx: Context, button: ClashingSlot) -> list[Reply]:
    """'Yes, without those sessions' / 'Yes, anyway' when the slot to confirm clashes."""
    if button.choice == ClashChoice.DROP:
        raise StaleButtonError()  # never offered: a poll is left as it is by not answering
    view, slot = await _pressed_slot(ctx, button.poll, button.slot)
    return await confirm_slot(ctx, view, slot, button.choice)


async def _pressed_slot(ctx: Context, poll_id: int, slot_id: int) -> tuple[PollView, PollSlot]:
    """The poll and slot of a coordinator's button, checking the poll can be decided."""
    poll = await polls.poll_by_id(ctx.session, poll_id)
    if poll is None or poll.state == PollState.CANCELLED:
        raise PollClosedError(N_("This poll was cancelled."))
    await coordinated_cohort(ctx, poll.cohort_id)
    if poll.state == PollState.OPEN:
        raise CohortError(
            N_("The poll is still open. Close it first with /encuesta cerrar, then choose.")
        )
    view = await load_poll(ctx.session, poll)
    slot = view.slot(slot_id)
    if slot is None:
        raise StaleButtonError()
    return view, slot


async def confirm_slot(
    ctx: Context, view: PollView, slot: PollSlot, choice: ClashChoice | None = None
) -> list[Reply]:
    """The chosen slot becomes the weekly session series from next week, in place of the
    running one; everyone is told.

    A slot that clashes with the sprint's other sessions is first put to the
    coordinator (`choice` None): they confirm it anyway (`KEEP`) or without the
    weeks that fall on a Masterclass or the Showtime (`SKIP`).
    """
    session = ctx.session
    poll = view.poll
    cohort = view.cohort
    assert poll.id is not None and cohort.id is not None
    t = ctx.t
    now = ctx.clock.now()
    assert slot.id is not None
    start = series_start(cohort, local_date(now, cohort.home_zone))
    clashes = slot_clashes(view, slot, start)
    already = poll.state == PollState.CONFIRMED and poll.winner_slot_id == slot.id
    if clashes and choice is None and not already:
        return [_clash_question(ctx, view, slot, start, clashes)]
    # Claim the decision atomically, so that a double click creates one series.
    if not await polls.claim_confirmation(session, poll, slot.id):
        if poll.state == PollState.CONFIRMED and poll.winner_slot_id == slot.id:
            instant = occurrences(view, slot, expected_start(view, now))[0]
            return [
                Reply(
                    t._(
                        "The weekly session is already every {slot}.",
                        slot=personal_slot(t, [instant], ctx.zone),
                    )
                )
            ]
        raise PollClosedError()
    skip = local_dates(skippable(clashes), poll.zone) if choice == ClashChoice.SKIP else []
    series = await set_weekly_session(
        session,
        cohort,
        slot.weekday,
        slot.local_time,
        poll.zone,
        poll.duration_minutes,
        start,
        now,
        skip=skip,
    )
    poll.series_id = series.id
    await polls.save_poll(session, poll)
    ctx.cohort = cohort
    everyone = [person.id for _, person in view.members if person.id is not None]
    assert series.id is not None
    await announce(
        ctx,
        POLL_CONFIRMED,
        f"{poll.id}:s{series.id}",
        ref=f"poll:{poll.id}:confirmed",
        payload=ConfirmedPayload(poll.id, series.id),
        people=await privately_reachable(session, ctx.platforms, everyone),
    )
    zone = ctx.zone
    first = to_utc(series.first_date, series.local_time, series.zone)
    lines = [
        t._(
            "Done: the weekly session is every {slot}, starting {first}. "
            "I am letting everyone know.",
            slot=personal_slot(t, [first], zone),
            first=t.date(local_date(first, zone)),
        ),
        *await weekly_notes(session, t, series, zone),
    ]
    return [Reply("\n".join(lines))]


def _clash_question(
    ctx: Context, view: PollView, slot: PollSlot, start: date, clashes: list[Clash]
) -> Reply:
    """The slot clashes: confirm it anyway, or without the weeks on one-off sessions?"""
    t = ctx.t
    instants = occurrences(view, slot, start)
    text = clash_question(
        t,
        t._(
            "⚠️ {slot} clashes with other sessions of the sprint:",
            slot=personal_slot(t, instants, ctx.zone),
        ),
        clashes,
        ctx.zone,
        view.team_names(),
        t._("Confirm it anyway? (Or choose another time with /encuesta elegir N.)"),
        weekly=True,
    )

    def payload(choice: ClashChoice) -> str:
        return CONFIRM_CLASHING.payload(ClashingSlot(view.id, slot.id or 0, choice))

    return Reply(text, clash_buttons(t, payload, clashes, weekly=True, drop=False))


async def cancel_poll(ctx: Context) -> list[Reply]:
    """/encuesta cancelar: the open poll is cancelled; its buttons stop working."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll to cancel."))
    assert poll.id is not None
    now = ctx.clock.now()
    if not await polls.cancel_if_open(ctx.session, poll.id, now):
        raise PollClosedError()
    await drop_pending(ctx.session, poll_ref(poll.id), "poll cancelled")
    ctx.cohort = cohort
    await announce(
        ctx,
        POLL_MESSAGE,
        f"{poll.id}:cancelled",
        ref=f"poll:{poll.id}:final",
        payload=PollPayload(poll.id),
    )
    return [Reply(ctx.t._("Done: the poll “{title}” is cancelled.", title=poll.title))]
