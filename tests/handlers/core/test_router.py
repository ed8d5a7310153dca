"""The core: dispatch, errors in the reader's language, redelivered events."""

from __future__ import annotations

import logging

import pytest

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Button, ChatKind, Incoming, Reply
from cohorte.handlers.core.router import Core, Router, split_command
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform


def message(text: str = "", **kwargs: object) -> Incoming:
    fields: dict[str, object] = {
        "platform": Platform.TELEGRAM,
        "sender_id": "42",
        "sender_name": "Ana",
        "chat_id": "42",
        "chat_kind": ChatKind.PRIVATE,
        "text": text,
    }
    fields.update(kwargs)
    return Incoming(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/zona Bogotá", ("zona", "Bogotá")),
        ("/zona@CohorteBot   Bogotá  ", ("zona", "Bogotá")),
        ("/AYUDA", ("AYUDA", "")),
        ("hola", None),
        ("/", None),
        ("/@bot", None),
    ],
)
def test_split_command(text: str, expected: tuple[str, str] | None) -> None:
    assert split_command(text) == expected


async def test_commands_are_matched_without_accents_or_case(core: Core) -> None:
    replies = await core.handle(message("/AYÚDA"))
    assert "Soy Cohorte" in replies[0].text


async def test_a_redelivered_event_is_handled_once(core: Core) -> None:
    first = await core.handle(message("/ayuda", event_id="update-7"))
    again = await core.handle(message("/ayuda", event_id="update-7"))
    assert first and again == []


async def test_unexpected_errors_are_logged_and_answered_with_an_apology(
    sessions: SessionFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(ctx: Context, args: str) -> list[Reply]:
        raise RuntimeError("boom")

    router = Router()
    router.command(("romper",), explode, "")
    with caplog.at_level(logging.INFO):
        replies = await Core(sessions, clock, router).handle(message("/romper"))
    assert replies == [Reply("Perdón, algo falló de nuestro lado. Inténtalo de nuevo, por favor.")]
    assert "boom" in caplog.text
    assert "handled message from telegram:42" in caplog.text


async def test_group_chatter_is_ignored(core: Core) -> None:
    assert await core.handle(message("buenos días", chat_kind=ChatKind.GROUP, chat_id="-1")) == []


def test_button_payloads_must_fit_telegram() -> None:
    Button("ok", "z:America/Argentina/Buenos_Aires")
    with pytest.raises(ValueError):
        Button("too long", "x" * 65)


def test_router_refuses_duplicate_names() -> None:
    router = Router()

    async def noop(ctx: Context, args: str) -> list[Reply]:
        return []

    router.command(("zona",), noop, "")
    with pytest.raises(ValueError):
        router.command(("ZONA",), noop, "")
