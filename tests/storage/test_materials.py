"""The materials' queries, on SQLite and PostgreSQL: by session, the same address once,
removal, the order they were added."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage import materials as stored
from cohorte.storage import outbox
from cohorte.storage.deliverables import Deliverable, add_deliverable
from cohorte.storage.materials import Material, MaterialKind
from cohorte.storage.models import Person
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.factories import seed_cohort


async def test_materials_by_session_and_the_same_address(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    assert cohort.id is not None
    deliverable = await add_deliverable(
        session,
        Deliverable(cohort_id=cohort.id, code="mapeo", title="Mapeo", created_at=clock.now()),
    )

    def material(url: str, ref: str | None = None, deliverable_id: int | None = None) -> Material:
        assert cohort.id is not None
        return Material(
            cohort_id=cohort.id,
            ref=ref,
            deliverable_id=deliverable_id,
            kind=MaterialKind.LINK,
            url=url,
            title=url.rsplit("/", 1)[-1],
            added_at=clock.now(),
        )

    await stored.add_materials(
        session,
        [
            material("https://x.org/b", ref="e1"),
            material("https://x.org/a", ref="s2:2025-05-06"),
            material("https://x.org/c", ref="e1"),
            material("https://x.org/b", deliverable_id=deliverable.id),
        ],
    )
    await session.commit()

    found = await stored.materials_of_refs(session, cohort.id, ["e1", "s2:2025-05-06", "e9"])
    assert {ref: [m.title for m in items] for ref, items in found.items()} == {
        "e1": ["b", "c"],
        "s2:2025-05-06": ["a"],
    }
    assert await stored.materials_of_refs(session, cohort.id, []) == {}
    same = await stored.same_material(
        session, cohort.id, ref="e1", deliverable_id=None, url="https://x.org/b"
    )
    assert same is not None and same.ref == "e1"
    of_deliverable = await stored.same_material(
        session, cohort.id, ref=None, deliverable_id=deliverable.id, url="https://x.org/b"
    )
    assert of_deliverable is not None and of_deliverable.deliverable_id == deliverable.id
    assert (
        await stored.same_material(
            session, cohort.id, ref="e2", deliverable_id=None, url="https://x.org/b"
        )
        is None
    )

    first = (await stored.materials_of(session, cohort.id))[0]
    assert first.id is not None
    await stored.delete_material(session, first)
    await session.commit()
    assert await stored.material_by_id(session, first.id) is None
    assert [m.title for m in await stored.materials_of(session, cohort.id)] == ["a", "c", "b"]


async def test_the_news_of_a_material_that_left_and_that_did_not(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    assert cohort.id is not None
    people = [p.id for p in (await session.exec(select(Person).order_by(col(Person.id)))).all()]
    states = [DeliveryState.SENT, DeliveryState.PENDING, DeliveryState.DROPPED]
    for person, state in zip(people, states, strict=False):
        session.add(
            Delivery(
                dedupe_key=f"materials.added:e1:abc_%:p{person}",
                kind="materials.added",
                cohort_id=cohort.id,
                person_id=person,
                ref="e1",
                due_at=clock.now(),
                state=state,
                created_at=clock.now(),
            )
        )
    await session.commit()

    assert await outbox.people_reached(session, "materials.added", "e1") == {people[0]}
    assert await outbox.people_reached(session, "materials.added", "e2") == set()
    assert await outbox.forget_unsent(session, "materials.added:e1:abcX") == 0  # '_', '%' literal
    assert await outbox.forget_unsent(session, "materials.added:e1:abc_%:") == len(people[1:3])
    await session.commit()
    left = (await session.exec(select(Delivery))).all()
    assert [row.state for row in left] == [DeliveryState.SENT]
