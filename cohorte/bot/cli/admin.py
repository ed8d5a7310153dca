"""`cohorte admin`: the bot's administrators — one-time codes, the list, revoking."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, open_app, t
from cohorte.bot.config import Settings
from cohorte.handlers.cohort.admins import (
    DEFAULT_CODE_LIFETIME,
    MAX_CODE_LIFETIME,
    create_admin_invite,
)
from cohorte.storage import admins
from cohorte.storage.db import transaction
from cohorte.storage.types import MAX_ID

group = typer.Typer(help="Administradores del bot (crean cohortes desde el chat).")


def register(app: typer.Typer) -> None:
    """`admin invite`, `admin list` and `admin revoke`."""
    app.add_typer(group, name="admin")


@group.command("invite")
def admin_invite(
    hours: Annotated[
        int,
        typer.Option(
            "--horas",
            "--hours",
            min=1,
            max=int(MAX_CODE_LIFETIME / timedelta(hours=1)),
            help="Horas que vale el código.",
        ),
    ] = int(DEFAULT_CODE_LIFETIME / timedelta(hours=1)),
) -> None:
    """Imprime un código de un solo uso: quien lo envía como /admin CODIGO es administrador."""
    asyncio.run(_admin_invite(load_settings(), timedelta(hours=hours)))


async def _admin_invite(settings: Settings, lifetime: timedelta) -> None:
    app_ = await open_app(settings)
    try:
        now = app_.clock.now()
        async with transaction(app_.sessions) as session:
            code = await create_admin_invite(session, now, lifetime)
    finally:
        await app_.close()
    typer.echo(
        t._(
            "One-time code: {code}\nWhoever sends the bot /admin {code} becomes an "
            "administrator. It works once, until {until} (UTC). It is not stored: "
            "copy it now.",
            code=code,
            until=(now + lifetime).strftime("%Y-%m-%d %H:%M"),
        )
    )


@group.command("list")
def admin_list() -> None:
    """Lista los administradores: los de COHORTE_ADMINS y los que usaron un código."""
    asyncio.run(_admin_list(load_settings()))


async def _admin_list(settings: Settings) -> None:
    app_ = await open_app(settings)
    try:
        async with app_.sessions() as session:
            rows = await admins.stored_admins(session)
    finally:
        await app_.close()
    lines = [
        t._("{account} (COHORTE_ADMINS)", account=f"{platform}:{user_id}")
        for platform, user_id in sorted(settings.admin_accounts)
    ]
    accounts: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for admin, person, identity in rows:
        names[admin.person_id] = person.display_name
        found = accounts.setdefault(admin.person_id, [])
        if identity is not None:
            found.append(f"{identity.platform}:{identity.external_id}")
    for person_id, name in names.items():
        lines.append(
            t._(
                "{id}: {name} — {accounts} (with a code)",
                id=person_id,
                name=name,
                accounts=", ".join(accounts[person_id]) or "-",
            )
        )
    typer.echo("\n".join(lines) if lines else t._("There are no administrators yet."))


@group.command("revoke")
def admin_revoke(
    person_id: Annotated[int, typer.Argument(help="Número de la persona (cohorte admin list).")],
) -> None:
    """Quita a una persona de los administradores (los de COHORTE_ADMINS se quitan allí)."""
    asyncio.run(_admin_revoke(load_settings(), person_id))


async def _admin_revoke(settings: Settings, person_id: int) -> None:
    app_ = await open_app(settings)
    try:
        async with transaction(app_.sessions) as session:
            # A number past the id columns names nobody (PostgreSQL would refuse the query).
            revoked = 0 < person_id <= MAX_ID and await admins.revoke_admin(session, person_id)
    finally:
        await app_.close()
    if not revoked:
        raise fail(t._("Person {id} is not an administrator made with a code.", id=person_id))
    typer.echo(t._("Done: person {id} is no longer an administrator.", id=person_id))
