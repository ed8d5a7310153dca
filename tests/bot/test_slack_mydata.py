"""People's data on Slack: /cohorte misdatos uploads two files to the direct messages,
/cohorte olvidarme asks with buttons, through the real slack-bolt and slack-sdk against
the fake Slack."""

from __future__ import annotations

import json

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Identity, Person
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import SOFIA, Slack, seed

fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_my_data_as_two_uploads_then_forget_me_with_buttons(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await seed(session, clock)
    fake = http_slack.fake
    await http_slack.command(SOFIA, "misdatos")
    names = sorted(c.params["filename"] for c in fake.calls_to("files.getUploadURLExternal"))
    assert names[0].endswith(".json") and names[1].endswith(".txt")
    completed = fake.calls_to("files.completeUploadExternal")
    assert {c.params["channel_id"] for c in completed} == {f"D{SOFIA[1:]}"}
    uploads = list(fake.uploads.values())
    as_json = next(json.loads(data) for data in uploads if data.startswith(b"{"))
    assert SOFIA in {row["external_id"] for row in as_json["identity"]}
    assert any(b"Lo que Cohorte guarda sobre ti" in data for data in uploads)

    await http_slack.command(SOFIA, "olvidarme")
    assert "¿Quieres que borre tus datos personales?" in fake.posted_text()
    await http_slack.press(SOFIA, "🗑 Sí, borrar mis datos")
    assert "Listo: borré tus datos personales." in fake.posted_text()
    session.expire_all()
    assert "Sofía" not in (await session.exec(select(Person.display_name))).all()
    assert SOFIA not in (await session.exec(select(Identity.external_id))).all()
