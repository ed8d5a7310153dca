"""Cohorts, their teams, their linked group chats and their members: the queries.

The tables are in `storage.models`. Rows are added through the session, so that
the flush hook of `storage.planning` re-plans the cohort's reminders. These
functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import ChatLink, Cohort, Member, Person, Platform, Role, Team
from cohorte.storage.types import MAX_ID

# --- cohorts ------------------------------------------------------------------------------


async def cohort_by_id(session: AsyncSession, cohort_id: int) -> Cohort | None:
    """The cohort with this id, if there is one (from the session's identity map when it
    is loaded). An id outside the id column's range (typed on the command line) names
    none: the databases would refuse the query instead."""
    if not 0 < cohort_id <= MAX_ID:
        return None
    return await session.get(Cohort, cohort_id)


async def cohorts_by_id(session: AsyncSession, ids: Sequence[int]) -> Sequence[Cohort]:
    """The cohorts with these ids (a batch of deliveries)."""
    return (await session.exec(select(Cohort).where(col(Cohort.id).in_(ids)))).all()


async def list_cohorts(session: AsyncSession) -> Sequence[Cohort]:
    """Every cohort, oldest first."""
    return (await session.exec(select(Cohort).order_by(col(Cohort.id)))).all()


async def cohort_by_invite(session: AsyncSession, code: str) -> Cohort | None:
    """The cohort an invite code opens (case and spaces do not matter)."""
    statement = select(Cohort).where(Cohort.invite_code == code.strip().upper())
    return (await session.exec(statement)).first()


async def cohort_for_chat(session: AsyncSession, platform: Platform, chat_id: str) -> Cohort | None:
    """The cohort a group chat is linked to, if any."""
    statement = (
        select(Cohort)
        .join(ChatLink, col(ChatLink.cohort_id) == col(Cohort.id))
        .where(ChatLink.platform == platform, ChatLink.chat_id == chat_id)
    )
    return (await session.exec(statement)).first()


async def add_cohort(session: AsyncSession, cohort: Cohort) -> int:
    """Add a new cohort; returns its id."""
    session.add(cohort)
    await session.flush()
    return _id(cohort.id)


# --- teams --------------------------------------------------------------------------------


async def team_by_id(session: AsyncSession, team_id: int) -> Team | None:
    """The team with this id, of any cohort."""
    return await session.get(Team, team_id)


async def team_in_cohort(session: AsyncSession, cohort_id: int, team_id: int) -> Team | None:
    """The team with this id, if it is one of the cohort's teams."""
    statement = select(Team).where(Team.id == team_id, Team.cohort_id == cohort_id)
    return (await session.exec(statement)).first()


async def teams_of(session: AsyncSession, cohort_id: int) -> Sequence[Team]:
    """A cohort's teams, by name."""
    statement = select(Team).where(Team.cohort_id == cohort_id).order_by(col(Team.name))
    return (await session.exec(statement)).all()


async def teams_as_added(session: AsyncSession, cohort_id: int) -> Sequence[Team]:
    """The cohort's teams in the order they were added."""
    statement = select(Team).where(Team.cohort_id == cohort_id).order_by(col(Team.id))
    return (await session.exec(statement)).all()


async def teams_of_cohorts(session: AsyncSession, cohort_ids: Sequence[int]) -> Sequence[Team]:
    """The teams of these cohorts."""
    return (await session.exec(select(Team).where(col(Team.cohort_id).in_(cohort_ids)))).all()


async def add_teams(session: AsyncSession, teams: Sequence[Team]) -> None:
    """Add new teams, in this order; they have their ids on return."""
    await _add_all(session, teams)


# --- group chats --------------------------------------------------------------------------


async def chats_of(session: AsyncSession, cohort_id: int) -> Sequence[ChatLink]:
    """The group chats linked to a cohort, in the order they were linked."""
    statement = select(ChatLink).where(ChatLink.cohort_id == cohort_id).order_by(col(ChatLink.id))
    return (await session.exec(statement)).all()


async def chats_of_cohorts(session: AsyncSession, cohort_ids: Sequence[int]) -> Sequence[ChatLink]:
    """The group chats linked to these cohorts."""
    statement = select(ChatLink).where(col(ChatLink.cohort_id).in_(cohort_ids))
    return (await session.exec(statement)).all()


async def add_chats(session: AsyncSession, chats: Sequence[ChatLink]) -> None:
    """Link new group chats to their cohorts."""
    await _add_all(session, chats)


