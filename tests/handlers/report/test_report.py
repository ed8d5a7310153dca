"""The cohort report: its figures read back from the PDF and checked against the database,
its pages looked at as pictures, its language, and what it says when data is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.matrix import load_attendance
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.poll.view import PURPOSE
from cohorte.handlers.report.build import build_report
from cohorte.handlers.report.calendar import load_calendar
from cohorte.handlers.report.content import report_document
from cohorte.handlers.report.document import ReportDocument, Table, Text
from cohorte.handlers.report.numbers import mask_emails
from cohorte.handlers.report.pdf import render_report_pdf
from cohorte.handlers.status.rules import blocked_spells, completed_at
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.feedback import feedback_of
from cohorte.storage.models import Cohort, Person
from cohorte.storage.polls import Poll, PollState, polls_of
from cohorte.storage.series import Series, SeriesKind
from cohorte.storage.status import Status, StatusUpdate, status_history
from tests.factories import seed_cohort
from tests.handlers.report.pages import SCALE, page_texts, pdf_text, render_pages
from tests.handlers.report.seed import (
    BLOCK_NOTE,
    HIGHLIGHTED,
    NOT_HIGHLIGHTED,
    PERSON_EMAIL,
    WITH_EMAIL,
    Reported,
    reported_cohort,
)
from tests.handlers.status.test_status import templates


async def _report(session: AsyncSession, cohort: Cohort, now: datetime) -> bytes:
    return await build_report(session, cohort.id or 0, reader_of(cohort=cohort), now)


async def test_the_figures_are_those_of_the_database(
    session: AsyncSession, clock: ManualClock
) -> None:
    seeded = await reported_cohort(session, clock)
    cohort = seeded.attended.cohort
    now = clock.now()

    text = pdf_text(await _report(session, cohort, now))

    assert text.startswith("Informe de la cohorte Sprint de prueba Generado el jueves, 1 de mayo")
    assert "Sprint de 12 semanas, del lunes, 21 de abril de 2025 al domingo, 13 de julio" in text
    assert "Equipo coordinador: Coordinación." in text
    # 1. Sessions held and planned, as the calendar has them.
    calendar = await load_calendar(session, cohort, now)
    held, planned = len(calendar.held()), len(calendar.planned())
    assert (held, planned, len(calendar.cancelled())) == (4, 16, 1)
    assert "Sesión semanal 2 10 0" in text
    assert "Masterclass 1 0 1" in text
    assert "Sesión de acompañamiento 1 5 0" in text
    assert "Sesión final (Showtime) 0 1 0" in text
    assert f"Total {held} {planned} 1" in text
    # 2. Attendance per team: the matrix's rates.
    matrix = await load_attendance(session, cohort, now)
    for team in matrix.teams:
        rate = matrix.team_rate(team)
        people = len(matrix.members_of(team))
        assert f"{team.name} {people} {rate.percent} % {rate.present} / {rate.counted}" in text
    assert (matrix.total_rate.present, matrix.total_rate.counted) == (5, 11)
    assert "Asistencia total: 45 % (5 de 11)." in text
    assert "Se registró la asistencia en 3 de las 4 sesiones realizadas." in text
    assert "24 abr 1 Masterclass: Datos abiertos sin registro —" in text
    # The poll: 5 participants, 2 answered both options, 1 only one.
    assert "Horario de la sesión semanal cerrada, horario confirmado 5 2 1 40 %" in text
    # 3. Deliverables: per team and status, completion weeks, RDC, blocked spells.
    assert "Bogotá 6 1 0 1 4 0" in text
    assert "Ciudad de México 6 1 0 0 5 0" in text
    assert "Santiago 6 0 1 0 5 0" in text
    assert "completado · sem. 2 completado · sem. 1 bloqueado" in text
    assert "Todo RDC7 2 / 12 17 %" in text
    assert "Todo RDC8 0 / 12 0 %" in text
    assert "Equipo sem. 1 sem. 2 Total Bogotá · 1 1 Ciudad de México 1 · 1 Santiago · · 0" in text
    assert "24 abr 29 abr 5 días " + BLOCK_NOTE in text
    assert "28 abr sigue bloqueado 3 días Sin acceso al sistema" in text
    assert "Veces que un entregable quedó bloqueado: 2. Siguen bloqueados: 1." in text
    # 4. Feedback: the averages of the rows, the highlighted comments only.
    answers = await feedback_of(session, seeded.cohort_id)
    average = sum(a.score for a in answers) / len(answers)
    assert f"Todas las sesiones {len(answers)} {average:.1f}".replace(".", ",") in text
    assert "Masterclass: Datos abiertos 3 4,0" in text
    assert "Sesión semanal 1 2,0" in text
    assert f"“{HIGHLIGHTED}”" in text
    assert "Masterclass: Datos abiertos · puntaje 5 de 5" in text
    assert NOT_HIGHLIGHTED not in text
    assert mask_emails(WITH_EMAIL) in text
    # No e-mail address, no platform account: names only.
    assert "@" not in text
    assert PERSON_EMAIL not in text
    assert "andres" not in text and "coordina " not in text
    assert "Página 1 de" in text


async def test_the_date_is_on_the_readers_clock(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await reported_cohort(session, clock)
    cohort, now = seeded.attended.cohort, clock.now()
    reader = reader_of(Person(display_name="Lectora", zone="America/Santiago", created_at=now))

    document = await report_document(session, cohort, reader, now)

    # 20:00 UTC is 16:00 in Santiago (its winter time, UTC-4, from 6 April 2025).
    assert (
        document.generated
        == "Generado el jueves, 1 de mayo de 2025 · 16:00 (hora de Santiago de Chile)"
    )


async def test_the_pages_show_charts_tables_and_real_text(
    session: AsyncSession, clock: ManualClock, tmp_path: Path
) -> None:
    seeded = await reported_cohort(session, clock)
    tomas = await session.get(Person, seeded.attended.members["Tomás"].person_id)
    assert tomas is not None
    tomas.display_name = "Tomás Núñez 🌎"  # the font has no globe: left out, not a box
    await session.commit()

    data = await _report(session, seeded.attended.cohort, clock.now())

    pages = render_pages(data, "Participación", save_to=tmp_path)
    assert len(pages) >= 3
    charts = [picture for page in pages for picture in page.pictures]
    # Attendance per team and per session, status per team, completions, feedback.
    assert len(charts) == 5
    for chart in charts:
        left, top, right, bottom = chart.box
        assert right - left > 400 and bottom - top > 80  # nearly the text width
        assert 0.03 < chart.ink < 0.6, chart  # bars and words drawn, not a blank or a blot
    assert any(page.searchable for page in pages)
    # Inside the margins the running header and the footer keep (18 mm), not past them.
    margin, page_width = 18 * 72 / 25.4 * SCALE, pages[0].image.width
    for chart in charts:
        assert margin - 1 <= chart.box[0] and chart.box[2] <= page_width - margin + 1, chart
    texts = page_texts(data)
    assert all(f"Página {n} de {len(pages)}" in page for n, page in enumerate(texts, start=1))
    assert all("Sprint de prueba · informe de la cohorte" in texts[n] for n in (1, 2))
    whole = " ".join(texts)
    assert "Tomás Núñez" in whole and "🌎" not in whole
    assert "Sesión de acompañamiento" in whole  # accents are text, as typed
    # Outside the charts a page is mostly white: text, not pictures of text.
    first = pages[0]
    assert not first.pictures
    assert (tmp_path / "page-1.png").exists()


async def test_attendance_not_tracked_is_said_plainly(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    session.add(
        Series(
            cohort_id=cohort.id or 0,
            kind=SeriesKind.SESSION,
            title="",
            weekday=1,
            local_time=time(10, 0),
            zone="America/Bogota",
            first_date=date(2025, 4, 22),
            last_date=date(2025, 7, 8),
            created_at=clock.now(),
        )
    )
    await session.commit()
    before = await report_document(
        session, cohort, reader_of(cohort=cohort), datetime(2025, 4, 20, 14, tzinfo=UTC)
    )
    said = [block.text for block in before.blocks if isinstance(block, Text)]
    assert "Todavía no se ha realizado ninguna sesión: no hay asistencia." in said
    assert "El sprint todavía no ha empezado." in said[0]

    text = pdf_text(await _report(session, cohort, datetime(2025, 5, 7, 14, tzinfo=UTC)))

    assert (
        "No se registró la asistencia: ninguna de las 3 sesiones realizadas tiene registro de "
        "asistencia." in text
    )
    assert "No hubo encuesta de horario." in text
    assert "La cohorte todavía no tiene entregables." in text
    assert "Todavía no se han recogido opiniones sobre las sesiones." in text
    assert "Página 1 de" in text


async def test_an_english_cohort_gets_an_english_report(
    session: AsyncSession, clock: ManualClock
) -> None:
    seeded = await reported_cohort(session, clock)
    cohort = seeded.attended.cohort
    cohort.locale = "en"
    await session.commit()

    text = pdf_text(await _report(session, cohort, clock.now()))

    assert text.startswith("Cohort report Sprint de prueba Generated on Thursday, May 1, 2025")
    assert "Attendance per team" in text and "Overall attendance: 45 % (5 of 11)." in text
    assert "Masterclass: Datos abiertos 3 4.0" in text
    assert "done · wk 2" in text
    assert "Page 1 of" in text
    assert "Asistencia" not in text


async def test_the_rules_the_report_reads(session: AsyncSession, clock: ManualClock) -> None:
    seeded: Reported = await reported_cohort(session, clock)
    history = await status_history(session, seeded.cohort_id)
    spells = blocked_spells(history)
    assert [(s.started.day, s.ended.day if s.ended else None) for s in spells] == [
        (24, 29),
        (28, None),
    ]
    done = completed_at(history)
    assert sorted(when.day for when in done.values()) == [25, 28]
    # A note that keeps a blocked item blocked does not start a new spell.
    first = history[1]
    again = StatusUpdate(
        cohort_id=first.cohort_id,
        deliverable_id=first.deliverable_id,
        team_id=first.team_id,
        previous=Status.BLOCKED,
        status=Status.BLOCKED,
        note="Seguimos esperando",
        created_at=datetime(2025, 4, 26, tzinfo=UTC),
    )
    assert blocked_spells([first, again, history[5]]) == blocked_spells([first, history[5]])


async def test_the_polls_of_a_cohort_leave_out_cancelled_ones(
    session: AsyncSession, clock: ManualClock
) -> None:
    seeded = await reported_cohort(session, clock)
    cancelled = Poll(
        cohort_id=seeded.cohort_id,
        title="Cancelada",
        state=PollState.CANCELLED,
        zone="America/Bogota",
        created_at=clock.now(),
    )
    session.add(cancelled)
    await session.flush()
    cancelled.open_marker = None
    await session.commit()

    found = await polls_of(session, seeded.cohort_id, PURPOSE)

    assert [poll.title for poll in found] == ["Horario de la sesión semanal"]


async def test_more_teams_than_deliverables_puts_the_teams_in_rows(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    for deliverable in templates(cohort.id or 0, clock.now())[:2]:
        session.add(deliverable)
    await session.commit()

    document = await report_document(session, cohort, reader_of(cohort=cohort), clock.now())

    tables = [block for block in document.blocks if isinstance(block, Table)]
    (matrix,) = [table for table in tables if table.compact]
    assert matrix.header == ("Equipo", "mapeo", "proveedores")
    assert [row[0] for row in matrix.rows] == ["Bogotá", "Ciudad de México", "Santiago"]
    assert matrix.rows[0][1:] == ("sin iniciar", "sin iniciar")


def test_a_narrow_column_keeps_its_heading_words_whole() -> None:
    document = ReportDocument(
        "Informe", "Sprint", "Generado hoy", "Sprint · informe", "Página {page} de {pages}", "es"
    )
    heads = ("Equipo", "Participantes", "Respondieron algunas", "Participación", "Bloqueado el")
    document.add(Table(heads, (("Bogotá", "2", "1", "40 %", "24 abr"),), (0.4, 0.1, 0.2, 0.1, 0.1)))

    text = pdf_text(render_report_pdf(document))

    assert "Participantes Respondieron algunas Participación Bloqueado el" in text
