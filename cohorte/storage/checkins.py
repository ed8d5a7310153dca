"""Answers to the async check-in before a team's session: the table and its queries.

The answers of one member are one JSON object `{question: answer}`, kept as the
questions read when they answered. The queries never commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert
from cohorte.storage.types import UTCDateTime


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


async def answers_by_member(
    session: AsyncSession, cohort_id: int, ref: str
) -> dict[int, dict[str, str]]:
    """The answers of one check-in, `{question: answer}` by member id."""
    rows = await checkin_answers(session, cohort_id, ref=ref)
    return {row.member_id: json.loads(row.answers) for row in rows}


async def has_answered(session: AsyncSession, ref: str, member_id: int) -> bool:
    """Whether the member already answered the check-in `ref`."""
    statement = select(CheckinAnswer.id).where(
        CheckinAnswer.ref == ref, CheckinAnswer.member_id == member_id
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def save_answers(
    session: AsyncSession,
    *,
    cohort_id: int,
    team_id: int,
    ref: str,
    member_id: int,
    answers: Mapping[str, str],
    now: datetime,
) -> None:
    """Keep a member's answers to the check-in `ref`; answering again replaces them."""
    text = json.dumps(dict(answers), ensure_ascii=False)
    statement = (
        conflict_insert(session, CheckinAnswer)
        .values(
            cohort_id=cohort_id,
            team_id=team_id,
            ref=ref,
            member_id=member_id,
            answers=text,
            created_at=now,
        )
        .on_conflict_do_update(
            index_elements=["ref", "member_id"], set_={"answers": text, "created_at": now}
        )
    )
    await session.exec(statement)
