"""SQLite: another process holds the database file locked past the bot's busy timeout.

The test itself is that other process: `BEGIN EXCLUSIVE` for 12 s during the
fan-out (the bot's busy timeout is 5 s), then release. No write of the bot
can succeed meanwhile; when the lock goes, every reminder must still arrive
once and on time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.harness import (
    HARD_TIMEOUT,
    IN_FLIGHT_PER_FAULT,
    Database,
    assert_guarantees,
    hold_sqlite_lock,
    rig,
)

pytestmark = pytest.mark.faults

RECIPIENTS = 120
LOCK_AFTER = 30  # requests: about 1 s into the first fan-out
LOCK_SECONDS = 12.0  # more than twice the busy timeout (5 s)


async def test_database_locked_past_the_busy_timeout(sqlite_db: Database, workdir: Path) -> None:
    assert sqlite_db.path is not None
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(workdir, sqlite_db, RECIPIENTS, label="sqlite-lock") as r,
    ):
        await r.start()
        await r.wait_due(0)
        held = 0.0
        if await r.wait_requests(LOCK_AFTER):
            before = await r.requests()
            held = await hold_sqlite_lock(sqlite_db.path, LOCK_SECONDS)
            during = await r.requests() - before
            r.notes.append(f"file locked for {held:.1f} s; {during} requests meanwhile")
        await r.settle()
        report = await r.report()
    # The lock loses no request in flight; what was being recorded when it came may at worst
    # be left ambiguous.
    assert_guarantees(
        report,
        ambiguous_allowance=IN_FLIGHT_PER_FAULT,
        extra=[] if held else [f"the fan-out never reached {LOCK_AFTER} requests: no lock"],
    )
