"""Meeting-time polls: weekly candidate slots, one vote per member and slot.

The tables, and the queries of a poll's life (open, read, close, confirm,
cancel). The statements of a vote press are in `storage.voting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert
from cohorte.storage.types import UTCDateTime, enum_type

# The purpose of the meeting-time poll of the weekly session (the handlers' `PURPOSE`).
WEEKLY_SESSION = "weekly_session"


class PollState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # voting ended; a winner may be proposed but not yet confirmed
    CONFIRMED = "confirmed"  # the chosen slot became the weekly series
    CANCELLED = "cancelled"


class Choice(StrEnum):
    YES = "yes"
    MAYBE = "maybe"  # "si es necesario"
    NO = "no"


class Poll(SQLModel, table=True):
    # `open_marker` is 1 while the poll is open and NULL afterwards: the unique
    # constraint then allows one open poll per cohort and purpose (NULLs never clash).
    __table_args__ = (UniqueConstraint("cohort_id", "purpose", "open_marker"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    purpose: str = Field(default=WEEKLY_SESSION, max_length=32)
    title: str = Field(max_length=200)
    state: PollState = Field(default=PollState.OPEN, sa_type=enum_type(PollState))
    open_marker: int | None = Field(default=1)
    zone: str = Field(max_length=64)  # the zone the slots are written in (cohort home)
    duration_minutes: int = Field(default=60)
    deadline: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    winner_slot_id: int | None = None  # proposed by the rule, or picked by a coordinator
    series_id: int | None = Field(default=None, foreign_key="series.id", ondelete="SET NULL")
    all_voted_notified: bool = Field(default=False)


class PollSlot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("poll_id", "weekday", "local_time"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True, ondelete="CASCADE")
    position: int  # 1, 2, 3... as shown
    weekday: int  # Monday = 0
    local_time: time  # in Poll.zone


class Vote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("poll_id", "member_id", "slot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True, ondelete="CASCADE")
    slot_id: int = Field(foreign_key="pollslot.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    choice: Choice = Field(sa_type=enum_type(Choice, 8))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# -- reading ---------------------------------------------------------------------------


async def poll_by_id(session: AsyncSession, poll_id: int) -> Poll | None:
    """The poll with this id (from the session's identity map when it is loaded)."""
    return await session.get(Poll, poll_id)


async def slot_by_id(session: AsyncSession, slot_id: int) -> PollSlot | None:
    """The candidate slot with this id, of whichever poll."""
    return await session.get(PollSlot, slot_id)


async def slots_of(session: AsyncSession, poll_id: int) -> list[PollSlot]:
    """The poll's candidate slots, in the order they are shown (1, 2, 3...)."""
    statement = select(PollSlot).where(PollSlot.poll_id == poll_id).order_by(col(PollSlot.position))
    return list((await session.exec(statement)).all())


async def open_poll_of(session: AsyncSession, cohort_id: int, purpose: str) -> Poll | None:
    """The cohort's open poll for `purpose`; there is at most one."""
    statement = select(Poll).where(
        Poll.cohort_id == cohort_id, Poll.purpose == purpose, Poll.state == PollState.OPEN
    )
    return (await session.exec(statement)).first()


async def latest_poll_of(session: AsyncSession, cohort_id: int, purpose: str) -> Poll | None:
    """The cohort's open poll for `purpose`, else its most recent one that was not
    cancelled."""
    poll = await open_poll_of(session, cohort_id, purpose)
    if poll is not None:
        return poll
    statement = (
        select(Poll)
        .where(
            Poll.cohort_id == cohort_id,
            Poll.purpose == purpose,
            Poll.state != PollState.CANCELLED,
        )
        .order_by(col(Poll.created_at).desc(), col(Poll.id).desc())
    )
    return (await session.exec(statement)).first()


async def polls_of(session: AsyncSession, cohort_id: int, purpose: str) -> Sequence[Poll]:
    """The cohort's polls for `purpose` that were not cancelled, oldest first."""
    statement = (
        select(Poll)
        .where(
            Poll.cohort_id == cohort_id,
            Poll.purpose == purpose,
            Poll.state != PollState.CANCELLED,
        )
        .order_by(col(Poll.created_at), col(Poll.id))
    )
    return (await session.exec(statement)).all()


async def open_polls(session: AsyncSession) -> Sequence[Poll]:
    """Every open poll of every cohort, oldest first (the planner's round)."""
    statement = select(Poll).where(Poll.state == PollState.OPEN).order_by(col(Poll.id))
    return (await session.exec(statement)).all()


# -- writing ---------------------------------------------------------------------------


async def open_new_poll(
    session: AsyncSession,
    *,
    cohort_id: int,
    purpose: str,
    title: str,
    zone: str,
    duration_minutes: int,
    deadline: datetime | None,
    created_by: int | None,
    now: datetime,
) -> int | None:
    """Insert an open poll; its id, or None if the cohort has one open for `purpose`.

    The unique (cohort, purpose, open_marker) constraint decides, even when two
    coordinators open one at the same moment.
    """
    statement = (
        conflict_insert(session, Poll)
        .values(
            cohort_id=cohort_id,
            purpose=purpose,
            title=title,
            state=PollState.OPEN.value,
            open_marker=1,
            zone=zone,
            duration_minutes=duration_minutes,
            deadline=deadline,
            created_by=created_by,
            created_at=now,
            all_voted_notified=False,
        )
        .on_conflict_do_nothing()
        .returning(col(Poll.id))
    )
    row = (await session.exec(statement)).first()
    return None if row is None else int(row[0])


async def add_slots(session: AsyncSession, poll_id: int, slots: Sequence[tuple[int, time]]) -> None:
    """Add the poll's candidate slots, (weekday, local time) in the order shown."""
    for position, (weekday, local_time) in enumerate(slots, 1):
        session.add(
            PollSlot(poll_id=poll_id, position=position, weekday=weekday, local_time=local_time)
        )
    await session.flush()


async def save_poll(session: AsyncSession, poll: Poll) -> None:
    """Write the poll's changed attributes now, before deliveries about it are queued."""
    session.add(poll)
    await session.flush()


async def close_if_open(session: AsyncSession, poll: Poll, now: datetime) -> bool:
    """Close the poll if it is still open (once, even with several processes) and reload
    it; False when someone else closed or cancelled it first.

    On PostgreSQL the update waits for the votes under way (they share-lock the row).
    """
    claimed = (
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == poll.id, col(Poll.state) == PollState.OPEN.value)
            .values(state=PollState.CLOSED.value, open_marker=None, closed_at=now)
            .returning(col(Poll.id))
        )
    ).first()
    if claimed is None:
        return False
    await session.refresh(poll)
    return True


