"""The delivery outbox: every message the bot sends on its own, one row each.

A row is unique by `dedupe_key` (what, for whom, which occurrence, which lead
time), so planning twice never sends twice. The sending process claims rows
(state `claimed` + a short lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL),
marks each `sending` in a small commit right before its request leaves, and
then records the outcome. A row found `sending` after its sender died may have
arrived: it becomes `ambiguous`, never sent again. A row found `claimed` never
left and is simply claimed again.

Rows of one `lane` (one group chat, or one person) go out in `(due_at, id)`
order: a row waiting for a retry holds back the later rows of its lane.

All the SQL of the outbox lives here; `cohorte.scheduling` decides when to run it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Column, Index, Text, and_, bindparam, delete, exists, or_, text, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert
from cohorte.storage.types import UTCDateTime, enum_type

_T = TypeVar("_T")


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for due_at (or for a retry)
    CLAIMED = "claimed"  # the sender holds it until lease_until; no request has left
    SENDING = "sending"  # its request is leaving or left; outcome not recorded yet
    SENT = "sent"
    AMBIGUOUS = "ambiguous"  # may have been delivered: never resent blindly
    FAILED = "failed"  # gave up (unreachable, or too many retries)
    DROPPED = "dropped"  # stale (its moment passed) or superseded (event moved/cancelled)


class Delivery(SQLModel, table=True):
    __table_args__ = (
        Index("ix_delivery_state_due", "state", "due_at"),
        Index("ix_delivery_lane_due", "lane", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    # Exactly one of: a linked group chat, or a person (reached on their best platform).
    chat_link_id: int | None = Field(default=None, foreign_key="chatlink.id", ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    # What the message is about (an occurrence key such as "e12" or "s3:2025-05-06").
    ref: str = Field(default="", max_length=100, index=True)
    # Where it goes, for ordering: "c<chat link id>" or "p<person id>".
    lane: str = Field(default="", max_length=24)
    data: str = Field(default="{}", sa_type=Text)  # small JSON object for the renderer
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # After this instant the message is useless (the event started): dropped, not sent.
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    state: DeliveryState = Field(default=DeliveryState.PENDING, sa_type=enum_type(DeliveryState))
    # Not before this instant (a retry's back-off); due_at keeps the message's place.
    not_before: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    attempts: int = Field(default=0)  # requests started (rows marked `sending`)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    late: bool = Field(default=False)  # sent after due_at (caught up after downtime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# -- the statements of the outbox -----------------------------------------------------------

_table = Delivery.__table__  # type: ignore[attr-defined]
_HELD = (DeliveryState.CLAIMED.value, DeliveryState.SENDING.value)
_LIVE = (DeliveryState.PENDING.value, *_HELD)
# Rows per statement (SQLite allows 32,766 parameters).
CHUNK = 500


def _chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def insert_new(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert planned rows whose `dedupe_key` is new. Returns how many were inserted.

    The keys already planned (every tick's steady state) are skipped with one
    cheap query per chunk of refs; `ON CONFLICT DO NOTHING` still guards against
    another process planning the same rows concurrently.
    """
    if not rows:
        return 0
    keys = {row["dedupe_key"] for row in rows}
    existing: set[str] = set()
    for refs in _chunks(sorted({row["ref"] for row in rows if row["ref"]})):
        # refs name one event or series occurrence, unique across cohorts
        found = await session.exec(select(Delivery.dedupe_key).where(col(Delivery.ref).in_(refs)))
        existing.update(key for key in found.all() if key in keys)
    # Rows about no particular occurrence (announcements, status news) are looked up by
    # their own keys: by ref they would match every such row ever queued.
    for loose in _chunks(sorted(row["dedupe_key"] for row in rows if not row["ref"])):
        found = await session.exec(
            select(Delivery.dedupe_key).where(col(Delivery.dedupe_key).in_(loose))
        )
        existing.update(found.all())
    new_rows = [row for row in rows if row["dedupe_key"] not in existing]
    if new_rows:
        statement = conflict_insert(session, Delivery).on_conflict_do_nothing()
        connection = await session.connection()
        for batch in _chunks(new_rows):
            await connection.execute(statement, list(batch))
    return len(new_rows)


