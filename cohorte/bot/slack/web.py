"""The Slack Web API client as Cohorte uses it: base URL, retries, pacing, send outcomes.

Slack accepts no idempotency key, so a request is retried here only when it
certainly did not reach Slack (the connection was never established) or when
Slack said so (429 with `Retry-After`). Everything else is reported to the
caller, which decides: the outbox retries `RETRY` later and never resends
`AMBIGUOUS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from cohorte.scheduling.outbox import SendOutcome

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Told of every wait of the rate limiters: (reason, seconds), reason `pace` or `retry_after`.
OnWait = Callable[[str, float], None]

# Slack refuses these for good: the conversation or the person is gone or closed to us.
UNREACHABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "user_not_visible",
        "account_inactive",
        "cannot_dm_bot",
        "messages_tab_disabled",
    }
)
# Slack could not do it now; the same request may work later.
TEMPORARY_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# The bot's own credentials are wrong: nothing will work until an admin fixes them,
# but the message itself is fine, so it is kept for later.
CREDENTIAL_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})


@dataclass(frozen=True)
class SlackOptions:
    """Tunables of the Slack adapter; tests shrink the waits and inject the clock."""

    # Seconds a Web API call may take before it counts as lost (and AMBIGUOUS).
    timeout: float = 30.0
    # Slack's guidance for posting: about one message per second per channel.
    messages_per_second: float = 1.0
    burst: int = 3
    # conversations.open (a DM channel, once per person and process) is a Tier 3
    # method: "50+ per minute", bursts tolerated.
    tier3_per_minute: float = 50.0
    tier3_burst: int = 20
    # 429 answers are waited out up to this long per attempt, at most `rate_limit_retries` times.
    max_retry_wait: float = 30.0
    rate_limit_retries: int = 2
    # How long `start()` waits for the first Socket Mode connection before going on.
    connect_timeout: float = 30.0
    socket_ping_interval: float = 10.0
    sleep: Sleep = field(default=asyncio.sleep)
    monotonic: Callable[[], float] = field(default=time.monotonic)
    on_wait: OnWait | None = None  # the metrics of the waits (set by the adapter)


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, waiting exactly `Retry-After` (bounded) with an injectable sleep.

    A `Retry-After` longer than `max_wait` is not waited for: the call fails
    with the 429 and the caller reports RETRY, so a reminder is sent by a
    later tick instead of blocking this one.
    """

    def __init__(
        self, max_retry_count: int, max_wait: float, sleep: Sleep, on_wait: OnWait | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self._sleep = sleep
        self._on_wait = on_wait

    @staticmethod
    def retry_after(response: HttpResponse | None) -> float:
        if response is None:
            return 1.0
        for name, values in response.headers.items():
            if name.lower() == "retry-after" and values:
                try:
                    return max(0.0, float(values[0]))
                except ValueError:
                    break
        return 1.0

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            return False
        return self.retry_after(response) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = self.retry_after(response)
        logger.info("Slack rate limit on %s: retrying in %.1f s", request.url, wait)
        if self._on_wait is not None:
            self._on_wait("retry_after", wait)
        await self._sleep(wait)
        state.increment_current_attempt()


class UnsentRequestRetry(AsyncRetryHandler):
    """Retries a call only when the connection was never established.

    slack-sdk's default handler also retries resets and disconnections that
    can happen after Slack received the request, which can post a message
    twice; those are left to the caller (AMBIGUOUS).
    """

    def __init__(self, sleep: Sleep, wait: float = 0.5) -> None:
        super().__init__(max_retry_count=1)
        self._sleep = sleep
        self._wait = wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return never_sent(error)

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self._sleep(self._wait)
        state.increment_current_attempt()


def never_sent(error: BaseException | None) -> bool:
    """True for failures that happen before any byte of the request reached Slack."""
    return isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def retry_handlers(options: SlackOptions) -> list[AsyncRetryHandler]:
    return [
        RateLimitRetry(
            options.rate_limit_retries, options.max_retry_wait, options.sleep, options.on_wait
        ),
        UnsentRequestRetry(options.sleep),
    ]


def web_client(token: str, base_url: str, options: SlackOptions) -> AsyncWebClient:
    """The Web API client; `base_url` must end with '/' or slack-sdk drops its path."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        # slack-sdk declares int seconds; aiohttp takes any number.
        timeout=cast(int, options.timeout),
        retry_handlers=retry_handlers(options),
    )


def webhook_client(
    url: str, options: SlackOptions, session: aiohttp.ClientSession | None = None
) -> AsyncWebhookClient:
    """A client for one `response_url`, with the same retry rules as the Web API (and the
    Web API client's connections, when it has a session)."""
    return AsyncWebhookClient(
        url=url,
        timeout=cast(int, options.timeout),
        retry_handlers=retry_handlers(options),
        session=session,
    )


def slack_error_code(error: SlackApiError) -> str | None:
    data = error.response.data
    if isinstance(data, dict):
        code = data.get("error")
        return str(code) if code else None
    return None


def outcome_of(error: BaseException) -> SendOutcome:
    """What a failed send means for the outbox (see `SendOutcome`)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = slack_error_code(error)
        if status == 429 or status >= 500 or code in TEMPORARY_ERRORS:
            return SendOutcome.RETRY
        if code in CREDENTIAL_ERRORS:
            logger.error("Slack refused the bot token (%s): check SLACK_BOT_TOKEN", code)
            return SendOutcome.RETRY
        if code not in UNREACHABLE_ERRORS:
            # A request Slack understood and refused (a malformed block, a missing
            # scope): sending it again would fail the same way.
            logger.error("Slack refused a message for good: %s (HTTP %s)", code, status)
        return SendOutcome.UNREACHABLE
    if never_sent(error):
        return SendOutcome.RETRY
    if isinstance(error, SlackRequestError):
        # A file upload failed before files.completeUploadExternal shared it.
        return SendOutcome.RETRY
    # Timeouts, resets, disconnections: the request may have been delivered.
    return SendOutcome.AMBIGUOUS


class ChannelPacer:
    """About `rate` messages per second per channel, with bursts of `burst` (token buckets).

    Each caller takes its token at once (the bucket may go negative) and then
    sleeps until its turn, so concurrent senders queue up fairly.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_channels: int = 10_000,
        on_wait: OnWait | None = None,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._max_channels = max_channels
        self._on_wait = on_wait
        self._buckets: dict[str, tuple[float, float]] = {}

    async def wait(self, channel: str) -> None:
        now = self._monotonic()
        tokens, last = self._buckets.get(channel, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate) - 1.0
        self._buckets[channel] = (tokens, now)
        if len(self._buckets) > self._max_channels:
            self._forget_idle(now)
        if tokens < 0:
            if self._on_wait is not None:
                self._on_wait("pace", -tokens / self.rate)
            await self._sleep(-tokens / self.rate)

    def _forget_idle(self, now: float) -> None:
        """Drop channels whose bucket has refilled: they would start full anyway."""
        for channel, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[channel]
