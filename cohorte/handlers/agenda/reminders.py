"""Planning the reminders before every session (and, with them, the holiday warnings).

Planning: on every scheduler tick, each cohort's occurrences in the coming
days get one outbox row per (occurrence, start instant, lead time, recipient).
The start instant is part of the key, so a moved session gets fresh rows and
the old ones are dropped. A reminder whose time passed while the bot was down
is still sent (late) if the session has not started; once it has, the row is
dropped as stale. When several lead times have already passed (a session
added at short notice), only the latest one is sent. What people read is
rendered at send time (`cohorte.handlers.agenda.renderers`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.deliveries import REMINDER, ReminderPayload
from cohorte.handlers.agenda.leads import DEFAULT_LEADS, leads_for, reminder_due
from cohorte.handlers.agenda.occurrences import ensure_checkin_series_of, occurrences_of
from cohorte.handlers.agenda.public_holidays import (
    HOLIDAY_LOOKAHEAD,
    plan_holiday_warnings,
)
from cohorte.handlers.agenda.rsvp_nudge import checkin_nudge_rows
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import Occurrence, sprint_end
from cohorte.storage import planning
from cohorte.storage.cohorts import (
    chats_of_cohorts,
    coordinators_of,
    list_cohorts,
    live_cohorts,
    members_of_cohorts,
)
from cohorte.storage.models import Cohort
from cohorte.storage.outbox import reminder_counts

logger = logging.getLogger(__name__)


async def active_cohorts(session: AsyncSession, now: datetime) -> list[Cohort]:
    """Cohorts whose sprint has not ended yet (nor been closed or archived)."""
    return [
        cohort
        for cohort in await live_cohorts(session)
        if sprint_end(cohort.start_date, cohort.weeks) >= (now - timedelta(days=1)).date()
    ]


async def following_up_cohorts(
    session: AsyncSession, now: datetime, window: timedelta
) -> list[Cohort]:
    """Cohorts not archived whose sprint ended `window` ago at most (or goes on): their
    held sessions still get what follows them — "Te extrañamos", the feedback question —
    also after the closing message, which comes right after the last session."""
    return [
        cohort
        for cohort in await list_cohorts(session)
        if cohort.archived_at is None
        and sprint_end(cohort.start_date, cohort.weeks) >= (now - window).date() - timedelta(days=1)
    ]


@dataclass
class Audience:
    """Who a cohort's reminders go to."""

    chats: list[int] = field(default_factory=list)
    dm_people: list[int] = field(default_factory=list)  # members who want private reminders
    team_people: dict[int, list[int]] = field(default_factory=dict)  # team -> its members

    def of_occurrence(self, occurrence: Occurrence) -> tuple[list[int], list[int]]:
        """(chat link ids, person ids). Check-ins: their team only, privately; everything
        else: the group chats and the members who want private reminders."""
        if occurrence.kind == "checkin":
            return [], self.team_people.get(occurrence.team_id or -1, [])
        return self.chats, self.dm_people

    def size(self, occurrence: Occurrence) -> int:
        """How many rows each of the occurrence's reminders makes."""
        chats, people = self.of_occurrence(occurrence)
        return len(chats) + len(people)


async def audiences_of(session: AsyncSession, cohort_ids: list[int]) -> dict[int, Audience]:
    """The audience of many cohorts, in two queries."""
    audiences = {cohort_id: Audience() for cohort_id in cohort_ids}
    for member in await members_of_cohorts(session, cohort_ids):
        audience = audiences[member.cohort_id]
        if member.dm_reminders:
            audience.dm_people.append(member.person_id)
        if member.team_id is not None:
            audience.team_people.setdefault(member.team_id, []).append(member.person_id)
    for link in await chats_of_cohorts(session, cohort_ids):
        if link.id is not None:
            audiences[link.cohort_id].chats.append(link.id)
    return audiences


PLAN_CHUNK = 100  # cohorts planned together: bounds memory whatever the number of cohorts
# A planned cohort is planned again when its next session enters the horizon, when
# something that decides its reminders changes, and at the latest after this long
# (spread over a second such period by cohort): the safety net.
FULL_REPLAN = timedelta(minutes=10)
# How far past the horizon to look for the next session.
LOOKAHEAD = timedelta(days=2)


async def plan_reminders(session: AsyncSession, now: datetime) -> None:
    """Queue the reminders of the upcoming sessions of every active cohort that needs it.

    A cohort needs planning when it changed since it was last planned, or when
    its next session enters the horizon (`Cohort.replan_at`); a steady tick
    finds none and costs one query. Set-based and streamed: cohorts are
    planned in chunks, each with a handful of queries; occurrences whose
    reminders are all planned already are skipped after one aggregate query.
    Two weeks ahead, the same pass warns coordinators of public holidays.
    """
    cohorts = [
        cohort
        for cohort in await active_cohorts(session, now)
        if cohort.planned_version != cohort.plan_version
        or cohort.replan_at is None
        or cohort.replan_at <= now
    ]
    added = 0
    for start in range(0, len(cohorts), PLAN_CHUNK):
        chunk = cohorts[start : start + PLAN_CHUNK]
        # Check-in series a team's slot asks for are part of the plan: made (and flushed)
        # first, so that the version recorded below includes them.
        await ensure_checkin_series_of(session, chunk, now)
        versions = await planning.plan_versions(session, [c.id for c in chunk if c.id])
        new, next_session = await _plan_chunk(session, chunk, now)
        added += new
        for cohort in chunk:
            assert cohort.id is not None
            replan_at = _replan_at(cohort.id, next_session.get(cohort.id), now)
            await planning.mark_planned(session, cohort.id, versions[cohort.id], replan_at)
    if added:
        logger.info("planned %d reminders", added)


