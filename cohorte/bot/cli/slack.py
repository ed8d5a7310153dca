"""`cohorte slack`: the Slack app's manifest."""

from __future__ import annotations

from typing import Annotated

import typer

from cohorte.bot.cli.root import load_settings

group = typer.Typer(help="Aplicación de Slack.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`slack manifest`."""
    app.add_typer(group, name="slack")


@group.command("manifest")
def slack_manifest(
    socket: Annotated[
        bool | None,
        typer.Option(
            "--socket/--http", help="Socket Mode o HTTP (por omisión, según la configuración)."
        ),
    ] = None,
) -> None:
    """Imprime el manifiesto (JSON) para crear la app de Slack."""
    from cohorte.bot.slack.manifest import print_manifest

    print_manifest(load_settings(), socket_mode=socket)
