"""Several cohorts per person on Slack: the question "which cohort?" with buttons, driven
through the real client library against the fake server."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import SOFIA as SLACK_SOFIA
from tests.bot.test_slack import Slack, link_slack
from tests.factories import seed_two_cohorts

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_slack_asks_which_cohort_once_with_buttons_and_remembers(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed_two_cohorts(session, clock.now())
    await link_slack(session, "sofia", SLACK_SOFIA)
    fake = http_slack.fake

    await http_slack.command(SLACK_SOFIA, "proximas")
    asked = [c for c in fake.calls if "¿Sobre cuál me escribes" in c.text]
    assert len(asked) == 1
    assert [b["text"]["text"] for b in asked[0].buttons] == ["Sprint de prueba", "Segunda edición"]

    await http_slack.press(SLACK_SOFIA, "Segunda edición")
    assert "ahora trabajas con *Segunda edición*" in fake.posted_text()
    await http_slack.command(SLACK_SOFIA, "proximas")
    assert "Masterclass de proveedores" in fake.posted_text().rsplit("[Segunda edición]", 1)[-1]

    # `/cohorte usar …` (Slack's one slash command) and `/cohorte cohortes`.
    await http_slack.command(SLACK_SOFIA, "usar sprint")
    assert "ahora trabajas con *Sprint de prueba*" in fake.posted_text()
    await http_slack.command(SLACK_SOFIA, "cohortes")
    assert "1. *Sprint de prueba* — en curso, participante (en uso en privado)" in (
        fake.posted_text()
    )
    assert len([c for c in fake.calls if "¿Sobre cuál me escribes" in c.text]) == 1
