"""The calendar subscription feed: GET /calendario/{token}.ics on the bot's HTTP server."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlmodel import select

from cohorte.handlers.calendar import ensure_checkin_series
from cohorte.handlers.ics import build_ics
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Member, Person, Role

logger = logging.getLogger(__name__)


def add_calendar_feed(app: web.Application, sessions: SessionFactory, clock: Clock) -> None:
    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not 16 <= len(token) <= 64:
            raise web.HTTPNotFound()
        async with transaction(sessions) as session:
            member = (
                await session.exec(select(Member).where(Member.calendar_token == token))
            ).first()
            if member is None:
                raise web.HTTPNotFound()
            cohort = await session.get(Cohort, member.cohort_id)
            person = await session.get(Person, member.person_id)
            assert cohort is not None and person is not None
            await ensure_checkin_series(session, cohort, clock.now())
            team_id = None if member.role == Role.COORDINATOR else (member.team_id or -1)
            translator = Translator(person.locale or cohort.locale)
            body = await build_ics(session, cohort, translator, clock.now(), team_id)
        logger.info("calendar feed served for member %s", member.id)
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")

    app.router.add_get("/calendario/{token}.ics", feed)
