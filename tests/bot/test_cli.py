"""The `cohorte` command line, run in-process against a real database."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest
from sqlmodel import col, select, update
from typer.testing import CliRunner

from cohorte.bot.bootstrap import DatabaseBusyError, lock_sqlite
from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app
from cohorte.storage.db import SessionFactory
from cohorte.storage.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # the console writes cohorte.log here
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"COHORTE_DATABASE_URL": database_url}


def test_db_upgrade_and_current_on_an_empty_file(tmp_path: Path) -> None:
    env = {"COHORTE_DATABASE_URL": f"sqlite:///{tmp_path / 'nuevo.db'}"}
    before = runner.invoke(app, ["db", "current"], env=env)
    assert "vacía" in before.output
    result = runner.invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    after = runner.invoke(app, ["db", "current"], env=env)
    assert f"Revisión de la base de datos: {head_revision()}" in after.output


def test_cohort_import_show_export_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    imported = runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "Cohorte 1 creada" in imported.output

    listing = runner.invoke(app, ["cohort", "show"], env=env)
    assert "SPRINT25" in listing.output
    detail = runner.invoke(app, ["cohort", "show", "1"], env=env)
    assert "Santiago" in detail.output
    assert "Resultados y planes de mejora" in detail.output  # the Showtime

    out = tmp_path / "exportada.toml"
    exported = runner.invoke(app, ["cohort", "export", "1", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    original = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    again = tomllib.loads(out.read_text(encoding="utf-8"))
    assert again["cohort"]["invite_code"] == original["cohort"]["invite_code"]
    assert len(again["teams"]) == len(original["teams"])
    assert len(again["members"]) == len(original["members"])

    twice = runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    assert twice.exit_code == 1
    assert "SPRINT25" in twice.output


def test_cli_errors_are_spanish_and_clean(env: dict[str, str], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["cohort", "import", str(tmp_path / "no.toml")], env=env)
    assert missing.exit_code == 1 and "no existe" in missing.output
    bad = tmp_path / "mala.toml"
    bad.write_bytes(b"\xff\xfe[cohort\n")
    broken = runner.invoke(app, ["cohort", "import", str(bad)], env=env)
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    unknown = runner.invoke(app, ["cohort", "show", "99"], env=env)
    assert unknown.exit_code == 1 and "No existe la cohorte número 99" in unknown.output


def test_console_script_prints_the_transcript(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    script = tmp_path / "guion.txt"
    script.write_bytes(
        b"# un guion\n:como nueva\n/unirme SPRINT25\n:b 1\n" + b"\xff\xfe roto\n/ayuda\n"
    )
    result = runner.invoke(app, ["console", "--script", str(script)], env=env)
    assert result.exit_code == 0, result.output
    assert "nueva (privado)> /unirme SPRINT25" in result.output
    assert "¿De qué equipo eres?" in result.output
    assert "línea 5: no es texto UTF-8 válido; la salto." in result.output
    assert "Lo que puedes hacer:" in result.output
    # The example sprint lies in the past: the console replays it from before week 1.
    assert (
        "“Sprint de Contratación Abierta 2025” ya terminó: el reloj de la consola empieza "
        "el viernes, 18 de abril"
    ) in result.output


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "uno.db")
    held = lock_sqlite(path)
    try:
        with pytest.raises(DatabaseBusyError):
            lock_sqlite(path)
        env = {"COHORTE_DATABASE_URL": f"sqlite:///{path}"}
        result = runner.invoke(app, ["cohort", "show"], env=env)
        assert result.exit_code == 1
        assert "Otro proceso de Cohorte ya está usando" in result.output
    finally:
        held.close()


async def test_deliveries_lists_the_ambiguous_ones_in_spanish(
    env: dict[str, str], sessions: SessionFactory
) -> None:
    from datetime import UTC, datetime

    from cohorte.scheduling.outbox import Planned, enqueue
    from cohorte.storage.db import transaction
    from cohorte.storage.models import Person
    from cohorte.storage.outbox import Delivery, DeliveryState
    from tests.factories import seed_cohort

    now = datetime(2025, 5, 5, 15, 0, tzinfo=UTC)
    async with transaction(sessions) as session:
        cohort = await seed_cohort(session, now)
        sofia = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
        assert cohort.id is not None
        await enqueue(
            session,
            [
                Planned("a", "reminder", cohort.id, now, person_id=sofia.id),
                Planned("b", "reminder", cohort.id, now, person_id=sofia.id),
            ],
            now,
        )
        await session.exec(
            update(Delivery)
            .where(col(Delivery.dedupe_key) == "a")
            .values(state=DeliveryState.AMBIGUOUS.value, last_error="no answer")
        )
    env = {**env, "COLUMNS": "200"}
    result = await asyncio.to_thread(runner.invoke, app, ["deliveries"], env=env)
    assert result.exit_code == 0, result.output
    assert "ambiguo: 1" in result.output and "pendiente: 1" in result.output
    assert "puede haber llegado" in result.output
    assert "Sofía" in result.output and "lunes, 5 de mayo · 10:00" in result.output
    pending = await asyncio.to_thread(
        runner.invoke, app, ["deliveries", "--estado", "pending", str(cohort.id)], env=env
    )
    assert pending.exit_code == 0, pending.output
    assert "pendiente" in pending.output and "no answer" not in pending.output
    wrong = await asyncio.to_thread(runner.invoke, app, ["deliveries", "--estado", "x"], env=env)
    assert wrong.exit_code != 0


def _script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_console_refuses_a_clock_it_cannot_read(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    script = _script(tmp_path, "guion.txt", ":como coordina\n/proximas\n")
    for bad in ("mañana 9", "2025-13-40 09:00", "+1d", ""):
        result = runner.invoke(app, ["console", "--reloj", bad, "--script", str(script)], env=env)
        assert result.exit_code == 1, (bad, result.output)
        assert "Escribe el reloj como 'AAAA-MM-DD HH:MM'" in result.output
        assert "coordina (privado)>" not in result.output  # nothing ran on another clock


def test_console_resumes_the_clock_where_it_was_left(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    move = _script(tmp_path, "mover.txt", ":reloj 2025-05-06 10:00\n:reloj +2h\n")
    first = runner.invoke(app, ["console", "--script", str(move)], env=env)
    assert first.exit_code == 0, first.output
    assert "martes, 6 de mayo · 12:00 (hora de Bogotá)" in first.output

    show = _script(tmp_path, "ver.txt", ":reloj\n")
    again = runner.invoke(app, ["console", "--script", str(show)], env=env)
    assert again.exit_code == 0, again.output
    assert "El reloj de la consola sigue donde lo dejó la sesión anterior" in again.output
    assert again.output.count("martes, 6 de mayo · 12:00 (hora de Bogotá)") == 2
    assert "ya ocurrió" not in again.output

    chosen = runner.invoke(
        app, ["console", "--reloj", "2025-04-22 09:00", "--script", str(show)], env=env
    )
    assert chosen.exit_code == 0, chosen.output
    assert "martes, 22 de abril · 09:00 (hora de Bogotá)" in chosen.output
    assert "6 de mayo" not in chosen.output
    # --reloj moved the stored clock too: the next session starts from there.
    last = runner.invoke(app, ["console", "--script", str(show)], env=env)
    assert "martes, 22 de abril · 09:00 (hora de Bogotá)" in last.output


def test_console_saves_the_files_in_the_folder_it_names(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)
    script = _script(tmp_path, "guion.txt", ":como laura\n/calendario\n")
    default = runner.invoke(app, ["console", "--script", str(script)], env=env)
    assert default.exit_code == 0, default.output
    assert "se guardan en cohorte-archivos/" in default.output.splitlines()[0]
    saved = "cohorte-archivos/sprint-de-contratacion-abierta-2025.ics"
    assert f"📎 {saved}" in default.output
    assert (tmp_path / saved).read_bytes().startswith(b"BEGIN:VCALENDAR")

    chosen = runner.invoke(
        app, ["console", "--archivos", "otra/carpeta", "--script", str(script)], env=env
    )
    assert chosen.exit_code == 0, chosen.output
    assert "📎 otra/carpeta/sprint-de-contratacion-abierta-2025.ics" in chosen.output
    assert (tmp_path / "otra" / "carpeta").is_dir()


def test_dashboard_calendar_and_exports_say_what_they_saved(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env)

    board = runner.invoke(app, ["dashboard", "1", "tablero.png"], env=env)
    assert board.exit_code == 0, board.output
    assert board.output.startswith("Tablero de Sprint de Contratación Abierta 2025 del ")
    assert board.output.rstrip().endswith("guardado en tablero.png.")
    assert (tmp_path / "tablero.png").read_bytes().startswith(b"\x89PNG")

    everyone = runner.invoke(app, ["calendar", "1", "todo.ics"], env=env)
    assert everyone.exit_code == 0, everyone.output
    assert "Calendario de Sprint de Contratación Abierta 2025" in everyone.output
    assert "todos los equipos" in everyone.output
    laura = runner.invoke(app, ["calendar", "1", "--persona", "laura", "laura.ics"], env=env)
    assert laura.exit_code == 0, laura.output
    assert "como lo ve Laura Gómez Restrepo" in laura.output
    whole = (tmp_path / "todo.ics").read_text(encoding="utf-8")
    hers = (tmp_path / "laura.ics").read_text(encoding="utf-8")
    assert whole.count("BEGIN:VEVENT") > hers.count("BEGIN:VEVENT") > 0
    assert "Bogotá" in hers and "Santiago de Chile" not in hers.split("BEGIN:VEVENT", 1)[1]

    nobody = runner.invoke(app, ["calendar", "1", "--persona", "nadie", "x.ics"], env=env)
    assert nobody.exit_code == 1 and "nadie" in nobody.output and "Traceback" not in nobody.output
    several = runner.invoke(app, ["calendar", "1", "--persona", "an", "x.ics"], env=env)
    assert several.exit_code == 1, several.output
    assert "Ana María Castillo, Andrés Felipe Rojas. Escribe más del nombre." in several.output
    assert not (tmp_path / "x.ics").exists()
    missing = runner.invoke(app, ["dashboard", "9", "x.png"], env=env)
    assert missing.exit_code == 1 and "No existe la cohorte número 9" in missing.output

    status = runner.invoke(app, ["export", "status", "1", "estado.csv"], env=env)
    assert status.exit_code == 0, status.output
    assert "Estado actual de los entregables de la cohorte 1 (17 filas)" in status.output
    assert "guardado en estado.csv" in status.output
    history = runner.invoke(app, ["export", "history", "1", "historial.csv"], env=env)
    assert "Historial de estados de la cohorte 1 (0 filas)" in history.output


async def test_a_dashboard_with_nothing_to_draw_is_refused(
    env: dict[str, str], sessions: SessionFactory, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from cohorte.storage.db import transaction
    from tests.factories import seed_cohort

    async with transaction(sessions) as session:
        await seed_cohort(session, datetime(2025, 4, 22, 14, 0, tzinfo=UTC))  # no deliverables
    result = await asyncio.to_thread(runner.invoke, app, ["dashboard", "1", "x.png"], env=env)
    assert result.exit_code == 1, result.output
    assert "Sprint de prueba todavía no tiene equipos ni entregables" in result.output
    assert not (tmp_path / "x.png").exists()
