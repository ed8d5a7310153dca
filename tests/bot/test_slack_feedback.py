"""Feedback on Slack: "¿Qué tan útil fue? 1 a 5" with its buttons after a Masterclass, the
press, and the comment in a modal, through the real slack-bolt and slack-sdk against the
fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.feedback import Feedback
from cohorte.storage.models import ChatLink, Platform
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import CHANNEL, COORDINA, SOFIA, Slack, seed, submission_payload

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_the_question_its_buttons_and_the_comment_in_a_modal(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake
    await http_slack.command(COORDINA, 'sesion nueva masterclass 6 de mayo 10:00 "Datos"')

    clock.set(datetime(2025, 5, 6, 16, 10, tzinfo=UTC))  # 11:10 in Bogotá
    await assembly.ticker.tick()
    (asked,) = [c for c in fake.calls_to("chat.postMessage") if "Qué tan útil" in c.text]
    assert asked.params["channel"] == "DSOFIA"  # privately, never in the channel
    assert "⭐ *Masterclass: Datos* (martes, 6 de mayo)" in asked.text
    assert [b["text"]["text"] for b in asked.buttons] == ["1", "2", "3", "4", "5"]

    await http_slack.press(SOFIA, "5", channel="DSOFIA")
    assert "⭐ Gracias: 5 de 5 para *Masterclass: Datos*." in fake.posted_text()
    await http_slack.press(SOFIA, "💬 Dejar un comentario", channel="DSOFIA")
    view = fake.calls_to("views.open")[-1].json("view")
    assert view["blocks"][0]["element"]["max_length"] == 1000
    too_long = await http_slack.interaction(
        submission_payload(SOFIA, view, {"comment": "x" * 1001})
    )
    assert too_long["response_action"] == "errors"
    await http_slack.interaction(submission_payload(SOFIA, view, {"comment": "Muy *clara*"}))
    assert "Gracias, guardé tu comentario: “Muy" in fake.posted_text()

    session.expire_all()
    (row,) = (await session.exec(select(Feedback))).all()
    assert (row.score, row.comment) == (5, "Muy *clara*")

    await http_slack.command(COORDINA, "opiniones e1")
    shown = [c for c in fake.calls_to("chat.postMessage") if "Opiniones" in c.text][-1]
    assert "1 respuesta · promedio 5,0 de 5" in shown.text
    await http_slack.command(SOFIA, "opiniones")
    assert "Solo el equipo coordinador puede hacer eso." in fake.posted_text()
