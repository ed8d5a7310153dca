"""Vote presses through the Telegram webhook of real `cohorte run` processes.

The core promises that each update is handled in one transaction that also
records its id (`inboundevent`), and that the webhook answers 200 only after
that transaction committed. Seen from outside:

* every press answered 200 has its answerCallbackQuery at the fake: the
  receipt ("Anotado: ...") or the busy refusal ("No pudimos registrar tu
  voto ..."); a refused press is neither applied nor recorded;
* a receipt means the vote is in the database (until a later press of the
  same person for the same slot replaces it);
* an update is applied once however often it arrives: a redelivery, or the
  same update reaching two processes at once, is ignored (answered without
  text), so the same callback query never gets two receipts;
* after `kill -9` the database holds, for every recorded vote update, the
  vote it carried, and no vote that no recorded update carried.

The rig: a cohort with one linked Telegram group, `MEMBERS` participants and an
open poll of three weekly slots, written straight into the tables; the fake
Bot API in a child process; `cohorte run` in webhook mode (a `.env` in the
process's folder sets `COHORTE_PUBLIC_URL`; the harness's environment drops
every `COHORTE_` variable of ours). Each member presses `CHAIN` buttons one
after the other, changing two of their answers on the way, and `IN_FLIGHT`
presses are out at a time. One person's presses are sequential, as a person's
taps are: so the order in which one member's presses were applied is the
order of their receipts at the fake, and the state the database must end in
follows from what the fake heard (`expected_votes`), whatever was refused.

1. `test_presses_under_load`: 300 presses to one process (SQLite, PostgreSQL);
   1b. `test_presses_while_the_file_is_locked`: the same while another process
   holds the SQLite file, which forces refusals;
2. `test_kill_9_during_the_presses_then_telegram_redelivers`: SIGKILL mid-presses,
   restart, every update delivered again (SQLite, PostgreSQL);
3. `test_two_processes_get_the_same_presses`: two processes on one PostgreSQL
   database, half the updates delivered to both at once.

PostgreSQL runs need COHORTE_TEST_DATABASE_URL (skipped, with the reason, without).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time as wall_time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from bench._fake_bot_api import FakeBotApi
from cohorte.bot.telegram.inbound import SECRET_HEADER, WEBHOOK_PATH, webhook_secret
from cohorte.storage.db import create_engine
from cohorte.storage.migrate import upgrade
from cohorte.storage.polls import Poll, PollSlot, PollState
from tests.bot.fake_telegram import BOT_USER, TOKEN, button_press, group_chat, message, user
from tests.faults.harness import (
    FIRST_USER_ID,
    GROUP_CHAT_ID,
    HARD_TIMEOUT,
    REHEARSAL_START,
    BotProcess,
    Database,
    Timeline,
    hold_sqlite_lock,
    seed_group,
)

pytestmark = pytest.mark.faults

MEMBERS = 60
# Per member: slot 1, 2, 3, then slot 1 and slot 2 again with another answer.
CHAIN = 5  # 60 x 5 = 300 presses
IN_FLIGHT = 50  # webhook requests out at once (Telegram's default max_connections is 40)
# A webhook call that takes longer than this counts as unanswered. Far above what a press
# needs (the core gives up on a busy database after a few seconds and says so); it only
# bounds the test.
REQUEST_TIMEOUT = 30.0
# kill -9 after this many answerCallbackQuery calls: a third of the presses, with about
# `IN_FLIGHT` others under way.
KILL_AFTER = 100

# Mon 0 ... Sun 6: "mar 10:00, mié 16:00, jue 18:00" in the cohort's zone.
SLOTS = ((1, wall_time(10, 0)), (2, wall_time(16, 0)), (3, wall_time(18, 0)))
# Friday 18:00 in Bogotá of the rehearsal week: the poll stays open for the whole test.
POLL_DEADLINE = REHEARSAL_START + timedelta(days=4, hours=8)
CODES = {"yes": "y", "maybe": "m", "no": "n"}
CHOICES = ("yes", "maybe", "no")
# What the receipt says for each choice (es catalog).
LABELS = {"yes": "✅ Sí", "maybe": "🤔 Si es necesario", "no": "❌ No"}
RECEIPT = "Anotado:"
BUSY = "No pudimos registrar tu voto"
FAILED = "algo falló"  # "Perdón, algo falló de nuestro lado..." (an unexpected exception)
FIRST_UPDATE_ID = 700_000_000
_LISTENING = re.compile(r"HTTP server listening on [^\s:]+:(\d+)")

Key = tuple[int, int]  # (member id, slot id): one vote row


# -- the cohort and its poll ------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    poll_id: int
    slot_ids: tuple[int, ...]  # by position - 1
    member_of_user: dict[int, int]  # Telegram user id -> member id


async def seed_poll(database: Database, members: int) -> Seeded:
    """Migrate; write a cohort, its linked group, `members` participants and an open poll."""
    engine = database.engine()
    try:
        await upgrade(engine)
        now = REHEARSAL_START - timedelta(days=1)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            # dm_open False: these people never wrote to the bot privately, so nothing is
            # sent to them but the receipts' toasts.
            group = await seed_group(session, now, "Sprint de votos", members, dm_open=False)
            poll = Poll(
                cohort_id=group.team.cohort_id,
                title="Sesión semanal",
                state=PollState.OPEN,
                zone="America/Bogota",
                deadline=POLL_DEADLINE,
                created_at=now,
            )
            session.add(poll)
            await session.flush()
            assert poll.id is not None
            slots = [
                PollSlot(poll_id=poll.id, position=n, weekday=day, local_time=at)
                for n, (day, at) in enumerate(SLOTS, 1)
            ]
            session.add_all(slots)
            await session.commit()
            slot_ids = tuple(slot.id for slot in slots if slot.id is not None)
            members_of = {uid: m.id for uid, _, m in group.members if m.id is not None}
            assert len(slot_ids) == len(SLOTS) and len(members_of) == members
            return Seeded(poll.id, slot_ids, members_of)
    finally:
        await engine.dispose()


# -- presses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One vote-button press: a Telegram update, always delivered with the same bytes."""

    member: int  # index of the member (0 ...)
    step: int  # its place in the member's chain of presses
    user_id: int
    member_id: int
    slot_id: int
    position: int
    choice: str
    update_id: int
    callback_id: str
    body: bytes

    @property
    def key(self) -> Key:
        return (self.member_id, self.slot_id)

    @property
    def event_id(self) -> str:
        """The dedupe id the Telegram adapter records (`bot/telegram/inbound.py: event_id`)."""
        return f"u{self.update_id}:c{self.callback_id}"


