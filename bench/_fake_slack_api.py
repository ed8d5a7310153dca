"""The tests' fake Slack (`tests/bot/fake_slack.py`), served from a child process.

Benchmarks run it in its own process so that the fake's work (parsing every
request, checking Block Kit, answering) is not charged to the bot being
measured, as Slack's is not in production (`bench/slack_actions.py`). Slack's
rate limits are not enforced and nothing fails: it measures the bot's
processing.

It records every Web API call with `at`, the `time.monotonic()` of its
arrival (on Linux that clock is system-wide, so the parent can compare it
with its own readings), and every answer posted to a `response_url`
(`<url>/response/<id>`: the id names the interaction).

The answers a press can get are also written to stdout as they arrive, one
JSON object a line, so that the parent can wait for them without polling:

* `{"kind": "response", "id": …, "text": …, "at": …}`: a post to a response_url;
* `{"kind": "ephemeral", "user": …, "channel": …, "text": …, "at": …}`: chat.postEphemeral;
* `{"kind": "message", "channel": …, "text": …, "at": …}`: chat.postMessage.

`text` is the start of the message's fallback text. A tiny second HTTP server
answers the parent's questions:

* `GET /calls?since=N[&method=chat.update]`: Web API calls from the N-th on
  (N counts every call), optionally of one method only;
* `GET /count[?method=…]`: how many Web API calls were received;
* `POST /users` with JSON `[{"id": "U1", "name": "Sofía", "tz": "America/Bogota"}]`:
  people `users.info` knows.

    python -m bench._fake_slack_api

It prints "<api port> <control port>" first and serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bench._child import ChildFake
from tests.bot.fake_slack import (
    BOT_TOKEN,
    BOT_USER_ID,
    MAX_MESSAGE_BLOCKS,
    ApiCall,
    FakeSlack,
    check_blocks,
)

__all__ = ["BOT_TOKEN", "BOT_USER_ID", "FakeSlackApi"]

# How much of an answer's text goes to the parent: enough to tell a receipt from a refusal.
TEXT_HEAD = 80
_arrived: contextvars.ContextVar[float] = contextvars.ContextVar("arrived")


class StampedCalls(list[ApiCall]):
    """The fake's call list, noting when each request arrived (before its body was read)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def append(self, call: ApiCall) -> None:
        self.at.append(_arrived.get(time.monotonic()))
        super().append(call)


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class BenchSlack(FakeSlack):
    """`FakeSlack` that stamps arrivals and reports the answers to presses on stdout."""

    def __init__(self) -> None:
        super().__init__(calls=StampedCalls())

    async def _api(self, request: web.Request) -> web.StreamResponse:
        _arrived.set(time.monotonic())  # this request's own task: its own context
        return await super()._api(request)

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        _emit(
            {
                "kind": "message",
                "channel": params.get("channel"),
                "text": str(params.get("text") or "")[:TEXT_HEAD],
                "at": _arrived.get(time.monotonic()),
            }
        )
        return super()._chat_postMessage(params)

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        _emit(
            {
                "kind": "ephemeral",
                "user": params.get("user"),
                "channel": params.get("channel"),
                "text": str(params.get("text") or "")[:TEXT_HEAD],
                "at": _arrived.get(time.monotonic()),
            }
        )
        return super()._chat_postEphemeral(params)

    async def _response(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        body = await request.json()
        name = request.match_info["response_id"]
        self.responses.append((name, body))
        _emit(
            {
                "kind": "response",
                "id": name,
                "text": str(body.get("text") or "")[:TEXT_HEAD],
                "at": arrived,
            }
        )
        problems = check_blocks(body.get("blocks") or [], MAX_MESSAGE_BLOCKS)
        if problems:
            self.problems += problems
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")


async def _serve_until_stdin_closes() -> None:
    fake = BenchSlack()
    await fake.start()
    stamps = fake.calls.at if isinstance(fake.calls, StampedCalls) else []

    def call_json(index: int) -> dict[str, Any]:
        call = fake.calls[index]
        return {"i": index, "method": call.method, "params": call.params, "at": stamps[index]}

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        method = request.query.get("method")
        return web.json_response(
            [
                call_json(index)
                for index in range(since, len(fake.calls))
                if method is None or fake.calls[index].method == method
            ]
        )

    async def count(request: web.Request) -> web.Response:
        method = request.query.get("method")
        if method is None:
            return web.json_response(len(fake.calls))
        return web.json_response(sum(1 for call in fake.calls if call.method == method))

    async def users(request: web.Request) -> web.Response:
        for person in await request.json():
            fake.add_user(str(person["id"]), str(person["name"]), person.get("tz"))
        return web.json_response(True)

    async def problems(_request: web.Request) -> web.Response:
        return web.json_response(fake.problems)

    control = web.Application(client_max_size=16 * 1024**2)
    control.router.add_get("/calls", calls)
    control.router.add_get("/count", count)
    control.router.add_get("/problems", problems)
    control.router.add_post("/users", users)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(fake.port, int(runner.addresses[0][1]), flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
    await runner.cleanup()
    await fake.stop()


class FakeSlackApi(ChildFake):
    """The fake Slack on 127.0.0.1 (ephemeral port), in a child process.

    `on_event` is called (in the parent's loop) with each answer the fake
    reports on its stdout, as it arrives.
    """

    def __init__(self) -> None:
        super().__init__()
        self._reader: asyncio.Task[None] | None = None
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self.events: list[dict[str, Any]] = []

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"  # the trailing slash matters to slack-sdk

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    async def start(self) -> None:
        stdout = await self._spawn("bench._fake_slack_api")
        self._reader = asyncio.create_task(self._read_events(stdout))

    async def _read_events(self, stdout: asyncio.StreamReader) -> None:
        while line := await stdout.readline():
            event = json.loads(line)
            self.events.append(event)
            if self.on_event is not None:
                self.on_event(event)

    async def problems(self) -> list[str]:
        """Block Kit that real Slack would have refused, so far."""
        result: list[str] = await self._get("/problems")
        return result

    async def add_users(self, people: list[dict[str, Any]]) -> None:
        """People `users.info` knows: `{"id", "name", "tz"}` each."""
        await self._post("/users", people)

    async def stop(self) -> None:
        await super().stop()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None


if __name__ == "__main__":
    asyncio.run(_serve_until_stdin_closes())
