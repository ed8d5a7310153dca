"""The bot's HTTP server (aiohttp): health check, webhooks, calendar feeds.

Adapters and features add their routes to `HttpServer.app` before `start()`.
"""

from __future__ import annotations

import logging

from aiohttp import web

logger = logging.getLogger(__name__)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


class HttpServer:
    def __init__(self, host: str, port: int, *, client_max_size: int = 1024**2) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=client_max_size)
        self.app.router.add_get("/healthz", _healthz)
        self._runner: web.AppRunner | None = None

    @property
    def bound_port(self) -> int:
        """The real port (useful when started on port 0)."""
        assert self._runner is not None, "server not started"
        for address in self._runner.addresses:
            return int(address[1])
        return self.port

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        logger.info("HTTP server listening on %s:%s", self.host, self.bound_port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
