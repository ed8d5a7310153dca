"""The tests' fake Bot API (`tests/bot/fake_telegram.py`), served from a child process.

Benchmarks run it in its own process so that the fake's work (parsing every
request, answering it) is not charged to the event loop being measured, as
Telegram's is not in production. Telegram's rate limits are switched off: a
benchmark measures the bot's processing, not how fast Telegram lets it send.

A second, tiny HTTP server in the child hands the recorded calls to the parent
(`GET /calls?since=N`, `GET /count`). Each call carries `at`, the
`time.monotonic()` of its arrival; on Linux that clock is system-wide, so the
parent can compare it with its own readings.

    python -m bench._fake_bot_api   # prints "<api port> <control port>"; serves until stdin closes
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.bot.fake_telegram import TOKEN, FakeLimits, FakeTelegram

__all__ = ["TOKEN", "FakeBotApi"]

NO_LIMITS = FakeLimits(per_chat=None, per_group=None, overall=None)
ROOT = Path(__file__).resolve().parents[1]


async def _serve_until_stdin_closes() -> None:
    fake = FakeTelegram(limits=NO_LIMITS)
    await fake.start()

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response(
            [
                {
                    "method": call.method,
                    "params": call.params,
                    "status": call.status,
                    "result": call.result,
                    "at": call.at,
                }
                for call in fake.calls[since:]
            ]
        )

    async def count(_request: web.Request) -> web.Response:
        return web.json_response(len(fake.calls))

    control = web.Application()
    control.router.add_get("/calls", calls)
    control.router.add_get("/count", count)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(fake.port, int(runner.addresses[0][1]), flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
    await runner.cleanup()
    await fake.stop()


class FakeBotApi:
    """The fake Bot API on 127.0.0.1 (ephemeral port), in a child process."""

    def __init__(self) -> None:
        self.port = 0
        self._control = ""
        self._process: asyncio.subprocess.Process | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench._fake_bot_api",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 60)
        if not line:
            raise RuntimeError("the fake Bot API did not start")
        port, control_port = map(int, line.split())
        self.port = port
        self._control = f"http://127.0.0.1:{control_port}"
        self._client = aiohttp.ClientSession()

    async def calls(self, since: int = 0) -> list[dict[str, Any]]:
        """Every call received from the `since`-th on, oldest first."""
        assert self._client is not None, "not started"
        async with self._client.get(f"{self._control}/calls", params={"since": since}) as answer:
            answer.raise_for_status()
            result: list[dict[str, Any]] = await answer.json()
            return result

    async def count(self) -> int:
        """How many calls were received so far."""
        assert self._client is not None, "not started"
        async with self._client.get(f"{self._control}/count") as answer:
            answer.raise_for_status()
            return int(await answer.json())

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        process = self._process
        if process is None:
            return
        self._process = None
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


if __name__ == "__main__":
    asyncio.run(_serve_until_stdin_closes())
