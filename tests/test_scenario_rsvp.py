"""Who is coming, as a cohort lives it on the console: the question in the reminders and
/proximas, answers changed until the session starts, why not, the counts per team."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import Rsvp, RsvpAnswer
from cohorte.storage.models import Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def _cohort_with_people(session: AsyncSession, clock: ManualClock) -> None:
    cohort = await seed_cohort(session, clock.now())
    teams = {t.name: t for t in (await session.exec(select(Team))).all()}
    now = clock.now()
    await add_member(session, cohort, "Ana", "ana", Role.PARTICIPANT, teams["Bogotá"], now)
    await add_member(session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], now)
    await add_member(
        session, cohort, "Diego", "diego", Role.PARTICIPANT, teams["Ciudad de México"], now
    )
    await session.commit()


async def _answers(session: AsyncSession) -> dict[int, tuple[RsvpAnswer, str | None]]:
    session.expire_all()
    rows = (await session.exec(select(Rsvp))).all()
    return {row.member_id: (row.answer, row.reason) for row in rows}


async def test_people_say_who_is_coming_and_the_group_sees_it_per_team(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_people(session, clock)
    out = await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        :como sofia
        /proximas 1
        """
    )
    assert "La próxima: martes, 29 de abril · 10:00. ¿Vas a asistir?" in out
    assert "[1] ✅ Sí  [2] 🤔 Tal vez  [3] ❌ No" in out

    # The day before: the private reminders ask, the group's shows the counts per team.
    out = await transcript.run(":reloj 2025-04-28 10:00")
    assert (
        "bot → #sala: ⏰ Recordatorio (mañana): *Sesión semanal* · Semana 2\n"
        "    martes, 29 de abril — 09:00 Ciudad de México · 10:00 Bogotá · "
        "11:00 Santiago de Chile\n"
        "    Confirmados: Bogotá 0/2 · Ciudad de México 0/1 · Santiago 0/1\n"
        "    [1] ✅ Sí  [2] 🤔 Tal vez  [3] ❌ No" in out
    )
    assert (
        "bot → @tomas: ⏰ Recordatorio (mañana a las 11:00): *Sesión semanal* · Semana 2\n"
        "    martes, 29 de abril · 11:00 (hora de Santiago de Chile)\n"
        "    ¿Vas a asistir?\n"
        "    [1] ✅ Sí  [2] 🤔 Tal vez  [3] ❌ No" in out
    )

    out = await transcript.run(":como sofia\n:b 1")
    assert (
        "bot → @sofia: ✅ Anotado: vas a asistir a *Sesión semanal*, "
        "martes, 29 de abril · 10:00 (hora de Bogotá).\n"
        "    Puedes cambiar tu respuesta hasta que empiece." in out
    )
    assert "#sala" not in out  # the group's reminder is refreshed in batches

    # Answers from the group chat count the same (the receipt is the presser's only).
    out = await transcript.run(":como ana\n:grupo\n:b 1\n:privado\n:reloj +1m")
    assert "Confirmados: Bogotá 2/2 · Ciudad de México 0/1 · Santiago 0/1" in out
    assert out.count("bot → #sala: ⏰ Recordatorio (mañana)") == 1

    # "No", and why: a short question, kept with the answer.
    out = await transcript.run(
        """
        :como tomas
        :b 3
        :b Contar
        No tengo conexión ese día
        """
    )
    assert "❌ Anotado: no vas a asistir a *Sesión semanal*" in out
    assert "cuéntale a la coordinación por qué (opcional).\n    [1] Contar por qué" in out
    assert "¿por qué no vas a asistir? (para la coordinación)" in out
    assert "Gracias, lo anoté: “No tengo conexión ese día”." in out
    answers = await _answers(session)
    assert sorted(answers.values()) == [
        (RsvpAnswer.NO, "No tengo conexión ese día"),
        (RsvpAnswer.YES, None),
        (RsvpAnswer.YES, None),
    ]

    # Changed until it starts (a new answer drops the reason); then the buttons are stale.
    out = await transcript.run("/proximas 1\n:b 1")
    assert "✅ Anotado: vas a asistir" in out
    out = await transcript.run(":reloj 2025-04-29 09:00")
    assert "Confirmados: Bogotá 2/2 · Ciudad de México 0/1 · Santiago 1/1" in out
    assert "bot → #sala: ⏰ Recordatorio (en 1 hora)" in out
    # At the start; Sofía presses the hour-before reminder's button before the tick that
    # brings her "Empezamos" (whose one button would then be the last message's).
    transcript.chat.clock.set(datetime(2025, 4, 29, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá
    out = await transcript.run(":como sofia\n:b 3")
    assert (
        "bot → @sofia: La sesión ya empezó: solo se puede responder o cambiar la respuesta "
        "antes de que empiece." in out
    )
    answers = await _answers(session)
    assert sorted(answers.values()) == [(RsvpAnswer.YES, None)] * 3


async def test_a_check_in_nobody_confirmed_nudges_the_team_once_and_tells_the_coordinators(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_people(session, clock)
    await transcript.run(":como coordina\n/acompanamiento Bogotá jue 10:00")

    out = await transcript.run(":reloj 2025-04-23 10:00\n:reloj +1m")
    assert (
        "bot → @sofia: 👋 Nadie de tu equipo ha confirmado todavía: "
        "*Sesión de acompañamiento del equipo Bogotá* · Semana 1\n"
        "    jueves, 24 de abril · 10:00 (hora de Bogotá)\n"
        "    ¿Vas a asistir?\n"
        "    [1] ✅ Sí  [2] 🤔 Tal vez  [3] ❌ No" in out
    )
    # Sofía and Ana, once each; it takes the place of their day-before reminder.
    assert out.count("Nadie de tu equipo ha confirmado todavía") == 2
    assert "Recordatorio" not in out
    assert (
        "bot → @coordina: ⚠️ Nadie del equipo de Bogotá ha confirmado todavía: "
        "*Sesión de acompañamiento del equipo Bogotá* · Semana 1\n"
        "    jueves, 24 de abril · 10:00 (hora de Bogotá)\n"
        "    Código: s1/2025-04-24" in out
    )
    assert "@tomas" not in out  # another team's check-in

    # Two weeks later someone confirms in time: nobody is nudged.
    out = await transcript.run(
        ":reloj 2025-05-06 12:00\n:como sofia\n/proximas 1\n:b 1\n:reloj 2025-05-07 10:01"
    )
    assert "Anotado: vas a asistir a *Sesión de acompañamiento" in out
    assert "Nadie" not in out
    assert "bot → @ana: ⏰ Recordatorio (mañana a las 10:00)" in out


async def test_stale_and_forged_rsvp_buttons_get_a_clear_answer(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort_with_people(session, clock)
    await transcript.run(
        ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'
    )
    outcomes = {}
    for payload in ("ra:e1:x", "ra:e1", "ra:e99:y", "ra:s1/2025-13-40:y", "ra:zz:y", "rqf:e1"):
        outcomes[payload] = await _press_as(transcript, "sofia", payload)
    assert "Ese botón ya no es válido" in outcomes["ra:e1:x"]
    assert "Ese botón ya no es válido" in outcomes["ra:e1"]
    assert "No encuentro esa sesión en el calendario de tu cohorte." in outcomes["ra:e99:y"]
    assert "Ese botón ya no es válido" in outcomes["ra:s1/2025-13-40:y"]
    assert "Ese botón ya no es válido" in outcomes["ra:zz:y"]
    assert "Tu respuesta para esa sesión ya no es “No”." in outcomes["rqf:e1"]

    # Cancelled, and someone outside the cohort.
    await transcript.run(":como coordina\n/sesion cancelar e1\n:b 1")
    out = await _press_as(transcript, "sofia", "ra:e1:y")
    assert "Esa sesión se canceló: no hay nada que responder." in out
    out = await _press_as(transcript, "nadie", "ra:e1:y")
    assert "Todavía no eres parte de una cohorte" in out
    assert await _answers(session) == {}


async def _press_as(transcript: Transcript, who: str, payload: str) -> str:
    """What the console prints for a press of a button with `payload` (stored or forged)."""
    transcript.chat.actor = who
    start = len(transcript.lines)
    await transcript.chat._send(payload=payload)
    return "\n".join(transcript.lines[start:])