def build_chains(seeded: Seeded, members: int = MEMBERS) -> list[list[Press]]:
    """Each member's presses, in the order they press: slots 1, 2, 3, then 1 and 2 again
    with a different answer. Update ids grow with the step, as Telegram's grow with time."""
    bot_message = message(group_chat(GROUP_CHAT_ID), BOT_USER, "Encuesta: Sesión semanal")[
        "message"
    ]
    chains = []
    for i in range(members):
        user_id = FIRST_USER_ID + i
        sender = user(user_id, "Persona", str(i + 1))
        # Answers vary between members; the repeated slots always change their answer.
        plan = [
            (1, CHOICES[i % 3]),
            (2, CHOICES[(i + 1) % 3]),
            (3, CHOICES[(i + 2) % 3]),
            (1, CHOICES[(i + 1) % 3]),
            (2, CHOICES[(i + 2) % 3]),
        ][:CHAIN]
        chain = []
        for step, (position, choice) in enumerate(plan):
            slot_id = seeded.slot_ids[position - 1]
            update_id = FIRST_UPDATE_ID + step * members + i
            callback_id = str(5_000_000_000_000_000_000 + update_id)
            update = {
                "update_id": update_id,
                **button_press(
                    sender, bot_message, f"v:{seeded.poll_id}:{slot_id}:{CODES[choice]}"
                ),
            }
            update["callback_query"]["id"] = callback_id
            chain.append(
                Press(
                    member=i,
                    step=step,
                    user_id=user_id,
                    member_id=seeded.member_of_user[user_id],
                    slot_id=slot_id,
                    position=position,
                    choice=choice,
                    update_id=update_id,
                    callback_id=callback_id,
                    body=json.dumps(update, ensure_ascii=False).encode(),
                )
            )
        chains.append(chain)
    return chains


def last_pressed(chains: Sequence[Sequence[Press]]) -> dict[Key, str]:
    """The choice of each member's last press per slot: what they meant in the end."""
    final: dict[Key, str] = {}
    for chain in chains:
        for press in chain:
            final[press.key] = press.choice
    return final


# -- delivering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    press: Press
    target: str  # the bot process it was posted to
    phase: str
    status: int | None  # None: no HTTP answer (the error says why)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Answer:
    """One answerCallbackQuery the fake received."""

    callback_id: str
    text: str
    at: float  # monotonic arrival at the fake

    @property
    def kind(self) -> str:
        if self.text.startswith(RECEIPT):
            return "receipt"
        if self.text.startswith(BUSY):
            return "busy"
        if FAILED in self.text:
            return "failed"
        return "ignored" if not self.text else "other"


