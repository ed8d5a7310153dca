"""The sprint calendar as a cohort lives it: sessions, reminders on time, once, per zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Role, Team
from cohorte.storage.outbox import Delivery, DeliveryState
from cohorte.storage.series import Series
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _cohort_with_people(session: AsyncSession, clock: ManualClock) -> None:
    cohort = await seed_cohort(session, clock.now())
    teams = {t.name: t for t in (await session.exec(select(Team))).all()}
    await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], clock.now()
    )
    await add_member(
        session, cohort, "Diego", "diego", Role.PARTICIPANT, teams["Ciudad de México"], clock.now()
    )
    await session.commit()


async def test_weekly_session_reminders_fire_once_in_each_readers_zone(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_people(session, clock)

    out = await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        """
    )
    assert "La sesión semanal será el martes a las 10:00 (hora de Bogotá)" in out
    assert "bot → #sala: 📣" in out

    out = await transcript.run(
        """
        :como tomas
        /proximas 2
        :reloj 2025-04-28 09:59
        """
    )
    # Santiago is UTC-4 after its April change: 10:00 Bogotá is 11:00 there. The header
    # names the zone once; the lines give the day and time.
    assert (
        "Próximas sesiones (hora de Santiago de Chile):\n"
        "    • martes, 29 de abril · 11:00 — *Sesión semanal* (Semana 2)\n" in out
    )
    assert "Recordatorio" not in out

    out = await transcript.run(":reloj +1m")
    assert "bot → #sala: ⏰ Recordatorio (mañana): *Sesión semanal* · Semana 2" in out
    assert "09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile" in out
    assert "bot → @tomas: ⏰ Recordatorio (mañana a las 11:00)" in out
    assert "martes, 29 de abril · 11:00 (hora de Santiago de Chile)" in out
    assert "martes, 29 de abril · 09:00 (hora de Ciudad de México)" in out

    again = await transcript.run(":reloj +1m\n:reloj +1m")
    assert "Recordatorio" not in again  # never twice
    sent = (
        await session.exec(
            select(func.count()).select_from(Delivery).where(Delivery.state == DeliveryState.SENT)
        )
    ).one()
    assert sent >= 5


async def test_a_moved_masterclass_is_announced_and_old_reminders_are_dropped(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        /sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
        :reloj 2025-05-05 10:00
        """
    )
    assert (
        "Agregada: Datos abiertos, martes, 6 de mayo · 10:00 (hora de Bogotá). Código: e1." in out
    )
    assert "⏰ Recordatorio (mañana): *Masterclass: Datos abiertos* · Semana 3" in out

    out = await transcript.run(
        """
        /sesion mover e1 7 de mayo 16:00
        :reloj 2025-05-06 09:00
        """
    )
    assert (
        "Listo. Nuevo horario para *Masterclass: Datos abiertos*: miércoles, 7 de mayo · 16:00"
        in out
    )
    assert "🔁 Nuevo horario para *Masterclass: Datos abiertos*" in out
    assert "(antes: martes, 6 de mayo" in out
    assert "(en 1 hora)" not in out  # the old 1 h reminder is gone

    out = await transcript.run(":reloj 2025-05-06 16:00")
    assert "⏰ Recordatorio (mañana): *Masterclass: Datos abiertos*" in out

    out = await transcript.run("/sesion cancelar e1\n/sesion cancelar e1\n:reloj 2025-05-07 15:00")
    # Once in the group, and once privately to each member who gets private reminders.
    assert out.count("bot → #sala: ❌ Cancelada: *Masterclass: Datos abiertos*") == 1
    assert out.count("bot → @sofia: ❌ Cancelada: *Masterclass: Datos abiertos*") == 1
    assert out.count("❌ Cancelada: *Masterclass: Datos abiertos*") == 3  # and the coordinator
    assert "ya estaba cancelada" in out
    assert "Recordatorio" not in out


async def test_downtime_catch_up_sends_late_but_drops_stale(
    session: AsyncSession, transcript: Transcript, assembly: Assembly, clock: ManualClock
) -> None:
    await seed_cohort(session, clock.now())
    await transcript.run(':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "A"')
    await transcript.run(":reloj 2025-05-04 10:00")  # plans the reminders for May 6

    # The bot is down from before the 24 h reminder until after it, but before the start.
    clock.set(datetime(2025, 5, 6, 12, 0, tzinfo=UTC))  # 07:00 Bogotá
    report = await assembly.ticker.tick()
    assert report.sent >= 1 and report.late >= 1

    # Down again over the 1 h reminder and past the start: dropped, not sent.
    reminders_sent = (
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.kind == "reminder", Delivery.state == DeliveryState.SENT)
    )
    before = (await session.exec(reminders_sent)).one()
    clock.set(datetime(2025, 5, 6, 15, 30, tzinfo=UTC))
    report = await assembly.ticker.tick()
    # Only the session's "Empezamos" goes now (it is under way: its button still counts).
    assert report.sent == 1 and report.dropped >= 1
    assert (await session.exec(reminders_sent)).one() == before


async def test_check_in_series_and_calendar_file(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        /acompanamiento Santiago jue 11:00
        /sesion semanal mar 10:00
        /sesion cancelar s2/2025-05-06
        :como sofia
        /calendario
        """
    )
    assert "cada dos semanas, el jueves a las 11:00 (hora de Santiago de Chile)" in out
    assert f"📎 {transcript.chat.files / 'sprint-de-prueba.ics'}" in out
    series = (await session.exec(select(Series))).all()
    assert {s.kind for s in series} == {"checkin", "session"}


