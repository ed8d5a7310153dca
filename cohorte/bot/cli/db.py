"""`cohorte db`: the database schema and its migrations (Alembic), copies and restores.

Upgrading and restoring need the database to themselves: on SQLite they take
the lock file a running bot holds, on PostgreSQL the "in use" advisory lock
exclusively (every Cohorte process holds it shared, `cohorte.storage.locks`).
While a bot runs they refuse (or wait up to `--esperar` seconds), in Spanish,
with a non-zero exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cohorte.bot.bootstrap import DatabaseBusyError, lock_sqlite
from cohorte.bot.cli.root import fail, load_settings, t
from cohorte.bot.config import Settings
from cohorte.scheduling.clock import SystemClock
from cohorte.storage.backups import (
    BadCopy,
    CopyFacts,
    CopyProblem,
    backup_sqlite,
    inspect_copy,
    restore_sqlite,
)
from cohorte.storage.db import create_engine
from cohorte.storage.locks import hold_in_use, let_go
from cohorte.storage.migrate import current_revision, head_revision, known_revisions, upgrade

group = typer.Typer(help="Base de datos: migraciones, copias de seguridad.", no_args_is_help=True)

# How often a waiting upgrade looks again whether the bot has stopped.
_RETRY_SECONDS = 0.5


def register(app: typer.Typer) -> None:
    """`db upgrade`, `db current`, `db backup` and `db restore`."""
    app.add_typer(group, name="db")


Wait = Annotated[
    float,
    typer.Option(
        "--esperar",
        min=0,
        max=3600,
        help="Si un proceso de Cohorte usa la base de datos, esperar hasta SEGUNDOS a que "
        "se detenga (por omisión no espera).",
    ),
]


@group.command("upgrade")
def db_upgrade(wait: Wait = 0.0) -> None:
    """Aplica las migraciones pendientes (Alembic); el bot debe estar detenido."""
    asyncio.run(_db_upgrade(load_settings(), wait))


async def _db_upgrade(settings: Settings, wait: float) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with _alone(settings, engine, wait, t._("upgrading")):
            await upgrade(engine)
        typer.echo(t._("Database at revision {revision}.", revision=await current_revision(engine)))
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _alone(
    settings: Settings, engine: AsyncEngine, wait: float, what: str
) -> AsyncIterator[None]:
    """Hold the database alone (no bot running on it) for the block; fail if a process
    still uses it after `wait` seconds."""
    deadline = time.monotonic() + wait
    told = False
    sqlite_path = settings.sqlite_path
    while True:
        held: IO[str] | AsyncConnection | None = None
        if settings.is_sqlite and sqlite_path is None:
            break  # an in-memory database: nobody else can use it
        if sqlite_path is not None:
            with contextlib.suppress(DatabaseBusyError):
                held = lock_sqlite(sqlite_path)
        else:
            held = await hold_in_use(engine, exclusive=True)
        if held is not None:
            break
        if time.monotonic() >= deadline:
            raise fail(_in_use_message(settings, what))
        if not told:
            typer.echo(
                t._(
                    "A Cohorte process is using the database: waiting up to {seconds} s for "
                    "it to stop before {what}…",
                    seconds=f"{wait:.0f}",
                    what=what,
                ),
                err=True,
            )
            told = True
        await asyncio.sleep(_RETRY_SECONDS)
    try:
        yield
    finally:
        if isinstance(held, AsyncConnection):
            await let_go(held)
        elif held is not None:
            held.close()


def _in_use_message(settings: Settings, what: str) -> str:
    if settings.sqlite_path is not None:
        return t._(
            "Cohorte is running on {path}: stop the bot before {what} the database, then "
            "try again (see «Stopping and upgrading» in the README).",
            path=settings.sqlite_path,
            what=what,
        )
    return t._(
        "Another Cohorte process is using this PostgreSQL database: stop every process "
        "(cohorte run) before {what} it, then try again (see «Stopping and upgrading» "
        "in the README).",
        what=what,
    )


@group.command("current")
def db_current() -> None:
    """Muestra la revisión de la base de datos y la última disponible."""
    asyncio.run(_db_current(load_settings()))


async def _db_current(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        revision = await current_revision(engine)
    finally:
        await engine.dispose()
    typer.echo(
        t._(
            "Database revision: {revision} (latest: {head}).",
            revision=revision or t._("empty"),
            head=head_revision(),
        )
    )


# -- copies -------------------------------------------------------------------------------


@group.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Archivo nuevo donde guardar la copia.")],
) -> None:
    """Copia de seguridad de la base SQLite, también con el bot en marcha."""
    settings = load_settings()
    database = _sqlite_file(settings, backup=True)
    if file.exists():
        raise fail(t._("{path} already exists: choose a new file for the copy.", path=str(file)))
    if not file.parent.is_dir():
        raise fail(t._("The folder {path} does not exist.", path=str(file.parent)))
    try:
        facts = backup_sqlite(database, file)
    except BadCopy as error:
        raise fail(_problem(error, database)) from error
    typer.echo(
        t._(
            "Copy of {database} saved in {path} (revision {revision}): {counts}.",
            database=str(database),
            path=str(file),
            revision=facts.revision,
            counts=_counts(facts),
        )
    )


@group.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="Copia hecha con 'cohorte db backup'.")],
    wait: Wait = 0.0,
) -> None:
    """Pone una copia en lugar de la base SQLite (guarda aparte la que reemplaza)."""
    asyncio.run(_db_restore(load_settings(), file, wait))


async def _db_restore(settings: Settings, file: Path, wait: float) -> None:
    database = _sqlite_file(settings, backup=False)
    try:
        facts = inspect_copy(file)
    except BadCopy as error:
        raise fail(_problem(error, file)) from error
    if facts.revision not in known_revisions():
        raise fail(
            t._(
                "{path} is at revision {revision}, which this version of Cohorte does not "
                "know (a newer version made it?): nothing was changed.",
                path=str(file),
                revision=facts.revision,
            )
        )
    stamp = SystemClock().now().strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.name}.antes-de-restaurar-{stamp}")
    engine = create_engine(settings.database_url)
    try:
        async with _alone(settings, engine, wait, t._("restoring")):
            restore_sqlite(file, database, aside)
    except BadCopy as error:
        raise fail(_problem(error, file)) from error
    except sqlite3.OperationalError as error:  # another program has the file open
        raise fail(
            t._(
                "Could not restore {database} ({error}): is another program using it? "
                "Nothing was replaced.",
                database=str(database),
                error=str(error),
            )
        ) from error
    finally:
        await engine.dispose()
    lines = [
        t._(
            "{database} restored from {path} (revision {revision}): {counts}.",
            database=str(database),
            path=str(file),
            revision=facts.revision,
            counts=_counts(facts),
        )
    ]
    if aside.exists():
        lines.append(t._("The database it replaced is kept in {path}.", path=str(aside)))
    if facts.revision != head_revision():
        lines.append(t._("The bot upgrades it when it starts (or run: cohorte db upgrade)."))
    typer.echo("\n".join(lines))


def _sqlite_file(settings: Settings, *, backup: bool) -> Path:
    """The SQLite file of the settings; on PostgreSQL, the way to do it there instead."""
    if settings.is_sqlite:
        if settings.sqlite_path is None:
            raise fail(t._("An in-memory database has nothing to copy."))
        return Path(settings.sqlite_path)
    if backup:
        raise fail(
            t._(
                "On PostgreSQL, copies are made with the server's own tool, pg_dump, which "
                "is consistent while the bot runs:\n"
                "  pg_dump --format=custom --file=cohorte.dump DATABASE_URL\n"
                "(see «Backups» in the README)."
            )
        )
    raise fail(
        t._(
            "On PostgreSQL, a copy made with pg_dump is put back with pg_restore, with every "
            "Cohorte process stopped:\n"
            "  pg_restore --clean --if-exists --no-owner --dbname=DATABASE_URL cohorte.dump\n"
            "(see «Backups» in the README)."
        )
    )


def _problem(error: BadCopy, path: Path) -> str:
    match error.problem:
        case CopyProblem.MISSING:
            return t._("The file {path} does not exist.", path=str(path))
        case CopyProblem.NOT_SQLITE:
            return t._("{path} is not a SQLite database: nothing was changed.", path=str(path))
        case CopyProblem.DAMAGED:
            return t._(
                "{path} is damaged (SQLite's integrity check says: {detail}): nothing was changed.",
                path=str(path),
                detail=error.detail or "?",
            )
        case CopyProblem.NO_REVISION:
            return t._(
                "{path} is a SQLite database, but not one of Cohorte (it has no migration "
                "revision): nothing was changed.",
                path=str(path),
            )


def _counts(facts: CopyFacts) -> str:
    counts = facts.counts
    return t._(
        "cohorts: {cohorts}, members: {members}, votes: {votes}, status reports: {reports}",
        cohorts=counts.get("cohort", 0),
        members=counts.get("member", 0),
        votes=counts.get("vote", 0),
        reports=counts.get("statusupdate", 0),
    )
