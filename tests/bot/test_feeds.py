"""The HTTP server: health check and the calendar subscription feed."""

from __future__ import annotations

import aiohttp
from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.feeds import add_calendar_feed
from cohorte.bot.http import HttpServer
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Member
from tests.conftest import Transcript
from tests.factories import seed_cohort


async def test_calendar_feed_serves_the_members_calendar(
    session: AsyncSession,
    sessions: SessionFactory,
    clock: ManualClock,
    assembly: Assembly,
    transcript: Transcript,
) -> None:
    await seed_cohort(session, clock.now())
    assembly.core.public_url = "https://cohorte.example.org/"
    out = await transcript.run(
        ":como coordina\n/sesion semanal mar 10:00\n:como sofia\n/calendario"
    )
    assert (
        "O suscríbete, para que los cambios lleguen solos: https://cohorte.example.org/calendario/"
        in out
    )
    token = (
        await session.exec(select(Member.calendar_token).where(Member.calendar_token.is_not(None)))
    ).one()  # type: ignore[union-attr]
    assert token is not None

    server = HttpServer("127.0.0.1", 0)
    add_calendar_feed(server.app, sessions, clock)
    await server.start()
    base = f"http://127.0.0.1:{server.bound_port}"
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{base}/healthz") as response:
                assert response.status == 200
            async with client.get(f"{base}/calendario/{token}.ics") as response:
                assert response.status == 200
                assert response.content_type == "text/calendar"
                calendar = Calendar.from_ical(await response.read())
            async with client.get(f"{base}/calendario/{'x' * 32}.ics") as response:
                assert response.status == 404
            async with client.get(f"{base}/calendario/short.ics") as response:
                assert response.status == 404
    finally:
        await server.stop()
    assert any("Sesión semanal" in str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
