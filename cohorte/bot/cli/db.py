"""`cohorte db`: the database schema and its migrations (Alembic)."""

from __future__ import annotations

import asyncio

import typer

from cohorte.bot.cli.root import load_settings, t
from cohorte.bot.config import Settings
from cohorte.storage.db import create_engine
from cohorte.storage.migrate import current_revision, head_revision, upgrade

group = typer.Typer(help="Base de datos y migraciones.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`db upgrade` and `db current`."""
    app.add_typer(group, name="db")


@group.command("upgrade")
def db_upgrade() -> None:
    """Aplica las migraciones pendientes (Alembic)."""
    asyncio.run(_db_upgrade(load_settings()))


async def _db_upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        typer.echo(t._("Database at revision {revision}.", revision=await current_revision(engine)))
    finally:
        await engine.dispose()


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
