"""Feedback on the sessions, as a cohort lives it on the console: "¿Qué tan útil fue? 1 a
5" after a Masterclass to who came, the answer, its change and comment, the one nudge, the
close three days later, and what the coordination team reads (/opiniones, ⭐, the
Monday digest, the CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage import attendance as records
from cohorte.storage import feedback as answers
from cohorte.storage.attendance import RsvpAnswer
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort
from tests.handlers.attendance.seed import attended_cohort
from tests.handlers.status.test_status import templates

MASTERCLASS = ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'


async def _people(session: AsyncSession, clock: ManualClock) -> Cohort:
    """The seeded cohort (coordina; sofia in Bogotá) with tomas (Santiago) and diego (México)."""
    cohort = await seed_cohort(session, clock.now())
    teams = {t.name: t for t in (await session.exec(select(Team))).all()}
    now = clock.now()
    await add_member(session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], now)
    await add_member(
        session, cohort, "Diego", "diego", Role.PARTICIPANT, teams["Ciudad de México"], now
    )
    await session.commit()
    return cohort


async def _member(session: AsyncSession, name: str) -> Member:
    found = await session.exec(
        select(Member)
        .join(Person, Person.id == Member.person_id)  # type: ignore[arg-type]
        .where(Person.display_name == name)
    )
    return found.one()


async def _scores(session: AsyncSession, cohort_id: int) -> list[tuple[int, str | None]]:
    session.expire_all()
    return [(f.score, f.comment) for f in await answers.feedback_of(session, cohort_id)]


async def test_asked_after_a_masterclass_to_who_came_answer_change_comment_and_close(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    cohort_id = cohort.id or 0
    await transcript.run(MASTERCLASS)
    await transcript.run(":reloj 2025-05-06 10:05\n:como sofia\n:b 1")  # ✋ Estoy aquí

    assert "Qué tan útil" not in await transcript.run(":reloj 2025-05-06 11:09")
    out = await transcript.run(":reloj 2025-05-06 11:10")
    assert (
        "bot → @sofia: ⭐ *Masterclass: Datos abiertos* (martes, 6 de mayo)\n"
        "    ¿Qué tan útil fue? 1 a 5\n"
        "    1 = nada útil · 5 = muy útil. Solo el equipo coordinador lo ve.\n"
        "    Puedes responder o cambiar tu respuesta hasta el viernes, 9 de mayo.\n"
        "    [1] 1  [2] 2  [3] 3  [4] 4  [5] 5" in out
    )
    # Attendance was taken: only who came is asked, privately; never the group.
    assert "@tomas: ⭐" not in out and "@diego: ⭐" not in out
    assert "#sala: ⭐" not in out and "@coordina: ⭐" not in out
    assert "Qué tan útil" not in await transcript.run(":reloj +1m")  # once

    out = await transcript.run(":como sofia\n:b 4")
    assert "⭐ Gracias: 4 de 5 para *Masterclass: Datos abiertos*." in out
    assert "Puedes cambiar tu respuesta hasta el viernes, 9 de mayo: elige otro número." in out
    assert "[6] 💬 Dejar un comentario" in out
    out = await transcript.run(":b 5")  # changed: still one answer
    assert "⭐ Gracias: 5 de 5" in out
    assert await _scores(session, cohort_id) == [(5, None)]

    out = await transcript.run(':b Dejar\n=HIPERVINCULO("http://x") Muy práctica')
    assert "¿Qué te gustaría contarle a la coordinación sobre la sesión?" in out
    assert 'Gracias, guardé tu comentario: “=HIPERVINCULO("http://x") Muy práctica”.' in out
    assert await _scores(session, cohort_id) == [(5, '=HIPERVINCULO("http://x") Muy práctica')]

    # Answered: no nudge the day after.
    assert "🔔" not in await transcript.run(":reloj 2025-05-07 11:10")
    # Changeable until three days after the session; then closed, in Spanish.
    out = await transcript.run(":reloj 2025-05-09 10:59\n:como sofia\n:b 3")
    assert "Gracias: 3 de 5" in out
    out = await transcript.run(":reloj 2025-05-09 11:00\n:b 2")
    assert (
        "La consulta sobre Masterclass: Datos abiertos ya cerró: las respuestas se reciben "
        "hasta tres días después de la sesión." in out
    )
    assert [score for score, _ in await _scores(session, cohort_id)] == [3]


async def test_without_attendance_who_did_not_say_no_is_asked_and_nudged_once(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    await transcript.run(MASTERCLASS)
    diego = await _member(session, "Diego")
    await records.set_rsvp(session, cohort.id or 0, "e1", diego.id or 0, RsvpAnswer.NO, clock.now())
    await session.commit()

    out = await transcript.run(":reloj 2025-05-06 11:10")
    assert "bot → @sofia: ⭐ *Masterclass: Datos abiertos*" in out
    assert "bot → @tomas: ⭐ *Masterclass: Datos abiertos* (martes, 6 de mayo)" in out
    assert "@diego: ⭐" not in out  # said No
    assert "Puedes responder o cambiar tu respuesta hasta el viernes, 9 de mayo." in out
    await transcript.run(":como sofia\n:b 2")
    out = await transcript.run(":como coordina\n/opiniones")
    assert "1 respuesta · promedio 2,0 de 5" in out

    out = await transcript.run(":reloj 2025-05-07 10:59")
    assert "🔔" not in out
    out = await transcript.run(":reloj 2025-05-07 11:00")  # a day after the end
    assert (
        "bot → @tomas: 🔔 Todavía estás a tiempo de contarnos qué te pareció "
        "*Masterclass: Datos abiertos* (martes, 6 de mayo).\n"
        "    ¿Qué tan útil fue? 1 a 5" in out
    )
    assert "@sofia: 🔔" not in out and "@diego: 🔔" not in out
    assert "🔔" not in await transcript.run(":reloj +1d")  # at most one nudge
    out = await transcript.run(":como tomas\n:b 5")
    assert "Gracias: 5 de 5" in out


async def test_after_downtime_past_the_nudge_only_the_nudge_goes(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)

    # The bot was off from before the end until after the nudge was due: one message.
    out = await transcript.run(":reloj 2025-05-07 12:00")
    assert out.count("bot → @sofia: 🔔 Todavía estás a tiempo") == 1
    assert "bot → @sofia: ⭐ *Masterclass" not in out
    assert "bot → @sofia:" not in await transcript.run(":reloj +1d")


async def test_a_question_too_late_is_dropped_so_that_it_never_comes_just_before_the_nudge(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)

    # Back 12 hours after the end (23:00): the question is stale; the nudge comes alone.
    assert "@sofia: ⭐" not in await transcript.run(":reloj 2025-05-06 23:00")
    out = await transcript.run(":reloj 2025-05-07 11:00")
    assert out.count("bot → @sofia: 🔔 Todavía estás a tiempo") == 1


async def test_a_question_less_than_twelve_hours_late_still_goes(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)

    assert "bot → @sofia: ⭐ *Masterclass" in await transcript.run(":reloj 2025-05-06 22:59")


async def test_a_cohort_that_asks_after_no_session_asks_nobody(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    cohort.feedback_settings = '{"kinds": []}'
    session.add(cohort)
    await session.commit()
    await transcript.run(MASTERCLASS)
    assert "⭐" not in await transcript.run(":reloj 2025-05-06 12:00")


async def _answered_cohort(session: AsyncSession, clock: ManualClock) -> int:
    """The attendance seed's cohort with three answers about its Masterclass (24 Apr):
    Sofía 5 with a formula in her comment (given this week), Andrés 3 with an older
    comment, Mariana 4 without one."""
    seeded = await attended_cohort(session, clock)
    cohort_id = seeded.cohort.id or 0
    ref = seeded.refs[2]
    asked = datetime(2025, 4, 24, 17, 0, tzinfo=UTC)
    closes = datetime(2025, 4, 27, 16, 0, tzinfo=UTC)
    for name, score in (("Sofía", 5), ("Andrés", 3), ("Mariana", 4)):
        person = seeded.members[name].person_id
        assert await answers.press_feedback(session, cohort_id, ref, person, score, asked, closes)
    await answers.set_comment(session, ref, seeded.members["Andrés"].id or 0, "Muy larga", asked)
    await answers.set_comment(
        session, ref, seeded.members["Sofía"].id or 0, "=1+1 útil", clock.now()
    )
    session.add_all(templates(cohort_id))  # the digest needs something to track
    await session.commit()
    return cohort_id


async def test_what_the_coordination_team_reads(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort_id = await _answered_cohort(session, transcript.chat.clock)

    out = await transcript.run(":como sofia\n/opiniones\n/ayuda")
    assert "Solo el equipo coordinador puede hacer eso." in out
    assert "Muy larga" not in out and "/opiniones —" not in out
    out = await transcript.run(":como coordina\n:grupo\n/opiniones\n:privado")
    assert "Las opiniones se muestran en privado: escríbeme /opiniones allí." in out
    assert "Muy larga" not in out
    out = await transcript.run("/ayuda")
    assert "/opiniones — qué dijeron los participantes de cada sesión" in out
    assert out.index("Para el equipo coordinador:") < out.index("/opiniones —")

    out = await transcript.run(":como coordina\n/opiniones")
    assert "📝 *Opiniones sobre las sesiones* · Sprint de prueba" in out
    assert (
        "*Masterclass: Datos abiertos* · jueves, 24 de abril · código e1\n"
        "    3 respuestas · promedio 4,0 de 5\n"
        "    5★ 1 · 4★ 1 · 3★ 1 · 2★ 0 · 1★ 0\n"
        "    Comentarios:\n"
        "    • #1 Sofía (5): “=1+1 útil”\n"
        "    • #2 Andrés (3): “Muy larga”" in out
    )

    # ⭐ for the cohort report: by button under one session, or by number.
    out = await transcript.run("/opiniones e1")
    assert "[1] ⭐ #1  [2] ⭐ #2" in out
    out = await transcript.run(":b 2")
    assert "⭐ Destacado para el informe: “Muy larga”." in out
    highlighted = [f.id for f in await answers.feedback_of(session, cohort_id) if f.highlighted]
    assert highlighted == [2]
    out = await transcript.run("/opiniones destacar 2\n/opiniones destacar 3\n/opiniones destacar")
    assert "Ya no está destacado: “Muy larga”." in out
    assert "No hay ningún comentario #3 en esta cohorte." in out  # Mariana left none
    assert "¿Cuál comentario? Escribe /opiniones destacar y su número (#)." in out
    out = await transcript.run("/opiniones e99")
    assert "No encuentro la sesión “e99”." in out

    # The Monday digest lists the week's new comments, not the older one.
    out = await transcript.run(":reloj 2025-05-05 09:00")
    digest = out.split("bot → @coordina: *Resumen semanal — Semana 3*", 1)[1]
    assert (
        "💬 *Comentarios nuevos sobre las sesiones* (1)\n"
        "    • Masterclass: Datos abiertos — Sofía (5): “=1+1 útil”\n"
        "    Todas las opiniones: /opiniones" in digest
    )
    assert "Muy larga" not in digest

    # The CSV: one row per answer; the formula is neutralised.
    out = await transcript.run("/exportar opiniones")
    saved = transcript.chat.files / f"opiniones-{cohort_id}-2025-05-05.csv"
    assert f"opiniones-{cohort_id}-2025-05-05.csv: 3 filas" in out
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == [
        "Sesión",
        "Código",
        "Fecha y hora (hora de Bogotá)",
        "Tipo",
        "Persona",
        "Equipo",
        "Puntaje",
        "Comentario",
        "Destacado",
        "Respondido el (hora de Bogotá)",
    ]
    by_person = {row[4]: row for row in rows[1:]}
    assert by_person["Sofía"][:8] == [
        "Masterclass: Datos abiertos",
        "e1",
        "2025-04-24 10:00",
        "Masterclass",
        "Sofía",
        "Bogotá",
        "5",
        "'=1+1 útil",
    ]
    assert by_person["Mariana"][7] == ""
