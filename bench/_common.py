"""What the press benchmarks share (`telegram_updates.py`, `slack_actions.py`).

The clock, the seeded cohort, the throw-away database, how an answer to a
vote press is classified, the figures of one phase, and the last line of a
run (one JSON object with the figures).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from cohorte.storage.attendance import confirmed_by_team
from cohorte.storage.db import SessionFactory, create_engine, normalise_url, transaction
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
from cohorte.storage.polls import Choice, PollSlot, Vote

# A Tuesday of sprint week 1, 09:00 in Bogotá; the benches' clock runs in real time from here.
START = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
FIRST_NAMES = ["Sofía", "Mateo", "Lucía", "Tomás", "Valentina", "Julián", "Camila", "Andrés"]
# The poll both benches open, as the coordinator, in the cohort's group chat (the command's
# arguments: Telegram sends `/encuesta nueva …`, Slack `/cohorte encuesta nueva …`).
POLL_ARGUMENTS = '"Sesión semanal" mar 10:00, mié 16:00, jue 18:00 cierre viernes 18:00'

# How the core answers a vote press, in Spanish (the cohort's locale):
SAVED_PREFIX = "Anotado:"  # the vote receipt, sent after the vote's commit
# The RSVP receipt: "✅ Anotado: vas a asistir …", "🤔 Anotado: …", "❌ Anotado: …".
RSVP_SAVED_PREFIXES = tuple(f"{mark} {SAVED_PREFIX}" for mark in ("✅", "🤔", "❌"))
REFUSED_PREFIX = "No pudimos registrar"  # the database was too busy to take the vote in time
FAILED_PREFIX = "Perdón, algo falló"  # an unexpected error


class FlowingClock:
    """Real time, running from `START`; can skip ahead to the end of a tally window."""

    def __init__(self, start: datetime = START) -> None:
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


def answer_kind(text: str) -> str:
    """'saved', 'refused', 'failed' or 'other' for the text of an answer to a press.

    A note for one person posted where everyone reads it starts with their name
    ("Sofía Prueba 1: No pudimos registrar …"): that prefix is looked through.
    """
    for candidate in (text, text.partition(": ")[2]):
        if candidate.startswith((SAVED_PREFIX, *RSVP_SAVED_PREFIXES)):
            return "saved"
        if candidate.startswith(REFUSED_PREFIX):
            return "refused"
        if candidate.startswith(FAILED_PREFIX):
            return "failed"
    return "other"


# -- figures ----------------------------------------------------------------------------------


@dataclass
class Phase:
    """What one application did with one batch of presses."""

    offered: int = 0
    fed: int = 0
    elapsed: float = 0.0  # closed loop: first press fed -> last one done
    fed_in: float = 0.0  # open loop: first press fed -> last one fed
    latencies_ms: list[float] = field(default_factory=list)  # inf: never answered
    acks_ms: list[float] = field(default_factory=list)  # Slack: due -> HTTP response (inf: none)
    answered: int = 0  # presses that got an answer of any kind
    saved: int = 0  # ... the vote receipt
    refused: int = 0  # ... the overload refusal ("No pudimos registrar …")
    failures: int = 0  # "something went wrong" replies during the phase
    edits: int = 0  # tally refreshes (edits of the poll message) during the phase
    unfinished: int = 0  # open loop: still queued when the bench stopped waiting
    late: int = 0  # answered, but after the bench stopped waiting (counted as lost)
    rejected: int = 0  # Slack: requests not acknowledged with HTTP 200
    flush: float | None = None  # Cohorte: the tally edit at the end of the window
    flush_error: str | None = None
    tally_matches: bool | None = None

    @property
    def lost(self) -> int:
        """Offered presses answered neither with the receipt nor with the refusal."""
        return max(0, self.offered - self.saved - self.refused)

    def rate(self, *, with_flush: bool = False) -> float:
        """Closed loop: presses done per second (optionally counting the final tally edit)."""
        elapsed = self.elapsed + ((self.flush or 0.0) if with_flush else 0.0)
        return self.fed / elapsed if elapsed else 0.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of unsorted `values` (inf for none)."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(value: float) -> str:
    return "unanswered" if math.isinf(value) else f"{value:.1f} ms"


def ratio(ours: float, bare: float) -> str:
    if not bare or math.isinf(ours) or math.isinf(bare):
        return "—"
    return f"{ours / bare:.2f}"


def number(value: float, digits: int = 1) -> float | None:
    """A figure for the JSON line: rounded, None for "never answered" (infinite)."""
    return None if math.isinf(value) or math.isnan(value) else round(value, digits)


def machine() -> str:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return f"{cores} cores ({usable} usable), Python {platform.python_version()}"


def print_figures(figures: dict[str, Any]) -> None:
    """The run's last line: one JSON object with the figures."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


