"""Benchmark: Slack vote presses through Cohorte, next to a bare slack-bolt app.

    .venv/bin/python bench/slack_actions.py                    # SQLite
    .venv/bin/python bench/slack_actions.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/slack_actions.py --presses 2000 --rate 80 --seconds 30
    .venv/bin/python bench/slack_actions.py --overload-rate 150 --overload-seconds 20
    .venv/bin/python bench/slack_actions.py --kind rsvp       # ¿Vas a asistir? presses

Seeds a cohort of N participants on Slack with a linked channel, opens the
weekly-session poll with the slash command `/cohorte encuesta nueva ...` sent
as the coordinator in the channel, lets the scheduler post the poll message,
then presses that message's vote buttons (values `v:<poll>:<slot>:y|m|n`) the
way Slack reports presses in HTTP mode: a `block_actions` interaction, signed
with the signing secret (`X-Slack-Signature`, HMAC-SHA256 of
`v0:{timestamp}:{body}`), posted to the adapter's `/slack/events` route. Each
press carries its own `response_url` on the fake, its own `trigger_id` and the
poll message's blocks, as Slack's do.

Cohorte (the real `SlackAdapter`: bolt's `AsyncApp`, the core, the scheduler)
acknowledges a press at once and answers it, after the vote's commit, with an
ephemeral receipt posted to the press's `response_url` (chat.postEphemeral
when that cannot be used). The same presses go to a bare bolt `AsyncApp`
behind bolt's own aiohttp route, with the same signing secret and
`process_before_response=True`, whose only listener acknowledges and answers
in a task with one ephemeral `respond()` of about the receipt's length: the
same single call, so the difference is our processing.

1. Closed loop: K presses (`--presses`, 1,000), `--concurrency` in flight (8);
   a press is done when the fake received its answer (or after 10 s without
   one), and the next one is sent: presses per second. Stops after 75 s.
2. Open loop: presses at `--rate` (50/s) for `--seconds` (20 s), whatever the
   backlog: latency from the moment each press was due to the moment the fake
   received its answer.
3. Overload: the same at `--overload-rate` (100/s) for `--overload-seconds`
   (10 s), more than the bot may keep up with.

Slack wants a request acknowledged within 3 seconds (or it shows the person
an error and retries): the open loops also time each request from due to its
HTTP 200.

With `--kind rsvp` the presses are answers to "¿Vas a asistir?" instead
(`ra:e1:y|m|n`, on the channel's reminder of a Masterclass two hours ahead),
the tally checked is the reminder's "Confirmados: …" line, and the JSON
line's figures are named `rsvp_…` (`rsvp_p99_ms_at_50`).

For every phase the answers are counted: the vote receipt (starts
"Anotado:"), the overload refusal (starts "No pudimos registrar": the
database was too busy to take the vote in time), and *lost* = offered −
receipts − refusals: never answered, answered with anything else ("Perdón,
algo falló…"), or answered more than 10 s after the last press of the phase
was due (counted as late). After each phase the bench waits until the
application has finished its answers before going on.

The poll message's tally is edited at most once per 30 s window, by design:
after each Cohorte phase the bench moves the clock to the end of the window,
runs the scheduler's tick, times the chat.update and checks its counts
against the database.

The fake Slack (`bench/_fake_slack_api.py`, over tests/bot/fake_slack.py)
runs in a child process without rate limits, and the adapter's pacing is
lifted (its per-channel 1 message/s would otherwise hold the answers back):
this measures our processing, not Slack's limits. Prints a Markdown table;
the last line is one JSON object with the figures. Not a test: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import math
import re
import sys
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import slack_bolt
import slack_sdk
from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    POLL_ARGUMENTS,
    SAVED_PREFIX,
    Account,
    FlowingClock,
    Phase,
    Run,
    Side,
    add_run_arguments,
    add_session_soon,
    answer_kind,
    figures,
    machine,
    ms,
    number,
    participant_name,
    percentile,
    phase_rows,
    print_figures,
    quiet_logging,
    ratio,
    rsvp_counts_in_database,
    rsvp_payloads,
    run_of,
    seed,
    shown_counts,
    tally_in_database,
    tally_row,
    target_lines,
    throwaway_database,
)
from bench._fake_slack_api import BOT_TOKEN, BOT_USER_ID, FakeSlackApi
from cohorte.bot.bootstrap import assemble
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.slack import SlackAdapter
from cohorte.bot.slack.inbound import EVENTS_PATH
from cohorte.bot.slack.web import SlackOptions
from cohorte.handlers.poll.votes import TALLY_EVERY
from cohorte.scheduling.ticker import Ticker
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import Platform
from tests.bot.fake_slack import APP_ID, TEAM_ID

SLACK = Platform.SLACK
SECRET = "5f1c0e9a7b3d4c2e8f6a1b0c9d8e7f6a"
CHANNEL = "CSPRINT"
COORDINATOR = Account("UCOORDINA", "Coordinación")
ZONES = ("America/Bogota", "America/Mexico_City", "America/Santiago")  # the seeded teams'
# Slack's limits off on our side too: the pacers stay in the path but never wait.
NO_PACING = SlackOptions(
    messages_per_second=1_000_000.0,
    burst=1_000_000,
    tier3_per_minute=1_000_000_000.0,
    tier3_burst=1_000_000,
)
# The closed loop stops after this long; a press in it waits this long for its answer.
CLOSED_BUDGET = 75.0
PRESS_PATIENCE = 10.0
# The open loops count answers that arrive up to this long after their last press was due,
# then wait (at most IDLE_LIMIT) for the application to finish what it is still doing.
OPEN_PATIENCE = 10.0
IDLE_LIMIT = 60.0
# The bare app's answer: about as long as Cohorte's receipt.
BARE_RECEIPT = (
    f"{SAVED_PREFIX} *1.* martes 10:00 (hora de Bogotá) → ✅ Sí\n"
    "Tus respuestas: 1 ✅ · 2 — · 3 —\n2 horarios por responder."
)
_VOTE = re.compile(r"v:\d+:\d+:[ymn]")
_TALLY = re.compile(r"✅ (\d+) · 🤔 (\d+) · ❌ (\d+)")
_press_ids = itertools.count(1)


def _signed(body: str, content_type: str) -> dict[str, str]:
    """The headers Slack sends with a request body: its type, timestamp and signature."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    """A Web API call's blocks (slack-sdk may send them JSON-encoded)."""
    blocks = params.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return blocks if isinstance(blocks, list) else []


