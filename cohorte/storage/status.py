"""Deliverables, their status per team (with full history), check-in answers; queries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint, and_, bindparam, delete, literal
from sqlalchemy import select as select_columns
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.types import UTCDateTime, enum_type


class Status(StrEnum):
    NOT_STARTED = "not_started"  # sin iniciar
    IN_PROGRESS = "in_progress"  # en curso
    BLOCKED = "blocked"  # bloqueado
    DONE = "done"  # completado


class Deliverable(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cohort_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=32)  # short name people type: "mapeo", "plan"
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    template_url: str | None = Field(default=None, max_length=500)
    rdc7: bool = Field(default=False)
    rdc8: bool = Field(default=False)
    optional: bool = Field(default=False)
    due_week: int | None = None  # sprint week (1..weeks); or
    due_date: date | None = None
    all_teams: bool = Field(default=True)  # else only the teams in DeliverableTeam
    position: int = Field(default=0)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DeliverableTeam(SQLModel, table=True):
    """Assignment of a deliverable to one team (when not for all teams)."""

    deliverable_id: int = Field(foreign_key="deliverable.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


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


class CheckinAnswer(SQLModel, table=True):
    """A member's answers to the async check-in before a team's biweekly session."""

    __table_args__ = (UniqueConstraint("ref", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    ref: str = Field(max_length=100)  # the check-in occurrence key
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    answers: str = Field(sa_type=Text)  # JSON: {question: answer}
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


async def deliverables_of(session: AsyncSession, cohort_id: int) -> Sequence[Deliverable]:
    """The cohort's deliverables in their display order."""
    statement = (
        select(Deliverable)
        .where(Deliverable.cohort_id == cohort_id)
        .order_by(col(Deliverable.position), col(Deliverable.id))
    )
    return (await session.exec(statement)).all()


async def assigned_teams(session: AsyncSession, cohort_id: int) -> dict[int, set[int]]:
    """Team ids per deliverable, for the deliverables that are not for all teams."""
    statement = (
        select(DeliverableTeam)
        .join(Deliverable, col(Deliverable.id) == col(DeliverableTeam.deliverable_id))
        .where(Deliverable.cohort_id == cohort_id)
    )
    found: dict[int, set[int]] = {}
    for row in (await session.exec(statement)).all():
        found.setdefault(row.deliverable_id, set()).add(row.team_id)
    return found


def is_assigned(
    deliverable: Deliverable, team_id: int, assignments: Mapping[int, Collection[int]]
) -> bool:
    """Whether the deliverable is one of the team's: for all teams, or assigned to it
    (`assignments`: team ids per deliverable, as `assigned_teams` reads them)."""
    return deliverable.all_teams or team_id in assignments.get(deliverable.id or 0, ())


async def team_deliverable(
    session: AsyncSession, deliverable_id: int, team_id: int
) -> tuple[Deliverable, bool] | None:
    """A deliverable and whether it is this team's (see `is_assigned`), in one query."""
    assigned = (
        select(DeliverableTeam.team_id)
        .where(
            DeliverableTeam.deliverable_id == deliverable_id,
            DeliverableTeam.team_id == team_id,
        )
        .exists()
    )
    statement = select(Deliverable, assigned).where(Deliverable.id == deliverable_id)
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    deliverable, listed = row
    return deliverable, is_assigned(
        deliverable, team_id, {deliverable_id: [team_id] if listed else []}
    )


async def set_assignment(
    session: AsyncSession, deliverable: Deliverable, team_ids: Collection[int] | None
) -> None:
    """Assign a deliverable to some teams, or to all of them (`None`)."""
    assert deliverable.id is not None
    await session.exec(
        delete(DeliverableTeam).where(col(DeliverableTeam.deliverable_id) == deliverable.id)
    )
    deliverable.all_teams = team_ids is None
    session.add(deliverable)
    for team_id in sorted(team_ids or ()):
        session.add(DeliverableTeam(deliverable_id=deliverable.id, team_id=team_id))
    await session.flush()


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


async def checkin_answers(
    session: AsyncSession, cohort_id: int, *, ref: str | None = None, team_id: int | None = None
) -> Sequence[CheckinAnswer]:
    """Check-in answers, oldest first; one check-in (`ref`) or all of them."""
    statement = select(CheckinAnswer).where(CheckinAnswer.cohort_id == cohort_id)
    if ref is not None:
        statement = statement.where(CheckinAnswer.ref == ref)
    if team_id is not None:
        statement = statement.where(CheckinAnswer.team_id == team_id)
    return (await session.exec(statement.order_by(col(CheckinAnswer.id)))).all()


async def sweep_drafts(session: AsyncSession, before: datetime) -> None:
    """Forget drafts nobody resolved."""
    await session.exec(delete(StatusDraft).where(col(StatusDraft.created_at) < before))
