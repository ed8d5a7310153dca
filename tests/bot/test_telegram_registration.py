"""Registration on Telegram: the deep link, the form step by step, the coordinator's
buttons and the applicant told, through the real python-telegram-bot against the fake."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.telegram import TelegramAdapter
from cohorte.storage.models import Cohort
from tests.bot import test_telegram as adapter_tests
from tests.bot.fake_telegram import FakeTelegram, button_press, message, private_chat
from tests.bot.test_telegram import COORDINATOR, LUCIA, buttons_of, feed

fake = adapter_tests.fake
telegram = adapter_tests.telegram
cohort = adapter_tests.cohort


async def test_deep_link_form_and_the_coordinators_buttons(
    fake: FakeTelegram,
    telegram: TelegramAdapter,
    cohort: Cohort,
    session: AsyncSession,
    assembly: Assembly,
) -> None:
    cohort.registration_open, cohort.registration_code = True, "INSCRIBE26"
    cohort.registration_deadline = datetime(2025, 4, 25, 5, 0, tzinfo=UTC)
    session.add(cohort)
    await session.commit()
    lucia = private_chat(LUCIA)

    await feed(telegram, message(lucia, LUCIA, "/start i_INSCRIBE26"))
    asked = fake.texts(5001)[-1]
    assert asked.startswith("Inscripción a Sprint de prueba: te preguntaré tu ciudad")
    assert "La inscripción no garantiza la participación" in asked
    assert asked.endswith("(1/4) ¿En qué ciudad trabajas?")
    for answer in ("Lima", "Gerencia de Logística", "Jefa de <compras>", "Publicar *datos*"):
        await feed(telegram, message(lucia, LUCIA, answer))
    thanks = fake.texts(5001)[-1]
    assert thanks.startswith("Gracias, Lucía: recibimos tu inscripción a Sprint de prueba.")
    assert "Cargo: Jefa de &lt;compras&gt;" in thanks
    assert "Reto: “Publicar *datos*”" in thanks

    coordinator = private_chat(COORDINATOR)
    await feed(telegram, message(coordinator, COORDINATOR, "/inscripciones"))
    listed = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])[-1]
    assert listed.params["text"].startswith("<b>Lucía 🌎 Pérez</b> — Lima · Gerencia de Logística")
    buttons = buttons_of(listed.params)
    assert list(buttons) == ["✅ Aceptar", "❌ Rechazar", "⏳ Lista de espera"]
    assert all(len(data.encode()) < 64 for data in buttons.values())

    await feed(telegram, button_press(COORDINATOR, listed.result, buttons["✅ Aceptar"]))
    done = fake.texts(COORDINATOR["id"])[-1]
    assert done == "Listo: aceptamos a Lucía 🌎 Pérez en el equipo Lima; se lo avisé."
    await assembly.ticker.tick()
    welcome = [text for text in fake.texts(5001) if "bienvenida" in text]
    assert len(welcome) == 1
    assert welcome[0].startswith("¡Te damos la bienvenida a Sprint de prueba, Lucía!")
    assert "Estás en el equipo Lima." in welcome[0]
    assert "hora de Lima" in welcome[0]

    # Pressed again (a second coordinator, an old message): said, and nobody told twice.
    await feed(telegram, button_press(COORDINATOR, listed.result, buttons["✅ Aceptar"]))
    await assembly.ticker.tick()
    assert len([text for text in fake.texts(5001) if "bienvenida" in text]) == 1
