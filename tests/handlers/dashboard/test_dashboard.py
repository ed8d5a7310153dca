"""The coordinators' view: board data, text, PNG heat map, CSV exports, weekly digest."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app
from cohorte.handlers.core.delivery_kinds import DeliveryKind
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.handlers.dashboard.board import board_text
from cohorte.handlers.dashboard.chart import board_picture, picture_size, render_board_png
from cohorte.handlers.dashboard.digest import plan_weekly_digest, weekly_digest_text
from cohorte.handlers.dashboard.exports import export_csv
from cohorte.handlers.dashboard.summary import rdc_progress
from cohorte.handlers.status.board import load_board
from cohorte.handlers.status.reporting import record_status
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.checkins import CheckinAnswer
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Cohort, Member, Platform, Role, Team
from cohorte.storage.outbox import Delivery
from cohorte.storage.status import Status
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.status.test_status import seed_with_deliverables

ES = Translator("es")
BOM = "\ufeff".encode()


async def reported_cohort(
    session: AsyncSession, clock: ManualClock
) -> tuple[Cohort, dict[str, Team], dict[str, Deliverable]]:
    """Bogotá working, one item blocked, Santiago done with the mapping; now week 8."""
    cohort, teams, deliverables = await seed_with_deliverables(
        session, clock.now(), only={"investigacion": ["Bogotá", "Santiago"]}
    )
    bogota, santiago = teams["Bogotá"], teams["Santiago"]
    sofia = (await session.exec(select(Member).where(Member.team_id == bogota.id))).one()
    javiera = await add_member(
        session, cohort, "Javiera", "javiera", Role.PARTICIPANT, santiago, clock.now()
    )
    await record_status(
        session, deliverables["mapeo"], bogota, sofia, Status.IN_PROGRESS, clock.now()
    )
    await record_status(
        session,
        deliverables["plan"],
        bogota,
        sofia,
        Status.BLOCKED,
        clock.now(),
        note="Falta acceso al SECOP, “urgente”",
    )
    clock.set(datetime(2025, 6, 10, 14, 0, tzinfo=UTC))  # Tuesday of week 8
    await record_status(session, deliverables["mapeo"], santiago, javiera, Status.DONE, clock.now())
    await session.commit()
    return cohort, teams, deliverables


async def test_the_board_marks_overdue_and_blocked_items(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, teams, deliverables = await reported_cohort(session, clock)
    board = await load_board(session, cohort, clock.now())
    bogota, mexico, santiago = teams["Bogotá"], teams["Ciudad de México"], teams["Santiago"]

    assert [team.name for team in board.teams] == ["Bogotá", "Ciudad de México", "Santiago"]
    assert board.week == 8
    mapeo = board.cell(bogota, deliverables["mapeo"])
    assert mapeo is not None
    assert (mapeo.status, mapeo.overdue, mapeo.author) == (Status.IN_PROGRESS, True, "Sofía")
    assert mapeo.updated_at == datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
    plan = board.cell(bogota, deliverables["plan"])
    assert plan is not None and (plan.status, plan.overdue) == (Status.BLOCKED, False)
    done = board.cell(santiago, deliverables["mapeo"])
    assert done is not None and (done.status, done.overdue) == (Status.DONE, False)
    # Not started, due Friday of week 6: overdue. Optional ones only count once started.
    untouched = board.cell(mexico, deliverables["mapeo"])
    assert untouched is not None and (untouched.update, untouched.overdue) == (None, True)
    assert board.cell(mexico, deliverables["investigacion"]) is None
    assert board.last_update_of(mexico) is None

    progress = {p.tag: p for p in rdc_progress(board)}
    assert [(d.code, done, total) for d, done, total in progress["RDC7"].rows] == [
        ("mapeo", 1, 3),
        ("plan", 0, 3),
        ("datos", 0, 3),
        ("indicadores", 0, 3),
    ]
    assert (progress["RDC8"].done, progress["RDC8"].total) == (0, 11)


async def test_the_board_as_text(session: AsyncSession, clock: ManualClock) -> None:
    cohort, _, _ = await reported_cohort(session, clock)
    text = plain(board_text(ES, await load_board(session, cohort, clock.now())))

    assert text.startswith("*Tablero* · Sprint de prueba · Semana 8 de 12")
    assert "*Bogotá* · 0/6 · última actualización 22 abr" in text
    assert "🔄 mapeo ⏰  ⚪ proveedores  ⛔ plan  ⚪ datos" in text
    assert "*Ciudad de México* · 0/5 · sin actualizaciones todavía" in text
    assert "*Santiago* · 1/6 · última actualización 10 jun" in text
    assert "⛔ *Bloqueados*\n• Bogotá — Plan de mejora: bloqueado · 22 abr" in text
    assert "⏰ *Vencidos*\n• Bogotá — Mapeo de procesos y sistemas: en curso · vencía el" in text
    assert "RDC7 (datos de contratación abiertos y compartidos): 1 de 12 completados" in text
    assert "   • Investigación con proveedores: 0 de 2 equipos" in text
    assert "⚪ sin iniciar · 🔄 en curso · ⛔ bloqueado · ✅ completado · ⏰ vencido" in text


async def test_the_data_behind_the_picture(session: AsyncSession, clock: ManualClock) -> None:
    cohort, _, _ = await reported_cohort(session, clock)
    picture = board_picture(ES, await load_board(session, cohort, clock.now()))

    assert picture.title == ("Tablero · Sprint de prueba — martes, 10 de junio (Semana 8 de 12)")
    assert picture.rows == [
        "Bogotá\núltima actualización 22 abr",
        "Ciudad de México\nsin actualizaciones todavía",
        "Santiago\núltima actualización 10 jun",
    ]
    assert picture.columns[0] == "Mapeo de procesos\ny sistemas\nRDC7"
    assert picture.columns[3].endswith("RDC7 · opcional")
    bogota = picture.cells[0]
    assert (bogota[0].status, bogota[0].text, bogota[0].overdue) == (
        Status.IN_PROGRESS,
        "en curso\n22 abr\nvencido",
        True,
    )
    assert (bogota[2].status, bogota[2].text) == (Status.BLOCKED, "bloqueado\n22 abr")
    assert picture.cells[1][5].status is None  # Mexico has no supplier research
    assert picture.cells[2][0].text == "completado\n10 jun"
    assert picture.totals == ["1 de 3", "0 de 3", "0 de 3", "0 de 3", "0 de 3", "0 de 2"]
    assert picture.totals_label == "Equipos que lo completaron"
    assert [label for _, label in picture.legend] == [
        "sin iniciar",
        "en curso",
        "bloqueado",
        "completado",
        "vencido",
    ]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_the_png_renders_headless_at_a_size_set_by_the_board(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, _, _ = await reported_cohort(session, clock)
    picture = board_picture(ES, await load_board(session, cohort, clock.now()))

    data = render_board_png(picture)

    assert png_size(data) == picture_size(6, 3) == (1230, 550)
    assert picture_size(1, 1) == (430, 400)
    assert picture_size(12, 10) == (2190, 1075)
    assert render_board_png(picture) == data  # deterministic


async def test_names_in_the_heat_map_are_drawn_as_typed(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Dollar signs would make matplotlib read mathematics (and fail on bad mathematics)."""
    cohort, teams, _ = await reported_cohort(session, clock)
    teams["Bogotá"].name = r"$\frac$ Bogotá"
    await session.commit()
    picture = board_picture(ES, await load_board(session, cohort, clock.now()))

    assert png_size(render_board_png(picture)) == (1230, 550)


