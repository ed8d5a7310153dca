"""Each session's materials in its calendar event's description: a Masterclass's in its
VEVENT, a weekly session's in a VEVENT of its own that overrides that one occurrence
(RECURRENCE-ID), so that a subscribed calendar shows the links where the session is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.ics import build_ics
from cohorte.locales import Translator
from cohorte.storage.models import Cohort
from cohorte.storage.series import Series
from tests.conftest import Transcript
from tests.factories import seed_cohort


async def test_the_materials_are_in_the_calendar_file(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        /sesion nueva masterclass 6 de mayo 15:00 "Datos abiertos"
        /material e1 lectura https://example.org/ocds "Guía *OCDS*"
        """
    )
    cohort = (await session.exec(select(Cohort))).one()
    series = (await session.exec(select(Series))).one()
    await transcript.run(f'/material s{series.id}/2025-05-13 https://example.org/s "Notas"')

    def events() -> list[Any]:
        return list(Calendar.from_ical(data).walk("VEVENT"))

    now = transcript.chat.clock.now()
    data = await build_ics(session, cohort, Translator("es"), now, None)
    (masterclass,) = [e for e in events() if "Masterclass" in str(e["SUMMARY"])]
    assert str(masterclass["DESCRIPTION"]) == (
        "Materiales:\n📖 Lectura: Guía *OCDS* — https://example.org/ocds"
    )
    overrides = [e for e in events() if "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    (weekly,) = overrides
    bogota = ZoneInfo("America/Bogota")
    assert weekly["RECURRENCE-ID"].dt == datetime(2025, 5, 13, 10, 0, tzinfo=bogota)
    assert weekly["DTSTART"].dt == datetime(2025, 5, 13, 10, 0, tzinfo=bogota)
    assert str(weekly["DESCRIPTION"]) == "Materiales:\n🔗 Enlace: Notas — https://example.org/s"

    # The feed follows: a removed material leaves the next file.
    await transcript.run("/material quitar 2")
    data = await build_ics(session, cohort, Translator("es"), now, None)
    assert not [e for e in events() if "RECURRENCE-ID" in e]
