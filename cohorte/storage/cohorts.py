"""A cohort's definition as whole rows: the cohort, its teams, chats, people and accounts,
members, calendar and deliverables, as joining and the cohort file write and read them.

The shared lookups (a sender, a membership, a cohort by invite code or chat, the teams
by name) are in `cohorte.storage.queries`; these functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import ChatLink, Cohort, Event, Identity, Member, Person, Team
from cohorte.storage.series import Series, SeriesChange
from cohorte.storage.status import Deliverable

# --- one row at a time ------------------------------------------------------------------


async def cohort_by_id(session: AsyncSession, cohort_id: int) -> Cohort | None:
    """The cohort with this id, if there is one."""
    return await session.get(Cohort, cohort_id)


async def team_in_cohort(session: AsyncSession, cohort_id: int, team_id: int) -> Team | None:
    """The team with this id, if it is one of the cohort's teams."""
    statement = select(Team).where(Team.id == team_id, Team.cohort_id == cohort_id)
    return (await session.exec(statement)).first()


async def add_member(session: AsyncSession, member: Member) -> Member:
    """Add a new membership; it has its id on return."""
    session.add(member)
    await session.flush()
    return member


# --- writing a whole cohort (the cohort file) ---------------------------------------------


async def add_cohort(session: AsyncSession, cohort: Cohort) -> int:
    """Add a new cohort; returns its id."""
    session.add(cohort)
    await session.flush()
    return _id(cohort.id)


async def add_teams(session: AsyncSession, teams: Sequence[Team]) -> None:
    """Add new teams, in this order; they have their ids on return."""
    await _add_all(session, teams)


async def add_chats(session: AsyncSession, chats: Sequence[ChatLink]) -> None:
    """Link new group chats to their cohorts."""
    await _add_all(session, chats)


async def add_people(session: AsyncSession, people: Sequence[Person]) -> None:
    """Add new people, in this order; they have their ids on return."""
    await _add_all(session, people)


async def add_accounts(session: AsyncSession, identities: Sequence[Identity]) -> None:
    """Add new platform accounts to people who exist."""
    await _add_all(session, identities)


async def add_members(session: AsyncSession, members: Sequence[Member]) -> None:
    """Add new memberships."""
    await _add_all(session, members)


async def add_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """Add new one-off events."""
    await _add_all(session, events)


async def add_series(session: AsyncSession, series: Series) -> int:
    """Add a new series; returns its id (for its changes)."""
    session.add(series)
    await session.flush()
    return _id(series.id)


async def add_series_changes(session: AsyncSession, changes: Sequence[SeriesChange]) -> None:
    """Add moved or cancelled occurrences of series that exist."""
    await _add_all(session, changes)


async def add_deliverable(session: AsyncSession, deliverable: Deliverable) -> Deliverable:
    """Add a new deliverable; it has its id on return."""
    session.add(deliverable)
    await session.flush()
    return deliverable


async def _add_all(session: AsyncSession, rows: Sequence[object]) -> None:
    session.add_all(rows)
    await session.flush()


def _id(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value


# --- reading a whole cohort, in the order it was written ----------------------------------


async def accounts_with_people(
    session: AsyncSession, external_ids: Sequence[str]
) -> Sequence[tuple[Identity, Person]]:
    """The accounts known by one of these external ids (on any platform), with their people."""
    if not external_ids:
        return []
    statement = (
        select(Identity, Person)
        .join(Person, col(Identity.person_id) == col(Person.id))
        .where(col(Identity.external_id).in_(external_ids))
    )
    return (await session.exec(statement)).all()


async def teams_as_added(session: AsyncSession, cohort_id: int) -> Sequence[Team]:
    """The cohort's teams in the order they were added."""
    statement = select(Team).where(Team.cohort_id == cohort_id).order_by(col(Team.id))
    return (await session.exec(statement)).all()


async def chats_as_added(session: AsyncSession, cohort_id: int) -> Sequence[ChatLink]:
    """The cohort's group chats in the order they were linked."""
    statement = select(ChatLink).where(ChatLink.cohort_id == cohort_id).order_by(col(ChatLink.id))
    return (await session.exec(statement)).all()


async def members_as_added(
    session: AsyncSession, cohort_id: int
) -> Sequence[tuple[Member, Person]]:
    """The cohort's members and their people, in the order they joined."""
    statement = (
        select(Member, Person)
        .join(Person, col(Member.person_id) == col(Person.id))
        .where(Member.cohort_id == cohort_id)
        .order_by(col(Member.id))
    )
    return (await session.exec(statement)).all()


async def events_as_added(session: AsyncSession, cohort_id: int) -> Sequence[Event]:
    """The cohort's one-off events, cancelled ones included, in the order they were added."""
    statement = select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.id))
    return (await session.exec(statement)).all()


async def events_by_start(session: AsyncSession, cohort_id: int) -> Sequence[Event]:
    """The cohort's one-off events, cancelled ones included, earliest first."""
    statement = select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.starts_at))
    return (await session.exec(statement)).all()


async def running_series(session: AsyncSession, cohort_id: int) -> Sequence[Series]:
    """The cohort's series that were not replaced (ended), in the order they were added."""
    statement = (
        select(Series)
        .where(Series.cohort_id == cohort_id, col(Series.ended_at).is_(None))
        .order_by(col(Series.id))
    )
    return (await session.exec(statement)).all()


async def changes_of_series(
    session: AsyncSession, series_ids: Sequence[int]
) -> Sequence[SeriesChange]:
    """The moved and cancelled occurrences of these series, by original date."""
    statement = (
        select(SeriesChange)
        .where(col(SeriesChange.series_id).in_(series_ids))
        .order_by(col(SeriesChange.original_date))
    )
    return (await session.exec(statement)).all()
