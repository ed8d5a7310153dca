"""Logging set-up, done once by the CLI. Secrets are masked in every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from cohorte.bot.config import Settings

# Client libraries that log request URLs (Telegram's carry the bot token).
_NOISY = ("httpx", "httpcore", "aiohttp.access", "apscheduler", "slack_bolt", "slack_sdk")


class SecretMask(logging.Filter):
    """Replaces every configured secret by '***' in the formatted message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.telegram_bot_token,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def configure_logging(settings: Settings, log_file: Path | None = None) -> None:
    """One line per record, to stderr or (for the console chat) to a file."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretMask(secrets_of(settings)))
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):  # a console run before this one, in-process
            old.close()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
