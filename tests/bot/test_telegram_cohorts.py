"""Several cohorts per person on Telegram: the question "which cohort?" with buttons, driven
through the real client library against the fake server."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.telegram import TelegramAdapter
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, button_press, message, private_chat
from tests.bot.test_telegram import SOFIA, add_telegram_identity, buttons_of, feed
from tests.factories import seed_two_cohorts

# The Telegram adapter's own fixtures: the fake Bot API and the adapter.
fake = adapter_tests.fake
telegram = adapter_tests.telegram


async def test_telegram_asks_which_cohort_once_with_buttons_and_remembers(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    ids = await seed_two_cohorts(session, clock.now())
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)
    chat = private_chat(SOFIA)

    await feed(telegram, message(chat, SOFIA, "/proximas"))
    question = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert question.params["text"].startswith("Estás en varias cohortes. ¿Sobre cuál me escribes")
    choices = buttons_of(question.params)
    assert choices == {
        "Sprint de prueba": f"cu:{ids['first']}",
        "Segunda edición": f"cu:{ids['second']}",
    }

    await feed(telegram, button_press(SOFIA, question.result, choices["Segunda edición"]))
    assert "ahora trabajas con <b>Segunda edición</b>" in fake.texts(SOFIA["id"])[-1]

    await feed(telegram, message(chat, SOFIA, "/proximas"))
    answer = fake.texts(SOFIA["id"])[-1]
    assert answer.startswith("[Segunda edición]\n")
    assert "Masterclass de proveedores" in answer and "Masterclass de datos" not in answer

    await feed(telegram, message(chat, SOFIA, "/cohorte usar sprint"))
    assert "ahora trabajas con <b>Sprint de prueba</b>" in fake.texts(SOFIA["id"])[-1]
    await feed(telegram, message(chat, SOFIA, "/proximas"))
    assert "Masterclass de datos" in fake.texts(SOFIA["id"])[-1]
    questions = [t for t in fake.texts(SOFIA["id"]) if t.startswith("Estás en varias cohortes")]
    assert len(questions) == 1  # asked once
