"""Outbox rows already in the database render after an upgrade; a row whose data does not
fit its kind fails alone, with one log line."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Identity, Team
from cohorte.storage.outbox import Delivery, DeliveryState
from cohorte.storage.series import Series, SeriesKind
from cohorte.storage.status import StatusUpdate
from tests.conftest import Transcript
from tests.factories import seed_cohort
from tests.handlers.status.test_status import seed_with_deliverables

SETUP = """
:como coordina
/encuesta nueva mar 10:00, jue 16:00 cierre 2025-04-25 18:00
/encuesta cerrar
/encuesta nueva lun 8:00, vie 17:00 cierre 2025-04-28 18:00
/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
/sesion semanal mar 10:00
# It falls on the Masterclass: kept whole.
:b Sí, con todas
/acompanamiento Bogotá jue 10:00
:como sofia
/reportar mapeo en curso
"""


async def _person(session: AsyncSession, console_name: str) -> int:
    statement = select(Identity).where(Identity.external_id == console_name)
    return (await session.exec(statement)).one().person_id


async def _queue(sessions: SessionFactory, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows written as the code before typed payloads wrote them: (kind, to, ref, data),
    `to` being the group chat '#sala' or a person's console name."""
    async with transaction(sessions) as write:
        cohort = (await write.exec(select(Cohort))).one()
        assert cohort.id is not None
        now = cohort.created_at
        for number, (kind, to, ref, data) in enumerate(rows):
            person = None if to == "#sala" else await _person(write, to)
            write.add(
                Delivery(
                    dedupe_key=f"stored:{number}:{to}",
                    kind=kind,
                    cohort_id=cohort.id,
                    chat_link_id=1 if person is None else None,
                    person_id=person,
                    ref=ref,
                    lane="c1" if person is None else f"p{person}",
                    data=data,
                    due_at=now,
                    created_at=now,
                )
            )


