"""Black-box harness: real `cohorte run` processes against a fake Bot API in another process.

Nothing here imports the bot's delivery engine. The harness

* creates a throw-away database (a SQLite file, or a PostgreSQL database made
  and dropped per test), migrates it and writes one cohort straight into the
  tables: N members who want private reminders on Telegram, one linked
  Telegram group, and two Masterclasses that start `EVENT_GAP` apart;
* starts the fake Bot API (`bench/_fake_bot_api.py`: Telegram's limits
  enforced with real 429s, optional seeded random faults) in a child process;
* starts `cohorte run --reloj ...` processes (cwd = a temp dir, stdin closed,
  stderr to a file each) whose rehearsal clock reaches the first 24-hour
  reminder `LEAD_IN` after the first start, kills them with SIGKILL and
  restarts them with the clock where it would have been;
* waits until the outbox has settled, then compares what the fake accepted
  with what the database says (`Report`), against the product's promise
  "on time, once" (`Report.problems`).

Messages are told apart by chat and by the Masterclass title in their text,
rows by their `ref` ("e<id>") and destination; both are the product's
interface, not its implementation. Times are `time.monotonic()` readings,
system-wide on Linux, so the fake's arrival stamps compare with ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Integer, String, column, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from bench._fake_bot_api import FakeBotApi, FaultRates
from cohorte.storage.db import create_engine, normalise_url
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Event,
    EventKind,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.types import UTCDateTime
from tests.bot.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parents[2]
# The installed console script beside our interpreter (.venv/bin/cohorte), else the module.
_SCRIPT = Path(sys.executable).with_name("cohorte")
COHORTE = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from cohorte.bot.cli import main; main()"]
)
READY_LINE = "Cohorte running"

# -- the scenario -----------------------------------------------------------------------------

# A Monday of sprint week 3, 10:00 in Bogotá: what `--reloj` says at the first start.
REHEARSAL_START = datetime(2025, 5, 5, 15, 0, tzinfo=UTC)
SPRINT_START = date(2025, 4, 21)
# From the first start to the first 24-hour reminder: the bot has this long to start (it
# usually needs 2-3 s; a slower start only makes the first messages a little late).
LEAD_IN = timedelta(seconds=5)
EVENT_GAP = timedelta(seconds=10)  # between the two Masterclasses (and their reminders)
REMINDER_LEAD = timedelta(hours=24)  # the default lead of a Masterclass reminder we watch
TITLES = ("Datos abiertos", "Compras públicas")  # told apart in the messages' text
GROUP_CHAT_ID = -1001234567890
FIRST_USER_ID = 610_000_001

# -- the bounds (the promise "on time, once", made measurable) --------------------------------

# Every reminder must arrive within this long after it was due, even after crashes: the
# brief's figure. It covers four restarts of a few seconds each, a lease that has to run
# out before another process may take over, and a retry after a 5 s timeout.
LATENESS_BOUND = 90.0
# Our due instants are an upper bound of the bot's own clock (it starts counting after its
# start-up), so a message can only look early by a scheduling hiccup.
EARLY_TOLERANCE = 1.0
# A message the database calls `ambiguous` may honestly be lost: only what was actually in
# flight when a fault hit may end up so. At 30 messages/s and loopback latency a few
# requests at most are out at any moment; rows merely claimed must not count.
IN_FLIGHT_PER_FAULT = 5
# Telegram's limits for one bot token, however many processes send (every request counts,
# refused ones too: a 429 is a request Telegram had to turn away).
MAX_PER_SECOND = 30
MAX_PER_GROUP_MINUTE = 20
# A process killed mid-fan-out: the next reminder of that fan-out (from a survivor) must
# arrive within this long.
HANDOVER_BOUND = 15.0
# The outbox has settled when every watched row is final and the fake heard nothing for
# this long.
SETTLE_QUIET = 2.0
READY_TIMEOUT = 45.0  # from spawn to "Cohorte running" on a busy 2-core machine
STOP_GRACE = 5.0  # SIGTERM, then SIGKILL
# No test may run longer than this, whatever the product does.
HARD_TIMEOUT = 170.0

FINAL_STATES = frozenset({"sent", "ambiguous", "failed", "dropped"})
PACED_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}
)

Pair = tuple[int, int]  # (chat id, event index)


# -- databases --------------------------------------------------------------------------------


@dataclass
class Database:
    """A throw-away database; `url` is what the bot is given."""

    url: str
    kind: str  # "sqlite" or "postgresql"
    path: Path | None = None  # the SQLite file
    name: str | None = None  # the PostgreSQL database

    def engine(self) -> AsyncEngine:
        """An engine of our own (no pool: every use is a fresh connection)."""
        return create_engine(self.url, poolclass=NullPool)


@contextlib.asynccontextmanager
async def sqlite_database(folder: Path) -> AsyncIterator[Database]:
    path = folder / "cohorte.db"
    yield Database(f"sqlite+aiosqlite:///{path}", "sqlite", path=path)


@contextlib.asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[Database]:
    """A database of its own on the server, dropped (WITH (FORCE)) afterwards."""
    server = normalise_url(server_url)
    name = f"cohorte_faults_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        yield Database(url, "postgresql", name=name)
    finally:
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()


async def terminate_backends(database: Database) -> int:
    """`pg_terminate_backend` every backend of the database but ours; how many there were."""
    engine = database.engine()
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM "
                    "pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


def _hold_exclusive(path: Path, seconds: float) -> float:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        taken = time.monotonic()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        return time.monotonic() - taken
    finally:
        connection.close()


async def hold_sqlite_lock(path: Path, seconds: float) -> float:
    """`BEGIN EXCLUSIVE` on the file for `seconds` (longer than the bot's busy timeout)."""
    return await asyncio.to_thread(_hold_exclusive, path, seconds)


# -- the cohort -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    """One Masterclass whose 24-hour reminders we watch."""

    index: int
    event_id: int
    title: str
    starts_at: datetime

    @property
    def due_at(self) -> datetime:
        return self.starts_at - REMINDER_LEAD

    @property
    def ref(self) -> str:
        return f"e{self.event_id}"


@dataclass
class Scenario:
    recipients: int
    events: tuple[Watched, ...]
    group_chat_id: int
    chat_of_person: dict[int, int]
    chat_of_link: dict[int, int]

    @property
    def chats(self) -> list[int]:
        return [self.group_chat_id, *self.chat_of_person.values()]

    @property
    def expected(self) -> set[Pair]:
        return {(chat, event.index) for chat in self.chats for event in self.events}

    def event_of(self, message: str) -> int | None:
        found = [event.index for event in self.events if event.title in message]
        return found[0] if len(found) == 1 else None


@dataclass
class SeededGroup:
    """A cohort with one Bogotá team, its linked Telegram group and its participants."""

    cohort: Cohort
    team: Team
    link: ChatLink
    members: list[tuple[int, Person, Member]]  # (Telegram user id, person, member)


async def seed_group(
    session: AsyncSession,
    now: datetime,
    name: str,
    people: int,
    *,
    dm_open: bool,
    dm_reminders: bool = False,
) -> SeededGroup:
    """Write a cohort, its team, its linked group and `people` participants (user ids
    from FIRST_USER_ID), flushed but not committed."""
    cohort = Cohort(
        name=name,
        home_zone="America/Bogota",
        locale="es",
        start_date=SPRINT_START,
        weeks=12,
        invite_code=f"F{uuid.uuid4().hex[:8].upper()}",
        created_at=now,
    )
    session.add(cohort)
    await session.flush()
    assert cohort.id is not None
    team = Team(
        cohort_id=cohort.id, name="Bogotá", city="Bogotá", country_code="CO", zone="America/Bogota"
    )
    link = ChatLink(cohort_id=cohort.id, platform=Platform.TELEGRAM, chat_id=str(GROUP_CHAT_ID))
    persons = [Person(display_name=f"Persona {i + 1}", created_at=now) for i in range(people)]
    session.add_all([team, link, *persons])
    await session.flush()
    assert team.id is not None and link.id is not None
    members = []
    for i, person in enumerate(persons):
        assert person.id is not None
        user_id = FIRST_USER_ID + i
        session.add(
            Identity(
                person_id=person.id,
                platform=Platform.TELEGRAM,
                external_id=str(user_id),
                dm_open=dm_open,
            )
        )
        member = Member(
            cohort_id=cohort.id,
            person_id=person.id,
            team_id=team.id,
            role=Role.PARTICIPANT,
            dm_reminders=dm_reminders,
            joined_at=now,
        )
        session.add(member)
        members.append((user_id, person, member))
    await session.flush()
    return SeededGroup(cohort, team, link, members)


async def seed_scenario(database: Database, recipients: int) -> Scenario:
    """Migrate the database and write the cohort, its members, group and two Masterclasses."""
    engine = database.engine()
    try:
        await upgrade(engine)
        now = REHEARSAL_START - timedelta(days=20)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            group = await seed_group(
                session, now, "Sprint de ensayo", recipients, dm_open=True, dm_reminders=True
            )
            chat_of_person = {
                person.id: user_id for user_id, person, _ in group.members if person.id is not None
            }
            first = REHEARSAL_START + REMINDER_LEAD + LEAD_IN
            events = [
                Event(
                    cohort_id=group.team.cohort_id,
                    kind=EventKind.MASTERCLASS,
                    title=title,
                    starts_at=first + i * EVENT_GAP,
                    duration_minutes=60,
                )
                for i, title in enumerate(TITLES)
            ]
            session.add_all(events)
            await session.commit()
            watched = []
            for i, event in enumerate(events):
                assert event.id is not None
                watched.append(Watched(i, event.id, event.title, event.starts_at))
            assert group.link.id is not None
            return Scenario(
                recipients,
                tuple(watched),
                GROUP_CHAT_ID,
                chat_of_person,
                {group.link.id: GROUP_CHAT_ID},
            )
    finally:
        await engine.dispose()


# -- time -------------------------------------------------------------------------------------


class Timeline:
    """The cohort's rehearsal time: `REHEARSAL_START` at the first spawn, then real time."""

    def __init__(self, start: datetime = REHEARSAL_START) -> None:
        self.start = start
        self.origin: float | None = None

    def begin(self) -> None:
        if self.origin is None:
            self.origin = time.monotonic()

    def now(self) -> datetime:
        self.begin()
        assert self.origin is not None
        return self.start + timedelta(seconds=time.monotonic() - self.origin)

    def monotonic(self, instant: datetime) -> float:
        """When (our monotonic clock) the cohort's clock shows `instant`, at the earliest."""
        self.begin()
        assert self.origin is not None
        return self.origin + (instant - self.start).total_seconds()


# -- bot processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the test process dies (no orphans)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def bot_environment(database_url: str, api_url: str, http_port: int) -> dict[str, str]:
    """The process environment: ours minus Cohorte's, tokens and proxies, plus the rig's."""
    drop = ("COHORTE_", "TELEGRAM_", "SLACK_")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(drop) and "proxy" not in key.lower()
    }
    env.update(
        COHORTE_DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        COHORTE_TELEGRAM_API_URL=api_url,
        COHORTE_HTTP_PORT=str(http_port),
        COHORTE_LOG_LEVEL="INFO",
        NO_PROXY="127.0.0.1,localhost",
        PTB_TIMEDELTA="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _cli_environment(database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COHORTE_", "TELEGRAM_", "SLACK_"))
    }
    env.update(COHORTE_DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    return env


async def start_cli(
    database_url: str,
    *args: str,
    output: IO[bytes] | int = subprocess.PIPE,
    cwd: Path | None = None,
) -> asyncio.subprocess.Process:
    """Start `cohorte ARGS` in a process of its own on the database (output and errors
    together to `output`)."""
    return await asyncio.create_subprocess_exec(
        *COHORTE,
        *args,
        cwd=cwd,
        env=_cli_environment(database_url),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


async def run_cli(database_url: str, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run `cohorte ARGS` in a process of its own on the database: (exit code, output)."""
    process = await start_cli(database_url, *args, cwd=cwd)
    output, _ = await process.communicate()
    return int(process.returncode or 0), output.decode("utf-8", errors="replace")


class BotProcess:
    """One `cohorte run` instance; each (re)start is a new OS process with its own log."""

    def __init__(
        self,
        name: str,
        folder: Path,
        database_url: str,
        api_url: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.env = dict(env or {})  # settings of this test (COHORTE_STOP_SECONDS, ...)
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.api_url = api_url
        self.process: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []
        self.ready_at: float | None = None
        self.spawned_at: float | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self, reloj: datetime) -> None:
        assert not self.alive, f"{self.name} is running already"
        self._close_log()
        log = self.folder / f"run-{len(self.logs) + 1}.stderr"
        self.logs.append(log)
        self._log = log.open("wb")
        self.ready_at = None
        self.spawned_at = time.monotonic()
        self.process = subprocess.Popen(
            [*COHORTE, "run", "--reloj", reloj.isoformat()],
            cwd=self.folder,
            env={**bot_environment(self.database_url, self.api_url, free_port()), **self.env},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    async def wait_ready(self, within: float = READY_TIMEOUT) -> float:
        """Until "Cohorte running" is logged; seconds since the spawn."""
        assert self.spawned_at is not None
        deadline = time.monotonic() + within
        while READY_LINE not in self.current_log():
            if not self.alive:
                raise RuntimeError(f"{self.name} exited before it was running:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not running after {within:.0f} s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        self.ready_at = time.monotonic()
        return self.ready_at - self.spawned_at

    def kill(self) -> float:
        """SIGKILL (no chance to clean up); the monotonic instant of the kill."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        killed = time.monotonic()
        self.process.wait()
        return killed

    async def terminate(self, grace: float = STOP_GRACE) -> int | None:
        """SIGTERM, and wait up to `grace` seconds: the exit code, or None if it was still
        running then (it is killed: SIGKILL)."""
        process = self.process
        code: int | None = None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = await asyncio.to_thread(process.wait, grace)
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
        elif process is not None:
            code = process.returncode
        self._close_log()
        return code

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
        await self.terminate(grace)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def current_log(self) -> str:
        return self.logs[-1].read_text("utf-8", errors="replace") if self.logs else ""

    def log_text(self) -> str:
        return "".join(
            f"--- {log.name}\n" + log.read_text("utf-8", errors="replace") for log in self.logs
        )

    def tracebacks(self) -> int:
        return sum(
            line.startswith("Traceback")
            for log in self.logs
            for line in log.read_text("utf-8", errors="replace").splitlines()
        )

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.current_log().splitlines()[-lines:])


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def _local_ports() -> dict[str, int]:
    """inode -> local TCP port, for every TCP socket of the machine."""
    ports: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as lines:
            next(lines)
            for line in lines:
                parts = line.split()
                ports[parts[9]] = int(parts[1].rsplit(":", 1)[1], 16)
    return ports


def ports_of(pid: int) -> set[int]:
    """The local TCP ports of a process (its connections to the fake among them)."""
    ports = _local_ports()
    return {ports[inode] for inode in _socket_inodes(pid) if inode in ports}


# -- what the fake saw ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of a paced method (one that names a chat) the fake received."""

    index: int
    at: float
    chat: int
    text: str
    status: int
    fault: str | None
    port: int

    @property
    def accepted(self) -> bool:
        """Delivered: the fake accepted it (a hung request is accepted, then answered late)."""
        return self.status == 200


def paced_calls(raw: Iterable[dict[str, Any]]) -> list[Call]:
    calls = []
    for call in raw:
        params = call.get("params") or {}
        if call["method"] not in PACED_METHODS or "chat_id" not in params:
            continue
        calls.append(
            Call(
                int(call["i"]),
                float(call["at"]),
                int(params["chat_id"]),
                str(params.get("text") or params.get("caption") or ""),
                int(call["status"]),
                call.get("fault"),
                int(call.get("port") or 0),
            )
        )
    return calls


def max_in_window(times: Sequence[float], width: float) -> int:
    """The most stamps in any half-open window [t, t + width)."""
    ordered = sorted(times)
    best = start = 0
    for end, stamp in enumerate(ordered):
        while ordered[start] <= stamp - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Row:
    id: int
    state: str
    due_at: datetime
    person_id: int | None
    chat_link_id: int | None
    ref: str
    attempts: int


_ROWS = text(
    "SELECT id, state, due_at, person_id, chat_link_id, ref, attempts FROM delivery "
    "WHERE kind = 'reminder'"
).columns(
    column("id", Integer),
    column("state", String),
    column("due_at", UTCDateTime()),
    column("person_id", Integer),
    column("chat_link_id", Integer),
    column("ref", String),
    column("attempts", Integer),
)


async def watched_rows(database: Database, scenario: Scenario) -> dict[Pair, list[Row]]:
    """The outbox rows of the watched reminders, by (chat, event)."""
    by_ref = {event.ref: event for event in scenario.events}
    engine = database.engine()
    try:
        async with engine.connect() as conn:
            rows = [Row(*r) for r in (await conn.execute(_ROWS)).all()]
    finally:
        await engine.dispose()
    found: dict[Pair, list[Row]] = {}
    for row in rows:
        event = by_ref.get(row.ref)
        # The 24-hour reminder, not the 1-hour one (due 23 h later). Not "due_at equals the
        # due time": a retry may move due_at on.
        if event is None or row.due_at > event.starts_at - REMINDER_LEAD / 2:
            continue
        if row.person_id is not None:
            chat = scenario.chat_of_person.get(row.person_id)
        else:
            chat = scenario.chat_of_link.get(row.chat_link_id or -1)
        if chat is not None:
            found.setdefault((chat, event.index), []).append(row)
    return found


# -- the verdict ------------------------------------------------------------------------------


@dataclass
class Report:
    """What happened, in figures; `problems` says which guarantees were broken."""

    label: str
    recipients: int
    expected: set[Pair]
    calls: list[Call]
    rows: dict[Pair, list[Row]]
    due: dict[int, float]  # event index -> monotonic due instant
    stats: dict[str, Any] = field(default_factory=dict)
    tracebacks: int = 0
    kills: int = 0
    notes: list[str] = field(default_factory=list)
    group_chat_id: int = GROUP_CHAT_ID
    event_of: dict[int, int | None] = field(default_factory=dict)  # call index -> event

    # -- derived figures ------------------------------------------------------------------

    @property
    def accepted(self) -> list[Call]:
        return [call for call in self.calls if call.accepted]

    def deliveries(self) -> Counter[Pair]:
        """How many times each (chat, event) reminder was accepted."""
        counts: Counter[Pair] = Counter()
        for call in self.accepted:
            event = self.event_of.get(call.index)
            if event is not None:
                counts[(call.chat, event)] += 1
        return counts

    def first_arrivals(self) -> dict[Pair, float]:
        first: dict[Pair, float] = {}
        for call in self.accepted:
            event = self.event_of.get(call.index)
            if event is not None:
                pair = (call.chat, event)
                first[pair] = min(first.get(pair, call.at), call.at)
        return first

    @property
    def duplicates(self) -> dict[Pair, int]:
        return {pair: n for pair, n in self.deliveries().items() if n > 1}

    @property
    def unexpected(self) -> list[Call]:
        return [
            call
            for call in self.accepted
            if self.event_of.get(call.index) is None
            or (call.chat, self.event_of[call.index]) not in self.expected
        ]

    def states(self) -> Counter[str]:
        return Counter(row.state for rows in self.rows.values() for row in rows)

    @property
    def ambiguous(self) -> set[Pair]:
        return {
            pair for pair, rows in self.rows.items() if any(r.state == "ambiguous" for r in rows)
        }

    @property
    def lost(self) -> list[Pair]:
        """Never delivered, and the database does not say it might have been."""
        received = self.deliveries()
        return sorted(p for p in self.expected if not received[p] and p not in self.ambiguous)

    @property
    def ambiguous_lost(self) -> list[Pair]:
        received = self.deliveries()
        return sorted(p for p in self.ambiguous if not received[p])

    def lateness(self) -> dict[Pair, float]:
        return {pair: at - self.due[pair[1]] for pair, at in self.first_arrivals().items()}

    @property
    def order_violations(self) -> list[int]:
        """Chats where a later event's reminder arrived before an earlier one's."""
        first = self.first_arrivals()
        chats = sorted({chat for chat, _ in self.expected})
        events = sorted({event for _, event in self.expected})
        bad = []
        for chat in chats:
            seen = [first[(chat, e)] for e in events if (chat, e) in first]
            if seen != sorted(seen):
                bad.append(chat)
        return bad

    @property
    def stuck(self) -> list[tuple[Pair, str]]:
        return sorted(
            (pair, row.state)
            for pair, rows in self.rows.items()
            for row in rows
            if row.state not in FINAL_STATES
        )

    @property
    def db_disagrees(self) -> list[str]:
        """Rows whose state contradicts what the fake accepted."""
        received = self.deliveries()
        problems = []
        for pair in sorted(self.expected):
            rows = self.rows.get(pair, [])
            if len(rows) != 1:
                problems.append(f"{pair}: {len(rows)} outbox rows")
                continue
            state, n = rows[0].state, received[pair]
            if state == "sent" and n != 1:
                problems.append(f"{pair}: 'sent' but accepted {n} times")
            elif state in ("failed", "dropped", "pending") and n:
                problems.append(f"{pair}: '{state}' but accepted {n} times")
        return problems

    def requests_in_window(self, width: float, chat: int | None = None) -> int:
        return max_in_window([c.at for c in self.calls if chat is None or c.chat == chat], width)

    def peak_window(self, width: float, chat: int | None = None) -> tuple[int, float, int]:
        """The busiest [t, t + width) window: (requests, t, how many were refused)."""
        calls = sorted(
            (c for c in self.calls if chat is None or c.chat == chat), key=lambda c: c.at
        )
        best, best_start, start = 0, 0, 0
        for end, call in enumerate(calls):
            while calls[start].at <= call.at - width:
                start += 1
            if end - start + 1 > best:
                best, best_start = end - start + 1, start
        window = calls[best_start : best_start + best]
        return best, window[0].at if window else 0.0, sum(not c.accepted for c in window)

    def fanout_span(self) -> tuple[float, float]:
        """First and last reminder request of the fan-out (monotonic)."""
        reminders = [c.at for c in self.calls if self.event_of.get(c.index) is not None]
        return (min(reminders), max(reminders)) if reminders else (0.0, 0.0)

    def figures(self) -> dict[str, Any]:
        late = list(self.lateness().values())
        start, end = self.fanout_span()
        span = max(end - start, 1e-9)
        reminders = [c for c in self.calls if self.event_of.get(c.index) is not None]
        injected = self.stats.get("injected", {})
        return {
            "expected": len(self.expected),
            "requests": len(self.calls),
            "accepted": len(self.accepted),
            "delivered": sum(1 for n in self.deliveries().values() if n),
            "duplicates": sum(n - 1 for n in self.duplicates.values()),
            "lost": len(self.lost),
            "ambiguous": len(self.ambiguous),
            "ambiguous_lost": len(self.ambiguous_lost),
            "order_violations": len(self.order_violations),
            "unexpected": len(self.unexpected),
            "stuck": len(self.stuck),
            "db_disagrees": len(self.db_disagrees),
            "max_requests_in_1s": self.requests_in_window(1.0),
            "max_accepted_in_1s": max_in_window([c.at for c in self.accepted], 1.0),
            "max_group_in_60s": self.requests_in_window(60.0, self.group_chat_id),
            "rate_limited_429": self.stats.get("rate_limited", 0),
            "max_lateness_s": round(max(late), 2) if late else None,
            "p95_lateness_s": round(percentile(late, 0.95), 2) if late else None,
            "fanout_s": round(end - start, 2),
            "requests_per_s": round(len(reminders) / span, 2) if len(reminders) > 1 else 0.0,
            "accepted_per_s": round(sum(c.accepted for c in reminders) / span, 2)
            if len(reminders) > 1
            else 0.0,
            "injected": dict(injected),
            "kills": self.kills,
            "tracebacks": self.tracebacks,
            "states": dict(self.states()),
        }

    def summary(self) -> str:
        figures = self.figures()
        lines = [f"[{self.label}] {self.recipients} recipients"]
        lines.append(", ".join(f"{k}={v}" for k, v in figures.items()))
        lines += self.notes
        return "\n".join(lines)

    # -- the guarantees -------------------------------------------------------------------

    def problems(
        self,
        *,
        ambiguous_allowance: int = 0,
        check_rate: bool = True,
        max_tracebacks: int | None = None,
    ) -> list[str]:
        """Every broken guarantee, in words.

        `ambiguous_allowance`: how many rows may honestly be `ambiguous` (what could have
        been in flight at the faults of the test: `IN_FLIGHT_PER_FAULT` per kill, one per
        hung request).
        """
        found = []
        if self.duplicates:
            sample = sorted(self.duplicates.items())[:5]
            found.append(
                f"{sum(n - 1 for n in self.duplicates.values())} duplicate messages in "
                f"{len(self.duplicates)} (chat, event) pairs, e.g. {sample}"
            )
        if self.lost:
            found.append(f"{len(self.lost)} reminders lost (not ambiguous), e.g. {self.lost[:5]}")
        if len(self.ambiguous) > ambiguous_allowance:
            found.append(
                f"{len(self.ambiguous)} rows ambiguous, more than could have been in flight "
                f"at the faults ({ambiguous_allowance})"
            )
        if self.order_violations:
            found.append(
                f"order: in {len(self.order_violations)} chats the later Masterclass's reminder "
                f"came first, e.g. {self.order_violations[:5]}"
            )
        late = {pair: s for pair, s in self.lateness().items() if s > LATENESS_BOUND}
        if late:
            worst = max(late.items(), key=lambda item: item[1])
            found.append(
                f"{len(late)} reminders later than {LATENESS_BOUND:.0f} s after due "
                f"(worst {worst[1]:.1f} s: {worst[0]})"
            )
        early = {pair: s for pair, s in self.lateness().items() if s < -EARLY_TOLERANCE}
        if early:
            found.append(f"{len(early)} reminders arrived before they were due: {list(early)[:5]}")
        if self.unexpected:
            found.append(
                f"{len(self.unexpected)} unexpected messages, e.g. "
                f"{[(c.chat, c.text[:60]) for c in self.unexpected[:3]]}"
            )
        if self.stuck:
            found.append(
                f"{len(self.stuck)} rows not final after the run settled, e.g. {self.stuck[:5]}"
            )
        if self.db_disagrees:
            found.append(
                f"the database disagrees with the fake for {len(self.db_disagrees)} reminders, "
                f"e.g. {self.db_disagrees[:5]}"
            )
        if check_rate:
            peak, at, refused = self.peak_window(1.0)
            if peak > MAX_PER_SECOND:
                found.append(
                    f"{peak} requests in one second (limit {MAX_PER_SECOND}/s): the window "
                    f"starting {at - self.fanout_span()[0]:.2f} s into the fan-out, "
                    f"{refused} of them refused"
                )
            group, at, refused = self.peak_window(60.0, self.group_chat_id)
            if group > MAX_PER_GROUP_MINUTE:
                found.append(
                    f"{group} requests to the group in one minute (limit "
                    f"{MAX_PER_GROUP_MINUTE}), {refused} of them refused"
                )
        if max_tracebacks is not None and self.tracebacks > max_tracebacks:
            found.append(
                f"{self.tracebacks} tracebacks in the bots' stderr (at most {max_tracebacks})"
            )
        return found


def assert_guarantees(report: Report, *, extra: Sequence[str] = (), **bounds: Any) -> None:
    """Print the figures; fail with every broken guarantee at once (and the test's own
    `extra` problems)."""
    print(report.summary())
    problems = [*report.problems(**bounds), *extra]
    if problems:
        raise AssertionError(
            "\n".join(f"- {problem}" for problem in problems) + "\n\n" + report.summary()
        )


# -- the rig ----------------------------------------------------------------------------------


class Rig:
    """The fake Bot API, the seeded database and the bot processes of one test."""

    def __init__(
        self,
        folder: Path,
        database: Database,
        scenario: Scenario,
        fake: FakeBotApi,
        label: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.env = dict(env or {})
        self.folder = folder
        self.database = database
        self.scenario = scenario
        self.fake = fake
        self.label = label
        self.timeline = Timeline()
        self.bots: list[BotProcess] = []
        self.kills = 0
        self.notes: list[str] = [f"logs: {folder}"]

    # -- processes ------------------------------------------------------------------------

    def new_bot(self) -> BotProcess:
        bot = BotProcess(
            f"bot{len(self.bots) + 1}", self.folder, self.database.url, self.fake.url, self.env
        )
        self.bots.append(bot)
        return bot

    async def start(self, processes: int = 1) -> list[BotProcess]:
        """Spawn `processes` bots at once and wait until they all run."""
        bots = [self.new_bot() for _ in range(processes)]
        for bot in bots:
            bot.spawn(self.timeline.now())
        startup = await asyncio.gather(*(bot.wait_ready() for bot in bots))
        self.notes.append(
            "start-up: "
            + ", ".join(f"{b.name} {s:.1f} s" for b, s in zip(bots, startup, strict=True))
        )
        return bots

    async def restart(self, bot: BotProcess) -> float:
        """Start a (killed) bot again, its clock where it would have been; seconds to ready."""
        bot.spawn(self.timeline.now())
        return await bot.wait_ready()

    def kill(self, bot: BotProcess) -> float:
        self.kills += 1
        return bot.kill()

    def sender(self, call: Call) -> BotProcess | None:
        """The running bot that owns the connection a request came from."""
        for bot in self.bots:
            if bot.alive and bot.pid is not None and call.port in ports_of(bot.pid):
                return bot
        return None

    async def latest_sender(self) -> BotProcess | None:
        """The running bot that sent the latest message request (by its TCP connection)."""
        latest = paced_calls(await self.fake.calls(max(0, await self.fake.count() - 20)))
        for call in reversed(latest):
            bot = self.sender(call)
            if bot is not None:
                return bot
        return None

    # -- watching -------------------------------------------------------------------------

    async def requests(self) -> int:
        """Requests to send a message received so far (accepted or not)."""
        return await self.fake.count("sendMessage")

    async def wait_requests(self, count: int, within: float = LATENESS_BOUND) -> bool:
        """Until the fake received `count` sendMessage requests in all; False after `within`
        seconds or at the settling deadline, whichever comes first."""
        deadline = min(time.monotonic() + within, self.deadline())
        while await self.requests() < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def wait_due(self, index: int, after: float = 0.0) -> None:
        """Until event `index`'s reminders are due (+ `after` seconds)."""
        due = self.timeline.monotonic(self.scenario.events[index].due_at) + after
        await asyncio.sleep(max(0.0, due - time.monotonic()))

    def last_due(self) -> float:
        return max(self.timeline.monotonic(e.due_at) for e in self.scenario.events)

    def deadline(self) -> float:
        """When waiting is over: every reminder is due and its lateness bound has passed."""
        return self.last_due() + LATENESS_BOUND + 3

    async def settle(self, deadline: float | None = None) -> bool:
        """Until every watched row is final and the fake is quiet; False at the deadline."""
        if deadline is None:
            deadline = self.deadline()
        await asyncio.sleep(max(0.0, self.last_due() - time.monotonic()))
        expected = len(self.scenario.expected)
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = await self.fake.count()
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            rows = await watched_rows(self.database, self.scenario)
            final = sum(1 for rs in rows.values() for r in rs if r.state in FINAL_STATES)
            if final >= expected and time.monotonic() - quiet_since >= SETTLE_QUIET:
                return True
            await asyncio.sleep(0.5)
        self.notes.append(f"did not settle within {LATENESS_BOUND:.0f} s after the last due time")
        return False

    async def report(self) -> Report:
        raw = await self.fake.calls(method="sendMessage")
        calls = paced_calls(raw)
        # Which process sent what, as far as their open connections tell (a killed
        # process's connections are gone: "unknown").
        owner = {
            port: bot.name
            for bot in self.bots
            if bot.alive and bot.pid is not None
            for port in ports_of(bot.pid)
        }
        by_process = Counter(owner.get(call.port, "unknown") for call in calls)
        self.notes.append(
            "requests by process: " + ", ".join(f"{k} {v}" for k, v in sorted(by_process.items()))
        )
        report = Report(
            self.label,
            self.scenario.recipients,
            self.scenario.expected,
            calls,
            await watched_rows(self.database, self.scenario),
            {e.index: self.timeline.monotonic(e.due_at) for e in self.scenario.events},
            stats=await self.fake.stats(),
            tracebacks=sum(bot.tracebacks() for bot in self.bots),
            kills=self.kills,
            notes=list(self.notes),
            group_chat_id=self.scenario.group_chat_id,
            event_of={call.index: self.scenario.event_of(call.text) for call in calls},
        )
        return report

    def logs(self) -> str:
        return "\n".join(bot.log_text() for bot in self.bots)

    async def close(self) -> None:
        await asyncio.gather(*(bot.stop() for bot in self.bots), return_exceptions=True)


@contextlib.asynccontextmanager
async def rig(
    folder: Path,
    database: Database,
    recipients: int,
    *,
    label: str,
    faults: FaultRates | None = None,
    seed: int = 20250505,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Rig]:
    """Seed the database, start the fake (limits on); stop every process afterwards.
    `env`: settings given to every bot process."""
    scenario = await seed_scenario(database, recipients)
    fake = FakeBotApi(limits=True, faults=faults, seed=seed)
    await fake.start()
    the_rig = Rig(folder, database, scenario, fake, label, env)
    try:
        yield the_rig
    finally:
        try:
            await the_rig.close()
        finally:
            await fake.stop()
