"""/informe in the console chat, and `cohorte report` on the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from cohorte.bot.cli.root import app
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import create_engine, session_factory
from tests.conftest import Transcript
from tests.handlers.report.pages import pdf_text
from tests.handlers.report.seed import HIGHLIGHTED, reported_cohort


async def test_informe_in_the_console(session: AsyncSession, transcript: Transcript) -> None:
    await reported_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como sofia
        /informe
        /ayuda
        :como coordina
        /ayuda
        /informe
        """
    )

    assert "bot → @sofia: Solo el equipo coordinador puede hacer eso." in out
    participant_help, coordinator_help = out.split(":como coordina")
    assert "/informe" not in participant_help.split("Solo el equipo coordinador")[1]
    assert (
        "/informe — el informe de la cohorte, un PDF para financiadores: participación, avance, "
        "opiniones" in coordinator_help
    )
    saved = transcript.chat.files / "informe-1-2025-05-01.pdf"
    assert "Informe de Sprint de prueba, jueves, 1 de mayo" in out
    assert f"📎 {saved}" in out
    assert HIGHLIGHTED in pdf_text(saved.read_bytes())

    # Not in the group: it shows each team's attendance and blocked items.
    out = await transcript.run(":grupo\n/informe")
    assert "(solo lo ve coordina): El informe se envía en privado: escríbeme /informe allí." in out
    assert len(list(transcript.chat.files.glob("*.pdf"))) == 1


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("COHORTE_CLOCK", raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await reported_cohort(session, ManualClock(datetime(2025, 4, 22, 14, tzinfo=UTC)))
    finally:
        await engine.dispose()


def test_the_command_line_writes_the_report(env: dict[str, str], tmp_path: Path) -> None:
    asyncio.run(_seed(env["COHORTE_DATABASE_URL"]))
    out = tmp_path / "informe.pdf"

    moment = ["--reloj", "2025-05-01 15:00"]  # cohort time
    result = CliRunner().invoke(app, ["report", "1", str(out), *moment], env=env)

    assert result.exit_code == 0, result.output
    assert f"Informe de Sprint de prueba, guardado en {out}." in result.output
    text = pdf_text(out.read_bytes())
    assert "Generado el jueves, 1 de mayo de 2025 · 15:00 (hora de Bogotá)" in text
    assert "Asistencia total: 45 % (5 de 11)." in text
    missing = CliRunner().invoke(app, ["report", "7", str(out), *moment], env=env)
    assert missing.exit_code == 1
    assert "No existe la cohorte número 7." in missing.output
    nowhere = tmp_path / "no-existe" / "informe.pdf"
    unwritable = CliRunner().invoke(app, ["report", "1", str(nowhere), *moment], env=env)
    assert unwritable.exit_code == 1
    assert f"No pude escribir {nowhere}: No such file or directory." in unwritable.output
    assert "Traceback" not in unwritable.output