async def link_chat(
    session: AsyncSession, cohort_id: int, platform: Platform, chat_id: str, title: str | None
) -> ChatLink:
    """Link a group chat to a cohort (moving it if it belonged to another)."""
    statement = select(ChatLink).where(ChatLink.platform == platform, ChatLink.chat_id == chat_id)
    link = (await session.exec(statement)).first()
    if link is None:
        link = ChatLink(cohort_id=cohort_id, platform=platform, chat_id=chat_id, title=title)
    else:
        link.cohort_id, link.title = cohort_id, title or link.title
    session.add(link)
    await session.flush()
    return link


async def move_chat(
    session: AsyncSession, platform: Platform, old_chat_id: str, new_chat_id: str
) -> ChatLink | None:
    """A group chat changed its id (Telegram group -> supergroup): its cohort link follows.

    Idempotent: if the new id is already linked, the old link is dropped.
    """
    statement = select(ChatLink).where(ChatLink.platform == platform)
    old = (await session.exec(statement.where(ChatLink.chat_id == old_chat_id))).first()
    new = (await session.exec(statement.where(ChatLink.chat_id == new_chat_id))).first()
    if old is None:
        return new
    if new is not None:
        await session.delete(old)
        await session.flush()
        return new
    old.chat_id = new_chat_id
    session.add(old)
    await session.flush()
    return old


# --- members ------------------------------------------------------------------------------


async def membership(session: AsyncSession, cohort_id: int, person_id: int) -> Member | None:
    """A person's membership in one cohort, if any."""
    statement = select(Member).where(Member.cohort_id == cohort_id, Member.person_id == person_id)
    return (await session.exec(statement)).first()


async def memberships_of(session: AsyncSession, person_ids: Sequence[int]) -> Sequence[Member]:
    """Every membership of these people."""
    statement = select(Member).where(col(Member.person_id).in_(person_ids))
    return (await session.exec(statement)).all()


async def member_by_calendar_token(session: AsyncSession, token: str) -> Member | None:
    """The member whose calendar feed has this secret token."""
    statement = select(Member).where(Member.calendar_token == token)
    return (await session.exec(statement)).first()


async def places_of_member(
    session: AsyncSession, member: Member
) -> tuple[Person | None, Cohort | None, Team | None]:
    """The person, cohort and team of one membership, in one query."""
    statement = (
        select(Person, Cohort, Team)
        .select_from(Member)
        .join(Person, col(Person.id) == col(Member.person_id))
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .outerjoin(Team, col(Team.id) == col(Member.team_id))
        .where(Member.id == member.id)
    )
    row = (await session.exec(statement)).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


async def teammates(session: AsyncSession, team_id: int, *, besides: int) -> list[int]:
    """Person ids of a team's members, except the member `besides`."""
    statement = select(Member.person_id).where(Member.team_id == team_id, Member.id != besides)
    return list((await session.exec(statement)).all())


async def members_with_people(
    session: AsyncSession, cohort_id: int
) -> Sequence[tuple[Member, Person]]:
    """A cohort's members with their people, by name."""
    statement = (
        select(Member, Person)
        .join(Person, col(Person.id) == col(Member.person_id))
        .where(Member.cohort_id == cohort_id)
        .order_by(col(Person.display_name))
    )
    return (await session.exec(statement)).all()


async def member_names(session: AsyncSession, cohort_id: int) -> dict[int, str]:
    """Display names of the cohort's members, by member id."""
    return {
        member.id: person.display_name
        for member, person in await members_with_people(session, cohort_id)
        if member.id is not None
    }


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


async def members_of_cohorts(session: AsyncSession, cohort_ids: Sequence[int]) -> Sequence[Member]:
    """Every membership of these cohorts."""
    statement = select(Member).where(col(Member.cohort_id).in_(cohort_ids))
    return (await session.exec(statement)).all()


async def coordinators_of(session: AsyncSession, cohort_ids: Sequence[int]) -> dict[int, list[int]]:
    """Person ids of each cohort's coordinators."""
    statement = select(Member.cohort_id, Member.person_id).where(
        col(Member.cohort_id).in_(cohort_ids), Member.role == Role.COORDINATOR
    )
    found: dict[int, list[int]] = {}
    for cohort_id, person_id in (await session.exec(statement)).all():
        found.setdefault(cohort_id, []).append(person_id)
    return found


async def add_members(session: AsyncSession, members: Sequence[Member]) -> None:
    """Add new memberships; they have their ids on return."""
    await _add_all(session, members)


# --- helpers of the writes above ----------------------------------------------------------


async def _add_all(session: AsyncSession, rows: Sequence[object]) -> None:
    session.add_all(rows)
    await session.flush()


def _id(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value
