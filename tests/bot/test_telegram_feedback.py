"""Feedback on Telegram: "¿Qué tan útil fue? 1 a 5" with its buttons after a Masterclass,
the press, the comment as a guided question, and refusals, through the real
python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.telegram import TelegramAdapter
from cohorte.scheduling.clock import ManualClock
from cohorte.storage import attendance as records
from cohorte.storage.attendance import RsvpAnswer
from cohorte.storage.db import SessionFactory
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import Cohort, Identity, Member
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import (
    FakeTelegram,
    button_press,
    group_chat,
    message,
    private_chat,
    user,
)
from tests.bot.test_telegram import (
    COORDINATOR,
    GROUP_ID,
    LUCIA,
    SOFIA,
    buttons_of,
    feed,
    link_group,
)

# The Telegram adapter's own fixtures: the fake Bot API, the adapter, the seeded cohort.
fake = adapter_tests.fake
telegram = adapter_tests.telegram
cohort = adapter_tests.cohort


async def test_the_question_its_buttons_the_comment_and_refusals(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    await feed(telegram, message(group_chat(GROUP_ID), LUCIA, "/unirme PRUEBA25"))  # no DM
    await feed(
        telegram,
        message(
            private_chat(COORDINATOR),
            COORDINATOR,
            '/sesion nueva masterclass 6 de mayo 10:00 "Datos"',
        ),
    )

    clock.set(datetime(2025, 5, 6, 16, 10, tzinfo=UTC))  # 11:10 in Bogotá: 10 min after
    await assembly.ticker.tick()
    (asked,) = [
        c
        for c in fake.calls_to("sendMessage", chat_id=SOFIA["id"])
        if "Qué tan útil" in c.params["text"]
    ]
    assert asked.params["text"].startswith(
        "⭐ <b>Masterclass: Datos</b> (martes, 6 de mayo)\n¿Qué tan útil fue? 1 a 5"
    )
    assert list(buttons_of(asked.params).items()) == [(str(n), f"fb:e1:{n}") for n in range(1, 6)]
    # Lucía never wrote to the bot privately: skipped, never asked in the group.
    assert not any("Qué tan útil" in text for text in fake.texts(GROUP_ID))
    assert not fake.calls_to("sendMessage", chat_id=LUCIA["id"])

    await feed(telegram, button_press(SOFIA, asked.result, "fb:e1:4"))
    receipt = fake.calls_to("sendMessage", chat_id=SOFIA["id"])[-1]
    assert "⭐ Gracias: 4 de 5 para <b>Masterclass: Datos</b>." in receipt.params["text"]
    assert buttons_of(receipt.params)["💬 Dejar un comentario"] == "fbq:e1"
    await feed(telegram, button_press(SOFIA, receipt.result, "fbq:e1"))
    assert (
        "¿Qué te gustaría contarle a la coordinación sobre la sesión?"
        in (fake.texts(SOFIA["id"])[-1])
    )
    await feed(telegram, message(private_chat(SOFIA), SOFIA, "Muy <útil> & clara"))
    assert fake.texts(SOFIA["id"])[-1] == (
        "Gracias, guardé tu comentario: “Muy &lt;útil&gt; &amp; clara”."
    )

    # Forged and stale presses, and a stranger's: Spanish answers, nothing written.
    for data in ("fb:e1:9", "fb:e99:3", "fb:x:3"):
        await feed(telegram, button_press(SOFIA, asked.result, data))
    said = [c.params.get("text", "") for c in fake.calls_to("answerCallbackQuery")[-3:]]
    said += fake.texts(SOFIA["id"])[-3:]
    assert " | ".join(said).count("Ese botón ya no es válido") >= 3
    stranger = user(7777, "Nadie")
    await feed(telegram, button_press(stranger, asked.result, "fb:e1:1"))
    assert fake.texts(SOFIA["id"])[-1].startswith("Todavía no eres parte de una cohorte.")
    # Lucía said "No" to "¿Vas a asistir?": a forged score from her is refused, not kept.
    async with sessions() as session:
        lucia = (
            await session.exec(
                select(Member)
                .join(Identity, col(Identity.person_id) == col(Member.person_id))
                .where(Identity.external_id == str(LUCIA["id"]))
            )
        ).one()
        no = RsvpAnswer.NO
        await records.set_rsvp(session, lucia.cohort_id, "e1", lucia.id or 0, no, clock.now())
        await session.commit()
    await feed(telegram, button_press(LUCIA, asked.result, "fb:e1:1"))
    assert fake.texts(SOFIA["id"])[-1] == (
        "La opinión sobre Masterclass: Datos se pide solo a quienes asistieron."
    )

    async with sessions() as session:
        (row,) = (await session.exec(select(Feedback))).all()
    assert (row.ref, row.score, row.comment) == ("e1", 4, "Muy <útil> & clara")
