"""Deliverables and their assignment to teams: the tables and their queries (never commit)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Column, UniqueConstraint, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.types import UTCDateTime


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


async def deliverables_of(session: AsyncSession, cohort_id: int) -> Sequence[Deliverable]:
    """The cohort's deliverables in their display order."""
    statement = (
        select(Deliverable)
        .where(Deliverable.cohort_id == cohort_id)
        .order_by(col(Deliverable.position), col(Deliverable.id))
    )
    return (await session.exec(statement)).all()


async def deliverable_by_id(session: AsyncSession, deliverable_id: int) -> Deliverable | None:
    """One deliverable by its id, whatever its cohort (callers check it)."""
    return await session.get(Deliverable, deliverable_id)


async def add_deliverable(session: AsyncSession, deliverable: Deliverable) -> Deliverable:
    """Store a new deliverable; it has its id on return."""
    session.add(deliverable)
    await session.flush()
    return deliverable


async def delete_deliverable(session: AsyncSession, deliverable: Deliverable) -> None:
    """Delete a deliverable; the database deletes its assignments and history with it."""
    await session.delete(deliverable)


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
