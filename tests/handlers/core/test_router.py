"""The core: dispatch, errors in the reader's language, redelivered events."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Button, ChatEvent, ChatKind, Incoming, Reply
from cohorte.handlers.core.router import Core, Router, split_command
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform
from tests.factories import seed_cohort


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


async def test_a_chat_event_is_answered_once_in_the_transaction_of_its_id(
    sessions: SessionFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def greet(ctx: Context) -> list[Reply]:
        seen.append(ctx.incoming.chat_id)
        if len(seen) == 1:
            raise RuntimeError("the first attempt fails")
        return [Reply("¡Hola, grupo!")]

    router = Router()
    router.chat_event(ChatEvent.BOT_JOINED, greet)
    core = Core(sessions, clock, router)
    joined = message(chat_kind=ChatKind.GROUP, chat_id="-7", chat_event=ChatEvent.BOT_JOINED)

    failed = await core.handle(replace(joined, event_id="join-1"))
    greeted = await core.handle(replace(joined, event_id="join-1"))  # redelivered
    again = await core.handle(replace(joined, event_id="join-1"))

    assert failed == []  # nobody asked: the group is not told to try again (the log says it)
    assert "failed to handle" in caplog.text  # nothing recorded: it may come back
    assert greeted == [Reply("¡Hola, grupo!")]
    assert again == []  # recorded with the greeting: answered once
    assert seen == ["-7", "-7"]
    with pytest.raises(ValueError):
        router.chat_event(ChatEvent.BOT_JOINED, greet)


async def test_a_chat_event_nobody_handles_is_quietly_ignored(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    core = Core(sessions, clock, Router())
    joined = message(chat_kind=ChatKind.GROUP, chat_id="-7", chat_event=ChatEvent.BOT_JOINED)
    assert await core.handle(joined) == []


async def test_the_bot_greets_a_group_it_joins_and_recognises_a_linked_one(
    core: Core, session: AsyncSession, clock: ManualClock
) -> None:
    await seed_cohort(session, clock.now())
    joined = Incoming(
        platform=Platform.CONSOLE,
        sender_id="coordina",
        sender_name="Coordinación",
        chat_id="equipos",
        chat_kind=ChatKind.GROUP,
        chat_event=ChatEvent.BOT_JOINED,
    )

    (greeting,) = await core.handle(joined)
    assert greeting.text.startswith("¡Hola! Soy Cohorte, el asistente del sprint.")
    await core.handle(replace(joined, text="/vincular PRUEBA25", chat_event=None))
    (again,) = await core.handle(joined)
    assert plain(again.text) == (
        "¡Hola de nuevo! Este grupo ya es el chat de Sprint de prueba: aquí llegarán los "
        "recordatorios y los avisos."
    )
