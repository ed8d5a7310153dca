"""Logs: text by default, one JSON object per line with COHORTE_LOG_FORMAT=json; the
secrets masked in both, tracebacks included; incoming events and deliveries name their ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from cohorte.bot.config import Settings
from cohorte.bot.logs import configure_logging
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.storage.models import Platform

TOKEN = "123456:SECRET-telegram-token_abcdef"
SIGNING = "f00dfeedsigningsecret"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """configure_logging's output, written to a buffer; the root logger restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


def _configure(buffer: io.StringIO, **settings: str) -> None:
    configured = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,
        slack_signing_secret=SIGNING,
        **settings,
    )
    configure_logging(configured)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def _fail_with_secret() -> None:
    try:
        raise ValueError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ValueError:
        logging.getLogger("cohorte.test").exception(
            "request with %s failed", SIGNING, extra={"delivery_id": 42}
        )


def test_text_is_the_default_and_masks_messages_and_tracebacks(stream: io.StringIO) -> None:
    _configure(stream)
    logging.getLogger("cohorte.test").info("token is %s", TOKEN)
    _fail_with_secret()
    out = stream.getvalue()
    assert TOKEN not in out and SIGNING not in out
    first = out.splitlines()[0]
    assert first.endswith("INFO cohorte.test: token is ***")
    assert "Traceback (most recent call last)" in out
    assert "ValueError: GET https://api.telegram.org/bot***/getMe failed" in out


def test_json_is_one_object_per_line_with_fields_and_the_traceback(stream: io.StringIO) -> None:
    _configure(stream, log_format="json")
    logging.getLogger("cohorte.test").warning("plain line")
    _fail_with_secret()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the traceback is inside its line, not after it
    plain, failed = (json.loads(line) for line in lines)
    assert set(plain) == {"time", "level", "logger", "message"}
    assert (plain["level"], plain["logger"], plain["message"]) == (
        "WARNING",
        "cohorte.test",
        "plain line",
    )
    assert plain["time"].endswith("Z")
    assert datetime.fromisoformat(plain["time"]).utcoffset() is not None
    assert failed["message"] == "request with *** failed"
    assert failed["delivery_id"] == 42
    assert failed["traceback"].startswith("Traceback (most recent call last)")
    assert "bot***/getMe" in failed["traceback"]
    assert TOKEN not in stream.getvalue() and SIGNING not in stream.getvalue()


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log_format"):
        Settings(_env_file=None, log_format="xml")  # type: ignore[call-arg, arg-type]


async def test_an_incoming_event_is_logged_with_its_id(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    incoming = Incoming(
        Platform.TELEGRAM, "77", "Ana", "77", ChatKind.PRIVATE, text="/ayuda", event_id="u:991"
    )
    with caplog.at_level(logging.INFO, logger="cohorte.handlers.core.router"):
        await core.handle(incoming)
        await core.handle(incoming)  # a redelivery, ignored: its line names the id too
    records = [r for r in caplog.records if r.name == "cohorte.handlers.core.router"]
    assert records and all(getattr(r, "event_id", None) == "u:991" for r in records)
    assert any("ignored redelivered" in r.getMessage() for r in records)
    assert all(getattr(r, "platform", None) == "telegram" for r in records)
