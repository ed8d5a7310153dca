"""People's data: everything the bot holds about a person, and forgetting it.

One home for both rules, read from the tables themselves: every table with a column
that refers to `person` or `member` is walked, so a table added later is exported (and
caught by the test that searches every table after a deletion) without a list to keep.

Forgetting keeps what the others need and counts: each of the person's memberships
passes to an anonymous stand-in (`Person.forgotten_at`, no name, no accounts, no e-mail),
so votes, attendance marks, feedback scores and status changes keep counting, while the
words the person wrote (notes, reasons, comments, check-in answers, drafts) are erased.
The stand-ins of two memberships are two rows: nothing links them any more.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Table, delete, func, or_, update
from sqlalchemy import select as select_rows
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage import tables
from cohorte.storage.attendance import Rsvp
from cohorte.storage.attendance_imports import ImportRow
from cohorte.storage.checkins import CheckinAnswer
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import (
    AnnouncementDraft,
    Cohort,
    FormSession,
    Identity,
    Member,
    Person,
    SentMessage,
)
from cohorte.storage.status import StatusDraft, StatusUpdate

logger = logging.getLogger(__name__)

# Columns never handed out, not even to their owner: secrets that open something.
_SECRET_COLUMNS = frozenset({"calendar_token"})

assert tables  # every table module is imported, so the metadata knows them all


def _refers_to(table: Table, target: str) -> list[Any]:
    """The columns of `table` that are foreign keys to `target`'s id."""
    return [column for column in table.columns if _key_to(column, target) is not None]


def _key_to(column: Any, target: str) -> Any:
    return next((key for key in column.foreign_keys if key.column.table.name == target), None)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row(table: Table, row: Any) -> dict[str, object]:
    return {
        column.name: _plain(row._mapping[column])
        for column in table.columns
        if column.name not in _SECRET_COLUMNS
    }


async def _rows(session: AsyncSession, table: Table, clause: Any) -> list[dict[str, object]]:
    # A Table, not a model: sqlmodel's overloads do not know it (rows come back as usual).
    statement = select_rows(table).where(clause).order_by(*table.primary_key.columns)
    result = await session.exec(statement)  # type: ignore[call-overload]
    return [_row(table, row) for row in result.all()]


async def person_data(session: AsyncSession, person_id: int) -> dict[str, list[dict[str, object]]]:
    """Everything stored about a person, by table name: their `person` row, their
    accounts, memberships, and every row of any table that refers to them or to one of
    their memberships (votes, reports, notes, check-in answers, RSVPs, attendance,
    feedback, materials they added, forms in progress, ...). Empty tables are left out."""
    data: dict[str, list[dict[str, object]]] = {}
    person_table = Person.__table__  # type: ignore[attr-defined]
    data["person"] = await _rows(session, person_table, person_table.c.id == person_id)
    if not data["person"]:
        return {}
    member_ids = list(
        (await session.exec(select(Member.id).where(col(Member.person_id) == person_id))).all()
    )
    identities = (
        await session.exec(select(Identity).where(col(Identity.person_id) == person_id))
    ).all()
    for table in SQLModel.metadata.sorted_tables:
        clauses = [column == person_id for column in _refers_to(table, "person")]
        if member_ids:
            clauses += [column.in_(member_ids) for column in _refers_to(table, "member")]
        if table.name == "formsession":  # a guided form is kept per platform account
            clauses += [
                (table.c.platform == identity.platform) & (table.c.user_id == identity.external_id)
                for identity in identities
            ]
        if not clauses:
            continue
        rows = await _rows(session, table, or_(*clauses))
        if rows:
            data[table.name] = rows
    return data


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a person did: memberships kept by anonymous stand-ins, rows gone."""

    person_id: int
    memberships: int
    accounts: int


async def forget_person(session: AsyncSession, person_id: int, now: datetime) -> Forgotten | None:
    """Delete a person's personal data: their row, accounts, e-mail, name and the words they
    wrote; their memberships pass to anonymous stand-ins so that what others need (votes,
    attendance, feedback scores, status changes) still counts. None if there is no such
    person (or they were forgotten already). The retention sweep uses it too."""
    person = await session.get(Person, person_id)
    if person is None or person.forgotten_at is not None:
        return None
    members = (await session.exec(select(Member).where(col(Member.person_id) == person_id))).all()
    for member in members:
        await anonymise_membership(session, member, now, former=person)
    identities = (
        await session.exec(select(Identity).where(col(Identity.person_id) == person_id))
    ).all()
    for identity in identities:
        await _forget_account(session, identity)
    await _forget_references(session, person_id)
    await session.exec(delete(Identity).where(col(Identity.person_id) == person_id))
    await session.exec(delete(Person).where(col(Person.id) == person_id))
    await session.flush()
    session.expunge(person)
    logger.info(
        "forgot person %s: %d memberships anonymised, %d accounts deleted",
        person_id,
        len(members),
        len(identities),
    )
    return Forgotten(person_id, len(members), len(identities))


async def anonymise_membership(
    session: AsyncSession, member: Member, now: datetime, *, former: Person | None = None
) -> None:
    """Give one membership to a new anonymous stand-in and erase the words its person
    wrote in that cohort; counts (votes, marks, scores, status changes) stay.

    `former` is the person being forgotten (loaded by the caller); when None, the member's
    own person is read, and keeps their other memberships."""
    if former is None:
        former = await session.get(Person, member.person_id)
    stand_in = Person(display_name="", created_at=now, forgotten_at=now)
    session.add(stand_in)
    await session.flush()
    assert stand_in.id is not None and member.id is not None
    member.person_id = stand_in.id
    member.calendar_token = None
    member.dm_reminders = False
    session.add(member)
    member_id = member.id
    await session.exec(update(Rsvp).where(col(Rsvp.member_id) == member_id).values(reason=None))
    await session.exec(
        update(Feedback).where(col(Feedback.member_id) == member_id).values(comment=None)
    )
    await session.exec(
        update(StatusUpdate).where(col(StatusUpdate.member_id) == member_id).values(note=None)
    )
    answers = (
        await session.exec(select(CheckinAnswer).where(col(CheckinAnswer.member_id) == member_id))
    ).all()
    for answer in answers:
        # The answer still counts as given; what it said is gone.
        answer.answers = json.dumps(dict.fromkeys(_questions(answer.answers), ""))
        session.add(answer)
    await session.exec(delete(StatusDraft).where(col(StatusDraft.member_id) == member_id))
    await session.exec(
        delete(AnnouncementDraft).where(col(AnnouncementDraft.member_id) == member_id)
    )
    names = _import_row_matches(former)
    await session.exec(
        update(ImportRow)
        .where(or_(col(ImportRow.member_id) == member_id, *names))
        .values(name="", email=None)
    )
    await session.flush()


def _questions(answers: str) -> Iterable[str]:
    try:
        loaded = json.loads(answers)
    except ValueError:
        return ()
    return loaded.keys() if isinstance(loaded, dict) else ()


def _import_row_matches(person: Person | None) -> list[Any]:
    """A meeting report's rows that name the person though nobody matched them yet."""
    if person is None:
        return []
    matches = [func.lower(col(ImportRow.name)) == person.display_name.lower()]
    if person.email:
        matches.append(func.lower(col(ImportRow.email)) == person.email.lower())
    return matches


