"""Who is coming to a session (RSVP) and who came (attendance): the tables and their queries.

Both are keyed by the occurrence reference (`scheduling.recurrence.Occurrence.ref`:
"e12" for a Masterclass or the Showtime, "s3:2025-05-06" for a series occurrence,
which stays the same when the occurrence is moved) and the member: one answer and
one attendance record per member and session, changed in place. The queries never
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert
from cohorte.storage.types import UTCDateTime, enum_type


class RsvpAnswer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceSource(StrEnum):
    SELF = "self"  # the member pressed "✋ Estoy aquí"
    COORDINATOR = "coordinator"  # marked or corrected by a coordinator
    ZOOM = "zoom"  # imported from a Zoom participant report
    MEET = "meet"  # imported from a Google Meet attendance report


class Rsvp(SQLModel, table=True):
    """A member's answer to "¿Vas a asistir?" for one session; changeable until it starts."""

    __table_args__ = (UniqueConstraint("ref", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    ref: str = Field(max_length=100)  # the occurrence reference
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    answer: RsvpAnswer = Field(sa_type=enum_type(RsvpAnswer))
    reason: str | None = Field(default=None, max_length=200)  # why not, when "No"
    answered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Attendance(SQLModel, table=True):
    """Whether a member took part in one session, and who or what said so."""

    __table_args__ = (UniqueConstraint("ref", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    ref: str = Field(max_length=100)  # the occurrence reference
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    status: AttendanceStatus = Field(sa_type=enum_type(AttendanceStatus))
    source: AttendanceSource = Field(sa_type=enum_type(AttendanceSource))
    minutes: int | None = None  # minutes in the meeting, when the meeting tool says
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The person who marked it (a coordinator, or the member themselves).
    recorded_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


async def set_rsvp(
    session: AsyncSession,
    cohort_id: int,
    ref: str,
    member_id: int,
    answer: RsvpAnswer,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Record or change a member's answer for one session (a new answer clears the reason)."""
    values = {"answer": answer, "reason": reason, "answered_at": now}
    statement = (
        conflict_insert(session, Rsvp)
        .values(cohort_id=cohort_id, ref=ref, member_id=member_id, **values)
        .on_conflict_do_update(index_elements=["ref", "member_id"], set_=values)
    )
    await session.exec(statement)


async def rsvps(session: AsyncSession, cohort_id: int, *, ref: str | None = None) -> Sequence[Rsvp]:
    """The answers of a cohort, oldest first; of one session (`ref`) or of all of them."""
    statement = select(Rsvp).where(Rsvp.cohort_id == cohort_id)
    if ref is not None:
        statement = statement.where(Rsvp.ref == ref)
    return (await session.exec(statement.order_by(col(Rsvp.id)))).all()


async def set_attendance(
    session: AsyncSession,
    cohort_id: int,
    ref: str,
    member_id: int,
    status: AttendanceStatus,
    source: AttendanceSource,
    now: datetime,
    *,
    minutes: int | None = None,
    recorded_by: int | None = None,
) -> None:
    """Record or correct whether a member took part in one session."""
    values = {
        "status": status,
        "source": source,
        "minutes": minutes,
        "recorded_at": now,
        "recorded_by": recorded_by,
    }
    statement = (
        conflict_insert(session, Attendance)
        .values(cohort_id=cohort_id, ref=ref, member_id=member_id, **values)
        .on_conflict_do_update(index_elements=["ref", "member_id"], set_=values)
    )
    await session.exec(statement)


async def attendance(
    session: AsyncSession, cohort_id: int, *, ref: str | None = None
) -> Sequence[Attendance]:
    """The attendance records of a cohort, oldest first; of one session or of all."""
    statement = select(Attendance).where(Attendance.cohort_id == cohort_id)
    if ref is not None:
        statement = statement.where(Attendance.ref == ref)
    return (await session.exec(statement.order_by(col(Attendance.id)))).all()
