"""Replies out to the Bot API: `TelegramMessenger` posts, edits keyed messages, uploads,
and turns every Bot API failure into a `SendOutcome` the outbox can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from cohorte.bot.telegram.render import Part, keyboard, parts_of
from cohorte.handlers.core.keyed import KeyedMessages
from cohorte.handlers.core.messages import Direct, File, Group, Image, Reply
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.outbox import Gate, SendOutcome, open_gate
from cohorte.storage.cohorts import move_chat
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Platform
from cohorte.storage.people import mark_dm_closed, person_by_identity

logger = logging.getLogger(__name__)


class PartlyDeliveredError(Exception):
    """A reply in several messages failed after some of them went out."""

    def __init__(self, error: TelegramError) -> None:
        super().__init__(str(error))
        self.error = error


def outcome_of(error: TelegramError) -> SendOutcome:
    """What a Bot API failure means for one outgoing message."""
    if isinstance(error, RetryAfter | ChatMigrated):
        return SendOutcome.RETRY
    if isinstance(error, Forbidden):
        return SendOutcome.UNREACHABLE  # blocked, never started, removed from the group
    if isinstance(error, BadRequest):
        # Must come before NetworkError (its base class). Chat not found, or a request
        # Telegram refuses as such: sending it again cannot help.
        return SendOutcome.UNREACHABLE
    if isinstance(error, TimedOut):
        cause = error.__cause__
        if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout):
            return SendOutcome.RETRY  # the request never left
        return SendOutcome.AMBIGUOUS  # it left; Telegram may have delivered it
    if isinstance(error, NetworkError):
        cause = error.__cause__
        if cause is None or isinstance(cause, httpx.ConnectError):
            return SendOutcome.RETRY  # an error answer (5xx), or the connection was refused
        return SendOutcome.AMBIGUOUS  # the connection broke while the request was out
    if isinstance(error, InvalidToken | Conflict):
        return SendOutcome.RETRY  # refused before sending: keep the message for later
    # Anything else (an answer that could not be read, ...) may follow a delivery.
    return SendOutcome.AMBIGUOUS


def _chat_is_gone(error: TelegramError) -> bool:
    return isinstance(error, BadRequest) and "not found" in error.message.lower()


class TelegramMessenger:
    """Sends replies on Telegram: what the core answers, and what nobody asked for."""

    platform = Platform.TELEGRAM

    def __init__(self, bot: ExtBot[Any], sessions: SessionFactory, clock: Clock) -> None:
        self.bot = bot
        self.sessions = sessions
        self.keyed = KeyedMessages(Platform.TELEGRAM, sessions, clock)

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        """Deliver `reply` to its `Direct` or `Group` destination on Telegram."""
        match reply.to:
            case Direct(platform=Platform.TELEGRAM, user_id=target):
                pass
            case Group(platform=Platform.TELEGRAM, chat_id=target):
                pass
            case _:
                raise ValueError(f"not a Telegram destination: {reply.to!r}")
        try:
            chat_id = int(target)
        except ValueError:
            logger.warning("not a Telegram chat id: %r", target)
            return SendOutcome.UNREACHABLE
        for _attempt in range(2):
            try:
                await self.deliver(chat_id, reply, gate=gate)
                return SendOutcome.SENT
            except ChatMigrated as error:
                await self.follow_migration(chat_id, error.new_chat_id)
                chat_id = error.new_chat_id
            except PartlyDeliveredError as partly:
                outcome = outcome_of(partly.error)
                logger.warning("message to %s partly delivered: %s", chat_id, partly.error)
                # What went out would be sent twice by a retry.
                return outcome if outcome is SendOutcome.UNREACHABLE else SendOutcome.AMBIGUOUS
            except TelegramError as error:
                outcome = outcome_of(error)
                if isinstance(error, BadRequest) and not _chat_is_gone(error):
                    # Telegram refused the request itself: our rendering is at fault.
                    logger.error("message to %s refused: %s", chat_id, error)
                else:
                    logger.info("message to %s not delivered (%s): %s", chat_id, outcome, error)
                if isinstance(reply.to, Direct) and (
                    isinstance(error, Forbidden) or _chat_is_gone(error)
                ):
                    await self.forget_dm(str(chat_id))
                return outcome
        return SendOutcome.RETRY

    async def follow_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its cohort link moves to the new id."""
        async with transaction(self.sessions) as session:
            link = await move_chat(
                session, Platform.TELEGRAM, str(old_chat_id), str(new_chat_id)
            )
        logger.info(
            "Telegram group %s migrated to %s (%s)",
            old_chat_id,
            new_chat_id,
            "link moved" if link else "not linked",
        )

    async def forget_dm(self, user_id: str) -> None:
        """The person blocked the bot: reminders go to their group from now on."""
        async with transaction(self.sessions) as session:
            await mark_dm_closed(session, Platform.TELEGRAM, user_id)

    async def deliver(
        self,
        chat_id: int,
        reply: Reply,
        *,
        names: Mapping[str, str] | None = None,
        gate: Gate | None = None,
    ) -> None:
        """Post `reply` in one chat: text (split at 4096), buttons, photo, document.

        A keyed reply edits the message posted earlier under the same key
        (`KeyedMessages`); one with a picture or a file is posted anew. Raises
        `TelegramError` if the first message fails, `PartlyDeliveredError` if a
        later one does.
        """
        if reply.key is None:
            await self._post(chat_id, reply, names, gate)
            return

        async def post() -> str | None:
            message = await self._post(chat_id, reply, names, gate)
            return str(message.message_id) if message is not None else None

        async def edit(message_id: str) -> bool:
            return await self._edit(chat_id, int(message_id), reply, names, gate)

        editable = reply.image is None and reply.file is None
        await self.keyed.send(str(chat_id), reply.key, post=post, edit=edit if editable else None)

    async def _people(
        self, user_ids: tuple[str, ...], names: Mapping[str, str] | None
    ) -> list[tuple[str, str]]:
        people = []
        for user_id in user_ids:
            if not user_id.isdigit():
                continue
            name = (names or {}).get(user_id)
            if name is None:
                async with self.sessions() as session:  # a read: no write turn
                    person = await person_by_identity(session, Platform.TELEGRAM, user_id)
                name = person.display_name if person else user_id
            people.append((user_id, name))
        return people

    async def _post(
        self, chat_id: int, reply: Reply, names: Mapping[str, str] | None, gate: Gate | None
    ) -> Message | None:
        """Post every part of the reply; the last one (with the buttons) is returned."""
        people = await self._people(reply.mentions, names)
        parts = parts_of(reply, people)
        if not parts:
            logger.warning("empty reply to %s not sent", chat_id)
            return None
        markup = keyboard(reply.buttons)
        message: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                message = await self._post_part(chat_id, part, markup if last else None, gate)
            except TelegramError as error:
                if index == 0:
                    raise
                raise PartlyDeliveredError(error) from error
        logger.info("telegram message to %s (%d parts)", chat_id, len(parts))
        return message

    async def _post_part(
        self, chat_id: int, part: Part, markup: InlineKeyboardMarkup | None, gate: Gate | None
    ) -> Message:
        caption = part.html or None
        match part.attachment:
            case Image() as image:
                return await self.bot.send_photo(
                    chat_id,
                    InputFile(image.data, filename=image.filename),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=gate,
                )
            case File() as document:
                return await self.bot.send_document(
                    chat_id,
                    InputFile(document.data, filename=document.filename),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=gate,
                )
        return await self.bot.send_message(
            chat_id, part.html, parse_mode=ParseMode.HTML, reply_markup=markup, rate_limit_args=gate
        )

    async def _edit(
        self,
        chat_id: int,
        message_id: int,
        reply: Reply,
        names: Mapping[str, str] | None,
        gate: Gate | None,
    ) -> bool:
        """Edit the keyed message in place; False if it cannot be edited (gone, too old)."""
        people = await self._people(reply.mentions, names)
        text_parts = [p for p in parts_of(reply, people) if p.attachment is None]
        if not text_parts:
            return False
        try:
            await self.bot.edit_message_text(
                text_parts[0].html,  # an edited message cannot grow into two
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply.buttons),
                rate_limit_args=gate,
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return True
            logger.debug("message %s in %s not editable: %s", message_id, chat_id, error)
            return False
        logger.info("telegram message %s edited in %s", message_id, chat_id)
        return True
