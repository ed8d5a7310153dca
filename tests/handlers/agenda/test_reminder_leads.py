"""A reminder says how long is left the way people say it: 'mañana', 'en 23 horas y media'."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Person, Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort

NEW_MASTERCLASS = ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'


async def _cohort_with_an_english_reader_in_santiago(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The example cohort and Tomás (Santiago team, reads English); members get private
    reminders unless they say /avisos no."""
    cohort = await seed_cohort(session, clock.now())
    santiago = (await session.exec(select(Team).where(Team.name == "Santiago"))).one()
    tomas = await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, santiago, clock.now()
    )
    person = await session.get(Person, tomas.person_id)
    assert person is not None
    person.locale, person.zone = "en", "America/Santiago"
    await session.commit()


async def test_a_late_reminder_says_how_long_is_left_as_people_say_it(
    session: AsyncSession, transcript: Transcript, assembly: Assembly, clock: ManualClock
) -> None:
    await _cohort_with_an_english_reader_in_santiago(session, clock)
    await transcript.run(NEW_MASTERCLASS + "\n:reloj 2025-05-04 10:00")

    # Down over the 24 h reminder (due Monday 10:00 in Bogotá); back at 10:30.
    clock.set(datetime(2025, 5, 5, 15, 30, tzinfo=UTC))
    seen = len(transcript.lines)
    await assembly.ticker.tick()
    out = "\n".join(transcript.lines[seen:])

    assert "bot → #sala: ⏰ Recordatorio (en 23 horas y media): *Masterclass: Datos" in out
    assert "bot → @sofia: ⏰ Recordatorio (en 23 horas y media)" in out
    assert "bot → @tomas: ⏰ Reminder (in 23 and a half hours)" in out
    assert "minut" not in out


async def test_reminders_on_time_say_the_day(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_an_english_reader_in_santiago(session, clock)
    await transcript.run(NEW_MASTERCLASS)

    out = await transcript.run(":reloj 2025-05-05 10:00")

    assert "bot → #sala: ⏰ Recordatorio (mañana): *Masterclass: Datos abiertos*" in out
    assert "bot → @sofia: ⏰ Recordatorio (mañana a las 10:00): *Masterclass" in out
    assert "bot → @tomas: ⏰ Reminder (tomorrow at 11:00): *Masterclass: Datos abiertos*" in out

    out = await transcript.run(":reloj 2025-05-06 09:00")

    assert "bot → #sala: ⏰ Recordatorio (en 1 hora): *Masterclass: Datos abiertos*" in out
