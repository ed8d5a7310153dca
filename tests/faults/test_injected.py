"""Telegram misbehaves: random 429s, 500s, 502s and hung requests (seeded, repeatable).

A hung request IS delivered (the fake accepts it) but its answer comes after
the client's 5 s timeout: the bot cannot know, so the database may call it
`ambiguous` (never resent blindly). Everything that certainly failed (429,
5xx) must be retried, within the limits, and still arrive on time and once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench._fake_bot_api import DEFAULT_FAULTS
from tests.faults.harness import HARD_TIMEOUT, Database, assert_guarantees, rig

pytestmark = pytest.mark.faults

RECIPIENTS = 120
SEED = 7  # the run is repeatable: the same sequence of faults for the same request order


async def test_429_5xx_and_hangs(any_db: Database, workdir: Path) -> None:
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(
            workdir,
            any_db,
            RECIPIENTS,
            label=f"faults/{any_db.kind}",
            faults=DEFAULT_FAULTS,
            seed=SEED,
        ) as r,
    ):
        await r.start()
        await r.settle()
        report = await r.report()
    injected = report.stats["injected"]
    # One hung request is one message in flight: at most one ambiguous row each.
    assert_guarantees(
        report,
        ambiguous_allowance=injected.get("hang", 0),
        extra=[] if injected else ["no fault was injected: the test proved nothing"],
    )
