"""`cohorte export`: the deliverable status, its history, the check-in answers, the
attendance and the feedback on the sessions, as CSV
(UTF-8 with a byte-order mark); beside them `cohorte dashboard` (the heat map as PNG) and
`cohorte calendar` (the sprint as an .ics file, whole or as one person sees it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.cli.root import fail, load_settings, open_app, t, write_file
from cohorte.bot.config import Settings
from cohorte.handlers.agenda.ics import cohort_calendar
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.dashboard.board import dashboard_picture
from cohorte.handlers.dashboard.chart import render_board_png
from cohorte.handlers.dashboard.exports import ExportKind, export_for_cli, row_count
from cohorte.storage.cohorts import cohort_by_id
from cohorte.storage.db import transaction
from cohorte.storage.models import Cohort

group = typer.Typer(help="Exportaciones en CSV (UTF-8 con BOM).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`export status`, `history`, `checkins`, `attendance` and `feedback`; `dashboard` and
    `calendar`."""
    app.command("dashboard")(dashboard)
    app.command("calendar")(calendar)
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
    write_file(file, data)
    typer.echo(_saved_export(kind, cohort_id, row_count(data), file))


def _saved_export(kind: ExportKind, cohort_id: int, rows: int, file: Path) -> str:
    """What an export wrote, and where."""
    if kind == ExportKind.STATUS:
        return t.ngettext(
            "Current deliverable status of cohort {id} ({n} row), saved in {path}.",
            "Current deliverable status of cohort {id} ({n} rows), saved in {path}.",
            rows,
            id=cohort_id,
            path=str(file),
        )
    if kind == ExportKind.HISTORY:
        return t.ngettext(
            "Status history of cohort {id} ({n} row), saved in {path}.",
            "Status history of cohort {id} ({n} rows), saved in {path}.",
            rows,
            id=cohort_id,
            path=str(file),
        )
    if kind == ExportKind.FEEDBACK:
        return t.ngettext(
            "Feedback on the sessions of cohort {id} ({n} row), saved in {path}.",
            "Feedback on the sessions of cohort {id} ({n} rows), saved in {path}.",
            rows,
            id=cohort_id,
            path=str(file),
        )
    if kind == ExportKind.ATTENDANCE:
        return t.ngettext(
            "Attendance of cohort {id} ({n} row), saved in {path}.",
            "Attendance of cohort {id} ({n} rows), saved in {path}.",
            rows,
            id=cohort_id,
            path=str(file),
        )
    if kind == ExportKind.APPLICATIONS:
        return t.ngettext(
            "Applications to cohort {id} ({n} row), saved in {path}.",
            "Applications to cohort {id} ({n} rows), saved in {path}.",
            rows,
            id=cohort_id,
            path=str(file),
        )
    return t.ngettext(
        "Check-in answers of cohort {id} ({n} row), saved in {path}.",
        "Check-in answers of cohort {id} ({n} rows), saved in {path}.",
        rows,
        id=cohort_id,
        path=str(file),
    )


_export_command(ExportKind.STATUS, "Estado actual de los entregables de cada equipo.")
_export_command(ExportKind.HISTORY, "Historial completo de cambios de estado.")
_export_command(ExportKind.CHECKINS, "Respuestas previas a las sesiones de acompañamiento.")
_export_command(
    ExportKind.ATTENDANCE,
    "Asistencia: una fila por participante y sesión ya empezada (respuesta, asistencia, "
    "minutos, fuente).",
)
_export_command(
    ExportKind.FEEDBACK,
    "Opiniones sobre las sesiones: una fila por respuesta (puntaje, comentario, destacado).",
)
_export_command(
    ExportKind.APPLICATIONS,
    "Inscripciones: una fila por solicitud (ciudad, área, cargo, reto, estado, decisión).",
)


def dashboard(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[Path, typer.Argument(help="Archivo PNG de salida.")],
) -> None:
    """El tablero (equipos × entregables) como imagen PNG, el mismo que envía /tablero."""
    asyncio.run(_dashboard(load_settings(), cohort_id, file))


async def _dashboard(settings: Settings, cohort_id: int, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            cohort = await _cohort(session, cohort_id)
            day, picture = await dashboard_picture(session, cohort, app_.clock.now())
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    png = await asyncio.to_thread(render_board_png, picture)
    write_file(file, png)
    typer.echo(
        t._(
            "Dashboard of {cohort} on {date}, saved in {path}.",
            cohort=cohort.name,
            date=t.date(day),
            path=str(file),
        )
    )


def calendar(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[Path, typer.Argument(help="Archivo .ics de salida.")],
    person: Annotated[
        str | None,
        typer.Option(
            "--persona",
            help="Como lo ve esa persona (su nombre): las sesiones de acompañamiento de su "
            "equipo, en su idioma. Sin ella, las de todos los equipos.",
        ),
    ] = None,
) -> None:
    """El calendario del sprint como archivo .ics, el mismo que envía /calendario."""
    asyncio.run(_calendar(load_settings(), cohort_id, person, file))


async def _calendar(settings: Settings, cohort_id: int, person: str | None, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        # A write: the team check-in series are completed before the file is built.
        async with transaction(app_.sessions) as session:
            cohort = await _cohort(session, cohort_id)
            found = await cohort_calendar(session, cohort, app_.clock.now(), person)
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    write_file(file, found.data)
    if found.person is None:
        saved = t._(
            "Calendar of {cohort} with every team's check-ins, saved in {path}.",
            cohort=cohort.name,
            path=str(file),
        )
    else:
        saved = t._(
            "Calendar of {cohort} as {person} sees it, saved in {path}.",
            cohort=cohort.name,
            person=found.person.display_name,
            path=str(file),
        )
    typer.echo(saved)


async def _cohort(session: AsyncSession, cohort_id: int) -> Cohort:
    cohort = await cohort_by_id(session, cohort_id)
    if cohort is None:
        raise fail(t._("There is no cohort number {id}.", id=cohort_id))
    return cohort
