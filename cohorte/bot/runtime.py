"""Runs everything configured in one asyncio loop: adapters, HTTP server, scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable
from typing import Protocol

from cohorte.bot.bootstrap import App
from cohorte.bot.feeds import add_calendar_feed
from cohorte.bot.http import HttpServer
from cohorte.bot.observe import Probe, expose
from cohorte.bot.telegram import TelegramAdapter
from cohorte.handlers.core.messages import Messenger
from cohorte.scheduling.clock import Clock, RehearsalClock
from cohorte.storage.db import UNAVAILABLE

logger = logging.getLogger(__name__)


def describe_clock(clock: Clock) -> str:
    if isinstance(clock, RehearsalClock):
        return f"rehearsal clock: started at {clock.start.isoformat()}, advancing in real time"
    return "system clock"


class Adapter(Protocol):
    """One platform: receives events into the core, sends replies and reminders."""

    @property
    def messenger(self) -> Messenger: ...

    async def start(self) -> None: ...

    async def stop_intake(self) -> None:
        """Take no new events; what is under way finishes, sending still works."""
        ...

    async def stop(self) -> None: ...


def build_adapters(app: App, http: HttpServer) -> list[Adapter]:
    """Every platform whose tokens are configured (adapters add their routes to `http`)."""
    adapters: list[Adapter] = []
    if app.settings.telegram_enabled:
        adapters.append(TelegramAdapter(app.settings, app.core, http))
    if app.settings.slack_enabled:
        from cohorte.bot.slack import SlackAdapter  # loads slack-bolt only when configured

        adapters.append(SlackAdapter(app.settings, app.core, http))
    return adapters


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    """Start the HTTP server and every adapter; run until `stop` is set or a signal arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    keeper: asyncio.Task[None] | None = None
    http = HttpServer(app.settings.http_host, app.settings.http_port)
    add_calendar_feed(http.app, app.sessions, app.clock)
    probe = Probe(app.engine, app.sessions, app.clock, app.ticker)
    metrics_http = expose(app.settings, http, app.core.metrics, probe)
    # Live platforms answer first and send what a handler queued in the background;
    # the console instead runs a whole tick in line, for readable transcripts.
    app.core.kick = app.ticker.drain_soon
    adapters = build_adapters(app, http)
    await http.start()
    started: list[Adapter] = []
    try:
        if metrics_http is not None:
            await metrics_http.start()
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            app.messengers[adapter.messenger.platform] = adapter.messenger
        app.ticker.start()
        if app.in_use is not None:
            keeper = asyncio.create_task(_keep_in_use(app), name="cohorte-in-use")
        logger.info(
            "Cohorte running as %s (pid %d): platforms %s; database %s; %s",
            app.ticker.engine.name,
            os.getpid(),
            ", ".join(str(platform) for platform in app.messengers) or "none",
            app.engine.dialect.name,
            describe_clock(app.clock),
        )
        await stop.wait()
    finally:
        if keeper is not None:
            keeper.cancel()
        await _stop(app, http, started, metrics_http)


# How often a PostgreSQL process makes sure it still holds "in use" (a lost connection
# takes the lock with it).
IN_USE_SECONDS = 10.0


async def _keep_in_use(app: App) -> None:
    """Hold "in use" for as long as the process runs, taking it again after a lost
    connection, so that an upgrade or a restore never runs under this process."""
    assert app.in_use is not None
    refused = False
    while True:
        await asyncio.sleep(IN_USE_SECONDS)
        try:
            held = await app.in_use.keep()
        except UNAVAILABLE as error:
            logger.debug("the database is away; 'in use' is taken again when it is back: %s", error)
            continue
        if not held and not refused:
            logger.error(
                "the database is being upgraded or restored while this process runs: "
                "stop it, and start it again when that is done"
            )
        refused = not held


async def _stop(
    app: App, http: HttpServer, adapters: list[Adapter], metrics_http: HttpServer | None
) -> None:
    """A stop, in the order that loses nothing: no new work (planning, claiming, incoming
    events), then what is under way finishes (answers to events taken, messages leaving,
    at most `COHORTE_STOP_SECONDS`), every outcome recorded, then the platforms close."""
    logger.info(
        "stopping: no new work; messages already leaving get up to %.0f s",
        app.ticker.engine.stop_seconds,
    )
    app.ticker.begin_stop()
    for adapter in reversed(adapters):
        await _quietly(adapter.stop_intake(), "stopping the intake of %s", adapter)
    await _quietly(http.stop(), "stopping the HTTP server")
    await app.ticker.stop()
    for adapter in reversed(adapters):
        await _quietly(adapter.stop(), "closing %s", adapter)
    if metrics_http is not None:
        await _quietly(metrics_http.stop(), "stopping the metrics server")
    logger.info("stopped: %s", app.ticker.engine.totals)


async def _quietly(step: Awaitable[None], what: str, *args: object) -> None:
    """One step of the stop: a failure is logged, and the stop goes on."""
    try:
        await step
    except Exception:
        logger.exception(what + " failed", *args)
