"""Small builders for test data, written straight to the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Event,
    EventKind,
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


async def seed_two_cohorts(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Sprint de prueba (room 'sala') and Segunda edición (room 'sala2'), both running;
    Sofía is a participant and 'coordina' the coordinator of both."""
    first = await seed_cohort(session, now)
    second = Cohort(
        name="Segunda edición",
        home_zone="America/Lima",
        locale="es",
        start_date=date(2025, 4, 14),
        weeks=12,
        invite_code="SEGUNDA25",
        created_at=now,
    )
    session.add(second)
    await session.flush()
    assert first.id is not None and second.id is not None
    lima = Team(
        cohort_id=second.id, name="Lima", city="Lima", country_code="PE", zone="America/Lima"
    )
    session.add(lima)
    session.add(ChatLink(cohort_id=second.id, platform=Platform.CONSOLE, chat_id="sala2"))
    await session.flush()
    people = {p.display_name: p for p in (await session.exec(select(Person))).all()}
    sofia, coordina = people["Sofía"], people["Coordinación"]
    assert sofia.id is not None and coordina.id is not None
    session.add(
        Member(
            cohort_id=second.id,
            person_id=sofia.id,
            team_id=lima.id,
            role=Role.PARTICIPANT,
            joined_at=now,
        )
    )
    session.add(
        Member(cohort_id=second.id, person_id=coordina.id, role=Role.COORDINATOR, joined_at=now)
    )
    data = Event(
        cohort_id=first.id,
        kind=EventKind.MASTERCLASS,
        title="Masterclass de datos",
        starts_at=datetime(2025, 4, 24, 15, 0, tzinfo=UTC),
    )
    suppliers = Event(
        cohort_id=second.id,
        kind=EventKind.MASTERCLASS,
        title="Masterclass de proveedores",
        starts_at=datetime(2025, 4, 25, 15, 0, tzinfo=UTC),
    )
    session.add_all([data, suppliers])
    await session.commit()
    assert data.id is not None and suppliers.id is not None
    return {"first": first.id, "second": second.id, "suppliers": suppliers.id}
