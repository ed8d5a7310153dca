"""`cohorte attendance import CODIGO FILE.csv`: a Zoom or Meet participant report imported
into a session's attendance, as a coordinator sending it in chat would."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t
from cohorte.bot.config import Settings
from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.attendance.imports.importing import keep_report, pending_question, summary
from cohorte.handlers.attendance.imports.report import MAX_REPORT_BYTES
from cohorte.handlers.core.errors import CohortError
from cohorte.scheduling.recurrence import code_ref
from cohorte.storage.attendance_imports import RowOutcome
from cohorte.storage.cohorts import cohort_by_id, list_cohorts
from cohorte.storage.db import transaction

group = typer.Typer(help="Asistencia a las sesiones.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`attendance import`."""
    app.add_typer(group, name="attendance")


@group.command("import")
def import_report(
    code: Annotated[str, typer.Argument(help="Código de la sesión (s3/2025-05-06, e12).")],
    file: Annotated[Path, typer.Argument(help="Informe de participantes de Zoom o Meet (CSV).")],
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Número de la cohorte (si hay varias).")
    ] = None,
) -> None:
    """Importa el informe de participantes de Zoom o Google Meet a la asistencia de una sesión."""
    try:
        if file.stat().st_size > MAX_REPORT_BYTES:
            raise fail(
                t._(
                    "The file is too big. I read reports of up to {limit} kB.",
                    limit=MAX_REPORT_BYTES // 1024,
                )
            )
        data = file.read_bytes()
    except OSError as error:
        raise fail(
            t._(
                "Could not read {path}: {reason}.",
                path=str(file),
                reason=error.strerror or type(error).__name__,
            )
        ) from error
    asyncio.run(_import(load_settings(), code, file.name, data, cohort))


async def _import(
    settings: Settings, code: str, filename: str, data: bytes, cohort_id: int | None
) -> None:
    app_ = await open_app(settings)
    try:
        async with transaction(app_.sessions) as session:
            if cohort_id is None:
                cohorts = list(await list_cohorts(session))
                if len(cohorts) != 1:
                    raise fail(
                        t._("There are several cohorts: say which one with --cohort NUMBER.")
                        if cohorts
                        else t._("There is no cohort yet: create one with cohorte cohort import.")
                    )
                cohort = cohorts[0]
            else:
                found = await cohort_by_id(session, cohort_id)
                if found is None:
                    raise fail(t._("There is no cohort number {id}.", id=cohort_id))
                cohort = found
            occurrence = await find_occurrence(session, cohort, code_ref(code))
            if occurrence is None:
                raise fail(
                    t._(
                        "There is no session with the code {code}. See the codes with /proximas.",
                        code=code[:40],
                    )
                )
            result = await keep_report(
                session, cohort, data, filename, occurrence.ref, None, app_.clock.now()
            )
            title = await occurrence_title(session, t, occurrence)
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    typer.echo(summary(t, result, title, occurrence, cohort.home_zone))
    pending = result.of(RowOutcome.PENDING)
    for row in pending:
        typer.echo("  ? " + pending_question(t, row))
    if pending:
        typer.echo(
            t._("A coordinator can settle them in chat: /importar shows each one with buttons.")
        )
