"""The statements of a vote press: one write that checks everything, then cheap reads.

A press is the busiest path of the bot, so its statements are built once (per
dialect) with bound parameters, and SQLAlchemy's compiled cache does the rest.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert, dialect_of
from cohorte.storage.models import Cohort, Member
from cohorte.storage.polls import Choice, Poll, PollSlot, PollState, Vote


async def cast_vote(
    session: AsyncSession, poll_id: int, slot_id: int, person_id: int, choice: Choice, now: datetime
) -> int | None:
    """Store (or replace) a person's answer for one slot, in one statement.

    The checks are inside the write: the poll is open and before its deadline,
    the slot is one of its slots, the person is a member of its cohort. Returns
    the member id, or None when any check fails (nothing is written then). On
    PostgreSQL the poll row is share-locked, so closing the poll waits for the
    votes under way and no vote lands after it closed.
    """
    connection = await session.connection()
    params = {"poll": poll_id, "slot": slot_id, "person": person_id, "choice": choice, "now": now}
    result = await connection.execute(_cast_vote(dialect_of(session)), params)
    return result.scalar()


@cache
def _cast_vote(dialect: str) -> Any:
    vote = Vote.__table__.c  # type: ignore[attr-defined]
    poll_id = bindparam("poll", type_=vote.poll_id.type)
    now = bindparam("now", type_=vote.updated_at.type)
    source = (
        select_columns(
            poll_id,
            col(PollSlot.id),
            col(Member.id),
            bindparam("choice", type_=vote.choice.type),
            now,
        )
        .select_from(Poll)
        .join(
            PollSlot,
            and_(col(PollSlot.poll_id) == col(Poll.id), col(PollSlot.id) == bindparam("slot")),
        )
        .join(
            Member,
            and_(
                col(Member.cohort_id) == col(Poll.cohort_id),
                col(Member.person_id) == bindparam("person"),
            ),
        )
        .where(
            col(Poll.id) == poll_id,
            col(Poll.state) == PollState.OPEN,
            or_(col(Poll.deadline).is_(None), col(Poll.deadline) > now),
        )
    )
    if dialect == "postgresql":
        source = source.with_for_update(read=True, of=Poll)
    insert = conflict_insert(dialect, Vote).from_select(
        ["poll_id", "slot_id", "member_id", "choice", "updated_at"], source
    )
    return insert.on_conflict_do_update(
        index_elements=["poll_id", "member_id", "slot_id"],
        set_={"choice": insert.excluded.choice, "updated_at": insert.excluded.updated_at},
    ).returning(vote.member_id)


async def ballot_of(
    session: AsyncSession, poll_id: int, member_id: int
) -> tuple[Poll, list[PollSlot], dict[int, Choice]] | None:
    """The poll, its slots in order and one member's answers (slot id -> answer), in one
    query; None if the poll is gone."""
    rows = (await session.exec(_BALLOT, params={"poll": poll_id, "member": member_id})).all()
    if not rows:
        return None
    answers = {slot.id or 0: Choice(answer) for _, slot, answer in rows if answer is not None}
    return rows[0][0], [slot for _, slot, _ in rows], answers


_BALLOT = (
    select(Poll, PollSlot, col(Vote.choice))
    .join(PollSlot, col(PollSlot.poll_id) == col(Poll.id))
    .outerjoin(
        Vote,
        and_(col(Vote.slot_id) == col(PollSlot.id), col(Vote.member_id) == bindparam("member")),
    )
    .where(col(Poll.id) == bindparam("poll"))
    .order_by(col(PollSlot.position))
)


async def poll_votes(session: AsyncSession, poll_id: int) -> dict[tuple[int, int], Choice]:
    """(member id, slot id) -> answer, for every vote of the poll.

    Plain columns, not entities: the vote rows may have just been upserted.
    """
    statement = select(Vote.member_id, Vote.slot_id, Vote.choice).where(Vote.poll_id == poll_id)
    rows = (await session.exec(statement)).all()
    return {(member_id, slot_id): Choice(answer) for member_id, slot_id, answer in rows}


async def voter(session: AsyncSession, member_id: int) -> tuple[Member, Cohort]:
    """The member who just voted and their cohort (someone in two cohorts, answering the
    other one's poll); from the session's identity map when they are loaded."""
    member = await session.get(Member, member_id)
    assert member is not None  # the vote was just stored with this member id
    cohort = await session.get(Cohort, member.cohort_id)
    assert cohort is not None
    return member, cohort
