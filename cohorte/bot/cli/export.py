"""`cohorte export`: the deliverable status, its history and the check-in answers, as CSV
(UTF-8 with a byte-order mark)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t
from cohorte.bot.config import Settings
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.dashboard.exports import ExportKind, export_for_cli

group = typer.Typer(help="Exportaciones en CSV (UTF-8 con BOM).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`export status`, `export history` and `export checkins`."""
    app.add_typer(group, name="export")


def _export_command(kind: ExportKind, summary: str) -> None:
    def command(
        cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
        file: Annotated[Path, typer.Argument(help="Archivo CSV de salida.")],
    ) -> None:
        asyncio.run(_export_csv(load_settings(), kind, cohort_id, file))

    command.__doc__ = summary
    group.command(kind)(command)


async def _export_csv(settings: Settings, kind: ExportKind, cohort_id: int, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            data = await export_for_cli(session, cohort_id, kind, app_.clock.now(), t)
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    file.write_bytes(data)  # noqa: ASYNC240  (a small local file)
    typer.echo(t._("Cohort {id} written to {path}.", id=cohort_id, path=str(file)))


_export_command(ExportKind.STATUS, "Estado actual de los entregables de cada equipo.")
_export_command(ExportKind.HISTORY, "Historial completo de cambios de estado.")
_export_command(ExportKind.CHECKINS, "Respuestas previas a las sesiones de acompañamiento.")
