"""A participant report shared with the app in a Slack direct message: the file downloaded
from `url_private_download` with the bot token (only from Slack's host), the import and its
buttons, in Spanish; over HTTP and Socket Mode."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.slack.manifest import SCOPES
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import Attendance, AttendanceSource
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort
from tests.bot.fake_slack import BOT_TOKEN
from tests.bot.test_slack import (  # noqa: F401  (fixtures)
    COORDINA,
    SOFIA,
    Slack,
    dm_event,
    fake,
    link_slack,
    slack,
    start_slack,
)
from tests.conftest import Transcript
from tests.factories import seed_cohort
from tests.handlers.attendance.imports.conftest import sample, seed_people


async def _cohort(session: AsyncSession, clock: ManualClock, transcript: Transcript) -> Cohort:
    cohort = await seed_cohort(session, clock.now())
    await seed_people(session, cohort, clock)
    await link_slack(session, "sofia", SOFIA)
    await link_slack(session, "coordina", COORDINA)
    await transcript.run(":como coordina\n/sesion semanal mar 10:00\n:reloj 2025-05-06 12:00")
    return cohort


def file_event(user: str, text: str, file: dict[str, Any]) -> dict[str, Any]:
    """A direct message that shares a file, as Slack sends it (subtype `file_share`)."""
    return {**dm_event(user, text), "subtype": "file_share", "files": [file]}


async def test_a_coordinator_shares_a_meet_report_and_settles_a_row(
    slack: Slack,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    sessions: SessionFactory,
    transcript: Transcript,
) -> None:
    await _cohort(session, clock, transcript)
    api = slack.fake
    file = api.share_file("F0MEET", "asistencia.csv", sample("meet-asistencia-en.csv"))

    await slack.event(file_event(COORDINA, "s1/2025-05-06", file), "EvFile1")

    assert api.downloads == [("F0MEET", f"Bearer {BOT_TOKEN}")]
    posted = [call.text for call in api.calls_to("chat.postMessage")]
    assert posted[-2].startswith(
        "Importé el informe de Google Meet de Sesión semanal, martes, 6 de mayo"
    )
    assert "• Laura Gómez: 56 min" in posted[-2] and "• Sofía: 61 min" in posted[-2]
    assert "¿Quién es “Andrés R.” (45 min) en el informe?" in posted[-1]

    await slack.press(COORDINA, "Andrés Ruiz")
    assert "Listo: Andrés R. es Andrés Ruiz, presente (45 min)." in (
        api.calls_to("chat.postMessage")[-2].text
    )
    assert "¿Quién es “Mario Bustos” (mario.bustos@example.com, 50 min) en el informe?" in (
        api.calls_to("chat.postMessage")[-1].text
    )
    await slack.press(COORDINA, "No es del grupo")
    async with sessions() as check:
        records = (await check.exec(select(Attendance))).all()
    assert sorted(r.minutes or 0 for r in records) == [45, 56, 61]
    assert {r.source for r in records} == {AttendanceSource.MEET}

    # Slack redelivers the event: counted once; the same file shared again changes nothing.
    await slack.event(file_event(COORDINA, "s1/2025-05-06", file), "EvFile1")
    await slack.event(file_event(COORDINA, "s1/2025-05-06", file), "EvFile2")
    assert "Ya había importado este archivo" in api.calls_to("chat.postMessage")[-1].text
    assert len(api.downloads) == 3


async def test_big_foreign_or_offsite_files_are_not_downloaded(
    slack: Slack,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    transcript: Transcript,
) -> None:
    await _cohort(session, clock, transcript)
    api = slack.fake
    big = {**api.share_file("F0BIG", "grande.csv", b"x"), "size": 30 * 1024**2}
    pdf = api.share_file("F0PDF", "informe.pdf", b"%PDF")
    offsite = {
        **api.share_file("F0OFF", "robo.csv", b"a"),
        "url_private_download": "https://attacker.example.net/robo.csv",
        "url_private": "https://attacker.example.net/robo.csv",
    }

    await slack.event(file_event(COORDINA, "", big), "EvBig")
    await slack.event(file_event(COORDINA, "", pdf), "EvPdf")
    await slack.event(file_event(COORDINA, "", offsite), "EvOff")
    await slack.event(file_event(SOFIA, "", api.share_file("F0S", "p.csv", b"a,b")), "EvSofia")

    texts = [call.text for call in api.calls_to("chat.postMessage")][-4:]
    assert texts[0].startswith("El archivo es demasiado grande. Leo informes de hasta 1024 kB.")
    assert texts[1].startswith("Solo leo informes de participantes guardados como CSV (.csv)")
    assert texts[2].startswith("No pude descargar el archivo. Envíalo de nuevo, por favor.")
    assert texts[3].startswith("Solo el equipo coordinador puede hacer eso.")
    assert [file_id for file_id, _ in api.downloads] == ["F0S"]


def test_the_manifest_asks_to_read_files() -> None:
    assert "files:read" in SCOPES


async def test_a_file_bigger_than_slack_said_is_not_kept(
    slack: Slack,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    transcript: Transcript,
) -> None:
    await _cohort(session, clock, transcript)
    api = slack.fake
    lying = {**api.share_file("F0LIE", "p.csv", b"a," * (1024 * 1024)), "size": 10}

    await slack.event(file_event(COORDINA, "s1/2025-05-06", lying), "EvLie")

    assert [file_id for file_id, _ in api.downloads] == ["F0LIE"]
    assert api.calls_to("chat.postMessage")[-1].text.startswith(
        "El archivo es demasiado grande. Leo informes de hasta 1024 kB."
    )


async def test_the_token_never_goes_to_slacks_file_host_in_the_clear() -> None:
    from cohorte.bot.slack.inbound import FILES_HOST, download_shared_file
    from cohorte.handlers.core.messages import AttachmentMissing

    file = {
        "id": "F0HTTP",
        "name": "informe.csv",
        "size": 10,
        "url_private_download": f"http://{FILES_HOST}/files-pri/T1-F0HTTP/informe.csv",
    }
    found = await download_shared_file(file, "xoxb-secret", frozenset({FILES_HOST}))
    assert found.data is None and found.missing is AttachmentMissing.UNAVAILABLE
