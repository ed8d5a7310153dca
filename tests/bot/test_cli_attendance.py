"""`cohorte attendance import CODIGO FILE.csv`, in-process against a real database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app
from tests.bot.test_cli import env  # noqa: F401  (fixture)
from tests.handlers.attendance.imports.conftest import SAMPLES

runner = CliRunner()


def test_a_report_is_imported_from_the_command_line(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0
    report = str(SAMPLES / "meet-asistencia-en.csv")

    result = runner.invoke(app, ["attendance", "import", "e1", report], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Importé el informe de Google Meet de Masterclass: Datos abiertos de contratación: el "
        "estándar OCDS, martes, 6 de mayo · 10:00 (hora de Bogotá).",
        "Presentes: 1 persona.",
        "• Laura Gómez Restrepo: 56 min",
        "3 personas del informe te necesitan: ¿quién es cada una?",
        "  ? ¿Quién es “Sofía Ríos” (61 min) en el informe?",
        "  ? ¿Quién es “Andrés R.” (45 min) en el informe?",
        "  ? ¿Quién es “Mario Bustos” (mario.bustos@example.com, 50 min) en el informe?",
        "Alguien del equipo coordinador puede resolverlas en el chat: /importar muestra cada "
        "una con botones.",
    ]
    again = runner.invoke(app, ["attendance", "import", "E1", report, "--cohort", "1"], env=env)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Ya había importado este archivo para Masterclass")


def test_command_line_refusals_are_spanish(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    report = str(SAMPLES / "meet-asistencia-en.csv")
    none = runner.invoke(app, ["attendance", "import", "e1", report], env=env)
    assert none.exit_code == 1
    assert "Todavía no hay ninguna cohorte" in none.output
    assert runner.invoke(app, ["cohort", "import", str(EXAMPLE)], env=env).exit_code == 0
    unknown = runner.invoke(app, ["attendance", "import", "e99", report], env=env)
    assert unknown.exit_code == 1 and "No hay ninguna sesión con el código e99" in unknown.output
    other = runner.invoke(
        app, ["attendance", "import", "e1", str(SAMPLES / "otra-tabla.csv")], env=env
    )
    assert other.exit_code == 1
    assert "No encontré en ese archivo las columnas" in other.output
    assert "Esperaba el informe de participantes de Zoom" in other.output
    missing = runner.invoke(app, ["attendance", "import", "e1", str(tmp_path / "no.csv")], env=env)
    assert missing.exit_code == 1 and "No pude leer" in missing.output
    big = tmp_path / "grande.csv"
    big.write_bytes(b"," * (2 * 1024 * 1024))
    huge = runner.invoke(app, ["attendance", "import", "e1", str(big)], env=env)
    assert huge.exit_code == 1 and "demasiado grande" in huge.output
    wrong = runner.invoke(app, ["attendance", "import", "e1", report, "--cohort", "7"], env=env)
    assert wrong.exit_code == 1 and "No existe la cohorte número 7." in wrong.output
