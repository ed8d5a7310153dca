"""`cohorte cohort`: cohort files (TOML) in and out, and what the database holds."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import App
from cohorte.bot.cli import editions
from cohorte.bot.cli.root import fail, load_settings, open_app, t, write_output
from cohorte.bot.config import Settings
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.messages import CohortFileError
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.cohort.registration.applying import deadline_passed
from cohorte.handlers.cohort.registration.listing import settings_lines
from cohorte.locales import N_
from cohorte.scheduling.recurrence import sprint_end
from cohorte.storage import agenda, cohorts
from cohorte.storage.applications import places_taken
from cohorte.storage.db import transaction
from cohorte.storage.models import Cohort, Role
from cohorte.storage.outbox import drop_pending_of_cohort

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sprint-2025.toml"
group = typer.Typer(help="Definiciones de cohortes en TOML.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`cohort import`, `export`, `show`, `list`, `archive` and `delete`, and a programme's
    editions (`cohort new`, `cohort template`)."""
    editions.register(group)
    app.add_typer(group, name="cohort")


async def import_file(app_: App, path: Path) -> Cohort:
    """Create the cohort a cohort file describes; `CohortFileError` if it cannot be used."""
    spec = parse_cohort_file(path.read_bytes())  # noqa: ASYNC240  (a small local file)
    async with transaction(app_.sessions) as session:
        return await import_cohort(session, spec, app_.clock.now())


@group.command("import")
def cohort_import(
    file: Annotated[Path, typer.Argument(help="Archivo TOML de la cohorte.")],
) -> None:
    """Crea una cohorte desde un archivo TOML."""
    if not file.is_file():
        raise fail(t._("The file {path} does not exist.", path=str(file)))
    asyncio.run(_cohort_import(load_settings(), file))


async def _cohort_import(settings: Settings, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        cohort = await import_file(app_, file)
    except CohortFileError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    typer.echo(
        t._(
            "Cohort {id} created: {name} (invite code {code}).",
            id=cohort.id,
            name=cohort.name,
            code=cohort.invite_code,
        )
    )


@group.command("export")
def cohort_export(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo TOML de salida ('-' para la salida estándar).")
    ],
) -> None:
    """Escribe la definición de una cohorte en TOML."""
    asyncio.run(_cohort_export(load_settings(), cohort_id, file))