async def test_ics_file_has_rrule_exdate_and_stable_uids(
    session: AsyncSession, transcript: Transcript, assembly: Assembly
) -> None:
    from cohorte.handlers.agenda.ics import build_ics
    from cohorte.locales import Translator
    from cohorte.storage.models import Cohort

    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        /sesion cancelar s1/2025-05-06
        /sesion mover s1/2025-05-13 14 de mayo 10:00
        /sesion nueva showtime 9 de julio 10:00 "Showtime"
        """
    )
    cohort = (await session.exec(select(Cohort))).one()
    now = transcript.chat.clock.now()
    first = await build_ics(session, cohort, Translator("es"), now, None)
    again = await build_ics(session, cohort, Translator("es"), now + timedelta(days=1), None)
    calendar = Calendar.from_ical(first)
    events = [c for c in calendar.walk("VEVENT")]
    master = next(e for e in events if "RRULE" in e and "RECURRENCE-ID" not in e)
    assert str(master["SUMMARY"]) == "Sesión semanal"
    assert master["DTSTART"].dt.tzinfo is not None
    assert str(master["DTSTART"].params["TZID"]) == "America/Bogota"
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    exdates = master["EXDATE"] if isinstance(master["EXDATE"], list) else [master["EXDATE"]]
    assert any(d.dt.date().isoformat() == "2025-05-06" for e in exdates for d in e.dts)
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert moved["UID"] == master["UID"]
    assert any("Showtime" in str(e["SUMMARY"]) for e in events)
    assert calendar.walk("VTIMEZONE")
    uids = sorted(str(e["UID"]) for e in events)
    assert uids == sorted(str(e["UID"]) for e in Calendar.from_ical(again).walk("VEVENT"))


async def test_coordinator_commands_are_refused_and_bad_dates_explained(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /sesion nueva masterclass mañana 10:00 "X"
        :como coordina
        /sesion nueva masterclass 31 de febrero 10:00 "X"
        /sesion nueva masterclass 1 de enero 10:00 "X"
        /sesion nueva masterclass 21/4/2025 10:00 "X"
        /sesion nueva taller 6 de mayo 10:00 "X"
        /sesion mover e99 7 de mayo 10:00
        /sesion volar
        /anuncio
        /recordatorios showtime 1s 1d
        """
    )
    assert "Solo el equipo coordinador puede hacer eso." in out
    assert "31 de febrero 10:00 no es una fecha del calendario." in out
    assert "El jueves, 1 de enero de 2026 está fuera del sprint" in out
    assert "Ese momento ya pasó" in out
    assert "Indica el tipo (masterclass o showtime)" in out
    assert "No hay ninguna sesión con el código e99." in out
    assert "Usa /sesion nueva, /sesion semanal" in out
    assert "Escribe el aviso después del comando" in out
    assert "• Showtime: 1s, 1d" in out
    assert "Traceback" not in out
