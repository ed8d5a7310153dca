"""Slack: bolt's AsyncApp driving the core (Socket Mode or HTTP), Block Kit rendering.

- `adapter`: the `SlackAdapter` (listeners, lifecycle, where answers go);
- `inbound`: Slack requests read into our terms, users' names and zones;
- `outbound`: posting, editing, uploading; the `SlackMessenger` for the scheduler;
- `render`: replies and forms as Block Kit;
- `home`: the App Home tab, in sections;
- `web`: the Web API client (retries, pacing, send outcomes);
- `manifest`: the app manifest for `cohorte slack manifest`.
"""

from cohorte.bot.slack.adapter import SlackAdapter, SlackConfigError
from cohorte.bot.slack.manifest import build_manifest
from cohorte.bot.slack.outbound import SlackMessenger
from cohorte.bot.slack.web import SlackOptions

__all__ = ["SlackAdapter", "SlackConfigError", "SlackMessenger", "SlackOptions", "build_manifest"]