async def drop_pending(session: AsyncSession, ref: str, reason: str) -> int:
    """Drop every delivery about `ref` whose request has not started (moved or cancelled).

    A claimed row is dropped too: its sender notices before sending (the
    `sending` mark only takes rows still claimed by it).
    """
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


async def drop_pending_of_cohort(
    session: AsyncSession, cohort_id: int, reason: str, *, besides: Sequence[str] = ()
) -> int:
    """Drop every delivery of a cohort whose request has not started (the cohort ended or
    was archived), but those of the kinds `besides` (its closing message, and what
    follows the sessions it held)."""
    statement = update(Delivery).where(
        col(Delivery.cohort_id) == cohort_id,
        col(Delivery.state).in_([DeliveryState.PENDING.value, DeliveryState.CLAIMED.value]),
    )
    if besides:
        statement = statement.where(col(Delivery.kind).not_in(list(besides)))
    result = await session.exec(
        statement.values(state=DeliveryState.DROPPED.value, last_error=reason[:500])
    )
    return int(result.rowcount or 0)


async def forget_unsent(session: AsyncSession, key_prefix: str) -> int:
    """Delete the deliveries whose key starts with `key_prefix` that never left (waiting,
    or dropped unsent), so the same occasion can be planned again; how many."""
    statement = delete(Delivery).where(
        col(Delivery.dedupe_key).startswith(key_prefix, autoescape=True),
        col(Delivery.state).in_([DeliveryState.PENDING.value, DeliveryState.DROPPED.value]),
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)


async def claim(
    session: AsyncSession, now: datetime, worker: str, limit: int, lease_until: datetime
) -> list[Delivery]:
    """Lease up to `limit` due rows for `worker`, oldest first (caller commits).

    A row is due when its `due_at` and `not_before` have passed, and no earlier
    row of its lane is waiting for a retry or held by another worker. One
    conditional UPDATE takes the rows, so two connections cannot both take one;
    PostgreSQL also skips rows another transaction has locked.
    """
    earlier = aliased(Delivery)
    blocked = exists().where(
        col(earlier.lane) == col(Delivery.lane),
        col(earlier.state).in_(_LIVE),
        or_(
            col(earlier.due_at) < col(Delivery.due_at),
            and_(col(earlier.due_at) == col(Delivery.due_at), col(earlier.id) < col(Delivery.id)),
        ),
        or_(
            and_(
                col(earlier.state) == DeliveryState.PENDING.value,
                col(earlier.not_before) > now,
            ),
            and_(
                col(earlier.state).in_(_HELD),
                col(earlier.claimed_by) != worker,
                col(earlier.lease_until) >= now,
            ),
        ),
    )
    candidates = (
        select(Delivery.id)
        .where(
            col(Delivery.state) == DeliveryState.PENDING.value,
            col(Delivery.due_at) <= now,
            or_(col(Delivery.not_before).is_(None), col(Delivery.not_before) <= now),
            ~blocked,
        )
        .order_by(col(Delivery.due_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(candidates)).all())
    if not ids:
        return []
    taken = (
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.state) == DeliveryState.PENDING.value)
        .values(state=DeliveryState.CLAIMED.value, lease_until=lease_until, claimed_by=worker)
        .returning(Delivery)
        .execution_options(populate_existing=True)
    )
    rows = list((await session.exec(taken)).scalars().all())
    rows.sort(key=lambda row: (row.due_at, row.id))
    return rows


