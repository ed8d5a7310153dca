"""One settings object, read once at start from the environment and `.env`."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cohorte.storage.models import Platform

AdminAccount = tuple[Platform, str]


def parse_admins(text: str) -> frozenset[AdminAccount]:
    """`COHORTE_ADMINS`: platform accounts separated by commas (or spaces), each
    `platform:user id` — `telegram:12345, slack:U0123ABCD, console:ana`.

    The platform is `telegram`, `slack` or `console` (any case); the id is the one the
    platform gives (a Telegram user id is a number, a Slack user id starts with U or W;
    on the console it is the name you talk as). ValueError names a wrong entry.
    """
    accounts: set[AdminAccount] = set()
    for entry in text.replace(",", " ").split():
        platform, colon, user_id = entry.partition(":")
        try:
            known = Platform(platform.strip().lower())
        except ValueError:
            known = None
        if not colon or known is None or not user_id.strip():
            raise ValueError(
                f"COHORTE_ADMINS: {entry!r} is not platform:user_id "
                "(telegram:12345, slack:U0123ABCD, console:ana)"
            )
        user_id = user_id.strip()
        if known is Platform.TELEGRAM and not user_id.isdigit():
            raise ValueError(f"COHORTE_ADMINS: a Telegram user id is a number, not {user_id!r}")
        accounts.add((known, user_id))
    return frozenset(accounts)


class Settings(BaseSettings):
    """Everything configurable: `COHORTE_` variables; tokens keep their usual names."""

    model_config = SettingsConfigDict(
        env_prefix="COHORTE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./cohorte.db"
    log_level: str = "INFO"
    # "text": one readable line per record; "json": one JSON object per line.
    log_format: Literal["text", "json"] = "text"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str | None = None
    # Rehearsal: the cohort clock starts at this moment ('AAAA-MM-DD HH:MM' in the
    # cohort's zone, or ISO 8601 with an offset) and advances in real time.
    clock: str | None = None
    # A stop (SIGTERM, Ctrl-C) waits this long for the messages already leaving.
    stop_seconds: float = Field(default=10.0, ge=0, le=300)
    # Days after a cohort is archived before its members' personal data is deleted.
    retention_days: int = Field(default=365, ge=1, le=36500)

    telegram_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "COHORTE_TELEGRAM_BOT_TOKEN"),
    )
    telegram_api_url: str = "https://api.telegram.org"
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "COHORTE_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "COHORTE_SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "COHORTE_SLACK_SIGNING_SECRET"),
    )
    slack_api_url: str = "https://slack.com/api/"

    # Bot administrators (they may create cohorts from chat): platform accounts,
    # `telegram:12345,slack:U0123ABCD,console:ana` (see `parse_admins`).
    admins: str = ""

    # /metrics (Prometheus), off by default; see `cohorte.bot.observe.metrics_refusal`.
    metrics: bool = False
    metrics_token: SecretStr | None = None
    # A listener of its own for /metrics (else the bot's server, with the token).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None

    @field_validator("admins")
    @classmethod
    def _check_admins(cls, value: str) -> str:
        parse_admins(value)
        return value

    @property
    def admin_accounts(self) -> frozenset[AdminAccount]:
        """The administrators named by the operator (`COHORTE_ADMINS`)."""
        return parse_admins(self.admins)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str | None:
        """The database file for SQLite URLs, None for in-memory or other databases."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1]
        return None if path in ("", ":memory:") else path

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None
