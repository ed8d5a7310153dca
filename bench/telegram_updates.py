"""Benchmark: Telegram vote presses through Cohorte, next to a bare python-telegram-bot app.

    .venv/bin/python bench/telegram_updates.py                    # SQLite
    .venv/bin/python bench/telegram_updates.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/telegram_updates.py --updates 2000 --rate 80 --seconds 30

Seeds a cohort of N participants with a linked Telegram group, opens the
weekly-session poll by sending `/encuesta nueva ...` as the coordinator in the
group, then presses the poll message's vote buttons (`v:<poll>:<slot>:y|m|n`)
the way Telegram reports presses: callback_query Update JSON, decoded by
python-telegram-bot and handed to the application's update processor (what
the webhook route does with a request body). The same kind of presses go to a
bare python-telegram-bot Application whose only handler answers the callback.

1. Closed loop: K presses, `--concurrency` in flight (default 8), a new one as
   soon as one is done: updates per second. Stops feeding after 75 s.
2. Open loop: presses at a fixed rate for a fixed time, whatever the backlog:
   latency from the moment each press was due to the moment the fake Bot API
   received its answerCallbackQuery. Presses still waiting for their turn 10 s
   after the last one was fed are cancelled and count as unanswered (those
   being handled by then are left to finish).

Cohorte answers a press only after the vote's transaction has committed, so
the answer's arrival also means "the vote is in the database". The poll
message's tally is edited at most once per 30 s window, by design (the
scheduler renders it when the window ends): after each Cohorte phase the
bench moves the clock to the end of the window, runs the scheduler's tick,
times the editMessageText and checks its counts against the database.

The fake Bot API (tests/bot/fake_telegram.py) runs in a child process with
Telegram's rate limits off, and the adapter's limiter lets everything through:
this measures our processing, not Telegram's limits. Prints a Markdown table.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import platform
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import telegram
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._fake_bot_api import TOKEN, FakeBotApi
from cohorte.bot.bootstrap import assemble
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.telegram import SendLimits, TelegramAdapter, Window
from cohorte.handlers.poll import TALLY_EVERY
from cohorte.scheduling.ticker import Ticker
from cohorte.storage.db import (
    SessionFactory,
    create_engine,
    normalise_url,
    session_factory,
    transaction,
)
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.polls import Choice, PollSlot, Vote
from tests.bot.fake_telegram import button_press, group_chat, message, user

TG = Platform.TELEGRAM
# A Tuesday of sprint week 1, 09:00 in Bogotá; the bench's clock runs in real time from here.
START = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
GROUP_ID = -1001234567890
COORDINATOR = user(9001, "Coordinación")
FIRST_NAMES = ["Sofía", "Mateo", "Lucía", "Tomás", "Valentina", "Julián", "Camila", "Andrés"]
OPEN_POLL = '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 18:00 cierre viernes 18:00'
# Both applications process at most this many updates at once (Cohorte's
# PerSenderUpdateProcessor default; the bare app is built with the same number).
PROCESSOR_LIMIT = 64
# Telegram's limits off on our side too: the limiter stays in the path but never waits.
NO_PACING = SendLimits(
    per_chat=Window(1_000_000, 1.0),
    per_group=Window(1_000_000, 1.0),
    overall=Window(1_000_000, 1.0),
    latency_margin=0.0,
)
WARM_UP = 50
# The closed loop stops feeding after this long, the open loop waits this long after its
# last press for the answers: the whole run stays within a few minutes however slow we are.
CLOSED_BUDGET = 75.0
OPEN_PATIENCE = 10.0
DEFAULT_CONCURRENCY = 8
SAVED_PREFIX = "Anotado:"  # the start of the vote receipt (Spanish), shown as the toast
FAILED_PREFIX = "Perdón, algo falló"  # the reply to an unexpected error, posted in the group
_TALLY = re.compile(r"✅ (\d+) · 🤔 (\d+) · ❌ (\d+)")
_update_ids = itertools.count(100_000)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class FlowingClock:
    """Real time, running from `START`; can skip ahead to the end of a tally window."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()
        self._skipped = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0 + self._skipped)

    def skip_to_window_end(self, window: timedelta) -> None:
        now = self.now().timestamp()
        seconds = window.total_seconds()
        end = (math.floor(now / seconds) + 1) * seconds
        self._skipped += end - now + 0.001