async def mark_sending(session: AsyncSession, ids: Sequence[int], worker: str) -> set[int]:
    """Mark rows whose request is about to leave; returns the ids still held by `worker`.

    A row missing from the answer was dropped meanwhile (its event moved) or
    taken over by another sender: it must not be sent.
    """
    marked: set[int] = set()
    for chunk in _chunks(ids):
        statement = (
            update(Delivery)
            .where(
                col(Delivery.id).in_(chunk),
                col(Delivery.claimed_by) == worker,
                # `sending` too: a mark whose commit went through but whose answer was
                # lost is asked again, and nothing has left for it yet.
                col(Delivery.state).in_(_HELD),
            )
            .values(state=DeliveryState.SENDING.value, attempts=col(Delivery.attempts) + 1)
            .returning(col(Delivery.id))
        )
        marked.update(row[0] for row in (await session.exec(statement)).all())
    return marked


_RECORD = (
    update(_table)
    .where(
        _table.c.id == bindparam("b_id"),
        _table.c.claimed_by == bindparam("b_worker"),
        # `ambiguous` too: a takeover may have marked a row we did send in the meantime
        or_(
            _table.c.state == DeliveryState.CLAIMED.value,
            _table.c.state == DeliveryState.SENDING.value,
            _table.c.state == DeliveryState.AMBIGUOUS.value,
        ),
    )
    .values(
        state=bindparam("b_state"),
        sent_at=bindparam("b_sent_at"),
        late=bindparam("b_late"),
        last_error=bindparam("b_error"),
        not_before=bindparam("b_not_before"),
        claimed_by=bindparam("b_claimed_by"),
        attempts=bindparam("b_attempts"),
        lease_until=None,
    )
)


@dataclass(frozen=True)
class Outcome:
    """What to record for one row."""

    id: int
    state: DeliveryState
    sent_at: datetime | None = None
    late: bool = False
    error: str | None = None
    not_before: datetime | None = None  # for a retry
    attempts: int = 0


async def record(session: AsyncSession, outcomes: Sequence[Outcome], worker: str) -> None:
    """Record outcomes of rows held by `worker`, in one executemany."""
    if not outcomes:
        return
    parameters = [
        {
            "b_id": outcome.id,
            "b_worker": worker,
            "b_state": outcome.state.value,
            "b_sent_at": outcome.sent_at,
            "b_late": outcome.late,
            "b_error": outcome.error[:500] if outcome.error else None,
            "b_not_before": outcome.not_before,
            "b_attempts": outcome.attempts,
            # a row going back to pending belongs to nobody
            "b_claimed_by": None if outcome.state is DeliveryState.PENDING else worker,
        }
        for outcome in outcomes
    ]
    connection = await session.connection()
    await connection.execute(_RECORD, parameters)


async def release(
    session: AsyncSession,
    ids: Sequence[int],
    worker: str,
    not_before: datetime | None = None,
) -> None:
    """Give claimed rows back (no request left for them): pending again, for anyone
    (from `not_before` on, if given)."""
    for chunk in _chunks(ids):
        await session.exec(
            update(Delivery)
            .where(
                col(Delivery.id).in_(chunk),
                col(Delivery.claimed_by) == worker,
                col(Delivery.state) == DeliveryState.CLAIMED.value,
            )
            .values(
                state=DeliveryState.PENDING.value,
                claimed_by=None,
                lease_until=None,
                not_before=not_before,
            )
        )


async def renew(session: AsyncSession, ids: Sequence[int], worker: str, until: datetime) -> None:
    """Extend the lease of rows `worker` still holds."""
    for chunk in _chunks(ids):
        await session.exec(
            update(Delivery)
            .where(
                col(Delivery.id).in_(chunk),
                col(Delivery.claimed_by) == worker,
                col(Delivery.state).in_(_HELD),
            )
            .values(lease_until=until)
        )


