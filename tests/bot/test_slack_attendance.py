"""Who came, on Slack: "Empezamos" with its button, the press, /cohorte asistencia and its
marks, through the real slack-bolt and slack-sdk against the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import Attendance, AttendanceSource, AttendanceStatus
from cohorte.storage.models import ChatLink, Platform
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import CHANNEL, COORDINA, SOFIA, Slack, action_payload, seed

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def _records(session: AsyncSession) -> list[Attendance]:
    session.expire_all()
    return list((await session.exec(select(Attendance))).all())


async def test_empezamos_the_press_and_the_coordinators_marks(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake
    await http_slack.command(COORDINA, 'sesion nueva masterclass 6 de mayo 10:00 "Datos"')

    clock.set(datetime(2025, 5, 6, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá
    await assembly.ticker.tick()
    (started,) = [c for c in fake.calls_to("chat.postMessage") if "Empezamos" in c.text]
    assert started.params["channel"] == "DSOFIA"  # Slack lets the bot write first
    assert "🟢 Empezamos: *Masterclass: Datos* · Semana 3" in started.text
    assert [b["text"]["text"] for b in started.buttons] == ["✋ Estoy aquí"]

    clock.set(datetime(2025, 5, 6, 16, 1, tzinfo=UTC))  # 11:01: the hour is over
    await http_slack.press(SOFIA, "✋ Estoy aquí")
    assert "Masterclass: Datos ya terminó (11:00)." in fake.posted_text()
    assert await _records(session) == []

    clock.set(datetime(2025, 5, 6, 16, 0, tzinfo=UTC))  # 11:00: still counts
    await http_slack.press(SOFIA, "✋ Estoy aquí")
    assert "Gracias, Sofía: quedó registrada tu asistencia a Masterclass: Datos." in (
        fake.posted_text()
    )
    (record,) = await _records(session)
    assert (record.status, record.source) == (AttendanceStatus.PRESENT, AttendanceSource.SELF)

    # A forged button value: a Spanish answer, nothing written.
    action = started.buttons[0]["action_id"]  # one of ours, with a value of nobody's
    forged = {
        "action_id": action,
        "text": {"type": "plain_text", "text": "?"},
        "value": "am:1:z:e1",
    }
    await http_slack.interaction(action_payload(fake, COORDINA, forged, "DCOORDINA"))
    assert "Ese botón ya no es válido" in fake.posted_text()

    await http_slack.command(COORDINA, "asistencia e1")
    roster = [c for c in fake.calls_to("chat.postMessage") if "Asistencia:" in c.text][-1]
    assert "• Sofía — sin respuesta · ✋ Presente (por su cuenta)" in roster.text
    assert [b["text"]["text"] for b in roster.buttons] == ["Sofía"]
    await http_slack.press(COORDINA, "Sofía")
    await http_slack.press(COORDINA, "✖️ Ausente")
    assert "Listo: *Sofía* en Masterclass: Datos — ✖️ Ausente." in fake.posted_text()
    (record,) = await _records(session)
    assert (record.status, record.source) == (
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
    )

    # Participants see their own record; the day after, the absentee hears from us.
    await http_slack.command(SOFIA, "asistencia")
    assert "*Masterclass: Datos*: ✖️ Ausente (equipo coordinador)" in fake.posted_text()
    clock.set(datetime(2025, 5, 7, 15, 0, tzinfo=UTC))
    await assembly.ticker.tick()
    (missed,) = [c for c in fake.calls_to("chat.postMessage") if "Te extrañamos" in c.text]
    assert missed.params["channel"] == "DSOFIA"
    assert "💬 Te extrañamos en *Masterclass: Datos* (martes, 6 de mayo)." in missed.text