def receipt_problem(press: Press, answer: Answer) -> str | None:
    """Whether the receipt names the pressed slot and answer."""
    first = answer.text.splitlines()[0]
    if not first.startswith(f"{RECEIPT} {press.position}.") or not first.endswith(
        f"→ {LABELS[press.choice]}"
    ):
        return f"update {press.update_id} ({press.position}={press.choice}): receipt {first!r}"
    return None


# -- the rig ----------------------------------------------------------------------------------


class PressRig:
    """The seeded database, the fake Bot API, webhook-mode bots and an HTTP client."""

    def __init__(self, folder: Path, database: Database, seeded: Seeded, fake: FakeBotApi) -> None:
        self.folder = folder
        self.database = database
        self.seeded = seeded
        self.fake = fake
        self.timeline = Timeline()
        self.bots: dict[str, BotProcess] = {}
        self.ports: dict[str, int] = {}
        self.notes: list[str] = [f"logs: {folder}"]
        self.secret = webhook_secret(TOKEN)
        self._client: aiohttp.ClientSession | None = None

    @property
    def client(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=2 * IN_FLIGHT),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            )
        return self._client

    # -- processes ------------------------------------------------------------------------

    async def start(self, *names: str) -> list[BotProcess]:
        bots = []
        for name in names:
            bot = BotProcess(name, self.folder, self.database.url, self.fake.url)
            # Webhook mode needs a public URL (Telegram is told to post there; here nobody
            # does but us). The harness's environment drops our COHORTE_ variables, and
            # the settings read `.env` in the process's working directory.
            (bot.folder / ".env").write_text(
                "COHORTE_PUBLIC_URL=https://cohorte.example.org\n", encoding="utf-8"
            )
            self.bots[name] = bot
            bots.append(bot)
        for bot in bots:
            bot.spawn(self.timeline.now())
        await asyncio.gather(*(self._ready(bot) for bot in bots))
        return bots

    async def restart(self, bot: BotProcess) -> float:
        """Start a killed bot again, its clock where it would have been; seconds to ready."""
        bot.spawn(self.timeline.now())
        return await self._ready(bot)

    async def _ready(self, bot: BotProcess) -> float:
        seconds = await bot.wait_ready()
        found = _LISTENING.findall(bot.current_log())
        if not found:
            raise RuntimeError(f"{bot.name}: no 'HTTP server listening' line:\n{bot.tail()}")
        # Each spawn listens on a new free port: the latest line is this run's.
        self.ports[bot.name] = int(found[-1])
        self.notes.append(f"{bot.name} running after {seconds:.1f} s, port {found[-1]}")
        return seconds

    def tracebacks(self) -> int:
        return sum(bot.tracebacks() for bot in self.bots.values())

    def logs(self) -> str:
        return "\n".join(bot.log_text() for bot in self.bots.values())

    # -- delivering -----------------------------------------------------------------------

    async def post(self, target: str, press: Press, phase: str) -> Delivery:
        url = f"http://127.0.0.1:{self.ports[target]}{WEBHOOK_PATH}"
        headers = {SECRET_HEADER: self.secret, "Content-Type": "application/json"}
        try:
            async with self.client.post(url, data=press.body, headers=headers) as answer:
                await answer.read()
                return Delivery(press, target, phase, answer.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            return Delivery(press, target, phase, None, type(error).__name__)

    async def deliver(
        self,
        chains: Sequence[Sequence[Press]],
        route: Callable[[Press], Sequence[str]],
        phase: str,
        *,
        stop_on_error: bool = False,
        then: Callable[[Delivery], Awaitable[None]] | None = None,
    ) -> list[Delivery]:
        """Every chain's presses in order, chains concurrently, `IN_FLIGHT` requests at most.

        `route` says which processes get a press; several get it at the same moment (a
        load balancer delivering one update twice). A member's next press waits for every
        answer to the previous one. `stop_on_error`: a chain stops at the first request
        without an HTTP answer (the process is gone; Telegram would come back later).
        `then` runs on each answer before the member's next press is sent.
        """
        slots = asyncio.Semaphore(IN_FLIGHT)
        done: list[Delivery] = []

        async def one(target: str, press: Press) -> Delivery:
            async with slots:
                return await self.post(target, press, phase)

        async def chain_of(chain: Sequence[Press]) -> None:
            for press in chain:
                results = await asyncio.gather(*(one(t, press) for t in route(press)))
                done.extend(results)
                if then is not None:
                    for delivery in results:
                        await then(delivery)
                if stop_on_error and any(d.status is None for d in results):
                    return

        await asyncio.gather(*(chain_of(chain) for chain in chains))
        return done

    # -- what the fake and the database say -----------------------------------------------

    @contextlib.asynccontextmanager
    async def peeker(self) -> AsyncIterator[Callable[[Press], Awaitable[tuple[bool, str | None]]]]:
        """Reads, while presses go on, whether a press's update is recorded and the vote of
        its (member, slot). On PostgreSQL a few pooled connections: the bot needs the
        server's connections too."""
        if self.database.kind == "sqlite":
            engine = self.database.engine()
        else:
            engine = create_engine(self.database.url, pool_size=4, max_overflow=0)
        query = text(
            "SELECT (SELECT count(*) FROM inboundevent WHERE event_id = :event), "
            "(SELECT choice FROM vote WHERE poll_id = :poll AND member_id = :member "
            "AND slot_id = :slot)"
        )

        async def peek(press: Press) -> tuple[bool, str | None]:
            params = {
                "event": press.event_id,
                "poll": self.seeded.poll_id,
                "member": press.member_id,
                "slot": press.slot_id,
            }
            async with engine.connect() as conn:
                recorded, choice = (await conn.execute(query, params)).one()
            return bool(recorded), None if choice is None else str(choice)

        try:
            yield peek
        finally:
            await engine.dispose()

    async def answers(self) -> list[Answer]:
        calls = await self.fake.calls(method="answerCallbackQuery")
        return [
            Answer(
                str(call["params"].get("callback_query_id")),
                str(call["params"].get("text") or ""),
                float(call["at"]),
            )
            for call in calls
        ]

    async def failure_messages(self) -> list[str]:
        """Messages the bot posted that say something went wrong on its side."""
        calls = await self.fake.calls(method="sendMessage")
        return [
            str(call["params"].get("text"))
            for call in calls
            if FAILED in str(call["params"].get("text") or "")
        ]

    async def recorded(self, presses: Sequence[Press]) -> set[str]:
        """The event ids of `presses` in `inboundevent`."""
        ours = {press.event_id for press in presses}
        rows = await self._rows("SELECT event_id FROM inboundevent")
        return {str(row[0]) for row in rows} & ours

    async def votes(self) -> dict[Key, str]:
        rows = await self._rows(
            f"SELECT member_id, slot_id, choice FROM vote WHERE poll_id = {self.seeded.poll_id}"
        )
        found: dict[Key, str] = {}
        for member_id, slot_id, choice in rows:
            assert (int(member_id), int(slot_id)) not in found, "vote rows are unique"
            found[(int(member_id), int(slot_id))] = str(choice)
        return found

    async def _rows(self, query: str) -> list[Any]:
        engine = self.database.engine()
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(text(query))).all())
        finally:
            await engine.dispose()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        await asyncio.gather(*(bot.stop() for bot in self.bots.values()), return_exceptions=True)