def _text(params: dict[str, Any]) -> str:
    """What a reader sees of a posted message: its sections' text."""
    parts = [
        block["text"]["text"]
        for block in _blocks(params)
        if block.get("type") == "section" and isinstance(block.get("text"), dict)
    ]
    return "\n".join(parts) or str(params.get("text") or "")


# -- presses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    id: str  # the last piece of its response_url
    user: str
    body: bytes
    headers: dict[str, str]


class Presses:
    """Vote-button presses on the poll message, as Slack's signed `block_actions` requests."""

    def __init__(
        self,
        fake: FakeSlackApi,
        people: list[Account],
        message: dict[str, Any],
        buttons: list[tuple[str, dict[str, Any]]],
    ) -> None:
        self.fake = fake
        self.people = people
        self.message = message
        self.buttons = buttons  # (block id, button element)
        self._n = 0

    def batch(self, count: int) -> list[Press]:
        """`count` presses, round-robin over people; signed now (good for five minutes)."""
        presses = []
        for _ in range(count):
            n = self._n
            self._n += 1
            person = self.people[n % len(self.people)]
            block_id, button = self.buttons[(n + n // len(self.people)) % len(self.buttons)]
            press_id = f"p{next(_press_ids)}"
            payload = self._payload(person, block_id, button, press_id, n)
            body = urllib.parse.urlencode(
                {"payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":"))}
            )
            headers = _signed(body, "application/x-www-form-urlencoded")
            presses.append(Press(press_id, person.external_id, body.encode(), headers))
        return presses

    def _payload(
        self, person: Account, block_id: str, button: dict[str, Any], press_id: str, n: int
    ) -> dict[str, Any]:
        ts = self.message["ts"]
        action_ts = f"{time.time():.6f}"
        return {
            "type": "block_actions",
            "user": {
                "id": person.external_id,
                "username": person.external_id.lower(),
                "name": person.external_id.lower(),
                "team_id": TEAM_ID,
            },
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": CHANNEL,
                "is_ephemeral": False,
            },
            "trigger_id": f"{1_000_000 + n}.{n % 9973}.{press_id}{'0' * 8}",
            "team": {"id": TEAM_ID, "domain": "equipo"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": CHANNEL, "name": "sprint"},
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "user": BOT_USER_ID,
                "bot_id": "BBOT",
                "ts": ts,
                "text": self.message["text"],
                "blocks": self.message["blocks"],
                "team": TEAM_ID,
            },
            "state": {"values": {}},
            "response_url": self.fake.response_url(press_id),
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": block_id,
                    "text": button["text"],
                    "value": button["value"],
                    "type": "button",
                    "action_ts": action_ts,
                }
            ],
        }