async def cancel_if_open(session: AsyncSession, poll_id: int, now: datetime) -> bool:
    """Cancel the poll if it is still open; False when it was closed or cancelled first."""
    cancelled = (
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == poll_id, col(Poll.state) == PollState.OPEN.value)
            .values(state=PollState.CANCELLED.value, open_marker=None, closed_at=now)
            .returning(col(Poll.id))
        )
    ).first()
    return cancelled is not None


async def claim_confirmation(session: AsyncSession, poll: Poll, slot_id: int) -> bool:
    """Make `slot_id` the closed poll's decision, atomically, and reload the poll.

    False (nothing changed) when the poll is not closed or confirmed, or is already
    confirmed with this very slot: a double click creates one series.
    """
    claimed = (
        await session.exec(
            update(Poll)
            .where(
                col(Poll.id) == poll.id,
                col(Poll.state).in_([PollState.CLOSED.value, PollState.CONFIRMED.value]),
                ~(
                    (col(Poll.state) == PollState.CONFIRMED.value)
                    & (col(Poll.winner_slot_id) == slot_id)
                ),
            )
            .values(state=PollState.CONFIRMED.value, winner_slot_id=slot_id)
            .returning(col(Poll.id))
        )
    ).first()
    await session.refresh(poll)
    return claimed is not None


async def claim_all_voted_notice(session: AsyncSession, poll_id: int) -> bool:
    """Mark that the coordinators are told everyone answered; False if they were already."""
    claimed = (
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == poll_id, col(Poll.all_voted_notified).is_(False))
            .values(all_voted_notified=True)
            .returning(col(Poll.id))
        )
    ).first()
    return claimed is not None
