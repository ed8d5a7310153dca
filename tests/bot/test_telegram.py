"""The Telegram adapter, driven through the real python-telegram-bot against a fake Bot API.

Updates are fed as the JSON Telegram sends (through long polling, the webhook
route, or PTB's own update processing); the assertions are on the Bot API
calls the fake received.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import httpx
import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from cohorte.bot.bootstrap import App, Assembly, bootstrap, build_router
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.runtime import build_adapters, serve
from cohorte.bot.telegram import TelegramAdapter
from cohorte.bot.telegram.inbound import SECRET_HEADER
from cohorte.bot.telegram.limits import SendLimits, TelegramRateLimiter, Window
from cohorte.bot.telegram.messenger import outcome_of
from cohorte.bot.telegram.render import (
    link_mentions,
    plain_text,
    split_text,
    to_html,
    utf16_len,
)
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import (
    Button,
    Direct,
    FieldKind,
    File,
    Form,
    FormField,
    Group,
    Image,
    Reply,
)
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.metrics import Metrics
from cohorte.scheduling.outbox import SendOutcome
from cohorte.storage.attendance import Rsvp, RsvpAnswer
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Identity,
    InboundEvent,
    Member,
    Person,
    Platform,
    SentMessage,
    Team,
)
from cohorte.storage.status import Status, StatusUpdate
from tests.bot.fake_telegram import (
    BOT_USER,
    BOT_USERNAME,
    TOKEN,
    FakeLimits,
    FakeTelegram,
    bot_membership,
    button_press,
    group_chat,
    message,
    migration,
    private_chat,
    user,
)
from tests.factories import Numbered, seed_cohort
from tests.handlers.attendance.seed import attended_cohort
from tests.handlers.dashboard.test_dashboard import reported_cohort
from tests.handlers.status.test_status import seed_with_deliverables

TG = Platform.TELEGRAM
# Telegram's clock runs 100 times faster here: a minute is 0.6 s, `retry_after: 1` is 10 ms.
# Request latency does not shrink with it, so the limiter keeps a wider margin than in
# production, where 50 ms are small next to windows of seconds.
SCALE = 0.01
LIMITS = SendLimits(time_scale=SCALE, latency_margin=0.12)

GROUP_ID = -4001
SUPERGROUP_ID = -1004001
COORDINATOR = user(9001, "Coordinación")
SOFIA = user(9002, "Sofía", "Ríos")
LUCIA = user(5001, "Lucía 🌎", "Pérez")

_update_ids = itertools.count(70_000)


# -- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(time_scale=SCALE)
    await server.start()
    yield server
    await server.stop()


def settings_for(fake: FakeTelegram, public_url: str | None = None) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_url=fake.url,
        public_url=public_url,
    )


@pytest.fixture
async def telegram(
    fake: FakeTelegram, core: Core, assembly: Assembly
) -> AsyncIterator[TelegramAdapter]:
    """The adapter in long-polling mode, started, and the scheduler's way out to Telegram."""
    adapter = TelegramAdapter(settings_for(fake), core, limits=LIMITS, poll_timeout=1)
    await adapter.start()
    assembly.messengers[TG] = adapter.messenger
    yield adapter
    await adapter.stop()


@pytest.fixture
async def quiet(
    fake: FakeTelegram, core: Core, assembly: Assembly
) -> AsyncIterator[TelegramAdapter]:
    """The adapter in webhook mode (nothing polls), started; for sending tests."""
    adapter = TelegramAdapter(
        settings_for(fake, "https://cohorte.example.org"),
        core,
        HttpServer("127.0.0.1", 0),
        limits=LIMITS,
    )
    await adapter.start()
    assembly.messengers[TG] = adapter.messenger
    yield adapter
    await adapter.stop()


async def feed(adapter: TelegramAdapter, *updates: dict[str, Any]) -> None:
    """Process updates the way the application does for polled ones."""
    application = adapter.application
    for data in updates:
        if "update_id" not in data:
            data = {"update_id": next(_update_ids), **data}
        update = Update.de_json(data, application.bot)
        await application.update_processor.process_update(
            update, application.process_update(update)
        )


def buttons_of(call_params: dict[str, Any]) -> dict[str, str]:
    rows = call_params["reply_markup"]["inline_keyboard"]
    return {button["text"]: button["callback_data"] for row in rows for button in row}


async def add_telegram_identity(
    sessions: SessionFactory, display_name: str, telegram_user: dict[str, Any], dm_open: bool
) -> None:
    async with sessions() as session:
        person = (
            await session.exec(select(Person).where(Person.display_name == display_name))
        ).one()
        assert person.id is not None
        session.add(
            Identity(
                person_id=person.id,
                platform=TG,
                external_id=str(telegram_user["id"]),
                dm_open=dm_open,
            )
        )
        await session.commit()


async def link_group(sessions: SessionFactory, chat_id: int) -> None:
    async with sessions() as session:
        cohort = (await session.exec(select(Cohort))).one()
        assert cohort.id is not None
        session.add(ChatLink(cohort_id=cohort.id, platform=TG, chat_id=str(chat_id)))
        await session.commit()


async def count(sessions: SessionFactory, model: type[Any]) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def dm_open(sessions: SessionFactory, telegram_user: dict[str, Any]) -> bool:
    async with sessions() as session:
        identity = (
            await session.exec(
                select(Identity).where(
                    Identity.platform == TG, Identity.external_id == str(telegram_user["id"])
                )
            )
        ).one()
        return identity.dm_open


@pytest.fixture
async def cohort(session: AsyncSession, clock: ManualClock, sessions: SessionFactory) -> Cohort:
    """The seeded cohort; the coordinator and Sofía also have Telegram accounts."""
    seeded = await seed_cohort(session, clock.now())
    await add_telegram_identity(sessions, "Coordinación", COORDINATOR, dm_open=True)
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)
    return seeded


# -- conversations --------------------------------------------------------------------------