async def _forget_account(session: AsyncSession, identity: Identity) -> None:
    """What is kept per platform account rather than per person: guided forms in progress
    and the private messages remembered for editing (a private chat's id is the user's)."""
    await session.exec(
        delete(FormSession).where(
            col(FormSession.platform) == identity.platform,
            or_(
                col(FormSession.user_id) == identity.external_id,
                col(FormSession.chat_id) == identity.external_id,
            ),
        )
    )
    await session.exec(
        delete(SentMessage).where(
            col(SentMessage.platform) == identity.platform,
            col(SentMessage.chat_id) == identity.external_id,
        )
    )


async def _forget_references(session: AsyncSession, person_id: int) -> None:
    """Every other row that names the person: "added by" / "recorded by" columns lose the
    name (the row stays for the others), rows that are only theirs go (deliveries to them,
    changes waiting for their answer). Read from the metadata, so new tables follow."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in ("person", "member", "identity"):
            continue
        for column in _refers_to(table, "person"):
            if (_key_to(column, "person").ondelete or "").upper() == "SET NULL":
                await session.exec(
                    update(table).where(column == person_id).values({column.name: None})
                )
            else:
                await session.exec(delete(table).where(column == person_id))


async def archived_memberships_due(
    session: AsyncSession, archived_before: datetime
) -> Sequence[Member]:
    """Memberships, not yet anonymised, of cohorts archived before `archived_before`."""
    statement = (
        select(Member)
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .join(Person, col(Person.id) == col(Member.person_id))
        .where(
            col(Cohort.archived_at).is_not(None),
            col(Cohort.archived_at) < archived_before,
            col(Person.forgotten_at).is_(None),
        )
        .order_by(col(Member.id))
    )
    return (await session.exec(statement)).all()


async def other_live_memberships(session: AsyncSession, person_id: int, besides: int) -> int:
    """How many of the person's other memberships are in cohorts not archived."""
    statement = (
        select(func.count())
        .select_from(Member)
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .where(
            col(Member.person_id) == person_id,
            col(Member.id) != besides,
            col(Cohort.archived_at).is_(None),
        )
    )
    return (await session.exec(statement)).one()


def is_forgotten(person: Person | None) -> bool:
    """Whether `person` is the anonymous stand-in of someone forgotten."""
    return person is not None and person.forgotten_at is not None


RETENTION_DAYS = 365  # `COHORTE_RETENTION_DAYS`
_SWEEP_EVERY = timedelta(days=1)


async def forget_archived(session: AsyncSession, now: datetime, days: int) -> int:
    """Delete the personal data of the members of cohorts archived more than `days` ago:
    someone in no other cohort that is not archived is forgotten (`forget_person`); the
    others only lose that membership's personal data. How many memberships it took."""
    due = await archived_memberships_due(session, now - timedelta(days=days))
    for member in due:
        assert member.id is not None
        person_id = member.person_id
        if await other_live_memberships(session, person_id, besides=member.id):
            await anonymise_membership(session, member, now)
            logger.info(
                "retention: membership %s of cohort %s anonymised (person %s stays in "
                "another cohort)",
                member.id,
                member.cohort_id,
                person_id,
            )
        else:
            await forget_person(session, person_id, now)
            logger.info(
                "retention: person %s forgotten, %d days after cohort %s was archived",
                person_id,
                days,
                member.cohort_id,
            )
    return len(due)


class RetentionSweep:
    """The daily retention sweep as a planner of the ticker: at most once a day per
    process (the first tick after a start runs it)."""

    def __init__(self, days: int = RETENTION_DAYS) -> None:
        self.days = days
        self._last: datetime | None = None

    async def __call__(self, session: AsyncSession, now: datetime) -> None:
        """Run the sweep if a day has passed since the last one."""
        if self._last is not None and now - self._last < _SWEEP_EVERY:
            return
        await forget_archived(session, now, self.days)
        self._last = now
