"""People and their platform accounts: who wrote (the sender and their cohort), who can
be written to privately, the platform events already handled and where keyed messages
were posted. The tables are in `storage.models`; these functions never commit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, delete, func, or_, update
from sqlalchemy import select as select_many
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.cohorts import active_cohort, cohort_for_chat
from cohorte.storage.db import conflict_insert, dialect_of
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Identity,
    InboundEvent,
    Member,
    Person,
    Platform,
    SentMessage,
    Team,
)

# --- people and their accounts ------------------------------------------------------------


async def person_by_identity(
    session: AsyncSession, platform: Platform, external_id: str
) -> Person | None:
    """The person behind a platform account, if any."""
    statement = (
        select(Person)
        .join(Identity, col(Identity.person_id) == col(Person.id))
        .where(Identity.platform == platform, Identity.external_id == external_id)
    )
    return (await session.exec(statement)).first()


async def identity_by_external_id(
    session: AsyncSession, platform: Platform, external_id: str
) -> Identity | None:
    """One platform account, if known."""
    statement = select(Identity).where(
        Identity.platform == platform, Identity.external_id == external_id
    )
    return (await session.exec(statement)).first()


async def mark_dm_closed(session: AsyncSession, platform: Platform, external_id: str) -> None:
    """Forget that this account can be messaged privately (it blocked the bot)."""
    statement = (
        update(Identity)
        .where(
            col(Identity.platform) == platform,
            col(Identity.external_id) == external_id,
            col(Identity.dm_open).is_(True),
        )
        .values(dm_open=False)
    )
    await session.exec(statement)


async def add_person(
    session: AsyncSession,
    name: str,
    platform: Platform,
    external_id: str,
    now: datetime,
    *,
    dm_open: bool = False,
) -> Person:
    """A new person with their first platform account."""
    person = Person(display_name=name[:120], created_at=now)
    session.add(person)
    await session.flush()
    assert person.id is not None
    session.add(
        Identity(person_id=person.id, platform=platform, external_id=external_id, dm_open=dm_open)
    )
    await session.flush()
    return person


async def add_people(session: AsyncSession, people: Sequence[Person]) -> None:
    """Add new people, in this order; they have their ids on return."""
    session.add_all(people)
    await session.flush()


async def add_accounts(session: AsyncSession, identities: Sequence[Identity]) -> None:
    """Add new platform accounts to people who exist."""
    session.add_all(identities)
    await session.flush()


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


async def people_by_id(session: AsyncSession, ids: Sequence[int]) -> Sequence[Person]:
    """The people with these ids."""
    return (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()


async def identities_of_people(
    session: AsyncSession, person_ids: Sequence[int]
) -> Sequence[Identity]:
    """These people's platform accounts, oldest first."""
    statement = (
        select(Identity).where(col(Identity.person_id).in_(person_ids)).order_by(col(Identity.id))
    )
    return (await session.exec(statement)).all()


async def privately_reachable(
    session: AsyncSession, person_ids: list[int], writing_first: Collection[Platform]
) -> set[int]:
    """Those of `person_ids` with at least one account the bot may message privately: on
    a platform of `writing_first` (the caller knows the platforms' traits), or one where
    they opened a private chat with the bot."""
    if not person_ids:
        return set()
    statement = select(Identity.person_id).where(
        col(Identity.person_id).in_(person_ids),
        or_(col(Identity.platform).in_(list(writing_first)), col(Identity.dm_open).is_(True)),
    )
    return set((await session.exec(statement)).all())


# --- the sender of a message ------------------------------------------------------------


class Sender(NamedTuple):
    """Who wrote, and the cohort, membership and team their message is about."""

    identity: Identity | None
    person: Person | None
    cohort: Cohort | None
    member: Member | None
    team: Team | None
    # How many cohorts the person belongs to, and how many of them are active (upcoming
    # or running: `cohorts.active_cohort`).
    cohorts: int = 0
    active: int = 0

    @property
    def chosen(self) -> bool:
        """Whether the cohort is the one the person chose for their private chats."""
        return self.member is not None and self.member.chosen_at is not None


async def sender(
    session: AsyncSession,
    platform: Platform,
    external_id: str,
    group_chat: str | None,
    today: date,
) -> Sender:
    """The sender of a message, in one query where possible.

    In a group chat linked to a cohort: that cohort, and the sender's membership
    in it (if any). Elsewhere (a private chat, a group not linked): the cohort the
    sender chose last (`Member.chosen_at`), else an active one (upcoming or running
    on `today`, a UTC date), else the one they joined last. The counts of their
    cohorts and active cohorts come with it, so the caller knows when to ask.
    """
    params: dict[str, object] = {"platform": platform, "sender": external_id, "today": today}
    if group_chat is not None:
        found = await _sender_row(session, _SENDER_IN_CHAT, {**params, "chat": group_chat})
        if found is not None and found.cohort is not None:
            return found
        if found is None:  # somebody we do not know yet, in a linked group or not
            cohort = await cohort_for_chat(session, platform, group_chat)
            return Sender(None, None, cohort, None, None)
    found = await _sender_row(session, _SENDER_LATEST, params)
    return found if found is not None else Sender(None, None, None, None, None)


async def _sender_row(
    session: AsyncSession, statement: Any, params: dict[str, object]
) -> Sender | None:
    row = (await session.exec(statement, params=params)).first()
    return Sender(*row) if row is not None else None


