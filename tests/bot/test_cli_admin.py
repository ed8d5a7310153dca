"""`cohorte admin` and `COHORTE_ADMINS`, run in-process against a real database: a code
printed once, used in the console, listed and revoked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.cli.root import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # the console writes cohorte.log here
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "COHORTE_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


def console(env: dict[str, str], tmp_path: Path, script: str) -> str:
    path = tmp_path / "guion.txt"
    path.write_text(script, encoding="utf-8")
    result = runner.invoke(app, ["console", "--script", str(path)], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_code_from_the_cli_makes_an_administrator_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    printed = runner.invoke(app, ["admin", "invite", "--horas", "2"], env=env)
    assert printed.exit_code == 0, printed.output
    match = re.search(r"Código de un solo uso: ([A-Z0-9-]+)", printed.output)
    assert match is not None, printed.output
    code = match[1]
    assert "Sirve una vez" in printed.output
    assert runner.invoke(app, ["admin", "list"], env=env).output.strip() == (
        "Todavía no hay administradores."
    )

    out = console(env, tmp_path, f":como ana\n/admin {code}\n:como beto\n/admin {code}\n")
    assert "Listo: ahora eres administrador o administradora del bot." in out
    assert "Ese código ya se usó" in out

    listing = runner.invoke(app, ["admin", "list"], env={**env, "COHORTE_ADMINS": "slack:U9"})
    assert listing.exit_code == 0, listing.output
    assert "slack:U9 (COHORTE_ADMINS)" in listing.output
    assert "1: Ana — console:ana (por código)" in listing.output

    revoked = runner.invoke(app, ["admin", "revoke", "1"], env=env)
    assert "Listo: la persona 1 ya no es administradora." in revoked.output
    again = runner.invoke(app, ["admin", "revoke", "1"], env=env)
    assert again.exit_code == 1
    assert "La persona 1 no es administradora por código." in again.output
    out = console(env, tmp_path, ":como ana\n/nuevacohorte\n")
    assert "Solo quienes administran el bot pueden hacer eso." in out


def test_cohorte_admins_names_administrators_and_a_wrong_one_is_said_plainly(
    env: dict[str, str], tmp_path: Path
) -> None:
    named = {**env, "COHORTE_ADMINS": "console:ana, telegram:12345"}
    path = tmp_path / "guion.txt"
    path.write_text(":como ana\n/ayuda\n/nuevacohorte\n", encoding="utf-8")
    result = runner.invoke(app, ["console", "--script", str(path)], env=named)
    assert "Para quienes administran el bot:" in result.output
    assert "(1/7) ¿Nombre de la cohorte?" in result.output

    wrong = runner.invoke(app, ["admin", "list"], env={**env, "COHORTE_ADMINS": "ana"})
    assert wrong.exit_code == 1
    assert "La configuración no es válida:" in wrong.output
    assert "COHORTE_ADMINS: 'ana' is not platform:user_id" in wrong.output
    assert "Traceback" not in wrong.output


def test_revoking_a_number_past_the_id_range_is_refused_plainly(env: dict[str, str]) -> None:
    # PostgreSQL refuses a query with a number past its 32-bit ids: never sent.
    result = runner.invoke(app, ["admin", "revoke", "9999999999"], env=env)
    assert result.exit_code == 1, result.output
    assert "La persona 9999999999 no es" in result.output
