"""Who hears about a poll, and the deliveries the poll's planner and closing queue.

Each kind of delivery has one renderer (`renderers.py`), which reads the poll
again at send time, in the reader's language and zone.

Messages that everybody gets (ballots, the final announcement) or whose content
the group gets anyway go privately only to the people the bot can write to
privately (`core.platforms.privately_reachable`), so that the others are not
mentioned one by one in the group instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.delivery import occasion_rows
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, P, Payload
from cohorte.scheduling.outbox import enqueue
from cohorte.storage.cohorts import chats_of


@dataclass(frozen=True)
class PollPayload(Payload):
    """Which poll the message is about (stored as `{"poll": 12}`)."""

    poll: int


@dataclass(frozen=True)
class ConfirmedPayload(Payload):
    """The poll, and the weekly session series its choice became."""

    poll: int
    series: int


# The poll's delivery kinds (one renderer each, in `renderers`).
POLL_MESSAGE = DeliveryType(DeliveryKind.POLL, PollPayload)  # group message, or a ballot
POLL_NUDGE = DeliveryType(DeliveryKind.POLL_NUDGE, PollPayload)
POLL_ALL_VOTED = DeliveryType(DeliveryKind.POLL_ALL_VOTED, PollPayload)
POLL_CLOSED = DeliveryType(DeliveryKind.POLL_CLOSED, PollPayload)
POLL_CONFIRMED = DeliveryType(DeliveryKind.POLL_CONFIRMED, ConfirmedPayload)


async def plan_deliveries(
    session: AsyncSession,
    cohort_id: int,
    declared: DeliveryType[P],
    key: str,
    now: datetime,
    *,
    ref: str,
    payload: P,
    people: list[int],
    to_chats: bool,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Like `announce`, for planners that have no handler context (same dedupe keys)."""
    chats = await chats_of(session, cohort_id) if to_chats else []
    planned = occasion_rows(
        declared,
        key,
        cohort_id,
        due_at or now,
        payload,
        chats=[link.id for link in chats if link.id is not None],
        people=people,
        expires_at=expires_at,
        ref=ref,
    )
    return await enqueue(session, planned, now)


def poll_ref(poll_id: int) -> str:
    """Deliveries about an open poll (tally refreshes, nudges): dropped when it closes."""
    return f"poll:{poll_id}"
