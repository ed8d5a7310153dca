"""Sending within Telegram's limits: about one message a second per chat, 20 a minute
per group, 30 a second overall, and bounded retries of 429 answers.

`TelegramRateLimiter` is python-telegram-bot's rate limiter hook: every Bot API
call that names a chat waits for its slot here, then calls the outbox's `Gate`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from cohorte.scheduling.metrics import Metrics
from cohorte.scheduling.outbox import Gate

logger = logging.getLogger(__name__)

# A pause shorter than this (taking a lock nobody held) is no rate-limit wait for the metrics.
_MEASURABLE_WAIT = 0.001


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
        metrics: Metrics | None = None,
    ) -> None:
        self.limits = limits or SendLimits()
        self.metrics = metrics
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
                paced = await self._pace(key)
                if paced >= _MEASURABLE_WAIT and self.metrics is not None:
                    self.metrics.waited("telegram", "pace", paced)
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
                if self.metrics is not None:
                    self.metrics.waited("telegram", "retry_after", scaled)
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

    async def _pace(self, key: str) -> float:
        """Wait for the chat's slot and the account's; returns how long that took."""
        gate = self._gate(key)
        gate.users += 1
        asked = self._now()
        try:
            async with gate.lock:
                await self._wait(gate.delay)
                now = await self._pace_overall()
                for window in gate.windows:
                    window.record(now)
        finally:
            gate.users -= 1
        return now - asked

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
