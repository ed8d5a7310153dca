"""The cohort chooses its weekly session: a poll from opening to the announced series.

Three participants in three zones (Bogotá, Ciudad de México, Santiago de Chile)
vote in the console, in Spanish, while the clock moves through the nudge and
the deadline; the coordinator confirms the winner and everyone hears the time
in their own zone.
"""

from __future__ import annotations

import csv
import io
from datetime import date, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.poll.export import poll_csv
from cohorte.locales import Translator
from cohorte.storage.db import SessionFactory
from cohorte.storage.polls import Poll, PollState
from cohorte.storage.series import Series, SeriesKind
from tests.conftest import Transcript
from tests.handlers.poll.test_poll import seed_three_zones


async def test_the_cohort_chooses_its_weekly_session(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())

    # Tuesday 22 April, 09:00 in Bogotá: the coordinator opens the poll.
    opened = await transcript.run(
        ":como coordina\n"
        '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 '
        "cierre viernes 18:00 duracion 90"
    )
    assert "Listo: la encuesta “Sesión semanal” está abierta con 3 horarios." in opened
    assert "Cierra el viernes, 25 de abril · 18:00 (hora de Bogotá)." in opened
    assert "3 participantes recibieron su boleta en privado" in opened
    # The group sees every slot per city...
    assert "bot → #sala: 🗳️ *Sesión semanal*: elijamos el día y la hora de la sesión semanal." in (
        opened
    )
    assert (
        "Cierre: viernes, 25 de abril · 17:00 Ciudad de México · 18:00 Bogotá · "
        "19:00 Santiago de Chile" in opened
    )
    assert "Cada sesión dura 90 minutos." in opened
    assert "*1.* martes · 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile" in opened
    assert "*3.* jueves · 08:30 Ciudad de México · 09:30 Bogotá · 10:30 Santiago de Chile" in opened
    assert (
        "🎉 Feriado el jueves, 1 de mayo: Día del Trabajo (Colombia, México); "
        "Día Nacional del Trabajo (Chile)" in opened
    )
    assert "🎉 Feriado el miércoles, 21 de mayo: Día de las Glorias Navales (Chile)" in opened
    assert "[1] 1 ✅  [2] 1 🤔  [3] 1 ❌" in opened
    # ...and each participant gets a private ballot in their own zone.
    assert "bot → @sofia: ¡Se abrió la encuesta de la sesión semanal!" in opened
    assert "*1.* martes 10:00 (hora de Bogotá) → sin responder" in opened
    assert "*1.* martes 09:00 (hora de Ciudad de México) → sin responder" in opened
    assert "*1.* martes 11:00 (hora de Santiago de Chile) → sin responder" in opened
    assert "Cierre: viernes, 25 de abril · 19:00 (hora de Santiago de Chile)" in opened
    assert "[1] 1 · ✅ Sí  [2] 1 · 🤔 Si es necesario  [3] 1 · ❌ No" in opened

    # Votes: in private, in the group, and a change of mind.
    voted = await transcript.run(
        """
        :como sofia
        :b 1
        :b 4
        :b 8
        :como valentina
        :b 3
        :b 4
        :b 9
        :como mateo
        :grupo
        :b 1
        :b 5
        :privado
        """
    )
    assert "bot → @sofia: Anotado: *3.* jueves 09:30 (hora de Bogotá) → 🤔 Si es necesario" in voted
    assert "Respondiste todos los horarios. ¡Gracias!" in voted
    assert "Anotado: *1.* martes 11:00 (hora de Santiago de Chile) → ❌ No" in voted
    assert (
        "bot → #sala (solo lo ve mateo): Anotado: *2.* miércoles 15:00 "
        "(hora de Ciudad de México) → 🤔 Si es necesario" in voted
    )
    assert "Te falta 1 horario por responder." in voted

    # The group message is refreshed once the votes settle.
    refreshed = await transcript.run(":reloj +1h")
    assert refreshed.count("bot → #sala: 🗳️ *Sesión semanal*") == 1
    assert "✅ 2 · 🤔 0 · ❌ 1 · equipos que pueden: 2 de 3" in refreshed
    assert "Boletas completas: 2 de 3." in refreshed

    changed = await transcript.run(
        """
        :como valentina
        /votar
        :b 2
        /encuesta resultados
        """
    )
    assert "*1.* martes 11:00 (hora de Santiago de Chile) → ❌ No" in changed
    assert "[1] 1 · ✅ Sí  [2] 1 · 🤔 Si es necesario  [3] ● 1 · ❌ No" in changed
    assert "Anotado: *1.* martes 11:00 (hora de Santiago de Chile) → 🤔 Si es necesario" in changed
    assert "📊 *Sesión semanal* — resultados" in changed
    assert "✅ 2 · 🤔 1 · ❌ 0 · equipos que pueden: 3 de 3" in changed
    assert (
        "🏆 Va ganando, según la regla: *1.* martes 11:00 (hora de Santiago de Chile)\n"
        "    Criterio: empate total; la primera de la semana." in changed
    )
    assert "Faltan por votar: Mateo (Ciudad de México, 2 de 3)" in changed

    # Thursday 18:30, less than 24 h before the deadline: Mateo is nudged, once.
    nudged = await transcript.run(":reloj 2025-04-24 18:30\n:reloj +2h")
    assert nudged.count("⏰") == 1
    assert (
        "bot → @mateo: ⏰ La encuesta “Sesión semanal” cierra el viernes, 25 de abril · 17:00 "
        "(hora de Ciudad de México) y te falta 1 horario por responder." in nudged
    )

    # He answers from the nudge; everyone has voted, the coordinator hears it once.
    completed = await transcript.run(":como mateo\n:b 9\n:b 9")
    assert completed.count("✅ Todas las personas participantes respondieron") == 1
    assert "bot → @coordina: ✅ Todas las personas participantes respondieron la encuesta" in (
        completed
    )

    # Past the deadline the scheduler closes the poll and proposes the winner.
    closed = await transcript.run(":reloj 2025-04-26 09:00")
    assert (
        "bot → #sala: 🔒 *Sesión semanal*: la votación está cerrada; los resultados van a "
        "continuación." in closed
    )
    assert "bot → #sala: 🔒 La encuesta “Sesión semanal” cerró." in closed
    assert (
        "🏆 Propuesta según la regla: *1.* martes · 09:00 Ciudad de México · 10:00 Bogotá · "
        "11:00 Santiago de Chile\n    Criterio: empate total; la primera de la semana." in closed
    )
    assert "Cerrada. El equipo coordinador confirmará el horario." in closed
    assert "bot → @coordina: 🔒 La encuesta “Sesión semanal” cerró." in closed
    assert "[1] ✅ Confirmar 1. martes 10:00  [2] Elegir 2. miércoles 16:00" in closed
    late = await transcript.run(":como sofia\n:b 5")
    assert "Esta encuesta ya cerró." in late

    # The coordinator confirms: the weekly series exists and everyone is told.
    confirmed = await transcript.run(":como coordina\n:b 1")
    assert (
        "Listo: la sesión semanal será cada martes 10:00 (hora de Bogotá), "
        "a partir del martes, 29 de abril." in confirmed
    )
    assert "bot → #sala: 📅 *Sesión semanal*: ¡ya tenemos sesión semanal!" in confirmed
    assert "Cada martes · 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile." in (
        confirmed
    )
    assert "Cada martes 09:00 (hora de Ciudad de México)." in confirmed
    assert "Cada martes 11:00 (hora de Santiago de Chile)." in confirmed
    assert "Primera sesión: martes, 29 de abril · 11:00 (hora de Santiago de Chile)." in confirmed
    assert "Hasta el domingo, 13 de julio, fin del sprint." in confirmed
    async with sessions() as check:
        series = (await check.exec(select(Series).where(Series.kind == SeriesKind.SESSION))).one()
        poll = (await check.exec(select(Poll).order_by(col(Poll.id)))).one()
    assert (series.weekday, series.local_time, series.zone) == (1, time(10), "America/Bogota")
    assert (series.first_date, series.last_date) == (date(2025, 4, 29), date(2025, 7, 13))
    assert series.duration_minutes == 90
    assert series.title == ""  # the cohort's name for it: the catalog's, per reader
    assert poll.state == PollState.CONFIRMED
    assert poll.series_id == series.id

    # The export, for the coordination team's records.
    exported = await transcript.run("/encuesta exportar")
    assert f"📎 {transcript.chat.files / 'encuesta-1.csv'}" in exported
    async with sessions() as check:
        data = await poll_csv(check, poll.id or 0, Translator("es"))
    assert data is not None
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["horario", "persona", "equipo", "voto"],
        ["martes 10:00 (hora de Bogotá)", "Sofía", "Bogotá", "Sí"],
        ["martes 10:00 (hora de Bogotá)", "Mateo", "Ciudad de México", "Sí"],
        ["martes 10:00 (hora de Bogotá)", "Valentina", "Santiago", "Si es necesario"],
        ["miércoles 16:00 (hora de Bogotá)", "Sofía", "Bogotá", "Sí"],
        ["miércoles 16:00 (hora de Bogotá)", "Mateo", "Ciudad de México", "Si es necesario"],
        ["miércoles 16:00 (hora de Bogotá)", "Valentina", "Santiago", "Sí"],
        ["jueves 09:30 (hora de Bogotá)", "Sofía", "Bogotá", "Si es necesario"],
        ["jueves 09:30 (hora de Bogotá)", "Mateo", "Ciudad de México", "No"],
        ["jueves 09:30 (hora de Bogotá)", "Valentina", "Santiago", "No"],
    ]
    assert "Traceback" not in "\n".join(transcript.lines)
