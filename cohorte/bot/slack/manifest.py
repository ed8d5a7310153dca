"""`cohorte slack manifest`: the Slack app manifest an admin pastes to create the app.

Only the scopes the adapter uses are requested; `SCOPES` says what each is for.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from cohorte.bot.bootstrap import build_router
from cohorte.bot.config import Settings
from cohorte.bot.slack.inbound import EVENTS_PATH
from cohorte.bot.slack.render import SLASH_COMMAND
from cohorte.handlers.core.router import Router
from cohorte.locales import Translator

# Bot scopes, each with the calls that need it.
SCOPES: dict[str, str] = {
    "commands": "the /cohorte slash command",
    "chat:write": "chat.postMessage, chat.postEphemeral, chat.update (answers, reminders, tallies)",
    "im:write": "conversations.open (direct messages: reminders, answers from the Home tab)",
    "users:read": "users.info (the person's name and time zone)",
    "files:write": "files.getUploadURLExternal / files.completeUploadExternal (images, files)",
    "files:read": "downloading a file shared with the app (a participant report's CSV)",
    "app_mentions:read": "the app_mention event (@Cohorte in channels)",
    "im:history": "the message.im event (direct messages to the app)",
    "channels:read": "the member_joined_channel event in public channels (greeting a channel)",
    "groups:read": "the member_joined_channel event in private channels (greeting a channel)",
}
BOT_EVENTS = ("app_home_opened", "app_mention", "member_joined_channel", "message.im")
USAGE_EXAMPLES = ("ayuda", "unirme CÓDIGO", "zona Bogotá")


class ManifestError(ValueError):
    """The manifest cannot be built from these settings."""


def wants_socket_mode(settings: Settings) -> bool:
    """Socket Mode with an app token or without a public URL; HTTP mode otherwise."""
    return settings.slack_app_token is not None or not settings.public_url


def build_manifest(
    settings: Settings, router: Router, *, socket_mode: bool | None = None
) -> dict[str, Any]:
    """The app manifest (JSON-ready). HTTP mode needs `COHORTE_PUBLIC_URL`."""
    t = Translator("es")
    socket = wants_socket_mode(settings) if socket_mode is None else socket_mode
    url: str | None = None
    if not socket:
        if not settings.public_url:
            raise ManifestError(
                t._("HTTP mode needs the public address of the bot: set COHORTE_PUBLIC_URL.")
            )
        url = settings.public_url.rstrip("/") + EVENTS_PATH
    # The examples first, then what else participants can do (coordinators know theirs).
    shown = {example.split()[0] for example in USAGE_EXAMPLES}
    others = [
        c.name
        for c in router.commands
        if not (c.hidden or c.coordinator_only) and c.name not in shown
    ]
    usage = " | ".join([*USAGE_EXAMPLES, *others])
    command: dict[str, Any] = {
        "command": SLASH_COMMAND,
        "description": t._("The sprint assistant: join, time zone, reminders and more"),
        "usage_hint": usage[:1000],
        "should_escape": False,
    }
    if url:
        command["url"] = url
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url:
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Cohorte",
            "description": t._("Accompanies your city team through the 12-week sprint."),
            "background_color": "#1d4e89",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "Cohorte", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket,
            "token_rotation_enabled": False,
        },
    }


def print_manifest(settings: Settings, *, socket_mode: bool | None = None) -> None:
    """`cohorte slack manifest`: the manifest as JSON on standard output (errors: exit 1)."""
    try:
        manifest = build_manifest(settings, build_router(), socket_mode=socket_mode)
    except ManifestError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from error
    typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
