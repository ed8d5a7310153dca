"""Benchmark: planning and delivering reminders for many cohorts.

    .venv/bin/python bench/reminders.py                       # SQLite, 1,000 cohorts
    .venv/bin/python bench/reminders.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/reminders.py --cohorts 100 --deliver 5000

Builds N cohorts × 40 members (4 city teams of 10, in 4 zones) with a weekly
session, 4 Masterclasses, a Showtime and biweekly check-ins per team, then
measures: one planning tick in the middle of the sprint (what the scheduler
does every 30 s), planning every reminder of the whole sprint (one tick per
day for 12 weeks), and claiming + rendering + sending deliveries to a no-op
messenger. Prints a Markdown table. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time as clock_time
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cohorte.bot.bootstrap import known_platforms
from cohorte.handlers import agenda
from cohorte.handlers.agenda.reminders import plan_reminders
from cohorte.handlers.core.delivery import Capabilities, DeliveryService
from cohorte.handlers.core.messages import Reply
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.engine import DeliveryEngine
from cohorte.scheduling.outbox import Gate, SendOutcome, open_gate, sending_each
from cohorte.storage import tables  # noqa: F401
from cohorte.storage.db import create_engine, session_factory, transaction
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
from cohorte.storage.outbox import Delivery
from cohorte.storage.series import Series, SeriesKind

START = date(2025, 4, 21)
ZONES = ["America/Bogota", "America/Mexico_City", "America/Santiago", "America/Lima"]
CREATED = datetime(2025, 4, 1, tzinfo=UTC)


class NoOpMessenger:
    platform = Platform.CONSOLE

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        await gate()
        return SendOutcome.SENT


async def build(url: str, cohorts: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        next_person = 1
        for c in range(1, cohorts + 1):
            await conn.execute(
                insert(Cohort).values(
                    id=c,
                    name=f"Cohorte {c}",
                    home_zone="America/Bogota",
                    locale="es",
                    start_date=START,
                    weeks=12,
                    invite_code=f"B{c:06d}",
                    meeting_url="https://meet.example.org/x",
                    reminder_leads="{}",
                    checkin_questions="[]",
                    nudge_after_days=10,
                    created_at=CREATED,
                )
            )
            await conn.execute(
                insert(ChatLink).values(
                    cohort_id=c, platform=Platform.CONSOLE.value, chat_id=f"sala-{c}"
                )
            )
            teams = [
                {
                    "id": (c - 1) * 4 + t + 1,
                    "cohort_id": c,
                    "name": f"Equipo {t}",
                    "city": "X",
                    "country_code": "CO",
                    "zone": ZONES[t],
                    "checkin_weekday": 3,
                    "checkin_time": time(10, 0),
                }
                for t in range(4)
            ]
            await conn.execute(insert(Team), teams)
            people = [
                {"id": next_person + i, "display_name": f"P{c}-{i}", "created_at": CREATED}
                for i in range(40)
            ]
            await conn.execute(insert(Person), people)
            await conn.execute(
                insert(Identity),
                [
                    {
                        "person_id": p["id"],
                        "platform": Platform.CONSOLE.value,
                        "external_id": f"u{p['id']}",
                        "dm_open": True,
                    }
                    for p in people
                ],
            )
            await conn.execute(
                insert(Member),
                [
                    {
                        "cohort_id": c,
                        "person_id": p["id"],
                        "team_id": teams[i // 10]["id"],
                        "role": (Role.COORDINATOR if i == 0 else Role.PARTICIPANT).value,
                        "dm_reminders": True,
                        "joined_at": CREATED,
                    }
                    for i, p in enumerate(people)
                ],
            )
            next_person += 40
            await conn.execute(
                insert(Series).values(
                    cohort_id=c,
                    kind=SeriesKind.SESSION.value,
                    title="",
                    weekday=1,
                    local_time=time(10, 0),
                    zone="America/Bogota",
                    interval_weeks=1,
                    first_date=START + timedelta(days=1),
                    last_date=START + timedelta(weeks=12),
                    duration_minutes=60,
                    created_at=CREATED,
                )
            )
            await conn.execute(
                insert(Event),
                [
                    {
                        "cohort_id": c,
                        "kind": EventKind.MASTERCLASS.value,
                        "title": f"M{m}",
                        "starts_at": datetime.combine(
                            START + timedelta(weeks=3 * m, days=2), time(15, 0), UTC
                        ),
                        "duration_minutes": 60,
                    }
                    for m in range(4)
                ]
                + [
                    {
                        "cohort_id": c,
                        "kind": EventKind.SHOWTIME.value,
                        "title": "Showtime",
                        "starts_at": datetime.combine(
                            START + timedelta(weeks=11, days=2), time(15, 0), UTC
                        ),
                        "duration_minutes": 90,
                    }
                ],
            )
    await engine.dispose()


async def count_deliveries(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(Delivery))).scalar_one()
    await engine.dispose()
    return int(n)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(
    url: str, cohorts: int, deliver: int, whole_sprint: bool, numbers: dict[str, object]
) -> list[tuple[str, str]]:
    figures: list[tuple[str, str]] = []
    t0 = clock_time.perf_counter()
    await build(url, cohorts)
    figures.append(("build cohorts", f"{clock_time.perf_counter() - t0:.1f} s"))

    engine = create_engine(url)
    sessions = session_factory(engine)
    mid = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # week 7

    rss_before = _peak_rss_mib()
    t0 = clock_time.perf_counter()
    async with transaction(sessions) as session:
        await plan_reminders(session, mid)
    one_tick = clock_time.perf_counter() - t0
    planned_tick = await count_deliveries(url)
    numbers["first_tick_s"] = round(one_tick, 2)
    numbers["first_tick_rows"] = planned_tick
    figures.append(
        (
            "one planning tick (8-day horizon)",
            f"{one_tick:.2f} s, {planned_tick:,} rows, {planned_tick / one_tick:,.0f} rows/s",
        )
    )
    figures.append(
        (
            "peak memory (process, after the first tick)",
            f"{_peak_rss_mib():.0f} MiB (was {rss_before:.0f} MiB before planning)",
        )
    )

    # A second tick finds everything planned already (the steady state every 30 s).
    t0 = clock_time.perf_counter()
    async with transaction(sessions) as session:
        await plan_reminders(session, mid + timedelta(seconds=30))
    steady = clock_time.perf_counter() - t0
    numbers["steady_tick_s"] = round(steady, 3)
    figures.append(("next tick, nothing new", f"{steady:.2f} s"))

    if whole_sprint:
        t0 = clock_time.perf_counter()
        day = datetime(2025, 4, 14, 12, 0, tzinfo=UTC)
        while day < datetime(2025, 7, 14, tzinfo=UTC):
            async with transaction(sessions) as session:
                await plan_reminders(session, day)
            day += timedelta(days=1)
        whole = clock_time.perf_counter() - t0
        total = await count_deliveries(url)
        figures.append(
            ("whole sprint, one tick per day (91 ticks)", f"{whole:.1f} s, {total:,} rows in all")
        )
        figures.append(("peak memory after the whole sprint", f"{_peak_rss_mib():.0f} MiB"))

    capabilities = Capabilities()
    agenda.register_capabilities(capabilities)
    send_clock = ManualClock(datetime(2025, 7, 1, tzinfo=UTC))
    service = DeliveryService(
        sessions, send_clock, capabilities, {Platform.CONSOLE: NoOpMessenger()}, known_platforms()
    )
    # Make a fixed number of rows due now, all still useful (the event is in the future).
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE delivery SET due_at = :due, expires_at = :exp, state = 'dropped' "),
            {
                "due": send_clock.now() - timedelta(minutes=1),
                "exp": send_clock.now() + timedelta(days=400),
            },
        )
        ids = (
            (
                await conn.execute(
                    select(Delivery.id)
                    .where(Delivery.kind == "reminder")
                    .order_by(Delivery.id)
                    .limit(deliver)
                )
            )
            .scalars()
            .all()
        )
        await conn.execute(
            text(
                "UPDATE delivery SET state = 'pending' WHERE id IN (SELECT id FROM delivery "
                "WHERE kind = 'reminder' ORDER BY id LIMIT :n)"
            ),
            {"n": deliver},
        )
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:  # as autovacuum would after such an update
            await conn.execute(text("ANALYZE"))
    # Reminders whose session moved or passed render as 'skipped'; count what was sent.
    worker = DeliveryEngine(sessions, send_clock, service.prepare, "bench")
    t0 = clock_time.perf_counter()
    report = await worker.drain()
    elapsed = clock_time.perf_counter() - t0
    handled = report.sent + report.dropped
    numbers["render_send_ms"] = round(1000 * elapsed / max(1, handled), 3)
    figures.append(
        (
            "claim + render + send to a no-op messenger",
            f"{len(ids):,} deliveries in {elapsed:.1f} s = {handled / elapsed:,.0f}/s, "
            f"{1000 * elapsed / max(1, handled):.2f} ms each "
            f"(sent {report.sent:,}, skipped {report.dropped:,})",
        )
    )

    async def noop(delivery: Delivery) -> SendOutcome:
        return SendOutcome.SENT

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE delivery SET state = 'pending' WHERE id IN (SELECT id FROM "
                "delivery WHERE kind = 'reminder' ORDER BY id LIMIT :n)"
            ),
            {"n": deliver},
        )
    numbers["peak_rss_mib"] = round(_peak_rss_mib())
    bare = DeliveryEngine(sessions, send_clock, sending_each(noop), "bench-bare")
    t0 = clock_time.perf_counter()
    report = await bare.drain()
    elapsed = clock_time.perf_counter() - t0
    numbers["worker_ms"] = round(1000 * elapsed / max(1, report.sent), 3)
    figures.append(
        (
            "worker alone (claim + record, no rendering)",
            f"{report.sent:,} in {elapsed:.1f} s = "
            f"{1000 * elapsed / max(1, report.sent):.2f} ms each",
        )
    )
    await engine.dispose()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL server URL (a throw-away database is made)")
    parser.add_argument("--cohorts", type=int, default=1000)
    parser.add_argument("--deliver", type=int, default=20000)
    parser.add_argument(
        "--whole-sprint",
        action="store_true",
        help="also plan every reminder of the sprint, one tick per day",
    )
    args = parser.parse_args()
    numbers: dict[str, object] = {"cohorts": args.cohorts, "deliveries": args.deliver}
    if args.database:
        server = make_url(create_engine(args.database).url)
        name = f"cohorte_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            figures = await measure(url, args.cohorts, args.deliver, args.whole_sprint, numbers)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
        label = "PostgreSQL"
    else:
        with tempfile.TemporaryDirectory() as folder:
            figures = await measure(
                f"sqlite+aiosqlite:///{folder}/bench.db",
                args.cohorts,
                args.deliver,
                args.whole_sprint,
                numbers,
            )
        label = "SQLite"
    print(f"\n### Reminders benchmark — {label}, {args.cohorts:,} cohorts × 40 members\n")
    print("| measure | result |\n| --- | --- |")
    for name, value in figures:
        print(f"| {name} | {value} |")
    print(json.dumps({"database": label.lower(), **numbers}))


if __name__ == "__main__":
    asyncio.run(main())