@contextlib.asynccontextmanager
async def press_rig(folder: Path, database: Database) -> AsyncIterator[PressRig]:
    seeded = await seed_poll(database, MEMBERS)
    fake = FakeBotApi(limits=True)  # Telegram's limits: the tally message is paced by them
    await fake.start()
    rig = PressRig(folder, database, seeded, fake)
    try:
        yield rig
    finally:
        try:
            await rig.close()
        finally:
            await fake.stop()


# -- the verdict ------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What happened to the presses, and every broken promise in words."""

    label: str
    presses: list[Press]
    deliveries: list[Delivery]
    answers: list[Answer]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_callback: dict[str, Press] = {p.callback_id: p for p in self.presses}
        self.answers_of: dict[Press, list[Answer]] = defaultdict(list)
        for answer in self.answers:
            press = self.by_callback.get(answer.callback_id)
            if press is None:
                self.problems.append(f"answerCallbackQuery for an unknown query {answer}")
            else:
                self.answers_of[press].append(answer)

    def receipts(self) -> dict[Press, list[Answer]]:
        return {
            press: found
            for press, answers in self.answers_of.items()
            if (found := [a for a in answers if a.kind == "receipt"])
        }

    def kinds(self) -> Counter[str]:
        return Counter(answer.kind for answer in self.answers)

    def check_answers(self, *, exact: bool) -> None:
        """Every answer is a receipt, a busy refusal or (a redelivery) no text; a receipt
        names the pressed slot and answer; no query gets two receipts.

        `exact`: every delivery answered 200 and got exactly one answerCallbackQuery
        (no process died during the deliveries).
        """
        odd = [a for a in self.answers if a.kind in ("failed", "other")]
        if odd:
            self.problems.append(
                f"{len(odd)} answers neither receipt nor busy refusal, e.g. {odd[:3]}"
            )
        twice = {p.update_id: len(r) for p, r in self.receipts().items() if len(r) > 1}
        if twice:
            self.problems.append(
                f"{len(twice)} updates applied more than once (several receipts for one "
                f"callback query), e.g. {sorted(twice.items())[:5]}"
            )
        wrong = [
            problem
            for press, receipts in self.receipts().items()
            for answer in receipts
            if (problem := receipt_problem(press, answer)) is not None
        ]
        if wrong:
            self.problems.append(f"{len(wrong)} receipts name the wrong vote, e.g. {wrong[:3]}")
        answered = Counter(d.press for d in self.deliveries if d.ok)
        sent = Counter(d.press for d in self.deliveries)
        for press in self.presses:
            n = len(self.answers_of.get(press, []))
            if n < answered[press]:
                self.problems.append(
                    f"update {press.update_id}: {answered[press]} webhook calls answered 200 "
                    f"but only {n} answerCallbackQuery"
                )
            elif n > sent[press] or (exact and n != sent[press]):
                self.problems.append(
                    f"update {press.update_id}: {n} answerCallbackQuery for {sent[press]} calls"
                )
        if exact:
            bad = [d for d in self.deliveries if not d.ok]
            if bad:
                self.problems.append(
                    f"{len(bad)} webhook calls not answered 200, e.g. "
                    f"{[(d.press.update_id, d.target, d.status, d.error) for d in bad[:5]]}"
                )

    def applied_at(self, extra: Mapping[Press, float] | None = None) -> dict[Press, float]:
        """When each press was applied: its receipt's arrival (the commit came just before
        it), or `extra` (committed while its process died, before any answer)."""
        applied = dict(extra or {})
        for press, receipts in self.receipts().items():
            applied.setdefault(press, min(a.at for a in receipts))
        return applied

    def check_final(
        self,
        votes: Mapping[Key, str],
        recorded: set[str],
        applied: Mapping[Press, float],
    ) -> None:
        """The database holds the last applied vote of every (member, slot), nothing else,
        and `inboundevent` lists exactly the applied updates."""
        expected = expected_votes(applied)
        wrong = sorted(
            (key, votes.get(key), choice)
            for key, choice in expected.items()
            if votes.get(key) != choice
        )
        if wrong:
            self.problems.append(
                f"{len(wrong)} votes differ from the last applied press, as "
                f"((member, slot), in database, expected): {wrong[:5]}"
            )
        extra = sorted(set(votes) - set(expected))
        if extra:
            self.problems.append(f"{len(extra)} votes no applied press carried: {extra[:5]}")
        applied_ids = {press.event_id for press in applied}
        unapplied = sorted(recorded - applied_ids)
        if unapplied:
            self.problems.append(
                f"{len(unapplied)} updates recorded as seen but never applied: {unapplied[:5]}"
            )
        forgotten = sorted(applied_ids - recorded)
        if forgotten:
            self.problems.append(
                f"{len(forgotten)} applied updates not recorded (a redelivery would apply "
                f"them again): {forgotten[:5]}"
            )
        # Not applied is fine only for a press that was refused every time it came (it
        # was told so); "ignored as seen" for a press never applied means a lost vote.
        never_applied = [
            p
            for p in self.presses
            if p not in applied and any(a.kind != "busy" for a in self.answers_of.get(p, []))
        ]
        if never_applied:
            self.problems.append(
                f"{len(never_applied)} presses never applied though not refused, e.g. "
                f"{[p.update_id for p in never_applied[:5]]}"
            )

    def figures(self) -> str:
        statuses = Counter(d.status if d.ok else (d.error or d.status) for d in self.deliveries)
        return (
            f"[{self.label}] {len(self.presses)} presses, {len(self.deliveries)} webhook calls "
            f"{dict(statuses)}; answers {dict(self.kinds())}"
        )

    def conclude(self, *, tracebacks: int, failure_messages: Sequence[str], logs: str) -> None:
        if tracebacks:
            self.problems.append(f"{tracebacks} tracebacks in the bots' logs")
        if failure_messages:
            self.problems.append(
                f"{len(failure_messages)} 'algo falló' messages, e.g. {failure_messages[:2]}"
            )
        summary = "\n".join([self.figures(), *self.notes])
        print(summary)
        if self.problems:
            tail = "\n".join(
                line for line in logs.splitlines() if "Traceback" in line or "ERROR" in line
            )[:4000]
            raise AssertionError(
                "\n".join(f"- {problem}" for problem in self.problems)
                + f"\n\n{summary}\n\nerror lines of the logs:\n{tail}"
            )


