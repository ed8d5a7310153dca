"""Cohorts, their teams, their linked group chats and their members: the queries.

The tables are in `storage.models`. Rows are added through the session, so that
the flush hook of `storage.planning` re-plans the cohort's reminders. These
functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, bindparam, delete
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance_imports import AttendanceImport, ImportRow
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import (
    AnnouncementDraft,
    ChatLink,
    Cohort,
    Event,
    Member,
    PendingChange,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.polls import Poll
from cohorte.storage.series import Series
from cohorte.storage.status import StatusDraft, StatusUpdate
from cohorte.storage.types import MAX_ID

# --- the state of a cohort: the one rule --------------------------------------------------


class CohortState(StrEnum):
    """Where a cohort is in its life."""

    UPCOMING = "upcoming"  # its first week has not begun
    RUNNING = "running"  # today is within its weeks
    ENDED = "ended"  # past its last week, or its closing message was planned (`ended_at`)
    ARCHIVED = "archived"  # put away by the operator (`archived_at`)


def cohort_end(cohort: Cohort) -> date:
    """The first day after the cohort's weeks."""
    return cohort.start_date + timedelta(weeks=cohort.weeks)


def cohort_state(cohort: Cohort, today: date) -> CohortState:
    """The cohort's state on `today` (a day in the cohort's home zone: `cohort_today`).

    Archived wins over ended; a cohort is ended from the day after its last week, or
    earlier if its end was recorded; upcoming before its start date; else running.
    `active_cohort` is the same rule (upcoming or running) as a SQL condition.
    """
    if cohort.archived_at is not None:
        return CohortState.ARCHIVED
    if cohort.ended_at is not None or today >= cohort_end(cohort):
        return CohortState.ENDED
    if today < cohort.start_date:
        return CohortState.UPCOMING
    return CohortState.RUNNING


def cohort_today(cohort: Cohort, now: datetime) -> date:
    """Today's date in the cohort's home zone."""
    return now.astimezone(ZoneInfo(cohort.home_zone)).date()


