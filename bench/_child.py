"""The parent's side of a fake platform API that runs in a child process.

The child prints one line, "<port> <control port>", then serves until its stdin
closes; the control port answers `/calls` and `/count` (and whatever else the
fake offers). Running the fake in its own process keeps its CPU out of the
figures of the process under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


class ChildFake:
    """Starts and stops the child, and asks its control port what it received."""

    def __init__(self) -> None:
        self.port = 0
        self._control = ""
        self._process: asyncio.subprocess.Process | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _spawn(self, module: str, *args: str) -> asyncio.StreamReader:
        """Start `python -m module args…`; returns its stdout after the ports line."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1024**2,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"{module} did not start")
        port, control_port = map(int, line.split())
        self.port = port
        self._control = f"http://127.0.0.1:{control_port}"
        self._client = aiohttp.ClientSession()
        return self._process.stdout

    async def _get(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        assert self._client is not None, "not started"
        async with self._client.get(f"{self._control}{path}", params=params or {}) as answer:
            answer.raise_for_status()
            return await answer.json()

    async def _post(self, path: str, body: Any) -> None:
        assert self._client is not None, "not started"
        async with self._client.post(f"{self._control}{path}", json=body) as answer:
            answer.raise_for_status()

    async def calls(self, since: int = 0, method: str | None = None) -> list[dict[str, Any]]:
        """Every call received from the `since`-th on (of one method, if given), oldest first."""
        params: dict[str, str | int] = {"since": since}
        if method is not None:
            params["method"] = method
        result: list[dict[str, Any]] = await self._get("/calls", params)
        return result

    async def count(self, method: str | None = None) -> int:
        """How many calls (of one method, if given) were received so far."""
        return int(await self._get("/count", {"method": method} if method is not None else {}))

    async def stop(self) -> None:
        """Close stdin (the child's signal to stop) and wait for it (killed after 10 s)."""
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
