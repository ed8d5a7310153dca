"""A session's title that only repeats its kind's label is said once, everywhere it is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.ics import build_ics
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.models import Cohort
from tests.conftest import Transcript
from tests.factories import seed_cohort


def _occurrence(kind: str, title: str) -> Occurrence:
    return Occurrence(
        ref="e1",
        kind=kind,
        title=title,
        starts_at=datetime(2025, 7, 9, 15, tzinfo=UTC),
        duration=timedelta(minutes=90),
    )


@pytest.mark.parametrize(
    ("kind", "title", "spanish", "english"),
    [
        (
            "showtime",
            "Sesión final (Showtime)",
            "Sesión final (Showtime)",
            "Final session (Showtime)",
        ),
        (
            "showtime",
            "sesion final showtime",
            "Sesión final (Showtime)",
            "Final session (Showtime)",
        ),
        (
            "showtime",
            "Final Session (Showtime)",
            "Sesión final (Showtime)",
            "Final session (Showtime)",
        ),
        ("showtime", "SHOWTIME!", "Sesión final (Showtime)", "Final session (Showtime)"),
        (
            "showtime",
            "Resultados",
            "Sesión final (Showtime): Resultados",
            "Final session (Showtime): Resultados",
        ),
        ("masterclass", "Masterclass", "Masterclass", "Masterclass"),
        (
            "masterclass",
            "Datos abiertos",
            "Masterclass: Datos abiertos",
            "Masterclass: Datos abiertos",
        ),
        ("session", "Sesión semanal", "Sesión semanal", "Weekly session"),
        ("session", "", "Sesión semanal", "Weekly session"),
        ("session", "Laboratorio", "Laboratorio", "Laboratorio"),
    ],
)
async def test_a_title_equal_to_its_kinds_label_is_said_once(
    session: AsyncSession, kind: str, title: str, spanish: str, english: str
) -> None:
    occurrence = _occurrence(kind, title)
    assert plain(await occurrence_title(session, Translator("es"), occurrence)) == spanish
    assert plain(await occurrence_title(session, Translator("en"), occurrence)) == english


async def test_the_showtime_named_as_its_label_reads_once_in_reminders_lists_and_calendars(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        /sesion nueva showtime 9 de julio 10:00 "Sesión final (Showtime)"
        /proximas 1
        :reloj 2025-07-08 10:00
        """
    )

    assert "📣 Nueva en el calendario: *Sesión final (Showtime)*, miércoles, 9 de julio" in out
    assert "— *Sesión final (Showtime)* (Semana 12)" in out
    assert "): *Sesión final (Showtime)* · Semana 12" in out  # the reminder
    assert "Showtime): Sesión final" not in out
    cohort = (await session.exec(select(Cohort))).one()
    ics = await build_ics(session, cohort, Translator("es"), transcript.chat.clock.now(), None)
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Sesión final (Showtime)"
