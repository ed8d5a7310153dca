"""Meeting-time polls: weekly candidate slots, one vote per member and slot."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from cohorte.storage.types import UTCDateTime, enum_type


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
    purpose: str = Field(default="weekly_session", max_length=32)
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
