"""Materials on Telegram: /material after the Masterclass, the news in the group and in
private, /materiales — through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.telegram import TelegramAdapter
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, message, private_chat
from tests.bot.test_telegram import COORDINATOR, GROUP_ID, SOFIA, feed, link_group

# The Telegram adapter's own fixtures: the fake Bot API, the adapter, the seeded cohort.
fake = adapter_tests.fake
telegram = adapter_tests.telegram
cohort = adapter_tests.cohort


async def test_the_recording_goes_to_the_group_and_privately_once(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
) -> None:
    await link_group(sessions, GROUP_ID)
    coordinator = private_chat(COORDINATOR)
    await feed(
        telegram,
        message(coordinator, COORDINATOR, '/sesion nueva masterclass 6 de mayo 10:00 "Datos"'),
    )
    await feed(
        telegram,
        message(private_chat(SOFIA), SOFIA, "/material e1 https://example.org/x “Mío”"),
    )
    assert fake.texts(SOFIA["id"])[-1] == "Solo el equipo coordinador puede hacer eso."

    clock.set(datetime(2025, 5, 6, 17, 0, tzinfo=UTC))  # noon in Bogotá: it is over
    command = "/material e1 https://videos.example.org/e1?a=1&b=2 «Grabación <completa>»"
    await feed(telegram, message(coordinator, COORDINATOR, command))
    await assembly.ticker.tick()

    answer = fake.texts(COORDINATOR["id"])
    assert any(
        "🎥 Grabación: Grabación &lt;completa&gt; — https://videos.example.org/e1?a=1&amp;b=2"
        in text
        for text in answer
    )
    news = "📎 Nuevo material de <b>Masterclass: Datos</b> (martes, 6 de mayo) · Semana 3"
    in_group = [t for t in fake.texts(GROUP_ID) if t.startswith(news)]
    privately = [t for t in fake.texts(SOFIA["id"]) if t.startswith(news)]
    assert len(in_group) == 1 and len(privately) == 1
    assert "Grabación &lt;completa&gt;" in privately[0]

    await feed(telegram, message(coordinator, COORDINATOR, command))  # the same link again
    assert "Esa dirección ya está agregada" in fake.texts(COORDINATOR["id"])[-1]
    await assembly.ticker.tick()
    assert len([t for t in fake.texts(GROUP_ID) if t.startswith(news)]) == 1

    await feed(telegram, message(private_chat(SOFIA), SOFIA, "/materiales"))
    listed = fake.texts(SOFIA["id"])[-1]
    assert listed.startswith("📚 Materiales de <b>Sprint de prueba</b>")
    assert "<b>Semana 3</b>" in listed
    assert "• <b>Masterclass: Datos</b> — martes, 6 de mayo (e1)" in listed
