"""Readiness (`/readyz`) and metrics (`/metrics`) on the bot's HTTP server.

`/healthz` (in `http.py`) only says the process lives. `/readyz` says whether
it can do its work: the database answers, its schema is at Alembic's head,
and the scheduler ticked lately (at most `STALL_TICKS` intervals ago). It
answers 200 with the facts, or 503 with the facts and the problems, as JSON.

`/metrics` is off unless `COHORTE_METRICS=1`, and never public without
protection (`metrics_refusal`): on the bot's own server it needs a bearer
token (`COHORTE_METRICS_TOKEN`, compared in constant time); on a listener of
its own (`COHORTE_METRICS_PORT`, on `COHORTE_METRICS_HOST`, loopback by
default) the token is optional while that address is loopback.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.handlers.core.errors import one_line
from cohorte.locales import N_
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.metrics import CONTENT_TYPE, Metrics
from cohorte.scheduling.ticker import STALL_TICKS, Ticker
from cohorte.storage.db import SessionFactory
from cohorte.storage.migrate import current_revision, head_revision
from cohorte.storage.outbox import Backlog, backlog

logger = logging.getLogger(__name__)

# A probe that takes longer than this says the database does not answer.
PROBE_SECONDS = 5.0
METRICS_PATH = "/metrics"


@dataclass
class Readiness:
    """What `/readyz` says: the facts, and the problems that make the process unready."""

    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        status = "ready" if self.ready else "unready"
        return {"status": status, "problems": self.problems, **self.facts}


class Probe:
    """Reads the facts of readiness and of the outbox gauges, bounded in time."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: SessionFactory,
        clock: Clock,
        ticker: Ticker,
        *,
        seconds: float = PROBE_SECONDS,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.clock = clock
        self.ticker = ticker
        self.seconds = seconds
        self._head: str | None = None

    async def backlog(self, now: datetime) -> Backlog:
        """The outbox's backlog (`storage.outbox.backlog`); raises if the database is away."""
        async with asyncio.timeout(self.seconds):
            async with self.sessions() as session:
                return await backlog(session, now)

    async def readiness(self) -> Readiness:
        now = self.clock.now()
        result = Readiness()
        facts = result.facts
        facts["now"] = now.isoformat()
        try:
            owed = await self.backlog(now)
            async with asyncio.timeout(self.seconds):
                current = await current_revision(self.engine)
        except Exception as error:  # any failure to read it means: not ready
            reason = "no answer" if isinstance(error, TimeoutError) else one_line(error)
            result.problems.append(f"database unreachable: {reason}")
            facts["database"] = "unreachable"
        else:
            facts["database"] = "ok"
            if self._head is None:
                self._head = head_revision()
            facts["migration"] = {"current": current, "head": self._head}
            if current != self._head:
                result.problems.append(
                    f"migrations behind: the database is at {current or 'nothing'}, "
                    f"the code needs {self._head} (run `cohorte db upgrade`)"
                )
            age = owed.oldest_age(now)
            facts["outbox"] = {
                "backlog": owed.waiting,
                "oldest_due_age_seconds": age.total_seconds() if age is not None else 0.0,
                "scheduled": owed.scheduled,
            }
        last = self.ticker.last_tick
        facts["scheduler"] = {
            "last_tick": last.isoformat() if last is not None else None,
            "every_seconds": self.ticker.every.total_seconds(),
            "sending_role": self.ticker.engine.sending,
        }
        stalled = self.ticker.stalled(now)
        if stalled is not None:
            result.problems.append(
                "the scheduler has not ticked yet"
                if last is None
                else f"the scheduler last ticked {stalled.total_seconds():.0f} s ago "
                f"(more than {STALL_TICKS} intervals)"
            )
        return result


def add_readiness(app: web.Application, probe: Probe) -> None:
    """Serve `/readyz`: 200 with the facts, 503 with the facts and the problems."""

    async def readyz(_request: web.Request) -> web.Response:
        found = await probe.readiness()
        return web.json_response(found.as_json(), status=200 if found.ready else 503)

    app.router.add_get("/readyz", readyz)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_refusal(settings: Settings) -> str | None:
    """Why metrics must not start as configured (a catalog message), or None."""
    if not settings.metrics:
        return None
    if settings.metrics_token is not None and not settings.metrics_token.get_secret_value():
        return N_("COHORTE_METRICS_TOKEN is empty: write a long random token, or leave it unset.")
    if settings.metrics_token is not None:
        return None
    if settings.metrics_port is None:
        return N_(
            "COHORTE_METRICS=1 would publish /metrics on the bot's own server without "
            "protection. Set COHORTE_METRICS_TOKEN (a bearer token), or serve the metrics on a "
            "separate address with COHORTE_METRICS_PORT (loopback by default)."
        )
    if not _is_loopback(settings.metrics_host):
        return N_(
            "COHORTE_METRICS_HOST is not a loopback address: set COHORTE_METRICS_TOKEN so that "
            "/metrics is not public."
        )
    return None


def add_metrics(
    app: web.Application, metrics: Metrics, probe: Probe, token: str | None = None
) -> None:
    """Serve `/metrics` (with the outbox gauges read now); with `token`, only to bearers."""
    expected = f"Bearer {token}".encode() if token else None

    async def scrape(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                logger.warning("/metrics: request without the bearer token refused")
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"})
        now = probe.clock.now()
        try:
            metrics.observe_backlog(await probe.backlog(now), now)
        except Exception as error:
            logger.warning("/metrics: the outbox could not be read: %s", one_line(error))
            metrics.backlog_unknown()
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get(METRICS_PATH, scrape)


def expose(
    settings: Settings, http: HttpServer, metrics: Metrics, probe: Probe
) -> HttpServer | None:
    """`/readyz` on the bot's server, and `/metrics` where the settings say.

    Returns the metrics' own server when it has one (for the caller to start
    and stop). Raises `ValueError` with the catalog message of `metrics_refusal`.
    """
    add_readiness(http.app, probe)
    if not settings.metrics:
        return None
    refusal = metrics_refusal(settings)
    if refusal is not None:
        raise ValueError(refusal)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if settings.metrics_port is None:
        add_metrics(http.app, metrics, probe, token)
        return None
    own = HttpServer(settings.metrics_host, settings.metrics_port)
    add_metrics(own.app, metrics, probe, token)
    return own