def expected_votes(applied: Mapping[Press, float]) -> dict[Key, str]:
    """Per (member, slot), the choice of the press applied last."""
    latest: dict[Key, tuple[float, int, str]] = {}
    for press, at in applied.items():
        # The step breaks a tie of equal stamps (presses committed at the kill).
        stamp = (at, press.step, press.choice)
        if press.key not in latest or stamp > latest[press.key]:
            latest[press.key] = stamp
    return {key: stamp[2] for key, stamp in latest.items()}


def all_presses(chains: Sequence[Sequence[Press]]) -> list[Press]:
    return [press for chain in chains for press in chain]


# -- 1. presses under load --------------------------------------------------------------------


async def one_process_presses(
    r: PressRig, bot: BotProcess, label: str, during: Callable[[], Awaitable[None]] | None = None
) -> Verdict:
    """Every chain to `bot`, looking at the database as each call is answered (the member's
    next press waits); `during` runs alongside. The verdict of tests 1 and 1b."""
    chains = build_chains(r.seeded)
    at_answer: dict[Press, tuple[bool, str | None]] = {}
    started = time.monotonic()
    async with r.peeker() as peek:

        async def look(delivery: Delivery) -> None:
            if delivery.ok:
                at_answer[delivery.press] = await peek(delivery.press)

        presses = r.deliver(chains, lambda _p: [bot.name], "presses", then=look)
        if during is None:
            deliveries = await presses
        else:
            deliveries, _ = await asyncio.gather(presses, during())
    r.notes.append(f"presses delivered in {time.monotonic() - started:.1f} s")
    verdict = Verdict(label, all_presses(chains), deliveries, await r.answers())
    verdict.notes += r.notes
    verdict.check_answers(exact=True)
    # 200 comes after the commit: a receipted press is recorded and its vote stored by
    # then; a refused one is recorded neither then nor later.
    early = [
        (p.update_id, p.choice, at_answer.get(p))
        for p in verdict.receipts()
        if at_answer.get(p) != (True, p.choice)
    ]
    if early:
        verdict.problems.append(
            f"{len(early)} presses answered 200 before their vote was committed, as "
            f"(update, pressed, (recorded, vote) at the answer): {early[:5]}"
        )
    refused = [
        p.update_id
        for p, answers in verdict.answers_of.items()
        if any(a.kind == "busy" for a in answers) and at_answer.get(p, (False, None))[0]
    ]
    if refused:
        verdict.problems.append(f"{len(refused)} presses refused but recorded: {refused[:5]}")
    votes = await r.votes()
    verdict.check_final(votes, await r.recorded(verdict.presses), verdict.applied_at())
    # Nothing refused: every member's last press per slot is what the database holds.
    if not verdict.kinds()["busy"] and votes != last_pressed(chains):
        verdict.problems.append("the votes are not the members' last presses")
    return verdict