def _replan_at(cohort_id: int, next_session: datetime | None, now: datetime) -> datetime:
    """When the next session enters the horizon, or the safety net (spread by cohort)."""
    latest = now + FULL_REPLAN + timedelta(seconds=cohort_id * 37 % FULL_REPLAN.seconds)
    return min(latest, next_session) if next_session is not None else latest


async def _plan_chunk(
    session: AsyncSession, cohorts: list[Cohort], now: datetime
) -> tuple[int, dict[int, datetime]]:
    """Plan one chunk's reminders and holiday warnings; returns how many rows are new
    and, per cohort, when its next session enters the horizon."""
    margin = timedelta(hours=1)
    horizon = max(max(leads_for(c, kind) or [0]) for c in cohorts for kind in DEFAULT_LEADS)
    window_end = now + timedelta(minutes=horizon) + margin
    # One read of every session that matters for this pass: the reminder window, the
    # next session after it, the holiday look-ahead.
    upcoming = await occurrences_of(
        session, cohorts, now, max(window_end + LOOKAHEAD, now + HOLIDAY_LOOKAHEAD)
    )
    found = {cid: [o for o in found if o.starts_at < window_end] for cid, found in upcoming.items()}
    next_session = {
        cohort_id: min(later) - timedelta(minutes=horizon) - margin
        for cohort_id, occurrences in upcoming.items()
        if (later := [o.starts_at for o in occurrences if o.starts_at >= window_end])
    }
    holidays_ahead = {
        cohort_id: [o for o in occurrences if o.starts_at < now + HOLIDAY_LOOKAHEAD]
        for cohort_id, occurrences in upcoming.items()
    }
    added = await plan_holiday_warnings(session, cohorts, holidays_ahead, now)
    busy = [cohort_id for cohort_id, occurrences in found.items() if occurrences]
    if not busy:
        return added, next_session
    audiences = await audiences_of(session, busy)
    already = await reminder_counts(session, [o.ref for c in busy for o in found[c]])
    planned: list[Planned] = []
    coordinators: dict[int, list[int]] | None = None
    for cohort in cohorts:
        assert cohort.id is not None
        for occurrence in found.get(cohort.id, []):
            audience = audiences[cohort.id]
            have = already.get((occurrence.ref, occurrence.starts_at), 0)
            if have < len(lead_times(cohort, occurrence, now)) * audience.size(occurrence):
                planned += plan_occurrence(cohort, occurrence, audience, now)
            if occurrence.kind == "checkin":
                # "Nobody confirmed yet" (sent only if so), which may take the place of the
                # day-before reminder: planned whenever the cohort is, not only with new
                # reminder rows, so that reminders planned before it existed get it too.
                if coordinators is None:
                    coordinators = await coordinators_of(session, busy)
                _, team = audience.of_occurrence(occurrence)
                planned += checkin_nudge_rows(
                    cohort.id, occurrence, team, coordinators.get(cohort.id, []), now
                )
    return added + await enqueue(session, planned, now), next_session


def lead_times(cohort: Cohort, occurrence: Occurrence, now: datetime) -> list[int]:
    """The lead times still worth a reminder: all future ones, and of those already
    passed only the latest (smallest)."""
    leads = leads_for(cohort, occurrence.kind)
    due = [lead for lead in leads if reminder_due(occurrence, lead) <= now]
    return [lead for lead in leads if lead not in due] + due[:1]


def plan_occurrence(
    cohort: Cohort, occurrence: Occurrence, audience: Audience, now: datetime
) -> list[Planned]:
    """The reminder rows of one occurrence (pure)."""
    assert cohort.id is not None
    start = occurrence.starts_at
    keep = lead_times(cohort, occurrence, now)
    chats, people = audience.of_occurrence(occurrence)
    stamp = int(start.timestamp())
    planned = []
    for lead in keep:
        due = reminder_due(occurrence, lead)
        payload = ReminderPayload(start, lead)
        base = f"rem:{occurrence.ref}:{stamp}:{lead}"
        planned += [
            REMINDER.plan(
                f"{base}:c{link_id}",
                cohort.id,
                due,
                payload,
                expires_at=start,
                chat_link_id=link_id,
                ref=occurrence.ref,
            )
            for link_id in chats
        ]
        planned += [
            REMINDER.plan(
                f"{base}:p{person_id}",
                cohort.id,
                due,
                payload,
                expires_at=start,
                person_id=person_id,
                ref=occurrence.ref,
            )
            for person_id in people
        ]
    return planned
