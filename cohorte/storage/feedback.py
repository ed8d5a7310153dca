"""Session feedback: "¿Qué tan útil fue? 1 a 5" and an optional comment, one answer per
member and session (the occurrence reference, as attendance keys it). The queries never
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.types import UTCDateTime


class Feedback(SQLModel, table=True):
    """A member's answer about one session; changeable for a few days after it."""

    __table_args__ = (UniqueConstraint("ref", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    ref: str = Field(max_length=100)  # the occurrence reference
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    score: int  # 1..5
    comment: str | None = Field(default=None, sa_type=Text)
    # Chosen by a coordinator (`/opiniones destacar`) for the cohort report.
    highlighted: bool = Field(default=False)
    answered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


async def feedback_of(
    session: AsyncSession, cohort_id: int, *, ref: str | None = None
) -> Sequence[Feedback]:
    """The answers of a cohort, oldest first; of one session (`ref`) or of all of them."""
    statement = select(Feedback).where(Feedback.cohort_id == cohort_id)
    if ref is not None:
        statement = statement.where(Feedback.ref == ref)
    return (await session.exec(statement.order_by(col(Feedback.id)))).all()
