"""A moved or cancelled session is told to each person where they get its reminders.

People who asked for private reminders (/avisos sí) read the notice privately,
in their language and zone, once; the group chat reads it too. A move to the
time the session already has changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Person, Role, Team
from cohorte.storage.outbox import Delivery
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _cohort_with_private_readers(session: AsyncSession, clock: ManualClock) -> None:
    """The example cohort with Tomás (Santiago team, reads English) and Diego (Mexico
    City team). Members get private reminders unless they say /avisos no."""
    cohort = await seed_cohort(session, clock.now())
    teams = {t.name: t for t in (await session.exec(select(Team))).all()}
    tomas = await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], clock.now()
    )
    await add_member(
        session, cohort, "Diego", "diego", Role.PARTICIPANT, teams["Ciudad de México"], clock.now()
    )
    person = await session.get(Person, tomas.person_id)
    assert person is not None
    person.locale, person.zone = "en", "America/Santiago"
    await session.commit()


async def _rows(session: AsyncSession, kind: str) -> list[Delivery]:
    statement = select(Delivery).where(Delivery.kind == kind).order_by(Delivery.dedupe_key)
    return list((await session.exec(statement)).all())


async def test_move_and_cancel_notices_reach_whoever_gets_private_reminders(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_private_readers(session, clock)
    await transcript.run(
        """
        :como sofia
        /avisos sí
        :como tomas
        /avisos sí
        :como diego
        /avisos no
        :como coordina
        /sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
        """
    )

    out = await transcript.run("/sesion mover e1 7 de mayo 16:00\n:reloj +1m")

    assert "bot → #sala: 🔁 Nuevo horario para *Masterclass: Datos abiertos*" in out
    assert out.count("bot → @sofia: 🔁 Nuevo horario para *Masterclass: Datos abiertos*") == 1
    assert "miércoles, 7 de mayo · 16:00 (hora de Bogotá)" in out
    assert out.count("bot → @tomas: 🔁 New time for *Masterclass: Datos abiertos*") == 1
    assert "Wednesday, May 7 · 17:00 (Santiago time)" in out
    assert "(it was Tuesday, May 6 · 11:00 (Santiago time))" in out
    assert "@diego" not in out  # he reads his reminders in the group
    stamp = int(datetime(2025, 5, 7, 21, tzinfo=UTC).timestamp())
    keys = [row.dedupe_key for row in await _rows(session, "moved")]
    assert keys == [f"moved:e1:{stamp}:{lane}" for lane in ("c1", "p1", "p2", "p3")]

    out = await transcript.run("/sesion cancelar e1\n/sesion cancelar e1\n:reloj +1m")

    assert out.count("bot → #sala: ❌ Cancelada: *Masterclass: Datos abiertos*") == 1
    assert out.count("bot → @sofia: ❌ Cancelada: *Masterclass: Datos abiertos*") == 1
    assert out.count("bot → @tomas: ❌ Cancelled: *Masterclass: Datos abiertos*") == 1
    assert "@diego" not in out
    keys = [row.dedupe_key for row in await _rows(session, "cancelled")]
    assert keys == [f"cancelled:e1:{lane}" for lane in ("c1", "p1", "p2", "p3")]


async def test_a_move_to_the_time_it_already_has_changes_nothing(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_private_readers(session, clock)
    await transcript.run(
        """
        :como sofia
        /avisos sí
        :como coordina
        /sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
        :reloj 2025-05-05 10:00
        """
    )
    reminders = len(await _rows(session, "reminder"))

    out = await transcript.run("/sesion mover e1 6 de mayo 10:00\n:reloj +1m")

    assert "Masterclass: Datos abiertos ya está programada para el martes, 6 de mayo" in out
    assert "Nuevo horario" not in out
    assert await _rows(session, "moved") == []
    assert len(await _rows(session, "reminder")) == reminders
    assert all(row.state != "dropped" for row in await _rows(session, "reminder"))
