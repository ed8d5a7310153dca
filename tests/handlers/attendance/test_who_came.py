"""Who came: "Empezamos" with "✋ Estoy aquí", /asistencia, and the follow-up the day after."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage import attendance as records
from cohorte.storage.attendance import AttendanceSource, AttendanceStatus, RsvpAnswer
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _people(session: AsyncSession, clock: ManualClock) -> Cohort:
    cohort = await seed_cohort(session, clock.now())
    teams = {t.name: t for t in (await session.exec(select(Team))).all()}
    now = clock.now()
    await add_member(session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], now)
    await add_member(
        session, cohort, "Diego", "diego", Role.PARTICIPANT, teams["Ciudad de México"], now
    )
    await session.commit()
    return cohort


async def _member(session: AsyncSession, name: str) -> Member:
    found = await session.exec(
        select(Member).join(Person, Person.id == Member.person_id).where(Person.display_name == name)
    )
    return found.one()


async def test_masterclass_start_press_and_roster(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    out = await transcript.run(
        """
        :como coordina
        /sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
        """
    )
    assert "Código: e1" in out
    diego = await _member(session, "Diego")
    await records.set_rsvp(session, cohort.id or 0, "e1", diego.id or 0, RsvpAnswer.NO, clock.now())
    await session.commit()
    out = await transcript.run(":reloj 2025-05-06 10:00")
    print(out)
    assert "bot → @sofia: 🟢 Empezamos: *Masterclass: Datos abiertos*" in out
    assert "@diego: 🟢" not in out
    out = await transcript.run(":como sofia\n:privado\n:b 1\n:b 1")
    print(out)
    out = await transcript.run(":como coordina\n/asistencia\n:b 2\n:b 2")
    print(out)
    out = await transcript.run(":como tomas\n/asistencia\n:reloj 2025-05-07 10:00")
    print(out)
