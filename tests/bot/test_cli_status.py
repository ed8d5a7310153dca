"""`cohorte status`: the database, the platforms and each cohort's outbox, in Spanish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.cli.root import app
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.migrate import head_revision
from tests.handlers.dashboard.test_botstatus import seed_outbox

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


async def test_status_prints_each_cohorts_outbox(
    env: dict[str, str], sessions: SessionFactory
) -> None:
    async with transaction(sessions) as session:
        await seed_outbox(session)
    env = {**env, "TELEGRAM_BOT_TOKEN": "123:abc"}

    result = await asyncio.to_thread(
        runner.invoke, app, ["status", "--reloj", "2025-05-05 10:00"], env=env
    )

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Base de datos: responde, en la última revisión ({head_revision()}).\n"
        "Plataformas configuradas: Telegram\n"
        "\n"
        "Cohorte 1 · Sprint de prueba\n"
        "  Vencidos sin enviar: 2 (el más antiguo venció hace 120 min).\n"
        "  Próximos mensajes programados:\n"
        "  • lunes, 5 de mayo · 11:00 (hora de Bogotá): reminder\n"
        "  • martes, 6 de mayo · 12:00 (hora de Bogotá): reminder\n"
        "  Últimos 7 días: ambiguos (pueden haber llegado, no se reenvían): 1; fallidos: 1.\n"
        "  Chats de grupo vinculados: consola\n"
    )


def test_status_of_an_empty_database_and_of_one_that_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    env = {"COHORTE_DATABASE_URL": f"sqlite:///{tmp_path / 'nueva.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    empty = runner.invoke(app, ["status"], env=env)
    assert empty.exit_code == 0, empty.output
    assert "Plataformas configuradas: ninguna" in empty.output
    assert "Aún no hay cohortes" in empty.output

    gone = {**env, "COHORTE_DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'hay.db'}"}
    failed = runner.invoke(app, ["status"], env=gone)
    assert failed.exit_code == 1
    assert "No se puede leer la base de datos" in failed.output
    assert "Traceback" not in failed.output
    wrong = runner.invoke(app, ["status", "--reloj", "ayer"], env=env)
    assert wrong.exit_code == 1 and "AAAA-MM-DD HH:MM" in wrong.output
