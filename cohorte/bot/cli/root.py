"""The root `cohorte` command, and what every command group shares: the Spanish
translator, the settings, failing with a message, opening the bot's parts."""

from __future__ import annotations

from pathlib import Path

import typer

from cohorte.bot.bootstrap import App, DatabaseBusyError, DatabaseMaintenanceError, bootstrap
from cohorte.bot.config import Settings
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock

app = typer.Typer(
    help="Cohorte: el bot que acompaña el sprint de 12 semanas de tu cohorte.",
    no_args_is_help=True,
    add_completion=False,
)
# The CLI prints plain text: nothing it interpolates is marked for a chat.
t = Translator("es", markup=False)


def load_settings() -> Settings:
    """The settings, from the environment (built once per command)."""
    return Settings()


def fail(message: str) -> typer.Exit:
    """Print `message` on stderr; the exit (code 1) for the caller to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def write_file(file: Path, data: bytes | str) -> None:
    """Write the output file a command was given (text as UTF-8); a clear failure, not a
    traceback, when it cannot be written (no such folder, a folder, no permission)."""
    try:
        if isinstance(data, str):
            file.write_text(data, encoding="utf-8")
        else:
            file.write_bytes(data)
    except OSError as error:
        raise fail(
            t._(
                "Could not write {path}: {reason}.",
                path=str(file),
                reason=error.strerror or type(error).__name__,
            )
        ) from error


async def open_app(settings: Settings, clock: Clock | None = None) -> App:
    """The bot's parts on this database; a clear failure if another process holds SQLite."""
    try:
        return await bootstrap(settings, clock)
    except DatabaseBusyError as error:
        raise fail(
            t._(
                "Another Cohorte process is already using {path}. SQLite allows only one; "
                "use PostgreSQL to run several.",
                path=str(error),
            )
        ) from error
    except DatabaseMaintenanceError as error:
        raise fail(
            t._(
                "The database is being upgraded or restored (cohorte db upgrade or restore): "
                "start the bot again when that is done."
            )
        ) from error
