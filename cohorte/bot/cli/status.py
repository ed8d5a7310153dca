"""`cohorte status`: how the bot stands, for a person at the terminal.

The database (reachable, migrations), the platforms this configuration runs,
and per cohort what `/estado-bot` says in chat (`handlers.dashboard.botstatus`).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from cohorte.bot.cli.root import fail, load_settings, moment, t
from cohorte.bot.config import Settings
from cohorte.handlers.core.errors import one_line
from cohorte.handlers.dashboard.botstatus import load_bot_status, platform_name, status_lines
from cohorte.storage.cohorts import list_cohorts
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.migrate import current_revision, head_revision
from cohorte.storage.models import Platform


def register(app: typer.Typer) -> None:
    """`status` on the root command."""
    app.command()(status)


def status(
    clock: Annotated[
        str | None,
        typer.Option(
            "--reloj",
            help="El estado en ese momento, 'AAAA-MM-DD HH:MM' (hora de la cohorte) o ISO 8601 "
            "(ensayos). Por omisión, ahora.",
        ),
    ] = None,
) -> None:
    """Cómo está el bot: base de datos, plataformas y, por cohorte, los mensajes pendientes."""
    lines = asyncio.run(_status(load_settings(), clock))
    typer.echo("\n".join(lines))


def _platforms(settings: Settings) -> list[Platform]:
    running = [Platform.TELEGRAM] if settings.telegram_enabled else []
    return running + ([Platform.SLACK] if settings.slack_enabled else [])


async def _status(settings: Settings, clock_text: str | None) -> list[str]:
    # A plain engine, not `bootstrap`: this must work while the bot runs on the same file.
    engine = create_engine(settings.database_url)
    lines: list[str] = []
    try:
        try:
            current = await current_revision(engine)
            async with session_factory(engine)() as session:
                cohorts = list(await list_cohorts(session))
                zones = {cohort.home_zone for cohort in cohorts}
                now = moment(clock_text, zones.pop() if len(zones) == 1 else "UTC")
                found = [
                    (cohort, await load_bot_status(session, cohort.id or 0, now))
                    for cohort in cohorts
                ]
        except typer.Exit:
            raise
        except Exception as error:
            raise fail(t._("The database cannot be read: {error}", error=one_line(error))) from None
    finally:
        await engine.dispose()
    head = head_revision()
    if current == head:
        lines.append(
            t._("Database: reachable, at the latest revision ({revision}).", revision=head)
        )
    else:
        lines.append(
            t._(
                "Database: reachable, but migrations are pending (at {revision}, the code "
                "needs {head}): run `cohorte db upgrade`.",
                revision=current or t._("empty"),
                head=head,
            )
        )
    running = _platforms(settings)
    if running:
        names = ", ".join(platform_name(t, platform) for platform in running)
        lines.append(t._("Platforms configured: {platforms}", platforms=names))
    else:
        lines.append(t._("Platforms configured: none (`cohorte run` starts the console)."))
    if not found:
        lines.append(t._("No cohorts yet: `cohorte cohort import` creates one."))
    for cohort, facts in found:
        lines += ["", t._("Cohort {id} · {name}", id=cohort.id, name=cohort.name)]
        lines += [f"  {line}" for line in status_lines(t, facts, now, cohort.home_zone)]
    return lines