# -- the database -------------------------------------------------------------------------------


@asynccontextmanager
async def throwaway_database(server: str | None) -> AsyncIterator[tuple[str, str]]:
    """(label, URL) of a fresh database, dropped afterwards.

    `server` is a PostgreSQL server URL (a database named `cohorte_bench_…` is
    created there); None means a SQLite file in a temporary folder.
    """
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            yield "SQLite", f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    server = normalise_url(server)
    name = f"cohorte_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                "PostgreSQL",
                make_url(server).set(database=name).render_as_string(hide_password=False),
            )
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@dataclass(frozen=True)
class Account:
    """Someone in the seeded cohort, by their id on the platform."""

    external_id: str
    first_name: str
    last_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def participant_name(n: int) -> tuple[str, str]:
    """(first, last) name of the n-th (0-based) seeded participant."""
    return FIRST_NAMES[n % len(FIRST_NAMES)], f"Prueba {n + 1}"


async def seed(
    sessions: SessionFactory,
    on: Platform,
    chat_id: str,
    coordinator: Account,
    people: list[Account],
    now: datetime,
) -> None:
    """A cohort with three city teams, a coordinator and `people` as participants, all on
    one platform, whose group chat `chat_id` is linked."""
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
        session.add(ChatLink(cohort_id=cohort.id, platform=on, chat_id=chat_id, title="Sprint"))
        await session.flush()
        accounts: list[tuple[Account, Role, Team | None]] = [(coordinator, Role.COORDINATOR, None)]
        accounts += [
            (account, Role.PARTICIPANT, teams[n % len(teams)]) for n, account in enumerate(people)
        ]
        for account, role, team in accounts:
            person = Person(display_name=account.name, created_at=now)
            session.add(person)
            await session.flush()
            assert person.id is not None
            session.add(Identity(person_id=person.id, platform=on, external_id=account.external_id))
            session.add(
                Member(
                    cohort_id=cohort.id,
                    person_id=person.id,
                    team_id=team.id if team else None,
                    role=role,
                    joined_at=now,
                )
            )


# What an RSVP press answers: a Masterclass two hours after the bench's start, whose
# day-before group reminder (with the counts per team) is sent before the presses start.
RSVP_SESSION_IN = timedelta(hours=2)
_CONFIRMED = re.compile(r"Confirmados: (.*)")
_TEAM_COUNT = re.compile(r"(\d+)/(\d+)")


async def add_session_soon(sessions: SessionFactory, now: datetime) -> str:
    """A Masterclass in `RSVP_SESSION_IN` (people get no private reminders: the group's
    is the one that matters here); returns its occurrence reference."""
    async with transaction(sessions) as session:
        cohort = (await session.exec(select(Cohort))).one()
        assert cohort.id is not None
        for member in (await session.exec(select(Member))).all():
            member.dm_reminders = False
        event = Event(
            cohort_id=cohort.id,
            kind=EventKind.MASTERCLASS,
            title="Datos abiertos",
            starts_at=now + RSVP_SESSION_IN,
        )
        session.add(event)
        await session.flush()
        return f"e{event.id}"


