"""The keyed-message rule: edit the remembered message, else post one and remember it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cohorte.handlers.core.keyed import Edit, KeyedMessages, Post
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform
from cohorte.storage.people import sent_message


@dataclass
class FakeChat:
    """A chat whose messages can be edited until they are deleted."""

    messages: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def primitives(self, text: str) -> tuple[Post, Edit]:
        async def post() -> str:
            message_id = str(len(self.calls) + 1)
            self.calls.append(f"post {message_id}")
            self.messages[message_id] = text
            return message_id

        async def edit(message_id: str) -> bool:
            self.calls.append(f"edit {message_id}")
            if message_id not in self.messages:
                return False  # gone
            self.messages[message_id] = text
            return True

        return post, edit


async def send(keyed: KeyedMessages, chat: FakeChat, text: str) -> bool:
    post, edit = chat.primitives(text)
    return await keyed.send("C1", "tally", post=post, edit=edit)


async def remembered(sessions: SessionFactory) -> str | None:
    async with sessions() as session:
        record = await sent_message(session, Platform.CONSOLE, "C1", "tally")
    return record.message_id if record is not None else None


async def test_posted_then_edited_then_posted_again_when_gone(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    keyed = KeyedMessages(Platform.CONSOLE, sessions, clock)
    chat = FakeChat()

    assert await send(keyed, chat, "1 voto")  # nothing known: posted and remembered
    assert (chat.calls, await remembered(sessions)) == (["post 1"], "1")
    assert await send(keyed, chat, "2 votos")  # known: edited in place
    assert chat.calls[-1] == "edit 1" and chat.messages == {"1": "2 votos"}

    del chat.messages["1"]  # somebody deleted it
    assert await send(keyed, chat, "3 votos")
    assert chat.calls[-2:] == ["edit 1", "post 4"]
    assert await remembered(sessions) == "4"  # the next version edits the new one
    assert await send(keyed, chat, "4 votos")
    assert chat.calls[-1] == "edit 4" and chat.messages == {"4": "4 votos"}


async def test_a_version_overtaken_while_waiting_is_skipped(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    keyed = KeyedMessages(Platform.CONSOLE, sessions, clock)
    chat = FakeChat()
    await send(keyed, chat, "1 voto")

    sent = await asyncio.gather(*(send(keyed, chat, f"{n} votos") for n in range(2, 6)))

    assert sent == [True, False, False, True]  # the first goes, the newest goes, not between
    assert chat.messages == {"1": "5 votos"}


async def test_a_version_that_cannot_be_an_edit_is_posted_and_remembered(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    keyed = KeyedMessages(Platform.CONSOLE, sessions, clock)
    chat = FakeChat()
    await send(keyed, chat, "1 voto")
    post, _ = chat.primitives("con imagen")

    assert await keyed.send("C1", "tally", post=post)

    assert chat.calls == ["post 1", "post 2"]
    assert await remembered(sessions) == "2"
