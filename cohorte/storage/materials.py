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


async def add_material(session: AsyncSession, material: Material) -> Material:
    """Store a new material; it has its id on return."""
    session.add(material)
    await session.flush()
    return material


async def add_materials(session: AsyncSession, materials: Sequence[Material]) -> None:
    """Store new materials, in the order given; they have their ids on return."""
    for material in materials:
        session.add(material)
        await session.flush()  # one by one: the ids keep the order given


async def material_by_id(session: AsyncSession, material_id: int) -> Material | None:
    """One material by its id, whatever its cohort (callers check it)."""
    return await session.get(Material, material_id)


async def delete_material(session: AsyncSession, material: Material) -> None:
    """Remove one material."""
    await session.delete(material)
    await session.flush()


async def materials_of_refs(
    session: AsyncSession, cohort_id: int, refs: Sequence[str]
) -> dict[str, list[Material]]:
    """The materials of these sessions (occurrence references), by reference, each list in
    the order they were added; a session without any is left out."""
    if not refs:
        return {}
    statement = select(Material).where(
        Material.cohort_id == cohort_id, col(Material.ref).in_(list(set(refs)))
    )
    found: dict[str, list[Material]] = {}
    for material in (await session.exec(statement.order_by(col(Material.id)))).all():
        assert material.ref is not None
        found.setdefault(material.ref, []).append(material)
    return found


async def same_material(
    session: AsyncSession,
    cohort_id: int,
    *,
    ref: str | None,
    deliverable_id: int | None,
    url: str,
) -> Material | None:
    """The material of that session or deliverable with that address, if one is attached."""
    statement = select(Material).where(
        Material.cohort_id == cohort_id,
        Material.ref == ref if ref is not None else col(Material.ref).is_(None),
        Material.deliverable_id == deliverable_id
        if deliverable_id is not None
        else col(Material.deliverable_id).is_(None),
        Material.url == url,
    )
    return (await session.exec(statement.limit(1))).first()
