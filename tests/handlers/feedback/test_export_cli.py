"""`cohorte export feedback`: the same CSV as /exportar opiniones, from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.cli.root import app
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import create_engine, session_factory
from tests.handlers.feedback.test_feedback import _answered_cohort


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
            await _answered_cohort(session, ManualClock(datetime(2025, 4, 22, 14, tzinfo=UTC)))
    finally:
        await engine.dispose()


def test_the_command_line_exports_the_feedback(env: dict[str, str], tmp_path: Path) -> None:
    asyncio.run(_seed(env["COHORTE_DATABASE_URL"]))
    out = tmp_path / "opiniones.csv"

    result = CliRunner().invoke(app, ["export", "feedback", "1", str(out)], env=env)

    assert result.exit_code == 0, result.output
    assert f"Opiniones sobre las sesiones de la cohorte 1 (3 filas), guardadas en {out}." in (
        result.output
    )
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [row[6] for row in rows[1:]] == ["5", "3", "4"]
    assert "'=1+1 útil" in [row[7] for row in rows]


def test_a_file_that_cannot_be_written_is_refused_in_spanish(
    env: dict[str, str], tmp_path: Path
) -> None:
    asyncio.run(_seed(env["COHORTE_DATABASE_URL"]))
    nowhere = tmp_path / "no" / "opiniones.csv"

    result = CliRunner().invoke(app, ["export", "feedback", "1", str(nowhere)], env=env)

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"No pude escribir {nowhere}: " in result.output


def test_a_cohort_id_past_the_id_column_is_no_cohort(env: dict[str, str], tmp_path: Path) -> None:
    huge = "99999999999999999999"
    result = CliRunner().invoke(app, ["export", "feedback", huge, str(tmp_path / "x.csv")], env=env)

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"No hay ninguna cohorte con el número {huge}." in result.output
