"""Setting a cohort up from chat, on Slack: the /nuevacohorte modal, a refusal and the
cohort it creates, teams, and a member taken out with the confirmation buttons and told —
through the real slack-bolt against the fake Slack."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.handlers.cohort.admins import create_admin_invite
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Cohort, Team
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import COORDINA, LUCIA, Slack, seed, submission_payload

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack

ANSWERS = {
    "name": "Sprint Bogotá 2026",
    "start": "2026-04-21",
    "weeks": "",
    "zone": "bogota",
    "locale": "es",
    "code": "bog-26",
    "source": "",
}


async def test_a_new_cohort_from_the_modal_then_a_member_taken_out_with_buttons(
    http_slack: Slack, session: AsyncSession, clock: ManualClock, assembly: Assembly
) -> None:
    await seed(session, clock)
    code = await create_admin_invite(session, clock.now())
    await session.commit()
    fake = http_slack.fake

    await http_slack.command(COORDINA, "nuevacohorte")
    assert "Solo quienes administran el bot" in fake.posted_text()
    assert fake.calls_to("views.open") == []
    await http_slack.command(COORDINA, f"admin {code}")
    await http_slack.command(COORDINA, "nuevacohorte")
    view = fake.calls_to("views.open")[-1].json("view")
    assert view["title"]["text"] == "Nueva cohorte"
    blocks = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert blocks == ["name", "start", "weeks", "zone", "locale", "code", "source"]
    assert [b["optional"] for b in view["blocks"] if b["type"] == "input"] == [
        False,
        False,
        True,
        False,
        False,
        True,
        True,
    ]

    # A Tuesday: refused in Spanish, nothing created.
    await http_slack.interaction(submission_payload(COORDINA, view, ANSWERS))
    assert (
        "El sprint empieza un lunes, el primer día de la semana 1; el 2026-04-21 no es lunes"
        in (fake.posted_text())
    )
    session.expire_all()
    assert len((await session.exec(select(Cohort))).all()) == 1

    await http_slack.interaction(
        submission_payload(COORDINA, view, {**ANSWERS, "start": "2026-04-20"})
    )
    said = fake.posted_text()
    assert "Listo: creé la cohorte *Sprint Bogotá 2026* (número 2), que tú coordinas." in said
    assert "en la hora de Bogotá; código de invitación: BOG-26." in said

    await http_slack.command(COORDINA, "equipo nuevo Medellín; CO")
    assert "Listo: el equipo Medellín (Colombia, hora de Bogotá)" in fake.posted_text()
    await http_slack.command(LUCIA, "unirme BOG-26")
    await http_slack.press(LUCIA, "Medellín")
    await http_slack.command(COORDINA, "miembro quitar Lucía")
    assert "¿Quitar a Lucía de Sprint Bogotá 2026?" in fake.posted_text()
    await http_slack.press(COORDINA, "Sí, quitarla")
    assert "Listo: Lucía ya no es parte de Sprint Bogotá 2026; ya le avisé." in fake.posted_text()
    await assembly.ticker.tick()
    told = [c for c in fake.calls_to("chat.postMessage") if "te quitó" in c.text]
    assert [c.params["channel"] for c in told] == ["DLUCIA"]

    session.expire_all()
    new = (await session.exec(select(Cohort).where(Cohort.invite_code == "BOG-26"))).one()
    (team,) = (await session.exec(select(Team).where(Team.cohort_id == new.id))).all()
    assert (team.name, team.country_code, team.zone) == ("Medellín", "CO", "America/Bogota")