async def test_dashboard_in_chat_text_and_picture(
    session: AsyncSession, clock: ManualClock, core: Core
) -> None:
    await reported_cohort(session, clock)

    def asks(who: str, text: str) -> Incoming:
        return Incoming(Platform.CONSOLE, who, who, who, ChatKind.PRIVATE, text)

    text, picture = await core.handle(asks("coordina", "/tablero"))
    assert plain(text.text).startswith("*Tablero* · Sprint de prueba")
    assert picture.image is not None
    assert picture.image.filename == "tablero-2025-06-10.png"
    assert png_size(picture.image.data) == (1230, 550)
    assert plain(picture.text) == "Tablero de Sprint de prueba, martes, 10 de junio"

    refused = await core.handle(asks("sofia", "/tablero"))
    assert refused[0].text == "Solo el equipo coordinador puede hacer eso."


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_csv_exports_open_in_spreadsheets(session: AsyncSession, clock: ManualClock) -> None:
    cohort, teams, _ = await reported_cohort(session, clock)
    assert cohort.id is not None
    santiago = teams["Santiago"]
    javiera = (await session.exec(select(Member).where(Member.team_id == santiago.id))).one()
    session.add(
        CheckinAnswer(
            cohort_id=cohort.id,
            team_id=santiago.id or 0,
            ref="s99:2025-06-12",
            member_id=javiera.id or 0,
            answers='{"¿Qué los bloquea?": "La conexión, \\"a veces\\""}',
            created_at=clock.now(),
        )
    )
    await session.commit()

    name, data = await export_csv(session, cohort, "status", clock.now(), ES)
    assert name == f"estado-{cohort.id}-2025-06-10.csv"
    rows = read_csv(data)
    assert rows[0] == [
        "Equipo",
        "Código",
        "Entregable",
        "Criterios RDC",
        "Opcional",
        "Fecha límite",
        "Estado",
        "Vencido",
        "Nota",
        "Enlace",
        "Actualizado por",
        "Última actualización (hora de Bogotá)",
    ]
    assert len(rows) == 1 + 6 + 5 + 6
    assert rows[3] == [
        "Bogotá",
        "plan",
        "Plan de mejora",
        "RDC7 RDC8",
        "no",
        "2025-07-04",
        "bloqueado",
        "no",
        "Falta acceso al SECOP, “urgente”",
        "",
        "Sofía",
        "2025-04-22 09:00",
    ]
    assert rows[1][5:8] == ["2025-05-30", "en curso", "sí"]

    _, data = await export_csv(session, cohort, "history", clock.now(), ES)
    rows = read_csv(data)
    assert rows[0][:6] == [
        "Fecha y hora (hora de Bogotá)",
        "Equipo",
        "Código",
        "Entregable",
        "Estado anterior",
        "Estado nuevo",
    ]
    assert [row[1:3] + row[4:6] for row in rows[1:]] == [
        ["Bogotá", "mapeo", "sin iniciar", "en curso"],
        ["Bogotá", "plan", "sin iniciar", "bloqueado"],
        ["Santiago", "mapeo", "sin iniciar", "completado"],
    ]
    assert rows[3][0] == "2025-06-10 09:00"
    assert rows[3][-1] == "Javiera"

    _, data = await export_csv(session, cohort, "checkins", clock.now(), ES)
    rows = read_csv(data)
    assert rows == [
        [
            "Sesión de acompañamiento (hora de Bogotá)",
            "Equipo",
            "Persona",
            "Pregunta",
            "Respuesta",
            "Respondido el (hora de Bogotá)",
        ],
        [
            "s99:2025-06-12",  # a session the calendar no longer knows keeps its reference
            "Santiago",
            "Javiera",
            "¿Qué los bloquea?",
            'La conexión, "a veces"',
            "2025-06-10 09:00",
        ],
    ]


