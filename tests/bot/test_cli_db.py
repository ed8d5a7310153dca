"""`cohorte db backup` and `cohorte db restore` in-process: what they check and refuse."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cohorte.bot.bootstrap import lock_sqlite
from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app
from cohorte.storage.backups import inspect_copy
from cohorte.storage.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file holding the example cohort; COHORTE_DATABASE_URL points at it."""
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cohorte.db"
    monkeypatch.setenv("COHORTE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    imported = runner.invoke(app, ["cohort", "import", str(EXAMPLE)])
    assert imported.exit_code == 0, imported.output
    return path


def _cohorts(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM cohort ORDER BY id")]


def test_backup_then_restore_keeps_the_replaced_database_aside(
    database: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copia.db"
    made = runner.invoke(app, ["db", "backup", str(copy)])
    assert made.exit_code == 0, made.output
    assert f"guardada en {copy}" in made.output
    assert "cohortes: 1, miembros: " in made.output
    assert inspect_copy(copy).revision == head_revision()
    # One file, complete on its own (not the bot's WAL mode with files beside it).
    assert sorted(p.name for p in tmp_path.glob("copia.db*")) == ["copia.db"]
    # Something happens after the copy; the restore undoes it, and keeps it aside.
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE cohort SET name = 'Cambiada después'")
    restored = runner.invoke(app, ["db", "restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert _cohorts(database) == ["Sprint de Contratación Abierta 2025"]
    [aside] = tmp_path.glob("cohorte.db.antes-de-restaurar-*")
    assert _cohorts(aside) == ["Cambiada después"]
    assert f"queda guardada en {aside}" in restored.output


def test_backup_refuses_to_overwrite(database: Path, tmp_path: Path) -> None:
    taken = tmp_path / "ocupado.db"
    taken.write_bytes(b"mine")
    result = runner.invoke(app, ["db", "backup", str(taken)])
    assert result.exit_code == 1
    assert "ya existe" in result.output
    assert taken.read_bytes() == b"mine"


def _damaged(tmp_path: Path, database: Path) -> Path:
    """A copy of the database with garbage in every page after the first (the schema's):
    whichever pages the tables happen to use, the copy is damaged."""
    broken = tmp_path / "dañada.db"
    data = bytearray(database.read_bytes())
    page = 4096
    for offset in range(page, len(data), page):
        data[offset + 100 : offset + 400] = b"\xa5" * 300
    broken.write_bytes(bytes(data))
    return broken


def _not_cohorte(tmp_path: Path) -> Path:
    other = tmp_path / "otra.db"
    with contextlib.closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE t (x)")
    return other


def _unknown_revision(tmp_path: Path, database: Path) -> Path:
    future = tmp_path / "futura.db"
    future.write_bytes(database.read_bytes())
    with contextlib.closing(sqlite3.connect(future)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    return future


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp, db: tmp / "no-existe.db", "no existe"),
        (
            lambda tmp, db: (tmp / "texto.db", (tmp / "texto.db").write_text("hola"))[0],
            "no es una base de datos SQLite",
        ),
        (_damaged, "está dañada"),
        (lambda tmp, db: _not_cohorte(tmp), "no de Cohorte"),
        (_unknown_revision, "que esta versión de Cohorte no conoce"),
    ],
    ids=["missing", "not-sqlite", "damaged", "not-cohorte", "unknown-revision"],
)
def test_restore_refuses_a_bad_copy_and_changes_nothing(
    database: Path, tmp_path: Path, make: object, says: str
) -> None:
    bad = make(tmp_path, database)  # type: ignore[operator]
    before = database.read_bytes()
    result = runner.invoke(app, ["db", "restore", str(bad)])
    assert result.exit_code == 1, result.output
    assert says in result.output and "Traceback" not in result.output
    assert database.read_bytes() == before
    assert not list(tmp_path.glob("cohorte.db.antes-de-restaurar-*"))


def test_upgrade_and_restore_refuse_while_the_database_is_in_use(
    database: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copia.db"
    assert runner.invoke(app, ["db", "backup", str(copy)]).exit_code == 0
    held = lock_sqlite(str(database))  # what a running bot holds
    try:
        upgrade = runner.invoke(app, ["db", "upgrade"])
        assert upgrade.exit_code == 1
        assert "Cohorte está en marcha sobre" in upgrade.output
        assert "detén el bot antes de actualizar la base de datos" in upgrade.output
        restore = runner.invoke(app, ["db", "restore", str(copy)])
        assert restore.exit_code == 1 and "antes de restaurar" in restore.output
        # A bounded wait: it says it waits, then gives up with the same message.
        waited = runner.invoke(app, ["db", "upgrade", "--esperar", "1"])
        assert waited.exit_code == 1
        assert "espero hasta 1 s" in waited.output and "detén el bot" in waited.output
        # The bot stops while the upgrade waits: it goes ahead.
        threading.Timer(0.5, held.close).start()
        late = runner.invoke(app, ["db", "upgrade", "--esperar", "20"])
        assert late.exit_code == 0, late.output
        assert "Base de datos en la revisión" in late.output
    finally:
        held.close()


def test_on_postgresql_backup_and_restore_point_to_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHORTE_DATABASE_URL", "postgresql://postgres@127.0.0.1:9/nadie")
    backup = runner.invoke(app, ["db", "backup", str(tmp_path / "x.dump")])
    assert backup.exit_code == 1
    assert "pg_dump --format=custom" in backup.output
    restore = runner.invoke(app, ["db", "restore", str(tmp_path / "x.dump")])
    assert restore.exit_code == 1
    assert "pg_restore --clean --if-exists" in restore.output
