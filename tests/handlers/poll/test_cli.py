"""`cohorte poll export POLL_ID FILE.csv`, run in-process against a real database."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.bootstrap import assemble
from cohorte.bot.cli.root import app
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import create_engine, session_factory
from tests.conftest import Transcript
from tests.handlers.poll.test_poll import OPEN, seed_three_zones

runner = CliRunner()


async def _vote(url: str) -> None:
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        clock = ManualClock(datetime(2025, 4, 22, 14, 0, tzinfo=UTC))
        async with sessions() as session:
            await seed_three_zones(session, clock.now())
        assembly = assemble(sessions, clock)
        transcript = Transcript(assembly.core, clock, assembly)
        await transcript.run(f":como coordina\n{OPEN}\n:como mateo\n:b 2\n:b 4")
    finally:
        await engine.dispose()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


def test_poll_export_writes_a_spreadsheet_friendly_csv(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    asyncio.run(_vote(database_url))
    out = tmp_path / "encuesta.csv"
    result = runner.invoke(app, ["poll", "export", "1", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert f"Encuesta 1 guardada en {out}." in result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["horario", "persona", "equipo", "voto"]
    assert ["martes 10:00 (hora de Bogotá)", "Mateo", "Ciudad de México", "Si es necesario"] in rows
    assert ["miércoles 16:00 (hora de Bogotá)", "Mateo", "Ciudad de México", "Sí"] in rows
    assert len(rows) == 1 + 3 * 3

    to_stdout = runner.invoke(app, ["poll", "export", "1", "-"], env=env)
    assert "horario,persona,equipo,voto" in to_stdout.output

    missing = runner.invoke(app, ["poll", "export", "7", str(out)], env=env)
    assert missing.exit_code == 1
    assert "No existe la encuesta número 7." in missing.output