async def test_exports_in_chat(session: AsyncSession, transcript: Transcript) -> None:
    await reported_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como coordina
        /exportar
        :b 2
        /exportar estado
        /exportar notas
        :como sofia
        /exportar estado
        """
    )

    assert "¿Qué quieres exportar?" in out
    assert "[1] Estado actual  [2] Historial completo" in out
    saved = transcript.chat.files / "historial-1-2025-06-10.csv"
    assert f"historial-1-2025-06-10.csv: 3 filas\n    📎 {saved}" in out
    assert "estado-1-2025-06-10.csv: 17 filas" in out
    assert (
        "¿Qué exporto? Escribe estado, historial, checkins, asistencia, opiniones o inscripciones."
        in out
    )
    assert "Solo el equipo coordinador puede hacer eso." in out


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


def test_the_command_line_exports(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0

    out = tmp_path / "estado.csv"
    result = runner.invoke(app, ["export", "status", "1", str(out)], env=env)
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    assert rows[0][:3] == ["Equipo", "Código", "Entregable"]
    assert rows[1][:3] == ["Bogotá", "mapeo", "Mapeo de procesos y sistemas"]
    assert len(rows) == 1 + 6 + 5 + 6

    for kind in ("history", "checkins"):
        target = tmp_path / f"{kind}.csv"
        result = runner.invoke(app, ["export", kind, "1", str(target)], env=env)
        assert result.exit_code == 0, result.output
        assert len(read_csv(target.read_bytes())) == 1

    missing = runner.invoke(app, ["export", "status", "7", str(out)], env=env)
    assert missing.exit_code == 1
    assert "No hay ninguna cohorte con el número 7." in missing.output


async def test_status_views(session: AsyncSession, transcript: Transcript) -> None:
    await reported_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como sofia
        /estado
        /reportar plan "ya pedimos el acceso"
        /estado plan
        /estado investigación
        :como coordina
        /estado
        /estado santiago
        /estado mapeo
        """
    )

    assert "*Entregables del equipo Bogotá* · Semana 8 de 12" in out
    assert (
        "🔄 *Mapeo de procesos y sistemas* · RDC7 · vence Semana 6 · viernes, 30 de mayo "
        "⏰ vencido\n       en curso · 22 abr, Sofía" in out
    )
    assert "bloqueado · 22 abr, Sofía: “Falta acceso al SECOP, “urgente”" in out
    assert "0 de 6 completados." in out
    assert (
        "Historial de *Plan de mejora* — Bogotá\n"
        "    • 22 abr 09:00 · Sofía: sin iniciar → bloqueado — “Falta acceso al SECOP, “urgente””\n"
        # A note alone leaves the status: not "bloqueado → bloqueado".
        "    • 10 jun 09:00 · Sofía: sigue bloqueado — “ya pedimos el acceso”" in out
    )
    assert (
        "Historial de *Investigación con proveedores* — Bogotá\n    Todavía no hay actualizaciones."
        in out
    )
    assert "*Bogotá*: ✅ 0 de 6 · 🔄 1 · ⛔ 1 · ⏰ 1 · última actualización 10 jun" in out
    assert "*Ciudad de México*: ✅ 0 de 5 · 🔄 0 · ⛔ 0 · ⏰ 1 · sin actualizaciones todavía" in out
    assert "*Avance por criterio RDC*" in out
    assert "*Entregables del equipo Santiago*" in out
    assert "Historial de *Mapeo de procesos y sistemas*\n" in out
    assert "· Javiera (Santiago): sin iniciar → completado" in out


