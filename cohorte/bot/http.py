"""The bot's HTTP server (aiohttp): health check, webhooks, calendar feeds.

Adapters and features add their routes to `HttpServer.app` before `start()`.

Nothing a client sends is worth a traceback in the log: a route refuses what
it cannot use with a 4xx and at most one log line (`read_body` helps with the
body), and requests that are not proper HTTP at all are logged by aiohttp in
one line too (`_ServerLog`). Tracebacks are left for our own bugs.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from cohorte.handlers.core.errors import one_line

logger = logging.getLogger(__name__)

# Bodies are read in pieces of this size, so that an oversized one is never held whole.
_CHUNK = 64 * 1024
# How long a stop waits for the requests under way before closing their connections.
SHUTDOWN_SECONDS = 10.0
# What a client's broken request surfaces as: a parser error, a body that cannot be
# decoded (bad gzip, bad chunks), the client gone mid-request.
_CLIENT_FAULTS = (HttpProcessingError, web.RequestPayloadError, ConnectionResetError)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def read_body(request: web.Request, limit: int, what: str) -> bytes:
    """The request's body, at most `limit` bytes.

    A longer body is answered with 413 (`HTTPRequestEntityTooLarge`) and one
    log line naming `what`: a declared Content-Length is refused before
    anything is read, a chunked or compressed body as soon as it (decoded)
    passes the limit. A body that cannot be decoded is answered with 400;
    aiohttp then logs it once itself, when it drains the rest (see `_ServerLog`).
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        _too_large(what, limit, declared)
    pieces: list[bytes] = []
    size = 0
    try:
        while piece := await request.content.read(_CHUNK):
            size += len(piece)
            if size > limit:
                _too_large(what, limit, size)
            pieces.append(piece)
    except (HttpProcessingError, web.RequestPayloadError):
        raise web.HTTPBadRequest() from None
    return b"".join(pieces)


def _too_large(what: str, limit: int, size: int) -> NoReturn:
    logger.warning("%s: request body over %d bytes refused", what, limit)
    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)


def _one_line(error: BaseException) -> str:
    """An exception as a short single line (parser errors quote the raw request)."""
    return one_line(error, str(error.message) if isinstance(error, HttpProcessingError) else None)


class _ServerLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server logger, with one line instead of a traceback for broken requests.

    aiohttp logs "Error handling request" with the parser's traceback when a
    client sends something that is not HTTP (a bad header, a body that cannot
    be decoded, TLS on the plain port) or goes away mid-request. That is the
    client's doing, not a bug here: one warning (or debug line) says it. Any
    other exception keeps its traceback.
    """

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        error = kwargs.get("exc_info")
        if isinstance(error, _CLIENT_FAULTS):
            kwargs["exc_info"] = None
            msg = f"{_formatted(msg, args)} ({_one_line(error)})"
            args = ()
            level = min(level, logging.WARNING)
        super().log(level, msg, *args, **kwargs)


def _formatted(msg: object, args: tuple[object, ...]) -> str:
    try:
        return str(msg) % args if args else str(msg)
    except (TypeError, ValueError):
        return str(msg)


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
        server_log = _ServerLog(logging.getLogger("aiohttp.server"), {})
        self._runner = web.AppRunner(
            self.app,
            access_log=None,
            logger=server_log,
            # A stop waits this long for the requests under way (a webhook answered
            # only once its update is handled).
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        logger.info("HTTP server listening on %s:%s", self.host, self.bound_port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
