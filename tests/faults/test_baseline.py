"""No faults: one `cohorte run` process on SQLite, every reminder on time, once, in order.

The smoke test of the harness. PostgreSQL without faults is the two-process test in
`test_postgres.py`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.harness import HARD_TIMEOUT, Database, assert_guarantees, rig

pytestmark = pytest.mark.faults

RECIPIENTS = 100


async def test_every_reminder_once_on_time_without_faults(
    sqlite_db: Database, workdir: Path
) -> None:
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(workdir, sqlite_db, RECIPIENTS, label="baseline/sqlite") as r,
    ):
        await r.start()
        await r.settle()
        report = await r.report()
    # A run without faults leaves nothing ambiguous and logs no traceback.
    assert_guarantees(report, ambiguous_allowance=0, max_tracebacks=0)