def _counts() -> tuple[Any, Any]:
    """The number of the sender's cohorts, and of their active ones (scalar subqueries)."""
    member, cohort = aliased(Member), aliased(Cohort)
    mine = col(member.person_id) == col(Person.id)
    every = select_many(func.count()).select_from(member).where(mine)
    active = (
        select_many(func.count())
        .select_from(member)
        .join(cohort, col(cohort.id) == col(member.cohort_id))
        .where(mine, active_cohort(cohort))
    )
    return (
        every.correlate(Person).scalar_subquery(),
        active.correlate(Person).scalar_subquery(),
    )


def _sender_statement(membership: Any, cohort_of_member: bool) -> Any:
    """Identity, person, cohort, member and team of a sender, joined on `membership`,
    with the counts of their cohorts."""
    # sqlmodel's `select` stops at four entities: SQLAlchemy's own select takes more.
    statement = select_many(Identity, Person, Cohort, Member, Team, *_counts()).join(
        Person, col(Person.id) == col(Identity.person_id)
    )
    if cohort_of_member:
        statement = statement.outerjoin(Member, membership).outerjoin(
            Cohort, col(Cohort.id) == col(Member.cohort_id)
        )
    else:
        statement = statement.outerjoin(
            ChatLink,
            and_(
                col(ChatLink.platform) == bindparam("platform"),
                col(ChatLink.chat_id) == bindparam("chat"),
            ),
        )
        statement = statement.outerjoin(Cohort, col(Cohort.id) == col(ChatLink.cohort_id))
        statement = statement.outerjoin(Member, membership)
    return statement.outerjoin(Team, col(Team.id) == col(Member.team_id)).where(
        col(Identity.platform) == bindparam("platform"),
        col(Identity.external_id) == bindparam("sender"),
    )


def _private_membership() -> Any:
    """The membership a private message is about: chosen last, else active, else joined
    last (a correlated subquery)."""
    member, cohort = aliased(Member), aliased(Cohort)
    return (
        select_many(col(member.id))
        .join(cohort, col(cohort.id) == col(member.cohort_id))
        .where(col(member.person_id) == col(Person.id))
        .order_by(
            case((col(member.chosen_at).is_(None), 1), else_=0),
            col(member.chosen_at).desc(),
            case((active_cohort(cohort), 0), else_=1),
            col(member.joined_at).desc(),
            col(member.id).desc(),
        )
        .limit(1)
        .correlate(Person)
        .scalar_subquery()
    )


# In a linked group: the chat's cohort and the sender's membership in it.
_SENDER_IN_CHAT = _sender_statement(
    and_(col(Member.cohort_id) == col(Cohort.id), col(Member.person_id) == col(Person.id)),
    cohort_of_member=False,
)
# Elsewhere: the membership chosen last, else an active one, else the one joined last.
_SENDER_LATEST = _sender_statement(col(Member.id) == _private_membership(), cohort_of_member=True)


async def choose_cohort(session: AsyncSession, member: Member, now: datetime) -> None:
    """The person chooses this membership's cohort for their private chats (their other
    memberships are no longer chosen: one choice at a time, whatever the clock says)."""
    await session.exec(
        update(Member)
        .where(
            col(Member.person_id) == member.person_id,
            col(Member.id) != member.id,
            col(Member.chosen_at).is_not(None),
        )
        .values(chosen_at=None)
    )
    member.chosen_at = now
    session.add(member)
    await session.flush()


# --- platform events already handled, keyed messages --------------------------------------


async def record_inbound(
    session: AsyncSession, platform: Platform, event_id: str, now: datetime
) -> bool:
    """Remember a platform event id; False if it was seen before (a redelivery)."""
    values = {"platform": platform.value, "event_id": event_id[:128], "received_at": now}
    connection = await session.connection()
    # rowcount is unreliable here (psycopg may report -1): ask for the new id instead.
    result = await connection.execute(_record_inbound(dialect_of(session)), values)
    return result.first() is not None


@cache
def _record_inbound(dialect: str) -> Any:
    return (
        conflict_insert(dialect, InboundEvent)
        .on_conflict_do_nothing()
        .returning(col(InboundEvent.id))
    )


async def prune_inbound(session: AsyncSession, before: datetime) -> int:
    """Forget platform event ids older than `before` (redeliveries come within minutes)."""
    result = await session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < before))
    return int(result.rowcount or 0)


async def sent_message(
    session: AsyncSession, platform: Platform, chat_id: str, key: str
) -> SentMessage | None:
    """Where the keyed message of a chat was posted, if it was."""
    statement = select(SentMessage).where(
        SentMessage.platform == platform, SentMessage.chat_id == chat_id, SentMessage.key == key
    )
    return (await session.exec(statement)).first()


async def remember_sent_message(
    session: AsyncSession,
    platform: Platform,
    chat_id: str,
    key: str,
    message_id: str,
    now: datetime,
) -> None:
    """Record (or replace) where the keyed message lives, so that later replies edit it."""
    statement = (
        conflict_insert(session, SentMessage)
        .values(
            platform=platform.value, chat_id=chat_id, key=key, message_id=message_id, sent_at=now
        )
        .on_conflict_do_update(
            index_elements=["platform", "chat_id", "key"],
            set_={"message_id": message_id, "sent_at": now},
        )
    )
    await session.exec(statement)
