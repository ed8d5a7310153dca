"""The Telegram adapter: python-telegram-bot in, neutral messages through the core, Bot API out.

Updates arrive by long polling (development) or through our own aiohttp route
`POST /telegram/webhook` (production, when `COHORTE_PUBLIC_URL` is set). Each
one becomes an `Incoming` for `Core.handle`; the replies are rendered as HTML
messages with inline keyboards, photos and documents. The `Application` runs
with the manual lifecycle so that it shares the process's one asyncio loop
with Slack, the scheduler and the HTTP server.

Sending goes through `TelegramRateLimiter` (Telegram's published limits plus
bounded retries of 429 answers), and `TelegramMessenger` turns every Bot API
failure into a `SendOutcome` the delivery outbox can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
import time
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import httpx
from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import CallbackQueryLimit, MessageLimit, ParseMode
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
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer, read_body
from cohorte.handlers.core.errors import one_line
from cohorte.handlers.core.messages import (
    Button,
    ChatKind,
    Direct,
    File,
    Gate,
    Group,
    Here,
    Image,
    Incoming,
    Reply,
    SendOutcome,
    open_gate,
)
from cohorte.handlers.core.router import Core, Router
from cohorte.locales import N_, Translator
from cohorte.scheduling.clock import Clock
from cohorte.storage import queries
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Platform

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update types the bot acts on (my_chat_member: the bot added to / removed from a group).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION = MessageLimit.CAPTION_LENGTH
MAX_TOAST = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
# Telegram command names: lower-case Latin letters, digits and underscores.
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")

GROUP_GREETING = N_(
    "Hello! I am Cohorte, the sprint assistant. To receive the cohort's reminders and "
    "announcements in this group, someone from the coordination team should write here "
    "/vincular followed by the invite code, for example: /vincular SPRINT25"
)
GROUP_GREETING_LINKED = N_(
    "Hello again! This group is already the chat of {cohort}: reminders and announcements "
    "will arrive here."
)


# -- text: neutral `*bold*` text -> Telegram HTML ------------------------------------------

_BOLD = re.compile(r"\*(?=\S)([^*\n]*?\S)\*")
_TAG = re.compile(r"(<[^>]*>)")


def utf16_len(text: str) -> int:
    """Telegram counts message lengths in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    """Telegram HTML for neutral text: everything escaped, `*bold*` as <b>bold</b>."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def plain_text(text: str) -> str:
    """Neutral text without its markup (callback answers show no formatting)."""
    return _BOLD.sub(r"\1", text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut neutral text into messages of at most `limit` characters.

    Cuts fall between lines where possible, else at a space, never inside a
    `*bold*` span that starts later in the line. Blank pieces are dropped.
    """
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            width = utf16_len(piece)
            if lines and size + 1 + width > limit:
                chunks.append("\n".join(lines))
                lines, size = [], 0
            size += width + (1 if lines else 0)
            lines.append(piece)
    if lines:
        chunks.append("\n".join(lines))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _split_line(line: str, limit: int) -> list[str]:
    pieces = []
    while utf16_len(line) > limit:
        cut = _fitting_prefix(line, limit)
        space = line.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        for match in _BOLD.finditer(line):
            if 0 < match.start() < cut < match.end():
                cut = match.start()
                break
        pieces.append(line[:cut].rstrip(" "))
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def mention_link(user_id: str, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{html.escape(name, quote=False)}</a>'


def link_mentions(html_text: str, people: list[tuple[str, str]]) -> str:
    """Turn each person's name in the text into a mention; append those not named."""
    parts = _TAG.split(html_text)
    missing = []
    for user_id, name in people:
        escaped = html.escape(name, quote=False)
        in_link = False
        for index, part in enumerate(parts):
            if _TAG.fullmatch(part):
                in_link = part.startswith("<a ") or (in_link and part != "</a>")
            elif not in_link and escaped and escaped in part:
                before, _, after = part.partition(escaped)
                parts[index : index + 1] = [before, mention_link(user_id, name), after]
                break
        else:
            missing.append(mention_link(user_id, name))
    text = "".join(parts)
    if missing:
        text = f"{text}\n{', '.join(missing)}" if text else ", ".join(missing)
    return text


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Neutral buttons as an inline keyboard; the payload travels as callback data."""
    markup = [
        [InlineKeyboardButton(button.label, callback_data=button.payload) for button in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(markup) if markup else None


# -- sending within Telegram's limits -------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """At most `limit` messages in any `seconds`-long window."""

    limit: int
    seconds: float


@dataclass(frozen=True)
class SendLimits:
    """Telegram's published limits and how hard to retry a 429.

    `time_scale` multiplies every period and every wait: 1.0 in production,
    smaller in tests so that a minute of Telegram time passes in a moment.
    """

    # "Avoid sending more than one message per second" in a chat.
    per_chat: Window = Window(1, 1.0)
    per_group: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)
    # A 429 is waited out and retried this often, for at most this long in total;
    # beyond that the error reaches the caller (the outbox retries later).
    max_retries: int = 3
    max_retry_wait: float = 60.0
    time_scale: float = 1.0
    # Real seconds added to every window: a message released at t reaches Telegram a
    # variable few milliseconds later, so one released early in its window must not
    # overtake the one that opened it. Not scaled.
    latency_margin: float = 0.05

    @property
    def overall_spacing(self) -> float:
        """Seconds between two messages overall: the overall window spread evenly, since
        a burst of 30 in one instant arrives bunched (and has 30 messages leaving at
        once if the process dies)."""
        return (self.overall.seconds * self.time_scale + self.latency_margin) / self.overall.limit


class _SlidingWindow:
    def __init__(self, window: Window, limits: SendLimits) -> None:
        self.limit = window.limit
        self.period = window.seconds * limits.time_scale + limits.latency_margin
        self.stamps: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds until one more message fits (0 if it fits now)."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.period - now

    def record(self, now: float) -> None:
        self.stamps.append(now)

    def idle(self, now: float) -> bool:
        return not self.stamps or self.stamps[-1] <= now - self.period


@dataclass
class _ChatGate:
    windows: list[_SlidingWindow]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    blocked_until: float = 0.0
    users: int = 0

    def delay(self, now: float) -> float:
        return max([self.blocked_until - now, *(w.delay(now) for w in self.windows)])

    def idle(self, now: float) -> bool:
        return (
            self.users == 0 and self.blocked_until <= now and all(w.idle(now) for w in self.windows)
        )


def _is_group_chat(chat_id: object) -> bool:
    """Group and supergroup ids are negative; user (private chat) ids are positive."""
    try:
        return int(str(chat_id)) < 0
    except ValueError:
        return True  # '@channelname'


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait, in (Telegram) seconds."""
    with warnings.catch_warnings():
        # PTB 22 warns that `retry_after` becomes a timedelta; accept both.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramRateLimiter(BaseRateLimiter[Gate]):
    """Paces every Bot API call that names a chat, and waits out 429 answers.

    Why not PTB's `AIORateLimiter`: it needs the `aiolimiter` extra, retries
    nothing by default, pauses *every* chat on one 429, and paces private
    chats only globally. Here each chat has its own window (plus the group
    window for groups) and its own pause after a 429; the overall window is
    taken in arrival order under one lock, so a fan-out of hundreds of
    messages queues instead of stampeding. Requests without a chat
    (answerCallbackQuery, setMyCommands, ...) are never delayed.

    `rate_limit_args` is the outbox's `Gate`: it is called once the request
    has its slot, right before it leaves.
    """

    def __init__(
        self,
        limits: SendLimits | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or SendLimits()
        self._now = now
        self._sleep = sleep
        self._overall = _SlidingWindow(self.limits.overall, self.limits)
        self._overall_lock = asyncio.Lock()
        self._next_slot = 0.0  # the earliest moment of the next message (overall spacing)
        self._gates: dict[str, _ChatGate] = {}
        self.retried = 0  # 429 answers waited out (for logs and tests)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        self._gates.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Gate | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        key = str(chat) if chat is not None else None
        waited = 0.0
        attempt = 0
        while True:
            if key is not None:
                await self._pace(key)
            if rate_limit_args is not None:
                asked = self._now()
                await rate_limit_args()
                if key is not None and self._now() - asked > self.limits.overall_spacing:
                    # The gate waited (a busy database): the messages that waited with
                    # it would leave together. Take a fresh overall slot.
                    await self._pace_overall()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                attempt += 1
                if attempt > self.limits.max_retries or waited + wait > self.limits.max_retry_wait:
                    logger.warning(
                        "%s to %s: giving up after %d 429 answers", endpoint, key, attempt
                    )
                    raise
                waited += wait
                self.retried += 1
                logger.info("%s to %s: 429, retrying in %.0f s", endpoint, key, wait)
                scaled = wait * self.limits.time_scale
                if key is not None:
                    gate = self._gate(key)
                    gate.blocked_until = max(gate.blocked_until, self._now() + scaled)
                else:
                    await self._sleep(scaled)

    def _gate(self, key: str) -> _ChatGate:
        gate = self._gates.get(key)
        if gate is None:
            if len(self._gates) > 1000:
                now = self._now()
                for stale in [k for k, g in self._gates.items() if g.idle(now)]:
                    del self._gates[stale]
            windows = [_SlidingWindow(self.limits.per_chat, self.limits)]
            if _is_group_chat(key):
                windows.append(_SlidingWindow(self.limits.per_group, self.limits))
            gate = self._gates[key] = _ChatGate(windows)
        return gate

    async def _pace(self, key: str) -> None:
        gate = self._gate(key)
        gate.users += 1
        try:
            async with gate.lock:
                await self._wait(gate.delay)
                now = await self._pace_overall()
                for window in gate.windows:
                    window.record(now)
        finally:
            gate.users -= 1

    async def _pace_overall(self) -> float:
        """Wait for a slot of the overall window (evenly spaced); returns its moment."""
        async with self._overall_lock:
            await self._wait(self._overall.delay)
            await self._wait(lambda now: self._next_slot - now)
            now = self._now()
            self._next_slot = now + self.limits.overall_spacing
            self._overall.record(now)
            return now

    async def _wait(self, delay: Callable[[float], float]) -> None:
        while (seconds := delay(self._now())) > 0:
            await self._sleep(seconds)


# -- one person's updates in order, everybody else's in parallel ---------------------------


class KeyedLocks:
    """An asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
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


# When the update being handled arrived (time.monotonic()), set by `TelegramAdapter.process`.
UPDATE_ARRIVED: ContextVar[float | None] = ContextVar("telegram_update_arrived", default=None)


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


# -- outgoing messages ------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Part:
    """One Bot API message of a reply: text, or a photo/document with its caption."""

    html: str
    attachment: Image | File | None = None


class TelegramMessenger:
    """Sends replies on Telegram: what the core answers, and what nobody asked for."""

    platform = Platform.TELEGRAM

    def __init__(self, bot: ExtBot[Any], sessions: SessionFactory, clock: Clock) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self._keyed = KeyedLocks()
        self._generations: dict[tuple[int, str], int] = {}

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
            link = await queries.move_chat(
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
            await queries.mark_dm_closed(session, Platform.TELEGRAM, user_id)

    async def deliver(
        self,
        chat_id: int,
        reply: Reply,
        *,
        names: Mapping[str, str] | None = None,
        gate: Gate | None = None,
    ) -> None:
        """Post `reply` in one chat: text (split at 4096), buttons, photo, document.

        A keyed reply edits the message posted earlier under the same key, if
        any; a newer version of it that is already waiting makes this one moot.
        Raises `TelegramError` if the first message fails, `PartlyDeliveredError`
        if a later one does.
        """
        if reply.key is None or reply.image is not None or reply.file is not None:
            await self._post(chat_id, reply, names, gate)
            return
        slot = (chat_id, reply.key)
        generation = self._generations[slot] = self._generations.get(slot, 0) + 1
        async with self._keyed.hold(slot):
            if self._generations.get(slot) != generation:
                logger.debug("keyed message %s in %s superseded", reply.key, chat_id)
                return
            try:
                if not await self._edit(chat_id, reply, names, gate):
                    await self._post(chat_id, reply, names, gate)
            finally:
                if self._generations.get(slot) == generation:
                    del self._generations[slot]

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
                    person = await queries.person_by_identity(session, Platform.TELEGRAM, user_id)
                name = person.display_name if person else user_id
            people.append((user_id, name))
        return people

    def _parts(self, reply: Reply, people: list[tuple[str, str]]) -> list[_Part]:
        attachments = [a for a in (reply.image, reply.file) if a is not None]
        captions = [a.caption for a in attachments]
        text = reply.text
        # A text that repeats, or stands in for, the first attachment's caption travels
        # as that caption: one message with the picture, not the same words twice.
        if (
            attachments
            and not people
            and captions[0] in ("", text)
            and utf16_len(text) <= MAX_CAPTION
        ):
            captions[0], text = text, ""
        # Room for the names that may be appended as mentions.
        reserve = sum(utf16_len(name) + 2 for _, name in people)
        parts = [_Part(to_html(chunk)) for chunk in split_text(text, MAX_TEXT - reserve)]
        if people:
            if parts:
                parts[-1] = _Part(link_mentions(parts[-1].html, people))
            else:
                parts.append(_Part(link_mentions("", people)))
        for attachment, caption in zip(attachments, captions, strict=True):
            if utf16_len(caption) > MAX_CAPTION:
                parts += [_Part(to_html(chunk)) for chunk in split_text(caption)]
                caption = ""
            parts.append(_Part(to_html(caption), attachment))
        return parts

    async def _post(
        self, chat_id: int, reply: Reply, names: Mapping[str, str] | None, gate: Gate | None
    ) -> None:
        people = await self._people(reply.mentions, names)
        parts = self._parts(reply, people)
        if not parts:
            logger.warning("empty reply to %s not sent", chat_id)
            return
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
        if reply.key is not None and message is not None:
            async with transaction(self.sessions) as session:
                await queries.remember_sent_message(
                    session,
                    Platform.TELEGRAM,
                    str(chat_id),
                    reply.key,
                    str(message.message_id),
                    self.clock.now(),
                )

    async def _post_part(
        self, chat_id: int, part: _Part, markup: InlineKeyboardMarkup | None, gate: Gate | None
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
        self, chat_id: int, reply: Reply, names: Mapping[str, str] | None, gate: Gate | None
    ) -> bool:
        """Edit the keyed message in place; False if there is none (or it cannot be edited)."""
        assert reply.key is not None
        async with self.sessions() as session:  # a read: no write turn
            record = await queries.sent_message(session, Platform.TELEGRAM, str(chat_id), reply.key)
        if record is None:
            return False
        people = await self._people(reply.mentions, names)
        text_parts = [p for p in self._parts(reply, people) if p.attachment is None]
        if not text_parts:
            return False
        try:
            await self.bot.edit_message_text(
                text_parts[0].html,  # an edited message cannot grow into two
                chat_id=chat_id,
                message_id=int(record.message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply.buttons),
                rate_limit_args=gate,
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return True
            logger.info(
                "keyed message %s in %s not editable (%s): posting anew", reply.key, chat_id, error
            )
            return False
        logger.info("telegram message %s edited in %s", record.message_id, chat_id)
        return True


# -- incoming updates -------------------------------------------------------------------


def chat_kind(chat: Chat) -> ChatKind | None:
    if chat.type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatKind.GROUP
    return None  # channels are not for us


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


def _present(member: ChatMember) -> bool:
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def webhook_secret(token: str) -> str:
    """The webhook's secret token, derived from the bot token.

    Every process behind the load balancer derives the same value, and it
    changes with the bot token. Allowed characters: hex digits.
    """
    return hmac.new(token.encode(), b"cohorte telegram webhook", hashlib.sha256).hexdigest()


def menu(router: Router, language: str, *, coordinators: bool) -> list[BotCommand]:
    """The command menu in one language, from the router's commands.

    Spanish shows the first (Spanish) name, English the last name (the English
    alias, when there is one). Hidden commands, commands without a summary and
    names Telegram does not accept (accents, capitals) are left out; so are
    coordinators' commands unless asked for.
    """
    t = Translator(language)
    commands = []
    for command in router.commands:
        if command.hidden or not command.summary:
            continue
        if command.coordinator_only and not coordinators:
            continue
        # The English alias is the last name: ("entregable", "entregables", "deliverable").
        name = command.names[-1] if language == "en" else command.names[0]
        if not _COMMAND_NAME.fullmatch(name):
            continue
        description = plain_text(t._(command.summary))[:256]
        commands.append(BotCommand(name, description))
    return commands


class TelegramAdapter:
    """Telegram for the core: updates in, replies out, one shared asyncio loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        http: HttpServer | None = None,
        *,
        limits: SendLimits | None = None,
        poll_timeout: float = 30.0,
        read_timeout: float | None = None,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
        api = settings.telegram_api_url.rstrip("/")
        self.core = core
        self.poll_timeout = poll_timeout
        self.rate_limiter = TelegramRateLimiter(limits)
        self.webhook_url = (
            f"{settings.public_url.rstrip('/')}{WEBHOOK_PATH}" if settings.public_url else None
        )
        self._secret = webhook_secret(token)
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api}/bot")  # PTB appends the token
            .base_file_url(f"{api}/file/bot")
            .rate_limiter(self.rate_limiter)
            .concurrent_updates(PerSenderUpdateProcessor())
            .job_queue(None)  # our scheduler keeps its plan in the database
        )
        if read_timeout is not None:
            builder = builder.read_timeout(read_timeout)
        if self.webhook_url is not None:
            builder = builder.updater(None)
        self.application = builder.build()
        self.messenger = TelegramMessenger(self.application.bot, core.sessions, core.clock)
        if self.webhook_url is not None:
            if http is None:
                raise ValueError("webhook mode needs the HTTP server")
            http.app.router.add_post(WEBHOOK_PATH, self.handle_webhook)
        self._register()

    def _register(self) -> None:
        application = self.application
        new = filters.UpdateType.MESSAGE
        application.add_handler(
            MessageHandler(new & filters.StatusUpdate.MIGRATE, self._on_migration)
        )
        talk = filters.TEXT | (filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL)
        application.add_handler(MessageHandler(new & talk, self._on_message))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(
            ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_error_handler(self._on_error)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (getMe), publish the command menu, then poll or set the webhook."""
        application = self.application
        await application.initialize()
        await self.publish_commands()
        await application.start()
        if self.webhook_url is not None:
            await application.bot.set_webhook(
                self.webhook_url, allowed_updates=ALLOWED_UPDATES, secret_token=self._secret
            )
            logger.info("Telegram webhook set to %s", self.webhook_url)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=int(self.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram long polling started as @%s", application.bot.username)

    async def stop(self) -> None:
        """Stop polling, finish the updates in progress, close the HTTP client.

        The webhook stays registered: other processes may still be serving it.
        """
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    async def publish_commands(self) -> None:
        """The command menu, in Spanish (default) and English, for private chats and groups."""
        scopes: list[tuple[BotCommandScope, bool]] = [
            (BotCommandScopeAllPrivateChats(), True),
            (BotCommandScopeAllGroupChats(), False),
            (BotCommandScopeAllChatAdministrators(), True),
        ]
        router = self.core.router
        try:
            for scope, coordinators in scopes:
                for language, code in (("es", None), ("en", "en")):
                    commands = menu(router, language, coordinators=coordinators)
                    await self.application.bot.set_my_commands(
                        commands, scope=scope, language_code=code
                    )
        except TelegramError as error:  # the bot works without a menu
            logger.warning("could not publish the Telegram command menu: %s", error)

    # -- webhook --------------------------------------------------------------------------

    # Telegram's updates are a few kilobytes; a body near this size is not one of them.
    max_update_bytes = 1024**2

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST /telegram/webhook: one update from Telegram, answered once it is handled.

        What the caller gets; every refusal logs one line, never a traceback:

        - 403 without the right secret token (only Telegram knows it);
        - 503 while the application is not running (Telegram delivers it again);
        - 413 for a body over `max_update_bytes`, refused before it is read whole;
        - 400 for a body that is not an update: not UTF-8, not JSON (or nested
          absurdly deep), not an object, no numeric `update_id`, or a message,
          button press or membership change whose chat, sender, ids or text
          are missing or of the wrong type (Telegram never sends those, so
          nothing is lost by refusing them, and our handlers never see them);
        - 200 otherwise, also for kinds of update the bot does not act on.
        """
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self._secret.encode()):
            logger.warning("Telegram webhook call without the right secret token refused")
            return web.Response(status=403)
        if not self.application.running:
            return web.Response(status=503)  # Telegram will deliver it again
        raw = await read_body(request, self.max_update_bytes, "Telegram webhook")
        update = self._read_update(raw)
        if update is None:
            return web.Response(status=400)
        # Answer only once the update is handled: if this process dies first,
        # Telegram delivers it again (and the inbound dedupe keeps that harmless).
        await self.process(update)
        return web.Response(text="ok")

    async def process(self, update: Update) -> None:
        """Handle one update that just arrived, as the webhook does: through the update
        processor (at most 64 at once), with its arrival time known to the handlers, so
        that one that waited long for a free slot is refused sooner rather than later."""
        token = UPDATE_ARRIVED.set(time.monotonic())
        try:
            application = self.application
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        finally:
            UPDATE_ARRIVED.reset(token)

    def _read_update(self, raw: bytes) -> Update | None:
        """The update in a webhook body, or None (after one log line) if it is not one."""
        try:
            # Python's json recurses per nesting level: '[' * 100_000 is a RecursionError.
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            logger.warning("unreadable Telegram webhook body: %s", one_line(error))
            return None
        problem = self._update_problem(data)
        if problem is not None:
            logger.warning("Telegram webhook body refused: %s", problem)
            return None
        try:
            return Update.de_json(data, self.application.bot)
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

    @classmethod
    def _update_problem(cls, data: object) -> str | None:
        """Why a JSON value is not an update the handlers can read, or None."""
        if not isinstance(data, dict):
            return f"an update is a JSON object, not {type(data).__name__}"
        if not cls._is_type(data.get("update_id"), int):
            return "no numeric update_id"
        for kind, fields in cls._UPDATE_FIELDS.items():
            if kind not in data:
                continue
            for path, kind_of in fields.items():
                if not cls._is_type(cls._field(data[kind], path), kind_of):
                    return f"{kind}.{path} missing or not {kind_of.__name__}"
            for path, kind_of in cls._OPTIONAL_FIELDS.get(kind, {}).items():
                value = cls._field(data[kind], path)
                if value is not None and not cls._is_type(value, kind_of):
                    return f"{kind}.{path} is not {kind_of.__name__}"
        return None

    @staticmethod
    def _field(value: object, path: str) -> object:
        for name in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value

    @staticmethod
    def _is_type(value: object, kind_of: type) -> bool:
        if kind_of is int:  # JSON's true is no id; Telegram's ids fit in 64 bits
            return type(value) is int and -(2**63) <= value < 2**63
        return isinstance(value, kind_of)

    # -- updates --------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command or a message: the core's answer appears in the same chat."""
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        kind = chat_kind(message.chat)
        text = message.text or ""
        if kind is None:
            return
        if kind is ChatKind.GROUP and addressed_elsewhere(text, self.application.bot.username):
            return
        user = message.from_user
        incoming = Incoming(
            platform=Platform.TELEGRAM,
            sender_id=str(user.id),
            sender_name=user.full_name,
            chat_id=str(message.chat.id),
            chat_kind=kind,
            text=text,
            event_id=event_id(update),
            received=UPDATE_ARRIVED.get(),
        )
        await self._reply(incoming, await self.core.handle(incoming))

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: the spinner always stops; short private notes show as a toast."""
        query = update.callback_query
        assert query is not None
        toast: str | None = None
        replies: list[Reply] = []
        incoming = self._incoming_from_button(update, query)
        try:
            if incoming is not None:
                replies = await self.core.handle(incoming)
                toast, replies = _take_toast(incoming, replies)
        finally:
            await self._answer_button(query, toast)
        if incoming is not None:
            await self._reply(incoming, replies)

    def _incoming_from_button(self, update: Update, query: CallbackQuery) -> Incoming | None:
        if query.data is None or query.message is None:
            return None  # a game or an inline-mode message: not ours
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

    async def _answer_button(self, query: CallbackQuery, toast: str | None) -> None:
        try:
            await self.application.bot.answer_callback_query(query.id, text=toast)
        except TelegramError as error:  # e.g. "query is too old" after a long outage
            logger.info("could not answer callback query %s: %s", query.id, error)

    async def _on_membership(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to a group: the group is asked to link itself with /vincular."""
        change = update.my_chat_member
        assert change is not None
        chat = change.chat
        if chat_kind(chat) is not ChatKind.GROUP:
            return
        if not _present(change.new_chat_member) or _present(change.old_chat_member):
            if not _present(change.new_chat_member):
                logger.info("bot removed from Telegram group %s", chat.id)
            return
        async with transaction(self.core.sessions) as session:
            first = await queries.record_inbound(
                session, Platform.TELEGRAM, event_id(update), self.core.clock.now()
            )
            cohort = await queries.cohort_for_chat(session, Platform.TELEGRAM, str(chat.id))
            adder = await queries.person_by_identity(
                session, Platform.TELEGRAM, str(change.from_user.id)
            )
        if not first:
            return
        locale = (cohort.locale if cohort else None) or (adder.locale if adder else None)
        t = Translator(locale)
        if cohort is not None:
            text = t._(GROUP_GREETING_LINKED, cohort=cohort.name)
        else:
            text = t._(GROUP_GREETING)
        logger.info("bot added to Telegram group %s by %s", chat.id, change.from_user.id)
        try:
            await self.messenger.deliver(chat.id, Reply(text))
        except (TelegramError, PartlyDeliveredError) as error:
            logger.warning("could not greet Telegram group %s: %s", chat.id, error)

    async def _on_migration(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: nothing is shown; its cohort link follows it."""
        message = update.message
        assert message is not None
        if message.migrate_to_chat_id is not None:
            await self.messenger.follow_migration(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id is not None:
            await self.messenger.follow_migration(message.migrate_from_chat_id, message.chat.id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything that escaped a callback: logged with its traceback."""
        described = f"update {update.update_id}" if isinstance(update, Update) else "Telegram"
        logger.error("%s failed", described, exc_info=context.error)

    # -- replies --------------------------------------------------------------------------

    async def _reply(self, incoming: Incoming, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._reply_one(incoming, reply)
            except (TelegramError, PartlyDeliveredError) as error:
                logger.warning("reply to %s not delivered: %s", incoming.chat_id, error)

    async def _reply_one(self, incoming: Incoming, reply: Reply) -> None:
        match reply.to:
            case Here():
                pass
            case Direct(platform=Platform.TELEGRAM) | Group(platform=Platform.TELEGRAM):
                outcome = await self.messenger.send(reply)
                if outcome is not SendOutcome.SENT:
                    logger.info("reply to %s: %s", reply.to, outcome)
                return
            case _:
                logger.info("reply for another platform (%s) not sent from Telegram", reply.to)
                return
        chat_id = int(incoming.chat_id)
        if reply.ephemeral and incoming.chat_kind is ChatKind.GROUP:
            # Only the asker should see it: privately if they talk to the bot, else
            # in the group with their name linked so that they notice.
            if await self._dm_open(incoming.sender_id):
                try:
                    await self.messenger.deliver(int(incoming.sender_id), replace(reply, key=None))
                    return
                except Forbidden:
                    await self.messenger.forget_dm(incoming.sender_id)
            reply = replace(
                reply,
                text=f"{incoming.sender_name}: {reply.text}",
                key=None,
                mentions=(*reply.mentions, incoming.sender_id),
            )
        try:
            await self.messenger.deliver(
                chat_id, reply, names={incoming.sender_id: incoming.sender_name}
            )
        except Forbidden:
            if incoming.chat_kind is ChatKind.PRIVATE:
                await self.messenger.forget_dm(incoming.sender_id)
            raise

    async def _dm_open(self, user_id: str) -> bool:
        async with self.core.sessions() as session:  # a read: no write turn
            identity = await queries.identity_by_external_id(session, Platform.TELEGRAM, user_id)
        return identity is not None and identity.dm_open


def _take_toast(incoming: Incoming, replies: list[Reply]) -> tuple[str | None, list[Reply]]:
    """In a group, a short reply only the presser should see becomes the button's toast."""
    if incoming.chat_kind is not ChatKind.GROUP:
        return None, replies
    for index, reply in enumerate(replies):
        text = plain_text(reply.text)
        if (
            reply.ephemeral
            and isinstance(reply.to, Here)
            and not reply.buttons
            and reply.image is None
            and reply.file is None
            and 0 < utf16_len(text) <= MAX_TOAST
        ):
            return text, [*replies[:index], *replies[index + 1 :]]
    return None, replies