class Answers:
    """The answers the fake reports, matched to the presses that asked for them.

    A post to a response_url names its press; a chat.postEphemeral (the
    fallback) is matched to the oldest unanswered press of its user.
    """

    def __init__(self) -> None:
        self.got: dict[str, tuple[float, str]] = {}  # press id -> (arrival, answer kind)
        self.messages: list[dict[str, Any]] = []  # chat.postMessage, in arrival order
        self._futures: dict[str, asyncio.Future[None]] = {}
        self._user_of: dict[str, str] = {}
        self._waiting: dict[str, deque[str]] = defaultdict(deque)

    def expect(self, press: Press) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self._futures[press.id] = future
        self._user_of[press.id] = press.user
        self._waiting[press.user].append(press.id)
        return future

    def future(self, press: Press) -> asyncio.Future[None]:
        return self._futures[press.id]

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "response":
            self._answer(str(event.get("id")), event)
        elif kind == "ephemeral":
            waiting = self._waiting.get(str(event.get("user")))
            if waiting:
                self._answer(waiting[0], event)
        elif kind == "message":
            self.messages.append(event)

    def _answer(self, press_id: str, event: dict[str, Any]) -> None:
        if press_id in self.got or press_id not in self._futures:
            return  # a second answer, or one to something else (the slash command)
        self.got[press_id] = (float(event["at"]), answer_kind(str(event.get("text") or "")))
        with contextlib.suppress(ValueError):
            self._waiting[self._user_of[press_id]].remove(press_id)
        future = self._futures[press_id]
        if not future.done():
            future.set_result(None)


async def post(client: aiohttp.ClientSession, url: str, press: Press) -> tuple[int, float]:
    """One signed request to the app's events route: its HTTP status (0: none) and when the
    response came (monotonic; inf: never)."""
    try:
        async with client.post(url, data=press.body, headers=press.headers) as response:
            await response.read()
            return response.status, time.monotonic()
    except (aiohttp.ClientError, TimeoutError) as error:
        logging.warning("press %s: %s", press.id, error)
        return 0, math.inf


# -- the applications -----------------------------------------------------------------------------


