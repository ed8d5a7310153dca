"""The Slack adapter, driven through the real slack-bolt and slack-sdk against a fake Slack.

Requests reach the adapter exactly as Slack sends them: signed form posts for
slash commands and interactions, signed JSON for events (HTTP mode), or
envelopes over the Socket Mode WebSocket. Assertions look at the API calls
the fake Slack received, in Spanish.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from cohorte.bot.bootstrap import Assembly, bootstrap, build_router, known_platforms
from cohorte.bot.cli.root import app as cli
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.runtime import build_adapters
from cohorte.bot.slack import SlackAdapter
from cohorte.bot.slack.adapter import SlackConfigError
from cohorte.bot.slack.inbound import Directory, Origin, mention_text, message_text, plain_text
from cohorte.bot.slack.manifest import SCOPES, ManifestError, build_manifest
from cohorte.bot.slack.render import WORD_JOINER, Renderer, split_text
from cohorte.bot.slack.web import ChannelPacer, SlackOptions
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import (
    Button,
    ChatKind,
    Direct,
    FieldKind,
    Form,
    FormField,
    Group,
    Image,
    Reply,
)
from cohorte.handlers.core.router import Core, Router
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.outbox import SendOutcome
from cohorte.storage.attendance import Rsvp, RsvpAnswer
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import (
    ChatLink,
    Identity,
    InboundEvent,
    Person,
    Platform,
    SentMessage,
)
from cohorte.storage.polls import Vote
from cohorte.storage.status import StatusUpdate
from tests.bot.fake_slack import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER_ID,
    TEAM_ID,
    ApiCall,
    FakeSlack,
)
from tests.conftest import Transcript
from tests.factories import Numbered, seed_cohort
from tests.handlers.attendance.seed import attended_cohort
from tests.handlers.status.test_status import seed_with_deliverables

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LUCIA, SOFIA, COORDINA = "ULUCIA", "USOFIA", "UCOORDINA"
CHANNEL = "CSPRINT"


# -- the fake Slack and the adapter -------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user(LUCIA, "Lucía", "America/Argentina/Buenos_Aires")
    fake.add_user(SOFIA, "Sofía", "America/Bogota")
    fake.add_user(COORDINA, "Coordinación", "America/Mexico_City")
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.problems == []  # nothing that real Slack would have refused


@dataclass
class Sleeps:
    """slack-sdk's and the pacer's waits, recorded instead of slept."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


def slack_settings(fake: FakeSlack, *, socket_mode: bool, api_url: str | None = None) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite://",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_APP_TOKEN=APP_TOKEN if socket_mode else None,
        slack_api_url=api_url or fake.api_url,
        public_url=None,
    )


def fast_options(sleeps: Sleeps, **changes: Any) -> SlackOptions:
    values: dict[str, Any] = {
        "timeout": 5.0,
        "burst": 50,
        "max_retry_wait": 10.0,
        "connect_timeout": 5.0,
        "sleep": sleeps,
    }
    return SlackOptions(**(values | changes))


class Transport(Protocol):
    """How Slack's requests reach the adapter: signed HTTP posts or Socket Mode envelopes."""

    async def command(self, body: dict[str, str]) -> None: ...

    async def interaction(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    async def event(self, body: dict[str, Any], *, retry: int = 0) -> None: ...


def sign(body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        or "",
    }


class HttpTransport:
    def __init__(self, url: str, client: aiohttp.ClientSession) -> None:
        self.url = url
        self.client = client

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Content-Type": content_type, **sign(body), **(headers or {})}
        async with self.client.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def command(self, body: dict[str, str]) -> None:
        status, _ = await self.post(
            urllib.parse.urlencode(body), "application/x-www-form-urlencoded"
        )
        assert status == 200

    async def interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        status, text = await self.post(body, "application/x-www-form-urlencoded")
        assert status == 200
        return json.loads(text) if text else {}

    async def event(self, body: dict[str, Any], *, retry: int = 0) -> None:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.post(
            json.dumps(body), "application/json", headers if retry else None
        )
        assert status == 200


class SocketTransport:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake

    async def command(self, body: dict[str, str]) -> None:
        await self.fake.wait_ack(await self.fake.send_envelope("slash_commands", body))

    async def interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        ack = await self.fake.wait_ack(await self.fake.send_envelope("interactive", payload))
        return dict(ack.get("payload") or {})

    async def event(self, body: dict[str, Any], *, retry: int = 0) -> None:
        envelope = await self.fake.send_envelope("events_api", body, retry_attempt=retry)
        await self.fake.wait_ack(envelope)


@dataclass
class Slack:
    """One running adapter and the means to talk to it as Slack would."""

    fake: FakeSlack
    adapter: SlackAdapter
    transport: Transport
    sleeps: Sleeps
    http: HttpServer | None = None

    async def command(self, user: str, text: str, channel: str | None = None) -> None:
        await self.transport.command(command_body(self.fake, user, text, channel))
        await self.adapter.idle()

    async def press(self, user: str, label: str, channel: str | None = None) -> None:
        """Press the button with this label in the latest message that has it."""
        for call in reversed(self.fake.calls):
            for button in call.buttons:
                if button["text"]["text"] == label:
                    payload = action_payload(self.fake, user, button, channel or f"D{user[1:]}")
                    await self.transport.interaction(payload)
                    await self.adapter.idle()
                    return
        raise AssertionError(f"no button {label!r} was posted")

    async def interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        ack = await self.transport.interaction(payload)
        await self.adapter.idle()
        return ack

    async def event(self, event: dict[str, Any], event_id: str, *, retry: int = 0) -> None:
        await self.transport.event(event_body(event, event_id), retry=retry)
        await self.adapter.idle()


SlackFactory = Callable[..., Awaitable[Slack]]


@pytest.fixture
async def start_slack(
    fake: FakeSlack, assembly: Assembly
) -> AsyncIterator[Callable[..., Awaitable[Slack]]]:
    """Starts the adapter in HTTP or Socket Mode (with any core); stops everything after.

    With the bot's own core, the adapter's messenger is the scheduler's Slack
    messenger, as `cohorte run` wires it.
    """
    core = assembly.core
    running: list[Slack] = []
    client = aiohttp.ClientSession()

    async def start(mode: str = "http", with_core: Core | None = None, **options: Any) -> Slack:
        sleeps = Sleeps()
        socket_mode = mode == "socket"
        http = None if socket_mode else HttpServer("127.0.0.1", 0)
        adapter = SlackAdapter(
            slack_settings(fake, socket_mode=socket_mode),
            with_core or core,
            http,
            options=fast_options(sleeps, **options),
        )
        transport: Transport
        if http is not None:
            await http.start()
            url = f"http://127.0.0.1:{http.bound_port}/slack/events"
            transport = HttpTransport(url, client)
        else:
            transport = SocketTransport(fake)
        await adapter.start()
        if with_core is None:
            assembly.messengers[Platform.SLACK] = adapter.messenger
        slack = Slack(fake, adapter, transport, sleeps, http)
        running.append(slack)
        return slack

    yield start
    for slack in running:
        await slack.adapter.stop()
        if slack.http is not None:
            await slack.http.stop()
    await client.close()


@pytest.fixture(params=["http", "socket"])
async def slack(request: pytest.FixtureRequest, start_slack: SlackFactory) -> Slack:
    """The adapter over each transport: every test using it runs twice."""
    return await start_slack(request.param)


@pytest.fixture
async def http_slack(start_slack: SlackFactory) -> Slack:
    return await start_slack("http")


# -- what Slack sends -------------------------------------------------------------------


def command_body(
    fake: FakeSlack, user: str, text: str, channel: str | None = None
) -> dict[str, str]:
    channel = channel or f"D{user[1:]}"
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "equipo",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "sprint",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/cohorte",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": fake.response_url(f"cmd-{user}"),
        "trigger_id": f"trigger-{user}-{time.monotonic_ns()}",
    }


