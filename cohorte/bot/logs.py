"""Logging set-up, done once by the CLI. Secrets are masked in every record.

Two formats (`COHORTE_LOG_FORMAT`): `text`, one readable line per record (the
default), and `json`, one JSON object per line for log collectors: `time`
(ISO 8601, UTC), `level`, `logger`, `message`, the fields a record carries
(`delivery_id` for a scheduled message, `event_id` and `platform` for an
incoming event, passed by the code with `extra=`) and, when there is one,
the `traceback` as a string. The secrets are masked in what the formatter
writes, so also in tracebacks and in those fields.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cohorte.bot.config import Settings

# Client libraries that log request URLs (Telegram's carry the bot token).
_NOISY = ("httpx", "httpcore", "aiohttp.access", "apscheduler", "slack_bolt", "slack_sdk")

# The fields a record may carry (`extra=`) that the JSON format writes out.
FIELDS = ("delivery_id", "event_id", "platform")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretMask:
    """Replaces every configured secret by '***'."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: a secret that contains another is masked whole.
        self._secrets = sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class TextFormatter(logging.Formatter):
    """One line per record (a traceback follows on its own lines), secrets masked."""

    def __init__(self, mask: SecretMask) -> None:
        super().__init__(TEXT_FORMAT)
        self._mask = mask

    def format(self, record: logging.LogRecord) -> str:
        return self._mask(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, secrets masked in every value."""

    def __init__(self, mask: SecretMask) -> None:
        super().__init__()
        self._mask = mask

    def format(self, record: logging.LogRecord) -> str:
        instant = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": instant.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        masked = {
            key: self._mask(value) if isinstance(value, str) else value
            for key, value in entry.items()
        }
        return json.dumps(masked, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.telegram_bot_token,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def formatter_for(settings: Settings) -> logging.Formatter:
    """The formatter of `COHORTE_LOG_FORMAT`, masking the settings' secrets."""
    mask = SecretMask(secrets_of(settings))
    return JsonFormatter(mask) if settings.log_format == "json" else TextFormatter(mask)


def configure_logging(settings: Settings, log_file: Path | None = None) -> None:
    """One record per line, to stderr or (for the console chat) to a file."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(formatter_for(settings))
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):  # a console run before this one, in-process
            old.close()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
