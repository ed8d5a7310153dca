"""The poll's planner, run by the scheduler every tick (also after a restart).

It closes polls past their deadline, nudges participants who have not answered
every slot 24 hours before it, and tells the coordinators once when everyone
has answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.platforms import Platforms, privately_reachable
from cohorte.handlers.poll.announcements import (
    POLL_ALL_VOTED,
    POLL_NUDGE,
    PollPayload,
    plan_deliveries,
    poll_ref,
)
from cohorte.handlers.poll.closing import close_poll
from cohorte.handlers.poll.view import PollView, load_poll
from cohorte.storage import polls
from cohorte.storage.cohorts import live_cohorts
from cohorte.storage.polls import Poll

NUDGE_BEFORE = timedelta(hours=24)


def nudge_time(poll: Poll) -> datetime | None:
    """24 h before the deadline, or halfway through for polls shorter than two days."""
    if poll.deadline is None:
        return None
    return max(
        poll.deadline - NUDGE_BEFORE, poll.created_at + (poll.deadline - poll.created_at) / 2
    )


async def plan_polls(session: AsyncSession, now: datetime, *, platforms: Platforms) -> None:
    """Every tick: close polls past their deadline, nudge late voters, tell coordinators
    (`platforms`: who can be written to privately)."""
    live = {cohort.id for cohort in await live_cohorts(session)}
    for poll in await polls.open_polls(session):
        assert poll.id is not None
        if poll.cohort_id not in live:
            continue  # an ended or archived cohort sends nothing more
        if poll.deadline is not None and now >= poll.deadline:
            await close_poll(session, poll, now, platforms=platforms)
            continue
        view = await load_poll(session, poll, calendar=False)
        if not poll.all_voted_notified and view.everyone_answered():
            await _tell_coordinators_everyone_answered(session, platforms, view, now)
        nudge_at = nudge_time(poll)
        if nudge_at is not None and now >= nudge_at and view.missing():
            late = [person.id for _, person, _ in view.missing() if person.id is not None]
            await plan_deliveries(
                session,
                poll.cohort_id,
                POLL_NUDGE,
                str(poll.id),
                now,
                ref=poll_ref(poll.id),
                payload=PollPayload(poll.id),
                people=late,
                to_chats=False,
                expires_at=poll.deadline,
            )


async def _tell_coordinators_everyone_answered(
    session: AsyncSession, platforms: Platforms, view: PollView, now: datetime
) -> None:
    if not await polls.claim_all_voted_notice(session, view.id):
        return
    await plan_deliveries(
        session,
        view.poll.cohort_id,
        POLL_ALL_VOTED,
        str(view.id),
        now,
        ref=f"poll:{view.id}:all",
        payload=PollPayload(view.id),
        people=await privately_reachable(session, platforms, view.coordinator_ids()),
        to_chats=False,
    )