async def _cohort_export(settings: Settings, cohort_id: int, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            text = await export_cohort(session, cohort_id)
    except CohortFileError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    write_output(file, text, t._("Cohort {id} written to {path}.", id=cohort_id, path=str(file)))


@group.command("show")
def cohort_show(
    cohort_id: Annotated[
        int | None, typer.Argument(help="Número de la cohorte (todas si falta).")
    ] = None,
) -> None:
    """Lista las cohortes, o muestra una con sus equipos y su calendario."""
    asyncio.run(_cohort_show(load_settings(), cohort_id))


async def _cohort_show(settings: Settings, cohort_id: int | None) -> None:
    app_ = await open_app(settings)
    console = Console(highlight=False)
    try:
        async with app_.sessions() as session:
            if cohort_id is None:
                await _show_all(session, console)
            else:
                await _show_one(session, console, cohort_id, app_.clock.now())
    finally:
        await app_.close()


async def _show_all(session: AsyncSession, console: Console) -> None:
    found = await cohorts.list_cohorts(session)
    if not found:
        console.print(
            t._("There are no cohorts yet. Import one with: cohorte cohort import FILE.toml")
        )
        return
    table = Table(
        t._("No."), t._("Cohort"), t._("Start"), t._("Weeks"), t._("Code"), t._("Time zone")
    )
    for cohort in found:
        table.add_row(
            str(cohort.id),
            cohort.name,
            t.date(cohort.start_date),
            str(cohort.weeks),
            cohort.invite_code,
            cohort.home_zone,
        )
    console.print(table)


async def _show_one(session: AsyncSession, console: Console, cohort_id: int, now: datetime) -> None:
    cohort = await cohorts.cohort_by_id(session, cohort_id)
    if cohort is None:
        raise fail(t._("There is no cohort number {id}.", id=cohort_id))
    console.print(Text(f"{cohort.name} — {t.zone_label(cohort.home_zone)}", style="bold"))
    console.print(
        t._(
            "Starts {date}, {weeks} weeks, invite code {code}.",
            date=t.date(cohort.start_date),
            weeks=cohort.weeks,
            code=cohort.invite_code,
        )
    )
    if cohort.registration_code is not None:
        taken, _ = await places_taken(session, cohort_id, None)
        closed = deadline_passed(cohort, now)
        console.print(" ".join(settings_lines(t, cohort, taken, closed)))
    teams = await cohorts.teams_of(session, cohort_id)
    members = await cohorts.members_with_people(session, cohort_id)
    table = Table(t._("Team"), t._("City"), t._("Time zone"), t._("Members"))
    for team in teams:
        count = sum(1 for member, _ in members if member.team_id == team.id)
        table.add_row(team.name, team.city, team.zone, str(count))
    console.print(table)
    coordinators = [p.display_name for m, p in members if m.role == Role.COORDINATOR]
    console.print(t._("Coordination: {names}", names=", ".join(coordinators) or "—"))
    events = await agenda.events_by_start(session, cohort_id)
    for event in events:
        console.print(f"• {t.when(event.starts_at, cohort.home_zone)} — {event.title}")


STATE_NAMES = {
    cohorts.CohortState.UPCOMING: N_("upcoming"),
    cohorts.CohortState.RUNNING: N_("running"),
    cohorts.CohortState.ENDED: N_("ended"),
    cohorts.CohortState.ARCHIVED: N_("archived"),
}


@group.command("list")
def cohort_list() -> None:
    """Lista las cohortes con sus fechas y su estado (próxima, en curso, terminada, archivada)."""
    asyncio.run(_cohort_list(load_settings()))


async def _cohort_list(settings: Settings) -> None:
    app_ = await open_app(settings)
    console = Console(highlight=False)
    try:
        async with app_.sessions() as session:
            found = await cohorts.list_cohorts(session)
        now = app_.clock.now()
    finally:
        await app_.close()
    if not found:
        console.print(
            t._("There are no cohorts yet. Import one with: cohorte cohort import FILE.toml")
        )
        return
    table = Table(t._("No."), t._("Cohort"), t._("Code"), t._("Start"), t._("End"), t._("State"))
    for cohort in found:
        today = now.astimezone(ZoneInfo(cohort.home_zone)).date()
        state = cohorts.cohort_state(cohort, today)
        table.add_row(
            str(cohort.id),
            cohort.name,
            cohort.invite_code,
            cohort.start_date.isoformat(),
            sprint_end(cohort.start_date, cohort.weeks).isoformat(),
            t._(STATE_NAMES[state]),
        )
    console.print(table)


@group.command("archive")
def cohort_archive(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
) -> None:
    """Archiva una cohorte: no envía nada más y solo responde para consultar."""
    asyncio.run(_cohort_archive(load_settings(), cohort_id))


async def _cohort_archive(settings: Settings, cohort_id: int) -> None:
    app_ = await open_app(settings)
    try:
        async with transaction(app_.sessions) as session:
            cohort = await cohorts.cohort_by_id(session, cohort_id)
            if cohort is None:
                raise fail(t._("There is no cohort number {id}.", id=cohort_id))
            if cohort.archived_at is None:
                await cohorts.archive_cohort(session, cohort, app_.clock.now())
                await drop_pending_of_cohort(session, cohort_id, "the cohort was archived")
            name = cohort.name
    finally:
        await app_.close()
    typer.echo(
        t._(
            "Cohort {id} ({name}) archived: it sends nothing more. Its members' personal data "
            "is deleted {days} days from now.",
            id=cohort_id,
            name=name,
            days=settings.retention_days,
        )
    )


@group.command("delete")
def cohort_delete(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    confirm: Annotated[
        str | None,
        typer.Option("--confirm", help="El nombre de la cohorte, para confirmar sin preguntar."),
    ] = None,
) -> None:
    """Borra una cohorte y todo lo suyo (equipos, miembros, calendario, reportes); nada más."""
    asyncio.run(_cohort_delete(load_settings(), cohort_id, confirm))


async def _cohort_delete(settings: Settings, cohort_id: int, confirm: str | None) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            cohort = await cohorts.cohort_by_id(session, cohort_id)
        if cohort is None:
            raise fail(t._("There is no cohort number {id}.", id=cohort_id))
        if confirm is None:
            confirm = typer.prompt(
                t._("To delete it, type the cohort's name ({name})", name=cohort.name)
            )
        if confirm.strip() != cohort.name:
            raise fail(t._("That is not the cohort's name: I deleted nothing."))
        async with transaction(app_.sessions) as session:
            await cohorts.delete_cohort(session, cohort_id)
    finally:
        await app_.close()
    typer.echo(t._("Cohort {id} ({name}) deleted.", id=cohort_id, name=cohort.name))
