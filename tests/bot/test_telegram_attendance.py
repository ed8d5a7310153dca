"""Who came, on Telegram: "Empezamos" with its button, the press, /asistencia and its marks,
through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.telegram import TelegramAdapter
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import Attendance, AttendanceSource, AttendanceStatus
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, button_press, group_chat, message, private_chat
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


async def _records(sessions: SessionFactory) -> list[Attendance]:
    async with sessions() as session:
        return list((await session.exec(select(Attendance))).all())


async def test_empezamos_the_press_and_the_coordinators_marks(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    group = group_chat(GROUP_ID)
    await feed(telegram, message(group, LUCIA, "/unirme PRUEBA25"))  # never wrote privately
    coordinator_chat = private_chat(COORDINATOR)
    await feed(
        telegram,
        message(coordinator_chat, COORDINATOR, '/sesion nueva masterclass 6 de mayo 10:00 "Datos"'),
    )

    clock.set(datetime(2025, 5, 6, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá
    await assembly.ticker.tick()
    (started,) = [
        c
        for c in fake.calls_to("sendMessage", chat_id=SOFIA["id"])
        if "Empezamos" in c.params["text"]
    ]
    assert started.params["text"].startswith("🟢 Empezamos: <b>Masterclass: Datos</b> · Semana 3")
    assert buttons_of(started.params) == {"✋ Estoy aquí": "ah:e1"}
    # Lucía cannot be written to first: a mention in the group, as for her reminders.
    mentions = [t for t in fake.texts(GROUP_ID) if "Empezamos" in t]
    assert len(mentions) == 1 and mentions[0].startswith('<a href="tg://user?id=5001">')
    # Without a button there, she says it in words.
    await feed(telegram, message(group, LUCIA, "/asistencia aqui"))
    assert "Gracias, Lucía: quedó registrada tu asistencia" in fake.texts(GROUP_ID)[-1]

    press = button_press(SOFIA, started.result, "ah:e1")
    await feed(telegram, press)
    answered = fake.calls_to("answerCallbackQuery")[-1].params
    assert answered["callback_query_id"] == press["callback_query"]["id"]
    said = answered.get("text", "") + " ".join(fake.texts(SOFIA["id"])[-1:])
    assert "Gracias, Sofía: quedó registrada tu asistencia a Masterclass: Datos." in said
    assert {(r.status, r.source) for r in await _records(sessions)} == {
        (AttendanceStatus.PRESENT, AttendanceSource.SELF)
    }

    # A forged press: answered in Spanish, nothing written.
    await feed(telegram, button_press(SOFIA, started.result, "am:1:p:e1"))
    refused = fake.calls_to("answerCallbackQuery")[-1].params.get("text", "")
    refused += " ".join(fake.texts(SOFIA["id"])[-1:])
    assert "Solo el equipo coordinador puede hacer eso." in refused

    await feed(telegram, message(coordinator_chat, COORDINATOR, "/asistencia"))
    roster = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])[-1]
    assert roster.params["text"].startswith("Asistencia: <b>Masterclass: Datos</b> · Semana 3")
    assert "• Sofía — sin respuesta · ✋ Presente (por su cuenta)" in roster.params["text"]
    assert "• Lucía 🌎 Pérez — sin respuesta · ✋ Presente (por su cuenta)" in roster.params["text"]
    picks = buttons_of(roster.params)
    assert all(len(data.encode()) <= 64 for data in picks.values())
    await feed(telegram, button_press(COORDINATOR, roster.result, picks["Lucía 🌎 Pérez"]))
    asked = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])[-1]
    marks = buttons_of(asked.params)
    assert set(marks) == {"✋ Presente", "✖️ Ausente", "📝 Justificado", "« Volver a la lista"}
    await feed(telegram, button_press(COORDINATOR, asked.result, marks["📝 Justificado"]))
    done = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])[-1].params["text"]
    assert done == "Listo: <b>Lucía 🌎 Pérez</b> en Masterclass: Datos — 📝 Justificado."
    statuses = sorted(r.status for r in await _records(sessions))
    assert statuses == [AttendanceStatus.EXCUSED, AttendanceStatus.PRESENT]
