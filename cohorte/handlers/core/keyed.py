"""Keyed messages: one message per key and chat, edited in place as it changes.

A reply with a `key` (a live poll tally) edits the message posted earlier
under that key in that chat. If none was posted, or the platform says it is
gone, a new one is posted and remembered (`SentMessage`), so the next
version edits that one. Each platform only gives its two primitives, `edit`
and `post`; the rule lives here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

from cohorte.scheduling.clock import Clock
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Platform
from cohorte.storage.people import remember_sent_message, sent_message

logger = logging.getLogger(__name__)

# Edits the message with this id; False when it cannot be edited any more (deleted, too
# old): the rule then posts a new one. Any other failure is raised to the sender.
Edit = Callable[[str], Awaitable[bool]]
# Posts the message; returns the id of the one later versions should edit (None: none).
Post = Callable[[], Awaitable[str | None]]


class KeyedLocks:
    """An asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold `key` (one holder at a time); the lock is dropped when nobody waits."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class KeyedMessages:
    """Where one platform's keyed messages live, and the rule to edit or post them."""

    def __init__(self, platform: Platform, sessions: SessionFactory, clock: Clock) -> None:
        self.platform = platform
        self.sessions = sessions
        self.clock = clock
        self._locks = KeyedLocks()
        self._generations: dict[tuple[str, str], int] = {}

    async def send(self, chat_id: str, key: str, *, post: Post, edit: Edit | None = None) -> bool:
        """Edit the message known under `key` in this chat, else post one and remember it.

        Versions of one keyed message go out one at a time, and a version still
        waiting when a newer one comes is skipped: only the newest is worth
        showing. Returns False when this version was skipped. Without `edit`
        (this version cannot be an edit, e.g. it carries a picture) it is posted
        and remembered.
        """
        slot = (chat_id, key)
        generation = self._generations[slot] = self._generations.get(slot, 0) + 1
        try:
            async with self._locks.hold(slot):
                if self._generations.get(slot) != generation:
                    logger.debug("keyed message %s in %s superseded", key, chat_id)
                    return False
                known = await self._known(chat_id, key) if edit is not None else None
                if known is not None and edit is not None:
                    if await edit(known):
                        return True
                    logger.info("keyed message %s in %s is gone; posting it anew", key, chat_id)
                posted = await post()
                if posted:
                    await self._remember(chat_id, key, posted)
                return True
        finally:
            if self._generations.get(slot) == generation:
                del self._generations[slot]

    async def _known(self, chat_id: str, key: str) -> str | None:
        async with self.sessions() as session:  # a read: no write turn
            record = await sent_message(session, self.platform, chat_id, key)
        return record.message_id if record is not None else None

    async def _remember(self, chat_id: str, key: str, message_id: str) -> None:
        async with transaction(self.sessions) as session:
            await remember_sent_message(
                session, self.platform, chat_id, key, message_id, self.clock.now()
            )