async def test_rows_stored_with_the_data_written_before_render_for_every_kind(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript
) -> None:
    now = transcript.chat.clock.now()
    _, _, deliverables = await seed_with_deliverables(session, now)
    # Due next week, so that a quiet team has something to be nudged about.
    deliverables["mapeo"].due_week, deliverables["mapeo"].due_date = None, date(2025, 4, 30)
    await session.commit()
    await transcript.run(SETUP + ":reloj +1m")
    cohort = (await session.exec(select(Cohort))).one()
    teams = {t.name: t.id for t in (await session.exec(select(Team))).all()}
    weekly = (await session.exec(select(Series).where(Series.kind == SeriesKind.SESSION))).one()
    update = (await session.exec(select(StatusUpdate))).one()
    checkin = next(
        o
        for o in await cohort_occurrences(session, cohort, now, now + timedelta(days=14))
        if o.kind == "checkin" and o.team_id == teams["Bogotá"]
    )
    e1 = '"2025-05-06T15:00:00+00:00"'
    at_checkin = f'"start": "{checkin.starts_at.isoformat()}"'
    rows = [
        ("reminder", "#sala", "e1", '{"start": ' + e1 + ', "lead": 60}'),
        ("moved", "sofia", "e1", '{"old_start": "2025-05-05T15:00:00+00:00"}'),
        ("cancelled", "sofia", "e1", "{}"),
        ("announcement", "#sala", "", '{"event": 1}'),
        ("announcement", "#sala", "", f'{{"series": {weekly.id}}}'),
        ("announcement", "#sala", "", '{"text": "Mañana no hay sesión."}'),
        ("holiday", "coordina", "e1", '{"day": "2025-05-06", "country": "CO", "name": "Fiesta"}'),
        ("poll", "#sala", "poll:2", '{"poll": 2}'),
        ("poll_nudge", "sofia", "poll:2", '{"poll": 2}'),
        ("poll_all_voted", "coordina", "poll:2:all", '{"poll": 2}'),
        ("poll_closed", "#sala", "poll:1:closed", '{"poll": 1}'),
        ("poll_confirmed", "#sala", "poll:1:confirmed", f'{{"poll": 1, "series": {weekly.id}}}'),
        ("status.changed", "coordina", "", f'{{"update": {update.id}}}'),
        ("status.checkin", "sofia", checkin.ref, f'{{{at_checkin}, "team": {teams["Bogotá"]}}}'),
        (
            "status.checkin_digest",
            "coordina",
            checkin.ref,
            f'{{{at_checkin}, "team": {teams["Bogotá"]}}}',
        ),
        ("status.nudge", "sofia", "team2", f'{{"team": {teams["Ciudad de México"]}, "period": 0}}'),
        ("status.weekly", "coordina", "week1", '{"week": 1}'),
    ]
    await _queue(sessions, rows)

    out = await transcript.run(":reloj +1m")

    async with sessions() as read:
        statement = select(Delivery).where(col(Delivery.dedupe_key).startswith("stored:"))
        stored = (await read.exec(statement.order_by(col(Delivery.id)))).all()
    assert [(d.kind, d.state) for d in stored] == [(kind, DeliveryState.SENT) for kind, *_ in rows]
    for expected in [
        "bot → #sala: ⏰ Recordatorio (en 1 hora): *Masterclass: Datos abiertos* · Semana 3",
        "bot → @sofia: 🔁 Nuevo horario para *Masterclass: Datos abiertos* · Semana 3",
        "(antes: lunes, 5 de mayo · 10:00 (hora de Bogotá))",
        "bot → @sofia: ❌ Cancelada: *Masterclass: Datos abiertos* · Semana 3",
        "bot → #sala: 📣 Nueva en el calendario: *Masterclass: Datos abiertos*, martes, 6 de mayo",
        "bot → #sala: 📣 La sesión semanal será el martes a las 10:00 (hora de Bogotá)",
        "bot → #sala: 📣 Mañana no hay sesión.",
        "bot → @coordina: 📅 Feriado a la vista: *Masterclass: Datos abiertos* · Semana 3",
        "El martes, 6 de mayo es feriado en Colombia (Fiesta).",
        "bot → #sala: 🗳️ *Sesión semanal*: elijamos el día y la hora de la sesión semanal.",
        "bot → @sofia: ⏰ La encuesta “Sesión semanal” cierra el lunes, 28 de abril",
        "bot → @coordina: ✅ Todas las personas participantes respondieron la encuesta",
        "bot → #sala: 🔒 La encuesta “Sesión semanal” cerró.",
        "bot → #sala: 📅 *Sesión semanal*: ¡ya tenemos sesión semanal!",
        "bot → @coordina: Sofía actualizó *Mapeo de procesos y sistemas* (Bogotá)",
        "bot → @sofia: ¡Hola, Sofía! La sesión de acompañamiento de tu equipo (Bogotá)",
        "bot → @coordina: *Sesión de acompañamiento con el equipo Bogotá*",
        "bot → @sofia: ¡Hola, Sofía! Tu equipo (Ciudad de México) todavía no ha reportado",
        "bot → @coordina: *Resumen semanal — Semana 1* · Sprint de prueba",
    ]:
        assert expected in out


async def test_a_row_whose_data_does_not_fit_fails_alone_with_one_log_line(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    rows = [
        ("poll", "#sala", "poll:1", '{"poll": "1"}'),
        ("reminder", "sofia", "e1", '{"start": "mañana", "lead": 60}'),
        ("status.weekly", "coordina", "week1", "{week: 1"),
        ("announcement", "#sala", "", '{"text": "Sigue en pie."}'),
    ]
    await _queue(sessions, rows)

    with caplog.at_level(logging.INFO):
        out = await transcript.run(":reloj +1m")

    assert "bot → #sala: 📣 Sigue en pie." in out
    async with sessions() as read:
        stored = (await read.exec(select(Delivery).order_by(col(Delivery.id)))).all()
    assert [d.state for d in stored] == [DeliveryState.FAILED] * 3 + [DeliveryState.SENT]
    complaints = [
        record.getMessage()
        for record in caplog.records
        if record.name == "cohorte.handlers.core.delivery" and record.levelno >= logging.ERROR
    ]
    assert complaints == [
        f"cannot render delivery {stored[0].id}: poll data: 'poll' is not an integer",
        f"cannot render delivery {stored[1].id}: reminder data: 'start' is not an ISO date"
        " and time with its UTC offset",
        f"cannot render delivery {stored[2].id}: status.weekly data is not JSON",
    ]
    assert not [record for record in caplog.records if record.exc_info]