# -- figures ----------------------------------------------------------------------------------


@dataclass
class Phase:
    """What one application did with one batch of presses."""

    offered: int = 0
    fed: int = 0
    elapsed: float = 0.0  # closed loop: first press fed -> last one processed
    fed_in: float = 0.0  # open loop: first press fed -> last one fed
    latencies_ms: list[float] = field(default_factory=list)  # inf: never answered
    answered: int = 0
    saved: int = 0  # Cohorte: the answer is the vote receipt
    failures: int = 0  # "something went wrong" replies during the phase
    edits: int = 0  # editMessageText calls during the phase (tally refreshes)
    unfinished: int = 0  # open loop: still queued when the bench stopped waiting (cancelled)
    flush: float | None = None  # Cohorte: the tally edit at the end of the window
    flush_error: str | None = None
    tally_matches: bool | None = None


@dataclass
class Side:
    closed: Phase
    open: Phase


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of unsorted `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- feeding updates ----------------------------------------------------------------------------


class Presses:
    """Vote-button presses on the poll message, as callback_query Update JSON."""

    def __init__(
        self, people: list[dict[str, Any]], poll_message: dict[str, Any], payloads: list[str]
    ) -> None:
        self.people = people
        self.poll_message = poll_message
        self.payloads = payloads
        self._n = 0

    def batch(self, count: int) -> list[tuple[str, bytes]]:
        """(callback query id, Update JSON) for `count` presses, round-robin over people."""
        presses = []
        for _ in range(count):
            n = self._n
            self._n += 1
            sender = self.people[n % len(self.people)]
            payload = self.payloads[(n + n // len(self.people)) % len(self.payloads)]
            data = {
                "update_id": next(_update_ids),
                **button_press(sender, self.poll_message, payload),
            }
            raw = json.dumps(data, ensure_ascii=False).encode()
            presses.append((data["callback_query"]["id"], raw))
        return presses


async def feed(
    application: AnyApplication, raw: bytes, started: Callable[[], None] | None = None
) -> None:
    """One update in, as the webhook route takes it: JSON -> Update -> update processor.

    `started` is called when the processor lets the update through to the handlers.
    """
    update = Update.de_json(json.loads(raw), application.bot)

    async def processing() -> None:
        if started is not None:
            started()
        await application.process_update(update)

    work = processing()
    try:
        await application.update_processor.process_update(update, work)
    except asyncio.CancelledError:
        work.close()  # cancelled while waiting for its turn: it never started
        raise


async def closed_loop(
    application: AnyApplication,
    presses: list[tuple[str, bytes]],
    concurrency: int,
    budget: float = math.inf,
) -> tuple[int, float]:
    """Feed the presses, `concurrency` at a time, each as soon as one is done.

    Stops taking new ones after `budget` seconds. Returns how many were
    processed and the seconds until the last one was.
    """
    queue: Iterator[tuple[str, bytes]] = iter(presses)
    processed = 0
    started = time.monotonic()

    async def client() -> None:
        nonlocal processed
        for _, raw in queue:
            await feed(application, raw)
            processed += 1
            if time.monotonic() - started > budget:
                return

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return processed, time.monotonic() - started


async def open_loop(
    application: AnyApplication, presses: list[tuple[str, bytes]], rate: float, patience: float
) -> tuple[dict[str, float], float, int]:
    """Feed presses at `rate` per second, not waiting for any of them.

    Returns when each was due (monotonic), how long feeding took, and how many
    were still waiting for their turn `patience` seconds after the last one was
    fed: those are cancelled (and never answered); the ones already being
    handled are left to finish, so that no transaction is cut short.
    """
    due: dict[str, float] = {}
    tasks: dict[asyncio.Task[None], str] = {}
    running: set[str] = set()
    start = time.monotonic() + 0.01
    for index, (callback_id, raw) in enumerate(presses):
        at = start + index / rate
        wait = at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        due[callback_id] = at
        task = asyncio.create_task(feed(application, raw, partial(running.add, callback_id)))
        tasks[task] = callback_id
    fed_in = time.monotonic() - start
    _, pending = await asyncio.wait(tasks, timeout=patience)
    waiting = [task for task in pending if tasks[task] not in running]
    for task in waiting:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            logging.error("feeding a press failed", exc_info=result)
    return due, fed_in, len(waiting)


def tally_phase(phase: Phase, calls: list[dict[str, Any]], ids: set[str]) -> dict[str, float]:
    """Count what the fake received for this batch; returns answer arrival times by id."""
    answered: dict[str, float] = {}
    for call in calls:
        method, params = call["method"], call["params"]
        if call["status"] != 200:
            continue
        if method == "answerCallbackQuery" and params.get("callback_query_id") in ids:
            answered[params["callback_query_id"]] = call["at"]
            if str(params.get("text", "")).startswith(SAVED_PREFIX):
                phase.saved += 1
        elif method == "sendMessage" and str(params.get("text", "")).startswith(FAILED_PREFIX):
            phase.failures += 1
        elif method == "editMessageText":
            phase.edits += 1
    phase.answered = len(answered)
    return answered


# -- Cohorte ------------------------------------------------------------------------------------


async def seed(sessions: SessionFactory, participants: int, now: datetime) -> list[dict[str, Any]]:
    """A cohort with three city teams, a coordinator and `participants` people, all on
    Telegram, whose group is linked. Returns the participants as Telegram users."""
    people = []
    async with transaction(sessions) as session:
        cohort = Cohort(
            name="Sprint de prueba",
            home_zone="America/Bogota",
            locale="es",
            start_date=date(2025, 4, 21),
            weeks=12,
            invite_code="BENCH25",
            created_at=now,
        )
        session.add(cohort)
        await session.flush()
        assert cohort.id is not None
        teams = [
            Team(cohort_id=cohort.id, name=city, city=city, country_code=country, zone=zone)
            for city, country, zone in (
                ("Bogotá", "CO", "America/Bogota"),
                ("Ciudad de México", "MX", "America/Mexico_City"),
                ("Santiago", "CL", "America/Santiago"),
            )
        ]
        session.add_all(teams)
        session.add(
            ChatLink(cohort_id=cohort.id, platform=TG, chat_id=str(GROUP_ID), title="Sprint")
        )
        await session.flush()
        accounts = [(COORDINATOR, Role.COORDINATOR, None)]
        for n in range(participants):
            account = user(200_000 + n, FIRST_NAMES[n % len(FIRST_NAMES)], f"Prueba {n + 1}")
            people.append(account)
            accounts.append((account, Role.PARTICIPANT, teams[n % len(teams)]))
        for account, role, team in accounts:
            person = Person(
                display_name=f"{account['first_name']} {account.get('last_name', '')}".strip(),
                created_at=now,
            )
            session.add(person)
            await session.flush()
            assert person.id is not None
            session.add(Identity(person_id=person.id, platform=TG, external_id=str(account["id"])))
            session.add(
                Member(
                    cohort_id=cohort.id,
                    person_id=person.id,
                    team_id=team.id if team else None,
                    role=role,
                    joined_at=now,
                )
            )
    return people


async def tally_in_database(sessions: SessionFactory) -> list[tuple[int, int, int]]:
    """(yes, maybe, no) per slot, in slot order."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(PollSlot.position, Vote.choice, func.count())
                .join(PollSlot, col(PollSlot.id) == col(Vote.slot_id))
                .group_by(col(PollSlot.position), col(Vote.choice))
            )
        ).all()
        positions = (await session.exec(select(PollSlot.position))).all()
    counts = {(position, Choice(choice)): int(n) for position, choice, n in rows}
    return [
        (
            counts.get((p, Choice.YES), 0),
            counts.get((p, Choice.MAYBE), 0),
            counts.get((p, Choice.NO), 0),
        )
        for p in sorted(positions)
    ]


class CohorteUnderTest:
    """The real adapter, core and scheduler over a fresh database, against the fake."""

    def __init__(self, url: str, fake: FakeBotApi, participants: int) -> None:
        self.url = url
        self.fake = fake
        self.participants = participants
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.clock = FlowingClock(START)
        assembly = assemble(self.sessions, self.clock)
        self.ticker: Ticker = assembly.ticker
        # As `cohorte run` wires it: queued messages are sent in the background.
        assembly.core.kick = assembly.ticker.drain_soon
        settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_url=fake.url,
            public_url="https://cohorte.example.org",  # webhook mode: nothing polls
        )
        self.adapter = TelegramAdapter(
            settings, assembly.core, HttpServer("127.0.0.1", 0), limits=NO_PACING
        )
        assembly.messengers[TG] = self.adapter.messenger
        self.application: AnyApplication = self.adapter.application
        self.presses: Presses | None = None

    async def start(self) -> None:
        await upgrade(self.engine)
        people = await seed(self.sessions, self.participants, self.clock.now())
        await self.adapter.start()
        since = await self.fake.count()
        opening = {
            "update_id": next(_update_ids),
            **message(group_chat(GROUP_ID), COORDINATOR, OPEN_POLL),
        }
        await feed(self.application, json.dumps(opening, ensure_ascii=False).encode())
        await self.ticker.tick()  # the poll message is queued; send it before pressing
        poll_message, payloads = None, []
        for call in await self.fake.calls(since):
            if call["method"] != "sendMessage" or call["params"].get("chat_id") != GROUP_ID:
                continue
            rows = call["params"].get("reply_markup", {}).get("inline_keyboard", [])
            votes = [
                button["callback_data"]
                for row in rows
                for button in row
                if re.fullmatch(r"v:\d+:\d+:[ymn]", button.get("callback_data", ""))
            ]
            if votes:
                poll_message, payloads = call["result"], votes
        if poll_message is None:
            raise RuntimeError("the poll message with vote buttons never reached the fake")
        self.presses = Presses(people, poll_message, payloads)

    async def stop(self) -> None:
        await self.adapter.stop()
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
        calls = await self.fake.calls()
        tried = [c for c in calls[since:] if c["method"] == "editMessageText"]
        # The poll message as members see it: the last edit that went through (an
        # edit that would change nothing is refused as "not modified" and skipped).
        edited = [c for c in calls if c["method"] == "editMessageText" and c["status"] == 200]
        text = edited[-1]["params"]["text"] if edited else ""
        shown = [tuple(map(int, m)) for m in _TALLY.findall(text)]
        stored = await tally_in_database(self.sessions)
        phase.tally_matches = bool(tried) and bool(edited) and shown == stored
        if not phase.tally_matches:
            logging.warning(
                "tally: %d edit(s) tried; the message shows %s, the database has %s",
                len(tried),
                shown,
                stored,
            )


class BareUnderTest:
    """python-telegram-bot alone: one CallbackQueryHandler that only answers."""

    def __init__(self, fake: FakeBotApi, presses: Presses) -> None:
        self.presses = presses
        self.application: AnyApplication = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{fake.url}/bot")
            .updater(None)
            .concurrent_updates(PROCESSOR_LIMIT)
            .build()
        )
        self.application.add_handler(CallbackQueryHandler(self._answer))

    @staticmethod
    async def _answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()

    async def stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()


# -- the run ------------------------------------------------------------------------------------


async def run_closed(
    target: CohorteUnderTest | BareUnderTest, fake: FakeBotApi, count: int, concurrency: int
) -> Phase:
    assert target.presses is not None
    presses = target.presses.batch(count)
    phase = Phase(offered=count)
    since = await fake.count()
    phase.fed, phase.elapsed = await closed_loop(
        target.application, presses, concurrency, CLOSED_BUDGET
    )
    tally_phase(phase, await fake.calls(since), {callback_id for callback_id, _ in presses})
    if isinstance(target, CohorteUnderTest):
        await target.flush_tally(phase)
    return phase


async def run_open(
    target: CohorteUnderTest | BareUnderTest,
    fake: FakeBotApi,
    rate: float,
    seconds: float,
) -> Phase:
    assert target.presses is not None
    presses = target.presses.batch(max(1, round(rate * seconds)))
    phase = Phase(offered=len(presses), fed=len(presses))
    since = await fake.count()
    due, phase.fed_in, phase.unfinished = await open_loop(
        target.application, presses, rate, OPEN_PATIENCE
    )
    answered = tally_phase(phase, await fake.calls(since), set(due))
    phase.latencies_ms = [
        (answered[callback_id] - at) * 1000 if callback_id in answered else math.inf
        for callback_id, at in due.items()
    ]
    if isinstance(target, CohorteUnderTest):
        await target.flush_tally(phase)
    return phase


async def measure(
    url: str, participants: int, updates: int, rate: float, seconds: float, concurrency: int
) -> tuple[Side, Side, float]:
    fake = FakeBotApi()
    await fake.start()
    cohorte = CohorteUnderTest(url, fake, participants)
    bare: BareUnderTest | None = None
    try:
        started = time.monotonic()
        await cohorte.start()
        setup = time.monotonic() - started
        assert cohorte.presses is not None
        bare = BareUnderTest(fake, cohorte.presses)
        await bare.start()
        for target in (bare, cohorte):  # not measured
            await closed_loop(target.application, cohorte.presses.batch(WARM_UP), concurrency)
        bare_closed = await run_closed(bare, fake, updates, concurrency)
        ours_closed = await run_closed(cohorte, fake, updates, concurrency)
        bare_open = await run_open(bare, fake, rate, seconds)
        ours_open = await run_open(cohorte, fake, rate, seconds)
    finally:
        if bare is not None:
            await bare.stop()
        await cohorte.stop()
        await fake.stop()
    return Side(ours_closed, ours_open), Side(bare_closed, bare_open), setup


# -- the report ---------------------------------------------------------------------------------


def _rate(phase: Phase, *, with_flush: bool = False) -> float:
    elapsed = phase.elapsed + ((phase.flush or 0.0) if with_flush else 0.0)
    return phase.fed / elapsed if elapsed else 0.0


def _ms(value: float) -> str:
    return "unanswered" if math.isinf(value) else f"{value:.1f} ms"


def _ratio(ours: float, bare: float) -> str:
    if not bare or math.isinf(ours) or math.isinf(bare):
        return "—"
    return f"{ours / bare:.2f}"


def report(label: str, args: argparse.Namespace, ours: Side, bare: Side, setup: float) -> list[str]:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    oc, bc, oo, bo = ours.closed, bare.closed, ours.open, bare.open
    lines = [
        f"### Telegram updates benchmark — {label}, {args.participants} participants",
        "",
        f"Machine: {cores} cores ({usable} usable), Python {platform.python_version()}, "
        f"python-telegram-bot {telegram.__version__}. Cohort seeded and poll opened in "
        f"{setup:.1f} s.",
        "",
        "| measure | Cohorte | bare PTB | Cohorte / bare |",
        "| --- | --- | --- | --- |",
    ]

    def row(name: str, mine: str, theirs: str, ratio: str = "") -> None:
        lines.append(f"| {name} | {mine} | {theirs} | {ratio} |")

    def closed(phase: Phase) -> str:
        figure = f"{_rate(phase):,.1f} updates/s"
        if phase.fed < phase.offered:
            figure += f" (stopped after {phase.elapsed:.0f} s: {phase.fed:,} of {phase.offered:,})"
        return figure

    row(
        f"closed loop: {args.updates:,} presses, {args.concurrency} in flight",
        closed(oc),
        closed(bc),
        _ratio(_rate(oc), _rate(bc)),
    )
    row(
        "… end to end, counting the final tally edit",
        f"{_rate(oc, with_flush=True):,.1f} updates/s",
        "—",
        _ratio(_rate(oc, with_flush=True), _rate(bc)),
    )
    row(
        "… wall time per update",
        f"{1000 * oc.elapsed / max(1, oc.fed):.2f} ms",
        f"{1000 * bc.elapsed / max(1, bc.fed):.2f} ms",
    )
    row(
        f"open loop: {args.rate:g} presses/s for {args.seconds:g} s",
        f"{oo.fed:,} fed in {oo.fed_in:.1f} s",
        f"{bo.fed:,} fed in {bo.fed_in:.1f} s",
    )
    for p in (50, 95, 99, 100):
        mine, theirs = percentile(oo.latencies_ms, p), percentile(bo.latencies_ms, p)
        name = "max" if p == 100 else f"p{p}"
        if p == 50:
            name = "latency p50, press due → answerCallbackQuery at the fake"
        row(
            f"… {name}",
            _ms(mine),
            _ms(theirs),
            _ratio(mine, theirs),
        )
    answered_only = [v for v in oo.latencies_ms if not math.isinf(v)]
    bare_answered = [v for v in bo.latencies_ms if not math.isinf(v)]
    if len(answered_only) < len(oo.latencies_ms) and answered_only and bare_answered:
        row(
            "… answered presses only: p50 / p99",
            f"{_ms(percentile(answered_only, 50))} / {_ms(percentile(answered_only, 99))}",
            f"{_ms(percentile(bare_answered, 50))} / {_ms(percentile(bare_answered, 99))}",
        )

    def answered(phase: Phase) -> str:
        figure = f"{phase.answered:,} of {phase.fed:,}"
        if phase.unfinished:
            figure += f" ({phase.unfinished:,} still queued {OPEN_PATIENCE:g} s later: cancelled)"
        return figure

    row("… answered", answered(oo), answered(bo))
    row(
        "presses answered, both loops",
        f"{oc.answered + oo.answered:,} of {oc.fed + oo.fed:,}",
        f"{bc.answered + bo.answered:,} of {bc.fed + bo.fed:,}",
    )
    row(
        "… answered with the vote receipt (“Anotado: …”, sent after the commit)",
        f"{oc.saved + oo.saved:,}",
        "—",
    )
    row(
        "… errors: “Perdón, algo falló…” replies / answers without the receipt",
        f"{oc.failures + oo.failures} / {oc.answered + oo.answered - oc.saved - oo.saved}",
        "—",
    )
    flushes = [p.flush for p in (oc, oo) if p.flush is not None]
    matches = all(p.tally_matches for p in (oc, oo))
    failed = [p.flush_error for p in (oc, oo) if p.flush_error]
    row(
        "tally edits: during the loops / at the end of each loop's window",
        f"{oc.edits + oo.edits} / {len(flushes)}, tick + editMessageText "
        f"{max(flushes, default=0.0) * 1000:.0f} ms at most; counts "
        f"{'match the DB' if matches else 'DO NOT match the DB'}"
        + (f"; tick failed: {', '.join(failed)}" if failed else ""),
        "—",
    )
    bare_rate = _rate(bc)
    throughput = _rate(oc, with_flush=True) / bare_rate if bare_rate else 0.0
    p99 = percentile(oo.latencies_ms, 99)
    lines += [
        "",
        f"- Target, throughput ≥ 0.5 × bare: {'met' if throughput >= 0.5 else 'NOT met'} "
        f"({throughput:.2f} ×).",
        f"- Target, p99 < 100 ms at {args.rate:g} updates/s: "
        f"{'met' if p99 < 100 else 'NOT met'} ({_ms(p99)}).",
        "",
        "Notes: Telegram's rate limits are off, in the fake Bot API and in the adapter's "
        "limiter: this measures our processing, not Telegram's limits. The fake runs in its "
        "own process on 127.0.0.1; updates are fed in-process as the webhook route does "
        "(JSON → `Update.de_json` → the application's update processor); both applications "
        f"process at most {PROCESSOR_LIMIT} updates at once. Open-loop latency runs from the "
        "moment a press was due (a late feed counts against us) to the fake receiving its "
        "answerCallbackQuery; presses still queued (not yet handled) "
        f"{OPEN_PATIENCE:g} s after the last one was fed are cancelled and count as "
        "unanswered, infinitely late. Cohorte answers after the vote's transaction has "
        "committed. The tally in "
        "the poll message is coalesced by design, one editMessageText per "
        f"{TALLY_EVERY.total_seconds():.0f} s window: after each Cohorte loop the clock is "
        "moved to the window's end and the scheduler's tick is timed. "
        f"{WARM_UP} presses per application warm up first (not counted); the closed loop "
        f"stops feeding after {CLOSED_BUDGET:g} s. For a longer or gentler run: --updates, "
        "--rate, --seconds, --concurrency.",
    ]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL server URL (a throw-away database is made)")
    parser.add_argument("--updates", type=int, default=1000, help="closed-loop presses")
    parser.add_argument("--rate", type=float, default=50.0, help="open-loop presses per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="open-loop duration")
    parser.add_argument("--participants", type=int, default=50, help="people in the cohort")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="closed-loop presses in flight",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run = (args.participants, args.updates, args.rate, args.seconds, args.concurrency)
    if args.database:
        server = normalise_url(args.database)
        name = f"cohorte_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        try:
            ours, bare, setup = await measure(url, *run)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
        label = "PostgreSQL"
    else:
        with tempfile.TemporaryDirectory() as folder:
            ours, bare, setup = await measure(f"sqlite+aiosqlite:///{folder}/bench.db", *run)
        label = "SQLite"
    print()
    print("\n".join(report(label, args, ours, bare, setup)))


if __name__ == "__main__":
    asyncio.run(main())
