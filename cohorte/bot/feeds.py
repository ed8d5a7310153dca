"""The calendar subscription feed: GET /calendario/{token}.ics on the bot's HTTP server."""

from __future__ import annotations

import logging
import re

from aiohttp import web

from cohorte.handlers.agenda.ics import build_ics, calendar_team
from cohorte.handlers.agenda.occurrences import ensure_checkin_series
from cohorte.handlers.core.readers import member_reader
from cohorte.scheduling.clock import Clock
from cohorte.storage.cohorts import member_by_calendar_token
from cohorte.storage.db import SessionFactory, transaction

logger = logging.getLogger(__name__)

# Tokens come from `secrets.token_urlsafe(24)` (see the agenda's /calendario): 32 characters
# of the URL-safe base64 alphabet. The length range is wider, up to the column's width, so
# that a longer token still works if that ever changes. Anything else (a NUL, which
# PostgreSQL refuses inside a query; dots and slashes; other scripts) is no token of ours.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def add_calendar_feed(app: web.Application, sessions: SessionFactory, clock: Clock) -> None:
    """Serve each member's calendar subscription at /calendario/{token}.ics."""

    async def feed(request: web.Request) -> web.Response:
        """The member's calendar; 404 for any token that is not a member's, however odd."""
        token = request.match_info["token"]
        if not _TOKEN.fullmatch(token):
            raise web.HTTPNotFound()
        async with sessions() as session:  # a stranger's guess waits for no write turn
            member = await member_by_calendar_token(session, token)
        if member is None:
            raise web.HTTPNotFound()
        async with transaction(sessions) as session:
            reader = await member_reader(session, member)
            cohort = reader.cohort
            assert cohort is not None
            await ensure_checkin_series(session, cohort, clock.now())
            body = await build_ics(session, cohort, reader.t, clock.now(), calendar_team(member))
        logger.info("calendar feed served for member %s", member.id)
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")

    app.router.add_get("/calendario/{token}.ics", feed)
