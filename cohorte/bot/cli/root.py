"""The root `cohorte` command, and what every command group shares: the Spanish
translator, the settings, failing with a message, opening the bot's parts."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from cohorte.bot.bootstrap import App, DatabaseBusyError, DatabaseMaintenanceError, bootstrap
from cohorte.bot.config import Settings
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock, SystemClock, parse_instant

app = typer.Typer(
    help="Cohorte: el bot que acompaña el sprint de 12 semanas de tu cohorte.",
    no_args_is_help=True,
    add_completion=False,
)
# The CLI prints plain text: nothing it interpolates is marked for a chat.
t = Translator("es", markup=False)


def load_settings() -> Settings:
    """The settings, from the environment (built once per command); a wrong one is said in
    one line per problem, without a traceback."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "\n".join(
            f"- COHORTE_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise fail(t._("The configuration is not valid:\n{problems}", problems=problems)) from None


def fail(message: str) -> typer.Exit:
    """Print `message` on stderr; the exit (code 1) for the caller to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def moment(text: str | None, zone: str) -> datetime:
    """The moment a `--reloj` option names ('AAAA-MM-DD HH:MM' in `zone`, or ISO 8601), or
    now without one; a clear failure for anything else."""
    if text is None:
        return SystemClock().now()
    try:
        return parse_instant(text, zone)
    except ValueError:
        raise fail(
            t._("Write the clock as 'AAAA-MM-DD HH:MM' (cohort time), e.g. 2025-05-05 09:00.")
        ) from None


def write_output(file: Path, data: bytes | str, written: str) -> None:
    """A command's output: '-' sends it to standard output as it is; else it goes to the
    file (`write_file`) and `written` says so."""
    if str(file) != "-":
        write_file(file, data)
        typer.echo(written)
    elif isinstance(data, str):
        typer.echo(data, nl=False)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


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