# One process, nobody else writing: a vote takes milliseconds, so a refusal ("the database
# could not take it in time", after seconds of waiting) means the write turn or the
# connection pool got stuck. A wide margin for slow machines; 0 is what we see.
MAX_UNCONTENDED_REFUSALS = 30  # of 300


async def test_presses_under_load(any_db: Database, workdir: Path) -> None:
    """300 presses, 50 in flight, to one process: each answered with its receipt (or the busy
    refusal) only after its vote is stored; the final votes follow from the receipts."""
    async with asyncio.timeout(HARD_TIMEOUT), press_rig(workdir, any_db) as r:
        [bot] = await r.start("bot1")
        verdict = await one_process_presses(r, bot, f"presses/{any_db.kind}")
        busy = verdict.kinds()["busy"]
        if busy > MAX_UNCONTENDED_REFUSALS:
            verdict.problems.append(
                f"{busy} of {len(verdict.presses)} presses refused as busy with no other "
                f"writer (at most {MAX_UNCONTENDED_REFUSALS}): the write turn or the "
                "connection pool got stuck"
            )
        verdict.conclude(
            tracebacks=r.tracebacks(),
            failure_messages=await r.failure_messages(),
            logs=r.logs(),
        )


# Test 1b: another process holds the SQLite file's write lock for this long, mid-presses:
# longer than the core waits for its turn (a few seconds), so that some presses are
# refused, shorter than it retries a locked write, so that none hangs past the timeout.
LOCK_AFTER = 60  # answers
LOCK_SECONDS = 8.0