async def test_deep_link_join_then_team_zone_and_help_in_spanish(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    lucia = private_chat(LUCIA)

    await feed(telegram, message(lucia, LUCIA, "/start PRUEBA25"))

    welcome = fake.calls_to("sendMessage", chat_id=5001)[-1]
    assert welcome.params["text"] == (
        "¡Te damos la bienvenida a Sprint de prueba, Lucía!\n¿De qué equipo eres?"
    )
    assert welcome.params["parse_mode"] == "HTML"
    teams = buttons_of(welcome.params)
    assert list(teams) == ["Bogotá", "Ciudad de México", "Santiago"]

    press = button_press(LUCIA, welcome.result, teams["Santiago"])
    await feed(telegram, press)

    answered = fake.calls_to("answerCallbackQuery")[-1].params
    assert answered == {"callback_query_id": press["callback_query"]["id"]}
    assert fake.texts(5001)[-1] == (
        "Listo: ahora eres parte del equipo Santiago.\n"
        "Tu zona horaria es la hora de Santiago de Chile: allí son las 10:00.\n"
        "Si esa no es tu zona horaria, cámbiala con /zona."
    )

    await feed(telegram, message(lucia, LUCIA, "/zona"))
    zones = fake.calls_to("sendMessage", chat_id=5001)[-1]
    mexico = next(p for p in buttons_of(zones.params).values() if p == "z:America/Mexico_City")
    await feed(telegram, button_press(LUCIA, zones.result, mexico))
    assert fake.texts(5001)[-1].startswith(
        "Listo. Tu zona horaria ahora es la hora de Ciudad de México: allí son las 08:00"
    )

    await feed(telegram, message(lucia, LUCIA, "/ayuda"))
    help_text = fake.texts(5001)[-1]
    assert help_text.startswith("Estás en la cohorte <b>Sprint de prueba</b>.")
    assert "/zona — elegir tu zona horaria" in help_text
    assert "/miembros" not in help_text

    assert len(fake.calls_to("answerCallbackQuery")) == 2
    assert await dm_open(sessions, LUCIA)  # she started the private chat: reminders may go there
    async with sessions() as session:
        team = (
            await session.exec(
                select(Team)
                .join(Member, col(Member.team_id) == col(Team.id))
                .join(Identity, col(Identity.person_id) == col(Member.person_id))
                .where(Identity.external_id == "5001")
            )
        ).one()
        assert team.name == "Santiago"


async def test_an_old_team_button_in_the_group_moves_nobody_a_coordinator_does(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)
    # Lucía joins from the group (the bot cannot write to her) and picks Santiago.
    await feed(telegram, message(group, LUCIA, "/unirme PRUEBA25"))
    welcome = fake.calls_to("sendMessage", chat_id=GROUP_ID)[-1]
    teams = buttons_of(welcome.params)
    await feed(telegram, button_press(LUCIA, welcome.result, teams["Santiago"]))
    in_group = len(fake.calls_to("sendMessage", chat_id=GROUP_ID))

    # The welcome's buttons are still there: pressing another team changes nothing.
    await feed(telegram, button_press(LUCIA, welcome.result, teams["Bogotá"]))
    toast = fake.calls_to("answerCallbackQuery")[-1].params
    assert toast["text"].startswith("Eres del equipo Santiago. Los cambios de equipo los hace")
    assert len(fake.calls_to("sendMessage", chat_id=GROUP_ID)) == in_group

    # A coordinator moves her; she is told in the group, with a mention.
    await feed(telegram, message(private_chat(COORDINATOR), COORDINATOR, "/equipo Lucía Bogotá"))
    assert fake.texts(COORDINATOR["id"])[-1].startswith(
        "Listo: Lucía 🌎 Pérez pasó del equipo Santiago al equipo Bogotá."
    )
    await assembly.ticker.tick()
    told = fake.texts(GROUP_ID)[-1]
    assert told.startswith(
        '<a href="tg://user?id=5001">Lucía 🌎 Pérez</a>: El equipo coordinador te pasó del '
        "equipo Santiago al equipo Bogotá."
    )
    assert "Tu zona horaria es la hora de Bogotá" in told


async def test_long_polling_delivers_updates_and_confirms_them(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort
) -> None:
    fake.push_update(message(private_chat(SOFIA), SOFIA, "/ayuda"))
    fake.push_update(message(group_chat(GROUP_ID), SOFIA, "/ayuda@OtroBot"))  # not for us
    last = fake.push_update(message(group_chat(GROUP_ID), SOFIA, f"/ayuda@{BOT_USERNAME}"))

    await fake.wait_for("sendMessage", 2)
    deadline = time.monotonic() + 5
    while not any(
        c.params.get("offset") == last["update_id"] + 1 for c in fake.calls_to("getUpdates")
    ):
        assert time.monotonic() < deadline, "updates never confirmed"
        await asyncio.sleep(0.01)

    assert fake.texts(9002)[0].startswith("Estás en la cohorte <b>Sprint de prueba</b>.")
    assert len(fake.texts(GROUP_ID)) == 1  # /ayuda@OtroBot was ignored
    assert fake.updates == []


async def test_webhook_refuses_wrong_secrets_and_processes_an_update_once(
    fake: FakeTelegram, core: Core, cohort: Cohort, sessions: SessionFactory
) -> None:
    http = HttpServer("127.0.0.1", 0)
    adapter = TelegramAdapter(
        settings_for(fake, "https://cohorte.example.org/"), core, http, limits=LIMITS
    )
    await http.start()
    await adapter.start()
    try:
        webhook = fake.calls_to("setWebhook")[-1].params
        assert webhook["url"] == "https://cohorte.example.org/telegram/webhook"
        assert webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
        secret = webhook["secret_token"]
        assert len(secret) >= 32 and TOKEN not in secret
        assert fake.calls_to("getUpdates", ok=None) == []  # no polling in webhook mode

        update = {"update_id": 555, **message(private_chat(LUCIA), LUCIA, "/unirme PRUEBA25")}
        url = f"http://127.0.0.1:{http.bound_port}/telegram/webhook"
        async with aiohttp.ClientSession() as client:
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: secret[:-1]}):
                async with client.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            assert await count(sessions, InboundEvent) == 0
            assert await count(sessions, Person) == 2  # only the seeded people
            assert fake.calls_to("sendMessage") == []

            for _ in range(2):  # Telegram delivers it again: handled once
                async with client.post(
                    url, json=update, headers={SECRET_HEADER: secret}
                ) as response:
                    assert response.status == 200
            for body in (b"{not json", b"[]", b"null"):
                async with client.post(url, data=body, headers={SECRET_HEADER: secret}) as response:
                    assert response.status == 400
    finally:
        await adapter.stop()
        await http.stop()

    assert len(fake.calls_to("sendMessage")) == 1
    assert fake.texts(5001)[0].startswith("¡Te damos la bienvenida a Sprint de prueba")
    assert await count(sessions, InboundEvent) == 1
    assert await count(sessions, Person) == 3


async def test_a_redelivered_button_press_is_handled_once(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort
) -> None:
    await feed(telegram, message(private_chat(LUCIA), LUCIA, "/unirme PRUEBA25"))
    welcome = fake.calls_to("sendMessage", chat_id=5001)[-1]
    press = {
        "update_id": 8080,
        **button_press(LUCIA, welcome.result, buttons_of(welcome.params)["Bogotá"]),
    }

    await feed(telegram, press, press)

    assert len(fake.texts(5001)) == 2
    assert len(fake.calls_to("answerCallbackQuery")) == 2  # every spinner stops


