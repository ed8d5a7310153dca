"""`cohorte cohort new` and `cohorte cohort template`: a programme's next edition, and the
programme alone as a cohort file."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t, write_output
from cohorte.bot.config import Settings
from cohorte.handlers.cohort.editions import Edition, new_edition, programme_template
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.cohort.file.spec import CohortSpec
from cohorte.handlers.core.errors import CohortError
from cohorte.storage.db import transaction


def register(group: typer.Typer) -> None:
    """`cohort new` and `cohort template`, in the `cohort` group."""
    group.command("new")(cohort_new)
    group.command("template")(cohort_template)


def cohort_new(
    source: Annotated[
        str,
        typer.Option(
            "--from", help="Número de la cohorte, o archivo TOML (plantilla o cohorte completa)."
        ),
    ],
    start: Annotated[str, typer.Option("--start", help="Lunes de la semana 1, AAAA-MM-DD.")],
    name: Annotated[str | None, typer.Option("--name", help="Nombre de la nueva cohorte.")] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Código de invitación (si falta, uno nuevo).")
    ] = None,
    with_teams: Annotated[
        bool, typer.Option("--with-teams", help="Copia los equipos y sus acompañamientos.")
    ] = False,
    with_people: Annotated[
        bool, typer.Option("--with-people", help="Copia las personas y sus roles.")
    ] = False,
) -> None:
    """Crea una nueva edición de un programa con otra fecha de inicio."""
    try:
        first_day = date.fromisoformat(start.strip())
    except ValueError:
        raise fail(
            t._(
                "{value} is not a date: write it as YYYY-MM-DD, for example 2026-03-02.",
                value=start,
            )
        ) from None
    origin: int | CohortSpec
    if source.strip().isascii() and source.strip().isdigit():
        origin = int(source.strip())
    else:
        path = Path(source)
        if not path.is_file():
            raise fail(t._("The file {path} does not exist.", path=str(path)))
        try:
            origin = parse_cohort_file(path.read_bytes())
        except CohortError as error:
            raise fail(error.render(t)) from error
    asyncio.run(
        _cohort_new(
            load_settings(),
            origin,
            first_day,
            name=name,
            code=code,
            with_teams=with_teams,
            with_people=with_people,
        )
    )


async def _cohort_new(
    settings: Settings,
    origin: int | CohortSpec,
    start: date,
    *,
    name: str | None,
    code: str | None,
    with_teams: bool,
    with_people: bool,
) -> None:
    app_ = await open_app(settings)
    try:
        async with transaction(app_.sessions) as session:
            edition = await new_edition(
                session,
                origin,
                start,
                app_.clock.now(),
                name=name,
                invite_code=code,
                with_teams=with_teams,
                with_people=with_people,
            )
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    typer.echo(summary(edition))


def summary(edition: Edition) -> str:
    """What `cohort new` made, and everything a person must look at."""
    cohort = edition.cohort
    lines = [
        t._(
            "Cohort {id} created: {name} (invite code {code}).",
            id=edition.cohort_id,
            name=cohort.name,
            code=cohort.invite_code,
        ),
        *edition.describe(t),
        t._(
            "Link the cohort's group chat with /vincular {code} in the group.",
            code=cohort.invite_code,
        ),
    ]
    return "\n".join(lines)


def cohort_template(
    cohort_id: Annotated[int, typer.Argument(help="Número de la cohorte.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo TOML de salida ('-' para la salida estándar).")
    ],
) -> None:
    """Escribe el programa de una cohorte, sin personas ni datos de la edición, en TOML."""
    asyncio.run(_cohort_template(load_settings(), cohort_id, file))


async def _cohort_template(settings: Settings, cohort_id: int, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            text = await programme_template(session, cohort_id)
    except CohortError as error:
        raise fail(error.render(t)) from error
    finally:
        await app_.close()
    written = t._("Programme of cohort {id} written to {path}.", id=cohort_id, path=str(file))
    write_output(file, text, written)
