"""Who hears about a poll, and the deliveries the poll's planner and closing queue.

Each kind of delivery has one renderer (`renderers.py`), which reads the poll
again at send time, in the reader's language and zone.

Messages that everybody gets (ballots, the final announcement) or whose content
the group gets anyway go privately only to the people the bot can write to
privately (`core.platforms.privately_reachable`), so that the others are not
mentioned one by one in the group instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.storage.cohorts import chats_of

# Delivery kinds (one renderer each).
KIND_POLL = "poll"  # the live poll message (group) or a personal ballot (person)
KIND_NUDGE = "poll_nudge"
KIND_ALL_VOTED = "poll_all_voted"
KIND_CLOSED = "poll_closed"
KIND_CONFIRMED = "poll_confirmed"


async def plan_deliveries(
    session: AsyncSession,
    cohort_id: int,
    kind: str,
    key: str,
    now: datetime,
    *,
    ref: str,
    data: dict[str, object],
    people: list[int],
    to_chats: bool,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Like `announce`, for planners that have no handler context (same dedupe keys)."""
    planned = []
    if to_chats:
        for link in await chats_of(session, cohort_id):
            planned.append(
                Planned(
                    f"{kind}:{key}:c{link.id}",
                    kind,
                    cohort_id,
                    due_at or now,
                    expires_at,
                    chat_link_id=link.id,
                    ref=ref,
                    data=data,
                )
            )
    for person_id in people:
        planned.append(
            Planned(
                f"{kind}:{key}:p{person_id}",
                kind,
                cohort_id,
                due_at or now,
                expires_at,
                person_id=person_id,
                ref=ref,
                data=data,
            )
        )
    return await enqueue(session, planned, now)


def poll_ref(poll_id: int) -> str:
    """Deliveries about an open poll (tally refreshes, nudges): dropped when it closes."""
    return f"poll:{poll_id}"