def action_payload(
    fake: FakeSlack, user: str, button: dict[str, Any], channel: str
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1745330400.000001",
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"trigger-{user}-{time.monotonic_ns()}",
        "team": {"id": TEAM_ID, "domain": "equipo"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": "1745330400.000001", "text": "…"},
        "response_url": fake.response_url(f"act-{user}"),
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "row0.0",
                "text": button["text"],
                "value": button["value"],
                "type": "button",
                "action_ts": "1745330401.000001",
            }
        ],
    }


def submission_payload(user: str, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends when the modal `view` is submitted with `answers` by field."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        answer = answers.get(block["block_id"])
        if block["element"]["type"] == "static_select":
            option = None
            if answer is not None:
                option = {"text": {"type": "plain_text", "text": answer}, "value": answer}
            values[block["block_id"]] = {
                "value": {"type": "static_select", "selected_option": option}
            }
        else:
            values[block["block_id"]] = {"value": {"type": "plain_text_input", "value": answer}}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "equipo"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": "trigger-submission",
        "view": {
            **view,
            "id": "V0001",
            "team_id": TEAM_ID,
            "state": {"values": values},
            "hash": "1745330400.abc",
            "app_id": APP_ID,
            "bot_id": "BBOT",
        },
        "response_urls": [],
    }


def event_body(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1745330400,
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
        ],
        "is_ext_shared_channel": False,
    }


def dm_event(user: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": f"D{user[1:]}",
        "user": user,
        "text": text,
        "ts": "1745330400.000100",
        "event_ts": "1745330400.000100",
        "channel_type": "im",
    }


def mention_event(user: str, text: str, channel: str = CHANNEL) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1745330400.000200",
        "channel": channel,
        "event_ts": "1745330400.000200",
    }


async def link_slack(session: AsyncSession, console_id: str, slack_id: str) -> None:
    """Give a seeded console person a Slack account too."""
    identity = (
        await session.exec(
            select(Identity).where(
                Identity.platform == Platform.CONSOLE, Identity.external_id == console_id
            )
        )
    ).one()
    session.add(
        Identity(person_id=identity.person_id, platform=Platform.SLACK, external_id=slack_id)
    )
    await session.commit()


async def seed(session: AsyncSession, clock: ManualClock) -> None:
    await seed_cohort(session, clock.now())
    await link_slack(session, "sofia", SOFIA)
    await link_slack(session, "coordina", COORDINA)


async def count(session: AsyncSession, table: type[Any]) -> int:
    return int((await session.exec(select(func.count()).select_from(table))).one())


# -- conversations -----------------------------------------------------------------------


