"""Registration on Slack: the form as a modal, the coordinator's buttons, the applicant
told, through the real slack-bolt and slack-sdk against the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Cohort
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import COORDINA, LUCIA, Slack, seed, submission_payload

fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_a_modal_then_the_buttons_and_one_welcome(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    cohort = (await session.exec(select(Cohort))).one()
    cohort.registration_open, cohort.registration_code = True, "INSCRIBE26"
    cohort.registration_deadline = datetime(2025, 4, 25, 5, 0, tzinfo=UTC)
    cohort.registration_places = 5
    await session.commit()
    fake = http_slack.fake

    await http_slack.command(LUCIA, "inscribirme inscribe26")
    view = fake.calls_to("views.open")[-1].json("view")
    intro = view["blocks"][0]["text"]["text"]
    assert "La inscripción no garantiza la participación" in intro
    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert labels[0] == "¿En qué ciudad trabajas?"
    answers = {
        "city": "santiago",
        "department": "Dirección de Compras",
        "role": "Analista",
        "challenge": "Más *proveedoras* en las compras de la ciudad",
    }
    assert (await http_slack.interaction(submission_payload(LUCIA, view, answers))) == {}
    assert "Gracias, Lucía: recibimos tu inscripción a Sprint de prueba." in fake.posted_text()

    await http_slack.command(COORDINA, "inscripciones")
    listed = fake.calls_to("chat.postMessage")[-1]
    assert "Santiago · Dirección de Compras · Analista (pendiente)" in listed.text
    assert [b["text"]["text"] for b in listed.buttons] == [
        "✅ Aceptar",
        "❌ Rechazar",
        "⏳ Lista de espera",
    ]
    await http_slack.press(COORDINA, "⏳ Lista de espera")
    assert "es el número 1 en la lista de espera; se lo avisé." in fake.posted_text()
    await assembly.ticker.tick()  # told now: a notice found stale when it is sent is dropped
    await http_slack.press(COORDINA, "✅ Aceptar")
    assert "en el equipo Santiago; se lo avisé." in fake.posted_text()

    await assembly.ticker.tick()
    to_lucia = [
        c.text for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "DLUCIA"
    ]
    assert len([text for text in to_lucia if "lista de espera" in text]) == 1
    welcome = [text for text in to_lucia if "bienvenida" in text]
    assert len(welcome) == 1
    assert "Estás en el equipo Santiago." in welcome[0]
    await assembly.ticker.tick()
    again = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "DLUCIA"]
    assert len(again) == len(to_lucia)
