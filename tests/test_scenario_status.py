"""A sprint's deliverables in the console, in Spanish: reports, check-in, dashboard, nudges."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.lang.text import fold
from tests.conftest import Transcript

CHECKIN_PROMPT = "La sesión de acompañamiento de tu equipo (Bogotá) es el jueves, 24 de abril"
DIGEST = "*Sesión de acompañamiento con el equipo Bogotá* — jueves, 24 de abril · 10:00"
WEEKLY = "*Resumen semanal — Semana 5* · Sprint de Contratación Abierta 2025"


async def test_a_team_reports_and_the_coordination_follows(
    session: AsyncSession, transcript: Transcript
) -> None:
    # Tuesday of week 1, 09:00 in Bogotá; the example cohort with its six templates.
    spec = parse_cohort_file(EXAMPLE.read_bytes())
    await import_cohort(session, spec, transcript.chat.clock.now())
    await session.commit()

    reports = await transcript.run(
        """
        # Laura reports with buttons, then in one line.
        :como laura
        /reportar
        :b 1
        :b 2
        /reportar plan bloqueado "falta acceso al SECOP"
        /estado
        """
    )
    assert "¿Qué entregable del equipo Bogotá quieres actualizar?" in reports
    assert "[1] ⚪ Mapeo de procesos y sistemas" in reports
    assert "Listo: *Mapeo de procesos y sistemas* (Bogotá) pasó de sin iniciar a 🔄 en curso." in (
        reports
    )
    assert "Listo: *Plan de mejora* (Bogotá) pasó de sin iniciar a ⛔ bloqueado." in reports
    assert "Nota: “falta acceso al SECOP”" in reports
    # Her teammates hear about both changes.
    for teammate in ("andres", "catalina"):
        assert (
            f"bot → @{teammate}: Laura Gómez Restrepo actualizó *Plan de mejora* (Bogotá): "
            "sin iniciar → ⛔ bloqueado." in reports
        )
    assert "*Entregables del equipo Bogotá* · Semana 1 de 12" in reports
    assert "bloqueado · 22 abr, Laura Gómez Restrepo: “falta acceso al SECOP”" in reports

    checkin = await transcript.run(
        """
        # Two days before Thursday's check-in the team gets the questions.
        :reloj +1h
        :b 1
        Terminamos el inventario de sistemas
        :b Saltar
        Revisar el plan de mejora
        :como andres
        :b 1
        Entrevistas con proveedores
        Falta acceso al SECOP
        :b Saltar
        :reloj +1h
        """
    )
    assert checkin.count(CHECKIN_PROMPT) == 3  # laura, andres, catalina; once each
    # Greeted by the name people are called by, the first of the cohort file's `name`.
    for person in ("Laura", "Andrés", "Catalina"):
        assert f"bot → @{fold(person)}: ¡Hola, {person}! La sesión" in checkin
    assert "(1/3) ¿Qué avanzaron desde la última sesión?" in checkin
    assert checkin.count("¡Gracias! El equipo coordinador leerá tus respuestas") == 2

    digest = await transcript.run(
        """
        # Two hours before the session the coordination gets the answers.
        :como coordina
        :reloj 2025-04-24 08:00
        :reloj +1h
        /tablero
        /exportar checkins
        /tablero
        """
    )
    assert digest.count(DIGEST) == 1
    assert "2 integrantes de 3 respondieron las preguntas." in digest
    assert "*Laura Gómez Restrepo*\n    • ¿Qué avanzaron desde la última sesión?" in digest
    assert "      Terminamos el inventario de sistemas" in digest
    assert "No respondieron: Catalina Herrera Díaz" in digest
    assert "⛔ *Plan de mejora* · RDC7 · RDC8 · vence Semana 11" in digest
    assert "*Tablero* · Sprint de Contratación Abierta 2025 · Semana 1 de 12" in digest
    assert "🔄 mapeo  ⚪ proveedores  ⛔ plan  ⚪ datos  ⚪ indicadores  ⚪ investigacion" in digest
    assert "⛔ *Bloqueados*\n    • Bogotá — Plan de mejora: bloqueado" in digest
    files = transcript.chat.files
    for picture in ("tablero-2025-04-24.png", "tablero-2025-04-24-2.png"):  # both kept
        assert digest.count(f"📎 {files / picture}") == 1
    checkins = files / "checkins-1-2025-04-24.csv"
    assert f"checkins-1-2025-04-24.csv: 4 filas\n    📎 {checkins}" in digest

    later = await transcript.run(
        """
        # Week 5: nobody has reported for weeks and the mapping is due in 11 days.
        :reloj 2025-05-19 09:00
        :reloj +1h
        :reloj +1d
        """
    )
    assert later.count("bot → @coordina: " + WEEKLY) == 1
    assert "⛔ *Bloqueados* (1)" in later
    assert "Sin actualizaciones desde hace 10 días o más:" in later
    nudge = "Tu equipo (Bogotá) no actualiza sus entregables desde hace 27 días"
    assert later.count(nudge) == 3
    for person in ("diego", "lucia", "mariana", "javiera", "tomas", "constanza"):
        assert later.count(f"bot → @{person}: ¡Hola") >= 1
    assert later.count("todavía no ha reportado cómo van sus entregables") == 6
    assert "🔄 *Mapeo de procesos y sistemas* · RDC7 · vence Semana 6 · viernes, 30 de mayo" in (
        later
    )

    again = await transcript.run(
        """
        :como laura
        /reportar Mapeo de procesos completado
        :reloj +1d
        :como coordina
        /estado
        """
    )
    assert "pasó de en curso a ✅ completado." in again
    assert "no actualiza sus entregables" not in again
    assert "*Bogotá*: ✅ 1 de 6 · 🔄 0 · ⛔ 1 · ⏰ 0 · última actualización 20 may" in again
