"""Runs everything configured in one asyncio loop: adapters, HTTP server, scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Protocol

from cohorte.bot.bootstrap import App
from cohorte.bot.http import HttpServer
from cohorte.handlers.messages import Messenger

logger = logging.getLogger(__name__)


class Adapter(Protocol):
    """One platform: receives events into the core, sends replies and reminders."""

    messenger: Messenger

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_adapters(app: App, http: HttpServer) -> list[Adapter]:
    """Every platform whose tokens are configured (adapters add their routes to `http`)."""
    adapters: list[Adapter] = []
    return adapters


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    """Start the HTTP server and every adapter; run until `stop` is set or a signal arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not in the main thread
            pass
    http = HttpServer(app.settings.http_host, app.settings.http_port)
    adapters = build_adapters(app, http)
    await http.start()
    started: list[Adapter] = []
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
        await stop.wait()
    finally:
        for adapter in reversed(started):
            await adapter.stop()
        await http.stop()