async def test_the_bot_added_to_a_group_asks_for_vincular_and_a_coordinator_links_it(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    group = group_chat(GROUP_ID)
    added = {"update_id": 9100, **bot_membership(group, COORDINATOR)}

    await feed(telegram, added, added)

    assert fake.texts(GROUP_ID) == [
        "¡Hola! Soy Cohorte, el asistente del sprint. Para recibir en este grupo los "
        "recordatorios y avisos de la cohorte, alguien del equipo coordinador debe escribir "
        "aquí /vincular seguido del código de invitación, por ejemplo: /vincular SPRINT25"
    ]

    await feed(telegram, message(group, SOFIA, "/vincular PRUEBA25"))
    await feed(telegram, message(group, COORDINATOR, f"/vincular@{BOT_USERNAME} PRUEBA25"))

    assert fake.texts(9002)[-1] == "Solo el equipo coordinador puede hacer eso."  # privately
    assert fake.texts(GROUP_ID)[-1] == (
        "Este grupo ahora es el chat de Sprint de prueba: aquí llegarán los recordatorios y "
        "los avisos."
    )
    async with sessions() as session:
        link = (await session.exec(select(ChatLink).where(ChatLink.platform == TG))).one()
        assert link.chat_id == str(GROUP_ID)

    sent = len(fake.calls_to("sendMessage"))
    await feed(telegram, bot_membership(group, COORDINATOR, old="member", new="left"))
    assert len(fake.calls_to("sendMessage")) == sent  # removed: nothing to say
    await feed(telegram, bot_membership(group, COORDINATOR, old="left", new="administrator"))
    assert fake.texts(GROUP_ID)[-1].startswith(
        "¡Hola de nuevo! Este grupo ya es el chat de Sprint de prueba: aquí llegarán"
    )


async def test_a_group_that_becomes_a_supergroup_keeps_its_cohort(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    await link_group(sessions, GROUP_ID)

    await feed(telegram, *migration(group_chat(GROUP_ID), SUPERGROUP_ID, COORDINATOR))

    async with sessions() as session:
        links = (await session.exec(select(ChatLink).where(ChatLink.platform == TG))).all()
        assert [link.chat_id for link in links] == [str(SUPERGROUP_ID)]
    await feed(telegram, message(group_chat(SUPERGROUP_ID), SOFIA, "/ayuda"))
    assert fake.texts(SUPERGROUP_ID)[-1].startswith("Estás en la cohorte <b>Sprint de prueba</b>.")
    assert fake.calls_to("sendMessage", chat_id=GROUP_ID) == []  # service messages: no answer

    # A reminder still addressed to the old id follows Telegram's migrate_to_chat_id.
    fake.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": SUPERGROUP_ID},
        chat_id=GROUP_ID,
    )
    outcome = await telegram.messenger.send(Reply("Recordatorio", to=Group(TG, str(GROUP_ID))))
    assert outcome is SendOutcome.SENT
    assert fake.texts(SUPERGROUP_ID)[-1] == "Recordatorio"


async def test_user_text_is_escaped_and_bold_becomes_html(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort
) -> None:
    tricky = user(5002, "<b>Ana</b> & Co")
    chat = private_chat(tricky)

    await feed(telegram, message(chat, tricky, "/unirme PRUEBA25"))
    await feed(telegram, message(chat, tricky, "/zona <i>Atlántida</i> & 🐧"))

    welcome, not_found = fake.texts(5002)
    assert welcome.startswith(
        "¡Te damos la bienvenida a Sprint de prueba, &lt;b&gt;Ana&lt;/b&gt;!"
    )
    assert not_found.startswith(
        "No encontré una zona horaria para “&lt;i&gt;Atlántida&lt;/i&gt; &amp; 🐧”."
    )


async def test_markup_in_a_name_is_shown_as_typed_beside_the_bots_bold(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    starry = user(5003, "*Ana*", "_Ríos_")
    chat = private_chat(starry)
    await feed(telegram, message(chat, starry, "/unirme PRUEBA25"))
    assert fake.texts(5003)[0].startswith("¡Te damos la bienvenida a Sprint de prueba, *Ana*!")
    welcome = fake.calls_to("sendMessage", chat_id=5003)[-1]
    await feed(telegram, button_press(starry, welcome.result, buttons_of(welcome.params)["Bogotá"]))

    coordinator = private_chat(COORDINATOR)
    await feed(telegram, message(coordinator, COORDINATOR, "/miembros"))
    members = fake.texts(COORDINATOR["id"])[-1]
    assert "<b>Equipo Bogotá</b> (2)" in members  # the bot's bold
    assert "• *Ana* _Ríos_ — Bogotá" in members  # her name, as she wrote it


async def test_forged_or_stale_buttons_are_answered_in_spanish(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    await link_group(sessions, GROUP_ID)
    bot_message = {
        "message_id": 77,
        "date": 1_745_330_400,
        "chat": private_chat(SOFIA),
        "from": BOT_USER,
        "text": "¿De qué equipo eres?",
    }
    for data in ("tm:999:999", "tm:x", "zz:1", "z:Mars/Olympus", "../../etc/passwd", "ff:ok"):
        await feed(telegram, button_press(SOFIA, bot_message, data))

    answers = fake.texts(9002)
    assert answers[:5] == ["Ese botón ya no es válido. Vuelve a pedirlo con el comando."] * 5
    assert answers[5] == "Ese formulario ya no está abierto. Empieza de nuevo con el comando."
    assert len(fake.calls_to("answerCallbackQuery")) == 6

    # In a group only the presser should see it: the button's own toast says it.
    in_group = {**bot_message, "chat": group_chat(GROUP_ID)}
    await feed(telegram, button_press(SOFIA, in_group, "tm:1:999"))
    toast = fake.calls_to("answerCallbackQuery")[-1].params
    assert toast["text"] == "Ese botón ya no es válido. Vuelve a pedirlo con el comando."
    assert fake.calls_to("sendMessage", chat_id=GROUP_ID) == []


async def test_a_refusal_in_the_group_goes_privately_or_else_with_a_mention(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    session: AsyncSession,
    clock: ManualClock,
) -> None:
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)
    await feed(telegram, message(group, SOFIA, "/miembros"))
    assert fake.texts(9002) == ["Solo el equipo coordinador puede hacer eso."]
    assert fake.calls_to("sendMessage", chat_id=GROUP_ID) == []

    # Lucía joined from the group and never wrote privately: the group it is.
    await feed(telegram, message(group, LUCIA, "/unirme PRUEBA25"))
    assert not await dm_open(sessions, LUCIA)
    await feed(telegram, message(group, LUCIA, "/miembros"))
    assert fake.texts(GROUP_ID)[-1] == (
        '<a href="tg://user?id=5001">Lucía 🌎 Pérez</a>: '
        "Solo el equipo coordinador puede hacer eso."
    )

    # Sofía blocked the bot: the refusal falls back to the group, and DMs are off for her.
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=9002)
    await feed(telegram, message(group, SOFIA, "/miembros"))
    assert fake.texts(GROUP_ID)[-1].startswith('<a href="tg://user?id=9002">Sofía Ríos</a>: Solo')
    assert not await dm_open(sessions, SOFIA)

    # Writing /start privately opens the private chat again.
    await feed(telegram, message(private_chat(SOFIA), SOFIA, "/start"))
    assert await dm_open(sessions, SOFIA)
    await feed(telegram, message(private_chat(LUCIA), LUCIA, "/start"))
    assert await dm_open(sessions, LUCIA)


async def test_a_guided_form_is_asked_with_buttons_and_text(
    fake: FakeTelegram, sessions: SessionFactory, clock: ManualClock
) -> None:
    router = build_router()
    form = Form(
        title="Informe <semanal>",
        submit="tf:3",
        fields=(
            FormField("estado", "¿Cómo van?", FieldKind.CHOICE, (("b", "Bien"), ("m", "Mal"))),
            FormField("nota", "¿Algo más?", required=False),
        ),
    )

    async def ask(ctx: Context, args: str) -> list[Reply]:
        return [Reply("Vamos.", form=form)]

    async def submitted(ctx: Context, report: Numbered) -> list[Reply]:
        values = sorted((ctx.incoming.form_values or {}).items())
        return [Reply(f"Recibido {report.number}: {values}")]

    router.command(("formulario",), ask, "")
    router.button(ButtonRoute("tf", Numbered), submitted)
    adapter = TelegramAdapter(
        settings_for(fake), Core(sessions, clock, router), limits=LIMITS, poll_timeout=1
    )
    await adapter.start()
    try:
        chat = private_chat(LUCIA)
        await feed(adapter, message(chat, LUCIA, "/formulario"))
        first = fake.calls_to("sendMessage", chat_id=5001)[-1]
        assert first.params["text"] == (
            "Vamos.\n\nInforme &lt;semanal&gt; — responde unas preguntas; /cancelar para "
            "dejarlo.\n(1/2) ¿Cómo van?"
        )
        await feed(adapter, button_press(LUCIA, first.result, buttons_of(first.params)["Bien"]))
        second = fake.calls_to("sendMessage", chat_id=5001)[-1]
        assert second.params["text"] == "(2/2) ¿Algo más?"
        assert list(buttons_of(second.params)) == ["Saltar"]
        await feed(adapter, message(chat, LUCIA, "Todo <bien> & más"))
    finally:
        await adapter.stop()
    assert fake.texts(5001)[-1] == (
        "Recibido 3: [('estado', 'b'), ('nota', 'Todo &lt;bien&gt; &amp; más')]"
    )


async def test_the_command_menu_is_in_spanish_and_english_per_scope(
    fake: FakeTelegram, telegram: TelegramAdapter
) -> None:
    menus = {
        (call.params["scope"]["type"], call.params.get("language_code")): {
            c["command"]: c["description"] for c in call.params["commands"]
        }
        for call in fake.calls_to("setMyCommands")
    }

    assert set(menus) == {
        (scope, language)
        for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
        for language in (None, "en")
    }
    private = menus[("all_private_chats", None)]
    assert private["zona"] == "elegir tu zona horaria"
    assert {"unirme", "zona", "idioma", "ayuda", "cancelar", "miembros", "vincular"} <= set(private)
    assert "start" not in private
    assert "join" in menus[("all_private_chats", "en")]
    assert menus[("all_private_chats", "en")]["zone"] == "choose your time zone"
    assert "miembros" not in menus[("all_group_chats", None)]
    assert "vincular" in menus[("all_chat_administrators", None)]
    # Telegram takes no hyphen: /estado-bot is listed by its other Spanish name.
    assert "estado_bot" in private and "estado-bot" not in private
    assert "botstatus" in menus[("all_private_chats", "en")]


# -- the capabilities, end to end --------------------------------------------------------


async def test_a_poll_vote_in_the_group_updates_the_poll_message(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)

    await feed(
        telegram,
        message(
            group,
            COORDINATOR,
            '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00 cierre viernes 18:00',
        ),
    )

    poll_message, confirmation = fake.calls_to("sendMessage", chat_id=GROUP_ID)
    assert poll_message.params["text"].startswith(
        "🗳️ <b>Sesión semanal</b>: elijamos el día y la hora de la sesión semanal."
    )
    assert buttons_of(poll_message.params)["1 ✅"] == "v:1:1:y"
    assert confirmation.params["text"].startswith(
        "Listo: la encuesta “Sesión semanal” está abierta"
    )
    (ballot,) = fake.calls_to("sendMessage", chat_id=SOFIA["id"])  # her DM is open
    assert ballot.params["text"].startswith("¡Se abrió la encuesta de la sesión semanal!")

    press = button_press(SOFIA, poll_message.result, "v:1:1:y")
    await feed(telegram, press)

    receipt = fake.calls_to("answerCallbackQuery")[-1].params
    assert receipt["callback_query_id"] == press["callback_query"]["id"]
    assert receipt["text"].startswith("Anotado: 1. martes 10:00 (hora de Bogotá) → ✅ Sí")
    assert fake.calls_to("editMessageText") == []  # the tally is refreshed in batches

    clock.advance(timedelta(seconds=30))
    await assembly.ticker.tick()

    (edit,) = fake.calls_to("editMessageText")
    assert edit.params["chat_id"] == GROUP_ID
    assert edit.params["message_id"] == poll_message.result["message_id"]
    assert "✅ 1 · 🤔 0 · ❌ 0" in edit.params["text"]


async def test_reminders_go_privately_or_to_the_group_with_a_mention(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)
    await feed(telegram, message(group, LUCIA, "/unirme PRUEBA25"))  # she never wrote privately
    await feed(telegram, message(group, COORDINATOR, "/sesion semanal mar 10:00"))
    assert fake.texts(GROUP_ID)[-2].startswith("📣 La sesión semanal será el martes a las 10:00")
    before = len(fake.calls_to("sendMessage"))

    clock.set(datetime(2025, 4, 28, 15, 0, tzinfo=UTC))  # Monday 10:00 in Bogotá: 24 h before
    await assembly.ticker.tick()
    await assembly.ticker.tick()  # once, even if the scheduler wakes twice

    reminders = fake.calls_to("sendMessage")[before:]
    assert len(reminders) == 4
    private = {c.params["chat_id"]: c.params["text"] for c in reminders if c.params["chat_id"] > 0}
    assert set(private) == {SOFIA["id"], COORDINATOR["id"]}
    assert private[SOFIA["id"]].endswith(
        "martes, 29 de abril · 10:00 (hora de Bogotá)\n¿Vas a asistir?"
    )
    in_group = [c.params["text"] for c in reminders if c.params["chat_id"] == GROUP_ID]
    (mention,) = [text for text in in_group if text.startswith("<a ")]
    (for_group,) = [text for text in in_group if text != mention]
    assert for_group.startswith("⏰ Recordatorio (mañana): <b>Sesión semanal</b>")
    assert "10:00 Bogotá · 11:00 Santiago de Chile" in for_group
    assert mention.startswith('<a href="tg://user?id=5001">Lucía 🌎 Pérez</a>: ⏰ Recordatorio')


async def test_a_status_report_with_buttons_and_a_guided_note(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await seed_with_deliverables(session, clock.now())
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)
    chat = private_chat(SOFIA)

    async def answer(text: str) -> dict[str, Any]:
        await feed(telegram, message(chat, SOFIA, text))
        return fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1].params

    async def press(previous: dict[str, Any], label_start: str) -> dict[str, Any]:
        call = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
        assert call.params is previous
        payload = next(
            p for label, p in buttons_of(previous).items() if label.startswith(label_start)
        )
        await feed(telegram, button_press(SOFIA, call.result, payload))
        return fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1].params

    which = await answer("/reportar")
    assert which["text"].startswith("¿Qué entregable del equipo Bogotá quieres actualizar?")
    status = await press(which, "⚪ Mapeo de procesos")
    assert "Ahora: ⚪ sin iniciar" in status["text"]
    done = await press(status, "⛔ bloqueado")
    assert done["text"].startswith(
        "Listo: <b>Mapeo de procesos y sistemas</b> (Bogotá) pasó de sin iniciar a ⛔ bloqueado."
    )
    note = await press(done, "📝")
    assert "Tu nota (puede llevar un enlace al documento)" in note["text"]  # a guided form
    await answer("Falta acceso al SECOP <urgente> & más https://docs.example.org/mapeo")

    final = fake.texts(SOFIA["id"])[-1]
    assert "Nota: “Falta acceso al SECOP &lt;urgente&gt; &amp; más”" in final
    assert "Enlace: https://docs.example.org/mapeo" in final


