"""What the scheduler queues for deliverable status: check-in prompts, digests, nudges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.delivery_kinds import DeliveryKind
from cohorte.handlers.status.board import load_board
from cohorte.handlers.status.planning import (
    nudge_items,
    plan_checkins,
    plan_nudges,
    teams_to_nudge,
)
from cohorte.handlers.status.reporting import record_status
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Identity, Member, Person, Role
from cohorte.storage.outbox import Delivery
from cohorte.storage.status import Status
from tests.factories import add_member
from tests.handlers.status.test_status import seed_with_deliverables


async def planned(session: AsyncSession, kind: DeliveryKind) -> list[Delivery]:
    statement = (
        select(Delivery)
        .where(Delivery.kind == kind)
        .order_by(col(Delivery.id))
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def console_name(session: AsyncSession, person_id: int | None) -> str:
    identity = (await session.exec(select(Identity).where(Identity.person_id == person_id))).one()
    return identity.external_id


async def test_check_in_prompts_two_days_before_in_the_team_zone_across_dst(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, teams, _ = await seed_with_deliverables(session, clock.now())
    # A cohort that starts before Chile leaves summer time (Sunday 2025-04-06).
    cohort.start_date = date(2025, 3, 24)
    santiago = teams["Santiago"]
    santiago.checkin_weekday, santiago.checkin_time = 0, time(15, 0)  # Monday 15:00
    session.add_all([cohort, santiago])
    await add_member(session, cohort, "Javiera", "javiera", Role.PARTICIPANT, santiago, clock.now())
    await session.commit()

    clock.set(datetime(2025, 4, 5, 12, 0, tzinfo=UTC))
    await plan_checkins(session, clock.now())
    await plan_checkins(session, clock.now())  # every tick plans again: nothing doubles
    await session.commit()

    prompts = await planned(session, DeliveryKind.STATUS_CHECKIN)
    assert [await console_name(session, p.person_id) for p in prompts] == ["javiera"]
    prompt = prompts[0]
    # Check-in Monday 2025-04-07 15:00 in Santiago (UTC-4) = 19:00 UTC; the prompt is
    # Saturday 15:00 in Santiago, still UTC-3 then: 18:00 UTC, 47 hours before.
    assert prompt.due_at == datetime(2025, 4, 5, 18, 0, tzinfo=UTC)
    assert prompt.expires_at == datetime(2025, 4, 7, 17, 0, tzinfo=UTC)
    assert prompt.ref.endswith(":2025-04-07")
    digests = await planned(session, DeliveryKind.STATUS_CHECKIN_DIGEST)
    assert [await console_name(session, d.person_id) for d in digests] == ["coordina"]
    assert digests[0].due_at == datetime(2025, 4, 7, 17, 0, tzinfo=UTC)  # two hours before
    assert digests[0].expires_at == datetime(2025, 4, 7, 19, 0, tzinfo=UTC)


async def test_quiet_teams_are_nudged_once_per_silent_period(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, teams, deliverables = await seed_with_deliverables(session, clock.now())
    bogota, mexico = teams["Bogotá"], teams["Ciudad de México"]
    await add_member(session, cohort, "Lucía", "lucia", Role.PARTICIPANT, mexico, clock.now())
    await session.commit()
    sofia = (await session.exec(select(Member).where(Member.team_id == bogota.id))).one()

    # Week 1: nobody is quiet yet.
    assert await teams_to_nudge(session, cohort, clock.now()) == []

    clock.set(datetime(2025, 5, 10, 15, 0, tzinfo=UTC))
    await record_status(
        session, deliverables["plan"], bogota, sofia, Status.IN_PROGRESS, clock.now()
    )
    await session.commit()

    # Friday of week 4: the mapping is due in 14 days (Friday of week 6). Bogotá
    # reported six days ago; Mexico and Santiago never did.
    clock.set(datetime(2025, 5, 16, 15, 0, tzinfo=UTC))
    quiet = await teams_to_nudge(session, cohort, clock.now())
    assert [(team.name, period) for team, period in quiet] == [
        ("Ciudad de México", 0),
        ("Santiago", 0),
    ]
    await plan_nudges(session, clock.now())
    await plan_nudges(session, clock.now())
    await session.commit()
    nudges = await planned(session, DeliveryKind.STATUS_NUDGE)
    assert [await console_name(session, n.person_id) for n in nudges] == ["lucia"]
    assert nudges[0].due_at == clock.now()  # 09:00 in Mexico City: working hours

    # Eleven days after its update, Bogotá is quiet too; Mexico's period has not changed.
    clock.set(datetime(2025, 5, 21, 15, 0, tzinfo=UTC))
    await plan_nudges(session, clock.now())
    await session.commit()
    nudges = await planned(session, DeliveryKind.STATUS_NUDGE)
    assert [await console_name(session, n.person_id) for n in nudges] == ["lucia", "sofia"]

    # Bogotá reports again: a new period starts, nothing new is queued for it.
    clock.set(datetime(2025, 5, 22, 15, 0, tzinfo=UTC))
    await record_status(
        session, deliverables["mapeo"], bogota, sofia, Status.IN_PROGRESS, clock.now()
    )
    await plan_nudges(session, clock.now())
    await session.commit()
    assert len(await planned(session, DeliveryKind.STATUS_NUDGE)) == 2


async def test_what_a_nudge_is_about(session: AsyncSession, clock: ManualClock) -> None:
    cohort, teams, deliverables = await seed_with_deliverables(session, clock.now())
    mexico = teams["Ciudad de México"]
    clock.set(datetime(2025, 6, 20, 15, 0, tzinfo=UTC))

    board = await load_board(session, cohort, clock.now())
    # Due by 2025-07-04 and still open; optional ones the team never started are left out.
    assert [c.deliverable.code for c in nudge_items(board, mexico)] == [
        "mapeo",
        "proveedores",
        "plan",
    ]

    await record_status(session, deliverables["mapeo"], mexico, None, Status.DONE, clock.now())
    await record_status(
        session, deliverables["indicadores"], mexico, None, Status.IN_PROGRESS, clock.now()
    )
    board = await load_board(session, cohort, clock.now())
    assert [c.deliverable.code for c in nudge_items(board, mexico)] == [
        "proveedores",
        "indicadores",
        "plan",
    ]


async def test_nothing_is_planned_for_people_without_a_team(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, teams, _ = await seed_with_deliverables(session, clock.now())
    bogota = teams["Bogotá"]
    bogota.checkin_weekday, bogota.checkin_time = 3, time(10, 0)
    session.add(bogota)
    await add_member(session, cohort, "Nadia", "nadia", Role.PARTICIPANT, None, clock.now())
    await session.commit()

    await plan_checkins(session, clock.now())
    await session.commit()

    prompts = await planned(session, DeliveryKind.STATUS_CHECKIN)
    people = [await session.get(Person, p.person_id) for p in prompts]
    assert [p.display_name for p in people if p] == ["Sofía"]
