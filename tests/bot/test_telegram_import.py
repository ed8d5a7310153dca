"""A participant report sent to the bot as a Telegram document: getFile, the download from
the fake Bot API's file path, the import and its buttons, in Spanish."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.telegram import TelegramAdapter
from cohorte.handlers.core.messages import MAX_ATTACHMENT_BYTES
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import Attendance, AttendanceSource
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort
from tests.bot.fake_telegram import FakeTelegram, document, private_chat
from tests.bot.test_telegram import (  # noqa: F401  (fixtures)
    COORDINATOR,
    SOFIA,
    add_telegram_identity,
    buttons_of,
    fake,
    feed,
    telegram,
)
from tests.conftest import Transcript
from tests.factories import seed_cohort
from tests.handlers.attendance.imports.conftest import sample, seed_people


async def _cohort(
    session: AsyncSession, clock: ManualClock, sessions: SessionFactory, transcript: Transcript
) -> Cohort:
    cohort = await seed_cohort(session, clock.now())
    await seed_people(session, cohort, clock)
    await add_telegram_identity(sessions, "Coordinación", COORDINATOR, dm_open=True)
    await add_telegram_identity(sessions, "Sofía", SOFIA, dm_open=True)
    await transcript.run(":como coordina\n/sesion semanal mar 10:00\n:reloj 2025-05-06 12:00")
    return cohort


async def test_a_coordinator_sends_a_zoom_report_as_a_document(
    fake: FakeTelegram,  # noqa: F811
    telegram: TelegramAdapter,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    sessions: SessionFactory,
    transcript: Transcript,
) -> None:
    await _cohort(session, clock, sessions, transcript)
    data = sample("zoom-participantes-es.csv")
    fake.add_file("doc-zoom", data, "documents/file_7.csv")
    chat = private_chat(COORDINATOR)

    await feed(telegram, document(chat, COORDINATOR, "doc-zoom", "participantes.csv", len(data)))

    assert [call.params["file_id"] for call in fake.calls_to("getFile")] == ["doc-zoom"]
    assert fake.downloads == ["documents/file_7.csv"]
    question = fake.calls_to("sendMessage", chat_id=COORDINATOR["id"])[-1]
    assert question.params["text"] == "¿De qué sesión es este informe?"
    sessions_offered = buttons_of(question.params)
    assert list(sessions_offered) == [
        "Sesión semanal, martes, 6 de mayo",
        "Sesión semanal, martes, 29 de abril",
    ]

    await feed(
        telegram, button_press_of(question, sessions_offered["Sesión semanal, martes, 6 de mayo"])
    )

    summary = fake.texts(COORDINATOR["id"])[-1]
    assert summary.startswith(
        "Importé el informe de Zoom de Sesión semanal, martes, 6 de mayo · 10:00 (hora de Bogotá)."
    )
    assert "• Laura Gómez: 56 min" in summary and "• Sofía: 46 min" in summary
    assert "• Andrés Rojas: solo 5 min, no cuenta como presente" in summary
    async with sessions() as check:
        records = (await check.exec(select(Attendance))).all()
    assert {r.minutes for r in records} == {56, 46}
    assert {r.source for r in records} == {AttendanceSource.ZOOM}


def button_press_of(call, data: str):  # type: ignore[no-untyped-def]
    from tests.bot.fake_telegram import button_press

    return button_press(COORDINATOR, call.result, data)


async def test_files_too_big_are_refused_before_downloading_and_participants_are_refused(
    fake: FakeTelegram,  # noqa: F811
    telegram: TelegramAdapter,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    sessions: SessionFactory,
    transcript: Transcript,
) -> None:
    await _cohort(session, clock, sessions, transcript)
    fake.add_file("doc-big", b"x", "documents/big.csv")
    fake.add_file("doc-pdf", b"%PDF-1.4", "documents/informe.pdf")
    fake.add_file("doc-sofia", sample("zoom-participantes-es.csv"), "documents/sofia.csv")
    chat = private_chat(COORDINATOR)

    await feed(
        telegram,
        document(chat, COORDINATOR, "doc-big", "grande.csv", 15 * 1024**2),
        document(chat, COORDINATOR, "doc-pdf", "informe.pdf", 8, mime_type="application/pdf"),
        document(private_chat(SOFIA), SOFIA, "doc-sofia", "participantes.csv", 451),
    )

    # Nothing too big or of another kind is fetched; a participant's CSV is (the adapter
    # downloads before the core's transaction), and the core refuses it.
    assert [call.params["file_id"] for call in fake.calls_to("getFile")] == ["doc-sofia"]
    coordinator = fake.texts(COORDINATOR["id"])
    assert coordinator[-2] == "El archivo es demasiado grande. Leo informes de hasta 1024 kB."
    assert coordinator[-1].startswith(
        "Solo leo informes de participantes guardados como CSV (.csv)"
    )
    assert fake.texts(SOFIA["id"])[-1] == "Solo el equipo coordinador puede hacer eso."
    assert MAX_ATTACHMENT_BYTES == 1024 * 1024


def test_a_document_whose_fields_have_the_wrong_types_is_no_update() -> None:
    from cohorte.bot.telegram.inbound import update_problem

    update = {"update_id": 1, **document(private_chat(COORDINATOR), COORDINATOR, "d", "a.csv", 9)}
    assert update_problem(update) is None
    update["message"]["document"]["file_size"] = "9"
    assert update_problem(update) == "message.document.file_size is not int"
    update["message"]["document"] = {"file_id": 7}
    assert update_problem(update) == "message.document.file_id is not str"


async def test_a_document_in_a_group_is_not_for_the_bot(
    fake: FakeTelegram,  # noqa: F811
    telegram: TelegramAdapter,  # noqa: F811
    session: AsyncSession,
    clock: ManualClock,
    sessions: SessionFactory,
    transcript: Transcript,
) -> None:
    from tests.bot.fake_telegram import group_chat

    await _cohort(session, clock, sessions, transcript)
    fake.add_file("doc-group", sample("zoom-participantes-es.csv"), "documents/g.csv")
    before = len(fake.calls)

    await feed(telegram, document(group_chat(-4001), COORDINATOR, "doc-group", "p.csv", 451))

    assert fake.calls[before:] == [] and fake.downloads == []
