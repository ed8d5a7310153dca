"""Setting a cohort up from chat, on Telegram: a one-time code, the /nuevacohorte form
asked step by step with buttons, a team added, a member taken out with the confirmation
buttons and told — through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from sqlmodel import select

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.telegram import TelegramAdapter
from cohorte.handlers.cohort.admins import create_admin_invite
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Member
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, button_press, message, private_chat
from tests.bot.test_telegram import COORDINATOR, LUCIA, buttons_of, feed

# The Telegram adapter's own fixtures: the fake Bot API, the adapter, the seeded cohort.
fake = adapter_tests.fake
telegram = adapter_tests.telegram
cohort = adapter_tests.cohort


async def test_a_new_cohort_from_a_guided_form_then_a_member_taken_out_with_buttons(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    async with transaction(sessions) as session:
        code = await create_admin_invite(session, clock.now())
    chat = private_chat(COORDINATOR)
    me = COORDINATOR["id"]

    async def say(text: str) -> str:
        await feed(telegram, message(chat, COORDINATOR, text))
        return fake.texts(me)[-1]

    async def press(label: str) -> str:
        last = [c for c in fake.calls_to("sendMessage", chat_id=me) if "reply_markup" in c.params]
        call = last[-1]
        await feed(telegram, button_press(COORDINATOR, call.result, buttons_of(call.params)[label]))
        return fake.texts(me)[-1]

    assert (await say("/nuevacohorte")).startswith("Solo quienes administran el bot")
    assert (await say(f"/admin {code}")).startswith("Listo: ahora eres administrador")
    first = await say("/nuevacohorte")
    assert first == (
        "Creemos una cohorte.\n\nNueva cohorte — responde unas preguntas; /cancelar para "
        "dejarlo.\n(1/7) ¿Nombre de la cohorte?"
    )
    await say("Sprint Santiago 2026")
    assert (await say("20 de abril de 2026")).startswith("(3/7) ¿Cuántas semanas?")
    assert (await press("Saltar")).startswith("(4/7) ¿Zona horaria principal?")
    assert await say("Santiago de Chile") == "(5/7) ¿Idioma de la cohorte?"
    await press("Español")
    await say("scl-26")
    done = await press("Saltar")
    assert done.startswith(
        "Listo: creé la cohorte <b>Sprint Santiago 2026</b> (número 2), que tú coordinas."
    )
    assert "dura 12 semanas, en la hora de Santiago de Chile; código de invitación: SCL-26" in done

    assert (await say("/equipo nuevo Valparaíso; Chile")).startswith(
        "Listo: el equipo Valparaíso (Chile, hora de Santiago de Chile) es parte de "
        "Sprint Santiago 2026."
    )
    lucia = private_chat(LUCIA)
    await feed(telegram, message(lucia, LUCIA, "/unirme SCL-26"))
    welcome = fake.calls_to("sendMessage", chat_id=LUCIA["id"])[-1]
    await feed(
        telegram, button_press(LUCIA, welcome.result, buttons_of(welcome.params)["Valparaíso"])
    )

    question = await say("/miembro quitar lucia")
    assert question.startswith("¿Quitar a Lucía 🌎 Pérez de Sprint Santiago 2026?")
    assert (await press("Sí, quitarla")) == (
        "Listo: Lucía 🌎 Pérez ya no es parte de Sprint Santiago 2026; ya le avisé."
    )
    await assembly.ticker.tick()
    assert fake.texts(LUCIA["id"])[-1].startswith(
        "El equipo coordinador te quitó de Sprint Santiago 2026."
    )
    async with sessions() as session:
        new = (await session.exec(select(Cohort).where(Cohort.invite_code == "SCL-26"))).one()
        members = (await session.exec(select(Member).where(Member.cohort_id == new.id))).all()
    assert [m.role for m in members] == ["coordinator"]
