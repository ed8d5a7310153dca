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
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    literal,
    or_,
    update,
)
from sqlalchemy import select as select_columns
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert, dialect_of
from cohorte.storage.models import Event, Member, Role
from cohorte.storage.series import Series
from cohorte.storage.types import UTCDateTime, enum_type, parse_id


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


# -- who came: the "✋ Estoy aquí" press, the roster, the follow-up --------------------------


async def record_own_presence(
    session: AsyncSession,
    cohort_id: int,
    ref: str,
    person_id: int,
    now: datetime,
    *,
    team_id: int | None = None,
) -> int | None:
    """The "✋ Estoy aquí" press: record the person present (source self), in one statement.

    The checks are inside the write: the person is a participant of the cohort
    (of the team `team_id`, for a team's check-in), and the record is not one a
    coordinator or a meeting report made (a press never overrides those; a
    second press only refreshes its own). Returns the member id, or None when
    nothing was written. The session's window and state are the caller's to
    check (they come from the calendar, not from a table).
    """
    connection = await session.connection()
    params = {"cohort": cohort_id, "ref": ref, "person": person_id, "now": now, "team": team_id}
    result = await connection.execute(_own_presence(dialect_of(session)), params)
    return result.scalar()


@cache
def _own_presence(dialect: str) -> Any:
    table = Attendance.__table__.c  # type: ignore[attr-defined]
    team = bindparam("team", type_=Integer())
    source = select_columns(
        col(Member.cohort_id),
        bindparam("ref", type_=table.ref.type),
        col(Member.id),
        literal(AttendanceStatus.PRESENT, table.status.type),
        literal(AttendanceSource.SELF, table.source.type),
        bindparam("now", type_=table.recorded_at.type),
        col(Member.person_id),
    ).where(
        col(Member.cohort_id) == bindparam("cohort"),
        col(Member.person_id) == bindparam("person"),
        col(Member.role) == Role.PARTICIPANT,
        or_(team.is_(None), col(Member.team_id) == team),
    )
    insert = conflict_insert(dialect, Attendance).from_select(
        ["cohort_id", "ref", "member_id", "status", "source", "recorded_at", "recorded_by"],
        source,
    )
    return insert.on_conflict_do_update(
        index_elements=["ref", "member_id"],
        set_={
            "status": insert.excluded.status,
            "recorded_at": insert.excluded.recorded_at,
            "recorded_by": insert.excluded.recorded_by,
        },
        where=table.source == AttendanceSource.SELF,
    ).returning(table.member_id)


async def attendance_of(session: AsyncSession, ref: str, member_id: int) -> Attendance | None:
    """One member's record for one session, if any."""
    statement = select(Attendance).where(Attendance.ref == ref, Attendance.member_id == member_id)
    return (await session.exec(statement)).first()


async def records_of_member(
    session: AsyncSession, member_id: int
) -> tuple[dict[str, Rsvp], dict[str, Attendance]]:
    """A member's answers and attendance records, by session reference."""
    answers = await session.exec(select(Rsvp).where(Rsvp.member_id == member_id))
    records = await session.exec(select(Attendance).where(Attendance.member_id == member_id))
    return (
        {answer.ref: answer for answer in answers.all()},
        {record.ref: record for record in records.all()},
    )


async def declined(session: AsyncSession, refs: Sequence[str]) -> set[tuple[str, int]]:
    """(ref, member id) of every "No" among these sessions' answers."""
    if not refs:
        return set()
    statement = select(Rsvp.ref, Rsvp.member_id).where(
        col(Rsvp.ref).in_(refs), Rsvp.answer == RsvpAnswer.NO
    )
    return {(ref, member_id) for ref, member_id in (await session.exec(statement)).all()}


async def absent_people(session: AsyncSession, refs: Sequence[str]) -> list[tuple[str, int]]:
    """(ref, person id) of every member marked absent (not excused) in these sessions."""
    if not refs:
        return []
    statement = (
        select(Attendance.ref, Member.person_id)
        .join(Member, col(Member.id) == col(Attendance.member_id))
        .where(col(Attendance.ref).in_(refs), Attendance.status == AttendanceStatus.ABSENT)
        .order_by(col(Attendance.id))
    )
    return [(ref, person_id) for ref, person_id in (await session.exec(statement)).all()]


# --- the RSVP press: the hot path ---------------------------------------------------------