def rsvp_payloads(ref: str) -> list[str]:
    """The three RSVP buttons of the session (`ra:e1:y|m|n`)."""
    return [f"ra:{ref}:{code}" for code in "ymn"]


def shown_counts(text: str) -> list[tuple[int, int]]:
    """(confirmed, members) per team in a group reminder's "Confirmados: …" line."""
    line = _CONFIRMED.search(text)
    return [(int(a), int(b)) for a, b in _TEAM_COUNT.findall(line.group(1))] if line else []


async def rsvp_counts_in_database(sessions: SessionFactory, ref: str) -> list[tuple[int, int]]:
    """(confirmed, members) per team, in team order, as the reminder should show them."""
    async with sessions() as session:
        cohort = (await session.exec(select(Cohort))).one()
        assert cohort.id is not None
        counts = await confirmed_by_team(session, cohort.id, ref)
    return [(confirmed, members) for _, confirmed, members in counts]


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


# -- a run and its report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What to do: the cohort's size and the three phases."""

    participants: int
    presses: int  # closed loop
    concurrency: int
    rate: float  # open loop
    seconds: float
    overload_rate: float
    overload_seconds: float
    kind: str = "vote"  # what is pressed: "vote" or "rsvp"

    @property
    def warm_up(self) -> int:
        """Presses per application before measuring: everyone presses once (caches fill)."""
        return max(50, self.participants)


