"""The attendance's planner: one pass per scheduler tick for both of its messages.

It reads the active cohorts' sessions once, over the window both need — from
the sessions that ended `followup.LOOK_BACK` ago (and a day, for the longest
ones) to those starting within `presence.PLAN_AHEAD` — and queues "Empezamos"
for those starting soon or under way and "Te extrañamos" for the absentees of
those that ended. Unique keys make planning twice harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import occurrences_of
from cohorte.handlers.agenda.reminders import active_cohorts, following_up_cohorts
from cohorte.handlers.attendance.followup import LOOK_BACK, missed_rows
from cohorte.handlers.attendance.presence import PLAN_AHEAD, started_rows, under_way_or_soon
from cohorte.scheduling.outbox import enqueue


async def plan_attendance(session: AsyncSession, now: datetime) -> None:
    """Queue the "Empezamos" and "Te extrañamos" messages that are due to be planned."""
    # "Te extrañamos" follows the last session too, after the cohort's closing message.
    cohorts = await following_up_cohorts(session, now, LOOK_BACK + timedelta(days=1))
    if not cohorts:
        return
    live = {cohort.id for cohort in await active_cohorts(session, now)}
    found = await occurrences_of(
        session, cohorts, now - LOOK_BACK - timedelta(days=1), now + PLAN_AHEAD
    )
    soon = {
        cohort_id: [o for o in occurrences if under_way_or_soon(o, now)]
        for cohort_id, occurrences in found.items()
        if cohort_id in live
    }
    ended = {
        o.ref: (cohort_id, o)
        for cohort_id, occurrences in found.items()
        for o in occurrences
        if o.ends_at <= now
    }
    planned = await started_rows(session, soon) + await missed_rows(session, ended)
    await enqueue(session, planned, now)
