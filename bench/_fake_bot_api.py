"""The tests' fake Bot API (`tests/bot/fake_telegram.py`), served from a child process.

Benchmarks and the fault-injection tests (`tests/faults/`) run it in its own
process so that the fake's work (parsing every request, answering it) is not
charged to the bot being measured, as Telegram's is not in production.

With no arguments Telegram's rate limits are switched off and nothing fails:
a benchmark of the bot's processing (`bench/telegram_updates.py`). Options
switch the limits on (30 messages/s overall, 20/min per group, 3 per 3 s per
chat: `FakeLimits()`) and inject random faults into `sendMessage`, drawn
from a seeded generator so that a run can be repeated:

* `429` with `retry_after` (not delivered);
* `500` / `502` (not delivered);
* a *hang*: the message IS delivered (recorded as accepted, counted by the
  rate limits), but the answer is held back for `hang_seconds`, longer than
  the client's 5 s timeout. The client cannot know whether it arrived;
* a *slow* answer: delivered, and answered after `slow_seconds` (within the
  client's timeout): a slow Bot API, for stopping in the middle of sends.

A second, tiny HTTP server in the child hands the recorded calls to the parent:

* `GET /calls?since=N[&method=sendMessage]`: the calls from the N-th on (N
  counts every call), optionally of one method only;
* `GET /count[?method=sendMessage]`: how many calls were received;
* `GET /stats`: faults injected so far, 429s given by the rate limits;
* `POST /reset`: forget every call, rate-limit window and statistic;
* `POST /config` with JSON `{"limits": true, "faults": {...}, "seed": 7}`:
  change the limits and the fault rates (see `FaultRates`) from now on.

Each call carries `at`, the `time.monotonic()` of its arrival (on Linux that
clock is system-wide, so the parent can compare it with its own readings),
`status` (200 = accepted), `fault` (the injected fault, or "rate" for a 429
of the limits) and `port`, the client's TCP port (which process sent it).

    python -m bench._fake_bot_api                  # no limits, no faults
    python -m bench._fake_bot_api --limits --faults '{"p429": 0.05, "p500": 0.03}' --seed 1

It prints "<api port> <control port>" and serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Any

from aiohttp import web

from bench._child import ChildFake
from tests.bot.fake_telegram import (
    TOKEN,
    ApiCall,
    FakeLimits,
    FakeTelegram,
    _decode,
    _error,
)

__all__ = ["NO_LIMITS", "TELEGRAM_LIMITS", "TOKEN", "FakeBotApi", "FaultRates", "FaultyTelegram"]

NO_LIMITS = FakeLimits(per_chat=None, per_group=None, overall=None)
TELEGRAM_LIMITS = FakeLimits()  # 3 per 3 s per chat, 20/min per group, 30/s overall


@dataclass(frozen=True)
class FaultRates:
    """Probabilities (0..1) of each fault for one `sendMessage` request."""

    p429: float = 0.0
    p500: float = 0.0
    p502: float = 0.0
    phang: float = 0.0
    pslow: float = 0.0
    retry_after: int = 1  # what an injected 429 asks for, in seconds
    hang_seconds: float = 8.0  # longer than python-telegram-bot's 5 s read timeout
    slow_seconds: float = 1.5  # shorter than it

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRates:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault options: {sorted(unknown)}")
        return cls(**data)

    @property
    def any(self) -> bool:
        return (self.p429 + self.p500 + self.p502 + self.phang + self.pslow) > 0


# The faults of the brief: 5 % 429 (retry after 1 s), 3 % 500, 3 % 502, 1 % hangs of 8 s.
DEFAULT_FAULTS = FaultRates(p429=0.05, p500=0.03, p502=0.03, phang=0.01)


@dataclass
class RecordedCall(ApiCall):
    """An `ApiCall` with what was injected and who sent it."""

    # "429", "500", "502", "hang", "slow", or "rate" (the limits said 429)
    fault: str | None = None
    port: int = 0


class FaultyTelegram(FakeTelegram):
    """`FakeTelegram` with seeded random faults on `sendMessage`."""

    def __init__(
        self, *, limits: FakeLimits | None = None, faults: FaultRates | None = None, seed: int = 0
    ) -> None:
        super().__init__(limits=limits)
        self.faults = faults or FaultRates()
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def configure(
        self, *, limits: FakeLimits | None, faults: FaultRates | None, seed: int | None
    ) -> None:
        if limits is not None:
            self.limits = limits
        if faults is not None:
            self.faults = faults
        if seed is not None:
            self._random = random.Random(seed)

    def reset(self) -> None:
        self.calls.clear()
        self._sent.clear()
        self._faults.clear()
        self.rate_limited = 0
        self.injected.clear()

    def _draw(self, method: str) -> str | None:
        if method != "sendMessage" or not self.faults.any:
            return None
        r = self._random.random()
        for name, p in (
            ("429", self.faults.p429),
            ("500", self.faults.p500),
            ("502", self.faults.p502),
            ("hang", self.faults.phang),
            ("slow", self.faults.pslow),
        ):
            if r < p:
                return name
            r -= p
        return None

    async def _endpoint(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        arrived = time.monotonic()  # before reading the body: as close to arrival as we get
        params, files = await _decode(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = RecordedCall(method, params, files, at=arrived)
        call.port = int(peer[1]) if peer else 0
        self.calls.append(call)
        handler = self._methods.get(method)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found")
        drawn = self._draw(method)
        if drawn is not None:
            self.injected[drawn] += 1
            call.fault = drawn
        if drawn == "429":
            call.status = 429
            wait = self.faults.retry_after
            return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        if drawn in ("500", "502"):
            call.status = int(drawn)
            return _error(call.status, "Internal Server Error" if drawn == "500" else "Bad Gateway")
        answer = await self._answer(method, params, call)
        if drawn in ("hang", "slow"):  # delivered; the answer comes late, or too late
            seconds = self.faults.hang_seconds if drawn == "hang" else self.faults.slow_seconds
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(seconds)
        return answer

    async def _answer(self, method: str, params: dict[str, Any], call: ApiCall) -> web.Response:
        refused = self.rate_limited
        answer = await super()._answer(method, params, call)
        if self.rate_limited > refused and isinstance(call, RecordedCall) and call.fault is None:
            call.fault = "rate"  # a 429 of the limits, not an injected one
        return answer


def _call_json(index: int, call: ApiCall) -> dict[str, Any]:
    return {
        "i": index,
        "method": call.method,
        "params": call.params,
        "status": call.status,
        "result": call.result,
        "at": call.at,
        "fault": getattr(call, "fault", None),
        "port": getattr(call, "port", 0),
    }


def _limits(value: object) -> FakeLimits:
    if value is True:
        return TELEGRAM_LIMITS
    if value is False or value is None:
        return NO_LIMITS
    raise ValueError(f"limits: expected true or false, not {value!r}")


async def _serve_until_stdin_closes(
    limits: FakeLimits, faults: FaultRates | None, seed: int
) -> None:
    if limits != NO_LIMITS:
        # Judging the limits means stamping arrivals: do not let the bots under test (on
        # the same few cores) delay us, as they cannot delay Telegram. Needs privileges.
        with contextlib.suppress(OSError):
            os.nice(-5)
    fake = FaultyTelegram(limits=limits, faults=faults, seed=seed)
    await fake.start()

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        method = request.query.get("method")
        return web.json_response(
            [
                _call_json(since + offset, call)
                for offset, call in enumerate(fake.calls[since:])
                if method is None or call.method == method
            ]
        )

    async def count(request: web.Request) -> web.Response:
        method = request.query.get("method")
        if method is None:
            return web.json_response(len(fake.calls))
        return web.json_response(sum(1 for call in fake.calls if call.method == method))

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "calls": len(fake.calls),
                "rate_limited": fake.rate_limited,
                "injected": dict(fake.injected),
                "faults": asdict(fake.faults),
                "limits": {
                    name: None if (limit := getattr(fake.limits, name)) is None else asdict(limit)
                    for name in ("per_chat", "per_group", "overall")
                },
            }
        )

    async def reset(_request: web.Request) -> web.Response:
        fake.reset()
        return web.json_response(True)

    async def config(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            fake.configure(
                limits=_limits(body["limits"]) if "limits" in body else None,
                faults=FaultRates.from_json(body["faults"]) if "faults" in body else None,
                seed=int(body["seed"]) if "seed" in body else None,
            )
        except (TypeError, ValueError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response(True)

    control = web.Application()
    control.router.add_get("/calls", calls)
    control.router.add_get("/count", count)
    control.router.add_get("/stats", stats)
    control.router.add_post("/reset", reset)
    control.router.add_post("/config", config)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(fake.port, int(runner.addresses[0][1]), flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
    await runner.cleanup()
    await fake.stop()


class FakeBotApi(ChildFake):
    """The fake Bot API on 127.0.0.1 (ephemeral port), in a child process.

    `limits=True` enforces Telegram's limits; `faults` injects random faults
    into `sendMessage` (seeded by `seed`).
    """

    def __init__(
        self, *, limits: bool = False, faults: FaultRates | None = None, seed: int = 0
    ) -> None:
        super().__init__()
        self.limits = limits
        self.faults = faults
        self.seed = seed

    async def start(self) -> None:
        args = ["--seed", str(self.seed)]
        if self.limits:
            args.append("--limits")
        if self.faults is not None:
            args += ["--faults", json.dumps(asdict(self.faults))]
        await self._spawn("bench._fake_bot_api", *args)

    async def stats(self) -> dict[str, Any]:
        """Faults injected and 429s of the limits, so far."""
        result: dict[str, Any] = await self._get("/stats")
        return result

    async def reset(self) -> None:
        """Forget every call, rate-limit window and statistic."""
        await self._post("/reset", None)

    async def configure(
        self,
        *,
        limits: bool | None = None,
        faults: FaultRates | None = None,
        seed: int | None = None,
    ) -> None:
        """Change the limits, the fault rates or the seed from now on."""
        body: dict[str, Any] = {}
        if limits is not None:
            body["limits"] = limits
        if faults is not None:
            body["faults"] = asdict(faults)
        if seed is not None:
            body["seed"] = seed
        await self._post("/config", body)


def _main() -> None:
    parser = argparse.ArgumentParser(description="The fake Bot API, for benchmarks and tests.")
    parser.add_argument("--limits", action="store_true", help="enforce Telegram's rate limits")
    parser.add_argument(
        "--faults", help='JSON fault rates, e.g. \'{"p429": 0.05, "p500": 0.03, "phang": 0.01}\''
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault generator")
    args = parser.parse_args()
    faults = FaultRates.from_json(json.loads(args.faults)) if args.faults else None
    asyncio.run(
        _serve_until_stdin_closes(TELEGRAM_LIMITS if args.limits else NO_LIMITS, faults, args.seed)
    )


if __name__ == "__main__":
    _main()