async def recover(
    session: AsyncSession,
    now: datetime,
    worker: str,
    tracked: Sequence[int] = (),
    *,
    takeover: bool = False,
) -> list[Delivery]:
    """Settle rows left behind; returns those that became ambiguous.

    A `sending` row whose lease ended may have arrived: it becomes ambiguous. A
    `claimed` one whose lease ended never left: it is pending again. That holds
    for rows of other workers and for rows of `worker` itself that it no longer
    `tracked` (a release that failed). With `takeover` (the caller just became
    the only sender, so every other worker is gone) leases are not waited for.
    """
    foreign = col(Delivery.claimed_by) != worker
    expired = col(Delivery.lease_until) < now
    untracked = col(Delivery.id).not_in(list(tracked))
    mine_left = and_(untracked, expired)  # our own rows, once nobody looks after them
    others = or_(foreign, mine_left) if takeover else or_(and_(foreign, expired), mine_left)
    await session.exec(
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.CLAIMED.value, others)
        .values(state=DeliveryState.PENDING.value, claimed_by=None, lease_until=None)
    )
    interrupted = (
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.SENDING.value, others)
        .values(state=DeliveryState.AMBIGUOUS.value, last_error="interrupted", lease_until=None)
        .returning(Delivery)
    )
    return list((await session.exec(interrupted)).scalars().all())


async def abandon(
    session: AsyncSession, worker: str, keep: Sequence[int] = ()
) -> tuple[int, list[Delivery]]:
    """A sender that stops settles every row it still holds (but those in `keep`).

    A `claimed` row never left: pending again, for anyone. A `sending` row left
    without an answer: ambiguous, never resent. Returns how many went back to
    pending, and the rows that became ambiguous.
    """
    mine = and_(col(Delivery.claimed_by) == worker, col(Delivery.id).not_in(list(keep)))
    given_back = await session.exec(
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.CLAIMED.value, mine)
        .values(state=DeliveryState.PENDING.value, claimed_by=None, lease_until=None)
    )
    interrupted = (
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.SENDING.value, mine)
        .values(state=DeliveryState.AMBIGUOUS.value, last_error="stopped", lease_until=None)
        .returning(Delivery)
    )
    left = list((await session.exec(interrupted)).scalars().all())
    return int(given_back.rowcount or 0), left


async def next_wake(session: AsyncSession, now: datetime, worker: str) -> datetime | None:
    """The next instant after `now` at which something may become claimable."""
    pending = col(Delivery.state) == DeliveryState.PENDING.value
    moments = select(
        select(func.min(Delivery.due_at))
        .where(pending, col(Delivery.due_at) > now)
        .scalar_subquery(),
        select(func.min(Delivery.not_before))
        .where(pending, col(Delivery.not_before) > now)
        .scalar_subquery(),
        select(func.min(Delivery.lease_until))
        .where(
            col(Delivery.state).in_(_HELD),
            col(Delivery.claimed_by) != worker,
            col(Delivery.lease_until) > now,
        )
        .scalar_subquery(),
    )
    row = (await session.exec(moments)).one()
    return min((moment for moment in row if moment is not None), default=None)


async def deliveries_in(
    session: AsyncSession,
    states: Sequence[DeliveryState],
    cohort_id: int | None = None,
    limit: int = 200,
) -> list[Delivery]:
    """Rows in some states, newest due first (for the operator)."""
    statement = select(Delivery).where(col(Delivery.state).in_([s.value for s in states]))
    if cohort_id is not None:
        statement = statement.where(Delivery.cohort_id == cohort_id)
    statement = statement.order_by(col(Delivery.due_at).desc(), col(Delivery.id).desc())
    return list((await session.exec(statement.limit(limit))).all())


