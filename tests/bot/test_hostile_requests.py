"""Hostile or broken HTTP requests: refused before any work, with at most one log line.

Real requests go to the bot's one aiohttp server on 127.0.0.1, wired as
`cohorte run` wires it (Slack in HTTP mode, the Telegram webhook, the
calendar feed), with the real slack-bolt and python-telegram-bot clients
talking to the fake platforms. Every refused request must get its status
code, leave at most one log record and no traceback, and change nothing:
no answer on the platform, no row in the database.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import io
import json
import logging
import secrets
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from yarl import URL

from cohorte.bot.bootstrap import Assembly, build_router, known_platforms
from cohorte.bot.config import Settings
from cohorte.bot.feeds import add_calendar_feed
from cohorte.bot.http import HttpServer
from cohorte.bot.slack import SlackAdapter
from cohorte.bot.telegram import TelegramAdapter
from cohorte.bot.telegram.inbound import SECRET_HEADER, webhook_secret
from cohorte.handlers.core.router import Core
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import InboundEvent, Member, Person
from tests.bot.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.bot.fake_telegram import TOKEN, FakeTelegram, message, private_chat, user
from tests.bot.test_slack import (
    COORDINA,
    LUCIA,
    SECRET,
    SOFIA,
    Captured,
    Sleeps,
    action_payload,
    command_body,
    fast_options,
    seed,
    submission_payload,
)
from tests.bot.test_telegram import LIMITS, SCALE
from tests.factories import seed_cohort

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MIB = 1024**2
# Python's json gives up at about a thousand levels; Telegram's and Slack's JSON has ten.
DEEP = b"[" * 100_000
TG_LUCIA = user(5001, "Lucía", "Pérez")


# -- the bot, as `cohorte run` wires it -----------------------------------------------------


@dataclass
class Bot:
    http: HttpServer
    slack: SlackAdapter
    telegram: TelegramAdapter
    slack_fake: FakeSlack
    telegram_fake: FakeTelegram
    client: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.bound_port}"

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> int:
        if isinstance(body, bytes):  # aiohttp warns that big raw bodies block the loop
            body = io.BytesIO(body)
        async with self.client.post(self.url + path, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def slack_post(
        self, body: Any, content_type: str = FORM, headers: dict[str, str] | None = None
    ) -> int:
        return await self.post(
            "/slack/events", body, {"Content-Type": content_type, **(headers or {})}
        )

    async def webhook(self, body: Any, secret: str | None = None) -> int:
        headers = {SECRET_HEADER: webhook_secret(TOKEN) if secret is None else secret}
        return await self.post("/telegram/webhook", body, headers)


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user(LUCIA, "Lucía", "America/Argentina/Buenos_Aires")
    fake.add_user(SOFIA, "Sofía", "America/Bogota")
    fake.add_user(COORDINA, "Coordinación", "America/Mexico_City")
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.problems == []


@pytest.fixture
async def telegram_fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(time_scale=SCALE)
    await fake.start()
    yield fake
    await fake.stop()


def bot_settings(slack_fake: FakeSlack, telegram_fake: FakeTelegram, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": None,
        "slack_api_url": slack_fake.api_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "telegram_api_url": telegram_fake.url,
        "public_url": "https://cohorte.example.org",
    }
    return Settings(**(values | changes))


BotFactory = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def start_bot(
    slack_fake: FakeSlack,
    telegram_fake: FakeTelegram,
    assembly: Assembly,
    sessions: SessionFactory,
    clock: ManualClock,
) -> AsyncIterator[BotFactory]:
    """Starts the HTTP server with the calendar feed, Slack over HTTP and the Telegram webhook."""
    running: list[Bot] = []

    async def start(core: Core | None = None) -> Bot:
        settings = bot_settings(slack_fake, telegram_fake)
        http = HttpServer("127.0.0.1", 0)
        add_calendar_feed(http.app, sessions, clock)
        the_core = core or assembly.core
        telegram = TelegramAdapter(settings, the_core, http, limits=LIMITS)
        slack = SlackAdapter(settings, the_core, http, options=fast_options(Sleeps()))
        await http.start()
        await telegram.start()
        await slack.start()
        bot = Bot(http, slack, telegram, slack_fake, telegram_fake, aiohttp.ClientSession())
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.client.close()
        await bot.slack.stop()
        await bot.telegram.stop()
        await bot.http.stop()


@pytest.fixture
async def bot(start_bot: BotFactory) -> Bot:
    return await start_bot()


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Records at INFO and above, the bot's production level, bolt's included."""
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet(caplog: pytest.LogCaptureFixture, case: object, at_most: int = 1) -> None:
    """At most `at_most` log records since the last check, none with a traceback."""
    records = caplog.records
    lines = [f"{r.name}: {r.getMessage()}" for r in records]
    assert len(records) <= at_most, (case, lines)
    for record in records:
        assert record.exc_info is None, (case, lines)
        assert "Traceback" not in record.getMessage(), (case, lines)
    caplog.clear()