async def test_a_report_in_the_group_goes_privately_or_shows_only_its_outcome(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await seed_with_deliverables(session, clock.now())
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)
    # Lucía joins from the group and never writes privately: the bot cannot write to her.
    await feed(telegram, message(group, LUCIA, "/unirme PRUEBA25"))
    teams = fake.calls_to("sendMessage", chat_id=GROUP_ID)[-1]
    await feed(telegram, button_press(LUCIA, teams.result, buttons_of(teams.params)["Santiago"]))
    in_group = len(fake.calls_to("sendMessage", chat_id=GROUP_ID))

    # Sofía can be written to: her report goes on in her private chat.
    await feed(telegram, message(group, SOFIA, "/reportar"))
    which = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert which.params["text"].startswith("¿Qué entregable del equipo Bogotá")
    assert "Te respondo en privado." in fake.texts(SOFIA["id"])
    assert len(fake.calls_to("sendMessage", chat_id=GROUP_ID)) == in_group

    # Lucía cannot: no buttons in the group, and a one-line report shows only its outcome.
    await feed(telegram, message(group, LUCIA, "/reportar"))
    hint = fake.calls_to("sendMessage", chat_id=GROUP_ID)[-1].params
    assert hint["text"].startswith('<a href="tg://user?id=5001">Lucía 🌎 Pérez</a>: Para usar')
    assert "reply_markup" not in hint
    await feed(telegram, message(group, LUCIA, "/reportar mapeo en curso"))
    outcome = fake.calls_to("sendMessage", chat_id=GROUP_ID)[-1].params
    assert outcome["text"] == (
        "Listo: <b>Mapeo de procesos y sistemas</b> (Santiago) pasó de sin iniciar a "
        "🔄 en curso.\nPara agregar una nota: /reportar mapeo “tu nota”"
    )
    assert "reply_markup" not in outcome

    # A status button left in the group from before names nobody: it records nothing.
    old = {**which.result, "chat": group}
    await feed(telegram, button_press(LUCIA, old, "sts:1:b"))
    toast = fake.calls_to("answerCallbackQuery")[-1].params
    assert toast["text"].startswith("Para usar los botones, escríbeme /reportar")
    await feed(telegram, button_press(SOFIA, old, "sts:1:b"))
    assert fake.calls_to("answerCallbackQuery")[-1].params["text"] == "Te respondo en privado."
    mine = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1].params
    assert "Ahora: ⚪ sin iniciar" in mine["text"]
    async with sessions() as check:
        statuses = (await check.exec(select(StatusUpdate.status))).all()
    assert statuses == [Status.IN_PROGRESS]  # Lucía's one line, nothing else


