"""A new session or weekly time is announced to each reader in their language and zone.

The announcement row carries which session it is about, not a text written at
command time in the coordinator's language: the group reads the cohort's
language with the time per city, a person their own language and zone.
"""

from __future__ import annotations

import json

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.deliveries import ANNOUNCEMENT, AnnouncementPayload
from cohorte.scheduling.outbox import enqueue
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.outbox import Delivery
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _with_english_reader_in_santiago(session: AsyncSession, transcript: Transcript) -> int:
    """The example cohort, and Tomás (Santiago team) who reads English: his person id."""
    now = transcript.chat.clock.now()
    cohort = await seed_cohort(session, now)
    santiago = (await session.exec(select(Team).where(Team.name == "Santiago"))).one()
    member = await add_member(session, cohort, "Tomás", "tomas", Role.PARTICIPANT, santiago, now)
    person = await session.get(Person, member.person_id)
    assert person is not None and person.id is not None
    person.locale, person.zone = "en", "America/Santiago"
    await session.commit()
    return person.id


async def _announcement_rows(sessions: SessionFactory) -> list[Delivery]:
    async with sessions() as read:
        statement = select(Delivery).where(Delivery.kind == "announcement")
        return list((await read.exec(statement)).all())


async def _queue_for(sessions: SessionFactory, row: Delivery, person_id: int) -> None:
    """The same announcement, for one person (as `announce(..., people=...)` queues it)."""
    async with transaction(sessions) as write:
        cohort = (await write.exec(select(Cohort))).one()
        assert cohort.id is not None
        planned = ANNOUNCEMENT.plan(
            f"{row.dedupe_key}:p{person_id}",
            cohort.id,
            row.due_at,
            ANNOUNCEMENT.load(row.data),
            person_id=person_id,
        )
        assert await enqueue(write, [planned], row.due_at) == 1


async def test_a_new_session_is_announced_to_each_reader_in_their_language_and_zone(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    tomas = await _with_english_reader_in_santiago(session, transcript)

    out = await transcript.run(
        ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'
    )

    assert (
        "bot → #sala: 📣 Nueva en el calendario: *Masterclass: Datos abiertos*, martes, 6 de mayo"
        " — 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile." in out
    )
    (row,) = await _announcement_rows(sessions)
    assert json.loads(row.data) == {"event": 1}  # which session, no text

    await _queue_for(sessions, row, tomas)
    out = await transcript.run(":reloj +1m")

    assert (
        "bot → @tomas: 📣 New on the calendar: *Masterclass: Datos abiertos*, "
        "Tuesday, May 6 · 11:00 (Santiago time)." in out
    )


async def test_the_weekly_session_is_announced_to_each_reader_in_their_language_and_zone(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    tomas = await _with_english_reader_in_santiago(session, transcript)

    out = await transcript.run(":como coordina\n/sesion semanal mar 10:00")

    assert (
        "bot → #sala: 📣 La sesión semanal será el martes a las 10:00 (hora de Bogotá), a partir"
        " del martes, 29 de abril — 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de"
        " Chile." in out
    )
    (row,) = await _announcement_rows(sessions)
    assert json.loads(row.data) == {"series": 1}

    await _queue_for(sessions, row, tomas)
    out = await transcript.run(":reloj +1m")

    assert (
        "bot → @tomas: 📣 The weekly session will be on Tuesday at 11:00 (Santiago"
        " time), starting Tuesday, April 29 · 11:00 (Santiago time)." in out
    )


async def test_an_announcement_queued_with_its_text_is_sent_as_it_was_written(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    """Rows queued before the upgrade carry the text rendered at command time."""
    await seed_cohort(session, transcript.chat.clock.now())
    written = "La sesión semanal será el martes a las 10:00 (hora de Bogotá)."
    async with transaction(sessions) as write:
        cohort = (await write.exec(select(Cohort))).one()
        member = (await write.exec(select(Member).where(Member.role == Role.PARTICIPANT))).one()
        assert cohort.id is not None
        now = transcript.chat.clock.now()
        payload = AnnouncementPayload(text=written)
        key = "announcement:weekly-s9"
        rows = [
            ANNOUNCEMENT.plan(f"{key}:c1", cohort.id, now, payload, chat_link_id=1),
            ANNOUNCEMENT.plan(f"{key}:p", cohort.id, now, payload, person_id=member.person_id),
        ]
        await enqueue(write, rows, now)

    out = await transcript.run(":reloj +1m")

    assert f"bot → #sala: 📣 {written}" in out
    assert f"bot → @sofia: 📣 {written}" in out


async def test_a_session_cancelled_before_its_news_went_out_is_not_announced(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    tomas = await _with_english_reader_in_santiago(session, transcript)
    await transcript.run(
        ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos"\n/sesion cancelar e1'
    )
    (row,) = await _announcement_rows(sessions)

    await _queue_for(sessions, row, tomas)
    out = await transcript.run(":reloj +1m")

    assert "bot → @tomas: 📣" not in out