async def test_presses_while_the_file_is_locked(sqlite_db: Database, workdir: Path) -> None:
    """SQLite: the same presses, while another process holds the file locked for a while.

    The refusals this forces ("No pudimos registrar tu voto") must leave nothing behind (no
    vote, no dedupe record, so Telegram's or the member's next try counts); every receipt
    still means a stored vote.
    """
    assert sqlite_db.path is not None
    path = sqlite_db.path
    async with asyncio.timeout(HARD_TIMEOUT), press_rig(workdir, sqlite_db) as r:
        [bot] = await r.start("bot1")

        async def lock_midway() -> None:
            while await r.fake.count("answerCallbackQuery") < LOCK_AFTER:
                if not bot.alive:
                    return
                await asyncio.sleep(0.01)
            held = await hold_sqlite_lock(path, LOCK_SECONDS)
            r.notes.append(f"file locked for {held:.1f} s after {LOCK_AFTER} answers")

        verdict = await one_process_presses(r, bot, "presses/sqlite, locked", lock_midway)
        if not verdict.kinds()["busy"]:
            # Not wrong in itself, but then this test checked nothing test 1 does not.
            verdict.problems.append(
                f"a {LOCK_SECONDS:.0f} s lock refused no press: lengthen LOCK_SECONDS"
            )
        verdict.conclude(
            tracebacks=r.tracebacks(),
            failure_messages=await r.failure_messages(),
            logs=r.logs(),
        )


# -- 2. kill -9 in the middle of the presses --------------------------------------------------


async def test_kill_9_during_the_presses_then_telegram_redelivers(
    any_db: Database, workdir: Path
) -> None:
    """SIGKILL with about 50 presses in flight; restart; redeliver every press (the same
    update JSON), then the first press of every member once more, after the later ones.

    Right after the kill the database must hold, for each recorded vote update, its vote,
    and no vote without a recorded update. In the end every update is applied once: an
    update applied before the kill (answered or not) is ignored when it comes again, so a
    member's changed answer is not turned back by a stale redelivery.
    """
    async with asyncio.timeout(HARD_TIMEOUT), press_rig(workdir, any_db) as r:
        [bot] = await r.start("bot1")
        chains = build_chains(r.seeded)
        presses = all_presses(chains)
        killed_at: float | None = None

        async def kill_midway() -> None:
            nonlocal killed_at
            # Bounded: if the presses end first, the deliveries' end cancels us.
            while await r.fake.count("answerCallbackQuery") < KILL_AFTER:
                if not bot.alive:
                    return
                await asyncio.sleep(0.01)
            killed_at = bot.kill()

        killer = asyncio.create_task(kill_midway())
        before = await r.deliver(chains, lambda _p: [bot.name], "before", stop_on_error=True)
        if not killer.done():  # every press was answered before the kill came
            killer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await killer
            pytest.fail(f"the kill never came: fewer than {KILL_AFTER} answers? {r.notes}")
        await killer
        # The database as the killed process left it: read before anything runs again.
        snapshot_votes = await r.votes()
        snapshot_recorded = await r.recorded(presses)
        cut = [d for d in before if d.status is None]
        r.notes.append(
            f"{len(cut)} calls cut off by the kill, {len(presses) - len(before)} presses "
            "never sent before it"
        )
        if killed_at is None or not cut:
            pytest.fail(f"no press was in flight at the kill: nothing measured. {r.notes}")

        seconds = await r.restart(bot)
        r.notes.append(f"restarted in {seconds:.1f} s")
        # Telegram delivers again what it did not see answered; we send everything, also
        # what got 200 (it must be ignored), in each member's order.
        again = await r.deliver(chains, lambda _p: [bot.name], "redelivered")
        # A stale copy of every member's first press, after their later ones.
        stale = await r.deliver([[chain[0]] for chain in chains], lambda _p: [bot.name], "stale")

        answers = await r.answers()
        verdict = Verdict(f"kill-9/{any_db.kind}", presses, [*before, *again, *stale], answers)
        verdict.notes += r.notes

        # -- right after the kill: record and vote committed together ---------------------
        # What the fake heard from the killed process (by arrival: a request that reached
        # the fake just before the kill may be recorded there a moment later).
        assert killed_at is not None
        pre = Verdict("before the kill", presses, before, [a for a in answers if a.at < killed_at])
        pre_receipted = set(pre.receipts())
        recorded_presses = {p for p in presses if p.event_id in snapshot_recorded}
        lost = sorted(p.update_id for p in pre_receipted - recorded_presses)
        if lost:
            verdict.problems.append(
                f"{len(lost)} presses got a receipt before the kill but are not recorded: "
                f"{lost[:5]}"
            )
        unanswered = recorded_presses - pre_receipted
        in_flight = {d.press for d in cut}
        if unanswered - in_flight:
            verdict.problems.append(
                "recorded before the kill without a receipt, though not in flight: "
                f"{sorted(p.update_id for p in unanswered - in_flight)[:5]}"
            )
        refused = {
            p for p, answers in pre.answers_of.items() if any(a.kind == "busy" for a in answers)
        }
        if refused & recorded_presses:
            verdict.problems.append(
                f"{len(refused & recorded_presses)} presses refused as busy but recorded"
            )
        # The killed process applied its recorded updates in each member's order.
        at_kill = {p: float(p.step) for p in recorded_presses}
        if snapshot_votes != expected_votes(at_kill):
            differ = sorted(
                (key, snapshot_votes.get(key), choice)
                for key, choice in expected_votes(at_kill).items()
                if snapshot_votes.get(key) != choice
            )
            extra = sorted(set(snapshot_votes) - set(expected_votes(at_kill)))
            verdict.problems.append(
                "after the kill the votes disagree with the recorded updates: "
                f"{len(differ)} differ ((member, slot), in database, recorded) {differ[:5]}, "
                f"{len(extra)} votes without a recorded update {extra[:5]}"
            )
        verdict.notes.append(
            f"before the kill: {len(pre.answers)} answers; {len(recorded_presses)} updates "
            f"recorded, {len(pre_receipted)} with a receipt, {len(unanswered)} committed "
            "but unanswered"
        )

        # -- in the end: each update applied once, the last applied vote stands -----------
        verdict.check_answers(exact=False)
        not_ok = [d for d in [*again, *stale] if not d.ok]
        if not_ok:
            verdict.problems.append(
                f"{len(not_ok)} redeliveries to the restarted bot not answered 200, e.g. "
                f"{[(d.press.update_id, d.status, d.error) for d in not_ok[:5]]}"
            )
        # A press committed at the kill without an answer was applied then (after its
        # member's earlier presses, before anything after the restart).
        committed_unanswered = {p: killed_at for p in unanswered}
        receipts = verdict.receipts()
        twice = [
            p.update_id for p in unanswered if any(a.at > killed_at for a in receipts.get(p, []))
        ]
        if twice:
            verdict.problems.append(
                f"{len(twice)} updates committed before the kill were applied again after "
                f"it: {twice[:5]}"
            )
        final_votes = await r.votes()
        verdict.check_final(
            final_votes, await r.recorded(presses), verdict.applied_at(committed_unanswered)
        )
        if not verdict.kinds()["busy"] and final_votes != last_pressed(chains):
            verdict.problems.append("the votes are not the members' last presses")
        verdict.conclude(
            tracebacks=r.tracebacks(),
            failure_messages=await r.failure_messages(),
            logs=r.logs(),
        )