async def test_join_pick_team_choose_zone_and_get_help(
    slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = slack.fake

    await slack.command(LUCIA, "unirme prueba25")
    welcome = fake.calls_to("chat.postMessage")[-1]
    assert welcome.params["channel"] == "DLUCIA"
    assert "¡Te damos la bienvenida a Sprint de prueba, Lucía!" in welcome.text
    assert "¿De qué equipo eres?" in welcome.text
    assert [b["text"]["text"] for b in welcome.buttons] == [
        "Bogotá",
        "Ciudad de México",
        "Santiago",
    ]
    assert len({b["action_id"] for b in welcome.buttons}) == 3

    await slack.press(LUCIA, "Santiago")
    assert "Listo: ahora eres parte del equipo Santiago." in fake.posted_text()

    await slack.command(LUCIA, "zona Buenos Aires")
    assert "Tu zona horaria ahora es la hora de Buenos Aires: allí son las 11:00" in (
        fake.calls_to("chat.postMessage")[-1].text
    )

    await slack.command(LUCIA, "")  # `/cohorte` alone: the help
    help_text = fake.calls_to("chat.postMessage")[-1].text
    assert "Estás en la cohorte *Sprint de prueba*." in help_text
    assert "/cohorte zona — elegir tu zona horaria" in help_text
    assert "/cohorte miembros" not in help_text  # not for participants

    lucia = (await session.exec(select(Person).where(Person.display_name == "Lucía"))).one()
    assert lucia.zone == "America/Argentina/Buenos_Aires"
    assert all(
        call.token == BOT_TOKEN for call in fake.calls if call.method != "apps.connections.open"
    )
    assert len(fake.calls_to("users.info")) == 1  # cached for the process


async def test_markup_in_a_name_is_shown_as_typed_beside_the_bots_bold(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    http_slack.fake.add_user("UANA", "*Ana* _Ríos_ <!here>")

    await http_slack.command("UANA", "unirme PRUEBA25")
    await http_slack.press("UANA", "Bogotá")
    await http_slack.command(COORDINA, "miembros")

    members = http_slack.fake.calls_to("chat.postMessage")[-1].text
    j = WORD_JOINER
    name = f"{j}*{j}Ana{j}*{j} {j}_{j}Ríos{j}_{j} &lt;!here&gt;"
    assert "*Equipo Bogotá* (2)" in members  # the bot's bold
    assert f"• {name} — Bogotá" in members  # her name, never bold, italic or a mention


async def test_slack_time_zone_is_the_default_zone(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    http_slack.fake.add_user("UTOMAS", "Tomás", "America/Lima")

    await http_slack.command("UTOMAS", "unirme PRUEBA25")
    await http_slack.command("UTOMAS", "zona")

    # 14:00 UTC is 09:00 in Lima; nobody chose a zone or a team yet.
    assert "Tu zona horaria es la hora de Lima: allí son las 09:00." in (
        http_slack.fake.calls_to("chat.postMessage")[-1].text
    )


async def test_direct_messages_and_mentions_are_commands(
    slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = slack.fake

    await slack.event(dm_event(SOFIA, "ayuda"), "Ev001")
    assert "Estás en la cohorte *Sprint de prueba*." in fake.calls_to("chat.postMessage")[-1].text

    await slack.event(dm_event(SOFIA, "/ayuda"), "Ev002")
    await slack.event(dm_event(SOFIA, "hola"), "Ev003")
    assert "No entendí. Escribe /cohorte ayuda para ver lo que puedo hacer." in (
        fake.calls_to("chat.postMessage")[-1].text
    )

    await slack.event(mention_event(SOFIA, "zona Lima"), "Ev004")
    reply = fake.calls_to("chat.postMessage")[-1]
    assert reply.params["channel"] == CHANNEL
    assert "Tu zona horaria ahora es la hora de Lima" in reply.text
    assert len(fake.calls_to("chat.postMessage")) == 4


async def test_a_redelivered_event_is_answered_once(
    slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)

    await slack.event(dm_event(SOFIA, "ayuda"), "EvSAME")
    await slack.event(dm_event(SOFIA, "ayuda"), "EvSAME", retry=1)

    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert await count(session, InboundEvent) == 1


async def test_coordinator_commands_are_refused_to_participants_privately(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = http_slack.fake

    await http_slack.command(SOFIA, "miembros", channel=CHANNEL)
    assert fake.responses[-1] == (
        "cmd-USOFIA",
        {
            "text": "Solo el equipo coordinador puede hacer eso.",
            "blocks": [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "Solo el equipo coordinador puede hacer eso.",
                    },
                }
            ],
            "response_type": "ephemeral",
            "replace_original": False,
        },
    )

    await http_slack.event(mention_event(SOFIA, "vincular PRUEBA25"), "Ev010")
    whisper = fake.calls_to("chat.postEphemeral")[-1]
    assert whisper.params["user"] == SOFIA and whisper.params["channel"] == CHANNEL
    assert "Solo el equipo coordinador puede hacer eso." in whisper.text
    assert fake.calls_to("chat.postMessage") == []
    assert await count(session, ChatLink) == 1  # only the seeded console room


async def test_a_coordinator_links_a_channel(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = http_slack.fake

    await http_slack.command(COORDINA, "vincular PRUEBA25", channel=CHANNEL)

    announcement = fake.calls_to("chat.postMessage")[-1]
    assert announcement.params["channel"] == CHANNEL
    assert "Este grupo ahora es el chat de Sprint de prueba" in announcement.text
    link = (await session.exec(select(ChatLink).where(ChatLink.platform == Platform.SLACK))).one()
    assert link.chat_id == CHANNEL


def joined_event(user: str, channel: str = CHANNEL, inviter: str | None = None) -> dict[str, Any]:
    """What Slack sends when someone (the app too) joins a channel the app is in."""
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM_ID,
        "event_ts": "1745330400.000300",
    }
    return event | ({"inviter": inviter} if inviter else {})


async def test_the_app_added_to_a_channel_greets_it_once(
    slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = slack.fake

    await slack.event(joined_event(BOT_USER_ID, inviter=COORDINA), "EvJOIN")
    await slack.event(joined_event(BOT_USER_ID, inviter=COORDINA), "EvJOIN", retry=1)
    await slack.event(joined_event(LUCIA), "EvLUCIA")  # somebody else joining: not for us

    (greeting,) = fake.calls_to("chat.postMessage")
    assert greeting.params["channel"] == CHANNEL
    assert greeting.text.startswith(
        "¡Hola! Soy Cohorte, el asistente del sprint. Para recibir en este grupo los "
        "recordatorios y avisos de la cohorte, alguien del equipo coordinador debe escribir "
        "aquí /cohorte vincular seguido del código de invitación, por ejemplo: "
        "/cohorte vincular SPRINT25"
    )
    assert await count(session, InboundEvent) == 1  # recorded with the greeting

    await slack.command(COORDINA, "vincular PRUEBA25", channel=CHANNEL)
    await slack.event(joined_event(BOT_USER_ID), "EvBACK")  # removed, then added again

    assert fake.calls_to("chat.postMessage")[-1].text.startswith(
        "¡Hola de nuevo! Este grupo ya es el chat de Sprint de prueba"
    )


async def test_a_channel_without_the_app_is_answered_through_the_response_url(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = http_slack.fake
    fake.fail("chat.postMessage", error="not_in_channel")

    await http_slack.command(COORDINA, "vincular PRUEBA25", channel="CNOAPP")

    (_, answer), (_, note) = fake.responses
    assert answer["response_type"] == "in_channel"
    assert "Este grupo ahora es el chat de Sprint de prueba" in answer["text"]
    assert note["response_type"] == "ephemeral"
    assert "/invite @Cohorte" in note["text"]


async def test_a_slash_command_in_someone_elses_conversation_answers_privately(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    http_slack.fake.fail("chat.postMessage", error="channel_not_found")

    await http_slack.command(SOFIA, "ayuda", channel="DSOMEONEELSE")

    (_, answer) = http_slack.fake.responses[-1]
    assert answer["response_type"] == "ephemeral"
    assert "Estás en la cohorte" in answer["text"]


async def test_every_command_answers_on_slack_without_errors(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    """Whatever the router offers, as a participant and as a coordinator, in a DM and a channel."""
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    names = [c.name for c in http_slack.adapter.core.router.commands if not c.hidden]

    for user in (SOFIA, COORDINA):
        for channel in (None, CHANNEL):
            for name in names:
                await http_slack.command(user, name, channel=channel)

    said = http_slack.fake.posted_text()
    assert "Perdón, algo falló" not in said
    assert "No conozco el comando" not in said
    assert http_slack.fake.problems == []


async def test_a_masterclass_added_by_modal_is_reminded_in_the_channel_and_privately(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake

    await http_slack.command(COORDINA, "sesion", channel=CHANNEL)
    view = fake.calls_to("views.open")[-1].json("view")
    answers = {"kind": "masterclass", "title": "Datos abiertos", "when": "6 de mayo 10:00"}
    assert (await http_slack.interaction(submission_payload(COORDINA, view, answers))) == {}
    assert view["blocks"][0]["text"]["text"] == "Agreguemos una sesión."
    said = fake.posted_text()
    assert "Agreguemos una sesión." not in said  # it went with the modal
    # The coordinator reads times in their Slack zone (Mexico City, an hour behind Bogotá).
    assert "Agregada: Datos abiertos, martes, 6 de mayo · 09:00 (hora de Ciudad de México)" in said

    clock.set(datetime(2025, 5, 5, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá, a day before
    await assembly.ticker.tick()

    reminders = [c for c in fake.calls_to("chat.postMessage") if "Recordatorio" in c.text]
    by_channel = {c.params["channel"]: c.text for c in reminders}
    assert {CHANNEL, "DSOFIA"} <= set(by_channel)
    assert "*Masterclass: Datos abiertos*" in by_channel[CHANNEL]
    assert "martes, 6 de mayo · 10:00 (hora de Bogotá)" in by_channel["DSOFIA"]

    await assembly.ticker.tick()  # never twice
    assert len([c for c in fake.calls_to("chat.postMessage") if "Recordatorio" in c.text]) == len(
        reminders
    )

    await http_slack.command(SOFIA, "calendario")
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DSOFIA"
    assert b"BEGIN:VCALENDAR" in next(iter(fake.uploads.values()))


async def test_a_poll_is_voted_with_buttons_in_private_and_in_the_channel(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake

    poll = 'encuesta nueva "Sesión semanal" mar 10:00, mié 16:00 cierre viernes 18:00'
    await http_slack.command(COORDINA, poll, channel=CHANNEL)
    (ballot,) = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "DSOFIA"]
    assert "*1.* martes 10:00 (hora de Bogotá) → sin responder" in ballot.text
    # Different chats are served concurrently: find the channel's poll by its channel.
    in_channel = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert any("🗳️ *Sesión semanal*" in c.text for c in in_channel)

    await http_slack.press(SOFIA, "1 · ✅ Sí", channel="DSOFIA")
    assert "Anotado: *1.* martes 10:00 (hora de Bogotá) → ✅ Sí" in fake.posted_text()

    await http_slack.press(SOFIA, "2 🤔", channel=CHANNEL)
    (_, answer) = fake.responses[-1]
    assert answer["response_type"] == "ephemeral"  # a personal vote, seen by Sofía only
    assert "→ 🤔 Si es necesario" in answer["text"]
    assert await count(session, Vote) == 2


async def test_a_report_from_the_channel_goes_on_privately_where_a_typed_note_is_kept(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed_with_deliverables(session, clock.now())
    await link_slack(session, "sofia", SOFIA)
    fake = http_slack.fake

    def posted(channel: str) -> list[ApiCall]:
        return [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]

    await http_slack.command(SOFIA, "reportar", channel=CHANNEL)
    (which,) = posted("DSOFIA")
    assert which.text.startswith("¿Qué entregable del equipo Bogotá quieres actualizar?")
    assert posted(CHANNEL) == []  # the channel sees no buttons
    (_, said) = fake.responses[-1]
    assert (said["response_type"], said["text"]) == ("ephemeral", "Te respondo en privado.")

    await http_slack.press(SOFIA, "⚪ Mapeo de procesos y sistemas", channel="DSOFIA")
    await http_slack.press(SOFIA, "🔄 en curso", channel="DSOFIA")
    assert "Si quieres agregar una nota, escríbela ahora" in posted("DSOFIA")[-1].text
    # Slack shows forms as modals, but a note typed in the conversation is kept all the same.
    await http_slack.event(dm_event(SOFIA, "Falta acceso al SECOP"), "EvNOTE")
    assert "Nota: “Falta acceso al SECOP”" in posted("DSOFIA")[-1].text
    assert posted(CHANNEL) == []
    notes = (await session.exec(select(StatusUpdate.note))).all()
    assert notes == ["Falta acceso al SECOP"]


# -- forms, edits, files ------------------------------------------------------------------


@dataclass
class Captured:
    """A test capability: a form, an edited tally and a picture."""

    submissions: list[dict[str, str]] = field(default_factory=list)
    tally: int = 0

    def register(self, router: Router) -> None:
        router.command(("demo-informe",), self.report_form, "report progress")
        router.command(("demo-conteo",), self.count, "a live tally")
        router.command(("demo-tablero",), self.board, "the dashboard picture")
        router.button(ButtonRoute("demo", Numbered), self.receive)

    async def report_form(self, ctx: Context, _args: str) -> list[Reply]:
        form = Form(
            title="Informe de avance del equipo",
            submit="demo:7",
            fields=(
                FormField(
                    "estado",
                    "Estado",
                    FieldKind.CHOICE,
                    (("curso", "En curso"), ("bloq", "Bloqueado")),
                ),
                FormField("nota", "Nota", FieldKind.LONG_TEXT, required=False, max_length=20),
            ),
        )
        return [Reply("", form=form)]

    async def receive(self, ctx: Context, report: Numbered) -> list[Reply]:
        assert report.number == 7 and ctx.incoming.form_values is not None
        self.submissions.append(ctx.incoming.form_values)
        return [Reply("¡Gracias, recibido!")]

    async def count(self, ctx: Context, _args: str) -> list[Reply]:
        self.tally += 1
        return [Reply(f"Votos: {self.tally}", key="tally", mentions=("USOFIA", "bad<id>"))]

    async def board(self, ctx: Context, _args: str) -> list[Reply]:
        picture = Image("tablero.png", b"\x89PNG fake", caption="Semana 1 & 2")
        return [Reply("Tablero <equipos>", image=picture)]


@pytest.fixture
def captured() -> Captured:
    return Captured()


@pytest.fixture
def capability_core(sessions: SessionFactory, clock: ManualClock, captured: Captured) -> Core:
    router = build_router()
    captured.register(router)
    return Core(sessions, clock, router, platforms=known_platforms())


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_form_opens_as_a_modal_and_its_answers_reach_the_core(
    mode: str, start_slack: SlackFactory, capability_core: Core, captured: Captured
) -> None:
    slack = await start_slack(mode, capability_core)
    fake = slack.fake

    await slack.command(SOFIA, "demo-informe", channel=CHANNEL)
    (opened,) = fake.calls_to("views.open")
    assert opened.params["trigger_id"].startswith("trigger-USOFIA")
    view = opened.json("view")
    assert view["type"] == "modal"
    assert view["title"]["text"] == "Informe de avance del…"  # Slack allows 24 characters
    assert view["submit"]["text"] == "Enviar"
    assert [b["block_id"] for b in view["blocks"]] == ["estado", "nota"]
    assert view["blocks"][1]["optional"] is True
    assert view["blocks"][1]["element"]["max_length"] == 20

    too_long = await slack.interaction(
        submission_payload(SOFIA, view, {"estado": None, "nota": "x" * 25})
    )
    assert too_long["response_action"] == "errors"
    assert set(too_long["errors"]) == {"estado", "nota"}
    assert too_long["errors"]["estado"] == "Esta pregunta necesita una respuesta."
    assert captured.submissions == []

    accepted = await slack.interaction(
        submission_payload(SOFIA, view, {"estado": "bloq", "nota": "  falta el acceso "})
    )
    assert accepted.get("response_action") is None
    assert captured.submissions == [{"estado": "bloq", "nota": "falta el acceso"}]
    thanks = fake.calls_to("chat.postMessage")[-1]
    assert thanks.params["channel"] == CHANNEL and "¡Gracias, recibido!" in thanks.text


async def test_answers_to_a_modal_from_a_channel_without_the_app_go_to_direct_messages(
    start_slack: SlackFactory, capability_core: Core, captured: Captured
) -> None:
    slack = await start_slack("http", capability_core)
    await slack.command(SOFIA, "demo-informe", channel="CNOAPP")
    view = slack.fake.calls_to("views.open")[0].json("view")
    slack.fake.fail("chat.postMessage", error="not_in_channel")

    await slack.interaction(submission_payload(SOFIA, view, {"estado": "curso"}))

    assert captured.submissions == [{"estado": "curso", "nota": ""}]
    refused, sent = slack.fake.calls_to("chat.postMessage")
    assert (refused.params["channel"], sent.params["channel"]) == ("CNOAPP", "DSOFIA")
    assert "¡Gracias, recibido!" in sent.text


async def test_without_a_trigger_the_form_opens_from_a_button(
    start_slack: SlackFactory, capability_core: Core
) -> None:
    slack = await start_slack("http", capability_core)
    fake = slack.fake

    await slack.event(dm_event(SOFIA, "demo-informe"), "Ev100")
    assert fake.calls_to("views.open") == []
    offer = fake.calls_to("chat.postMessage")[-1]
    assert "Pulsa el botón para llenar el formulario." in offer.text
    assert offer.buttons[0]["value"] == "/demo-informe"

    await slack.press(SOFIA, "Abrir el formulario")
    assert len(fake.calls_to("views.open")) == 1


async def test_a_keyed_reply_edits_its_message(
    start_slack: SlackFactory, capability_core: Core, session: AsyncSession
) -> None:
    slack = await start_slack("http", capability_core)
    fake = slack.fake

    await slack.command(SOFIA, "demo-conteo", channel=CHANNEL)
    await slack.command(SOFIA, "demo-conteo", channel=CHANNEL)

    (first,) = fake.calls_to("chat.postMessage")
    assert first.text.startswith("<@USOFIA> Votos: 1")  # the malformed id is dropped
    (edit,) = fake.calls_to("chat.update")
    assert "Votos: 2" in edit.text
    stored = (await session.exec(select(SentMessage))).one()
    assert (stored.chat_id, stored.key) == (CHANNEL, "tally")
    assert edit.params["ts"] == stored.message_id


async def test_a_keyed_message_that_is_gone_is_posted_again_and_edited_from_then_on(
    http_slack: Slack, session: AsyncSession
) -> None:
    fake, send = http_slack.fake, http_slack.adapter.messenger.send
    tally = Reply("Votos: 1", to=Group(Platform.SLACK, CHANNEL), key="tally:1")

    assert await send(tally) is SendOutcome.SENT  # nothing known: posted, remembered
    assert await send(replace(tally, text="Votos: 2")) is SendOutcome.SENT  # edited
    fake.fail("chat.update", error="message_not_found")  # somebody deleted it
    assert await send(replace(tally, text="Votos: 3")) is SendOutcome.SENT  # posted again
    assert await send(replace(tally, text="Votos: 4")) is SendOutcome.SENT  # edits the new one

    first, second = fake.calls_to("chat.postMessage")
    assert (first.params["text"], second.params["text"]) == ("Votos: 1", "Votos: 3")
    updates = fake.calls_to("chat.update")
    assert [u.params["text"] for u in updates] == ["Votos: 2", "Votos: 3", "Votos: 4"]
    assert updates[0].params["ts"] == updates[1].params["ts"] != updates[2].params["ts"]
    stored = (await session.exec(select(SentMessage))).one()
    assert stored.message_id == updates[2].params["ts"]
    assert (stored.chat_id, stored.key) == (CHANNEL, "tally:1")


async def test_a_picture_is_uploaded_with_its_caption(
    start_slack: SlackFactory, capability_core: Core
) -> None:
    slack = await start_slack("http", capability_core)
    fake = slack.fake

    await slack.command(SOFIA, "demo-tablero", channel=CHANNEL)

    assert "Tablero &lt;equipos&gt;" in fake.calls_to("chat.postMessage")[-1].text
    (upload,) = fake.calls_to("files.getUploadURLExternal")
    assert upload.params["filename"] == "tablero.png"
    assert list(fake.uploads.values()) == [b"\x89PNG fake"]
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == CHANNEL
    assert complete.params["initial_comment"] == "Semana 1 &amp; 2"


# -- App Home -----------------------------------------------------------------------------


async def test_app_home_shows_where_the_reader_stands_and_the_help(
    slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    event = {
        "type": "app_home_opened",
        "user": SOFIA,
        "channel": "DSOFIA",
        "tab": "home",
        "event_ts": "1745330400.000300",
    }

    await slack.event(event, "Ev200")

    (published,) = slack.fake.calls_to("views.publish")
    assert published.params["user_id"] == SOFIA
    view = published.json("view")
    assert view["type"] == "home"
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "*Cohorte:* Sprint de prueba" in text
    assert "*Equipo:* Bogotá" in text
    assert "*Zona horaria:* hora de Bogotá (allí son las 09:00)" in text
    assert "/cohorte zona — elegir tu zona horaria" in text
    assert "Para el equipo coordinador:" not in text

    await slack.event(event | {"user": COORDINA, "channel": "DCOORDINA"}, "Ev201")
    coordinator_view = json.dumps(slack.fake.calls_to("views.publish")[-1].json("view"))
    assert "/cohorte miembros" in coordinator_view


async def test_app_home_shows_next_sessions_the_open_poll_and_the_deliverables(
    slack: Slack, session: AsyncSession, clock: ManualClock, transcript: Transcript
) -> None:
    await seed(session, clock)
    await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        /encuesta nueva "Horario" mar 10:00, jue 16:00 cierre 2025-04-25 18:00
        """
    )
    event = {
        "type": "app_home_opened",
        "user": SOFIA,
        "channel": "DSOFIA",
        "tab": "home",
        "event_ts": "1745330400.000400",
    }

    await slack.event(event, "Ev210")

    view = json.dumps(slack.fake.calls_to("views.publish")[-1].json("view"), ensure_ascii=False)
    assert "Próximas sesiones (hora de Bogotá)" in view
    assert "Sesión semanal" in view
    assert "Horario" in view and "v:1:" in view  # the ballot, with vote buttons
    assert "/cohorte zona" in view


async def test_the_attendance_board_is_posted_and_uploaded_and_summed_up_in_the_home_tab(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await attended_cohort(session, clock)
    await link_slack(session, "coordina", COORDINA)
    fake = http_slack.fake

    await http_slack.command(COORDINA, "asistencia tablero", channel="DCOORDINA")

    texts = [call.text for call in fake.calls_to("chat.postMessage")]
    (text,) = [text for text in texts if text.startswith("*Asistencia* · Sprint de prueba")]
    assert "*Bogotá* · 67 % (4 de 6)" in text
    (upload,) = fake.calls_to("files.getUploadURLExternal")
    assert upload.params["filename"] == "asistencia-2025-05-01.png"
    (png,) = fake.uploads.values()
    assert png.startswith(b"\x89PNG")
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.params["initial_comment"] == (
        "Asistencia de Sprint de prueba, jueves, 1 de mayo"
    )

    home = {"type": "app_home_opened", "user": COORDINA, "channel": "DCOORDINA", "tab": "home"}
    await http_slack.event(home | {"event_ts": "1746129600.000100"}, "EvATT")
    view = json.dumps(fake.calls_to("views.publish")[-1].json("view"), ensure_ascii=False)
    assert "*Asistencia* · 45 % (5 de 11)" in view
    assert "Última sesión: 29 abr · Sesión semanal · Semana 2 · 20 % (1 de 5)" in view


async def test_a_button_in_the_home_tab_answers_privately_and_refreshes_the_tab(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    button = {"action_id": "cohorte.0.1", "value": "l:en", "text": {"type": "plain_text"}}
    payload = action_payload(http_slack.fake, SOFIA, button, "unused")
    del payload["channel"], payload["response_url"], payload["message"]
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "blocks": [], "state": {"values": {}}}

    await http_slack.interaction(payload)

    answer = http_slack.fake.calls_to("chat.postMessage")[-1]
    assert answer.params["channel"] == "DSOFIA"
    assert "I will write to you in English from now on." in answer.text
    (published,) = http_slack.fake.calls_to("views.publish")
    assert "*Cohort:* Sprint de prueba" in json.dumps(published.json("view"))


# -- security -----------------------------------------------------------------------------


async def test_forged_and_stale_requests_are_refused(
    http_slack: Slack, session: AsyncSession
) -> None:
    transport = http_slack.transport
    assert isinstance(transport, HttpTransport)
    body = urllib.parse.urlencode(command_body(http_slack.fake, LUCIA, "unirme PRUEBA25"))
    form = "application/x-www-form-urlencoded"
    forged = {"X-Slack-Signature": "v0=" + "0" * 64}
    stale = sign(body, int(time.time()) - 6 * 60)

    for headers in (forged, stale, {"X-Slack-Signature": ""}):
        async with transport.client.post(
            transport.url, data=body, headers={"Content-Type": form, **sign(body), **headers}
        ) as response:
            assert response.status == 401
    await http_slack.adapter.idle()

    assert [c.method for c in http_slack.fake.calls] == ["auth.test"]  # only the start-up check
    assert await count(session, Person) == 0


# -- sending (the scheduler's messenger) --------------------------------------------------------


async def test_a_group_message_is_sent(http_slack: Slack) -> None:
    outcome = await http_slack.adapter.messenger.send(
        Reply("Recordatorio: *sesión semanal* a las 10:00", to=Group(Platform.SLACK, CHANNEL))
    )
    assert outcome is SendOutcome.SENT
    (post,) = http_slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert "*sesión semanal*" in post.text


async def test_a_direct_message_opens_the_conversation_first(http_slack: Slack) -> None:
    outcome = await http_slack.adapter.messenger.send(
        Reply("Hola", ((Button("Sí", "v:1:1:y"),),), to=Direct(Platform.SLACK, LUCIA))
    )
    assert outcome is SendOutcome.SENT
    assert http_slack.fake.calls_to("conversations.open")[0].params["users"] == LUCIA
    assert http_slack.fake.calls_to("chat.postMessage")[0].params["channel"] == "DLUCIA"


async def test_rate_limits_are_waited_out(http_slack: Slack) -> None:
    fake = http_slack.fake
    fake.fail("chat.postMessage", status=429, retry_after=3)

    outcome = await http_slack.adapter.messenger.send(Reply("Hola", to=Group(Platform.SLACK, "C1")))

    assert outcome is SendOutcome.SENT
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert 3.0 in http_slack.sleeps.seconds
    labels = {"platform": "slack", "reason": "retry_after"}
    registry = http_slack.adapter.core.metrics.registry
    assert registry.get_sample_value("cohorte_rate_limit_wait_seconds_sum", labels) == 3.0


async def test_a_rate_limit_that_lasts_is_retried_later(http_slack: Slack) -> None:
    http_slack.fake.fail("chat.postMessage", status=429, retry_after=1, times=3)
    reply = Reply("Hola", to=Group(Platform.SLACK, "C1"))
    assert await http_slack.adapter.messenger.send(reply) is SendOutcome.RETRY
    assert len(http_slack.fake.calls_to("chat.postMessage")) == 3  # 1 + 2 retries


async def test_server_errors_are_not_retried_blindly(http_slack: Slack) -> None:
    http_slack.fake.fail("chat.postMessage", status=503)
    reply = Reply("Hola", to=Group(Platform.SLACK, "C1"))
    assert await http_slack.adapter.messenger.send(reply) is SendOutcome.RETRY
    assert len(http_slack.fake.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive"]
)
async def test_gone_conversations_are_unreachable(http_slack: Slack, error: str) -> None:
    http_slack.fake.fail("chat.postMessage", error=error)
    reply = Reply("Hola", to=Group(Platform.SLACK, "C1"))
    assert await http_slack.adapter.messenger.send(reply) is SendOutcome.UNREACHABLE


async def test_an_unknown_person_is_unreachable(http_slack: Slack) -> None:
    http_slack.fake.fail("conversations.open", error="user_not_found")
    reply = Reply("Hola", to=Direct(Platform.SLACK, "UNOBODY"))
    assert await http_slack.adapter.messenger.send(reply) is SendOutcome.UNREACHABLE
    assert http_slack.fake.calls_to("chat.postMessage") == []


async def test_other_platforms_are_not_for_slack(http_slack: Slack) -> None:
    reply = Reply("Hola", to=Direct(Platform.TELEGRAM, "123"))
    assert await http_slack.adapter.messenger.send(reply) is SendOutcome.UNREACHABLE


async def test_a_timeout_after_sending_is_ambiguous_and_not_resent(
    start_slack: SlackFactory,
) -> None:
    slack = await start_slack("http", timeout=0.3)
    slack.fake.fail("chat.postMessage", delay=1.0)

    outcome = await slack.adapter.messenger.send(Reply("Hola", to=Group(Platform.SLACK, "C1")))

    assert outcome is SendOutcome.AMBIGUOUS
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_a_refused_connection_is_retried_later(fake: FakeSlack, core: Core) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    sleeps = Sleeps()
    adapter = SlackAdapter(
        slack_settings(fake, socket_mode=True, api_url=closed), core, options=fast_options(sleeps)
    )

    outcome = await adapter.messenger.send(Reply("Hola", to=Group(Platform.SLACK, "C1")))

    assert outcome is SendOutcome.RETRY
    assert sleeps.seconds == [0.5]  # one retry: the request never left


async def test_sending_keeps_about_one_message_per_second_per_channel() -> None:
    now = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    told: list[tuple[str, float]] = []
    pacer = ChannelPacer(
        1.0, 3, monotonic=lambda: now[0], sleep=sleep, on_wait=lambda *w: told.append(w)
    )
    for _ in range(5):
        await pacer.wait("C1")
    await pacer.wait("C2")  # another channel has its own budget
    assert waits == [1.0, 2.0]
    assert told == [("pace", 1.0), ("pace", 2.0)]  # for the metrics
    now[0] += 10
    await pacer.wait("C1")
    assert waits == [1.0, 2.0]


async def test_opening_direct_messages_keeps_to_slacks_tier_3() -> None:
    """A first fan-out opens a DM channel per person: 50 a minute after a burst of 20."""
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    class Client:
        async def conversations_open(self, users: str) -> dict[str, object]:
            return {"channel": {"id": f"D{users}"}}

    directory = Directory(
        Client(), ChannelPacer(50 / 60, 20, monotonic=lambda: now[0], sleep=sleep)
    )  # type: ignore[arg-type]
    for n in range(22):
        assert await directory.dm_channel(f"U{n}") == f"DU{n}"
    assert await directory.dm_channel("U0") == "DU0"  # known: no call, no wait
    assert waits == [pytest.approx(1.2), pytest.approx(2.4)]


# -- configuration, text, manifest ---------------------------------------------------------------


async def test_the_runtime_serves_slack_when_its_tokens_are_set(
    fake: FakeSlack, tmp_path: Path
) -> None:
    settings = slack_settings(fake, socket_mode=False).model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'cohorte.db'}"}
    )
    app = await bootstrap(settings)
    try:
        http = HttpServer("127.0.0.1", 0)
        (adapter,) = [a for a in build_adapters(app, http) if isinstance(a, SlackAdapter)]
        assert adapter.messenger.platform is Platform.SLACK
        assert "/slack/events" in {r.canonical for r in http.app.router.resources()}
    finally:
        await app.close()


def test_http_mode_needs_a_signing_secret(fake: FakeSlack, core: Core) -> None:
    settings = Settings(
        database_url="sqlite+aiosqlite://",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=None,
        SLACK_APP_TOKEN=None,
    )
    with pytest.raises(SlackConfigError):
        SlackAdapter(settings, core, HttpServer("127.0.0.1", 0))


def test_text_is_escaped_split_and_speaks_slack_commands() -> None:
    renderer = Renderer(["zona", "ayuda", "unirme"])
    long = "Línea con <b>negrita</b> & más\n" * 300

    messages = renderer.messages(Reply("Escribe /zona o /ayuda; https://x.org/zona sigue\n" + long))

    sections = [b for m in messages for b in m.blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(sections) >= 4
    first = sections[0]["text"]["text"]
    assert first.startswith("Escribe /cohorte zona o /cohorte ayuda; https://x.org/zona sigue")
    assert "&lt;b&gt;negrita&lt;/b&gt; &amp; más" in first
    assert split_text("a" * 7000, 3000) == ["a" * 3000, "a" * 3000, "a" * 1000]
    entities = "xy&amp;" * 1000
    pieces = split_text(entities, 3000)
    assert "".join(pieces) == entities
    assert all(re.search(r"&[a-z]*$", piece) is None for piece in pieces)  # never mid-entity


def test_peoples_words_are_escaped_and_never_formatted() -> None:
    renderer = Renderer(["zona"])
    j = WORD_JOINER
    said = literal("*Ana* _x_ ~y~ `z` <@U1> /zona https://x.org/a_b*c*")
    assert renderer.text("*Hola* /zona " + said + " " + bold("Plan *A*")) == (
        f"*Hola* /cohorte zona {j}*{j}Ana{j}*{j} {j}_{j}x{j}_{j} {j}~{j}y{j}~{j} {j}`{j}z{j}`{j} "
        f"&lt;@U1&gt; /zona https://x.org/a_b*c* *Plan {j}*{j}A{j}*{j}*"
    )


def test_what_people_write_becomes_commands() -> None:
    router = build_router()
    assert message_text("ayuda", router) == "/ayuda"
    assert message_text("/ayuda", router) == "/ayuda"
    assert message_text("Zona Bogotá", router) == "/Zona Bogotá"
    assert message_text("hola", router) == "hola"
    assert message_text("", router) == "/ayuda"
    assert mention_text("<@UBOT> zona Lima", "UBOT") == "/zona Lima"
    assert mention_text("<@UBOT|cohorte>", "UBOT") == "/ayuda"
    assert plain_text("sesión &lt;ya&gt; <https://meet.example/abc|Meet> &amp; <#C1|general>") == (
        "sesión <ya> https://meet.example/abc & #general"
    )


def test_the_manifest_asks_only_for_what_is_used(fake: FakeSlack) -> None:
    router = build_router()
    socket_manifest = json.loads(
        json.dumps(build_manifest(slack_settings(fake, socket_mode=True), router))
    )
    assert (
        set(socket_manifest["oauth_config"]["scopes"]["bot"])
        == {
            "commands",
            "chat:write",
            "im:write",
            "users:read",
            "files:write",
            "files:read",
            "app_mentions:read",
            "im:history",
            "channels:read",
            "groups:read",
        }
        == set(SCOPES)
    )
    settings = socket_manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_mention",
        "member_joined_channel",
        "message.im",
    ]
    assert "request_url" not in settings["interactivity"]
    (command,) = socket_manifest["features"]["slash_commands"]
    assert command["command"] == "/cohorte"
    assert "url" not in command
    assert command["usage_hint"].startswith("ayuda | unirme CÓDIGO | zona Bogotá")
    assert "Asistente" in command["description"]
    assert socket_manifest["features"]["app_home"]["home_tab_enabled"] is True

    http_settings = slack_settings(fake, socket_mode=False).model_copy(
        update={"public_url": "https://cohorte.example.org/"}
    )
    http_manifest = build_manifest(http_settings, router)
    url = "https://cohorte.example.org/slack/events"
    assert http_manifest["settings"]["socket_mode_enabled"] is False
    assert http_manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert http_manifest["settings"]["interactivity"]["request_url"] == url
    assert http_manifest["features"]["slash_commands"][0]["url"] == url
    with pytest.raises(ManifestError):
        build_manifest(slack_settings(fake, socket_mode=False), router, socket_mode=False)


def test_cohorte_slack_manifest_prints_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_APP_TOKEN", "COHORTE_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["slack", "manifest"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["settings"]["socket_mode_enabled"] is True

    refused = CliRunner().invoke(cli, ["slack", "manifest", "--http"])
    assert refused.exit_code == 1
    assert "COHORTE_PUBLIC_URL" in refused.output


async def test_stopping_waits_for_answers_in_progress(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    http_slack.fake.fail("chat.postMessage", delay=0.2)
    transport = http_slack.transport
    await transport.command(command_body(http_slack.fake, SOFIA, "ayuda"))

    await http_slack.adapter.stop()

    assert len(http_slack.fake.calls_to("chat.postMessage")) == 1


async def test_private_answers_are_not_held_to_the_channel_pace(start_slack: SlackFactory) -> None:
    """A crowd voting at once gets its receipts at once; visible posts keep the pace."""
    slack = await start_slack("http", burst=1)
    poster = slack.adapter.poster
    message = poster.renderer.messages(Reply("Anotado"))[0]
    for n in range(6):
        await poster.ephemeral_message("C1", f"U{n}", message)
        origin = Origin(
            user_id=f"U{n}",
            channel_id="C1",
            chat_kind=ChatKind.GROUP,
            response_url=slack.fake.response_url(f"r{n}"),
        )
        assert await poster.respond_messages(origin, [message], ephemeral=True)
    assert slack.sleeps.seconds == []
    for _ in range(3):
        await poster.post("C1", message)
    assert len(slack.sleeps.seconds) == 2  # one message a second in the channel


async def test_who_is_coming_is_answered_with_buttons_a_modal_and_refreshes_the_channel(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake
    await http_slack.command(COORDINA, "sesion semanal mar 10:00", channel=CHANNEL)
    clock.set(datetime(2025, 4, 28, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá, a day before
    await assembly.ticker.tick()

    def reminder_in(channel: str) -> ApiCall:
        (found,) = [
            c
            for c in fake.calls_to("chat.postMessage")
            if c.params["channel"] == channel and "Recordatorio" in c.text
        ]
        return found

    in_channel = reminder_in(CHANNEL)
    assert "Confirmados: Bogotá 0/1" in in_channel.text
    assert [b["value"] for b in in_channel.buttons] == [
        "ra:s1/2025-04-29:y",
        "ra:s1/2025-04-29:m",
        "ra:s1/2025-04-29:n",
    ]
    assert "¿Vas a asistir?" in reminder_in("DSOFIA").text

    await http_slack.press(SOFIA, "✅ Sí", channel="DSOFIA")
    assert "✅ Anotado: vas a asistir a *Sesión semanal*" in fake.posted_text()
    clock.advance(timedelta(seconds=30))
    await assembly.ticker.tick()
    (update,) = fake.calls_to("chat.update")
    assert update.params["channel"] == CHANNEL
    assert reminder_in(CHANNEL) is in_channel  # edited in place, not posted again
    assert "Confirmados: Bogotá 1/1" in update.text

    # "No", then why, in a modal (its one field limited to 200 characters).
    await http_slack.press(SOFIA, "❌ No", channel="DSOFIA")
    assert "❌ Anotado: no vas a asistir" in fake.posted_text()
    await http_slack.press(SOFIA, "Contar por qué", channel="DSOFIA")
    view = fake.calls_to("views.open")[-1].json("view")
    assert view["blocks"][0]["element"]["max_length"] == 200
    too_long = await http_slack.interaction(submission_payload(SOFIA, view, {"reason": "x" * 201}))
    assert too_long["response_action"] == "errors"
    await http_slack.interaction(submission_payload(SOFIA, view, {"reason": "Viaje *urgente*"}))
    assert "Gracias, lo anoté: “Viaje" in fake.posted_text()
    rows = (await session.exec(select(Rsvp.answer, Rsvp.reason))).all()
    assert [tuple(row) for row in rows] == [(RsvpAnswer.NO, "Viaje *urgente*")]

    clock.set(datetime(2025, 4, 29, 15, 0, tzinfo=UTC))  # it started
    await http_slack.press(SOFIA, "🤔 Tal vez", channel=CHANNEL)
    (_, answer) = fake.responses[-1]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("La sesión ya empezó")


async def test_bolt_leaves_our_loggers_alone(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    """Bolt gives the logger named after its app its own logger's level on every request:
    named "cohorte", the app froze our package logger (WARNING here: our INFO lines gone)."""
    await seed(session, clock)
    ours = logging.getLogger("cohorte")
    before = ours.level
    await http_slack.command(SOFIA, "ayuda")
    assert ours.level == before
