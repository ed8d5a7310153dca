"""Sessions at the same moment: the rule, and /sesion nueva|mover|semanal asking first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.clashes import ClashChoice, find_clashes, skippable
from cohorte.handlers.agenda.routes import ANSWER_CLASH, ClashAnswer
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Event, EventKind, PendingChange, Platform, Team
from cohorte.storage.series import Series, SeriesChange, SeriesKind
from tests.conftest import Transcript
from tests.factories import seed_cohort

HOUR = timedelta(hours=1)
# Tuesday 6 May 2025, 10:00 in Bogotá (sprint week 3).
MASTERCLASS_START = datetime(2025, 5, 6, 15, 0, tzinfo=UTC)


def _occurrence(ref: str, kind: str, start: datetime, cancelled: bool = False) -> Occurrence:
    return Occurrence(
        ref=ref, kind=kind, title="", starts_at=start, duration=HOUR, cancelled=cancelled
    )


def test_two_sessions_clash_when_their_times_intersect() -> None:
    masterclass = _occurrence("e1", "masterclass", MASTERCLASS_START)
    checkin = _occurrence("s2:2025-05-06", "checkin", MASTERCLASS_START + timedelta(minutes=30))
    calendar = [masterclass, checkin, _occurrence("e3", "showtime", MASTERCLASS_START, True)]

    # Ending when the Masterclass starts is no clash; starting before it ends is one.
    assert find_clashes([(MASTERCLASS_START - HOUR, HOUR)], calendar) == []
    clashes = find_clashes([(MASTERCLASS_START + timedelta(minutes=59), HOUR)], calendar)
    assert [clash.other.ref for clash in clashes] == ["e1", "s2:2025-05-06"]
    # A cancelled session clashes with nothing; only one-off sessions can be skipped.
    assert skippable(clashes) == [MASTERCLASS_START + timedelta(minutes=59)]
    assert skippable([clash for clash in clashes if clash.other.kind == "checkin"]) == []


async def _with_masterclass(session: AsyncSession, now: datetime) -> Cohort:
    cohort = await seed_cohort(session, now)
    assert cohort.id is not None
    session.add(
        Event(
            cohort_id=cohort.id,
            kind=EventKind.MASTERCLASS,
            title="Datos abiertos",
            starts_at=MASTERCLASS_START,
        )
    )
    await session.commit()
    return cohort


async def _weekly(sessions: SessionFactory) -> list[Series]:
    async with sessions() as session:
        statement = select(Series).where(Series.kind == SeriesKind.SESSION).order_by(col(Series.id))
        return list((await session.exec(statement)).all())


async def _waiting(sessions: SessionFactory) -> int:
    async with sessions() as session:
        waiting = (await session.exec(select(PendingChange))).one()
    assert waiting.id is not None
    return waiting.id


async def _changes(sessions: SessionFactory) -> list[tuple[date, bool]]:
    async with sessions() as session:
        found = await session.exec(select(SeriesChange).order_by(col(SeriesChange.original_date)))
        return [(change.original_date, change.cancelled) for change in found.all()]


async def test_a_weekly_time_on_a_masterclass_is_asked_first_and_can_skip_those_weeks(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await _with_masterclass(session, transcript.chat.clock.now())

    asked = await transcript.run(":como coordina\n/sesion semanal mar 10:00")
    assert "⚠️ Una sesión semanal el martes a las 10:00 coincidiría con:" in asked
    assert "• la Masterclass “Datos abiertos” del martes, 6 de mayo" in asked
    assert "La sesión semanal de este día cae en una Masterclass o en el Showtime: " in asked
    assert "martes, 6 de mayo. Puedes saltarla, o moverla después con /sesion mover CÓDIGO." in (
        asked
    )
    assert "¿La fijo de todos modos?" in asked
    assert (
        "[1] ✅ Sí, sin esa sesión  [2] Sí, con todas las sesiones  [3] No, dejarlo así" in asked
    )
    assert "bot → #sala" not in asked  # nothing was set, nobody was told
    assert await _weekly(sessions) == []
    keep = ANSWER_CLASH.payload(ClashAnswer(await _waiting(sessions), ClashChoice.KEEP))

    done = await transcript.run(":b 1")
    assert "Listo: sesión semanal el martes a las 10:00, desde el martes, 29 de abril." in done
    assert "Sin sesión: martes, 6 de mayo." in done
    assert "bot → #sala: 📣 La sesión semanal será el martes a las 10:00" in done
    assert done.count("Sin sesión: martes, 6 de mayo.") == 2  # the group's news and the answer
    assert [(s.weekday, s.local_time) for s in await _weekly(sessions)] == [(1, time(10))]
    assert await _changes(sessions) == [(date(2025, 5, 6), True)]
    upcoming = await transcript.run("/proximas 3")
    assert "martes, 6 de mayo · 10:00 — *Masterclass: Datos abiertos*" in upcoming
    assert "martes, 6 de mayo · 10:00 — *Sesión semanal*" not in upcoming

    # The question was answered: its buttons do nothing more.
    again = await transcript.chat.core.handle(_press("coordina", keep))
    assert "Ese botón ya no es válido." in again[0].text
    assert len(await _weekly(sessions)) == 1


async def test_a_weekly_time_kept_whole_or_left_alone(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await _with_masterclass(session, transcript.chat.clock.now())

    await transcript.run(":como coordina\n/sesion semanal mar 10:00")
    left = await transcript.run(":b 3")
    assert "De acuerdo: no cambié nada." in left
    assert await _weekly(sessions) == []

    await transcript.run("/sesion semanal mar 10:00")
    kept = await transcript.run(":b 2")
    assert "Listo: sesión semanal el martes a las 10:00" in kept
    assert "Sin sesión" not in kept
    assert len(await _weekly(sessions)) == 1
    assert await _changes(sessions) == []


async def test_a_new_session_on_the_weekly_session_is_asked_first(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00 duracion 90")

    asked = await transcript.run('/sesion nueva masterclass 6 de mayo 11:00 "Datos abiertos"')
    assert (
        "⚠️ “Datos abiertos”, el martes, 6 de mayo · 11:00 (hora de Bogotá), coincidiría con:"
        in asked
    )
    assert "• la sesión semanal del martes, 6 de mayo" in asked
    assert "¿La agrego de todos modos?" in asked
    assert "[1] Sí, de todos modos  [2] No, dejarlo así" in asked
    async with sessions() as check:
        assert (await check.exec(select(Event))).all() == []

    added = await transcript.run(":b 1")
    assert "Agregada: Datos abiertos, martes, 6 de mayo · 11:00 (hora de Bogotá)." in added
    assert "bot → #sala: 📣 Nueva en el calendario: *Masterclass: Datos abiertos*" in added
    async with sessions() as check:
        assert [event.title for event in (await check.exec(select(Event))).all()] == [
            "Datos abiertos"
        ]


async def test_a_move_onto_a_teams_check_in_is_asked_first(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    cohort = await _with_masterclass(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/acompanamiento Bogotá jue 10:00")

    asked = await transcript.run("/sesion mover e1 8 de mayo 10:30")
    assert (
        "⚠️ Si muevo *Masterclass: Datos abiertos* al jueves, 8 de mayo · 10:30 "
        "(hora de Bogotá), coincidiría con:" in asked
    )
    assert "• la sesión de acompañamiento del equipo Bogotá del jueves, 8 de mayo" in asked
    assert "¿La muevo de todos modos?" in asked
    async with sessions() as check:
        event = (await check.exec(select(Event))).one()
        assert event.starts_at == MASTERCLASS_START

    moved = await transcript.run(":b 1")
    assert (
        "Listo. Nuevo horario para *Masterclass: Datos abiertos*: jueves, 8 de mayo · 10:30"
        in moved
    )
    async with sessions() as check:
        event = (await check.exec(select(Event))).one()
        assert event.starts_at == datetime(2025, 5, 8, 15, 30, tzinfo=UTC)
        team = (await check.exec(select(Team).where(Team.name == "Bogotá"))).one()
    assert team.cohort_id == cohort.id


async def test_an_answer_is_read_from_the_database_and_only_by_its_coordinator(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await _with_masterclass(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00")
    waiting = await _waiting(sessions)
    keep = ANSWER_CLASH.payload(ClashAnswer(waiting, ClashChoice.KEEP))
    assert keep == f"scl:{waiting}:k"

    # A participant cannot answer; a made-up id is a stale button.
    refused = await transcript.run(":como sofia\n/sesion semanal mar 10:00\n:como coordina")
    assert "Solo el equipo coordinador puede hacer eso." in refused
    forged = ANSWER_CLASH.payload(ClashAnswer(waiting + 1, ClashChoice.KEEP))
    replies = await transcript.chat.core.handle(_press("coordina", forged))
    assert "Ese botón ya no es válido." in replies[0].text
    replies = await transcript.chat.core.handle(_press("sofia", keep))
    assert "Solo el equipo coordinador puede hacer eso." in replies[0].text
    assert await _weekly(sessions) == []

    # A day later the question has expired.
    transcript.chat.clock.advance(timedelta(days=1, minutes=1))
    replies = await transcript.chat.core.handle(_press("coordina", keep))
    assert "Esa pregunta ya venció: no cambié nada." in replies[0].text
    assert await _weekly(sessions) == []


def _press(person: str, payload: str) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=person,
        sender_name=person.capitalize(),
        chat_id=person,
        chat_kind=ChatKind.PRIVATE,
        payload=payload,
    )


async def test_a_new_weekly_time_replaces_the_running_one_and_says_so_once(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00\n:reloj +1m")
    # Friday: the Tuesday session of next week is still to come; Thursday's is the new time.
    await transcript.run(":reloj 2025-04-25 09:00")
    changed = await transcript.run("/sesion semanal jue 09:30")
    group = changed.split("bot → #sala: ", 1)[1].split("\n  bot → ", 1)[0]
    assert group.startswith("📣 La sesión semanal será el jueves a las 09:30")
    assert "Reemplaza a la sesión semanal del martes a las 10:00 (hora de Bogotá)." in group
    assert "❌" not in changed  # no notice per dropped session
    old, new = await _weekly(sessions)
    assert (old.last_date, old.ended_at is not None) == (date(2025, 4, 24), True)
    assert new.first_date == date(2025, 5, 1)
    upcoming = await transcript.run("/proximas 2")
    assert "martes, 29 de abril" not in upcoming
    assert "jueves, 1 de mayo · 09:30 — *Sesión semanal*" in upcoming
