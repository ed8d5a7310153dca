"""Slack: bolt's AsyncApp driving the core (Socket Mode or HTTP), Block Kit rendering.

- `adapter`: the `SlackAdapter` (listeners, lifecycle, where answers go);
- `inbound`: Slack requests read into our terms, users' names and zones;
- `outbound`: posting, editing, uploading; the `SlackMessenger` for the scheduler;
- `render`: replies and forms as Block Kit;
- `home`: the App Home tab, in sections;
- `web`: the Web API client (retries, pacing, send outcomes);
- `manifest`: the app manifest for `cohorte slack manifest`;
- `traits`: what Slack lets the bot do, for the core.

`SlackAdapter` loads its module (and slack-bolt) when first used: every process knows
Slack's traits, only one that runs Slack loads its libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cohorte.bot.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]


def __getattr__(name: str) -> object:
    """`from cohorte.bot.slack import SlackAdapter`: the adapter, from its module."""
    if name != "SlackAdapter":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module("cohorte.bot.slack.adapter").SlackAdapter
