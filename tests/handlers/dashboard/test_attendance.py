"""Attendance in the coordinators' views: /tablero and /estado, the CSV export, the digest."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from cohorte.bot.cli.root import app
from cohorte.handlers.attendance.matrix import load_attendance
from cohorte.handlers.dashboard.digest import weekly_digest_text
from cohorte.handlers.dashboard.exports import ExportKind, export_csv
from cohorte.handlers.status.board import load_board
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import AttendanceSource, AttendanceStatus, set_attendance
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.models import Person
from tests.conftest import Transcript
from tests.handlers.attendance.seed import Attended, attended_cohort
from tests.handlers.status.test_status import templates

ES = Translator("es")
BOM = "\ufeff".encode()


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_the_attendance_export(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await attended_cohort(session, clock)
    mariana = await session.get(Person, seeded.members["Mariana"].person_id)
    assert mariana is not None
    mariana.display_name = '=HYPERLINK("http://127.0.0.1/x","clic")'
    await session.commit()

    name, data = await export_csv(session, seeded.cohort, ExportKind.ATTENDANCE, clock.now(), ES)

    assert name == f"asistencia-{seeded.cohort.id}-2025-05-01.csv"
    rows = read_csv(data)
    assert rows[0] == [
        "Sesión",
        "Fecha y hora (hora de Bogotá)",
        "Tipo",
        "Semana",
        "Persona",
        "Equipo",
        "¿Asistirá?",
        "Asistencia",
        "Minutos",
        "Fuente",
    ]
    # 5 participants at the three common sessions, Bogotá's 2 at its check-in.
    assert len(rows) == 1 + 5 * 3 + 2
    assert rows[1:6] == [
        [
            "Sesión semanal",
            "2025-04-22 10:00",
            "Sesión semanal",
            "1",
            "Andrés",
            "Bogotá",
            "",
            "presente",
            "",
            "equipo coordinador",
        ],
        [
            "Sesión semanal",
            "2025-04-22 10:00",
            "Sesión semanal",
            "1",
            "Sofía",
            "Bogotá",
            "",
            "presente",
            "",
            "equipo coordinador",
        ],
        [
            "Sesión semanal",
            "2025-04-22 10:00",
            "Sesión semanal",
            "1",
            '\'=HYPERLINK("http://127.0.0.1/x","clic")',
            "Ciudad de México",
            "",
            "ausente",
            "",
            "equipo coordinador",
        ],
        [
            "Sesión semanal",
            "2025-04-22 10:00",
            "Sesión semanal",
            "1",
            "Javiera",
            "Santiago",
            "",
            "justificado",
            "",
            "equipo coordinador",
        ],
        [
            "Sesión semanal",
            "2025-04-22 10:00",
            "Sesión semanal",
            "1",
            "Tomás",
            "Santiago",
            "",
            "presente",
            "55",
            "Zoom",
        ],
    ]
    assert rows[6:8] == [
        [
            "Sesión de acompañamiento — Bogotá",
            "2025-04-23 11:00",
            "Sesión de acompañamiento",
            "1",
            "Andrés",
            "Bogotá",
            "",
            "sin registro",
            "",
            "",
        ],
        [
            "Sesión de acompañamiento — Bogotá",
            "2025-04-23 11:00",
            "Sesión de acompañamiento",
            "1",
            "Sofía",
            "Bogotá",
            "",
            "presente",
            "",
            "equipo coordinador",
        ],
    ]
    assert rows[8][:4] == ["Masterclass: Datos abiertos", "2025-04-24 10:00", "Masterclass", "1"]
    assert [row[4:8] for row in rows[13:15]] == [
        ["Andrés", "Bogotá", "No", "ausente"],
        ["Sofía", "Bogotá", "Sí", "presente"],
    ]


async def test_attendance_export_in_chat(session: AsyncSession, transcript: Transcript) -> None:
    await attended_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como coordina
        /exportar
        :b 4
        /exportar asistencia
        /exportar notas
        """
    )

    assert (
        "[3] Respuestas previas a las sesiones de acompañamiento  [4] Asistencia  [5] Opiniones"
        "  [6] Inscripciones" in out
    )
    saved = transcript.chat.files / "asistencia-1-2025-05-01.csv"
    assert f"asistencia-1-2025-05-01.csv: 17 filas\n    📎 {saved}" in out
    assert read_csv(saved.read_bytes())[0][0] == "Sesión"
    assert (
        "¿Qué exporto? Escribe estado, historial, checkins, asistencia, opiniones o inscripciones."
        in out
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await attended_cohort(session, ManualClock(datetime(2025, 4, 22, 14, tzinfo=UTC)))
    finally:
        await engine.dispose()


def test_the_command_line_exports_attendance(env: dict[str, str], tmp_path: Path) -> None:
    asyncio.run(_seed(env["COHORTE_DATABASE_URL"]))
    out = tmp_path / "asistencia.csv"

    result = CliRunner().invoke(app, ["export", "attendance", "1", str(out)], env=env)

    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    assert rows[0][:2] == ["Sesión", "Fecha y hora (hora de Bogotá)"]
    assert f"Asistencia de la cohorte 1 ({len(rows) - 1} filas), guardada en {out}." in (
        result.output
    )
    missing = CliRunner().invoke(app, ["export", "attendance", "7", str(out)], env=env)
    assert missing.exit_code == 1
    assert "No hay ninguna cohorte con el número 7." in missing.output


async def test_the_dashboard_and_the_summary_show_attendance(
    session: AsyncSession, transcript: Transcript
) -> None:
    await attended_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como coordina
        /tablero
        /estado
        """
    )

    summary = (
        "*Asistencia* · 45 % (5 de 11)\n"
        "    *Bogotá*: 67 % (4 de 6)\n"
        "    *Ciudad de México*: 0 % (0 de 2)\n"
        "    *Santiago*: 33 % (1 de 3)\n"
        "    Última sesión: 29 abr · Sesión semanal · Semana 2 · 20 % (1 de 5)\n"
        "    Detalle: /asistencia tablero"
    )
    assert out.count(summary) == 2, out


async def missed(seeded: Attended, session: AsyncSession, clock: ManualClock) -> list[str]:
    attendance = await load_attendance(session, seeded.cohort, clock.now())
    board = await load_board(session, seeded.cohort, clock.now())
    return plain(weekly_digest_text(ES, board, 3, attendance)).split("\n")


async def test_the_digest_flags_a_team_nobody_came_from_twice(
    session: AsyncSession, clock: ManualClock
) -> None:
    seeded = await attended_cohort(session, clock)
    lines = await missed(seeded, session, clock)

    # Ciudad de México: Mariana absent, then no record at a session taken. Santiago came to
    # the first (Tomás); the Masterclass nobody took does not count; Bogotá came to all.
    at = lines.index("🚨 *Nadie de estos equipos vino a sus dos últimas sesiones*")
    assert lines[at + 1 : at + 3] == [
        "• *Ciudad de México*: 22 abr · Sesión semanal · Semana 1, "
        "29 abr · Sesión semanal · Semana 2",
        "Quién vino a cada sesión: /asistencia tablero",
    ]

    # Mariana came to the last one: nobody is flagged.
    cohort_id, mariana = seeded.cohort.id or 0, seeded.members["Mariana"].id or 0
    await set_attendance(
        session,
        cohort_id,
        seeded.refs[3],
        mariana,
        AttendanceStatus.PRESENT,
        AttendanceSource.SELF,
        clock.now(),
    )
    # Santiago: Tomás absent at the last one too, Javiera excused at the first: one member
    # present at the first session keeps the team from being flagged.
    await set_attendance(
        session,
        cohort_id,
        seeded.refs[3],
        seeded.members["Tomás"].id or 0,
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
        clock.now(),
    )
    await session.commit()
    assert not any(
        "Nadie de estos equipos" in line for line in await missed(seeded, session, clock)
    )

    # Tomás absent at the first too: nobody from Santiago came to either (Javiera excused,
    # then absent), so Santiago is flagged.
    await set_attendance(
        session,
        cohort_id,
        seeded.refs[0],
        seeded.members["Tomás"].id or 0,
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
        clock.now(),
    )
    await session.commit()
    lines = await missed(seeded, session, clock)
    assert (
        "• *Santiago*: 22 abr · Sesión semanal · Semana 1, 29 abr · Sesión semanal · Semana 2"
        in lines
    )


async def test_a_team_all_excused_is_not_flagged(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await attended_cohort(session, clock)
    cohort_id = seeded.cohort.id or 0
    for ref in (seeded.refs[0], seeded.refs[3]):
        await set_attendance(
            session,
            cohort_id,
            ref,
            seeded.members["Mariana"].id or 0,
            AttendanceStatus.EXCUSED,
            AttendanceSource.COORDINATOR,
            clock.now(),
        )
    await session.commit()
    matrix = await load_attendance(session, seeded.cohort, clock.now())
    assert matrix.missed_in_a_row(seeded.teams["Ciudad de México"]) == []
    # One session taken is not two in a row.
    early = await load_attendance(session, seeded.cohort, datetime(2025, 4, 28, tzinfo=UTC))
    assert early.missed_in_a_row(seeded.teams["Ciudad de México"]) == []


async def test_the_monday_digest_reaches_the_coordinator_with_the_flag(
    session: AsyncSession, transcript: Transcript
) -> None:
    seeded = await attended_cohort(session, transcript.chat.clock)
    session.add_all(templates(seeded.cohort.id or 0))  # the digest needs something to track
    await session.commit()

    out = await transcript.run(":reloj 2025-05-05 09:00")  # Monday of week 3, Bogotá

    digest = out.split("bot → @coordina: *Resumen semanal — Semana 3*", 1)[1]
    assert (
        "🚨 *Nadie de estos equipos vino a sus dos últimas sesiones*\n"
        "    • *Ciudad de México*: 22 abr · Sesión semanal · Semana 1, "
        "29 abr · Sesión semanal · Semana 2\n"
        "    Quién vino a cada sesión: /asistencia tablero" in digest
    )