# -- 3. two processes on one PostgreSQL database ----------------------------------------------


async def test_two_processes_get_the_same_presses(postgres_db: Database, workdir: Path) -> None:
    """Presses spread over two processes' webhooks, half of them delivered to both at the same
    moment, then a stale first press of every member to the other process: each update is
    applied once, by one of them."""
    async with asyncio.timeout(HARD_TIMEOUT), press_rig(workdir, postgres_db) as r:
        one, two = await r.start("bot1", "bot2")
        chains = build_chains(r.seeded)
        presses = all_presses(chains)

        def balanced(press: Press) -> list[str]:
            # A member's presses alternate between the processes, and every other one
            # also reaches the other process at the same moment.
            turn = press.member + press.step
            first, other = (one.name, two.name) if turn % 2 else (two.name, one.name)
            return [first, other] if (press.member // 2 + press.step) % 2 == 0 else [first]

        def elsewhere(press: Press) -> list[str]:
            return [two.name if balanced(press)[0] == one.name else one.name]

        deliveries = await r.deliver(chains, balanced, "balanced")
        stale = await r.deliver([[chain[0]] for chain in chains], elsewhere, "stale")
        verdict = Verdict("postgres/2 processes", presses, [*deliveries, *stale], await r.answers())
        verdict.notes += r.notes
        doubled = sum(1 for p in presses if len(balanced(p)) == 2)
        verdict.notes.append(f"{doubled} updates delivered to both processes at once")
        verdict.check_answers(exact=True)
        votes = await r.votes()
        verdict.check_final(votes, await r.recorded(presses), verdict.applied_at())
        if not verdict.kinds()["busy"] and votes != last_pressed(chains):
            verdict.problems.append("the votes are not the members' last presses")
        for bot in (one, two):
            verdict.notes.append(f"{bot.name}: {bot.tracebacks()} tracebacks")
        verdict.conclude(
            tracebacks=r.tracebacks(),
            failure_messages=await r.failure_messages(),
            logs=r.logs(),
        )
