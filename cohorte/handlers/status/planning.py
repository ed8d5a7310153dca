"""What the scheduler queues for deliverable status: check-in prompts, digests and nudges.

The planners run on every tick; each message's key names its occasion, so
planning again never queues it twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences, ensure_checkin_series
from cohorte.handlers.status.board import Board, Cell, load_board
from cohorte.handlers.status.deliveries import (
    CHECKIN_DIGEST,
    CHECKIN_PROMPT,
    STATUS_NUDGE,
    CheckinPayload,
    TeamPeriodPayload,
)
from cohorte.handlers.status.rules import (
    CHECKIN_DIGEST_LEAD,
    CHECKIN_PROMPT_DAYS,
    DRAFT_LIFETIME,
    NUDGE_HORIZON,
    checkin_prompt_time,
    is_commitment,
    local_today,
    row_id,
    working_moment,
)
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import sprint_end
from cohorte.storage.cohorts import live_cohorts, members_with_people, teams_of
from cohorte.storage.models import Cohort, Role, Team
from cohorte.storage.status import sweep_drafts

logger = logging.getLogger(__name__)


async def active_cohorts(session: AsyncSession, now: datetime) -> list[Cohort]:
    """Cohorts from a week before their start to a week after their end, until they are
    closed or archived."""
    today = now.date()
    return [
        cohort
        for cohort in await live_cohorts(session)
        if cohort.start_date - timedelta(days=7)
        <= today
        <= sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=7)
    ]


async def plan_checkins(session: AsyncSession, now: datetime) -> None:
    """Queue the async check-in (to the team) and its digest (to coordinators).

    The key holds the session's start instant, so a moved check-in gets fresh
    messages; the renderers drop those of a session that moved or was cancelled.
    """
    for cohort in await active_cohorts(session, now):
        cohort_id = row_id(cohort.id)
        await ensure_checkin_series(session, cohort, now)
        window_end = now + timedelta(days=CHECKIN_PROMPT_DAYS + 1)
        occurrences = [
            o
            for o in await cohort_occurrences(session, cohort, now, window_end)
            if o.kind == "checkin" and o.team_id is not None
        ]
        if not occurrences:
            continue
        teams = {team.id: team for team in await teams_of(session, cohort_id)}
        members = await members_with_people(session, cohort_id)
        coordinators = [row_id(p.id) for m, p in members if m.role == Role.COORDINATOR]
        planned: list[Planned] = []
        for occurrence in occurrences:
            team = teams.get(occurrence.team_id)
            if team is None:
                continue
            start = occurrence.starts_at
            stamp = int(start.timestamp())
            digest_at = start - CHECKIN_DIGEST_LEAD
            prompt_at = checkin_prompt_time(start, team.zone)
            payload = CheckinPayload(start, row_id(team.id))
            if prompt_at < digest_at:
                for member, person in members:
                    if member.team_id == team.id:
                        planned.append(
                            CHECKIN_PROMPT.plan(
                                f"st-ci:{occurrence.ref}:{stamp}:p{person.id}",
                                cohort_id,
                                prompt_at,
                                payload,
                                expires_at=digest_at,
                                person_id=person.id,
                                ref=occurrence.ref,
                            )
                        )
            for person_id in coordinators:
                planned.append(
                    CHECKIN_DIGEST.plan(
                        f"st-cd:{occurrence.ref}:{stamp}:p{person_id}",
                        cohort_id,
                        digest_at,
                        payload,
                        expires_at=start,
                        person_id=person_id,
                        ref=occurrence.ref,
                    )
                )
        added = await enqueue(session, planned, now)
        if added:
            logger.info("planned %d check-in messages for cohort %s", added, cohort_id)


def nudge_items(board: Board, team: Team) -> list[Cell]:
    """Open work of the team due within two weeks (overdue included), earliest first."""
    horizon = local_today(board.now, team.zone) + NUDGE_HORIZON
    cells = [
        cell
        for cell in board.team_cells(team)
        if cell.due is not None
        and cell.due <= horizon
        and is_commitment(cell.deliverable, cell.status)
    ]
    return sorted(cells, key=lambda cell: (cell.due or date.max, cell.deliverable.position))


def silent_since(board: Board, team: Team) -> tuple[datetime, int]:
    """Since when the team has said nothing, and the id of its last update (0: never)."""
    last = board.last_update_of(team)
    if last is not None:
        return last.created_at, row_id(last.id)
    start = datetime.combine(board.cohort.start_date, time(0), tzinfo=ZoneInfo(team.zone))
    return start.astimezone(UTC), 0


async def teams_to_nudge(
    session: AsyncSession, cohort: Cohort, now: datetime
) -> list[tuple[Team, int]]:
    """Teams silent for `nudge_after_days` with open work due within two weeks.

    Returns (team, id of its last update): the pair names the silent period,
    so each period is nudged once however often this runs.
    """
    board = await load_board(session, cohort, now)
    found = []
    for team in board.teams:
        since, period = silent_since(board, team)
        if now - since < timedelta(days=cohort.nudge_after_days):
            continue
        if nudge_items(board, team):
            found.append((team, period))
    return found


async def plan_nudges(session: AsyncSession, now: datetime) -> None:
    """Queue one nudge per silent period to the members of each quiet team."""
    for cohort in await active_cohorts(session, now):
        if now.date() > sprint_end(cohort.start_date, cohort.weeks):
            continue
        cohort_id = row_id(cohort.id)
        quiet = await teams_to_nudge(session, cohort, now)
        if not quiet:
            continue
        members = await members_with_people(session, cohort_id)
        planned = []
        for team, period in quiet:
            due = working_moment(now, team.zone)
            for member, person in members:
                if member.team_id != team.id:
                    continue
                planned.append(
                    STATUS_NUDGE.plan(
                        f"st-nudge:{team.id}:{period}:p{person.id}",
                        cohort_id,
                        due,
                        TeamPeriodPayload(row_id(team.id), period),
                        expires_at=due + timedelta(days=2),
                        person_id=person.id,
                        ref=f"team{team.id}",
                    )
                )
        added = await enqueue(session, planned, now)
        if added:
            logger.info("planned %d nudges for cohort %s", added, cohort_id)


async def sweep_old_drafts(session: AsyncSession, now: datetime) -> None:
    """Forget one-line report drafts nobody resolved within a day."""
    await sweep_drafts(session, now - DRAFT_LIFETIME)
