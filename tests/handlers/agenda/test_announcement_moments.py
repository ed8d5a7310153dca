"""/anuncio: a day and time is read inside the sprint, and one typed without the bar is
asked about before anything goes out (issue 13).

The clock is Tuesday 22 April 2025, 09:00 in Bogotá; the sprint runs from 21 April to
13 July 2025.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.messages import ChatKind, Incoming, Reply
from cohorte.handlers.core.router import Core
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform, Role
from cohorte.storage.outbox import Delivery
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


def _said(sender: str, text: str = "", payload: str | None = None) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=sender,
        sender_name=sender.title(),
        chat_id=sender,
        chat_kind=ChatKind.PRIVATE,
        text=text,
        payload=payload,
    )


def _payloads(replies: list[Reply]) -> list[str]:
    return [button.payload for reply in replies for row in reply.buttons for button in row]


async def _announcements(sessions: SessionFactory) -> list[Delivery]:
    async with sessions() as read:
        statement = select(Delivery).where(Delivery.kind == "announcement")
        return list((await read.exec(statement)).all())


async def test_a_day_and_time_without_the_bar_is_asked_about_before_anything_is_sent(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como coordina\n/anuncio 6/5 09:00 sin barra")

    assert "bot → #sala" not in out
    assert (
        "¿Programar para el martes, 6 de mayo de 2025 · 09:00 (hora de Bogotá)"
        " o enviar ahora el texto tal cual?" in out
    )
    assert await _announcements(sessions) == []


async def test_scheduling_from_the_question_sends_the_rest_at_that_moment(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/anuncio 6/5 09:00 sin barra")

    out = await transcript.run(":b 1")
    assert "Programado para el martes, 6 de mayo de 2025 · 09:00 (hora de Bogotá)." in out
    assert "bot → #sala" not in out

    out = await transcript.run(":reloj 2025-05-06 09:00")
    assert "bot → #sala: 📣 sin barra" in out


async def test_sending_now_from_the_question_sends_the_text_as_it_was_typed(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/anuncio 6/5 09:00 sin barra")

    out = await transcript.run(":b 2")

    assert "bot → #sala: 📣 6/5 09:00 sin barra" in out
    assert "Aviso enviado a los chats de la cohorte." in out


async def test_the_question_buttons_carry_only_an_id_and_work_once(
    session: AsyncSession, sessions: SessionFactory, core: Core, clock: ManualClock
) -> None:
    await seed_cohort(session, clock.now())
    asked = await core.handle(_said("coordina", "/anuncio 6/5 09:00 sin barra"))
    later, now = _payloads(asked)
    assert "sin barra" not in later + now
    assert len(later.encode()) <= 64

    first = await core.handle(_said("coordina", payload=now))
    again = await core.handle(_said("coordina", payload=now))
    other = await core.handle(_said("coordina", payload=later))

    assert "Aviso enviado" in first[0].text
    assert "ya no es válido" in again[0].text
    assert "ya no es válido" in other[0].text
    assert len(await _announcements(sessions)) == 1  # the group chat, once


async def test_only_the_coordinator_who_asked_can_answer_the_question(
    session: AsyncSession, sessions: SessionFactory, core: Core, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    await add_member(session, cohort, "Marta", "marta", Role.COORDINATOR, None, clock.now())
    await session.commit()
    asked = await core.handle(_said("coordina", "/anuncio 6/5 09:00 sin barra"))
    _, now = _payloads(asked)

    pressed = await core.handle(_said("marta", payload=now))

    assert "ya no es válido" in pressed[0].text
    assert await _announcements(sessions) == []


async def test_a_day_and_time_that_cannot_be_scheduled_is_still_asked_about(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como coordina\n/anuncio 21/4 10:00 fue una gran sesión")

    assert "bot → #sala" not in out
    assert "Ese momento ya pasó: lunes, 21 de abril de 2025 · 10:00 (hora de Bogotá)." in out
    assert "[1] Enviar ahora tal cual" in out
    assert "[2]" not in out
    out = await transcript.run(":b 1")
    assert "bot → #sala: 📣 21/4 10:00 fue una gran sesión" in out


async def test_a_day_alone_or_plain_text_goes_out_at_once(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como coordina\n/anuncio mañana no hay sesión")

    assert "bot → #sala: 📣 mañana no hay sesión" in out


async def test_a_moment_outside_the_sprint_is_refused_with_the_year(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como coordina\n/anuncio 1/1 09:00 | Feliz año")

    assert (
        "El jueves, 1 de enero de 2026 está fuera del sprint, que va del lunes, 21 de abril de"
        " 2025 al domingo, 13 de julio de 2025." in out
    )
    assert await _announcements(sessions) == []


async def test_a_scheduled_announcement_is_confirmed_with_the_full_date(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como coordina\n/anuncio 6/5 09:00 | con barra")

    assert "Programado para el martes, 6 de mayo de 2025 · 09:00 (hora de Bogotá)." in out