class LogSignal(logging.Handler):
    """Tells a test that a record was logged (the server logs in its own task)."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.event.set()


async def count(sessions: SessionFactory, model: type[Any]) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def inbound_keys(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        return list((await session.exec(select(InboundEvent.event_id))).all())


def slack_signature(
    body: bytes, timestamp: int | str | None = None, secret: str = SECRET
) -> dict[str, str]:
    """Slack's headers for `body`, signed now (or at `timestamp`)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def form(values: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(values).encode()


def interaction(payload: dict[str, Any]) -> bytes:
    return form({"payload": json.dumps(payload)})


async def raw_request(
    port: int, data: bytes, *, then_close: bool = False, whole: bool = True
) -> bytes:
    """Bytes on a plain socket; the answer until the server closes (or only its status line)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        if then_close:
            return b""
        async with asyncio.timeout(10):
            return await (reader.read() if whole else reader.readuntil(b"\r\n"))
    finally:
        writer.close()


# -- Slack --------------------------------------------------------------------------------


async def test_unsigned_or_badly_signed_slack_requests_get_401_whatever_their_body(
    bot: Bot, log: pytest.LogCaptureFixture, sessions: SessionFactory
) -> None:
    legit = form(command_body(bot.slack_fake, SOFIA, "ayuda"))
    bodies = [
        (b"{bad", JSON),
        (b"[]", JSON),
        (b"null", JSON),
        (b"payload=%7Bbad", FORM),
        (DEEP, JSON),
        (b"\xff\xfe\x00", FORM),
        (legit, FORM),
    ]
    now = int(time.time())
    calls_before = len(bot.slack_fake.calls)
    log.clear()
    for body, content_type in bodies:
        good = slack_signature(body)
        variants: dict[str, dict[str, str]] = {
            "nothing": {},
            "no signature": {"X-Slack-Request-Timestamp": str(now)},
            "no timestamp": {"X-Slack-Signature": good["X-Slack-Signature"]},
            "non-numeric timestamp": {**good, "X-Slack-Request-Timestamp": "soon"},
            "timestamp with a sign": {**good, "X-Slack-Request-Timestamp": f"+{now}"},
            "wrong signature": {**good, "X-Slack-Signature": "v0=" + "0" * 64},
            "not hex": {**good, "X-Slack-Signature": "v0=zz"},
            "another secret": slack_signature(body, secret="not-our-secret"),
            # Five minutes and a margin away, so the test's own duration cannot matter.
            "stale": slack_signature(body, now - 400),
            "from the future": slack_signature(body, now + 400),
        }
        for name, headers in variants.items():
            case = (body[:20], name)
            assert await bot.slack_post(body, content_type, headers) == 401, case
            assert_quiet(log, case)

    await bot.slack.idle()
    assert len(bot.slack_fake.calls) == calls_before  # nothing reached a listener
    assert await count(sessions, InboundEvent) == 0


async def test_signed_but_malformed_slack_bodies_get_400(
    bot: Bot, log: pytest.LogCaptureFixture, sessions: SessionFactory
) -> None:
    bodies = [
        (b"payload=%7Bbad", FORM),
        (b"payload=null", FORM),
        (b"payload=" + b"%5B" * 5_000, FORM),
        (b"[]", JSON),
        (b"null", JSON),
        (b"{bad", JSON),
        (b"5", JSON),
        (DEEP, JSON),
        (b"{bad", "text/plain"),
        (b"payload=\xff\xfe", FORM),
    ]
    calls_before = len(bot.slack_fake.calls)
    log.clear()
    for body, content_type in bodies:
        status = await bot.slack_post(body, content_type, slack_signature(body))
        assert status == 400, body[:20]
        assert_quiet(log, body[:20])

    await bot.slack.idle()
    assert len(bot.slack_fake.calls) == calls_before
    assert await count(sessions, InboundEvent) == 0


async def test_an_oversized_slack_body_gets_413(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = b"payload=" + b"x" * MIB
    log.clear()
    assert await bot.slack_post(body, FORM, slack_signature(body)) == 413
    assert_quiet(log, "with a length")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        for _ in range(32):
            yield b"x" * 65_536

    assert await bot.slack_post(chunks(), FORM) == 413
    assert_quiet(log, "chunked")


async def test_a_replayed_signed_slash_command_is_answered_once(
    bot: Bot,
    log: pytest.LogCaptureFixture,
    session: AsyncSession,
    clock: ManualClock,
    sessions: SessionFactory,
) -> None:
    await seed(session, clock)
    fake = bot.slack_fake
    body = form(command_body(fake, SOFIA, "ayuda"))
    headers = slack_signature(body)

    for _ in range(3):  # the same signed request, captured and sent again
        assert await bot.slack_post(body, FORM, headers) == 200
        await bot.slack.idle()
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert "Estás en la cohorte *Sprint de prueba*." in fake.calls_to("chat.postMessage")[0].text

    # The same command again, a new invocation (its own trigger): answered again.
    again = form(command_body(fake, SOFIA, "ayuda"))
    assert await bot.slack_post(again, FORM, slack_signature(again)) == 200
    await bot.slack.idle()
    assert len(fake.calls_to("chat.postMessage")) == 2
    keys = await inbound_keys(sessions)
    assert len(keys) == 2 and all(k.startswith("cmd:") and len(k) <= 128 for k in keys)
    assert not [r for r in log.records if r.exc_info is not None]


async def test_a_replayed_signed_button_press_is_handled_once(
    bot: Bot, session: AsyncSession, clock: ManualClock, sessions: SessionFactory
) -> None:
    await seed(session, clock)
    fake = bot.slack_fake
    join = form(command_body(fake, LUCIA, "unirme prueba25"))
    assert await bot.slack_post(join, FORM, slack_signature(join)) == 200
    await bot.slack.idle()
    welcome = fake.calls_to("chat.postMessage")[-1]
    (santiago,) = [b for b in welcome.buttons if b["text"]["text"] == "Santiago"]
    press = interaction(action_payload(fake, LUCIA, santiago, "DLUCIA"))
    headers = slack_signature(press)

    assert await bot.slack_post(press, FORM, headers) == 200
    await bot.slack.idle()
    answered = (len(fake.calls), len(fake.responses))
    assert "Listo: ahora eres parte del equipo Santiago." in fake.posted_text()

    assert await bot.slack_post(press, FORM, headers) == 200  # replayed within the window
    await bot.slack.idle()
    assert (len(fake.calls), len(fake.responses)) == answered  # no second answer
    assert sorted(k.split(":")[0] for k in await inbound_keys(sessions)) == ["act", "cmd"]


async def test_a_replayed_signed_modal_submission_counts_once(
    start_bot: BotFactory, sessions: SessionFactory, clock: ManualClock
) -> None:
    captured = Captured()
    router = build_router()
    captured.register(router)
    bot = await start_bot(Core(sessions, clock, router, platforms=known_platforms()))
    fake = bot.slack_fake
    open_form = form(command_body(fake, SOFIA, "demo-informe", channel="CSPRINT"))
    assert await bot.slack_post(open_form, FORM, slack_signature(open_form)) == 200
    await bot.slack.idle()
    view = fake.calls_to("views.open")[0].json("view")
    submit = interaction(submission_payload(SOFIA, view, {"estado": "bloq", "nota": "ok"}))
    headers = slack_signature(submit)

    for _ in range(2):
        assert await bot.slack_post(submit, FORM, headers) == 200
        await bot.slack.idle()

    assert captured.submissions == [{"estado": "bloq", "nota": "ok"}]
    assert sum(k.startswith("view:") for k in await inbound_keys(sessions)) == 1


async def test_socket_mode_uses_the_same_keys_for_commands_and_presses(
    slack_fake: FakeSlack,
    telegram_fake: FakeTelegram,
    core: Core,
    session: AsyncSession,
    clock: ManualClock,
) -> None:
    await seed(session, clock)
    settings = bot_settings(slack_fake, telegram_fake, SLACK_APP_TOKEN=APP_TOKEN)
    adapter = SlackAdapter(settings, core, options=fast_options(Sleeps()))
    await adapter.start()
    try:
        command = command_body(slack_fake, LUCIA, "unirme prueba25")
        for _ in range(2):  # the same payload delivered twice
            await slack_fake.wait_ack(await slack_fake.send_envelope("slash_commands", command))
            await adapter.idle()
        assert len(slack_fake.calls_to("chat.postMessage")) == 1

        welcome = slack_fake.calls_to("chat.postMessage")[-1]
        (santiago,) = [b for b in welcome.buttons if b["text"]["text"] == "Santiago"]
        press = action_payload(slack_fake, LUCIA, santiago, "DLUCIA")
        answered: tuple[int, int] | None = None
        for _ in range(2):
            await slack_fake.wait_ack(await slack_fake.send_envelope("interactive", press))
            await adapter.idle()
            answered = answered or (len(slack_fake.calls), len(slack_fake.responses))
        assert "Listo: ahora eres parte del equipo Santiago." in slack_fake.posted_text()
        assert (len(slack_fake.calls), len(slack_fake.responses)) == answered
    finally:
        await adapter.stop()


# -- Telegram --------------------------------------------------------------------------------


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": 4242, **content}


def tg_message(chat: dict[str, Any], text: object = "/ayuda", **changes: Any) -> dict[str, Any]:
    body = message(chat, TG_LUCIA, "/ayuda")["message"]
    return {"message": {**body, "text": text, **changes}}


async def test_broken_telegram_updates_get_400_and_reach_no_handler(
    bot: Bot, log: pytest.LogCaptureFixture, sessions: SessionFactory
) -> None:
    chat = private_chat(TG_LUCIA)
    good = tg_message(chat)["message"]
    bodies: dict[str, bytes] = {
        "deep array": DEEP,
        "deep object": b'{"a":' * 50_000,
        "not UTF-8": b'{"update_id": 1, "x": "\xff\xfe"}',
        "not JSON": b"{update",
        "empty": b"",
        "an array": b"[]",
        "null": b"null",
        "a string": b'"update"',
        "a number": b"5",
    }
    updates: dict[str, dict[str, Any]] = {
        "no update_id": tg_message(chat),
        "update_id as text": {"update_id": "1", **tg_message(chat)},
        "update_id true": {"update_id": True, **tg_message(chat)},
        "no chat": update(message={k: v for k, v in good.items() if k != "chat"}),
        "chat id as text": update(**tg_message({**chat, "id": "abc"})),
        "chat id true": update(**tg_message({**chat, "id": True})),
        "chat id too big": update(**tg_message({**chat, "id": 2**70})),
        "chat without type": update(**tg_message({"id": 5001})),
        "message a string": update(message="hola"),
        "message a list": update(message=[good]),
        "text a number": update(**tg_message(chat, text=5)),
        "text a list": update(**tg_message(chat, text=[[["/ayuda"]]])),
        "sender id as text": update(**tg_message(chat, **{"from": {**TG_LUCIA, "id": "x"}})),
        "sender without a name": update(**tg_message(chat, **{"from": {"id": 1, "is_bot": False}})),
        "date out of range": update(**tg_message(chat, date=10**20)),
        "date as text": update(**tg_message(chat, date="today")),
        "bad entities": update(**tg_message(chat, entities=[{"type": "bold"}])),
        "button without sender": update(
            callback_query={"id": "1", "chat_instance": "1", "data": "x"}
        ),
        "button id a number": update(
            callback_query={"id": 1, "from": TG_LUCIA, "chat_instance": "1", "data": "x"}
        ),
        "membership chat as text": update(
            my_chat_member={"chat": {"id": "g", "type": "group"}, "from": TG_LUCIA, "date": 0}
        ),
    }
    bodies |= {name: json.dumps(data).encode() for name, data in updates.items()}
    people = await count(sessions, Person)
    log.clear()
    for name, body in bodies.items():
        assert await bot.webhook(body) == 400, name
        assert_quiet(log, name)

    assert bot.telegram_fake.calls_to("sendMessage") == []
    assert await count(sessions, InboundEvent) == 0
    assert await count(sessions, Person) == people

    # Kinds of update the bot does not act on are acknowledged, so Telegram does not resend.
    for name, data in {
        "nothing in it": update(),
        "an edited message": update(edited_message=good),
        "a kind PTB does not know": update(future_kind={"id": 1}),
    }.items():
        assert await bot.webhook(json.dumps(data).encode()) == 200, name
        assert_quiet(log, name)
    assert bot.telegram_fake.calls_to("sendMessage") == []

    # And a real update still works.
    assert await bot.webhook(json.dumps(update(**tg_message(chat))).encode()) == 200
    assert len(bot.telegram_fake.calls_to("sendMessage")) == 1


async def test_an_oversized_telegram_body_gets_413_before_it_is_read(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    log.clear()
    body = b'{"update_id": 1, "x": "' + b"x" * MIB + b'"}'
    assert await bot.webhook(body) == 413
    assert_quiet(log, "with a length")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b" " * 65_536

    assert await bot.webhook(chunks()) == 413
    assert_quiet(log, "chunked")

    # Only the headers of a 50 MB update: the answer comes without waiting for the body.
    head = (
        f"POST /telegram/webhook HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
        f"{SECRET_HEADER}: {webhook_secret(TOKEN)}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {50 * MIB}\r\n\r\n"
    )
    # (aiohttp would then wait a while for the body, to drain it: the status line is enough.)
    answer = await raw_request(bot.http.bound_port, head.encode(), whole=False)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert_quiet(log, "declared length")

    # Without the secret nothing is read at all.
    assert await bot.webhook(body, secret="wrong") == 403
    assert_quiet(log, "no secret")


# -- the calendar feed ----------------------------------------------------------------------


async def test_odd_calendar_tokens_get_404_like_unknown_ones(
    bot: Bot, log: pytest.LogCaptureFixture, session: AsyncSession, clock: ManualClock
) -> None:
    await seed_cohort(session, clock.now())
    member = (await session.exec(select(Member).order_by(col(Member.id)))).first()
    assert member is not None
    token = secrets.token_urlsafe(24)
    member.calendar_token = token
    session.add(member)
    await session.commit()

    odd = [
        "a" * 20 + "%00" + "b" * 11,  # PostgreSQL refuses NUL inside a query
        "%00" * 20,
        "..%2F..%2F..%2Fetc%2Fpasswd" + "a" * 10,
        "%2e%2e%2f%2e%2e%2f" + "a" * 20,
        "%2e%2e" + token[2:],
        token[:31] + "%2F",
        token[:31] + "%20",
        token[:31] + "%0A",
        token[:31] + "%FF",
        "%C3%B1" * 32,  # ñ
        token[:31] + "%E2%80%8B",  # a zero-width space
        "a" * 65,
        "a" * 15,
        "A" * 32,  # the right alphabet, nobody's token
        token.upper() if token.upper() != token else token.lower(),
    ]
    log.clear()
    for candidate in odd:
        url = URL(f"{bot.url}/calendario/{candidate}.ics", encoded=True)
        async with bot.client.get(url) as response:
            assert response.status == 404, candidate
        assert_quiet(log, candidate, at_most=0)

    async with bot.client.get(f"{bot.url}/calendario/{token}.ics") as response:
        assert response.status == 200
        assert response.content_type == "text/calendar"


# -- aiohttp itself ------------------------------------------------------------------------


async def test_unknown_paths_wrong_methods_and_big_bodies_log_nothing(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    big = b"x" * (2 * MIB)  # over the server's client_max_size
    log.clear()
    for method, path, body, status in [
        ("GET", "/nope", None, 404),
        ("POST", "/nope", big, 404),
        ("GET", "/slack/events", None, 405),
        ("GET", "/telegram/webhook", None, 405),
        ("DELETE", "/healthz", None, 405),
        ("POST", "/healthz", big, 405),
        ("GET", "/calendario/", None, 404),
        ("POST", "/calendario/x.ics", big, 405),
    ]:
        data = io.BytesIO(body) if body is not None else None
        async with bot.client.request(method, bot.url + path, data=data) as response:
            assert response.status == status, (method, path)
        assert_quiet(log, (method, path), at_most=0)


async def test_broken_http_is_one_line_in_the_log(
    bot: Bot, log: pytest.LogCaptureFixture, sessions: SessionFactory
) -> None:
    port = bot.http.bound_port
    not_gzip = b"payload=%7B%7D not gzip at all"
    cases = {
        "bad Content-Length": (
            b"POST /slack/events HTTP/1.1\r\nHost: b\r\nContent-Length: ten\r\n\r\n"
        ),
        "bad header": b"GET /healthz HTTP/1.1\r\nHost: b\r\nnot a header\r\n\r\n",
        "bad chunk": (
            b"POST /telegram/webhook HTTP/1.1\r\nHost: b\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n"
        ),
        "line too long": b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: b\r\n\r\n",
        "TLS on the plain port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40,
        "not gzip": (
            b"POST /slack/events HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
            b"Content-Encoding: gzip\r\nContent-Type: " + FORM.encode() + b"\r\n"
            b"Content-Length: " + str(len(not_gzip)).encode() + b"\r\n\r\n" + not_gzip
        ),
    }
    log.clear()
    for name, data in cases.items():
        answer = await raw_request(port, data)
        assert answer.startswith((b"HTTP/1.0 400 ", b"HTTP/1.1 400 ")), (name, answer[:40])
        assert_quiet(log, name)

    # A gzip bomb is measured as it unpacks: refused at the limit, never held whole.
    bomb = gzip.compress(b" " * (4 * MIB))
    head = (
        "POST /telegram/webhook HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
        f"{SECRET_HEADER}: {webhook_secret(TOKEN)}\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(bomb)}\r\n\r\n"
    )
    answer = await raw_request(port, head.encode() + bomb)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert_quiet(log, "gzip bomb")

    # Header values that are not even UTF-8, where secrets are compared.
    ts = str(int(time.time())).encode()
    for name, head_bytes, status in [
        (
            "Slack signature",
            b"POST /slack/events HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
            b"X-Slack-Request-Timestamp: " + ts + b"\r\nX-Slack-Signature: v0=\xff\xfe\r\n",
            b"401",
        ),
        (
            "Telegram secret",
            b"POST /telegram/webhook HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
            + SECRET_HEADER.encode()
            + b": \xff\xfe\xc3\xa9\r\n",
            b"403",
        ),
    ]:
        answer = await raw_request(port, head_bytes + b"Content-Length: 2\r\n\r\n{}")
        assert answer.startswith(b"HTTP/1.1 " + status), (name, answer[:40])
        assert_quiet(log, name)

    # A client that goes away in the middle of its body.
    head = "POST /slack/events HTTP/1.1\r\nHost: b\r\nContent-Length: 1000\r\n\r\n"
    logged = LogSignal()
    logging.getLogger("aiohttp.server").addHandler(logged)
    try:
        await raw_request(port, head.encode() + b"payload=", then_close=True)
        async with asyncio.timeout(10):
            await logged.event.wait()
    finally:
        logging.getLogger("aiohttp.server").removeHandler(logged)
    assert_quiet(log, "gone mid-body")

    assert await count(sessions, InboundEvent) == 0
    async with bot.client.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