async def press_rsvp(
    session: AsyncSession,
    cohort_id: int,
    ref: str,
    person_id: int,
    answer: RsvpAnswer,
    now: datetime,
) -> int | None:
    """Store (or change) a person's answer for one session, in one statement.

    The checks are inside the write: the person is a member of the cohort, and
    the session's event or series is the cohort's own (for an event: not
    cancelled, not started yet). A new answer clears an earlier reason. Returns
    the member id, or None when a check fails (nothing is written then). On
    PostgreSQL the event or series row is share-locked, so a change to it waits
    for the answers under way. The caller checks what only the occurrence knows
    (a series occurrence's start, moved or cancelled).
    """
    params: dict[str, object] = {
        "cohort": cohort_id,
        "ref": ref,
        "person": person_id,
        "answer": answer,
        "now": now,
    }
    # "e12" (an event) or "s3:2025-05-06" (a series occurrence): the caller parsed it.
    if ref.startswith("e"):
        statement, params["event"] = _press_rsvp(dialect_of(session), "e"), parse_id(ref[1:])
    else:
        series_id = parse_id(ref[1:].partition(":")[0])
        statement, params["series"] = _press_rsvp(dialect_of(session), "s"), series_id
    connection = await session.connection()
    result = await connection.execute(statement, params)
    return result.scalar()


@cache
def _press_rsvp(dialect: str, kind: str) -> Any:
    rsvp = Rsvp.__table__.c  # type: ignore[attr-defined]
    now = bindparam("now", type_=rsvp.answered_at.type)
    source = select_columns(
        col(Member.cohort_id),
        bindparam("ref", type_=rsvp.ref.type),
        col(Member.id),
        bindparam("answer", type_=rsvp.answer.type),
        now,
    ).where(
        col(Member.cohort_id) == bindparam("cohort"),
        col(Member.person_id) == bindparam("person"),
    )
    if kind == "e":
        source = source.join(
            Event,
            and_(
                col(Event.id) == bindparam("event"),
                col(Event.cohort_id) == col(Member.cohort_id),
                col(Event.cancelled_at).is_(None),
                col(Event.starts_at) > now,
            ),
        )
        locked: Any = Event
    else:
        source = source.join(
            Series,
            and_(
                col(Series.id) == bindparam("series"),
                col(Series.cohort_id) == col(Member.cohort_id),
            ),
        )
        locked = Series
    if dialect == "postgresql":
        source = source.with_for_update(read=True, of=locked)
    insert = conflict_insert(dialect, Rsvp).from_select(
        ["cohort_id", "ref", "member_id", "answer", "answered_at"], source
    )
    return insert.on_conflict_do_update(
        index_elements=["ref", "member_id"],
        set_={
            "answer": insert.excluded.answer,
            "reason": None,
            "answered_at": insert.excluded.answered_at,
        },
    ).returning(rsvp.member_id)


async def answers_of(session: AsyncSession, ref: str, member_id: int) -> RsvpAnswer | None:
    """One member's answer for one session (plain column: it may have just been upserted)."""
    statement = select(Rsvp.answer).where(Rsvp.ref == ref, Rsvp.member_id == member_id)
    found = (await session.exec(statement)).first()
    return RsvpAnswer(found) if found is not None else None


async def set_rsvp_reason(session: AsyncSession, ref: str, member_id: int, reason: str) -> bool:
    """Keep why a member will not come; False unless their answer is "No"."""
    statement = (
        update(Rsvp)
        .where(
            col(Rsvp.ref) == ref,
            col(Rsvp.member_id) == member_id,
            col(Rsvp.answer) == RsvpAnswer.NO,
        )
        .values(reason=reason)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def confirmed_by_team(
    session: AsyncSession, cohort_id: int, ref: str
) -> list[tuple[int, int, int]]:
    """(team id, members who answered Sí, members) for every team of the cohort with
    members, in one query; teams in the order they were added."""
    yes = and_(
        col(Rsvp.member_id) == col(Member.id),
        col(Rsvp.ref) == ref,
        col(Rsvp.answer) == RsvpAnswer.YES,
    )
    statement = (
        select_columns(col(Member.team_id), func.count(col(Rsvp.id)), func.count(col(Member.id)))
        .select_from(Member)
        .outerjoin(Rsvp, yes)
        .where(col(Member.cohort_id) == cohort_id, col(Member.team_id).is_not(None))
        .group_by(col(Member.team_id))
        .order_by(col(Member.team_id))
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return [(team_id, confirmed, members) for team_id, confirmed, members in rows]