class CohorteUnderTest:
    """The real Slack adapter (HTTP mode), core and scheduler over a fresh database."""

    def __init__(self, url: str, fake: FakeSlackApi, participants: int, kind: str = "vote") -> None:
        self.fake = fake
        self.participants = participants
        self.kind = kind
        self.rsvp_ref = ""
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.clock = FlowingClock()
        assembly = assemble(self.sessions, self.clock)
        self.ticker: Ticker = assembly.ticker
        # As `cohorte run` wires it: queued messages are sent in the background.
        assembly.core.kick = assembly.ticker.drain_soon
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_APP_TOKEN=None,  # HTTP mode
            slack_api_url=fake.api_url,
        )
        self.http = HttpServer("127.0.0.1", 0)
        self.adapter = SlackAdapter(settings, assembly.core, self.http, options=NO_PACING)
        assembly.messengers[SLACK] = self.adapter.messenger
        self.url = ""
        self.presses: Presses | None = None

    async def start(self, client: aiohttp.ClientSession) -> None:
        await upgrade(self.engine)
        people = [Account(f"UB{n + 1:05d}", *participant_name(n)) for n in range(self.participants)]
        await seed(self.sessions, SLACK, CHANNEL, COORDINATOR, people, self.clock.now())
        await self.fake.add_users(
            [{"id": COORDINATOR.external_id, "name": COORDINATOR.name, "tz": ZONES[0]}]
            + [
                {"id": p.external_id, "name": p.name, "tz": ZONES[n % len(ZONES)]}
                for n, p in enumerate(people)
            ]
        )
        await self.adapter.start()
        await self.http.start()
        self.url = f"http://127.0.0.1:{self.http.bound_port}{EVENTS_PATH}"
        since = await self.fake.count()
        await self._open_poll(client)
        self.presses = await self._find_poll_message(people, since)
        if self.kind == "rsvp":  # a session soon; its channel reminder's buttons are pressed
            self.rsvp_ref = await add_session_soon(self.sessions, self.clock.now())
            since = await self.fake.count()
            await self.ticker.tick()
            self.presses = await self._find_poll_message(
                people, since, re.compile("|".join(rsvp_payloads(self.rsvp_ref)))
            )

    async def _open_poll(self, client: aiohttp.ClientSession) -> None:
        body = urllib.parse.urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "equipo",
                "channel_id": CHANNEL,
                "channel_name": "sprint",
                "user_id": COORDINATOR.external_id,
                "user_name": "coordinacion",
                "command": "/cohorte",
                "text": f"encuesta nueva {POLL_ARGUMENTS}",
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url("open-poll"),
                "trigger_id": "1000.1.open-poll",
            }
        )
        headers = _signed(body, "application/x-www-form-urlencoded")
        async with client.post(self.url, data=body.encode(), headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"the slash command was refused: HTTP {response.status}")
        await self.adapter.idle()
        await self.ticker.tick()  # the poll message is queued; send it before pressing

    async def _find_poll_message(
        self, people: list[Account], since: int, pressed: re.Pattern[str] = _VOTE
    ) -> Presses:
        """The poll message (or the message whose buttons match `pressed`) in the channel,
        found among the fake's calls (waits a while)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for call in await self.fake.calls(since, "chat.postMessage"):
                params = call["params"]
                if params.get("channel") != CHANNEL:
                    continue
                blocks = _blocks(params)
                buttons = [
                    (str(block.get("block_id")), element)
                    for block in blocks
                    if block.get("type") == "actions"
                    for element in block.get("elements") or []
                    if pressed.fullmatch(str(element.get("value")))
                ]
                if buttons:
                    message = {
                        "ts": "1745330400.000100",
                        "text": str(params.get("text") or ""),
                        "blocks": blocks,
                    }
                    return Presses(self.fake, people, message, buttons)
            await asyncio.sleep(0.2)
        raise RuntimeError("the poll message with vote buttons never reached the fake")

    async def idle(self) -> None:
        await self.adapter.idle()

    async def stop(self) -> None:
        await self.adapter.stop()
        await self.http.stop()
        await self.engine.dispose()

    async def flush_tally(self, phase: Phase) -> None:
        """The end of the tally window: the scheduler's tick edits the poll message."""
        self.clock.skip_to_window_end(TALLY_EVERY)
        since = await self.fake.count()
        started = time.monotonic()
        try:
            await self.ticker.tick()
        except Exception as error:  # report it with the figures rather than lose them
            logging.exception("the scheduler's tick failed")
            phase.flush_error = type(error).__name__
            return
        phase.flush = time.monotonic() - started
        # The poll message as members see it: the last edit (or repost) in the channel.
        calls = [
            c
            for c in await self.fake.calls(since)
            if c["method"] in ("chat.update", "chat.postMessage")
            and c["params"].get("channel") == CHANNEL
            and _TALLY.search(_text(c["params"]))
        ]
        shown: list[tuple[int, ...]]
        stored: list[tuple[int, ...]]
        if self.kind == "rsvp":  # the reminder's "Confirmados: Bogotá 17/17 · …"
            calls = [
                c
                for c in await self.fake.calls(since)
                if c["method"] == "chat.update" and c["params"].get("channel") == CHANNEL
            ]
            text = _text(calls[-1]["params"]) if calls else ""
            shown = list(shown_counts(text))
            stored = list(await rsvp_counts_in_database(self.sessions, self.rsvp_ref))
        else:
            text = _text(calls[-1]["params"]) if calls else ""
            shown = [tuple(map(int, m)) for m in _TALLY.findall(text)]
            stored = list(await tally_in_database(self.sessions))
        phase.tally_matches = bool(calls) and shown == stored
        if not phase.tally_matches:
            logging.warning(
                "tally: %d edit(s); the message shows %s, the database has %s",
                len(calls),
                shown,
                stored,
            )


