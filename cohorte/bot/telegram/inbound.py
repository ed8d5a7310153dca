"""What Telegram sends, read into our terms: webhook bodies checked, updates as `Incoming`.

A webhook body is checked before python-telegram-bot parses it (`read_update`):
the handlers only ever see updates whose fields have the types Telegram
sends. Each update that is for us becomes one neutral `Incoming` — a
message, a button press, or the bot joining a group — with a stable id for
the inbound dedupe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberRestricted,
    Document,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from cohorte.handlers.core.errors import one_line
from cohorte.handlers.core.keyed import KeyedLocks
from cohorte.handlers.core.messages import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentMissing,
    ChatEvent,
    ChatKind,
    Incoming,
    attachment_problem,
)
from cohorte.storage.models import Platform

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update types the bot acts on (my_chat_member: the bot added to / removed from a group).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")

# When the update being handled arrived (time.monotonic()), set by `TelegramAdapter.process`.
UPDATE_ARRIVED: ContextVar[float | None] = ContextVar("telegram_update_arrived", default=None)


def webhook_secret(token: str) -> str:
    """The webhook's secret token, derived from the bot token.

    Every process behind the load balancer derives the same value, and it
    changes with the bot token. Allowed characters: hex digits.
    """
    return hmac.new(token.encode(), b"cohorte telegram webhook", hashlib.sha256).hexdigest()


# -- one person's updates in order, everybody else's in parallel ---------------------------


class PerSenderUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently, but one person's updates in one chat in order.

    A guided form's answers and quick double taps must be handled in the order
    they were sent; different people (even in the same busy group) need not
    wait for each other.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = None
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            key = (update.effective_chat.id, user.id if user else None)
        if key is None:
            await coroutine
            return
        async with self._locks.hold(key):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


# -- webhook bodies -------------------------------------------------------------------------


def read_update(raw: bytes, bot: Bot) -> Update | None:
    """The update in a webhook body, or None (after one log line) if it is not one."""
    try:
        # Python's json recurses per nesting level: '[' * 100_000 is a RecursionError.
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        logger.warning("unreadable Telegram webhook body: %s", one_line(error))
        return None
    problem = update_problem(data)
    if problem is not None:
        logger.warning("Telegram webhook body refused: %s", problem)
        return None
    try:
        return Update.de_json(data, bot)
    except Exception as error:
        # PTB's parsing fails in many ways on data it did not expect (TypeError for a
        # missing field, OverflowError for an absurd date, ...): the body is at fault.
        logger.warning("Telegram webhook body is not an update: %s", one_line(error))
        return None


# What our handlers read from each kind of update they act on, and its JSON type.
# PTB's parsing checks that required fields exist, not their types: a chat id "abc"
# would reach the handlers (and fail there, with a traceback).
_UPDATE_FIELDS: Mapping[str, Mapping[str, type]] = {
    "message": {"message_id": int, "chat.id": int, "chat.type": str},
    "callback_query": {"id": str, "from.id": int, "from.first_name": str},
    "my_chat_member": {
        "chat.id": int,
        "chat.type": str,
        "from.id": int,
        "date": int,
        "old_chat_member.status": str,
        "new_chat_member.status": str,
    },
}
# The same for fields that may be absent.
_OPTIONAL_FIELDS: Mapping[str, Mapping[str, type]] = {
    "message": {
        "from.id": int,
        "from.first_name": str,
        "from.last_name": str,
        "text": str,
        "caption": str,
        "document.file_id": str,
        "document.file_unique_id": str,
        "document.file_name": str,
        "document.file_size": int,
        "migrate_to_chat_id": int,
        "migrate_from_chat_id": int,
    },
    "callback_query": {
        "from.last_name": str,
        "data": str,
        "message.chat.id": int,
        "message.chat.type": str,
    },
}


def update_problem(data: object) -> str | None:
    """Why a JSON value is not an update the handlers can read, or None."""
    if not isinstance(data, dict):
        return f"an update is a JSON object, not {type(data).__name__}"
    if not _is_type(data.get("update_id"), int):
        return "no numeric update_id"
    for kind, fields in _UPDATE_FIELDS.items():
        if kind not in data:
            continue
        for path, kind_of in fields.items():
            if not _is_type(_field(data[kind], path), kind_of):
                return f"{kind}.{path} missing or not {kind_of.__name__}"
        for path, kind_of in _OPTIONAL_FIELDS.get(kind, {}).items():
            value = _field(data[kind], path)
            if value is not None and not _is_type(value, kind_of):
                return f"{kind}.{path} is not {kind_of.__name__}"
    return None


def _field(value: object, path: str) -> object:
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _is_type(value: object, kind_of: type) -> bool:
    if kind_of is int:  # JSON's true is no id; Telegram's ids fit in 64 bits
        return type(value) is int and -(2**63) <= value < 2**63
    return isinstance(value, kind_of)


# -- updates as Incoming ------------------------------------------------------------------


def chat_kind(chat: Chat) -> ChatKind | None:
    """Private chat or group (supergroups too); None for channels, which are not for us."""
    if chat.type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatKind.GROUP
    return None


def event_id(update: Update) -> str:
    """A stable id for deduplication: the update id plus what it carries.

    Telegram restarts update ids at random after a week without updates, so
    the update id alone could collide with one stored long ago.
    """
    if update.callback_query is not None:
        return f"u{update.update_id}:c{update.callback_query.id}"
    if update.message is not None:
        return f"u{update.update_id}:m{update.message.chat.id}:{update.message.message_id}"
    if update.my_chat_member is not None:
        change = update.my_chat_member
        return f"u{update.update_id}:j{change.chat.id}:{int(change.date.timestamp())}"
    return f"u{update.update_id}"


def addressed_elsewhere(text: str, username: str | None) -> bool:
    """'/ayuda@OtherBot' in a group is for another bot."""
    if not text.startswith("/") or not username:
        return False
    head = text.split(maxsplit=1)[0]
    _, at, target = head.partition("@")
    return bool(at) and target.lower() != username.lower()


def message_incoming(update: Update, bot_username: str | None) -> Incoming | None:
    """A command or a message from a person, or None if it is not for us."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    kind = chat_kind(message.chat)
    text = message.text or ""
    if kind is None:
        return None
    if kind is ChatKind.GROUP and addressed_elsewhere(text, bot_username):
        return None
    user = message.from_user
    return Incoming(
        platform=Platform.TELEGRAM,
        sender_id=str(user.id),
        sender_name=user.full_name,
        chat_id=str(message.chat.id),
        chat_kind=kind,
        text=text or message.caption or "",
        event_id=event_id(update),
        received=UPDATE_ARRIVED.get(),
    )


