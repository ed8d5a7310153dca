"""A cohort with a weekly session on Tuesdays 10:00 (Bogotá), members with and without
e-mail, and the sample reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Cohort, Person, Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort

SAMPLES = Path(__file__).parent / "samples"
# The session of 2025-05-06 (Tuesday, 10:00 in Bogotá), once the series exists.
SESSION_DAY = "2025-05-06"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


async def seed_people(session: AsyncSession, cohort: Cohort, clock: ManualClock) -> None:
    """Laura (Bogotá, with her e-mail), Andrés Rojas (CDMX) and Andrés Ruiz (Santiago); the
    coordinator's e-mail is known too."""
    teams = {team.name: team for team in (await session.exec(select(Team))).all()}
    now = clock.now()
    laura = await add_member(
        session, cohort, "Laura Gómez", "laura", Role.PARTICIPANT, teams["Bogotá"], now
    )
    await add_member(
        session, cohort, "Andrés Rojas", "andres", Role.PARTICIPANT, teams["Ciudad de México"], now
    )
    await add_member(
        session, cohort, "Andrés Ruiz", "aruiz", Role.PARTICIPANT, teams["Santiago"], now
    )
    people = {p.display_name: p for p in (await session.exec(select(Person))).all()}
    assert laura.person_id == people["Laura Gómez"].id
    people["Laura Gómez"].email = "laura.gomez@bogota.gov.co"
    people["Coordinación"].email = "coordinacion@sprint.example.org"
    await session.commit()


@pytest.fixture
async def cohort(session: AsyncSession, clock: ManualClock, transcript: Transcript) -> Cohort:
    seeded = await seed_cohort(session, clock.now())
    await seed_people(session, seeded, clock)
    await transcript.run(":como coordina\n/sesion semanal mar 10:00")
    return seeded
