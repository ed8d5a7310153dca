"""Session feedback: "¿Qué tan útil fue? 1 a 5" and an optional comment, one answer per
member and session (the occurrence reference, as attendance keys it). The queries never
commit.

Which sessions ask, and what, is the cohort's `feedback_settings` column, a JSON
object read and written only here (`feedback_settings`, `settings_json`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint, and_, bindparam, exists, or_, update
from sqlalchemy import select as select_columns
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance import Attendance, AttendanceStatus, Rsvp, RsvpAnswer
from cohorte.storage.db import conflict_insert, dialect_of
from cohorte.storage.models import Member, Role
from cohorte.storage.types import UTCDateTime

# The kinds of sessions that may ask (an occurrence's kind), and those that do by default.
FEEDBACK_KINDS = ("masterclass", "showtime", "session")
DEFAULT_FEEDBACK_KINDS: tuple[str, ...] = ("masterclass", "showtime")
LOWEST_SCORE, HIGHEST_SCORE = 1, 5
COMMENT_LIMIT = 1000  # characters of a comment


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


@dataclass(frozen=True)
class FeedbackSettings:
    """Which kinds of sessions ask for feedback (in `FEEDBACK_KINDS`' order) and the
    question; an empty question is the catalog's, in each reader's language."""

    kinds: tuple[str, ...] = DEFAULT_FEEDBACK_KINDS
    question: str = ""

    def asks_after(self, kind: str) -> bool:
        """Whether a session of this kind asks for feedback."""
        return kind in self.kinds


def feedback_settings(stored: str | None) -> FeedbackSettings:
    """The settings a `Cohort.feedback_settings` holds ("{}": the defaults). Unknown kinds
    and unreadable values are left out (the defaults stand in for what is missing)."""
    try:
        value = json.loads(stored or "{}")
    except ValueError:
        value = {}
    if not isinstance(value, dict):
        value = {}
    kinds: tuple[str, ...] = DEFAULT_FEEDBACK_KINDS
    if isinstance(value.get("kinds"), list):
        kinds = tuple(kind for kind in FEEDBACK_KINDS if kind in value["kinds"])
    question = value.get("question")
    return FeedbackSettings(kinds, question.strip() if isinstance(question, str) else "")


def settings_json(settings: FeedbackSettings) -> str:
    """The column's text for these settings: "{}" for the defaults, else only what differs."""
    value: dict[str, object] = {}
    kinds = tuple(kind for kind in FEEDBACK_KINDS if kind in settings.kinds)
    if kinds != DEFAULT_FEEDBACK_KINDS:
        value["kinds"] = list(kinds)
    if settings.question:
        value["question"] = settings.question
    return json.dumps(value, ensure_ascii=False)


async def feedback_of(
    session: AsyncSession, cohort_id: int, *, ref: str | None = None
) -> Sequence[Feedback]:
    """The answers of a cohort, oldest first; of one session (`ref`) or of all of them."""
    statement = select(Feedback).where(Feedback.cohort_id == cohort_id)
    if ref is not None:
        statement = statement.where(Feedback.ref == ref)
    return (await session.exec(statement.order_by(col(Feedback.id)))).all()


async def feedback_by_member(session: AsyncSession, ref: str, member_id: int) -> Feedback | None:
    """One member's answer about one session, if any (read fresh: it may have just been
    upserted)."""
    statement = (
        select(Feedback)
        .where(Feedback.ref == ref, Feedback.member_id == member_id)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def answered(session: AsyncSession, refs: Sequence[str]) -> set[tuple[str, int]]:
    """(ref, member id) of every answer about these sessions."""
    if not refs:
        return set()
    statement = select(Feedback.ref, Feedback.member_id).where(col(Feedback.ref).in_(refs))
    return {(ref, member_id) for ref, member_id in (await session.exec(statement)).all()}


def _attended(ref: Any, cohort_id: Any) -> Any:
    """Whether the member (`Member.id`) counts as an attendee of the session `ref`: recorded
    present; when nobody's attendance was taken for it, not having answered "No" to
    "¿Vas a asistir?". The one home of the rule: the press checks it inside its write, the
    planner and the renderers ask `attendee_ids`."""
    member = col(Member.id)
    present = exists().where(
        col(Attendance.ref) == ref,
        col(Attendance.member_id) == member,
        col(Attendance.status) == AttendanceStatus.PRESENT,
    )
    taken = exists().where(col(Attendance.ref) == ref, col(Attendance.cohort_id) == cohort_id)
    said_no = exists().where(
        col(Rsvp.ref) == ref, col(Rsvp.member_id) == member, col(Rsvp.answer) == RsvpAnswer.NO
    )
    return or_(present, and_(~taken, ~said_no))


async def attendee_ids(session: AsyncSession, cohort_id: int, ref: str) -> set[int]:
    """The member ids of the participants asked about a session (`_attended`)."""
    statement = select(Member.id).where(
        Member.cohort_id == cohort_id,
        Member.role == Role.PARTICIPANT,
        _attended(ref, cohort_id),
    )
    return {member_id for member_id in (await session.exec(statement)).all() if member_id}


async def comments_since(
    session: AsyncSession, cohort_id: int, since: datetime
) -> Sequence[Feedback]:
    """The answers with a comment given or changed since `since`, oldest first."""
    statement = (
        select(Feedback)
        .where(
            Feedback.cohort_id == cohort_id,
            col(Feedback.comment).is_not(None),
            col(Feedback.answered_at) >= since,
        )
        .order_by(col(Feedback.answered_at), col(Feedback.id))
    )
    return (await session.exec(statement)).all()


async def feedback_by_id(
    session: AsyncSession, cohort_id: int, feedback_id: int
) -> Feedback | None:
    """One answer of the cohort by its number (None for another cohort's)."""
    statement = select(Feedback).where(Feedback.id == feedback_id, Feedback.cohort_id == cohort_id)
    return (await session.exec(statement)).first()


async def set_highlighted(
    session: AsyncSession, cohort_id: int, feedback_id: int, highlighted: bool
) -> bool:
    """Mark (or unmark) a comment for the cohort report; False if there is no such answer
    with a comment in the cohort."""
    statement = (
        update(Feedback)
        .where(
            col(Feedback.id) == feedback_id,
            col(Feedback.cohort_id) == cohort_id,
            col(Feedback.comment).is_not(None),
        )
        .values(highlighted=highlighted)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def set_comment(
    session: AsyncSession, ref: str, member_id: int, comment: str, now: datetime
) -> bool:
    """Keep a member's comment with their answer (it counts as changed now); False when
    they have not answered."""
    statement = (
        update(Feedback)
        .where(col(Feedback.ref) == ref, col(Feedback.member_id) == member_id)
        .values(comment=comment, answered_at=now)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


# --- the press: one statement ---------------------------------------------------------------


async def press_feedback(
    session: AsyncSession,
    cohort_id: int,
    ref: str,
    person_id: int,
    score: int,
    now: datetime,
    closes_at: datetime,
) -> int | None:
    """Store (or change) a person's score for one session, in one statement.

    The checks are inside the write: the person is a participant of the cohort
    who attended the session (`_attended`: a forged button from someone absent,
    or who said "No", writes nothing) and the answers are still open (`now`
    before `closes_at`, which the caller reads from the calendar: three days
    after the session). A comment and a
    coordinator's highlight stay when the score changes. Returns the member id,
    or None when a check failed (nothing is written then).
    """
    if not LOWEST_SCORE <= score <= HIGHEST_SCORE:
        raise ValueError(f"score out of range: {score}")
    params = {
        "cohort": cohort_id,
        "ref": ref,
        "person": person_id,
        "score": score,
        "now": now,
        "closes": closes_at,
    }
    connection = await session.connection()
    result = await connection.execute(_press_feedback(dialect_of(session)), params)
    return result.scalar()


@cache
def _press_feedback(dialect: str) -> Any:
    table = Feedback.__table__.c  # type: ignore[attr-defined]
    now = bindparam("now", type_=table.answered_at.type)
    ref = bindparam("ref", type_=table.ref.type)
    source = select_columns(
        col(Member.cohort_id),
        ref,
        col(Member.id),
        bindparam("score", type_=table.score.type),
        now,
    ).where(
        col(Member.cohort_id) == bindparam("cohort"),
        col(Member.person_id) == bindparam("person"),
        col(Member.role) == Role.PARTICIPANT,
        now < bindparam("closes", type_=table.answered_at.type),
        _attended(ref, col(Member.cohort_id)),
    )
    insert = conflict_insert(dialect, Feedback).from_select(
        ["cohort_id", "ref", "member_id", "score", "answered_at"], source
    )
    return insert.on_conflict_do_update(
        index_elements=["ref", "member_id"],
        set_={"score": insert.excluded.score, "answered_at": insert.excluded.answered_at},
    ).returning(table.member_id)
