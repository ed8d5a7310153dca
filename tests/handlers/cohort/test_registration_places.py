"""Places are counted one decision at a time: two coordinators pressing ✅ at once never
fill more places than there are (run it on PostgreSQL too); a full city team waits."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.registration import deciding
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.applications import Application, ApplicationState
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from tests.factories import add_member
from tests.handlers.cohort.test_registration import open_registration, press


async def _applicants(
    session: AsyncSession, cohort: Cohort, now: datetime, cities: list[str]
) -> list[int]:
    assert cohort.id is not None
    ids = []
    for number, city in enumerate(cities):
        person = Person(display_name=f"Persona {number}", created_at=now)
        session.add(person)
        await session.flush()
        assert person.id is not None
        application = Application(
            cohort_id=cohort.id,
            person_id=person.id,
            city=city,
            department="Compras",
            role="Analista",
            challenge="Datos abiertos",
            created_at=now,
        )
        session.add(application)
        await session.flush()
        assert application.id is not None
        ids.append(application.id)
    await session.commit()
    return ids


async def _participants(sessions: SessionFactory, cohort_id: int) -> int:
    async with sessions() as fresh:
        statement = select(func.count()).where(
            Member.cohort_id == cohort_id, Member.role == Role.PARTICIPANT
        )
        return (await fresh.exec(statement)).one()


async def test_two_coordinators_at_once_never_overfill(
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
    core: Core,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each decision pauses between taking the lock and counting the places, so that the
    # two really overlap there: without `lock_places` both would count one place free.
    count = deciding.places_taken

    async def slow_count(*args: Any) -> tuple[int, int]:
        await asyncio.sleep(0.1)
        return await count(*args)

    monkeypatch.setattr(deciding, "places_taken", slow_count)
    # Two places: Sofía holds one; two coordinators accept two applicants at the same time.
    cohort = await open_registration(session, clock.now(), places=2)
    await add_member(
        session, cohort, "Otra coordinación", "coordina2", Role.COORDINATOR, None, clock.now()
    )
    await session.commit()
    first, second = await _applicants(session, cohort, clock.now(), ["Lima", "Quito"])
    assert cohort.id is not None

    answers = await asyncio.gather(
        core.handle(press("coordina", f"rga:{first}")),
        core.handle(press("coordina2", f"rga:{second}")),
    )

    texts = sorted(plain(reply.text) for replies in answers for reply in replies)
    assert len(texts) == 2
    assert texts[0].startswith("Listo: aceptamos a Persona")
    assert texts[1].startswith("No queda ningún cupo en Sprint de prueba: 2 de 2 ocupados.")
    assert await _participants(sessions, cohort.id) == 2
    async with sessions() as fresh:
        states = (await fresh.exec(select(Application.state).order_by(col(Application.id)))).all()
        teams = (await fresh.exec(select(Team.name).where(Team.cohort_id == cohort.id))).all()
    assert sorted(states) == [ApplicationState.ACCEPTED, ApplicationState.PENDING]
    assert len([team for team in teams if team in ("Lima", "Quito")]) == 1


async def test_a_full_city_team_waits_while_another_city_moves_up(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock, core: Core
) -> None:
    # Bogotá takes one participant (Sofía is there already); three places in the cohort.
    cohort = await open_registration(session, clock.now(), places=3, per_team=1)
    bogota, lima, quito = await _applicants(
        session, cohort, clock.now(), ["Bogotá", "Lima", "Quito"]
    )
    assert cohort.id is not None

    (refused,) = await core.handle(press("coordina", f"rga:{bogota}"))
    assert plain(refused.text).startswith(
        "No queda ningún cupo en el equipo Bogotá: 1 de 1 ocupados."
    )
    await core.handle(press("coordina", f"rgw:{bogota}"))
    await core.handle(press("coordina", f"rga:{lima}"))
    await core.handle(press("coordina", f"rgw:{quito}"))
    (declined,) = await core.handle(press("coordina", f"rgd:{lima}"))

    # Lima's place freed: Bogotá (first on the list) cannot take it, Quito (second) does.
    assert "Persona 2 pasó de la lista de espera al equipo Quito" in plain(declined.text)
    async with sessions() as fresh:
        states = dict((await fresh.exec(select(Application.id, Application.state))).all())
    assert states == {
        bogota: ApplicationState.WAITLISTED,
        lima: ApplicationState.DECLINED,
        quito: ApplicationState.ACCEPTED,
    }
