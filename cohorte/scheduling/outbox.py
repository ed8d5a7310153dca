"""Planning and draining the delivery outbox.

`enqueue` inserts planned rows with `ON CONFLICT DO NOTHING` on the unique
dedupe key, so planning is idempotent. `claim_due` takes a lease on due rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes never take the same
row; SQLite runs one process only). `DeliveryWorker.drain` sends what it
claimed and records each outcome: sent, retry later (with back-off), ambiguous
(never resent blindly), failed, or dropped because its moment has passed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import Clock
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.outbox import Delivery, DeliveryState

logger = logging.getLogger(__name__)


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


_T = TypeVar("_T")

# Longer than one send can take (platform rate-limit waits included), so that no other
# worker takes a row that is still being sent.
LEASE = timedelta(minutes=5)
# Rows per INSERT statement (SQLite allows 32,766 parameters; a row has 13).
ENQUEUE_BATCH = 500
MAX_ATTEMPTS = 6


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


async def enqueue(session: AsyncSession, planned: Sequence[Planned], now: datetime) -> int:
    """Insert planned deliveries, skipping those already planned. Returns how many are new."""
    if not planned:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows: list[dict[str, Any]] = []
    for item in planned:
        if (item.chat_link_id is None) == (item.person_id is None):
            raise ValueError(f"delivery {item.dedupe_key} needs exactly one destination")
        rows.append(
            {
                "dedupe_key": item.dedupe_key[:200],
                "kind": item.kind,
                "cohort_id": item.cohort_id,
                "chat_link_id": item.chat_link_id,
                "person_id": item.person_id,
                "ref": item.ref,
                "data": json.dumps(dict(item.data), ensure_ascii=False, default=str),
                "due_at": item.due_at,
                "expires_at": item.expires_at,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "late": False,
                "created_at": now,
            }
        )
    # Skip what is planned already (the steady state of every tick) with one cheap
    # query; ON CONFLICT still guards against another process planning concurrently.
    keys = {row["dedupe_key"] for row in rows}
    existing: set[str] = set()
    for refs in _chunks(sorted({item.ref for item in planned}), ENQUEUE_BATCH):
        # refs name one event or series occurrence, unique across cohorts
        found = await session.exec(select(Delivery.dedupe_key).where(col(Delivery.ref).in_(refs)))
        existing.update(key for key in found.all() if key in keys)
    new_rows = [row for row in rows if row["dedupe_key"] not in existing]
    if new_rows:
        connection = await session.connection()
        for batch in _chunks(new_rows, ENQUEUE_BATCH):
            await connection.execute(insert(Delivery).on_conflict_do_nothing(), batch)
    return len(new_rows)


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def drop_pending(session: AsyncSession, ref: str, reason: str) -> int:
    """Drop every not-yet-sent delivery about `ref` (an occurrence moved or cancelled)."""
    statement = (
        update(Delivery)
        .where(
            col(Delivery.ref) == ref,
            col(Delivery.state).in_([DeliveryState.PENDING.value, DeliveryState.CLAIMED.value]),
        )
        .values(state=DeliveryState.DROPPED.value, last_error=reason[:500])
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        col(Delivery.state) == DeliveryState.PENDING.value,
        (col(Delivery.state) == DeliveryState.CLAIMED.value) & (col(Delivery.lease_until) < now),
    )


async def claim_due(
    session: AsyncSession, now: datetime, worker: str, limit: int = 50, lease: timedelta = LEASE
) -> list[Delivery]:
    """Lease up to `limit` due deliveries for `worker` (caller commits).

    The claim is one conditional UPDATE, so even two connections to SQLite
    cannot both take a row; PostgreSQL also skips rows another worker has locked.
    """
    candidates = (
        select(Delivery.id)
        .where(_claimable(now), col(Delivery.due_at) <= now)
        .order_by(col(Delivery.due_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(candidates)).all())
    if not ids:
        return []
    claim = (
        update(Delivery)
        .where(col(Delivery.id).in_(ids), _claimable(now))
        .values(
            state=DeliveryState.CLAIMED.value,
            lease_until=now + lease,
            claimed_by=worker[:64],
            attempts=col(Delivery.attempts) + 1,
        )
        .returning(col(Delivery.id))
    )
    claimed = [row[0] for row in (await session.exec(claim)).all()]
    if not claimed:
        return []
    rows = await session.exec(
        select(Delivery)
        .where(col(Delivery.id).in_(claimed))
        .order_by(col(Delivery.due_at), col(Delivery.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def next_due(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next delivery becomes due (to wake the worker then)."""
    statement = select(func.min(Delivery.due_at)).where(_claimable(now))
    return (await session.exec(statement)).one()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most one hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


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


