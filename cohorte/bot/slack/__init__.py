"""Slack: bolt's AsyncApp driving the core (Socket Mode or HTTP), Block Kit rendering.

- `adapter`: the `SlackAdapter` (listeners, lifecycle, where answers go);
- `inbound`: Slack requests read into our terms, users' names and zones;
- `outbound`: posting, editing, uploading; the `SlackMessenger` for the scheduler;
- `render`: replies and forms as Block Kit;
- `home`: the App Home tab, in sections;
- `web`: the Web API client (retries, pacing, send outcomes);
- `manifest`: the app manifest for `cohorte slack manifest`;
- `traits`: what Slack lets the bot do, for the core.

The names below load their modules (and slack-bolt) when first used: every process
knows Slack's traits, only one that runs Slack loads its libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cohorte.bot.slack.adapter import SlackAdapter, SlackConfigError
    from cohorte.bot.slack.manifest import build_manifest
    from cohorte.bot.slack.outbound import SlackMessenger
    from cohorte.bot.slack.web import SlackOptions

_HOMES = {
    "SlackAdapter": "cohorte.bot.slack.adapter",
    "SlackConfigError": "cohorte.bot.slack.adapter",
    "SlackMessenger": "cohorte.bot.slack.outbound",
    "SlackOptions": "cohorte.bot.slack.web",
    "build_manifest": "cohorte.bot.slack.manifest",
}

__all__ = ["SlackAdapter", "SlackConfigError", "SlackMessenger", "SlackOptions", "build_manifest"]


def __getattr__(name: str) -> object:
    """`from cohorte.bot.slack import SlackAdapter`: the name, from its module."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
