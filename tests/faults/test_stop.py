"""SIGTERM in the middle of a fan-out, against a slow Bot API, then a restart.

The stop must take no new work, let the messages already leaving finish
(`COHORTE_STOP_SECONDS`), record every outcome and exit 0, leaving no row
`claimed` or `sending`: a row that never left is pending again, one whose
answer had not come when the grace was over is ambiguous. The restarted
process then sends the rest: nothing lost, nothing twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from bench._fake_bot_api import FaultRates
from tests.faults.harness import (
    HARD_TIMEOUT,
    Database,
    Rig,
    assert_guarantees,
    rig,
    watched_rows,
)

pytestmark = pytest.mark.faults

RECIPIENTS = 150  # 2 x 151 messages
STOP_AFTER = 60  # requests of the first fan-out: about 2 s into it, in full flow
# The process must be gone this long after SIGTERM at the latest: the grace, the records,
# closing the platforms, on a busy machine.
EXIT_MARGIN = 15.0
# After SIGTERM only messages that had passed their gate may still reach the API: at once,
# give or take the busy machine's scheduling.
LEAVING_WITHIN = 1.5


async def _states(database: Database) -> Counter[str]:
    """Every outbox row's state (all kinds, all events), counted."""
    engine = database.engine()
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT state, count(*) FROM delivery GROUP BY state"))
            return Counter({str(state): int(n) for state, n in result.all()})
    finally:
        await engine.dispose()


async def _stop_in_the_middle(r: Rig, grace: float) -> tuple[int | None, float, float]:
    """Start, wait for the fan-out to be in full flow, SIGTERM: (exit code, when the
    signal went, seconds until the exit)."""
    [bot] = await r.start()
    await r.wait_due(0)
    assert await r.wait_requests(STOP_AFTER), "the fan-out never got going"
    signalled = time.monotonic()
    code = await bot.terminate(grace + EXIT_MARGIN)
    took = time.monotonic() - signalled
    r.notes.append(f"SIGTERM after {STOP_AFTER} requests: exit code {code} after {took:.1f} s")
    return code, signalled, took


async def _check_settled(r: Rig) -> Counter[str]:
    states = await _states(r.database)
    watched = Counter(
        row.state for rows in (await watched_rows(r.database, r.scenario)).values() for row in rows
    )
    r.notes.append(f"after the stop: every row {dict(states)}; watched {dict(watched)}")
    return watched


async def test_sigterm_lets_sends_finish_and_loses_nothing(
    any_db: Database, workdir: Path
) -> None:
    """Answers take 1.5 s; the default 10 s grace lets every message that left finish."""
    slow = FaultRates(pslow=1.0, slow_seconds=1.5)
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(workdir, any_db, RECIPIENTS, label=f"sigterm/{any_db.kind}", faults=slow) as r,
    ):
        code, _, took = await _stop_in_the_middle(r, grace=10.0)
        states = await _states(any_db)
        watched = await _check_settled(r)
        before_restart = await r.requests()
        await r.restart(r.bots[0])
        await r.settle()
        report = await r.report()
    extra = []
    if code != 0:
        extra.append(f"exit code {code} after SIGTERM (expected 0)")
    if states["claimed"] or states["sending"]:
        extra.append(f"rows left held after the stop: {dict(states)}")
    if not watched["pending"]:
        extra.append("the stop came after the fan-out: nothing was left for the restart")
    if took > 10.0 + EXIT_MARGIN:
        extra.append(f"the stop took {took:.1f} s")
    r.notes.append(f"{before_restart} requests before the restart")
    assert_guarantees(report, ambiguous_allowance=0, extra=extra, max_tracebacks=0)


async def test_sigterm_with_a_short_grace_records_what_is_unanswered_as_ambiguous(
    sqlite_db: Database, workdir: Path
) -> None:
    """Answers take 3 s, the grace is 1 s: the messages still out when it ends are
    recorded ambiguous (at most what was in flight then), never resent; the rest is sent
    after the restart, once."""
    grace, answer = 1.0, 3.0
    slow = FaultRates(pslow=1.0, slow_seconds=answer)
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(
            workdir,
            sqlite_db,
            RECIPIENTS,
            label="sigterm/short grace",
            faults=slow,
            env={"COHORTE_STOP_SECONDS": str(grace)},
        ) as r,
    ):
        code, signalled, _ = await _stop_in_the_middle(r, grace)
        states = await _states(sqlite_db)
        watched = await _check_settled(r)
        calls = await r.fake.calls(method="sendMessage")
        after = sorted(float(c["at"]) - signalled for c in calls if float(c["at"]) > signalled)
        r.notes.append(f"requests after SIGTERM (s): {[round(a, 2) for a in after]}")
        await r.restart(r.bots[0])
        await r.settle()
        report = await r.report()
    # In flight when the grace ended: requests that arrived less than `answer` seconds
    # before it (and after the signal, nothing new may leave), with half a second of slack.
    deadline = signalled + grace
    in_flight = sum(1 for c in calls if deadline - answer - 0.5 < float(c["at"]) <= deadline + 0.5)
    r.notes.append(f"in flight at the end of the grace: {in_flight}")
    extra = []
    if code != 0:
        extra.append(f"exit code {code} after SIGTERM (expected 0)")
    if states["claimed"] or states["sending"]:
        extra.append(f"rows left held after the stop: {dict(states)}")
    if not watched["ambiguous"]:
        extra.append("no message was out when the grace ended: the test missed its point")
    # Only messages whose gate was open when the signal came may still leave, right then.
    if [a for a in after if a > LEAVING_WITHIN]:
        extra.append(f"requests left more than {LEAVING_WITHIN} s after SIGTERM: {after}")
    if report.ambiguous_lost:
        extra.append(f"ambiguous rows the fake never received: {report.ambiguous_lost[:5]}")
    assert_guarantees(report, ambiguous_allowance=in_flight, extra=extra, max_tracebacks=0)
