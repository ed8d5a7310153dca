"""A team's status of each deliverable, with its full history, and one-line report drafts.

The deliverables themselves live in `storage.deliverables`, the check-in answers in
`storage.checkins`. The queries never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Column, Index, and_, bindparam, delete, literal
from sqlalchemy import select as select_columns
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Team
from cohorte.storage.types import UTCDateTime, enum_type


class Status(StrEnum):
    NOT_STARTED = "not_started"  # sin iniciar
    IN_PROGRESS = "in_progress"  # en curso
    BLOCKED = "blocked"  # bloqueado
    DONE = "done"  # completado


class StatusUpdate(SQLModel, table=True):
    """One change of a team's deliverable status; the latest row is the current status."""

    __table_args__ = (Index("ix_statusupdate_deliverable_team", "deliverable_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    deliverable_id: int = Field(foreign_key="deliverable.id", ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    previous: Status | None = Field(default=None, sa_type=enum_type(Status))
    status: Status = Field(sa_type=enum_type(Status))
    note: str | None = Field(default=None, max_length=1000)
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class StatusDraft(SQLModel, table=True):
    """A one-line report waiting for its author to say which deliverable they meant.

    Kept in the database (not in memory) so that the buttons that resolve the
    ambiguity work after a restart and on any process; old drafts are swept.
    """

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    status: Status | None = Field(default=None, sa_type=enum_type(Status))  # None: unchanged
    note: str | None = Field(default=None, max_length=1000)
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# --- queries (they never commit) --------------------------------------------------------


async def current_updates(
    session: AsyncSession, cohort_id: int
) -> dict[tuple[int, int], StatusUpdate]:
    """The latest update per (deliverable id, team id): the current statuses."""
    latest = (
        select(func.max(StatusUpdate.id))
        .where(StatusUpdate.cohort_id == cohort_id)
        .group_by(col(StatusUpdate.deliverable_id), col(StatusUpdate.team_id))
    )
    statement = select(StatusUpdate).where(col(StatusUpdate.id).in_(latest))
    return {
        (update.deliverable_id, update.team_id): update
        for update in (await session.exec(statement)).all()
    }


async def add_update(
    session: AsyncSession,
    deliverable: Deliverable,
    team_id: int,
    member_id: int | None,
    status: Status | None,
    now: datetime,
    *,
    note: str | None = None,
    link: str | None = None,
) -> StatusUpdate | None:
    """Add one history row in one statement: the previous status is read inside it, and
    `status` None keeps it. Nothing is written, and None returned, when the status would
    stay the same with neither note nor link (no news)."""
    assert deliverable.id is not None
    note, link = note or None, link or None
    params = {
        "cohort": deliverable.cohort_id,
        "deliverable": deliverable.id,
        "team": team_id,
        "member": member_id,
        "status": status,
        "note": note,
        "link": link,
        "now": now,
    }
    connection = await session.connection()
    row = (await connection.execute(_add_update(), params)).first()
    if row is None:
        return None
    update_id, previous, new = row
    return StatusUpdate(
        id=update_id,
        cohort_id=deliverable.cohort_id,
        deliverable_id=deliverable.id,
        team_id=team_id,
        member_id=member_id,
        previous=previous,
        status=new,
        note=note,
        link=link,
        created_at=now,
    )


@cache
def _add_update() -> Any:
    column = StatusUpdate.__table__.c  # type: ignore[attr-defined]
    latest = (
        select_columns(column.status)
        .where(
            column.deliverable_id == bindparam("deliverable"),
            column.team_id == bindparam("team"),
        )
        .order_by(column.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    previous = func.coalesce(latest, literal(Status.NOT_STARTED.value), type_=column.status.type)
    new = func.coalesce(
        bindparam("status", type_=column.status.type), previous, type_=column.status.type
    )
    note = bindparam("note", type_=column.note.type)
    link = bindparam("link", type_=column.link.type)
    source = select_columns(
        bindparam("cohort", type_=column.cohort_id.type),
        bindparam("deliverable", type_=column.deliverable_id.type),
        bindparam("team", type_=column.team_id.type),
        bindparam("member", type_=column.member_id.type),
        previous,
        new,
        note,
        link,
        bindparam("now", type_=column.created_at.type),
    ).where(~and_(new == previous, note.is_(None), link.is_(None)))
    names = ["cohort_id", "deliverable_id", "team_id", "member_id", "previous", "status"]
    return (
        StatusUpdate.__table__.insert()  # type: ignore[attr-defined]
        .from_select([*names, "note", "link", "created_at"], source)
        .returning(column.id, column.previous, column.status)
    )


async def current_update(
    session: AsyncSession, deliverable_id: int, team_id: int
) -> StatusUpdate | None:
    """The team's latest update of the deliverable: its current status (None: never reported)."""
    statement = (
        select(StatusUpdate)
        .where(StatusUpdate.deliverable_id == deliverable_id, StatusUpdate.team_id == team_id)
        .order_by(col(StatusUpdate.id).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def last_team_updates(session: AsyncSession, cohort_id: int) -> dict[int, StatusUpdate]:
    """The most recent update of each team, whatever the deliverable."""
    latest = (
        select(func.max(StatusUpdate.id))
        .where(StatusUpdate.cohort_id == cohort_id)
        .group_by(col(StatusUpdate.team_id))
    )
    statement = select(StatusUpdate).where(col(StatusUpdate.id).in_(latest))
    return {update.team_id: update for update in (await session.exec(statement)).all()}


async def status_history(
    session: AsyncSession,
    cohort_id: int,
    *,
    deliverable_id: int | None = None,
    team_id: int | None = None,
) -> Sequence[StatusUpdate]:
    """Every change, oldest first."""
    statement = select(StatusUpdate).where(StatusUpdate.cohort_id == cohort_id)
    if deliverable_id is not None:
        statement = statement.where(StatusUpdate.deliverable_id == deliverable_id)
    if team_id is not None:
        statement = statement.where(StatusUpdate.team_id == team_id)
    return (await session.exec(statement.order_by(col(StatusUpdate.id)))).all()


class StatusChange(NamedTuple):
    """One history row with the deliverable and the team it is about."""

    update: StatusUpdate
    deliverable: Deliverable
    team: Team


async def change_of(session: AsyncSession, update_id: int) -> StatusChange | None:
    """A history row by its id, with its deliverable and team, in one query."""
    statement = (
        select(StatusUpdate, Deliverable, Team)
        .join(Deliverable, col(Deliverable.id) == col(StatusUpdate.deliverable_id))
        .join(Team, col(Team.id) == col(StatusUpdate.team_id))
        .where(StatusUpdate.id == update_id)
    )
    row = (await session.exec(statement)).first()
    return StatusChange(*row) if row is not None else None


async def add_draft(session: AsyncSession, draft: StatusDraft) -> StatusDraft:
    """Keep a one-line report until its author says which deliverable; it has its id on return."""
    session.add(draft)
    await session.flush()
    return draft


async def draft_by_id(session: AsyncSession, draft_id: int) -> StatusDraft | None:
    """A waiting draft by its id (None once resolved or swept)."""
    return await session.get(StatusDraft, draft_id)


async def delete_draft(session: AsyncSession, draft: StatusDraft) -> None:
    """Forget a draft its author resolved."""
    await session.delete(draft)


async def forget_drafts_of(session: AsyncSession, member_id: int) -> None:
    """Forget a member's waiting drafts (written for the team they are leaving)."""
    await session.exec(delete(StatusDraft).where(col(StatusDraft.member_id) == member_id))


async def sweep_drafts(session: AsyncSession, before: datetime) -> None:
    """Forget drafts nobody resolved."""
    await session.exec(delete(StatusDraft).where(col(StatusDraft.created_at) < before))
