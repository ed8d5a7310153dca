"""SQLite: `kill -9` the bot several times during the fan-out, restarting it each time.

The lock file beside the database is released by the kernel when the process
dies, so the restart on the same file is allowed. Each restart gets the
rehearsal clock where it would have been (`Timeline`): the cohort's time never
jumps back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.harness import (
    HARD_TIMEOUT,
    IN_FLIGHT_PER_FAULT,
    LATENESS_BOUND,
    Database,
    assert_guarantees,
    rig,
)

pytestmark = pytest.mark.faults

RECIPIENTS = 150  # 2 x 151 messages: about 10 s of sending at 30/s
KILLS = 4
# Requests after each (re)start before the next kill: at 30/s, 1.5 s into the sending,
# so that every kill hits a fan-out in full flow (4 x 45 < 302).
KILL_EVERY = 45
# A restarted bot that sends nothing for this long is not killed again: the verdict
# will show what it left undone.
RESUME_WITHIN = 30.0


async def test_kill_9_during_the_fanout_and_restart(sqlite_db: Database, workdir: Path) -> None:
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(workdir, sqlite_db, RECIPIENTS, label="kill-9/sqlite") as r,
    ):
        [bot] = await r.start()
        await r.wait_due(0)
        for kill in range(1, KILLS + 1):
            before = await r.requests()
            # The first fan-out may start late; after a restart sending should resume soon.
            within = LATENESS_BOUND if kill == 1 else RESUME_WITHIN
            if not await r.wait_requests(before + KILL_EVERY, within=within):
                r.notes.append(f"kill {kill}: fewer than {KILL_EVERY} new requests, skipped")
                break
            r.kill(bot)
            at = await r.requests()
            seconds = await r.restart(bot)
            r.notes.append(f"kill {kill} after {at} requests; running again after {seconds:.1f} s")
        await r.settle()
        report = await r.report()
    assert_guarantees(
        report,
        ambiguous_allowance=report.kills * IN_FLIGHT_PER_FAULT,
        extra=[] if report.kills == KILLS else [f"only {report.kills} of {KILLS} kills happened"],
    )