Deliver = Callable[[Delivery], Awaitable[SendOutcome]]


class DeliveryWorker:
    """Claims due deliveries and sends them through `deliver`."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        deliver: Deliver,
        name: str,
        batch: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    ) -> None:
        # Wraps the sending of one claimed batch (the delivery service shares its reads).
        self.batch = batch
        self.sessions = sessions
        self.clock = clock
        self.deliver = deliver
        self.name = name
        self.totals = DrainReport()

    async def drain(self, batch: int = 50) -> DrainReport:
        """Send everything due now (in batches) and return what happened."""
        report = DrainReport()
        while True:
            now = self.clock.now()
            async with transaction(self.sessions) as session:
                claimed = await claim_due(session, now, self.name, batch)
            if not claimed:
                break
            async with self.batch() if self.batch is not None else nullcontext():
                for delivery in claimed:
                    await self._send_one(delivery, report)
            if len(claimed) < batch:
                break
        for name, value in vars(report).items():
            setattr(self.totals, name, getattr(self.totals, name) + value)
        return report

    async def _send_one(self, delivery: Delivery, report: DrainReport) -> None:
        now = self.clock.now()
        if delivery.expires_at is not None and now >= delivery.expires_at:
            logger.warning(
                "dropped stale delivery %s (due %s, expired %s)",
                delivery.dedupe_key,
                delivery.due_at.isoformat(),
                delivery.expires_at.isoformat(),
            )
            report.dropped += 1
            await self._finish(delivery, DeliveryState.DROPPED, "stale")
            return
        late = now - delivery.due_at > timedelta(minutes=5)
        try:
            outcome = await self.deliver(delivery)
        except Exception:
            logger.exception("delivery %s failed unexpectedly", delivery.dedupe_key)
            outcome = SendOutcome.RETRY
        if outcome is SendOutcome.SKIPPED:
            report.dropped += 1
            await self._finish(delivery, DeliveryState.DROPPED, "superseded")
        elif outcome is SendOutcome.SENT:
            report.sent += 1
            if late:
                report.late += 1
                logger.info(
                    "sent late delivery %s (due %s)",
                    delivery.dedupe_key,
                    delivery.due_at.isoformat(),
                )
            await self._finish(delivery, DeliveryState.SENT, None, late=late)
        elif outcome is SendOutcome.AMBIGUOUS:
            report.ambiguous += 1
            logger.warning("delivery %s may or may not have arrived", delivery.dedupe_key)
            await self._finish(delivery, DeliveryState.AMBIGUOUS, "ambiguous")
        elif outcome is SendOutcome.UNREACHABLE or delivery.attempts >= MAX_ATTEMPTS:
            report.failed += 1
            logger.warning("gave up on delivery %s (%s)", delivery.dedupe_key, outcome)
            await self._finish(delivery, DeliveryState.FAILED, str(outcome))
        else:
            report.retried += 1
            async with transaction(self.sessions) as session:
                await session.exec(
                    update(Delivery)
                    .where(col(Delivery.id) == delivery.id, col(Delivery.claimed_by) == self.name)
                    .values(
                        state=DeliveryState.PENDING.value,
                        due_at=now + backoff(delivery.attempts),
                        lease_until=None,
                        last_error="retry",
                    )
                )

    async def _finish(
        self, delivery: Delivery, state: DeliveryState, error: str | None, *, late: bool = False
    ) -> None:
        # Shielded: a stop (cancellation) right after a send must not lose its record,
        # or the message would be sent again after the restart.
        await asyncio.shield(self._record(delivery, state, error, late))

    async def _record(
        self, delivery: Delivery, state: DeliveryState, error: str | None, late: bool
    ) -> None:
        statement = (
            update(Delivery)
            .where(col(Delivery.id) == delivery.id, col(Delivery.claimed_by) == self.name)
            .values(
                state=state.value,
                sent_at=self.clock.now() if state is DeliveryState.SENT else None,
                lease_until=None,
                late=late,
                last_error=error,
            )
        )
        async with transaction(self.sessions) as session:
            await session.exec(statement)
