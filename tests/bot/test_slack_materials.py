"""Materials on Slack: `/cohorte material` alone opens the modal; its submission attaches the
link and, the session being over, sends it once to the channel and privately — through the
real slack-bolt and slack-sdk against the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.materials import Material, MaterialKind
from cohorte.storage.models import ChatLink, Platform
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import CHANNEL, COORDINA, SOFIA, Slack, seed, submission_payload

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_the_modal_attaches_the_recording_and_it_is_sent_once(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    session.add(ChatLink(cohort_id=1, platform=Platform.SLACK, chat_id=CHANNEL))
    await session.commit()
    fake = http_slack.fake
    await http_slack.command(COORDINA, 'sesion nueva masterclass 6 de mayo 10:00 "Datos"')
    clock.set(datetime(2025, 5, 6, 17, 0, tzinfo=UTC))  # noon in Bogotá: it is over

    await http_slack.command(COORDINA, "material", channel=CHANNEL)
    view = fake.calls_to("views.open")[-1].json("view")
    assert view["blocks"][0]["text"]["text"] == "Agreguemos un material."
    inputs = [block for block in view["blocks"] if block["type"] == "input"]
    assert [block["block_id"] for block in inputs] == ["code", "kind", "url", "title"]
    assert inputs[1]["optional"] is True
    answers = {"code": "e1", "kind": None, "url": "ftp://x.org", "title": "Grabación"}
    await http_slack.interaction(submission_payload(COORDINA, view, answers))
    assert "«ftp://x.org» no es una dirección web" in fake.posted_text()

    answers = {
        "code": "e1",
        "kind": None,  # inferred: a recording, the session being over
        "url": "https://videos.example.org/e1",
        "title": "Grabación *final*",
    }
    assert (await http_slack.interaction(submission_payload(COORDINA, view, answers))) == {}
    await assembly.ticker.tick()
    (material,) = (await session.exec(select(Material))).all()
    assert (material.kind, material.title) == (MaterialKind.RECORDING, "Grabación *final*")

    news = [c for c in fake.calls_to("chat.postMessage") if "Nuevo material" in c.text]
    assert sorted(c.params["channel"] for c in news) == sorted([CHANNEL, "DSOFIA", "DCOORDINA"])
    for call in news:
        assert call.text.startswith("📎 Nuevo material de *Masterclass: Datos*")
        assert "https://videos.example.org/e1" in call.text
        assert "Grabación *final*" not in call.text  # people's stars never make bold

    await http_slack.command(SOFIA, "materiales")
    assert "🎥 Grabación: Grabación" in fake.posted_text()
    await assembly.ticker.tick()
    assert len([c for c in fake.calls_to("chat.postMessage") if "Nuevo material" in c.text]) == 3