async def document_attachment(bot: Bot, document: Document) -> Attachment:
    """A file sent in a private chat, downloaded with `getFile` when our rule allows it
    (`attachment_problem`: size as Telegram reports it, a kind of file we read). Bots may
    download 20 MB; our own limit is far lower, and nothing bigger is fetched."""
    name = (document.file_name or "archivo")[:200]
    size = document.file_size
    problem = attachment_problem(name, size)
    if problem is not None or size is None:
        return Attachment(name, size, None, problem or AttachmentMissing.TOO_LARGE)
    try:
        file = await bot.get_file(document.file_id)
        if file.file_size is not None and file.file_size > MAX_ATTACHMENT_BYTES:
            return Attachment(name, file.file_size, None, AttachmentMissing.TOO_LARGE)
        data = bytes(await file.download_as_bytearray())
    except (TelegramError, OSError, ValueError) as error:
        logger.warning("could not download a Telegram document: %s", one_line(error))
        return Attachment(name, size, None, AttachmentMissing.UNAVAILABLE)
    return Attachment(name, size, data)


def button_incoming(update: Update, query: CallbackQuery) -> Incoming | None:
    """A press of one of our buttons, or None (a game, an inline-mode message)."""
    if query.data is None or query.message is None:
        return None
    kind = chat_kind(query.message.chat)
    if kind is None:
        return None
    return Incoming(
        platform=Platform.TELEGRAM,
        sender_id=str(query.from_user.id),
        sender_name=query.from_user.full_name,
        chat_id=str(query.message.chat.id),
        chat_kind=kind,
        payload=query.data,
        event_id=event_id(update),
        received=UPDATE_ARRIVED.get(),
    )


def joined_incoming(update: Update) -> Incoming | None:
    """The bot added to a group (by `sender_id`), or None for any other membership change
    (removed, promoted, a channel)."""
    change = update.my_chat_member
    if change is None or chat_kind(change.chat) is not ChatKind.GROUP:
        return None
    if not _present(change.new_chat_member) or _present(change.old_chat_member):
        if not _present(change.new_chat_member):
            logger.info("bot removed from Telegram group %s", change.chat.id)
        return None
    return Incoming(
        platform=Platform.TELEGRAM,
        sender_id=str(change.from_user.id),
        sender_name=change.from_user.full_name,
        chat_id=str(change.chat.id),
        chat_kind=ChatKind.GROUP,
        chat_event=ChatEvent.BOT_JOINED,
        event_id=event_id(update),
        received=UPDATE_ARRIVED.get(),
    )


def _present(member: ChatMember) -> bool:
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
