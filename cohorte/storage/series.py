"""Recurring sessions: local wall-clock time + IANA zone, expanded to UTC on demand."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from cohorte.storage.types import UTCDateTime, enum_type


class SeriesKind(StrEnum):
    SESSION = "session"  # the cohort's weekly session
    CHECKIN = "checkin"  # a team's biweekly check-in


class Series(SQLModel, table=True):
    """A weekly (or every-N-weeks) session at a local time in one zone."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    kind: SeriesKind = Field(sa_type=enum_type(SeriesKind))
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    weekday: int  # Monday = 0
    local_time: time
    zone: str = Field(max_length=64)
    interval_weeks: int = Field(default=1)
    first_date: date  # first occurrence (local date)
    last_date: date  # no occurrence after this local date
    duration_minutes: int = Field(default=60)
    meeting_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set when the series is replaced (a new poll winner): kept for history and .ics.
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class SeriesChange(SQLModel, table=True):
    """One occurrence of a series moved or cancelled (e.g. a public holiday)."""

    __table_args__ = (UniqueConstraint("series_id", "original_date"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True, ondelete="CASCADE")
    original_date: date
    cancelled: bool = Field(default=False)
    new_start: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
