"""Retention: a year after a cohort is archived, the daily sweep deletes its members'
personal data — forgetting those in no other live cohort, anonymising only that
membership of the others — and logs it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlmodel import select

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.cohorts import archive_cohort
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Member, Person, Role
from tests.factories import seed_cohort


async def test_archived_cohorts_lose_their_personal_data_after_the_retention_days(
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with transaction(sessions) as session:
        old = await seed_cohort(session, clock.now())
        new = Cohort(
            name="Segunda edición",
            home_zone="America/Bogota",
            start_date=date(2026, 4, 20),
            invite_code="SEGUNDA",
            created_at=clock.now(),
        )
        session.add(new)
        await session.flush()
        coordina = (
            await session.exec(select(Person).where(Person.display_name == "Coordinación"))
        ).one()
        assert new.id is not None and coordina.id is not None
        session.add(
            Member(
                cohort_id=new.id,
                person_id=coordina.id,
                role=Role.COORDINATOR,
                joined_at=clock.now(),
            )
        )
        await archive_cohort(session, old, clock.now())
    archived_at = clock.now()

    clock.set(archived_at + timedelta(days=364))
    await assembly.ticker.tick()
    async with sessions() as session:
        names = set((await session.exec(select(Person.display_name))).all())
    assert {"Sofía", "Coordinación"} <= names

    caplog.set_level(logging.INFO, logger="cohorte.storage.people_data")
    clock.set(archived_at + timedelta(days=366))
    await assembly.ticker.tick()
    async with sessions() as session:
        names = set((await session.exec(select(Person.display_name))).all())
        assert "Sofía" not in names and "Coordinación" in names
        memberships = {
            m.cohort_id: m.person_id
            for m in (await session.exec(select(Member))).all()
            if m.person_id == coordina.id
        }
        assert memberships == {new.id: coordina.id}  # the live cohort's stays theirs
        old_members = (await session.exec(select(Member).where(Member.cohort_id == old.id))).all()
        assert len(old_members) == 2  # kept, by anonymous stand-ins: counts stay right
        stand_ins = [await session.get(Person, m.person_id) for m in old_members]
        assert all(p is not None and p.forgotten_at is not None for p in stand_ins)
    logged = [r.getMessage() for r in caplog.records]
    assert any("forgotten, 365 days after cohort" in line for line in logged)
    assert any("stays in another cohort" in line for line in logged)
