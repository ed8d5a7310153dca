"""The meeting-time poll through the console: votes, stale buttons, closing, nudges, export."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, time

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly, assemble
from cohorte.handlers.core.delivery_kinds import DeliveryKind
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.poll.export import poll_csv
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.outbox import Delivery
from cohorte.storage.polls import Choice, Poll, PollSlot, PollState, Vote
from cohorte.storage.series import Series, SeriesKind
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort

OPEN = '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 cierre 2025-04-25 18:00'
CLOSED = "Esta encuesta ya cerró."
STALE = "Ese botón ya no es válido."
REFUSED = "Solo el equipo coordinador puede hacer eso."


async def seed_three_zones(session: AsyncSession, now: datetime) -> Cohort:
    """The test cohort with one participant per city: sofia (Bogotá), mateo (Ciudad de
    México), valentina (Santiago), and the coordinator 'coordina'."""
    cohort = await seed_cohort(session, now)
    teams = {team.name: team for team in (await session.exec(select(Team))).all()}
    mexico, santiago = teams["Ciudad de México"], teams["Santiago"]
    await add_member(session, cohort, "Mateo", "mateo", Role.PARTICIPANT, mexico, now)
    await add_member(session, cohort, "Valentina", "valentina", Role.PARTICIPANT, santiago, now)
    await session.commit()
    return cohort


async def the_poll(sessions: SessionFactory) -> tuple[Poll, list[PollSlot]]:
    async with sessions() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
        assert poll is not None
        slots = (
            await session.exec(
                select(PollSlot).where(PollSlot.poll_id == poll.id).order_by(col(PollSlot.position))
            )
        ).all()
        return poll, list(slots)


async def vote_rows(sessions: SessionFactory) -> list[Vote]:
    async with sessions() as session:
        return list((await session.exec(select(Vote).order_by(col(Vote.id)))).all())


def press(person: str, payload: str, group: bool = False) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=person,
        sender_name=person.capitalize(),
        chat_id="sala" if group else person,
        chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
        payload=payload,
    )


async def test_a_second_click_replaces_the_vote(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    out = await transcript.run(
        """
        :como sofia
        :b 1
        :b 2
        :b 3
        :b 3
        :grupo
        :b 1
        """
    )
    assert "Anotado: *1.* martes 10:00 (hora de Bogotá) → ✅ Sí" in out
    assert "Anotado: *1.* martes 10:00 (hora de Bogotá) → 🤔 Si es necesario" in out
    assert "Anotado: *1.* martes 10:00 (hora de Bogotá) → ❌ No" in out
    assert "(solo lo ve sofia): Anotado: *1.* martes 10:00 (hora de Bogotá) → ✅ Sí" in out
    rows = await vote_rows(sessions)
    assert len(rows) == 1
    assert rows[0].choice == Choice.YES


async def test_concurrent_votes_by_the_same_person_leave_one_row(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    poll, slots = await the_poll(sessions)
    payloads = [f"v:{poll.id}:{slots[0].id}:{code}" for code in "ymnymnyy"]
    answers = await asyncio.gather(
        *(assembly.core.handle(press("sofia", p, group=True)) for p in payloads)
    )
    texts = [reply.text for replies in answers for reply in replies]
    assert all(text.startswith("Anotado") for text in texts), texts
    rows = await vote_rows(sessions)
    assert len(rows) == 1


async def test_stale_forged_and_outside_votes_record_nothing(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    now = transcript.chat.clock.now()
    await seed_three_zones(session, now)
    other = Cohort(
        name="Otra cohorte",
        home_zone="America/Lima",
        start_date=date(2025, 4, 21),
        invite_code="OTRA25",
        created_at=now,
    )
    session.add(other)
    await session.flush()
    await add_member(session, other, "Ajena", "ajena", Role.PARTICIPANT, None, now)
    await session.commit()
    await transcript.run(f":como coordina\n{OPEN}")
    poll, slots = await the_poll(sessions)
    core = assembly.core

    async def text_of(person: str, payload: str) -> str:
        return "\n".join(reply.text for reply in await core.handle(press(person, payload)))

    first = f"v:{poll.id}:{slots[0].id}"
    assert STALE in await text_of("sofia", f"v:x:{slots[0].id}:y")
    assert STALE in await text_of("sofia", f"{first}:q")
    assert STALE in await text_of("sofia", f"v:{poll.id}")
    assert STALE in await text_of("sofia", f"{first}:y:extra")
    assert STALE in await text_of("sofia", f"v:{poll.id}:99999:y")
    assert CLOSED in await text_of("sofia", f"v:99999:{slots[0].id}:y")
    assert "Todavía no eres parte de una cohorte" in await text_of("intruso", f"{first}:y")
    assert "Solo puedes votar en las encuestas de tu propia cohorte." in await text_of(
        "ajena", f"{first}:y"
    )
    assert REFUSED in await text_of("sofia", f"pc:{poll.id}:{slots[0].id}")
    assert await vote_rows(sessions) == []

    # Buttons of a closed poll, and of a cancelled one, stop recording.
    await transcript.run(":como mateo\n:b 1")
    await transcript.run(":como coordina\n/encuesta cerrar")
    out = await transcript.run(":como mateo\n:b 2\n/votar")
    assert CLOSED in out
    assert "No hay ninguna encuesta abierta en este momento." in out
    await transcript.run(":como coordina\n/encuesta nueva lun 8:00, vie 17:00\n/encuesta cancelar")
    cancelled, new_slots = await the_poll(sessions)
    assert cancelled.state == PollState.CANCELLED
    assert CLOSED in await text_of("sofia", f"v:{cancelled.id}:{new_slots[0].id}:y")
    rows = await vote_rows(sessions)
    assert [(row.poll_id, row.choice) for row in rows] == [(poll.id, Choice.YES)]
    assert "Traceback" not in "\n".join(transcript.lines)


async def test_only_one_open_poll_per_cohort(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    out = await transcript.run(f":como coordina\n{OPEN}\n/encuesta nueva jue 10")
    assert "Ya hay una encuesta abierta: “Sesión semanal”." in out
    await transcript.run("/encuesta cancelar")
    # Two coordinators at once: the database lets one of them open it.
    answers = await asyncio.gather(
        *(
            assembly.core.handle(
                Incoming(
                    Platform.CONSOLE,
                    "coordina",
                    "Coordina",
                    "coordina",
                    ChatKind.PRIVATE,
                    text=f"/encuesta nueva lun {hour}:00",
                )
            )
            for hour in (8, 9, 10)
        )
    )
    texts = [reply.text for replies in answers for reply in replies]
    assert sum("Listo: la encuesta" in text for text in texts) == 1, texts
    assert sum("Ya hay una encuesta abierta" in text for text in texts) == 2, texts
    async with sessions() as check:
        states = (await check.exec(select(Poll.state).order_by(col(Poll.id)))).all()
    assert states == ["cancelled", "open"]


async def test_participants_are_refused_coordinator_subcommands(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    out = await transcript.run(
        """
        :como sofia
        /encuesta resultados
        /encuesta nueva mar 10
        /encuesta cerrar
        /encuesta elegir 1
        /encuesta confirmar
        /encuesta cancelar
        /encuesta exportar
        /encuesta volar
        """
    )
    assert "Todavía no hay ninguna encuesta." in out
    assert out.count(REFUSED) == 6
    assert "No conozco /encuesta volar." in out


async def test_syntax_errors_are_answered_with_an_example(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    out = await transcript.run(
        """
        :como coordina
        /encuesta nueva Sesión semanal mar 10
        /encuesta nueva "Sesión" mar 25:00
        /encuesta nueva mar 10 cierre 2025-04-18 18:00
        """
    )
    assert "No entendí “Sesión”: no es un día de la semana. Si es el título" in out
    assert "“25:00” no es una hora." in out
    assert "La fecha límite (viernes, 18 de abril · 18:00 (hora de Bogotá)) ya pasó." in out
    assert out.count('Ejemplo: /encuesta nueva "Sesión semanal" mar 10:00, mié 16:00') == 3
    async with sessions() as check:
        assert (await check.exec(select(func.count()).select_from(Poll))).one() == 0


async def test_the_guided_form_opens_a_poll(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    out = await transcript.run(
        """
        :como coordina
        /encuesta nueva
        banana 10
        :b 1
        :b 2
        :b Saltar
        :b Intentar
        martes 10, jueves 9:30
        :b 1
        :b 2
        Sesión de los martes
        """
    )
    assert "Nueva encuesta de la sesión semanal — responde unas preguntas" in out
    assert "(1/4) ¿Qué horarios semanales propones? Escribe días y horas en hora de Bogotá" in out
    assert "[1] jueves, 24 de abril · 18:00 (hora de Bogotá)" in out
    assert "No entendí “banana”: no es un día de la semana." in out
    assert "Listo: la encuesta “Sesión de los martes” está abierta con 2 horarios." in out
    poll, slots = await the_poll(sessions)
    assert poll.deadline == datetime(2025, 4, 24, 23, 0, tzinfo=UTC)
    assert poll.duration_minutes == 90
    assert [(s.weekday, s.local_time) for s in slots] == [(1, time(10)), (3, time(9, 30))]


async def test_a_december_to_january_sprint_closes_its_poll_in_the_new_year(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    clock = transcript.chat.clock
    clock.set(datetime(2025, 12, 18, 14, 0, tzinfo=UTC))  # Thursday, 09:00 in Bogotá
    await seed_three_zones(session, clock.now())
    cohort = (await session.exec(select(Cohort))).one()
    cohort.start_date = date(2025, 12, 15)
    session.add(cohort)
    await session.commit()

    out = await transcript.run(
        ":como coordina\n/encuesta nueva mar 10:00, jue 16:00 cierre 5/1 18:00"
    )
    assert "está abierta con 2 horarios" in out
    poll, _ = await the_poll(sessions)
    assert poll.deadline == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # 18:00 in Bogotá


async def test_santiago_before_its_april_change_sees_the_change_coming(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    clock = transcript.chat.clock
    clock.set(datetime(2025, 3, 20, 14, 0, tzinfo=UTC))  # Thursday, Santiago still UTC-3
    await seed_three_zones(session, clock.now())
    cohort = (await session.exec(select(Cohort))).one()
    cohort.start_date = date(2025, 3, 24)
    session.add(cohort)
    await session.commit()

    out = await transcript.run(":como coordina\n/encuesta nueva mar 10:00")
    # The first Tuesday, 25 March, is 12:00 in Santiago; from 8 April it is 11:00.
    assert (
        "*1.* martes 12:00 (hora de Santiago de Chile) — desde el martes, 8 de abril: 11:00" in out
    )
    assert (
        "*1.* martes · 09:00 Ciudad de México · 10:00 Bogotá · 12:00 Santiago de Chile "
        "(Santiago de Chile desde el martes, 8 de abril: 11:00)" in out
    )
    assert "*1.* martes 10:00 (hora de Bogotá) → sin responder" in out

    out = await transcript.run("/encuesta cerrar\n/encuesta confirmar")
    async with sessions() as check:
        series = (await check.exec(select(Series))).one()
    assert (series.weekday, series.local_time, series.zone) == (1, time(10), "America/Bogota")
    assert series.first_date == date(2025, 3, 25)
    assert (
        "Cada martes 12:00 (hora de Santiago de Chile) — desde el martes, 8 de abril: 11:00." in out
    )


async def test_a_poll_opened_before_the_change_shows_the_sprint_time(
    session: AsyncSession, transcript: Transcript
) -> None:
    clock = transcript.chat.clock
    clock.set(datetime(2025, 4, 1, 14, 0, tzinfo=UTC))  # Santiago still UTC-3 today
    await seed_three_zones(session, clock.now())
    out = await transcript.run(":como coordina\n/encuesta nueva mar 10:00 cierre 2025-04-04")
    # The sessions start on 22 April, after the change: 11:00 in Santiago, no note.
    assert "*1.* martes 11:00 (hora de Santiago de Chile) → sin responder" in out
    assert "desde el" not in out


async def test_english_readers_get_english_and_their_zone(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    out = await transcript.run(":como valentina\n/idioma en\n/votar\n:b 1")
    assert "*1.* Tuesday 11:00 (Santiago time) → not answered yet" in out
    assert "Saved: *1.* Tuesday 11:00 (Santiago time) → ✅ Yes" in out


async def test_the_scheduler_closes_at_the_deadline_even_after_a_restart(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, clock: ManualClock
) -> None:
    await seed_three_zones(session, clock.now())
    await transcript.run(f":como coordina\n{OPEN}\n:como sofia\n:b 4")
    # The bot was off over the deadline: a fresh process catches up on its first tick.
    clock.set(datetime(2025, 4, 28, 12, 0, tzinfo=UTC))
    restarted = assemble(sessions, clock)
    await restarted.ticker.tick()
    await restarted.ticker.tick()
    poll, slots = await the_poll(sessions)
    assert poll.state == PollState.CLOSED
    assert poll.open_marker is None
    assert poll.winner_slot_id == slots[1].id
    async with sessions() as check:
        closed = (
            await check.exec(select(Delivery).where(Delivery.kind == DeliveryKind.POLL_CLOSED))
        ).all()
    # One result for the group chat and one for the coordinator, planned once.
    assert sorted(d.dedupe_key for d in closed) == [
        f"poll_closed:{poll.id}:c1",
        f"poll_closed:{poll.id}:p1",
    ]


async def test_coordinators_hear_once_that_everyone_answered(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    out = await transcript.run(
        """
        :como sofia
        :b 1
        :b 4
        :b 7
        :como mateo
        :b 1
        :b 4
        :b 7
        :como valentina
        :b 3
        :b 6
        :b 8
        :b 9
        """
    )
    summary = "✅ Todas las personas participantes respondieron la encuesta “Sesión semanal”."
    assert out.count(summary) == 1
    assert "bot → @coordina: " + summary in out


async def test_nudges_go_once_to_who_has_not_answered_everything(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    await transcript.run(":como sofia\n:b 1\n:b 4\n:b 7\n:como mateo\n:b 1")
    # The deadline is Friday 18:00 in Bogotá: the nudge goes from Thursday 18:00.
    out = await transcript.run(":reloj 2025-04-24 17:59")
    assert "⏰" not in out
    out = await transcript.run(":reloj 2025-04-24 18:00\n:reloj +1h")
    assert out.count("⏰") == 2
    assert (
        "bot → @mateo: ⏰ La encuesta “Sesión semanal” cierra el viernes, 25 de abril · 17:00 "
        "(hora de Ciudad de México) y te faltan 2 horarios por responder." in out
    )
    assert "bot → @valentina: ⏰ La encuesta “Sesión semanal” cierra el viernes, 25 de abril" in out
    assert "@sofia: ⏰" not in out


async def test_results_show_coverage_flags_and_who_is_missing(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    out = await transcript.run(
        """
        :como sofia
        :b 1
        :b 6
        :como valentina
        :b 2
        :b 6
        :b 9
        :privado
        /encuesta resultados
        """
    )
    assert "✅ 1 · 🤔 1 · ❌ 0 · equipos que pueden: 2 de 3" in out
    assert "⚠️ Nadie del equipo Santiago puede." in out
    assert "🎉 Feriado el jueves, 1 de mayo: Día del Trabajo (Colombia, México); " in out
    assert "🏆 Va ganando, según la regla: *1.* martes 11:00 (hora de Santiago de Chile)" in out
    assert "Faltan por votar: Mateo (Ciudad de México); Sofía (Bogotá, 2 de 3)" in out


async def test_choosing_confirming_and_changing_the_weekly_session(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}\n:como sofia\n:b 7")
    out = await transcript.run(":como coordina\n/encuesta elegir 2")
    assert "La encuesta sigue abierta. Primero ciérrala con /encuesta cerrar" in out
    out = await transcript.run("/encuesta cerrar")
    assert "[1] ✅ Confirmar 3. jueves 09:30  [2] Elegir 1. martes 10:00" in out
    out = await transcript.run("/encuesta elegir 7\n:b 1")
    assert "Escribe el número del horario, del 1 al 3" in out
    assert "Listo: la sesión semanal será cada jueves 09:30 (hora de Bogotá), a partir del " in out
    out = await transcript.run("/encuesta elegir 1\n/encuesta elegir 1\n/encuesta confirmar")
    assert "será cada martes 10:00 (hora de Bogotá), a partir del martes, 29 de abril" in out
    assert out.count("La sesión semanal ya quedó fijada: cada martes 10:00 (hora de Bogotá).") == 2
    async with sessions() as check:
        series = (
            await check.exec(
                select(Series).where(Series.kind == SeriesKind.SESSION).order_by(col(Series.id))
            )
        ).all()
        poll = (await check.exec(select(Poll))).one()
    assert [(s.weekday, s.ended_at is None) for s in series] == [(3, False), (1, True)]
    assert poll.state == PollState.CONFIRMED
    assert poll.series_id == series[1].id


async def test_export_as_csv_in_chat_and_from_the_command_line(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    now = transcript.chat.clock.now()
    cohort = await seed_three_zones(session, now)
    await add_member(session, cohort, "=HYPERLINK(1)", "pirata", Role.PARTICIPANT, None, now)
    await session.commit()
    await transcript.run(f":como coordina\n{OPEN}")
    await transcript.run(":como sofia\n:b 1\n:b 5\n:como pirata\n:b 9")
    out = await transcript.run(":como coordina\n/encuesta exportar")
    assert "Las respuestas de “Sesión semanal”, una fila por persona y horario." in out
    assert f"📎 {transcript.chat.files / 'encuesta-1.csv'}" in out
    poll, _ = await the_poll(sessions)
    async with sessions() as check:
        data = await poll_csv(check, poll.id or 0, Translator("es"))
    assert data is not None and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["horario", "persona", "equipo", "voto"]
    assert ["martes 10:00 (hora de Bogotá)", "'=HYPERLINK(1)", "", ""] in rows
    assert ["martes 10:00 (hora de Bogotá)", "Sofía", "Bogotá", "Sí"] in rows
    assert ["miércoles 16:00 (hora de Bogotá)", "Sofía", "Bogotá", "Si es necesario"] in rows
    assert ["jueves 09:30 (hora de Bogotá)", "'=HYPERLINK(1)", "", "No"] in rows
    assert ["jueves 09:30 (hora de Bogotá)", "Valentina", "Santiago", ""] in rows
    assert len(rows) == 1 + 3 * 4  # four participants, three slots
    async with sessions() as check:
        assert await poll_csv(check, 999, Translator("es")) is None


async def test_a_cohort_without_a_group_chat_is_told_how_to_link_one(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    link = (await session.exec(select(ChatLink))).one()
    await session.delete(link)
    await session.commit()
    out = await transcript.run(f":como coordina\n{OPEN}")
    assert "La cohorte todavía no tiene chat grupal: vincula uno con /vincular CODIGO" in out
    assert "bot → #sala" not in out
    assert "bot → @sofia: ¡Se abrió la encuesta de la sesión semanal!" in out


async def test_the_group_message_is_refreshed_once_per_window(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, clock: ManualClock
) -> None:
    await seed_three_zones(session, clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    out = await transcript.run(":como sofia\n:b 1\n:b 4\n:como mateo\n:b 2")
    assert "bot → #sala" not in out  # the refresh waits for the end of the window
    out = await transcript.run(":reloj +1m")
    assert out.count("bot → #sala: 🗳️ *Sesión semanal*") == 1
    assert "✅ 1 · 🤔 1 · ❌ 0 · equipos que pueden: 2 de 3" in out
    async with sessions() as check:
        refreshes = (
            await check.exec(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.dedupe_key).like("poll:%:t%"))
            )
        ).one()
    assert refreshes == 1


async def test_the_overview_and_the_button_under_the_group_message(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    out = await transcript.run(":como sofia\n/encuesta\n:como coordina\n/encuesta")
    assert "No hay ninguna encuesta abierta en este momento." in out
    assert "/encuesta nueva (sola, pregunta paso a paso)" in out
    assert out.count("/votar — responder la encuesta") == 2
    await transcript.run(OPEN)
    out = await transcript.run(":como valentina\n:grupo\n:b 10\n/encuesta")
    assert out.count("(solo lo ve valentina): 🗳️ *Sesión semanal* — horarios en tu zona") == 2
    assert "*2.* miércoles 17:00 (hora de Santiago de Chile) → sin responder" in out


async def test_a_double_click_on_confirm_creates_one_series(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}\n/encuesta cerrar")
    poll, slots = await the_poll(sessions)
    answers = await asyncio.gather(
        *(assembly.core.handle(press("coordina", f"pc:{poll.id}:{slots[1].id}")) for _ in "ab")
    )
    texts = sorted(plain(reply.text) for replies in answers for reply in replies)
    assert texts[0].startswith("La sesión semanal ya quedó fijada: cada miércoles 16:00")
    assert texts[1].startswith("Listo: la sesión semanal será cada miércoles 16:00")
    async with sessions() as check:
        series = (await check.exec(select(Series))).all()
    assert [(s.weekday, s.local_time) for s in series] == [(2, time(16))]


async def test_ballots_skip_people_a_bot_cannot_write_to_privately(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    now = transcript.chat.clock.now()
    cohort = await seed_three_zones(session, now)
    assert cohort.id is not None
    person = Person(display_name="Tomás", created_at=now)
    session.add(person)
    await session.flush()
    assert person.id is not None
    session.add(Identity(person_id=person.id, platform=Platform.TELEGRAM, external_id="555"))
    session.add(
        Member(cohort_id=cohort.id, person_id=person.id, role=Role.PARTICIPANT, joined_at=now)
    )
    await session.commit()
    out = await transcript.run(f":como coordina\n{OPEN}")
    assert "3 participantes recibieron su boleta en privado" in out
    async with sessions() as check:
        ballots = (
            await check.exec(select(Delivery.person_id).where(col(Delivery.person_id).is_not(None)))
        ).all()
    assert person.id not in ballots
    assert len(ballots) == 3
