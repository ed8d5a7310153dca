"""`cohorte report COHORT_ID FILE.pdf`: the cohort report, the same PDF `/informe` sends."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, moment, open_app, t, write_file
from cohorte.bot.config import Settings
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.report.build import build_report
from cohorte.storage.cohorts import cohort_by_id


def register(app: typer.Typer) -> None:
    """`report` on the root command."""
    app.command("report")(report)


def report(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[Path, typer.Argument(help="Archivo PDF de salida.")],
    clock: Annotated[
        str | None,
        typer.Option(
            "--reloj",
            help="El informe en ese momento, 'AAAA-MM-DD HH:MM' (hora de la cohorte) o ISO "
            "8601. Por omisión, ahora.",
        ),
    ] = None,
) -> None:
    """El informe de la cohorte en PDF (participación, avance, opiniones), el mismo que envía
    /informe, en el idioma de la cohorte."""
    asyncio.run(_report(load_settings(), cohort_id, file, clock))


async def _report(settings: Settings, cohort_id: int, file: Path, clock: str | None) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            cohort = await cohort_by_id(session, cohort_id)
            if cohort is None:
                raise fail(t._("There is no cohort number {id}.", id=cohort_id))
            # The cohort as the reader: its language, its home zone for the date.
            now = moment(clock, cohort.home_zone) if clock else app_.clock.now()
            data = await build_report(session, cohort_id, reader_of(cohort=cohort), now)
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    write_file(file, data)
    typer.echo(t._("Report of {cohort}, saved in {path}.", cohort=cohort.name, path=str(file)))
