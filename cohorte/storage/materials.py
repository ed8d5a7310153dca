"""Materials: links (a recording, slides, a reading, a template) attached to a session,
an event or a deliverable. The queries never commit.

A material belongs to one thing of a cohort: a session occurrence (`ref`, the
occurrence reference of `scheduling.recurrence.Occurrence.ref`) or a deliverable
(`deliverable_id`), never both. `kind` says what it is; templates and readings
belong to the programme (a new edition keeps them), recordings to the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.types import UTCDateTime, enum_type


class MaterialKind(StrEnum):
    RECORDING = "recording"  # the run's: not carried to a new edition
    SLIDES = "slides"
    READING = "reading"
    TEMPLATE = "template"  # a deliverable's template or guidance
    LINK = "link"


class Material(SQLModel, table=True):
    """One link attached to a session (`ref`) or to a deliverable (`deliverable_id`)."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    ref: str | None = Field(default=None, max_length=100)  # the occurrence reference
    deliverable_id: int | None = Field(
        default=None, foreign_key="deliverable.id", index=True, ondelete="CASCADE"
    )
    kind: MaterialKind = Field(default=MaterialKind.LINK, sa_type=enum_type(MaterialKind))
    url: str = Field(max_length=500)
    title: str = Field(max_length=200)
    added_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


async def materials_of(session: AsyncSession, cohort_id: int) -> Sequence[Material]:
    """Every material of a cohort, in the order they were added."""
    statement = select(Material).where(Material.cohort_id == cohort_id)
    return (await session.exec(statement.order_by(col(Material.id)))).all()


async def add_materials(session: AsyncSession, materials: Sequence[Material]) -> None:
    """Add materials (a new edition's copies of the programme's); flushed, not committed."""
    session.add_all(materials)
    await session.flush()