class BareUnderTest:
    """slack-bolt alone, behind its own aiohttp route: one listener that answers ephemerally."""

    def __init__(self, fake: FakeSlackApi, presses: Presses) -> None:
        self.presses = presses
        self.bolt = AsyncApp(
            name="bare",
            client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url),
            signing_secret=SECRET,
            process_before_response=True,  # as Cohorte's: ack, then answer in a task
        )
        self.bolt.action(re.compile(r"^cohorte\."))(self._on_press)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _on_press(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        task = asyncio.create_task(self._answer(respond))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _answer(respond: AsyncRespond) -> None:
        try:
            await respond(
                text=BARE_RECEIPT,
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": BARE_RECEIPT}}],
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:
            logging.exception("the bare app could not answer")

    async def start(self) -> None:
        self._runner = web.AppRunner(self.bolt.web_app(path=EVENTS_PATH), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}{EVENTS_PATH}"

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        await self.idle()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


Target = CohorteUnderTest | BareUnderTest


# -- the phases -----------------------------------------------------------------------------------


async def closed_loop(
    target: Target,
    client: aiohttp.ClientSession,
    answers: Answers,
    presses: list[Press],
    concurrency: int,
    budget: float = math.inf,
) -> tuple[int, float, int]:
    """Send the presses, `concurrency` at a time, the next one when an answer came.

    Stops taking new ones after `budget` seconds. Returns how many were sent,
    the seconds until the last one was done and how many were not acknowledged.
    """
    queue: Iterator[Press] = iter(presses)
    sent = rejected = 0
    started = time.monotonic()

    async def client_loop() -> None:
        nonlocal sent, rejected
        for press in queue:
            answered = answers.expect(press)
            status, _ = await post(client, target.url, press)
            sent += 1
            if status == 200:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered, PRESS_PATIENCE)
            else:
                rejected += 1
            if time.monotonic() - started > budget:
                return

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return sent, time.monotonic() - started, rejected


async def open_loop(
    client: aiohttp.ClientSession,
    url: str,
    answers: Answers,
    presses: list[Press],
    rate: float,
    patience: float,
) -> tuple[dict[str, float], float, float, list[float]]:
    """Send presses at `rate` per second, not waiting for any of them.

    Returns when each was due (monotonic), how long sending took, the moment
    after which answers no longer count (`patience` after the last press was
    due) and each request's time from due to its HTTP 200 (inf: another status).
    """
    due: dict[str, float] = {}
    requests: list[asyncio.Task[tuple[int, float]]] = []
    start = time.monotonic() + 0.01
    for index, press in enumerate(presses):
        at = start + index / rate
        wait = at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        due[press.id] = at
        answers.expect(press)
        requests.append(asyncio.create_task(post(client, url, press)))
    fed_in = time.monotonic() - start
    deadline = start + (len(presses) - 1) / rate + patience
    pending = [answers.future(press) for press in presses]
    await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
    responses = await asyncio.gather(*requests)
    acks_ms = [
        (at - due[press.id]) * 1000 if status == 200 else math.inf
        for press, (status, at) in zip(presses, responses, strict=True)
    ]
    return due, fed_in, deadline, acks_ms


def count_answers(
    phase: Phase,
    answers: Answers,
    presses: list[Press],
    messages_since: int,
    due: dict[str, float] | None = None,
    deadline: float = math.inf,
) -> None:
    """Receipts, refusals, late answers and latencies (from `due`) of the phase's presses."""
    for press in presses:
        got = answers.got.get(press.id)
        if got is None:
            if due is not None:
                phase.latencies_ms.append(math.inf)
            continue
        at, kind = got
        if due is not None:
            phase.latencies_ms.append((at - due[press.id]) * 1000)
        if at > deadline:
            phase.late += 1
            continue
        phase.answered += 1
        if kind == "saved":
            phase.saved += 1
        elif kind == "refused":
            phase.refused += 1
    phase.failures += sum(
        1
        for message in answers.messages[messages_since:]
        if message.get("channel") == CHANNEL and answer_kind(str(message.get("text"))) == "failed"
    )


async def settle(target: Target) -> None:
    """Let the application finish its answers in progress before the next phase."""
    try:
        await asyncio.wait_for(target.idle(), IDLE_LIMIT)
    except TimeoutError:
        logging.warning("%s still busy %g s after a phase", type(target).__name__, IDLE_LIMIT)


async def run_closed(
    target: Target,
    fake: FakeSlackApi,
    client: aiohttp.ClientSession,
    answers: Answers,
    count: int,
    concurrency: int,
) -> Phase:
    assert target.presses is not None
    presses = target.presses.batch(count)
    phase = Phase()
    edits = await fake.count("chat.update")
    messages = len(answers.messages)
    phase.fed, phase.elapsed, phase.rejected = await closed_loop(
        target, client, answers, presses, concurrency, CLOSED_BUDGET
    )
    phase.offered = phase.fed  # presses never sent (budget spent) are no one's loss
    await settle(target)
    count_answers(phase, answers, presses[: phase.fed], messages)
    phase.edits = await fake.count("chat.update") - edits
    if isinstance(target, CohorteUnderTest):
        await target.flush_tally(phase)
    return phase


async def run_open(
    target: Target,
    fake: FakeSlackApi,
    client: aiohttp.ClientSession,
    answers: Answers,
    rate: float,
    seconds: float,
) -> Phase:
    assert target.presses is not None
    presses = target.presses.batch(max(1, round(rate * seconds)))
    phase = Phase(offered=len(presses), fed=len(presses))
    edits = await fake.count("chat.update")
    messages = len(answers.messages)
    due, phase.fed_in, deadline, phase.acks_ms = await open_loop(
        client, target.url, answers, presses, rate, OPEN_PATIENCE
    )
    phase.rejected = sum(1 for value in phase.acks_ms if math.isinf(value))
    await settle(target)
    count_answers(phase, answers, presses, messages, due, deadline)
    phase.edits = await fake.count("chat.update") - edits
    if isinstance(target, CohorteUnderTest):
        await target.flush_tally(phase)
    return phase


async def measure(url: str, run: Run) -> tuple[Side, Side, float]:
    fake = FakeSlackApi()
    await fake.start()
    answers = Answers()
    fake.on_event = answers.on_event
    # As Slack does: a connection per request if need be, never a queue on our side.
    client = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=30)
    )
    cohorte = CohorteUnderTest(url, fake, run.participants, run.kind)
    bare: BareUnderTest | None = None
    try:
        started = time.monotonic()
        await cohorte.start(client)
        setup = time.monotonic() - started
        assert cohorte.presses is not None
        bare = BareUnderTest(fake, cohorte.presses)
        await bare.start()
        targets: tuple[Target, Target] = (bare, cohorte)
        for target in targets:  # not measured
            warm_up = cohorte.presses.batch(run.warm_up)
            await closed_loop(target, client, answers, warm_up, run.concurrency)
            await settle(target)
        phases: dict[str, list[Phase]] = {"closed": [], "open": [], "overload": []}
        for target in targets:
            phases["closed"].append(
                await run_closed(target, fake, client, answers, run.presses, run.concurrency)
            )
        for target in targets:
            phases["open"].append(
                await run_open(target, fake, client, answers, run.rate, run.seconds)
            )
        for target in targets:
            phases["overload"].append(
                await run_open(
                    target, fake, client, answers, run.overload_rate, run.overload_seconds
                )
            )
        problems = await fake.problems()
        if problems:
            logging.warning("Block Kit that Slack would refuse: %s", problems[:5])
    finally:
        await client.close()
        if bare is not None:
            await bare.stop()
        await cohorte.stop()
        await fake.stop()
    (bc, oc), (bo, oo), (bv, ov) = phases["closed"], phases["open"], phases["overload"]
    return Side(oc, oo, ov), Side(bc, bo, bv), setup


