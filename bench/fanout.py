"""Benchmark: a reminder fan-out through real `cohorte run` processes, within Telegram's limits.

    .venv/bin/python bench/fanout.py                                  # SQLite, 300 recipients
    .venv/bin/python bench/fanout.py --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/fanout.py --database postgresql://... --processes 3 --recipients 500
    .venv/bin/python bench/fanout.py --keep     # keep the databases and the bots' logs

Seeds one cohort of N members who want private reminders on Telegram plus one
linked group, with two Masterclasses 10 s apart, and starts `--processes`
`cohorte run --reloj ...` processes (one on SQLite) whose rehearsal clock
reaches the first 24-hour reminder 5 s later: 2 × (N + 1) messages. The fake
Bot API (`bench/_fake_bot_api.py`) runs in another process and enforces
Telegram's limits with real 429s (30/s overall, 20/min per group, 3 per 3 s
per chat). Two phases, each on a fresh database and a fresh fake:

1. without faults;
2. with faults injected into sendMessage (seeded): 5 % 429 (retry after 1 s),
   3 % 500, 3 % 502, 1 % hangs (delivered, answered after 8 s, longer than
   the client's 5 s timeout).

Each phase ends when every reminder's outbox row is final and the fake has been
quiet for 2 s (or 90 s after the last one was due). Figures, per phase:

* `fanout_ratio`: reminder requests the fake received per second, from the
  first to the last reminder request, ÷ the enforced limit (30/s);
* `delivered_ratio` / `delivered_per_s`: the same for accepted messages;
* `duplicates` (same chat, same reminder accepted twice), `ambiguous` (rows
  the database calls ambiguous), `lost` (never accepted and not ambiguous);
* `max_requests_in_1s` (sliding window), lateness (first acceptance − due
  time; our due instants are the earliest the bots' clocks can show them).

Prints a Markdown table and, as its last line, one JSON object: plain keys are
the phase without faults, `_faults` keys the phase with faults; `duplicates`,
`ambiguous` and `lost` are totals over both phases (per phase too, suffixed).
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._fake_bot_api import DEFAULT_FAULTS, FaultRates
from tests.faults.harness import (
    MAX_PER_SECOND,
    Database,
    Report,
    postgres_database,
    rig,
    sqlite_database,
)

# However slow the product, a phase stops: the last reminder is due ~15 s after the start,
# then up to 90 s of lateness, then start-up and shutdown.
PHASE_TIMEOUT = 300.0


@contextlib.asynccontextmanager
async def database_for(url: str | None, folder: Path) -> AsyncIterator[Database]:
    if url is None:
        async with sqlite_database(folder) as database:
            yield database
    else:
        async with postgres_database(url) as database:
            yield database


async def run_phase(
    url: str | None,
    recipients: int,
    processes: int,
    faults: FaultRates | None,
    seed: int,
    label: str,
    keep: bool,
) -> tuple[Report, float]:
    folder = Path(tempfile.mkdtemp(prefix="cohorte-fanout-"))
    try:
        started = time.monotonic()
        async with (
            asyncio.timeout(PHASE_TIMEOUT),
            database_for(url, folder) as database,
            rig(folder, database, recipients, label=label, faults=faults, seed=seed) as r,
        ):
            await r.start(processes)
            await r.settle()
            report = await r.report()
        return report, time.monotonic() - started
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def figures_of(report: Report, elapsed: float) -> dict[str, Any]:
    figures = report.figures()
    return {
        "messages": figures["expected"],
        "requests": figures["requests"],
        "accepted": figures["accepted"],
        "fanout_s": figures["fanout_s"],
        "fanout_ratio": round(figures["requests_per_s"] / MAX_PER_SECOND, 3),
        "delivered_ratio": round(figures["accepted_per_s"] / MAX_PER_SECOND, 3),
        "requests_per_s": figures["requests_per_s"],
        "delivered_per_s": figures["accepted_per_s"],
        "duplicates": figures["duplicates"],
        "ambiguous": figures["ambiguous"],
        "ambiguous_lost": figures["ambiguous_lost"],
        "lost": figures["lost"],
        "stuck": figures["stuck"],
        "order_violations": figures["order_violations"],
        "max_requests_in_1s": figures["max_requests_in_1s"],
        "rate_limited_429": figures["rate_limited_429"],
        "p95_lateness_s": figures["p95_lateness_s"],
        "max_lateness_s": figures["max_lateness_s"],
        "tracebacks": figures["tracebacks"],
        "injected": figures["injected"],
        "phase_s": round(elapsed, 1),
    }


ROWS = [
    ("messages expected", "messages"),
    ("requests received by the fake", "requests"),
    ("accepted (delivered)", "accepted"),
    ("fan-out: first to last reminder request (s)", "fanout_s"),
    ("requests per second ÷ 30 (fanout_ratio)", "fanout_ratio"),
    ("delivered per second", "delivered_per_s"),
    ("delivered per second ÷ 30", "delivered_ratio"),
    ("most requests in any 1 s", "max_requests_in_1s"),
    ("429s given by the limits", "rate_limited_429"),
    ("duplicates", "duplicates"),
    ("ambiguous rows", "ambiguous"),
    ("ambiguous and never accepted", "ambiguous_lost"),
    ("lost (not ambiguous)", "lost"),
    ("rows not final at the end", "stuck"),
    ("chats with the later reminder first", "order_violations"),
    ("lateness p95 (s)", "p95_lateness_s"),
    ("lateness max (s)", "max_lateness_s"),
    ("tracebacks in the bots' stderr", "tracebacks"),
    ("faults injected", "injected"),
    ("phase duration (s)", "phase_s"),
]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", help="PostgreSQL server URL (a throw-away database is made per phase)"
    )
    parser.add_argument("--recipients", type=int, default=300)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20250505, help="seed of the faults")
    parser.add_argument(
        "--keep", action="store_true", help="keep each phase's database and the bots' logs"
    )
    args = parser.parse_args()
    if args.database is None and args.processes != 1:
        parser.error("SQLite allows one process per file: --processes needs --database")
    kind = "postgresql" if args.database else "sqlite"
    phases: dict[str, dict[str, Any]] = {}
    for name, faults in (("without faults", None), ("with faults", DEFAULT_FAULTS)):
        print(
            f"{name}: {args.recipients} recipients, {args.processes} process(es)…", file=sys.stderr
        )
        report, elapsed = await run_phase(
            args.database,
            args.recipients,
            args.processes,
            faults,
            args.seed,
            f"fanout/{name}",
            args.keep,
        )
        print(report.summary(), file=sys.stderr)
        phases[name] = figures_of(report, elapsed)
    plain, faulty = phases["without faults"], phases["with faults"]

    print(
        f"\n### Fan-out benchmark — {kind}, {args.processes} process(es), "
        f"{args.recipients} recipients × 2 reminders, limits enforced (30/s)\n"
    )
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs\n"
    )
    print("| measure | without faults | with faults |\n| --- | --- | --- |")
    for title, key in ROWS:
        print(f"| {title} | {plain[key]} | {faulty[key]} |")
    print()

    summary: dict[str, Any] = {
        "database": kind,
        "processes": args.processes,
        "recipients": args.recipients,
        "messages": plain["messages"],
        "fanout_ratio": plain["fanout_ratio"],
        "fanout_ratio_faults": faulty["fanout_ratio"],
        "delivered_ratio": plain["delivered_ratio"],
        "delivered_ratio_faults": faulty["delivered_ratio"],
        "delivered_per_s": plain["delivered_per_s"],
        "delivered_per_s_faults": faulty["delivered_per_s"],
        "duplicates": plain["duplicates"] + faulty["duplicates"],
        "ambiguous": plain["ambiguous"] + faulty["ambiguous"],
        "lost": plain["lost"] + faulty["lost"],
        "max_requests_in_1s": max(plain["max_requests_in_1s"], faulty["max_requests_in_1s"]),
        "p95_lateness_s": plain["p95_lateness_s"],
        "p95_lateness_s_faults": faulty["p95_lateness_s"],
        "max_lateness_s": plain["max_lateness_s"],
        "max_lateness_s_faults": faulty["max_lateness_s"],
    }
    for key in ("duplicates", "ambiguous", "lost", "stuck", "max_requests_in_1s"):
        summary[f"{key}_plain"] = plain[key]
        summary[f"{key}_faults"] = faulty[key]
    summary["injected_faults"] = faulty["injected"]
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
