"""The end of a cohort: after its last session, a closing message to the cohort's chats
with the summary of the sprint; from then on the planners skip it (`storage.cohorts.
live_cohorts`) and what was still queued for it is dropped — but what follows the
sessions it held (`AFTER_THE_END`, planned from `agenda.reminders.following_up_cohorts`).

The closing message is planned once: `Cohort.ended_at` is set in the same transaction,
and its dedupe key names the cohort.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import occurrences_of
from cohorte.handlers.attendance.matrix import load_attendance
from cohorte.handlers.core.delivery import RenderContext, occasion_rows
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.dashboard.summary import cohort_summary
from cohorte.handlers.status.board import load_board
from cohorte.scheduling.outbox import enqueue
from cohorte.scheduling.recurrence import sprint_end, to_utc
from cohorte.storage.cohorts import chats_of, live_cohorts, members_with_people
from cohorte.storage.models import Cohort
from cohorte.storage.outbox import drop_pending_of_cohort

logger = logging.getLogger(__name__)

# A closing found later than this after the last session (the bot was off, or the
# cohort was imported after its sprint) ends the cohort without a message: news that
# old would only confuse.
CLOSING_WINDOW = timedelta(days=7)


# What still goes once the cohort has ended: the closing message itself, and what
# follows the sessions it held (the last one ends the cohort): the feedback question and
# its nudge, "Te extrañamos", a recording added afterwards.
AFTER_THE_END = (
    DeliveryKind.COHORT_CLOSED.value,
    DeliveryKind.FEEDBACK_ASK.value,
    DeliveryKind.FEEDBACK_NUDGE.value,
    DeliveryKind.SESSION_MISSED.value,
    DeliveryKind.MATERIAL_ADDED.value,
)


@dataclass(frozen=True)
class ClosingPayload(Payload):
    """How many sessions the cohort held (counted when the closing was planned)."""

    sessions: int


COHORT_CLOSED = DeliveryType(DeliveryKind.COHORT_CLOSED, ClosingPayload)


async def last_session_end(session: AsyncSession, cohort: Cohort) -> tuple[datetime, int]:
    """When the cohort's last session (the Showtime, or the last one of the last week)
    ends, and how many sessions it holds; without sessions, the end of the sprint's last
    day in its home zone."""
    start = to_utc(cohort.start_date, time(0), cohort.home_zone)
    last_day = sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=1)
    end = to_utc(last_day, time(0), cohort.home_zone)
    assert cohort.id is not None
    found = (await occurrences_of(session, [cohort], start, end)).get(cohort.id, [])
    sessions = [o for o in found if o.kind != "checkin"]
    if not sessions:
        return end, 0
    return max(o.ends_at for o in sessions), len(sessions)


async def plan_closing(session: AsyncSession, now: datetime) -> None:
    """Every tick: a cohort whose last session has ended gets its closing message, is
    marked ended, and what was still queued for it is dropped (more than a week after
    that session, it is only marked ended)."""
    for cohort in await live_cohorts(session):
        if now.date() < sprint_end(cohort.start_date, cohort.weeks) - timedelta(weeks=1):
            continue  # cheap: the last week has not even begun
        ends, held = await last_session_end(session, cohort)
        if now < ends:
            continue
        assert cohort.id is not None
        cohort.ended_at = now
        session.add(cohort)
        dropped = await drop_pending_of_cohort(
            session, cohort.id, "the cohort ended", besides=AFTER_THE_END
        )
        if now - ends > CLOSING_WINDOW:
            logger.info(
                "cohort %s ended long ago: marked ended without a closing message", cohort.id
            )
            continue
        chats = [link.id for link in await chats_of(session, cohort.id) if link.id is not None]
        # Without a group chat every member is told privately.
        people = (
            []
            if chats
            else [p.id for _, p in await members_with_people(session, cohort.id) if p.id]
        )
        planned = occasion_rows(
            COHORT_CLOSED,
            str(cohort.id),
            cohort.id,
            now,
            ClosingPayload(held),
            chats=chats,
            people=people,
            expires_at=ends + CLOSING_WINDOW,
        )
        await enqueue(session, planned, now)
        logger.info(
            "cohort %s ended: closing message planned, %d queued messages dropped",
            cohort.id,
            dropped,
        )


async def render_closing(rc: RenderContext, payload: ClosingPayload) -> Reply | None:
    """The closing message: the sprint is over, the sessions held, and the summary of
    deliverables and attendance as /estado shows it (the report package, a layer above,
    renders it with the cohort report attached: `report.closing`)."""
    t = rc.t
    board = await load_board(rc.session, rc.cohort, rc.now)
    attendance = await load_attendance(rc.session, rc.cohort, rc.now)
    lines = [
        t._(
            "🎉 *The sprint has ended.* Thank you all for these {weeks} weeks!",
            weeks=rc.cohort.weeks,
        ),
        t.ngettext("{n} session held.", "{n} sessions held.", payload.sessions),
        "",
        cohort_summary(t, board, attendance),
        "",
        t._("Everything stays here to read: /estado, /tablero, /exportar."),
    ]
    return Reply("\n".join(lines))
