"""Confirming the poll: clashes flagged and asked about, one weekly series at a time, the
series named by the cohort (not by the poll), and one closing message in the group."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Event, EventKind
from cohorte.storage.outbox import Delivery, DeliveryState
from cohorte.storage.series import Series, SeriesChange, SeriesKind
from tests.conftest import Transcript
from tests.handlers.poll.test_poll import OPEN, seed_three_zones


async def _weekly(sessions: SessionFactory) -> list[Series]:
    async with sessions() as session:
        statement = select(Series).where(Series.kind == SeriesKind.SESSION).order_by(col(Series.id))
        return list((await session.exec(statement)).all())


async def test_slots_that_clash_are_flagged_and_confirming_one_asks_first(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    cohort = await seed_three_zones(session, transcript.chat.clock.now())
    assert cohort.id is not None
    # Tuesday 6 May, 10:00 in Bogotá: the Masterclass falls on slot 1 (mar 10:00).
    session.add(
        Event(
            cohort_id=cohort.id,
            kind=EventKind.MASTERCLASS,
            title="Datos abiertos",
            starts_at=datetime(2025, 5, 6, 15, 0, tzinfo=UTC),
        )
    )
    await session.commit()
    await transcript.run(":como coordina\n/acompanamiento Bogotá jue 09:00")

    opened = await transcript.run(OPEN)
    masterclass = "⚠️ Coincide con la Masterclass “Datos abiertos” del martes, 6 de mayo."
    checkin = (
        "⚠️ Coincide con la sesión de acompañamiento del equipo Bogotá "
        "(5 veces, desde el jueves, 8 de mayo)."
    )
    group = opened.split("bot → #sala: ", 1)[1].split("\n  bot → ", 1)[0]
    assert masterclass in group and checkin in group
    ballot = opened.split("bot → @sofia: ", 1)[1].split("\n  bot → ", 1)[0]
    assert masterclass in ballot and checkin in ballot
    assert group.index(masterclass) < group.index("*2.*") < group.index(checkin)
    results = await transcript.run("/encuesta resultados")
    assert masterclass in results and checkin in results

    # The deadline passes: the poll closes; the coordinator confirms the proposal.
    await transcript.run(":reloj 2025-04-26 09:00")
    asked = await transcript.run("/encuesta confirmar")
    assert (
        "⚠️ El horario del martes 10:00 (hora de Bogotá) coincide con otras sesiones del sprint:\n"
        "    • la Masterclass “Datos abiertos” del martes, 6 de mayo\n"
        "    La sesión semanal de este día cae en una Masterclass o en el Showtime: "
        "martes, 6 de mayo. Puedes saltarla, o moverla después con /sesion mover CÓDIGO.\n"
        "    ¿Lo confirmas de todos modos? (O elige otro horario con /encuesta elegir N)."
        in asked
    )
    assert "[1] ✅ Sí, sin esa sesión  [2] Sí, con todas las sesiones" in asked
    assert "bot → #sala" not in asked
    assert await _weekly(sessions) == []

    confirmed = await transcript.run(":b 1")
    assert "Listo: la sesión semanal será cada martes 10:00 (hora de Bogotá)" in confirmed
    assert "    Sin sesión: martes, 6 de mayo." in confirmed
    assert "bot → #sala: 📅 *Sesión semanal*: ¡ya tenemos sesión semanal!" in confirmed
    # The coordinator's answer, the group, and everyone privately (the coordinator too).
    assert confirmed.count("Sin sesión: martes, 6 de mayo.") == 1 + 1 + 4
    (series,) = await _weekly(sessions)
    async with sessions() as check:
        changes = (await check.exec(select(SeriesChange))).all()
    assert [(c.series_id, c.original_date, c.cancelled) for c in changes] == [
        (series.id, date(2025, 5, 6), True)
    ]
    # Told once: no cancellation notice for the skipped week.
    assert "❌" not in confirmed

    # The coordinator changes their mind: slot 3 (jue 09:30) only clashes with check-ins,
    # so there is nothing to skip, only "anyway"; the new choice replaces the series.
    again = await transcript.run("/encuesta elegir 3")
    assert "• la sesión de acompañamiento del equipo Bogotá (5 veces, desde el jueves" in again
    assert "[1] Sí, de todos modos" in again
    assert "[2]" not in again
    replaced = await transcript.run(":b 1")
    assert "Reemplaza a la sesión semanal del martes a las 10:00 (hora de Bogotá)." in replaced
    assert [s.weekday for s in await _weekly(sessions) if s.ended_at is None] == [3]


async def test_a_confirmed_poll_replaces_the_weekly_session_from_its_next_occurrence(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    # Tuesday 22 April: the coordinator sets a weekly time by hand (from Tuesday 29 April).
    await transcript.run(":como coordina\n/sesion semanal mar 10:00\n:reloj +1m")
    async with sessions() as check:
        planned = (
            await check.exec(select(Delivery).where(Delivery.ref == "s1:2025-04-29"))
        ).all()
    assert planned  # its reminders are in the outbox already

    opened = await transcript.run(
        '/encuesta nueva "Horario de la sesión semanal" jue 09:30, vie 10:00 '
        "cierre 2025-04-25 18:00"
    )
    assert (
        "La sesión semanal ya es cada martes 10:00 (hora de Bogotá): si confirmas esta "
        "encuesta, el horario elegido la reemplaza desde su próxima sesión." in opened
    )

    await transcript.run(":reloj 2025-04-26 09:00")
    confirmed = await transcript.run("/encuesta confirmar")
    assert (
        "Listo: la sesión semanal será cada jueves 09:30 (hora de Bogotá), a partir del "
        "jueves, 1 de mayo. Ya le aviso a todo el mundo.\n"
        "    Reemplaza a la sesión semanal del martes a las 10:00 (hora de Bogotá)." in confirmed
    )
    group = confirmed.split("bot → #sala: ", 1)[1].split("\n  bot → ", 1)[0]
    assert group.startswith(
        "📅 *Horario de la sesión semanal*: la sesión semanal cambia de horario."
    )
    assert "Reemplaza a la sesión semanal del martes a las 10:00 (hora de Bogotá)." in group
    assert "¡ya tenemos sesión semanal!" not in confirmed
    assert "❌" not in confirmed  # one notice, not one per dropped session

    old, new = await _weekly(sessions)
    assert old.ended_at is not None and new.ended_at is None
    assert old.last_date < old.first_date  # Tuesday 29 April is not held any more
    upcoming = await transcript.run("/proximas 3")
    assert "martes" not in upcoming
    assert upcoming.count("*Sesión semanal*") == 3
    async with sessions() as check:
        states = {
            delivery.state
            for delivery in (
                await check.exec(select(Delivery).where(Delivery.ref == "s1:2025-04-29"))
            ).all()
        }
    assert states == {DeliveryState.DROPPED}


async def test_the_weekly_series_is_named_by_the_cohort_not_by_the_poll(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    cohort = await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(
        ":como coordina\n"
        '/encuesta nueva "Horario de la sesión semanal" jue 09:30 cierre 2025-04-25 18:00'
    )
    await transcript.run(":reloj 2025-04-26 09:00\n/encuesta confirmar")
    (series,) = await _weekly(sessions)
    assert series.title == ""  # each reader reads the catalog's "Sesión semanal"
    upcoming = await transcript.run("/proximas 1")
    assert "— *Sesión semanal* (Semana 2)" in upcoming
    assert "Horario de la sesión semanal" not in upcoming

    # A cohort with a name of its own gives it to the series it sets.
    async with sessions() as write:
        stored = await write.get(Cohort, cohort.id)
        assert stored is not None
        stored.session_name = "Encuentro de los jueves"
        await write.commit()
    await transcript.run("/sesion semanal jue 10:00")
    named = (await _weekly(sessions))[-1]
    assert (named.title, named.local_time) == ("Encuentro de los jueves", time(10))
    assert "— *Encuentro de los jueves* (Semana 2)" in await transcript.run("/proximas 1")


async def test_closing_posts_the_results_once_in_the_group(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    closed = await transcript.run(":reloj 2025-04-26 09:00")
    to_group = [
        block for block in closed.split("\n  bot → ")[1:] if block.startswith("#sala: ")
    ]
    assert len(to_group) == 2
    stub, results = to_group
    # The live message only loses its buttons; the results come once, after it.
    assert stub == (
        "#sala: 🔒 *Sesión semanal*: la votación está cerrada; los resultados van a continuación."
    )
    assert results.startswith("#sala: 🔒 La encuesta “Sesión semanal” cerró.")
    assert results.count("equipos que pueden: 0 de 3") == 3