def add_run_arguments(parser: argparse.ArgumentParser, presses: str = "--presses") -> None:
    parser.add_argument("--database", help="PostgreSQL server URL (a throw-away database is made)")
    parser.add_argument(presses, dest="presses", type=int, default=1000, help="closed-loop presses")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop presses in flight")
    parser.add_argument("--rate", type=float, default=50.0, help="open-loop presses per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="open-loop duration")
    parser.add_argument(
        "--overload-rate", type=float, default=100.0, help="overload presses per second"
    )
    parser.add_argument("--overload-seconds", type=float, default=10.0, help="overload duration")
    parser.add_argument("--participants", type=int, default=50, help="people in the cohort")
    parser.add_argument(
        "--kind",
        choices=("vote", "rsvp"),
        default="vote",
        help="what is pressed: the poll's vote buttons, or a session's ¿Vas a asistir?",
    )


def run_of(args: argparse.Namespace) -> Run:
    return Run(
        args.participants,
        args.presses,
        args.concurrency,
        args.rate,
        args.seconds,
        args.overload_rate,
        args.overload_seconds,
        getattr(args, "kind", "vote"),
    )


@dataclass
class Side:
    """One application's three phases."""

    closed: Phase
    open: Phase
    overload: Phase

    @property
    def phases(self) -> tuple[Phase, Phase, Phase]:
        return self.closed, self.open, self.overload


Row = Callable[..., None]


def phase_rows(
    row: Row, run: Run, ours: Side, bare: Side, *, unit: str, answer: str, patience: float
) -> None:
    """The table rows of the three phases (`row(name, ours, bare, ratio="")`).

    `unit` names what a second holds ("updates/s"), `answer` what the latency
    runs to ("answerCallbackQuery at the fake").
    """
    oc, oo, ov = ours.phases
    bc, bo, bv = bare.phases

    def closed(phase: Phase) -> str:
        figure = f"{phase.rate():,.1f} {unit}"
        if phase.fed < run.presses:
            figure += f" (stopped after {phase.elapsed:.0f} s: {phase.fed:,} of {run.presses:,})"
        return figure

    def answered(phase: Phase) -> str:
        figure = f"{phase.answered:,} of {phase.fed:,}"
        if phase.unfinished:
            figure += f" ({phase.unfinished:,} still queued {patience:g} s later: cancelled)"
        if phase.late:
            figure += f" ({phase.late:,} more than {patience:g} s after the last press: lost)"
        return figure

    def outcome(phase: Phase) -> str:
        return f"{phase.saved:,} / {phase.refused:,} / {phase.lost:,}"

    def open_rows(mine: Phase, theirs: Phase, rate: float, seconds: float, name: str) -> None:
        row(
            f"{name}: {rate:g} presses/s for {seconds:g} s",
            f"{mine.fed:,} fed in {mine.fed_in:.1f} s",
            f"{theirs.fed:,} fed in {theirs.fed_in:.1f} s",
        )
        for p in (50, 95, 99, 100):
            a, b = percentile(mine.latencies_ms, p), percentile(theirs.latencies_ms, p)
            title = "max" if p == 100 else f"p{p}"
            if p == 50:
                title = f"latency p50, press due → {answer}"
            row(f"… {title}", ms(a), ms(b), ratio(a, b))
        answered_only = [v for v in mine.latencies_ms if not math.isinf(v)]
        bare_answered = [v for v in theirs.latencies_ms if not math.isinf(v)]
        if len(answered_only) < len(mine.latencies_ms) and answered_only and bare_answered:
            row(
                "… answered presses only: p50 / p99",
                f"{ms(percentile(answered_only, 50))} / {ms(percentile(answered_only, 99))}",
                f"{ms(percentile(bare_answered, 50))} / {ms(percentile(bare_answered, 99))}",
            )
        row("… answered", answered(mine), answered(theirs))
        row("… receipts / refusals / lost", outcome(mine), outcome(theirs))

    row(
        f"closed loop: {run.presses:,} presses, {run.concurrency} in flight",
        closed(oc),
        closed(bc),
        ratio(oc.rate(), bc.rate()),
    )
    row(
        "… end to end, counting the final tally edit",
        f"{oc.rate(with_flush=True):,.1f} {unit}",
        "—",
        ratio(oc.rate(with_flush=True), bc.rate()),
    )
    row(
        "… wall time per press",
        f"{1000 * oc.elapsed / max(1, oc.fed):.2f} ms",
        f"{1000 * bc.elapsed / max(1, bc.fed):.2f} ms",
    )
    row("… receipts / refusals / lost", outcome(oc), outcome(bc))
    open_rows(oo, bo, run.rate, run.seconds, "open loop")
    open_rows(ov, bv, run.overload_rate, run.overload_seconds, "overload")
    phases = ours.phases
    row(
        "presses answered, all phases",
        f"{sum(p.answered for p in phases):,} of {sum(p.fed for p in phases):,}",
        f"{sum(p.answered for p in bare.phases):,} of {sum(p.fed for p in bare.phases):,}",
    )
    row(
        f"… with the vote receipt (“{SAVED_PREFIX} …”, sent after the commit) / the refusal "
        f"(“{REFUSED_PREFIX} …”)",
        f"{sum(p.saved for p in phases):,} / {sum(p.refused for p in phases):,}",
        "—",
    )
    row(
        f"… errors: “{FAILED_PREFIX}…” replies / answers neither receipt nor refusal",
        f"{sum(p.failures for p in phases)} / "
        f"{sum(p.answered - p.saved - p.refused for p in phases)}",
        "—",
    )


def tally_row(row: Row, ours: Side, edit: str) -> None:
    """The tally edits of the phases, timed, and whether they show what the database holds."""
    phases = ours.phases
    flushes = [p.flush for p in phases if p.flush is not None]
    matches = all(p.tally_matches for p in phases)
    failed = [p.flush_error for p in phases if p.flush_error]
    row(
        "tally edits: during the phases / at the end of each phase's window",
        f"{sum(p.edits for p in phases)} / {len(flushes)}, tick + {edit} "
        f"{max(flushes, default=0.0) * 1000:.0f} ms at most; counts "
        f"{'match the DB' if matches else 'DO NOT match the DB'}"
        + (f"; tick failed: {', '.join(failed)}" if failed else ""),
        "—",
    )


# Closed-loop throughput, Cohorte / bare, that the project aims at, by database.
THROUGHPUT_TARGETS = {"PostgreSQL": 0.5, "SQLite": 0.4}
P99_TARGET_MS = 100.0


def target_lines(label: str, run: Run, ours: Side, bare: Side, unit: str) -> list[str]:
    """The targets, met or not: throughput ratio, p99 at the open-loop rate, none lost."""
    bare_rate = bare.closed.rate()
    throughput = ours.closed.rate() / bare_rate if bare_rate else 0.0
    p99 = percentile(ours.open.latencies_ms, 99)
    overload = ours.overload
    goal = THROUGHPUT_TARGETS[label]
    others = ", ".join(
        f"{value:g} × on {name}" for name, value in THROUGHPUT_TARGETS.items() if name != label
    )
    return [
        f"- Target, closed loop ≥ {goal:g} × bare on {label} ({others}): "
        f"{'met' if throughput >= goal else 'NOT met'} ({throughput:.2f} ×).",
        f"- Target, p99 < {P99_TARGET_MS:g} ms at {run.rate:g} {unit}: "
        f"{'met' if p99 < P99_TARGET_MS else 'NOT met'} ({ms(p99)}).",
        f"- Target, 0 lost at {run.overload_rate:g} {unit} (each press answered with the "
        f"receipt or the refusal): {'met' if overload.lost == 0 else 'NOT met'} "
        f"({overload.lost:,} lost, {overload.refused:,} refused).",
    ]


def figures(benchmark: str, label: str, run: Run, ours: Side, bare: Side) -> dict[str, Any]:
    """The figures of the JSON line (latencies in ms; null: more than 1 % never answered)."""
    oc, oo, ov = ours.phases
    bc, bo, bv = bare.phases
    bare_rate = bc.rate()
    found = {
        "benchmark": benchmark,
        "database": label.lower(),
        "ratio": number(oc.rate() / bare_rate if bare_rate else math.nan, 2),
        "ratio_end_to_end": number(
            oc.rate(with_flush=True) / bare_rate if bare_rate else math.nan, 2
        ),
        "cohorte_per_s": number(oc.rate()),
        "bare_per_s": number(bare_rate),
        "lost_closed": oc.lost,
        "rate": run.rate,
        "p50_ms_at_50": number(percentile(oo.latencies_ms, 50)),
        "p99_ms_at_50": number(percentile(oo.latencies_ms, 99)),
        "bare_p99_ms_at_50": number(percentile(bo.latencies_ms, 99)),
        "lost_at_50": oo.lost,
        "refused_at_50": oo.refused,
        "overload_rate": run.overload_rate,
        "offered_at_100": ov.offered,
        "receipts_at_100": ov.saved,
        "refused_at_100": ov.refused,
        "lost_at_100": ov.lost,
        "p50_ms_at_100": number(percentile(ov.latencies_ms, 50)),
        "p99_ms_at_100": number(percentile(ov.latencies_ms, 99)),
        "bare_p99_ms_at_100": number(percentile(bv.latencies_ms, 99)),
        "bare_lost_at_100": bv.lost,
        "failures": sum(p.failures for p in ours.phases),
        "tally_matches": all(p.tally_matches for p in ours.phases),
    }
    if run.kind == "vote":
        return found
    # RSVP presses: the same figures, named for them (`rsvp_p99_ms_at_50`).
    kept = ("benchmark", "database")
    return {key if key in kept else f"{run.kind}_{key}": value for key, value in found.items()}


class RepeatedLogs(logging.Filter):
    """Lets the first few log records of each kind through, and counts the rest.

    Under overload the core logs one warning per refused press: thousands of
    identical lines would bury the table.
    """

    def __init__(self, keep: int = 3) -> None:
        super().__init__()
        self.keep = keep
        self.seen: Counter[tuple[str, int, str]] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        self.seen[key] += 1
        return self.seen[key] <= self.keep

    def summary(self) -> list[str]:
        return [
            f"({n - self.keep:,} more {logging.getLevelName(level)} {name}: {msg[:80]!r})"
            for (name, level, msg), n in self.seen.items()
            if n > self.keep
        ]


def quiet_logging() -> RepeatedLogs:
    """Warnings and worse to stderr, each kind of message at most a few times."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    repeats = RepeatedLogs()
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeats)
    return repeats
