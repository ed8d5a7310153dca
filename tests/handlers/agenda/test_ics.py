"""The calendar file is the same bytes for the same calendar, whatever the process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.ics import build_ics
from cohorte.locales import Translator
from cohorte.storage.models import Cohort
from tests.conftest import Transcript
from tests.factories import seed_cohort

# Builds the calendar of the database at argv[1] and prints its bytes as hex.
BUILD = """
import asyncio, sys
from datetime import UTC, datetime
from sqlmodel import select
from cohorte.handlers.agenda.ics import build_ics
from cohorte.locales import Translator
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.models import Cohort

async def main() -> None:
    engine = create_engine(sys.argv[1])
    async with session_factory(engine)() as session:
        cohort = (await session.exec(select(Cohort))).one()
        now = datetime(2025, 4, 22, 12, tzinfo=UTC)
        print((await build_ics(session, cohort, Translator("es"), now, None)).hex())
    await engine.dispose()

asyncio.run(main())
"""


async def test_the_zones_come_in_one_order(
    session: AsyncSession, transcript: Transcript, database_url: str, tmp_path: Path
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(
        """
        :como coordina
        /sesion semanal mar 10:00
        /acompanamiento Santiago jue 11:00
        /acompanamiento Ciudad de México vie 09:00
        """
    )
    cohort = (await session.exec(select(Cohort))).one()
    data = await build_ics(session, cohort, Translator("es"), transcript.chat.clock.now(), None)
    zones = [str(zone["TZID"]) for zone in Calendar.from_ical(data).walk("VTIMEZONE")]
    assert zones == sorted(zones) and len(zones) == 3

    # icalendar collects the zones in a set, whose order follows the string hash seed.
    script = tmp_path / "build.py"
    script.write_text(BUILD)

    def build(seed: int) -> str:
        return subprocess.run(
            [sys.executable, str(script), database_url],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

    outputs = {await asyncio.to_thread(build, seed) for seed in (1, 2, 3, 4)}
    assert len(outputs) == 1
