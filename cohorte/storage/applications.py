"""Applications to a cohort (`/inscribirme CODIGO`) and the places they fill. The queries
never commit.

A place is a participant's membership: the places taken are the cohort's participants
(and a city team's, its participants), whoever added them — an accepted application,
the cohort file, a coordinator. Decisions that take a place run after `lock_places`,
which serialises them per cohort: on PostgreSQL the cohort's row is locked until the
transaction ends, so two coordinators pressing ✅ at once are counted one after the
other; on SQLite the process's write turn already runs one writer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import Cohort, Member, Person, Role
from cohorte.storage.types import UTCDateTime, enum_type


class ApplicationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"


class Application(SQLModel, table=True):
    """One person's application to one cohort, and what the coordination decided."""

    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    city: str = Field(max_length=120)
    department: str = Field(max_length=200)
    role: str = Field(max_length=200)
    challenge: str = Field(sa_type=Text)
    state: ApplicationState = Field(
        default=ApplicationState.PENDING, sa_type=enum_type(ApplicationState)
    )
    # The order of the wait list (smaller first); None when not wait-listed.
    position: int | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decided_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


async def cohort_by_registration_code(session: AsyncSession, code: str) -> Cohort | None:
    """The cohort a registration code names (case and spaces do not matter)."""
    statement = select(Cohort).where(Cohort.registration_code == code.strip().upper())
    return (await session.exec(statement)).first()


async def application_of(
    session: AsyncSession, cohort_id: int, person_id: int
) -> Application | None:
    """A person's application to a cohort, if any."""
    statement = select(Application).where(
        Application.cohort_id == cohort_id, Application.person_id == person_id
    )
    return (await session.exec(statement)).first()


async def application_in_cohort(
    session: AsyncSession, cohort_id: int, application_id: int
) -> Application | None:
    """The application with this id, if it is one of the cohort's."""
    statement = select(Application).where(
        Application.id == application_id, Application.cohort_id == cohort_id
    )
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


async def application_by_id(session: AsyncSession, application_id: int) -> Application | None:
    """The application with this id, of any cohort (read fresh: a renderer checks its state)."""
    statement = select(Application).where(Application.id == application_id)
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


async def add_application(session: AsyncSession, application: Application) -> None:
    """Add a new application; it has its id on return."""
    session.add(application)
    await session.flush()


async def applications_with_people(
    session: AsyncSession, cohort_id: int, states: Sequence[ApplicationState] | None = None
) -> Sequence[tuple[Application, Person]]:
    """A cohort's applications with their people, in the order they came (the wait list
    by its position); of some states only, or all."""
    statement = (
        select(Application, Person)
        .join(Person, col(Person.id) == col(Application.person_id))
        .where(Application.cohort_id == cohort_id)
    )
    if states is not None:
        statement = statement.where(col(Application.state).in_(states))
    statement = statement.order_by(
        col(Application.position).is_(None), col(Application.position), col(Application.id)
    )
    return (await session.exec(statement)).all()


async def count_by_state(session: AsyncSession, cohort_id: int) -> dict[ApplicationState, int]:
    """How many applications of the cohort are in each state."""
    statement = (
        select(Application.state, func.count())
        .where(Application.cohort_id == cohort_id)
        .group_by(col(Application.state))
    )
    found = {state: 0 for state in ApplicationState}
    for state, count in (await session.exec(statement)).all():
        found[ApplicationState(state)] = count
    return found


async def lock_places(session: AsyncSession, cohort_id: int) -> None:
    """Hold the cohort's places until the transaction ends (see the module's docstring).

    SQLAlchemy leaves `FOR UPDATE` out on SQLite, where the write turn does the work.
    """
    statement = select(Cohort.id).where(Cohort.id == cohort_id).with_for_update()
    await session.exec(statement)


async def places_taken(
    session: AsyncSession, cohort_id: int, team_id: int | None
) -> tuple[int, int]:
    """(participants of the cohort, participants of the team; 0 without a team)."""
    participants = select(func.count()).where(
        Member.cohort_id == cohort_id, Member.role == Role.PARTICIPANT
    )
    in_cohort = (await session.exec(participants)).one()
    in_team = 0
    if team_id is not None:
        in_team = (await session.exec(participants.where(Member.team_id == team_id))).one()
    return in_cohort, in_team


async def last_position(session: AsyncSession, cohort_id: int) -> int:
    """The largest wait-list position ever given in the cohort (0 if none)."""
    statement = select(func.max(Application.position)).where(Application.cohort_id == cohort_id)
    return (await session.exec(statement)).one() or 0


async def remove_membership(session: AsyncSession, member: Member) -> None:
    """A participant's place is given back (their application was declined or
    wait-listed after all)."""
    await session.delete(member)
    await session.flush()