# -- the report -----------------------------------------------------------------------------------


def report(label: str, run: Run, ours: Side, bare: Side, setup: float) -> list[str]:
    lines = [
        f"### Slack actions benchmark ({run.kind} presses) — {label}, "
        f"{run.participants} participants",
        "",
        f"Machine: {machine()}, slack-bolt {slack_bolt.version.__version__}, slack-sdk "
        f"{slack_sdk.version.__version__}. Cohort seeded and poll opened in {setup:.1f} s.",
        "",
        "| measure | Cohorte | bare bolt | Cohorte / bare |",
        "| --- | --- | --- | --- |",
    ]

    def row(name: str, mine: str, theirs: str, quotient: str = "") -> None:
        lines.append(f"| {name} | {mine} | {theirs} | {quotient} |")

    phase_rows(
        row,
        run,
        ours,
        bare,
        unit="presses/s",
        answer="its answer at the fake (response_url)",
        patience=OPEN_PATIENCE,
    )
    for phase_name, mine, theirs in (
        ("open loop", ours.open, bare.open),
        ("overload", ours.overload, bare.overload),
    ):
        a, b = percentile(mine.acks_ms, 99), percentile(theirs.acks_ms, 99)
        row(f"{phase_name}: acknowledgement p99, press due → HTTP 200", ms(a), ms(b), ratio(a, b))
    row(
        "requests not acknowledged with HTTP 200, all phases",
        f"{sum(p.rejected for p in ours.phases):,}",
        f"{sum(p.rejected for p in bare.phases):,}",
    )
    tally_row(row, ours, "chat.update")
    lines += [
        "",
        *target_lines(label, run, ours, bare, "presses/s"),
        "",
        "Notes: Slack's rate limits are off, in the fake and in the adapter's pacers: this "
        "measures our processing, not Slack's limits. The fake runs in its own process on "
        "127.0.0.1; the presses are signed `block_actions` requests over HTTP to each app's "
        "`/slack/events` (signature checks included), sent from the bench's process; both apps "
        "acknowledge first and answer in a task, Cohorte after the vote's commit, the bare app "
        "at once with a fixed ephemeral text of about the receipt's length. Latency runs from "
        "the moment a press was due (a late send counts against us) to the fake receiving its "
        f"answer; answers more than {OPEN_PATIENCE:g} s after a phase's last press was due "
        "count as late, and lost. Lost = offered − receipts − refusals. The tally in the poll "
        "message is coalesced by design, one chat.update per "
        f"{TALLY_EVERY.total_seconds():.0f} s window: after each Cohorte phase the clock is "
        "moved to the window's end and the scheduler's tick is timed. "
        f"{run.warm_up} presses per application warm up first (not counted); the closed loop "
        f"stops after {CLOSED_BUDGET:g} s. For a longer or gentler run: --presses, --rate, "
        "--seconds, --overload-rate, --overload-seconds, --concurrency.",
    ]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    args = parser.parse_args()
    repeats = quiet_logging()
    run = run_of(args)
    async with throwaway_database(args.database) as (label, url):
        ours, bare, setup = await measure(url, run)
    for line in repeats.summary():
        print(line, file=sys.stderr)
    print()
    print("\n".join(report(label, run, ours, bare, setup)))
    print()
    result = figures("slack_actions", label, run, ours, bare)
    named = "" if run.kind == "vote" else f"{run.kind}_"  # as `figures` names them
    result[f"{named}late_at_100"] = ours.overload.late
    result[f"{named}ack_p99_ms_at_50"] = number(percentile(ours.open.acks_ms, 99))
    result[f"{named}ack_p99_ms_at_100"] = number(percentile(ours.overload.acks_ms, 99))
    result[f"{named}rejected"] = sum(p.rejected for p in ours.phases)
    print_figures(result)


if __name__ == "__main__":
    asyncio.run(main())