async def test_the_dashboard_arrives_as_text_and_a_picture(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await reported_cohort(session, clock)
    await add_telegram_identity(sessions, "Coordinación", COORDINATOR, dm_open=True)

    await feed(telegram, message(private_chat(COORDINATOR), COORDINATOR, "/tablero"))

    (text,) = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])
    assert text.params["text"].startswith("<b>Tablero</b> · Sprint de prueba")
    (photo,) = fake.calls_to("sendPhoto", chat_id=COORDINATOR["id"])
    assert photo.files["photo"].filename == "tablero-2025-06-10.png"
    assert photo.files["photo"].data.startswith(b"\x89PNG")
    # The caption is said once, under the picture.
    assert photo.params["caption"] == "Tablero de Sprint de prueba, martes, 10 de junio"


async def test_the_attendance_board_arrives_as_text_and_a_picture(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await attended_cohort(session, clock)
    await add_telegram_identity(sessions, "Coordinación", COORDINATOR, dm_open=True)
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)

    await feed(telegram, message(private_chat(COORDINATOR), COORDINATOR, "/asistencia tablero"))

    (text,) = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])
    assert text.params["text"].startswith("<b>Asistencia</b> · Sprint de prueba")
    assert "<b>Bogotá</b> · 67 % (4 de 6)\nAndrés: ✅ ❔ ❔ ❌" in text.params["text"]
    (photo,) = fake.calls_to("sendPhoto", chat_id=COORDINATOR["id"])
    assert photo.files["photo"].filename == "asistencia-2025-05-01.png"
    assert photo.files["photo"].data.startswith(b"\x89PNG")
    assert photo.params["caption"] == "Asistencia de Sprint de prueba, jueves, 1 de mayo"

    await feed(telegram, message(private_chat(SOFIA), SOFIA, "/asistencia tablero"))
    (refused,) = fake.calls_to("sendMessage", chat_id=SOFIA["id"])
    assert refused.params["text"] == "Solo el equipo coordinador puede hacer eso."
    assert fake.calls_to("sendPhoto", chat_id=SOFIA["id"]) == []


# -- sending ------------------------------------------------------------------------------


