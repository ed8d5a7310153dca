"""Benchmark: Telegram vote presses through Cohorte, next to a bare python-telegram-bot app.

    .venv/bin/python bench/telegram_updates.py                    # SQLite
    .venv/bin/python bench/telegram_updates.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/telegram_updates.py --updates 2000 --rate 80 --seconds 30
    .venv/bin/python bench/telegram_updates.py --overload-rate 150 --overload-seconds 20
    .venv/bin/python bench/telegram_updates.py --kind rsvp       # ¿Vas a asistir? presses

Seeds a cohort of N participants with a linked Telegram group, opens the
weekly-session poll by sending `/encuesta nueva ...` as the coordinator in the
group, then presses the poll message's vote buttons (`v:<poll>:<slot>:y|m|n`)
the way Telegram reports presses: callback_query Update JSON, decoded by
python-telegram-bot and handed to the application's update processor (what
the webhook route does with a request body). The same kind of presses go to a
bare python-telegram-bot Application whose only handler answers the callback
with a receipt-like toast.

1. Closed loop: K presses, `--concurrency` in flight (default 8), a new one as
   soon as one is done: updates per second. Stops feeding after 75 s.
2. Open loop: presses at a fixed rate (`--rate`, default 50/s) for a fixed
   time (`--seconds`, 20 s), whatever the backlog: latency from the moment
   each press was due to the moment the fake Bot API received its
   answerCallbackQuery. Presses still waiting for their turn 10 s after the
   last one was fed are cancelled and count as unanswered (those being
   handled by then are left to finish).
3. Overload: the same at `--overload-rate` (100/s) for `--overload-seconds`
   (10 s), more than the bot may keep up with.

With `--kind rsvp` the presses are answers to "¿Vas a asistir?" instead
(`ra:e1:y|m|n`, on the group reminder of a Masterclass two hours ahead), the
tally checked is the reminder's "Confirmados: …" line, and the JSON line's
figures are named `rsvp_…` (`rsvp_p99_ms_at_50`).

For every phase the answers are counted: the vote receipt (the toast starts
"Anotado:"), the overload refusal (toast or message starting "No pudimos
registrar": the database was too busy to take the vote in time), and *lost*
= offered − receipts − refusals: never answered, or answered with anything
else ("Perdón, algo falló…", a bare toast).

Cohorte answers a press only after the vote's transaction has committed, so
the answer's arrival also means "the vote is in the database". The poll
message's tally is edited at most once per 30 s window, by design (the
scheduler renders it when the window ends): after each Cohorte phase the
bench moves the clock to the end of the window, runs the scheduler's tick,
times the editMessageText and checks its counts against the database.

The fake Bot API (tests/bot/fake_telegram.py) runs in a child process with
Telegram's rate limits off, and the adapter's limiter lets everything through:
this measures our processing, not Telegram's limits. Prints a Markdown table;
the last line is one JSON object with the figures. Not a test: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import telegram
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes

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
    participant_name,
    phase_rows,
    print_figures,
    quiet_logging,
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
from bench._fake_bot_api import TOKEN, FakeBotApi
from cohorte.bot.bootstrap import assemble
from cohorte.bot.config import Settings
from cohorte.bot.http import HttpServer
from cohorte.bot.telegram import TelegramAdapter
from cohorte.bot.telegram.inbound import UPDATE_ARRIVED
from cohorte.bot.telegram.limits import SendLimits, Window
from cohorte.handlers.poll.votes import TALLY_EVERY
from cohorte.scheduling.ticker import Ticker
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import Platform
from tests.bot.fake_telegram import button_press, group_chat, message, user

TG = Platform.TELEGRAM
GROUP_ID = -1001234567890
COORDINATOR = user(9001, "Coordinación")
OPEN_POLL = f"/encuesta nueva {POLL_ARGUMENTS}"
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
# The closed loop stops feeding after this long, the open loops wait this long after their
# last press for the answers: the whole run stays within a few minutes however slow we are.
CLOSED_BUDGET = 75.0
OPEN_PATIENCE = 10.0
# The bare app's toast: about as long as Cohorte's receipt.
BARE_RECEIPT = (
    f"{SAVED_PREFIX} 1. martes 10:00 (hora de Bogotá) → ✅ Sí\nTus respuestas: 1 ✅ · 2 — · 3 —"
)
_TALLY = re.compile(r"✅ (\d+) · 🤔 (\d+) · ❌ (\d+)")
_update_ids = itertools.count(100_000)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


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
    token = UPDATE_ARRIVED.set(time.monotonic())  # as `TelegramAdapter.process` does
    try:
        await application.update_processor.process_update(update, work)
    except asyncio.CancelledError:
        work.close()  # cancelled while waiting for its turn: it never started
        raise
    finally:
        UPDATE_ARRIVED.reset(token)


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
    """Count what the fake received for this batch; returns answer arrival times by id.

    A press is answered by its answerCallbackQuery; the receipt or the refusal
    is its toast, or (too long for a toast) a message in the group that starts
    with the presser's name.
    """
    answered: dict[str, float] = {}
    for call in calls:
        method, params = call["method"], call["params"]
        if call["status"] != 200:
            continue
        if method == "answerCallbackQuery" and params.get("callback_query_id") in ids:
            if params["callback_query_id"] in answered:
                continue
            answered[params["callback_query_id"]] = call["at"]
            kind = answer_kind(str(params.get("text") or ""))
        elif method == "sendMessage":
            kind = answer_kind(str(params.get("text") or ""))
            if kind == "failed":
                phase.failures += 1
        elif method == "editMessageText":
            phase.edits += 1
            continue
        else:
            continue
        if kind == "saved":
            phase.saved += 1
        elif kind == "refused":
            phase.refused += 1
    phase.answered = len(answered)
    return answered


# -- Cohorte ------------------------------------------------------------------------------------


def _account(person: dict[str, Any]) -> Account:
    return Account(str(person["id"]), person["first_name"], person.get("last_name", ""))


class CohorteUnderTest:
    """The real adapter, core and scheduler over a fresh database, against the fake."""

    def __init__(self, url: str, fake: FakeBotApi, participants: int, kind: str = "vote") -> None:
        self.url = url
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
        people = [user(200_000 + n, *participant_name(n)) for n in range(self.participants)]
        await seed(
            self.sessions,
            TG,
            str(GROUP_ID),
            _account(COORDINATOR),
            [_account(person) for person in people],
            self.clock.now(),
        )
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
        if self.kind == "rsvp":
            await self._add_session(people)

    async def _add_session(self, people: list[dict[str, Any]]) -> None:
        """A session soon, and its group reminder with the RSVP buttons: what is pressed."""
        self.rsvp_ref = await add_session_soon(self.sessions, self.clock.now())
        since = await self.fake.count()
        await self.ticker.tick()
        payloads = rsvp_payloads(self.rsvp_ref)
        for call in await self.fake.calls(since):
            rows = call["params"].get("reply_markup", {}).get("inline_keyboard", [])
            data = [button.get("callback_data") for row in rows for button in row]
            if call["params"].get("chat_id") == GROUP_ID and data == payloads:
                self.presses = Presses(people, call["result"], payloads)
                return
        raise RuntimeError("the group reminder with the RSVP buttons never reached the fake")

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
        shown: list[tuple[int, ...]]
        stored: list[tuple[int, ...]]
        if self.kind == "rsvp":  # the group reminder's "Confirmados: Bogotá 17/17 · …"
            shown = list(shown_counts(text))
            stored = list(await rsvp_counts_in_database(self.sessions, self.rsvp_ref))
        else:
            shown = [tuple(map(int, m)) for m in _TALLY.findall(text)]
            stored = list(await tally_in_database(self.sessions))
        phase.tally_matches = bool(tried) and bool(edited) and shown == stored
        if not phase.tally_matches:
            logging.warning(
                "tally: %d edit(s) tried; the message shows %s, the database has %s",
                len(tried),
                shown,
                stored,
            )


class BareUnderTest:
    """python-telegram-bot alone: one CallbackQueryHandler that only answers, with a toast."""

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
        await update.callback_query.answer(BARE_RECEIPT)

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
    phase.offered = phase.fed  # the presses never fed (budget spent) are no one's loss
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


async def measure(url: str, run: Run) -> tuple[Side, Side, float]:
    fake = FakeBotApi()
    await fake.start()
    cohorte = CohorteUnderTest(url, fake, run.participants, run.kind)
    bare: BareUnderTest | None = None
    try:
        started = time.monotonic()
        await cohorte.start()
        setup = time.monotonic() - started
        assert cohorte.presses is not None
        bare = BareUnderTest(fake, cohorte.presses)
        await bare.start()
        for target in (bare, cohorte):  # not measured
            await closed_loop(
                target.application,
                cohorte.presses.batch(run.warm_up),
                run.concurrency,
            )
        bare_closed = await run_closed(bare, fake, run.presses, run.concurrency)
        ours_closed = await run_closed(cohorte, fake, run.presses, run.concurrency)
        bare_open = await run_open(bare, fake, run.rate, run.seconds)
        ours_open = await run_open(cohorte, fake, run.rate, run.seconds)
        bare_overload = await run_open(bare, fake, run.overload_rate, run.overload_seconds)
        ours_overload = await run_open(cohorte, fake, run.overload_rate, run.overload_seconds)
    finally:
        if bare is not None:
            await bare.stop()
        await cohorte.stop()
        await fake.stop()
    return (
        Side(ours_closed, ours_open, ours_overload),
        Side(bare_closed, bare_open, bare_overload),
        setup,
    )


# -- the report ---------------------------------------------------------------------------------


def report(label: str, run: Run, ours: Side, bare: Side, setup: float) -> list[str]:
    lines = [
        f"### Telegram updates benchmark ({run.kind} presses) — {label}, "
        f"{run.participants} participants",
        "",
        f"Machine: {machine()}, python-telegram-bot {telegram.__version__}. Cohort seeded and "
        f"poll opened in {setup:.1f} s.",
        "",
        "| measure | Cohorte | bare PTB | Cohorte / bare |",
        "| --- | --- | --- | --- |",
    ]

    def row(name: str, mine: str, theirs: str, quotient: str = "") -> None:
        lines.append(f"| {name} | {mine} | {theirs} | {quotient} |")

    phase_rows(
        row,
        run,
        ours,
        bare,
        unit="updates/s",
        answer="answerCallbackQuery at the fake",
        patience=OPEN_PATIENCE,
    )
    tally_row(row, ours, "editMessageText")
    lines += [
        "",
        *target_lines(label, run, ours, bare, "updates/s"),
        "",
        "Notes: Telegram's rate limits are off, in the fake Bot API and in the adapter's "
        "limiter: this measures our processing, not Telegram's limits. The fake runs in its "
        "own process on 127.0.0.1; updates are fed in-process as the webhook route does "
        "(JSON → `Update.de_json` → the application's update processor); both applications "
        f"process at most {PROCESSOR_LIMIT} updates at once. Open-loop latency runs from the "
        "moment a press was due (a late feed counts against us) to the fake receiving its "
        "answerCallbackQuery; presses still queued (not yet handled) "
        f"{OPEN_PATIENCE:g} s after the last one was fed are cancelled and count as "
        "unanswered, infinitely late. Lost = offered − receipts − refusals. Cohorte answers "
        "after the vote's transaction has committed; the bare app answers with a fixed toast "
        "of about the receipt's length. The tally in the poll message is coalesced by design, "
        f"one editMessageText per {TALLY_EVERY.total_seconds():.0f} s window: after each "
        "Cohorte phase the clock is moved to the window's end and the scheduler's tick is "
        f"timed. {run.warm_up} presses per application warm up first (not counted); the "
        f"closed loop stops feeding after {CLOSED_BUDGET:g} s. For a longer or gentler run: "
        "--updates, --rate, --seconds, --overload-rate, --overload-seconds, --concurrency.",
    ]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, "--updates")
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
    print_figures(figures("telegram_updates", label, run, ours, bare))


if __name__ == "__main__":
    asyncio.run(main())
