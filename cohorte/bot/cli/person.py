"""`cohorte person`: a person's data — everything the bot holds about them, and deleting
it (for a request that reached the operator rather than a coordinator)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t, write_output
from cohorte.bot.config import Settings
from cohorte.storage.db import transaction
from cohorte.storage.people_data import forget_person, person_data

group = typer.Typer(help="Los datos de una persona: verlos y borrarlos.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`person export` and `person forget`."""
    app.add_typer(group, name="person")


@group.command("export")
def person_export(
    person_id: Annotated[int, typer.Argument(help="Número de la persona.")],
    file: Annotated[
        Path, typer.Argument(help="Archivo JSON de salida ('-' para la salida estándar).")
    ] = Path("-"),
) -> None:
    """Escribe en JSON todo lo que el bot guarda sobre una persona."""
    asyncio.run(_person_export(load_settings(), person_id, file))


async def _person_export(settings: Settings, person_id: int, file: Path) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            data = await person_data(session, person_id)
    finally:
        await app_.close()
    if not data:
        raise fail(t._("There is no person number {id}.", id=person_id))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    written = t._("The data of person {id} written to {path}.", id=person_id, path=str(file))
    write_output(file, text, written)


@group.command("forget")
def person_forget(
    person_id: Annotated[int, typer.Argument(help="Número de la persona.")],
    yes: Annotated[bool, typer.Option("--yes", help="No preguntar antes de borrar.")] = False,
) -> None:
    """Borra los datos personales de una persona; sus votos y su asistencia siguen contando
    sin su nombre."""
    asyncio.run(_person_forget(load_settings(), person_id, yes))


async def _person_forget(settings: Settings, person_id: int, yes: bool) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            data = await person_data(session, person_id)
        if not data:
            raise fail(t._("There is no person number {id}.", id=person_id))
        name = str(data["person"][0]["display_name"])
        question = t._("Delete the personal data of {name} (person {id})?", name=name, id=person_id)
        if not yes and not typer.confirm(question):
            typer.echo(t._("All right: I deleted nothing."))
            return
        async with transaction(app_.sessions) as session:
            forgotten = await forget_person(session, person_id, app_.clock.now())
    finally:
        await app_.close()
    if forgotten is None:
        raise fail(t._("There is no person number {id}.", id=person_id))
    typer.echo(
        t.ngettext(
            "Deleted the personal data of {name}; {n} membership kept without a name.",
            "Deleted the personal data of {name}; {n} memberships kept without a name.",
            forgotten.memberships,
            name=name,
        )
    )