async def test_a_long_reply_is_split_at_4096_characters(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    text = "\n".join(f"{i:03d} · línea del informe con acentos, ñ y <etiquetas>" for i in range(95))
    assert 4096 < len(text) <= 8192

    outcome = await quiet.messenger.send(
        Reply(text, buttons=((Button("Listo", "x:1"),),), to=Group(TG, str(GROUP_ID)))
    )

    assert outcome is SendOutcome.SENT
    first, second = fake.calls_to("sendMessage", chat_id=GROUP_ID)
    assert "reply_markup" not in first.params and "reply_markup" in second.params
    plain = [c.params["text"].replace("&lt;", "<").replace("&gt;", ">") for c in (first, second)]
    assert all(len(part) <= 4096 for part in plain)
    assert "\n".join(plain) == text


async def test_a_keyed_message_is_edited_and_stale_versions_are_skipped(
    fake: FakeTelegram, quiet: TelegramAdapter, sessions: SessionFactory
) -> None:
    tally = Reply("Votos: *1*", to=Group(TG, str(GROUP_ID)), key="tally:1")
    assert await quiet.messenger.send(tally) is SendOutcome.SENT
    assert await quiet.messenger.send(replace(tally, text="Votos: *2*")) is SendOutcome.SENT
    assert await quiet.messenger.send(replace(tally, text="Votos: *2*")) is SendOutcome.SENT

    (posted,) = fake.calls_to("sendMessage")
    edits = fake.calls_to("editMessageText")
    assert [e.params["message_id"] for e in edits] == [posted.result["message_id"]]
    assert edits[0].params["text"] == "Votos: <b>2</b>"
    assert len(fake.calls_to("editMessageText", ok=False)) == 1  # "not modified" is fine

    # A burst of new versions: only the newest is worth an edit.
    outcomes = await asyncio.gather(
        *(quiet.messenger.send(replace(tally, text=f"Votos: *{n}*")) for n in range(3, 9))
    )
    assert set(outcomes) == {SendOutcome.SENT}
    assert [e.params["text"] for e in fake.calls_to("editMessageText")] == [
        "Votos: <b>2</b>",
        "Votos: <b>3</b>",
        "Votos: <b>8</b>",
    ]
    assert await count(sessions, SentMessage) == 1


async def test_a_keyed_message_that_is_gone_is_posted_again_and_edited_from_then_on(
    fake: FakeTelegram, quiet: TelegramAdapter, sessions: SessionFactory
) -> None:
    tally = Reply("Votos: *1*", to=Group(TG, str(GROUP_ID)), key="tally:1")
    await quiet.messenger.send(tally)
    (first,) = fake.calls_to("sendMessage")
    fake.fail("editMessageText", 400, "Bad Request: message to edit not found")  # deleted

    assert await quiet.messenger.send(replace(tally, text="Votos: *2*")) is SendOutcome.SENT
    assert await quiet.messenger.send(replace(tally, text="Votos: *3*")) is SendOutcome.SENT

    _, second = fake.calls_to("sendMessage")
    assert second.params["text"] == "Votos: <b>2</b>"
    (edit,) = fake.calls_to("editMessageText")
    assert edit.params["message_id"] == second.result["message_id"] != first.result["message_id"]
    assert edit.params["text"] == "Votos: <b>3</b>"
    async with sessions() as session:
        (stored,) = (await session.exec(select(SentMessage))).all()
    assert stored.message_id == str(second.result["message_id"])


async def test_images_and_files_are_uploaded(fake: FakeTelegram, quiet: TelegramAdapter) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    to = Group(TG, str(GROUP_ID))

    await quiet.messenger.send(
        Reply(
            "Tablero de la semana",
            image=Image("tablero.png", png, caption="Semana *3* <RDC7>"),
            buttons=((Button("Actualizar", "d:1"),),),
            to=to,
        )
    )
    await quiet.messenger.send(
        Reply("", file=File("sprint.ics", ics, "text/calendar", caption="Calendario"), to=to)
    )

    (text,) = fake.calls_to("sendMessage")
    assert text.params["text"] == "Tablero de la semana" and "reply_markup" not in text.params
    (photo,) = fake.calls_to("sendPhoto")
    assert photo.files["photo"].filename == "tablero.png"
    assert photo.files["photo"].data == png
    assert photo.params["caption"] == "Semana <b>3</b> &lt;RDC7&gt;"
    assert photo.params["parse_mode"] == "HTML"
    assert buttons_of(photo.params) == {"Actualizar": "d:1"}
    (document,) = fake.calls_to("sendDocument")
    assert document.files["document"].filename == "sprint.ics"
    assert document.files["document"].data == ics
    assert document.params["caption"] == "Calendario"


async def test_a_mention_links_the_name_in_a_group_message(
    fake: FakeTelegram, quiet: TelegramAdapter, cohort: Cohort
) -> None:
    await quiet.messenger.send(
        Reply(
            "Sofía: la sesión empieza en 1 hora.",
            to=Group(TG, str(GROUP_ID)),
            mentions=(str(SOFIA["id"]), str(COORDINATOR["id"])),
        )
    )

    assert fake.texts(GROUP_ID) == [
        '<a href="tg://user?id=9002">Sofía</a>: la sesión empieza en 1 hora.\n'
        '<a href="tg://user?id=9001">Coordinación</a>'
    ]


async def test_a_429_is_waited_out_and_retried_not_dropped(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)

    outcome = await quiet.messenger.send(Reply("Recordatorio", to=Direct(TG, "9002")))

    assert outcome is SendOutcome.SENT
    attempts = fake.calls_to("sendMessage", ok=None)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 5 * SCALE
    assert quiet.rate_limiter.retried == 1


async def test_a_429_that_does_not_end_gives_retry_back(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=10)

    outcome = await quiet.messenger.send(Reply("Recordatorio", to=Direct(TG, "9002")))

    assert outcome is SendOutcome.RETRY
    assert len(fake.calls_to("sendMessage", ok=None)) == LIMITS.max_retries + 1


async def test_without_pacing_the_fakes_429s_are_retried_and_all_arrive(core: Core) -> None:
    server = FakeTelegram(time_scale=SCALE, limits=FakeLimits(per_group=None, overall=None))
    await server.start()
    unpaced = SendLimits(
        per_chat=Window(1000, 1.0),
        per_group=Window(1000, 1.0),
        overall=Window(1000, 1.0),
        max_retries=10,
        time_scale=SCALE,
    )
    adapter = TelegramAdapter(
        settings_for(server, "https://cohorte.example.org"),
        core,
        HttpServer("127.0.0.1", 0),
        limits=unpaced,
    )
    await adapter.start()
    try:
        outcomes = await asyncio.gather(
            *(adapter.messenger.send(Reply(f"Parte {n}", to=Direct(TG, "9002"))) for n in range(6))
        )
    finally:
        await adapter.stop()
        await server.stop()

    assert set(outcomes) == {SendOutcome.SENT}
    assert server.rate_limited > 0  # real 429s from the fake's per-chat limit...
    assert sorted(server.texts(9002)) == [f"Parte {n}" for n in range(6)]  # ...all retried


async def test_a_fan_out_of_300_dms_stays_within_the_limits(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(
            quiet.messenger.send(Reply(f"Recordatorio {n}", to=Direct(TG, str(20_000 + n))))
            for n in range(300)
        )
    )

    assert outcomes == [SendOutcome.SENT] * 300
    delivered = fake.calls_to("sendMessage")
    assert sorted(c.params["chat_id"] for c in delivered) == list(range(20_000, 20_300))
    assert fake.rate_limited == 0  # the limiter kept us under 30 messages/s
    assert time.monotonic() - started >= 9 * SCALE  # 300 messages at 30/s: ~10 s of Telegram time


async def test_a_busy_group_gets_at_most_20_messages_a_minute(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    to = Group(TG, str(GROUP_ID))

    outcomes = await asyncio.gather(
        *(quiet.messenger.send(Reply(f"Aviso {n}", to=to)) for n in range(22))
    )

    assert set(outcomes) == {SendOutcome.SENT}
    sent = fake.calls_to("sendMessage", chat_id=GROUP_ID)
    assert len(sent) == 22 and fake.rate_limited == 0
    assert sent[20].at - sent[0].at >= 60 * SCALE * 0.95


async def test_telegram_failures_map_to_send_outcomes(
    fake: FakeTelegram, quiet: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    send = quiet.messenger.send
    to_sofia = Reply("Hola", to=Direct(TG, str(SOFIA["id"])))

    fake.fail("sendMessage", 500, "Internal Server Error")
    assert await send(to_sofia) is SendOutcome.RETRY
    fake.fail("sendMessage", 502, "Bad Gateway")
    assert await send(to_sofia) is SendOutcome.RETRY
    fake.fail("sendMessage", 400, "Bad Request: chat not found")
    assert await send(Reply("Hola", to=Group(TG, "-999"))) is SendOutcome.UNREACHABLE
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await send(to_sofia) is SendOutcome.UNREACHABLE
    assert not await dm_open(sessions, SOFIA)  # reminders go to the group from now on
    assert await send(Reply("Hola", to=Direct(TG, "not-a-number"))) is SendOutcome.UNREACHABLE
    with pytest.raises(ValueError):
        await send(Reply("Hola", to=Direct(Platform.SLACK, "U123")))


async def test_a_timeout_after_sending_is_ambiguous(fake: FakeTelegram, core: Core) -> None:
    adapter = TelegramAdapter(
        settings_for(fake, "https://cohorte.example.org"),
        core,
        HttpServer("127.0.0.1", 0),
        limits=LIMITS,
        read_timeout=0.2,
    )
    await adapter.start()
    try:
        fake.slow("sendMessage", 0.5)  # the client gives up after 0.2 s...
        outcome = await adapter.messenger.send(Reply("Hola", to=Direct(TG, "9002")))
    finally:
        await adapter.stop()

    assert outcome is SendOutcome.AMBIGUOUS
    assert fake.texts(9002) == ["Hola"]  # ...but Telegram did deliver it


async def test_a_refused_connection_means_retry(fake: FakeTelegram, quiet: TelegramAdapter) -> None:
    await fake.stop()

    outcome = await quiet.messenger.send(Reply("Hola", to=Direct(TG, "9002")))

    assert outcome is SendOutcome.RETRY


async def test_a_half_delivered_reply_is_not_sent_again(
    fake: FakeTelegram, quiet: TelegramAdapter
) -> None:
    long_text = "a " * 3000  # two messages
    to = Group(TG, str(GROUP_ID))

    fake.fail("sendMessage", 500, "Internal Server Error")
    assert await quiet.messenger.send(Reply(long_text, to=to)) is SendOutcome.RETRY  # none out

    fake.fail("sendMessage", 500, "Internal Server Error", after=1)
    # The first part went out: a retry would post it twice.
    assert await quiet.messenger.send(Reply(long_text, to=to)) is SendOutcome.AMBIGUOUS
    assert len(fake.calls_to("sendMessage")) == 1


async def test_cohorte_run_builds_the_telegram_adapter_only_with_a_token(
    fake: FakeTelegram, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("COHORTE_TELEGRAM_BOT_TOKEN", raising=False)

    def telegram_adapters(settings: Settings) -> list[TelegramAdapter]:
        app = cast(App, SimpleNamespace(settings=settings, core=core))
        adapters = build_adapters(app, HttpServer("127.0.0.1", 0))
        return [a for a in adapters if isinstance(a, TelegramAdapter)]

    (adapter,) = telegram_adapters(settings_for(fake))
    assert adapter.application.bot.base_url == f"{fake.url}/bot{TOKEN}"
    assert adapter.application.bot.base_file_url == f"{fake.url}/file/bot{TOKEN}"
    assert telegram_adapters(Settings(_env_file=None)) == []


async def test_serve_runs_telegram_in_the_shared_loop(
    fake: FakeTelegram, database_url: str, session: AsyncSession, clock: ManualClock
) -> None:
    """What `cohorte run` does with TELEGRAM_BOT_TOKEN set (system clock, as in production)."""
    await seed_cohort(session, clock.now())
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        http_port=0,
        telegram_bot_token=TOKEN,
        telegram_api_url=fake.url,
    )
    app = await bootstrap(settings, migrate=False)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, stop))
    try:
        await fake.wait_for("getUpdates")
        fake.push_update(message(private_chat(LUCIA), LUCIA, "/start PRUEBA25"))
        (welcome,) = await fake.wait_for("sendMessage")
        assert welcome.params["text"].startswith("¡Te damos la bienvenida a Sprint de prueba")
        assert app.messengers[TG].platform is TG  # the scheduler can reach Telegram
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)
        await app.close()