async def test_the_weekly_digest_goes_to_coordinators_on_monday(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, _, _ = await reported_cohort(session, clock)

    async def digests() -> list[Delivery]:
        statement = select(Delivery).where(Delivery.kind == DeliveryKind.STATUS_WEEKLY)
        return list((await session.exec(statement)).all())

    for moment in (
        datetime(2025, 6, 10, 14, 0, tzinfo=UTC),  # Tuesday
        datetime(2025, 6, 16, 13, 59, tzinfo=UTC),  # Monday 08:59 in Bogotá
    ):
        await plan_weekly_digest(session, moment)
    assert await digests() == []

    monday = datetime(2025, 6, 16, 14, 0, tzinfo=UTC)  # week 9, 09:00 in Bogotá
    await plan_weekly_digest(session, monday)
    await plan_weekly_digest(session, datetime(2025, 6, 16, 20, 0, tzinfo=UTC))
    await session.commit()
    rows = await digests()
    assert [(row.due_at, row.dedupe_key) for row in rows] == [
        (monday, f"st-week:{cohort.id}:9:p1"),
    ]

    text = plain(weekly_digest_text(ES, await load_board(session, cohort, monday), 9))
    assert text.startswith("*Resumen semanal — Semana 9* · Sprint de prueba")
    assert "⛔ *Bloqueados* (1)\n• Bogotá — Plan de mejora: bloqueado" in text
    assert "⏰ *Vencidos* (5)" in text
    assert "Sin actualizaciones desde hace 10 días o más: Bogotá, Ciudad de México" in text


async def test_csv_exports_neutralise_formulas(session: AsyncSession, clock: ManualClock) -> None:
    """A note or answer that starts like a formula is written as text in every export."""
    cohort, teams, _ = await reported_cohort(session, clock)
    assert cohort.id is not None
    santiago = teams["Santiago"]
    javiera = (await session.exec(select(Member).where(Member.team_id == santiago.id))).one()
    session.add(
        CheckinAnswer(
            cohort_id=cohort.id,
            team_id=santiago.id or 0,
            ref="s99:2025-06-12",
            member_id=javiera.id or 0,
            answers=json.dumps(
                {"=1+1": '=HYPERLINK("http://127.0.0.1/x","clic")', "q": "-2", "r": "@SUM(A1)"}
            ),
            created_at=clock.now(),
        )
    )
    await session.commit()

    _, data = await export_csv(session, cohort, "checkins", clock.now(), ES)
    rows = read_csv(data)
    assert [row[3:5] for row in rows[1:]] == [
        ["'=1+1", '\'=HYPERLINK("http://127.0.0.1/x","clic")'],
        ["q", "'-2"],
        ["r", "'@SUM(A1)"],
    ]
