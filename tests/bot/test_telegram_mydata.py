"""People's data on Telegram: /misdatos arrives as two documents, /olvidarme asks with
buttons, through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import json

from sqlmodel import select

from cohorte.bot.telegram import TelegramAdapter
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Identity, Person
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, button_press, message, private_chat
from tests.bot.test_telegram import SOFIA, buttons_of, feed

fake = adapter_tests.fake
telegram = adapter_tests.telegram
cohort = adapter_tests.cohort


async def test_my_data_as_two_files_then_forget_me_with_buttons(
    fake: FakeTelegram, telegram: TelegramAdapter, cohort: Cohort, sessions: SessionFactory
) -> None:
    chat = private_chat(SOFIA)
    await feed(telegram, message(chat, SOFIA, "/misdatos"))
    as_json, as_text = fake.calls_to("sendDocument", chat_id=SOFIA["id"])
    assert as_json.files["document"].filename.endswith(".json")
    data = json.loads(as_json.files["document"].data)
    assert data["person"][0]["display_name"] == "Sofía"
    assert str(SOFIA["id"]) in {row["external_id"] for row in data["identity"]}
    assert as_json.params["caption"] == "Todo lo que guardo sobre ti:"
    assert as_text.files["document"].filename.endswith(".txt")
    assert "Lo que Cohorte guarda sobre ti" in as_text.files["document"].data.decode()

    await feed(telegram, message(chat, SOFIA, "/olvidarme"))
    question = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert question.params["text"].startswith("¿Quieres que borre tus datos personales?")
    buttons = buttons_of(question.params)
    assert set(buttons) == {"🗑 Sí, borrar mis datos", "No, consérvalos"}
    await feed(telegram, button_press(SOFIA, question.result, buttons["🗑 Sí, borrar mis datos"]))
    assert "Listo: borré tus datos personales." in fake.texts(SOFIA["id"])[-1]
    async with sessions() as session:
        names = (await session.exec(select(Person.display_name))).all()
        accounts = (await session.exec(select(Identity.external_id))).all()
    assert "Sofía" not in names and str(SOFIA["id"]) not in accounts