# -- pieces -------------------------------------------------------------------------------


def test_html_escapes_everything_but_bold() -> None:
    assert to_html("*Hola* <b>Ana</b> & 2 * 3 * 4") == (
        "<b>Hola</b> &lt;b&gt;Ana&lt;/b&gt; &amp; 2 * 3 * 4"
    )
    assert to_html('Equipo "Lima" *RDC7 & RDC8*') == 'Equipo "Lima" <b>RDC7 &amp; RDC8</b>'


def test_peoples_words_are_escaped_and_never_bold() -> None:
    text = "*Hola* " + literal("*Ana* <b>x</b> & _y_") + " · " + bold("Plan *A*")
    assert to_html(text) == "<b>Hola</b> *Ana* &lt;b&gt;x&lt;/b&gt; &amp; _y_ · <b>Plan *A*</b>"
    assert plain_text(text) == "Hola *Ana* <b>x</b> & _y_ · Plan *A*"
    # Cut inside a name, each message still shows it literally.
    long = "x" * 4080 + " " + literal("*Ana* " + "*y*" * 10)
    assert [to_html(part) for part in split_text(long)] == ["x" * 4080 + " *Ana*", "*y*" * 10]


def test_split_text_counts_utf16_and_prefers_line_and_word_breaks() -> None:
    emoji = "🎉" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    words = " ".join(["palabra"] * 1000)
    parts = split_text(words)
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert " ".join(parts) == words
    assert split_text("uno\n\n\ndos", 5) == ["uno", "dos"]
    bold = "x" * 4090 + " *negrita*"
    assert split_text(bold) == ["x" * 4090, "*negrita*"]
    assert split_text("   \n  ") == []


def test_link_mentions_links_a_name_once_outside_tags() -> None:
    linked = link_mentions("<b>Ana</b> y Ana", [("1", "Ana"), ("2", "b")])
    assert linked == '<b><a href="tg://user?id=1">Ana</a></b> y Ana\n<a href="tg://user?id=2">b</a>'
    assert link_mentions("", [("3", "<Eva>")]) == '<a href="tg://user?id=3">&lt;Eva&gt;</a>'


def test_failures_are_classified_by_what_certainly_happened() -> None:
    def caused(error: Any, cause: Exception) -> Any:
        error.__cause__ = cause
        return error

    assert outcome_of(RetryAfter(3)) is SendOutcome.RETRY
    # An accepted message whose answer could not be read: it may well have arrived.
    assert outcome_of(TelegramError("Invalid server response")) is SendOutcome.AMBIGUOUS
    assert outcome_of(InvalidToken()) is SendOutcome.RETRY
    assert outcome_of(Forbidden("Forbidden: bot was blocked by the user")) is (
        SendOutcome.UNREACHABLE
    )
    assert outcome_of(BadRequest("Bad Request: chat not found")) is SendOutcome.UNREACHABLE
    assert outcome_of(caused(TimedOut(), httpx.ReadTimeout("x"))) is SendOutcome.AMBIGUOUS
    assert outcome_of(caused(TimedOut(), httpx.ConnectTimeout("x"))) is SendOutcome.RETRY
    assert outcome_of(caused(TimedOut(), httpx.PoolTimeout("x"))) is SendOutcome.RETRY
    assert outcome_of(caused(NetworkError("x"), httpx.ConnectError("refused"))) is (
        SendOutcome.RETRY
    )
    assert outcome_of(caused(NetworkError("x"), httpx.RemoteProtocolError("x"))) is (
        SendOutcome.AMBIGUOUS
    )
    assert outcome_of(NetworkError("Internal Server Error")) is SendOutcome.RETRY


