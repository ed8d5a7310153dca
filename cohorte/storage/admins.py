"""Bot administrators named in chat, and the one-time codes that make them: the tables
and their queries. Administrators named by the operator (`COHORTE_ADMINS`) are not
stored: they are settings. These functions never commit.

A code is stored only as a hash, with its expiry; it is claimed inside the write that
marks it used, so that two people racing with one code cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, delete, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import Identity, Person
from cohorte.storage.types import UTCDateTime


class BotAdmin(SQLModel, table=True):
    """A person who may create cohorts from chat (`/nuevacohorte`)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True, ondelete="CASCADE")
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AdminInvite(SQLModel, table=True):
    """A one-time code printed by `cohorte admin invite`; only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    used_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


async def is_stored_admin(session: AsyncSession, person_id: int) -> bool:
    """Whether this person was made an administrator in chat."""
    statement = select(BotAdmin.id).where(BotAdmin.person_id == person_id)
    return (await session.exec(statement)).first() is not None


async def grant_admin(session: AsyncSession, person_id: int, now: datetime) -> bool:
    """Make this person an administrator; False if they already were."""
    if await is_stored_admin(session, person_id):
        return False
    session.add(BotAdmin(person_id=person_id, granted_at=now))
    await session.flush()
    return True


async def revoke_admin(session: AsyncSession, person_id: int) -> bool:
    """This person is an administrator no more; False if they were not one."""
    result = await session.exec(delete(BotAdmin).where(col(BotAdmin.person_id) == person_id))
    return bool(result.rowcount)


async def stored_admins(
    session: AsyncSession,
) -> Sequence[tuple[BotAdmin, Person, Identity | None]]:
    """Every administrator made in chat, with their person and accounts, oldest first."""
    statement = (
        select(BotAdmin, Person, Identity)
        .join(Person, col(Person.id) == col(BotAdmin.person_id))
        .outerjoin(Identity, col(Identity.person_id) == col(Person.id))
        .order_by(col(BotAdmin.id), col(Identity.id))
    )
    return (await session.exec(statement)).all()


async def add_admin_invite(
    session: AsyncSession, code_hash: str, now: datetime, expires_at: datetime
) -> AdminInvite:
    """Keep a new code's hash until it is used or expires."""
    invite = AdminInvite(code_hash=code_hash, created_at=now, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def claim_admin_invite(
    session: AsyncSession, code_hash: str, person_id: int, now: datetime
) -> bool:
    """Use the code with this hash for this person: True if it was unused and unexpired
    (it is used from now on), False otherwise. The check is inside the write."""
    statement = (
        update(AdminInvite)
        .where(
            col(AdminInvite.code_hash) == code_hash,
            col(AdminInvite.used_at).is_(None),
            col(AdminInvite.expires_at) > now,
        )
        .values(used_at=now, used_by=person_id)
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(statement)
    return bool(result.rowcount == 1)


async def burn_admin_invite(session: AsyncSession, code_hash: str, now: datetime) -> bool:
    """Make an unused code useless (it was seen by others); True if there was one."""
    statement = (
        update(AdminInvite)
        .where(col(AdminInvite.code_hash) == code_hash, col(AdminInvite.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def admin_invite_by_hash(session: AsyncSession, code_hash: str) -> AdminInvite | None:
    """The code with this hash, used or not (to say why it did not work)."""
    statement = select(AdminInvite).where(AdminInvite.code_hash == code_hash)
    return (await session.exec(statement)).first()
