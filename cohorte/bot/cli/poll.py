"""`cohorte poll`: the answers of a weekly-session poll, as CSV."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t, write_output
from cohorte.bot.config import Settings

group = typer.Typer(help="Encuestas del horario de la sesión semanal.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`poll export`."""
    app.add_typer(group, name="poll")


@group.command("export")
def poll_export(
    poll_id: Annotated[int, typer.Argument(help="Número de la encuesta.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo CSV de salida ('-' para la salida estándar).")
    ],
) -> None:
    """Escribe las respuestas de una encuesta en CSV (horario, persona, equipo, voto)."""
    asyncio.run(_poll_export(load_settings(), poll_id, file))


async def _poll_export(settings: Settings, poll_id: int, file: Path) -> None:
    from cohorte.handlers.poll.export import poll_csv

    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            data = await poll_csv(session, poll_id, t)
    finally:
        await app_.close()
    if data is None:
        raise fail(t._("There is no poll number {id}.", id=poll_id))
    write_output(file, data, t._("Poll {id} written to {path}.", id=poll_id, path=str(file)))
