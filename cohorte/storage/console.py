"""What the console chat keeps between its sessions: where its clock was left.

The console runs on a clock that only moves when told to (`:reloj`); the next
console session on the same database resumes from the instant stored here.
These functions never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import conflict_insert
from cohorte.storage.types import UTCDateTime

# One console clock per database: its only row.
_THE_CLOCK = 1


class ConsoleClock(SQLModel, table=True):
    """The instant the console's clock showed when it last moved (aware UTC)."""

    id: int | None = Field(default=None, primary_key=True)
    instant: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


async def console_clock(session: AsyncSession) -> datetime | None:
    """Where the last console session left its clock; None if no console moved it yet."""
    statement = select(ConsoleClock.instant).where(ConsoleClock.id == _THE_CLOCK)
    return (await session.exec(statement)).first()


async def keep_console_clock(session: AsyncSession, instant: datetime) -> None:
    """Store the console clock's instant, for the next console session to resume from."""
    statement = (
        conflict_insert(session, ConsoleClock)
        .values(id=_THE_CLOCK, instant=instant)
        .on_conflict_do_update(index_elements=["id"], set_={"instant": instant})
    )
    await session.exec(statement)
