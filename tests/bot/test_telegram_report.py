"""/informe on Telegram: the PDF goes out as a document (sendDocument), through the real
python-telegram-bot against the fake Bot API; refused to participants, in Spanish."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.telegram import TelegramAdapter
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, message, private_chat
from tests.bot.test_telegram import COORDINATOR, SOFIA, add_telegram_identity, feed
from tests.handlers.report.pages import pdf_text
from tests.handlers.report.seed import HIGHLIGHTED, reported_cohort

# The Telegram adapter's own fixtures: the fake Bot API, the adapter.
fake = adapter_tests.fake
telegram = adapter_tests.telegram


async def test_informe_on_telegram_sends_the_pdf_as_a_document(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await reported_cohort(session, clock)
    await add_telegram_identity(sessions, "Coordinación", COORDINATOR, dm_open=True)
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)

    await feed(telegram, message(private_chat(SOFIA), SOFIA, "/informe"))
    assert fake.texts(SOFIA["id"])[-1] == "Solo el equipo coordinador puede hacer eso."
    assert not fake.calls_to("sendDocument")

    await feed(telegram, message(private_chat(COORDINATOR), COORDINATOR, "/informe"))

    (document,) = fake.calls_to("sendDocument")
    assert document.params["chat_id"] == COORDINATOR["id"]
    sent = document.files["document"]
    assert sent.filename == "informe-1-2025-05-01.pdf"
    assert sent.data.startswith(b"%PDF-")
    assert document.params["caption"] == "Informe de Sprint de prueba, jueves, 1 de mayo"
    text = pdf_text(sent.data)
    assert "Informe de la cohorte" in text and HIGHLIGHTED in text
