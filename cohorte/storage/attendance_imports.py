"""Participant reports imported from a meeting tool, and their rows that wait for a coordinator.

An `AttendanceImport` is one file (by its SHA-256) for one session (`ref`; None
while the coordinator has not said which session it is). Each person of the
report is an `ImportRow` with the outcome of matching them to a member:
matched, too short a stay, a coordinator, or pending (unmatched or ambiguous:
a coordinator picks the member, or says the person is not in the group).
Resolutions are conditional updates, so two presses at once resolve a row once.
The queries never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance import AttendanceSource
from cohorte.storage.types import UTCDateTime, enum_type


class RowOutcome(StrEnum):
    WAITING = "waiting"  # the file's session is not chosen yet
    MATCHED = "matched"  # a member; their attendance is recorded
    SHORT = "short"  # a member, but in the meeting too briefly to count as present
    COORDINATOR = "coordinator"  # a coordinator of the cohort: no attendance kept
    PENDING = "pending"  # unmatched or ambiguous: waits for a coordinator
    DISMISSED = "dismissed"  # a coordinator said the person is not in the group


class AttendanceImport(SQLModel, table=True):
    """One participant report for one session."""

    __table_args__ = (UniqueConstraint("cohort_id", "ref", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    ref: str | None = Field(default=None, max_length=100)  # None until the session is chosen
    source: AttendanceSource = Field(sa_type=enum_type(AttendanceSource))
    sha256: str = Field(max_length=64)
    filename: str = Field(max_length=200)
    imported_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ImportRow(SQLModel, table=True):
    """One person of an imported report and what became of them."""

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="attendanceimport.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    minutes: int
    outcome: RowOutcome = Field(sa_type=enum_type(RowOutcome))
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    # Member ids the name could be (ambiguous), comma-separated; empty when unmatched.
    candidates: str = Field(default="", max_length=200)
    resolved_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


async def find_import(
    session: AsyncSession, cohort_id: int, ref: str, sha256: str
) -> AttendanceImport | None:
    """The import of this very file for this session, if it was imported before."""
    statement = select(AttendanceImport).where(
        AttendanceImport.cohort_id == cohort_id,
        AttendanceImport.ref == ref,
        AttendanceImport.sha256 == sha256,
    )
    return (await session.exec(statement)).first()


async def add_import(
    session: AsyncSession,
    cohort_id: int,
    ref: str | None,
    source: AttendanceSource,
    sha256: str,
    filename: str,
    imported_by: int | None,
    now: datetime,
    rows: Sequence[tuple[str, str | None, int]],
) -> AttendanceImport:
    """Keep a report (its rows as (name, email, minutes), all waiting to be matched)."""
    kept = AttendanceImport(
        cohort_id=cohort_id,
        ref=ref,
        source=source,
        sha256=sha256,
        filename=filename[:200],
        imported_by=imported_by,
        imported_at=now,
    )
    session.add(kept)
    await session.flush()
    assert kept.id is not None
    session.add_all(
        ImportRow(
            import_id=kept.id,
            name=name[:200],
            email=email,
            minutes=minutes,
            outcome=RowOutcome.WAITING,
        )
        for name, email, minutes in rows
    )
    await session.flush()
    return kept


async def import_by_id(session: AsyncSession, import_id: int) -> AttendanceImport | None:
    return await session.get(AttendanceImport, import_id)


async def choose_session(session: AsyncSession, import_id: int, ref: str) -> bool:
    """Give a waiting import its session; False if it had one already (a second press)."""
    result = await session.exec(
        update(AttendanceImport)
        .where(col(AttendanceImport.id) == import_id, col(AttendanceImport.ref).is_(None))
        .values(ref=ref)
    )
    return bool(result.rowcount)


async def delete_import(session: AsyncSession, import_id: int) -> None:
    kept = await session.get(AttendanceImport, import_id)
    if kept is not None:
        await session.delete(kept)
        await session.flush()


async def import_rows(session: AsyncSession, import_id: int) -> Sequence[ImportRow]:
    """The rows of one import, in the report's order."""
    statement = select(ImportRow).where(ImportRow.import_id == import_id)
    return (await session.exec(statement.order_by(col(ImportRow.id)))).all()


async def row_by_id(
    session: AsyncSession, row_id: int
) -> tuple[ImportRow, AttendanceImport] | None:
    """A row with its import."""
    statement = (
        select(ImportRow, AttendanceImport)
        .join(AttendanceImport, col(AttendanceImport.id) == col(ImportRow.import_id))
        .where(ImportRow.id == row_id)
    )
    found = (await session.exec(statement)).first()
    return None if found is None else (found[0], found[1])


async def resolve_row(
    session: AsyncSession,
    row_id: int,
    outcome: RowOutcome,
    member_id: int | None,
    resolved_by: int | None,
) -> bool:
    """Resolve a pending row; False if it was not pending any more (another press won)."""
    result = await session.exec(
        update(ImportRow)
        .where(col(ImportRow.id) == row_id, col(ImportRow.outcome) == RowOutcome.PENDING)
        .values(outcome=outcome, member_id=member_id, resolved_by=resolved_by)
    )
    return bool(result.rowcount)


async def pending_rows(
    session: AsyncSession, cohort_id: int
) -> Sequence[tuple[ImportRow, AttendanceImport]]:
    """The rows of a cohort's imports that wait for a coordinator, oldest first."""
    statement = (
        select(ImportRow, AttendanceImport)
        .join(AttendanceImport, col(AttendanceImport.id) == col(ImportRow.import_id))
        .where(
            AttendanceImport.cohort_id == cohort_id,
            ImportRow.outcome == RowOutcome.PENDING,
        )
        .order_by(col(ImportRow.id))
    )
    return [(row, kept) for row, kept in (await session.exec(statement)).all()]
