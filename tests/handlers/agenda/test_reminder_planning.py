"""Planning only what changed: a steady tick reads the cohorts and plans nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.handlers.agenda import reminders
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Member, Role, Team
from cohorte.storage.outbox import Delivery
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _cohort(sessions: SessionFactory) -> Cohort:
    async with sessions() as session:
        return (await session.exec(select(Cohort))).one()


async def _reminders_for(sessions: SessionFactory, person_id: int) -> int:
    async with sessions() as session:
        rows = await session.exec(
            select(Delivery).where(Delivery.kind == "reminder", Delivery.person_id == person_id)
        )
        return len(rows.all())


async def test_only_changed_or_due_cohorts_are_planned(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_cohort(session, clock.now())
    await transcript.run(':como coordina\n/sesion nueva masterclass 24 de abril 10:00 "Datos"')
    planned_chunks: list[int] = []
    real_chunk = reminders._plan_chunk

    async def counting(session: AsyncSession, cohorts: list[Cohort], now):  # type: ignore[no-untyped-def]
        planned_chunks.append(len(cohorts))
        return await real_chunk(session, cohorts, now)

    monkeypatch.setattr(reminders, "_plan_chunk", counting)

    # The console planned right after the command; the cohort is marked as planned.
    cohort = await _cohort(sessions)
    assert cohort.planned_version == cohort.plan_version
    assert cohort.replan_at is not None and cohort.replan_at > clock.now()

    # Nothing changed, nothing new in the horizon: the steady tick plans nothing.
    clock.advance(timedelta(seconds=30))
    await assembly.ticker.plan()
    assert planned_chunks == []

    # A new member who wants private reminders: the cohort is planned again at once.
    async with transaction(sessions) as write:
        bogota = (await write.exec(select(Team).where(Team.name == "Bogotá"))).one()
        member = await add_member(
            write, cohort, "Nueva", "nueva", Role.PARTICIPANT, bogota, clock.now()
        )
    clock.advance(timedelta(seconds=30))
    await assembly.ticker.plan()
    assert planned_chunks == [1]
    assert await _reminders_for(sessions, member.person_id) > 0

    # Turning private reminders off is a change too.
    async with transaction(sessions) as write:
        row = (await write.exec(select(Member).where(col(Member.id) == member.id))).one()
        row.dm_reminders = False
    clock.advance(timedelta(seconds=30))
    await assembly.ticker.plan()
    assert planned_chunks == [1, 1]

    # And the safety net: at the latest after the full re-plan period.
    clock.advance(reminders.FULL_REPLAN * 2)
    await assembly.ticker.plan()
    assert planned_chunks == [1, 1, 1]


async def test_coordinators_hear_of_a_session_on_a_public_holiday(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    # 1 May is Labour Day in Colombia, Mexico and Chile: nine days ahead of the clock.
    out = await transcript.run(
        ':como coordina\n/sesion nueva masterclass 1 de mayo 10:00 "Datos"\n:reloj +1h'
    )
    async with sessions() as read:
        warnings = (await read.exec(select(Delivery).where(Delivery.kind == "holiday"))).all()
    assert {w.dedupe_key.split(":")[2] for w in warnings} == {"CO", "MX", "CL"}
    assert "feriado" in out.lower() or "festivo" in out.lower()
