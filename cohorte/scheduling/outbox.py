"""Planning into the delivery outbox, and the vocabulary of sending.

`enqueue` inserts planned rows with `ON CONFLICT DO NOTHING` on the unique
dedupe key, so planning is idempotent; `drop_pending` drops what a change made
moot. Sending is the `DeliveryEngine`'s (`cohorte.scheduling.engine`); what a
send can end as is a `SendOutcome`, and a messenger calls its `Gate` right
before the first request of a message leaves.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage import outbox as rows
from cohorte.storage.outbox import Delivery, DeliveryState

drop_pending = rows.drop_pending


class SendOutcome(StrEnum):
    """What became of one outgoing message."""

    SENT = "sent"
    # Certainly not delivered (refused connection, 429, 5xx answer): safe to retry later.
    RETRY = "retry"
    # The request left but no answer came back: it may have been delivered; do not resend.
    AMBIGUOUS = "ambiguous"
    # The platform refuses for good (no private chat with the bot, blocked, chat gone).
    UNREACHABLE = "unreachable"
    # Nothing to send any more (the event moved or was cancelled since it was planned).
    SKIPPED = "skipped"


# Called by a messenger right before the first request of a message leaves (after
# its rate-limit waits): the row is marked `sending`, so that a crash from then on
# leaves it ambiguous instead of sending it again. Raises `NotSending` when the
# message must not go out (dropped meanwhile, or the database cannot record it).
Gate = Callable[[], Awaitable[None]]


class NotSending(Exception):
    """The message must not be sent: nothing has left for it."""


async def open_gate() -> None:
    """The gate of a message that is not in the outbox (a direct answer)."""


# 1 + 2 + 4 + ... + 256 s: a platform outage of about eight minutes is ridden out.
MAX_ATTEMPTS = 10


def backoff(attempts: int) -> timedelta:
    """Wait before retrying a message that surely failed: 1 s, 2 s, 4 s ... at most 10 min.

    A 5xx or a refused connection is usually over in a second; the lane's later
    messages wait for the retry, so it must come soon.
    """
    return timedelta(seconds=min(600, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Planned:
    """A message to send later. Exactly one of `chat_link_id` / `person_id`."""

    dedupe_key: str
    kind: str
    cohort_id: int
    due_at: datetime
    expires_at: datetime | None = None
    chat_link_id: int | None = None
    person_id: int | None = None
    ref: str = ""
    data: Mapping[str, object] = field(default_factory=dict)

    @property
    def lane(self) -> str:
        """Messages of one lane go out in order: one group chat, or one person."""
        return f"c{self.chat_link_id}" if self.chat_link_id is not None else f"p{self.person_id}"


async def enqueue(session: AsyncSession, planned: Sequence[Planned], now: datetime) -> int:
    """Insert planned deliveries, skipping those already planned. Returns how many are new."""
    values: list[dict[str, Any]] = []
    encoded: dict[int, str] = {}  # planners share one data mapping among many rows
    for item in planned:
        if (item.chat_link_id is None) == (item.person_id is None):
            raise ValueError(f"delivery {item.dedupe_key} needs exactly one destination")
        values.append(
            {
                "dedupe_key": item.dedupe_key[:200],
                "kind": item.kind,
                "cohort_id": item.cohort_id,
                "chat_link_id": item.chat_link_id,
                "person_id": item.person_id,
                "ref": item.ref,
                "lane": item.lane,
                "data": encoded.get(id(item.data))
                or encoded.setdefault(
                    id(item.data), json.dumps(dict(item.data), ensure_ascii=False, default=str)
                ),
                "due_at": item.due_at,
                "expires_at": item.expires_at,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "late": False,
                "created_at": now,
            }
        )
    return await rows.insert_new(session, values)


@dataclass
class Outgoing:
    """A claimed row made ready: a send to run, or an outcome known without sending."""

    delivery: Delivery
    send: Callable[[Gate], Awaitable[SendOutcome]] | None = None
    outcome: SendOutcome | None = None
    # The platform it goes to (its metrics label); `send` updates it to the route it tried.
    platform: str | None = None


Prepare = Callable[[list[Delivery]], Awaitable[list[Outgoing]]]


def sending_each(deliver: Callable[[Delivery], Awaitable[SendOutcome]]) -> Prepare:
    """A `Prepare` for a plain `deliver(row)` function: the gate opens right before it."""

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        def send_of(delivery: Delivery) -> Callable[[Gate], Awaitable[SendOutcome]]:
            async def send(gate: Gate) -> SendOutcome:
                await gate()
                return await deliver(delivery)

            return send

        return [Outgoing(delivery, send_of(delivery)) for delivery in claimed]

    return prepare


@dataclass
class DrainReport:
    sent: int = 0
    late: int = 0
    dropped: int = 0
    retried: int = 0
    ambiguous: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())

    def add(self, other: DrainReport) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
