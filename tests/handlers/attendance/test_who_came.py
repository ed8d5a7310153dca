"""Who came, as a cohort lives it on the console: "Empezamos" with "✋ Estoy aquí" at the
start, /asistencia for coordinators and participants, "Te extrañamos" the day after."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.scheduling.clock import ManualClock
from cohorte.storage import attendance as records
from cohorte.storage.attendance import Attendance, AttendanceSource, AttendanceStatus, RsvpAnswer
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


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


async def _record(session: AsyncSession, name: str, ref: str) -> Attendance | None:
    session.expire_all()
    member = await _member(session, name)
    return await records.attendance_of(session, ref, member.id or 0)


async def _say_no(
    session: AsyncSession, cohort: Cohort, name: str, ref: str, now: datetime
) -> None:
    member = await _member(session, name)
    await records.set_rsvp(session, member.cohort_id, ref, member.id or 0, RsvpAnswer.NO, now)
    await session.commit()


MASTERCLASS = ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'


async def test_empezamos_reaches_who_did_not_say_no_and_the_press_records_them(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    assert "Código: e1" in await transcript.run(MASTERCLASS)
    await _say_no(session, cohort, "Diego", "e1", clock.now())

    out = await transcript.run(":reloj 2025-05-06 09:59")
    assert "Empezamos" not in out
    out = await transcript.run(":reloj 2025-05-06 10:00")
    assert "bot → @sofia: 🟢 Empezamos: *Masterclass: Datos abiertos* · Semana 3" in out
    assert "bot → @tomas: 🟢 Empezamos: *Masterclass: Datos abiertos* · Semana 3" in out
    assert "martes, 6 de mayo · 11:00 (hora de Santiago de Chile)" in out  # in her own zone
    assert "[1] ✋ Estoy aquí" in out
    assert "@diego: 🟢" not in out  # said No
    assert "@coordina: 🟢" not in out  # coordinators run the session
    assert "#sala: 🟢" not in out  # a private message, not the group's
    assert "Empezamos" not in await transcript.run(":reloj +1m")  # once

    out = await transcript.run(":como sofia\n:b 1")
    assert "✋ Gracias, Sofía: quedó registrada tu asistencia a Masterclass: Datos abiertos." in out
    record = await _record(session, "Sofía", "e1")
    assert record is not None
    assert (record.status, record.source) == (AttendanceStatus.PRESENT, AttendanceSource.SELF)
    sofia = await _member(session, "Sofía")
    assert record.recorded_by == sofia.person_id
    out = await transcript.run(":b 1")  # a second press changes nothing and says so kindly
    assert "quedó registrada tu asistencia" in out
    assert len(await records.attendance(session, sofia.cohort_id, ref="e1")) == 1


async def test_the_roster_marks_and_corrections_and_the_follow_up_the_day_after(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    await transcript.run(MASTERCLASS)
    await _say_no(session, cohort, "Diego", "e1", clock.now())
    await transcript.run(":reloj 2025-05-06 10:05\n:como sofia\n:b 1")

    out = await transcript.run(":como coordina\n/asistencia")
    assert "Asistencia: *Masterclass: Datos abiertos* · Semana 3" in out
    assert "martes, 6 de mayo · 10:00 (hora de Bogotá) · código e1" in out
    assert "Presentes 1 · Ausentes 0 · Justificados 0 · Sin registro 2" in out
    # By team, with each person's answer and record.
    assert out.index("*Bogotá*") < out.index("*Ciudad de México*") < out.index("*Santiago*")
    assert "• Sofía — sin respuesta · ✋ Presente (por su cuenta)" in out
    assert "• Diego — ❌ No · sin registro" in out
    assert "• Tomás — sin respuesta · sin registro" in out
    assert "Coordinación —" not in out  # the roster lists participants
    assert "[1] Sofía  [2] Diego  [3] Tomás" in out

    out = await transcript.run(":b Diego\n:b Ausente")
    assert "*Diego* en Masterclass: Datos abiertos: sin registro. Marcar como:" in out
    assert "Listo: *Diego* en Masterclass: Datos abiertos — ✖️ Ausente." in out
    out = await transcript.run("/asistencia e1\n:b Tomás\n:b Ausente")
    assert "• Diego — ❌ No · ✖️ Ausente (equipo coordinador)" in out
    record = await _record(session, "Diego", "e1")
    coordina = await _member(session, "Coordinación")
    assert record is not None and record.source is AttendanceSource.COORDINATOR
    assert record.recorded_by == coordina.person_id

    # Before the follow-up leaves, Diego's absence is corrected: excused after all.
    out = await transcript.run("/asistencia e1\n:b Diego\n:b Justificado")
    assert "Listo: *Diego* en Masterclass: Datos abiertos — 📝 Justificado." in out

    out = await transcript.run(":reloj 2025-05-07 09:59")
    assert "Te extrañamos" not in out
    out = await transcript.run(":reloj 2025-05-07 10:00")
    assert (
        "bot → @tomas: 💬 Te extrañamos en *Masterclass: Datos abiertos* (martes, 6 de mayo)."
        in out
    )
    assert "Si quieres ponerte al día, escríbele al equipo coordinador." in out
    assert "@diego: 💬" not in out  # excused: no follow-up
    assert "@sofia: 💬" not in out and "#sala: 💬" not in out
    assert "Te extrañamos" not in await transcript.run(":reloj +1d")  # once

    # Each participant sees their own record.
    out = await transcript.run(":como tomas\n/asistencia")
    assert "Tu asistencia (hora de Santiago de Chile):" in out
    assert (
        "• martes, 6 de mayo · 11:00 — *Masterclass: Datos abiertos*: ✖️ Ausente "
        "(equipo coordinador) · tu respuesta: sin respuesta" in out
    )
    out = await transcript.run(":como diego\n/attendance e1")
    assert "📝 Justificado (equipo coordinador) · tu respuesta: ❌ No" in out


async def test_a_follow_up_stops_when_the_absence_is_corrected_to_present(
    session: AsyncSession, transcript: Transcript, clock: ManualClock, assembly: Assembly
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)
    await transcript.run(":reloj 2025-05-06 12:00\n/asistencia\n:b Tomás\n:b Ausente")
    await transcript.run(":reloj 2025-05-06 12:01")  # planned, due tomorrow 10:00
    found = (await session.exec(select(Delivery).where(Delivery.kind == "attendance.missed"))).all()
    assert [(d.dedupe_key, d.state) for d in found] == [
        (
            f"attendance.missed:e1:p{(await _member(session, 'Tomás')).person_id}",
            DeliveryState.PENDING,
        )
    ]
    await transcript.run("/asistencia e1\n:b Tomás\n:b Presente")
    out = await transcript.run(":reloj 2025-05-07 10:00")
    assert "Te extrañamos" not in out
    session.expire_all()
    (row,) = (
        await session.exec(select(Delivery).where(Delivery.kind == "attendance.missed"))
    ).all()
    assert (row.state, row.last_error) == (DeliveryState.DROPPED, "superseded")


async def test_the_button_works_from_ten_minutes_before_until_the_end(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)  # 10:00 to 11:00 Bogotá (one hour)
    await transcript.run(":reloj 2025-05-06 10:00\n:como sofia")
    here = "ah:e1"
    assert transcript.chat._buttons  # the "Empezamos" message carries the button

    async def press_at(moment: str) -> str:
        await transcript.run(f":reloj {moment}")
        return await _press(transcript, here)

    out = await press_at("2025-05-06 09:49")
    assert (
        "Todavía es temprano: Masterclass: Datos abiertos empieza el martes, 6 de mayo · "
        "10:00 (hora de Bogotá). El botón funciona desde las 09:50." in out
    )
    assert await _record(session, "Sofía", "e1") is None
    assert "quedó registrada" in await press_at("2025-05-06 09:50")
    assert "quedó registrada" in await press_at("2025-05-06 11:00")
    out = await press_at("2025-05-06 11:01")
    assert (
        "Masterclass: Datos abiertos ya terminó (11:00). Si participaste, avísale al "
        "equipo coordinador." in out
    )


async def _press(transcript: Transcript, payload: str) -> str:
    """A press of a button with this payload (as a stale or forged one would arrive)."""
    start = len(transcript.lines)
    await transcript.chat._send(payload=payload)
    return "\n".join(transcript.lines[start:])


async def test_a_check_in_on_the_day_santiago_changes_its_clocks(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    # A sprint that starts the week Chile leaves summer time (Saturday 5 April 2025 at
    # midnight): the Santiago team's check-in is on Sunday 6 April at 10:00, UTC-4 now.
    cohort.start_date = date(2025, 3, 31)
    santiago = (await session.exec(select(Team).where(Team.name == "Santiago"))).one()
    santiago.checkin_weekday, santiago.checkin_time = 6, time(10, 0)
    await session.commit()
    clock.set(datetime(2025, 4, 5, 12, 0, tzinfo=UTC))

    # 13:00 UTC would be 10:00 under the old offset: nothing yet.
    out = await transcript.run(":reloj 2025-04-06 08:00")  # Bogotá: 13:00 UTC
    assert "Empezamos" not in out
    assert "Todavía es temprano" in await _press_as(transcript, "tomas", "ah:s1/2025-04-06")
    out = await transcript.run(":reloj 2025-04-06 08:50")  # 13:50 UTC: 09:50 in Santiago
    assert "Empezamos" not in out
    assert "quedó registrada" in await _press_as(transcript, "tomas", "ah:s1/2025-04-06")
    out = await transcript.run(":reloj 2025-04-06 09:00")  # 14:00 UTC: 10:00 in Santiago
    assert "Empezamos" not in out  # Tomás is in already: nothing to ask
    record = await _record(session, "Tomás", "s1:2025-04-06")
    assert record is not None and record.status is AttendanceStatus.PRESENT
    # Only the team's members count: Sofía (Bogotá) is refused.
    out = await _press_as(transcript, "sofia", "ah:s1/2025-04-06")
    assert "Esta sesión de acompañamiento es de otro equipo" in out
    # It lasts 45 minutes: 10:45 in Santiago is its end.
    await transcript.run(":reloj 2025-04-06 09:46")
    assert "ya terminó (10:45)" in await _press_as(transcript, "tomas", "ah:s1/2025-04-06")


async def _press_as(transcript: Transcript, who: str, payload: str) -> str:
    await transcript.run(f":como {who}\n:privado")
    return await _press(transcript, payload)


async def test_a_moved_session_moves_its_empezamos_and_a_cancelled_one_has_none(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)
    await transcript.run(":reloj 2025-05-06 09:50")  # planned for 10:00
    planned = (
        await session.exec(select(Delivery).where(Delivery.kind == "attendance.started"))
    ).all()
    assert len(planned) == 3 and {d.state for d in planned} == {DeliveryState.PENDING}

    await transcript.run(":como coordina\n/sesion mover e1 6 de mayo 16:00")
    out = await transcript.run(":reloj 2025-05-06 10:00")
    assert "Empezamos" not in out
    assert "Todavía es temprano" in await _press_as(transcript, "sofia", "ah:e1")
    out = await transcript.run(":reloj 2025-05-06 16:00")
    assert out.count("🟢 Empezamos: *Masterclass: Datos abiertos*") == 3
    assert "martes, 6 de mayo · 16:00 (hora de Bogotá)" in out

    await transcript.run(':como coordina\n/sesion nueva masterclass 8 de mayo 10:00 "B"')
    await transcript.run(":reloj 2025-05-08 09:50\n:como coordina\n/sesion cancelar e2")
    out = await transcript.run(":reloj 2025-05-08 10:00")
    assert "Empezamos" not in out
    out = await _press_as(transcript, "sofia", "ah:e2")
    assert "Masterclass: B fue cancelada: no hay nada a qué asistir." in out
    out = await transcript.run(":como coordina\n/asistencia e2")
    assert "Masterclass: B fue cancelada: no tiene asistencia." in out


async def test_stale_forged_and_refused_presses_and_wrong_codes_are_answered_in_spanish(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)
    await transcript.run(":reloj 2025-05-06 10:10")
    stale = "Ese botón ya no es válido"
    for payload in ("ah:e999", "ah:zz", "ah:e1:2", "ah:", "am:1:x:e1", "apk:0:e1", "arp:1:e999"):
        assert stale in await _press_as(transcript, "coordina", payload), payload
    # A coordinator's button pressed by a participant, and "✋" by a coordinator.
    out = await _press_as(transcript, "sofia", f"am:{(await _member(session, 'Tomás')).id}:p:e1")
    assert "Solo el equipo coordinador puede hacer eso." in out
    assert await _record(session, "Tomás", "e1") is None
    out = await _press_as(transcript, "coordina", "ah:e1")
    assert "La asistencia se lleva para participantes" in out
    # A person of no cohort.
    out = await _press_as(transcript, "extrano", "ah:e1")
    assert "Todavía no eres parte de una cohorte" in out
    # A coordinator's mark of someone the session does not count (the coordinator).
    coordina = await _member(session, "Coordinación")
    assert stale in await _press_as(transcript, "coordina", f"am:{coordina.id}:p:e1")

    # A self record never overrides a coordinator's.
    tomas = await _member(session, "Tomás")
    await _press_as(transcript, "coordina", f"am:{tomas.id}:a:e1")
    out = await _press_as(transcript, "tomas", "ah:e1")
    assert "Tu asistencia ya está registrada: ✖️ Ausente (equipo coordinador)." in out

    out = await transcript.run(":como coordina\n/asistencia e77")
    assert "No encuentro la sesión “e77”. Usa el código que muestra /proximas" in out
    out = await transcript.run("/asistencia " + "x" * 300)
    assert "No encuentro la sesión “" + "x" * 40 + "”" in out
    out = await transcript.run("/asistencia s1/2025-13-40")
    assert "No encuentro la sesión" in out
    await transcript.run('/sesion nueva masterclass 20 de mayo 10:00 "Después"')
    out = await transcript.run("/asistencia e2")
    assert (
        "Masterclass: Después todavía no empieza (martes, 20 de mayo · 10:00 (hora de "
        "Bogotá)): la asistencia se registra desde su inicio." in out
    )
    out = await transcript.run("/asistencia tablero")
    assert "*Asistencia* · Sprint de prueba" in out and "asistencia-2025-05-06.png" in out


async def test_before_any_session_there_is_nothing_to_show(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    out = await transcript.run(":como coordina\n/asistencia")
    assert "Todavía no ha empezado ninguna sesión: no hay asistencia que mostrar." in out
    out = await transcript.run(":como sofia\n/asistencia")
    assert "Todavía no ha empezado ninguna de tus sesiones" in out


async def test_a_long_roster_comes_in_pages_whose_buttons_fit(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _people(session, clock)
    bogota = (await session.exec(select(Team).where(Team.name == "Bogotá"))).one()
    for n in range(1, 11):
        await add_member(
            session, cohort, f"Persona {n:02}", f"p{n}", Role.PARTICIPANT, bogota, clock.now()
        )
    await session.commit()
    await transcript.run(MASTERCLASS)
    out = await transcript.run(":reloj 2025-05-06 10:30\n:como coordina\n/asistencia")
    assert "Presentes 0 · Ausentes 0 · Justificados 0 · Sin registro 13" in out
    assert "Página 1 de 2." in out
    assert "[10] Persona 10  [11] Siguiente »" in out
    assert "Tomás" not in out.split("Página")[0]  # Santiago's team is on page 2
    buttons = transcript.chat._buttons[transcript.chat._chat_key(False, "coordina")]
    assert all(len(b.payload.encode()) <= 64 for b in buttons)

    out = await transcript.run(":b Siguiente")
    assert "Página 2 de 2." in out
    assert "• Tomás — sin respuesta · sin registro" in out
    assert "*Bogotá*\n    • Sofía" in out  # the team is named again on its page
    assert "[1] Sofía  [2] Diego  [3] Tomás  [4] « Anterior" in out
    out = await transcript.run(":b Tomás\n:b Presente\n:b Volver")
    assert "Presentes 1 · Ausentes 0 · Justificados 0 · Sin registro 12" in out
    assert "Página 1 de 2." in out


async def test_asistencia_aqui_is_the_press_typed(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _people(session, clock)
    await transcript.run(MASTERCLASS)
    out = await transcript.run(":como sofia\n/asistencia aqui")
    assert (
        "Ninguna de tus sesiones está en curso ahora: la asistencia cuenta desde 10 minutos "
        "antes de una sesión hasta su final." in out
    )
    out = await transcript.run(":reloj 2025-05-06 09:50\n:grupo\n/asistencia Estoy aquí")
    assert "✋ Gracias, Sofía: quedó registrada tu asistencia a Masterclass: Datos abiertos." in out
    record = await _record(session, "Sofía", "e1")
    assert record is not None and record.source is AttendanceSource.SELF
    out = await transcript.run(":reloj 2025-05-06 10:00")
    assert "@sofia: 🟢" not in out  # she is in already
    assert "(o escribe /asistencia aqui)" in out
    out = await transcript.run(":como coordina\n/attendance here")
    assert "La asistencia se lleva para participantes" in out