class VirtualTime:
    """A clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_the_limiter_paces_chats_groups_and_everything() -> None:
    clock = VirtualTime()
    limiter = TelegramRateLimiter(SendLimits(latency_margin=0), now=clock, sleep=clock.sleep)
    stamps: dict[str, list[float]] = {}

    async def send(chat: int) -> bool:
        async def call() -> bool:
            stamps.setdefault(str(chat), []).append(clock.now)
            return True

        result = await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)
        assert result is True
        return True

    for _ in range(7):
        await send(42)
    assert stamps["42"] == [0, 1, 2, 3, 4, 5, 6]  # one a second, as Telegram asks

    clock.now = 100.0
    for _ in range(21):
        await send(-7)
    times = stamps["-7"]
    assert times[:3] == [100, 101, 102] and times[19] == 119
    assert times[20] == 160  # the 21st waits for the minute to pass

    clock.now = 1000.0
    await asyncio.gather(*(send(n) for n in range(1001, 1061)))
    started = sorted(t for chat in range(1001, 1061) for t in stamps[str(chat)])
    # Thirty a second, spread evenly: never two within 1/30 s, never 31 in one second.
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(started))
    assert all(started[i + 30] - started[i] >= 1.0 - 1e-9 for i in range(len(started) - 30))
    assert started[59] - started[0] < 2.0


async def test_messages_held_at_a_slow_gate_do_not_leave_together() -> None:
    """The outbox's gate waits for a commit: when the database is slow, the messages that
    waited together still leave spaced out."""
    clock = VirtualTime()
    limiter = TelegramRateLimiter(SendLimits(latency_margin=0), now=clock, sleep=clock.sleep)
    commit = asyncio.Event()
    left: list[float] = []

    async def gate() -> None:
        await commit.wait()  # every message's mark waits for the same slow commit

    async def send(chat: int) -> None:
        async def call() -> bool:
            left.append(clock.now)
            return True

        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, gate)

    sending = [asyncio.create_task(send(n)) for n in range(1, 11)]
    for _ in range(50):
        await asyncio.sleep(0)
    clock.now += 2.0  # the commit took two seconds
    commit.set()
    await asyncio.gather(*sending)
    assert len(left) == 10
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(left))


async def test_a_429_pauses_only_its_chat() -> None:
    limiter = TelegramRateLimiter(SendLimits(time_scale=SCALE))
    calls: list[tuple[int, float]] = []
    refusals = {42: 1}
    started = time.monotonic()

    async def send(chat: int) -> None:
        async def call() -> bool:
            calls.append((chat, time.monotonic() - started))
            if refusals.get(chat):
                refusals[chat] -= 1
                raise RetryAfter(7)
            return True

        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(send(42), send(43), send(-44))

    assert [chat for chat, _ in calls] == [42, 43, -44, 42]
    assert calls[2][1] < 7 * SCALE <= calls[3][1]


async def test_the_limiters_waits_are_counted_for_the_metrics() -> None:
    clock = VirtualTime()
    metrics = Metrics()
    limiter = TelegramRateLimiter(
        SendLimits(latency_margin=0), now=clock, sleep=clock.sleep, metrics=metrics
    )
    refusals = [RetryAfter(3)]

    async def call() -> bool:
        if refusals:
            raise refusals.pop()
        return True

    for _ in range(3):  # the second and third wait a second each for the chat's window
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 42}, None)

    def sample(name: str, reason: str) -> float | None:
        labels = {"platform": "telegram", "reason": reason}
        return metrics.registry.get_sample_value(f"cohorte_rate_limit_wait_seconds_{name}", labels)

    # The 429 asked for 3 s; its pause, then the window, made three later calls wait.
    assert sample("count", "retry_after") == 1 and sample("sum", "retry_after") == 3
    assert sample("count", "pace") == 3 and sample("sum", "pace") == pytest.approx(5)


async def test_who_is_coming_is_answered_with_buttons_and_refreshes_the_group_reminder(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    await feed(telegram, message(group_chat(GROUP_ID), COORDINATOR, "/sesion semanal mar 10:00"))
    clock.set(datetime(2025, 4, 28, 15, 0, tzinfo=UTC))  # Monday 10:00 in Bogotá: 24 h before
    await assembly.ticker.tick()

    (in_group,) = [
        c
        for c in fake.calls_to("sendMessage", chat_id=GROUP_ID)
        if "Recordatorio" in c.params["text"]
    ]
    assert "Confirmados: Bogotá 0/1" in in_group.params["text"]
    assert list(buttons_of(in_group.params).items()) == [
        ("✅ Sí", "ra:s1/2025-04-29:y"),
        ("🤔 Tal vez", "ra:s1/2025-04-29:m"),
        ("❌ No", "ra:s1/2025-04-29:n"),
    ]
    private = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert private.params["text"].endswith("¿Vas a asistir?")

    await feed(telegram, button_press(SOFIA, private.result, "ra:s1/2025-04-29:y"))
    assert fake.texts(SOFIA["id"])[-1].startswith(
        "✅ Anotado: vas a asistir a <b>Sesión semanal</b>, martes, 29 de abril · 10:00"
    )
    assert fake.calls_to("editMessageText") == []  # refreshed in batches
    clock.advance(timedelta(seconds=30))
    await assembly.ticker.tick()
    (edit,) = fake.calls_to("editMessageText")
    assert edit.params["chat_id"] == GROUP_ID
    assert edit.params["message_id"] == in_group.result["message_id"]
    assert "Confirmados: Bogotá 1/1" in edit.params["text"]
    assert edit.params["text"].startswith("⏰ Recordatorio (mañana): <b>Sesión semanal</b>")

    # "No" with a reason, asked as a guided question in the private chat.
    await feed(telegram, button_press(SOFIA, private.result, "ra:s1/2025-04-29:n"))
    receipt = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert list(buttons_of(receipt.params).values()) == ["rq:s1/2025-04-29"]
    await feed(telegram, button_press(SOFIA, receipt.result, "rq:s1/2025-04-29"))
    assert "¿por qué no vas a asistir?" in fake.texts(SOFIA["id"])[-1]
    await feed(telegram, message(private_chat(SOFIA), SOFIA, "Viaje <de trabajo> & más"))
    assert fake.texts(SOFIA["id"])[-1] == (
        "Gracias, lo anoté: “Viaje &lt;de trabajo&gt; &amp; más”."
    )

    # Stale (the session started) and forged presses get a clear answer, nothing else.
    clock.set(datetime(2025, 4, 29, 15, 0, tzinfo=UTC))
    for data in ("ra:s1/2025-04-29:y", "ra:s1/2025-04-29:q", "ra:s99/2025-04-29:y"):
        await feed(telegram, button_press(SOFIA, private.result, data))
    answers = [c.params.get("text", "") for c in fake.calls_to("answerCallbackQuery")[-3:]]
    texts = fake.texts(SOFIA["id"])[-3:]
    said = " | ".join(answers + texts)
    assert "La sesión ya empezó" in said
    assert "Ese botón ya no es válido" in said
    assert "No encuentro esa sesión" in said
    async with sessions() as session:
        (row,) = (await session.exec(select(Rsvp))).all()
    assert (row.answer, row.reason) == (RsvpAnswer.NO, "Viaje <de trabajo> & más")
