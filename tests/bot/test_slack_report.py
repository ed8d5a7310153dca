"""/informe on Slack: the PDF goes out as a file upload, through the real slack-sdk against
the fake Slack; refused to participants, in Spanish."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from tests.bot import test_slack as adapter_tests
from tests.bot.test_slack import COORDINA, SOFIA, Slack, link_slack
from tests.handlers.report.pages import pdf_text
from tests.handlers.report.seed import reported_cohort

# The Slack adapter's own fixtures: the fake Slack, the adapter over HTTP.
fake = adapter_tests.fake
start_slack = adapter_tests.start_slack
http_slack = adapter_tests.http_slack


async def test_informe_on_slack_uploads_the_pdf(
    http_slack: Slack, session: AsyncSession, clock: ManualClock
) -> None:
    await reported_cohort(session, clock)
    await link_slack(session, "sofia", SOFIA)
    await link_slack(session, "coordina", COORDINA)
    fake = http_slack.fake

    await http_slack.command(SOFIA, "informe")
    assert "Solo el equipo coordinador puede hacer eso." in fake.posted_text()
    assert not fake.calls_to("files.getUploadURLExternal")

    await http_slack.command(COORDINA, "informe", channel="DCOORDINA")

    (upload,) = fake.calls_to("files.getUploadURLExternal")
    assert upload.params["filename"] == "informe-1-2025-05-01.pdf"
    (pdf,) = fake.uploads.values()
    assert pdf.startswith(b"%PDF-")
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DCOORDINA"
    assert complete.params["initial_comment"] == "Informe de Sprint de prueba, jueves, 1 de mayo"
    assert "Asistencia por equipo" in pdf_text(pdf)
