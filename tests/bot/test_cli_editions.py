"""`cohorte cohort new` and `cohorte cohort template`, run in-process against a real database."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


def test_a_new_edition_prints_its_summary_and_what_to_look_at(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0
    made = runner.invoke(
        app,
        ["cohort", "new", "--from", "1", "--start", "2026-04-20", "--with-teams"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    out = made.output
    assert "Cohorte 2 creada: Sprint de Contratación Abierta 2025 — 2026-04-20" in out
    assert "52 semanas después: empieza el lunes, 20 de abril de 2026, 12 semanas." in out
    assert "Masterclasses y Showtime: 5 · Sesiones periódicas: 3 · Equipos: 3 · Personas: 0" in out
    assert "Para revisar:" in out
    assert (
        "Sesión de acompañamiento del equipo Santiago de Chile el jueves, 21 de mayo de 2026 "
        "(Semana 5) cae en un feriado de Chile" in out
    )
    # The example has no weekly session yet and no poll: a coordinator opens one.
    assert "no tiene sesión semanal ni encuesta que copiar" in out
    assert "Vincula el chat de grupo de la cohorte con /vincular" in out

    taken = runner.invoke(
        app,
        ["cohort", "new", "--from", "1", "--start", "2026-04-20", "--code", "SPRINT25"],
        env=env,
    )
    assert taken.exit_code == 1
    assert "El código de invitación SPRINT25 ya lo usa la cohorte" in taken.output


def test_bad_input_is_refused_in_spanish(env: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0
    tuesday = runner.invoke(app, ["cohort", "new", "--from", "1", "--start", "2026-04-21"], env=env)
    assert tuesday.exit_code == 1
    assert "debe ser un lunes" in tuesday.output and "Traceback" not in tuesday.output
    not_a_date = runner.invoke(
        app, ["cohort", "new", "--from", "1", "--start", "20/04/2026"], env=env
    )
    assert not_a_date.exit_code == 1 and "AAAA-MM-DD" in not_a_date.output
    missing = runner.invoke(app, ["cohort", "new", "--from", "7", "--start", "2026-04-20"], env=env)
    assert missing.exit_code == 1 and "No hay ninguna cohorte" in missing.output
    huge = "99999999999999999999"  # past the id column: the database refused it, a traceback
    for command in (["new", "--from", huge, "--start", "2026-04-20"], ["template", huge, "-"]):
        result = runner.invoke(app, ["cohort", *command], env=env)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"No hay ninguna cohorte con el número {huge}." in result.output
    no_file = runner.invoke(
        app,
        ["cohort", "new", "--from", str(tmp_path / "no.toml"), "--start", "2026-04-20"],
        env=env,
    )
    assert no_file.exit_code == 1 and "no existe" in no_file.output
    people = runner.invoke(
        app,
        ["cohort", "new", "--from", "1", "--start", "2026-04-20", "--with-people"],
        env=env,
    )
    assert people.exit_code == 1 and "--with-teams" in people.output
    for far in ("9999-12-27", "1900-01-01"):  # the first overflowed in a traceback
        result = runner.invoke(app, ["cohort", "new", "--from", "1", "--start", far], env=env)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"--start: {far} no sirve como inicio de un sprint" in result.output


def test_a_template_is_read_back_by_the_cohort_file_reader(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0
    out = tmp_path / "programa.toml"
    written = runner.invoke(app, ["cohort", "template", "1", str(out)], env=env)
    assert written.exit_code == 0, written.output
    assert "Programa de la cohorte 1 guardado en" in written.output
    template = tomllib.loads(out.read_text(encoding="utf-8"))
    assert "members" not in template and "chats" not in template
    assert len(template["events"]) == 5 and len(template["teams"]) == 3

    # The template imports as it is (it has an invite code of its own)...
    imported = runner.invoke(app, ["cohort", "import", str(out)], env=env)
    assert imported.exit_code == 0, imported.output
    # ...and makes new editions, as a whole cohort file does.
    for source in (str(out), str(EXAMPLE)):
        made = runner.invoke(
            app,
            ["cohort", "new", "--from", source, "--start", "2026-04-20", "--with-teams"],
            env=env,
        )
        assert made.exit_code == 0, made.output
        assert "Masterclasses y Showtime: 5" in made.output
    unknown = runner.invoke(app, ["cohort", "template", "9", "-"], env=env)
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    for nowhere in (tmp_path / "no" / "programa.toml", tmp_path):  # no folder; a folder
        unwritable = runner.invoke(app, ["cohort", "template", "1", str(nowhere)], env=env)
        assert unwritable.exit_code == 1 and "Traceback" not in unwritable.output
        assert f"No pude escribir {nowhere}: " in unwritable.output