async def people_reached(session: AsyncSession, kind: str, ref: str) -> set[int]:
    """The people a private message of `kind` about `ref` has left for (sent, or being
    sent, or maybe sent): a row still waiting, dropped or failed does not count."""
    left = (DeliveryState.SENT.value, DeliveryState.SENDING.value, DeliveryState.AMBIGUOUS.value)
    statement = select(Delivery.person_id).where(
        Delivery.kind == kind,
        Delivery.ref == ref,
        col(Delivery.person_id).is_not(None),
        col(Delivery.state).in_(left),
    )
    return {person for person in (await session.exec(statement)).all() if person is not None}


async def reminder_counts(
    session: AsyncSession, refs: Sequence[str]
) -> dict[tuple[str, datetime], int]:
    """How many reminder rows exist per (occurrence ref, start instant).

    A reminder row's `expires_at` is the start of the session it is for.
    """
    counts: dict[tuple[str, datetime], int] = {}
    for chunk in _chunks(refs):
        statement = (
            select(Delivery.ref, Delivery.expires_at, func.count())
            .where(
                Delivery.kind == "reminder",
                col(Delivery.ref).in_(chunk),
            )
            .group_by(col(Delivery.ref), col(Delivery.expires_at))
        )
        for ref, expires_at, count in (await session.exec(statement)).all():
            if expires_at is not None:
                counts[(ref, expires_at)] = count
    return counts


async def count_by_state(
    session: AsyncSession, cohort_id: int | None = None, due_since: datetime | None = None
) -> dict[str, int]:
    """How many rows are in each state (of one cohort, or of all; due since `due_since`, or
    ever), for the operator."""
    statement = select(Delivery.state, func.count()).group_by(col(Delivery.state))
    if cohort_id is not None:
        statement = statement.where(Delivery.cohort_id == cohort_id)
    if due_since is not None:
        statement = statement.where(col(Delivery.due_at) >= due_since)
    return {str(state): int(count) for state, count in (await session.exec(statement)).all()}


@dataclass(frozen=True)
class Backlog:
    """What the outbox still owes at one moment (for /metrics, /readyz and `cohorte status`)."""

    waiting: int  # due and not finished: pending, claimed or being sent
    oldest_due_at: datetime | None  # the due time of the oldest of those
    scheduled: int  # pending and not due yet

    def oldest_age(self, now: datetime) -> timedelta | None:
        """How long the oldest waiting row has been due."""
        if self.oldest_due_at is None:
            return None
        return max(timedelta(0), now - self.oldest_due_at)


async def backlog(session: AsyncSession, now: datetime, cohort_id: int | None = None) -> Backlog:
    """The outbox's backlog at `now` (of one cohort, or of all), in one query.

    A retry waiting for its back-off counts as waiting: it is due and owed.
    """
    live = col(Delivery.state).in_(_LIVE)
    due = col(Delivery.due_at) <= now
    scope = [Delivery.cohort_id == cohort_id] if cohort_id is not None else []
    statement = select(
        select(func.count()).where(live, due, *scope).scalar_subquery(),
        select(func.min(Delivery.due_at)).where(live, due, *scope).scalar_subquery(),
        select(func.count())
        .where(col(Delivery.state) == DeliveryState.PENDING.value, ~due, *scope)
        .scalar_subquery(),
    )
    waiting, oldest, scheduled = (await session.exec(statement)).one()
    return Backlog(int(waiting or 0), oldest, int(scheduled or 0))


async def next_pending(
    session: AsyncSession, now: datetime, cohort_id: int | None = None, limit: int = 5
) -> list[Delivery]:
    """The next rows to go out after `now`, soonest first (for the operator)."""
    statement = select(Delivery).where(
        col(Delivery.state) == DeliveryState.PENDING.value, col(Delivery.due_at) > now
    )
    if cohort_id is not None:
        statement = statement.where(Delivery.cohort_id == cohort_id)
    statement = statement.order_by(col(Delivery.due_at), col(Delivery.id)).limit(limit)
    return list((await session.exec(statement)).all())


async def ping(connection: AsyncConnection) -> None:
    """Raises if the connection is gone."""
    await connection.execute(text("SELECT 1"))