def is_active(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort is upcoming or running (not ended, not archived) at `now`."""
    return cohort_state(cohort, cohort_today(cohort, now)) in (
        CohortState.UPCOMING,
        CohortState.RUNNING,
    )


class _EndDate(FunctionElement[date]):
    """The first day after a cohort's weeks, in SQL (`cohort_end`)."""

    type = Date()
    inherit_cache = True


@compiles(_EndDate)
def _end_date(element: _EndDate, compiler: SQLCompiler, **kw: Any) -> str:
    start, weeks = (compiler.process(c, **kw) for c in element.clauses)
    return f"({start} + 7 * {weeks})"  # PostgreSQL: date + integer days


@compiles(_EndDate, "sqlite")
def _end_date_sqlite(element: _EndDate, compiler: SQLCompiler, **kw: Any) -> str:
    start, weeks = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({start}, '+' || (7 * {weeks}) || ' days')"


def active_cohort(cohort: Any = Cohort, today: Any = None) -> ColumnElement[bool]:
    """`cohort_state` is upcoming or running, as a condition on `cohort` (the table or an
    alias of it). `today` is a bound parameter named "today" unless given; it is a UTC
    date, so a cohort may count as active for the hours its home zone lags behind."""
    day = bindparam("today", type_=Date()) if today is None else today
    return and_(
        col(cohort.archived_at).is_(None),
        col(cohort.ended_at).is_(None),
        _EndDate(col(cohort.start_date), col(cohort.weeks)) > day,
    )


# --- which cohort a row belongs to (a button names the row; its cohort applies) -------------

_OWNED: dict[str, Any] = {
    "poll": Poll,
    "event": Event,
    "series": Series,
    "draft": AnnouncementDraft,
    "change": PendingChange,
    "deliverable": Deliverable,
    "update": StatusUpdate,
    "status_draft": StatusDraft,
    "member": Member,
    "import": AttendanceImport,
    "feedback": Feedback,
}


async def cohort_of(session: AsyncSession, kind: str, row_id: int) -> int | None:
    """The id of the cohort that the row `row_id` of `kind` (a key of the table above:
    "poll", "event", "series", "deliverable", ...) belongs to; None if there is none."""
    if kind == "import_row":
        statement: Any = (
            select(AttendanceImport.cohort_id)
            .join(ImportRow, col(ImportRow.import_id) == col(AttendanceImport.id))
            .where(ImportRow.id == row_id)
        )
    else:
        table = _OWNED[kind]
        statement = select(table.cohort_id).where(table.id == row_id)
    found = (await session.exec(statement)).first()
    return int(found) if found is not None else None


# --- cohorts ------------------------------------------------------------------------------


async def live_cohorts(session: AsyncSession) -> Sequence[Cohort]:
    """Cohorts neither ended nor archived: the ones planners plan for."""
    statement = (
        select(Cohort)
        .where(col(Cohort.ended_at).is_(None), col(Cohort.archived_at).is_(None))
        .order_by(col(Cohort.id))
    )
    return (await session.exec(statement)).all()


async def archive_cohort(session: AsyncSession, cohort: Cohort, now: datetime) -> None:
    """Archive `cohort`: it sends nothing more and answers read-only. Its personal data
    is deleted `COHORTE_RETENTION_DAYS` later."""
    cohort.archived_at = now
    if cohort.ended_at is None:
        cohort.ended_at = now
    session.add(cohort)
    await session.flush()


async def delete_cohort(session: AsyncSession, cohort_id: int) -> bool:
    """Delete a cohort and everything of it (its rows cascade: teams, members, calendar,
    polls, reports, attendance, outbox); its people and other cohorts stay. False if there
    is no such cohort."""
    result = await session.exec(delete(Cohort).where(col(Cohort.id) == cohort_id))
    return bool(result.rowcount)


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


async def cohorts_of_person(
    session: AsyncSession, person_id: int
) -> Sequence[tuple[Cohort, Member]]:
    """Every cohort the person belongs to, with their membership, in the order they joined."""
    statement = (
        select(Cohort, Member)
        .join(Member, col(Member.cohort_id) == col(Cohort.id))
        .where(Member.person_id == person_id)
        .order_by(col(Member.joined_at), col(Member.id))
    )
    return (await session.exec(statement)).all()


async def place_in_cohort(
    session: AsyncSession, cohort_id: int, person_id: int
) -> tuple[Cohort | None, Member | None, Team | None]:
    """A cohort, the person's membership in it (if any) and their team, in one query."""
    statement = (
        select(Cohort, Member, Team)
        .outerjoin(
            Member,
            and_(col(Member.cohort_id) == col(Cohort.id), col(Member.person_id) == person_id),
        )
        .outerjoin(Team, col(Team.id) == col(Member.team_id))
        .where(Cohort.id == cohort_id)
    )
    row = (await session.exec(statement)).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


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
    """Display names of the cohort's members, by member id; the stand-ins of forgotten
    people have none (what they did shows without a name)."""
    return {
        member.id: person.display_name
        for member, person in await members_with_people(session, cohort_id)
        if member.id is not None and person.forgotten_at is None
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


async def member_in_cohort(session: AsyncSession, cohort_id: int, member_id: int) -> Member | None:
    """The membership with this id, if it is one of the cohort's."""
    statement = select(Member).where(Member.id == member_id, Member.cohort_id == cohort_id)
    return (await session.exec(statement)).first()


async def remove_member(session: AsyncSession, member: Member) -> None:
    """Take a member out of their cohort. Their votes, answers, attendance and drafts go
    with the membership (the database cascades); status history keeps its team."""
    await session.delete(member)
    await session.flush()


# --- helpers of the writes above ----------------------------------------------------------


async def _add_all(session: AsyncSession, rows: Sequence[object]) -> None:
    session.add_all(rows)
    await session.flush()


def _id(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value
