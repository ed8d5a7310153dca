"""Small builders for test data, written straight to the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)


async def seed_cohort(session: AsyncSession, now: datetime) -> Cohort:
    """A cohort with three city teams, one coordinator ('coordina') and one participant
    ('sofia', Bogotá team), linked to the console room 'sala'."""
    cohort = Cohort(
        name="Sprint de prueba",
        home_zone="America/Bogota",
        locale="es",
        start_date=date(2025, 4, 21),
        weeks=12,
        invite_code="PRUEBA25",
        created_at=now,
    )
    session.add(cohort)
    await session.flush()
    assert cohort.id is not None
    teams = [
        Team(
            cohort_id=cohort.id,
            name="Bogotá",
            city="Bogotá",
            country_code="CO",
            zone="America/Bogota",
        ),
        Team(
            cohort_id=cohort.id,
            name="Ciudad de México",
            city="Ciudad de México",
            country_code="MX",
            zone="America/Mexico_City",
        ),
        Team(
            cohort_id=cohort.id,
            name="Santiago",
            city="Santiago de Chile",
            country_code="CL",
            zone="America/Santiago",
        ),
    ]
    session.add_all(teams)
    session.add(ChatLink(cohort_id=cohort.id, platform=Platform.CONSOLE, chat_id="sala"))
    await session.flush()
    await add_member(session, cohort, "Coordinación", "coordina", Role.COORDINATOR, None, now)
    await add_member(session, cohort, "Sofía", "sofia", Role.PARTICIPANT, teams[0], now)
    await session.commit()
    return cohort


async def add_member(
    session: AsyncSession,
    cohort: Cohort,
    name: str,
    console_id: str,
    role: Role,
    team: Team | None,
    now: datetime,
) -> Member:
    person = Person(display_name=name, created_at=now)
    session.add(person)
    await session.flush()
    assert person.id is not None and cohort.id is not None
    session.add(Identity(person_id=person.id, platform=Platform.CONSOLE, external_id=console_id))
    member = Member(
        cohort_id=cohort.id,
        person_id=person.id,
        team_id=team.id if team else None,
        role=role,
        joined_at=now,
    )
    session.add(member)
    await session.flush()
    return member


class Numbered(NamedTuple):
    """The fields of a test button or form submit that carries one number."""

    number: int
