"""`cohorte db backup` while a real `cohorte run` records vote presses, then `db restore`.

The presses come through the Telegram webhook of a real process (the rig of
`test_presses.py`); meanwhile copies are taken, by `cohorte db backup` in a
process of its own and by the same function in this one, a few tenths of a
second apart. Each vote is written in one transaction with the id of the
update that carried it, so a consistent copy holds, for every (member, slot),
exactly the choice of the last press whose id it recorded, and nothing else.
Every copy must pass `integrity_check`, hold that, and come back whole from
`cohorte db restore` into a fresh location.
"""

from __future__ import annotations

import asyncio
import copy as shallow
import time
from pathlib import Path

import pytest

from cohorte.storage.backups import backup_sqlite, inspect_copy, restore_sqlite
from tests.faults.harness import HARD_TIMEOUT, Database, run_cli
from tests.faults.test_presses import (
    PressRig,
    all_presses,
    build_chains,
    expected_votes,
    one_process_presses,
    press_rig,
)

pytestmark = pytest.mark.faults

COPIES = 10
COPY_EVERY = 0.25  # seconds
# Copies put back by `cohorte db restore` (a process each, a couple of seconds): every
# RESTORE_EVERY-th one and the one `cohorte db backup` made; the others in this process.
RESTORE_EVERY = 4


def _database(path: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{path}", "sqlite", path=path)


async def _snapshot(r: PressRig, path: Path) -> tuple[dict[tuple[int, int], str], set[str]]:
    """The votes and the recorded update ids of a copy (read as the rig reads the live one)."""
    other = shallow.copy(r)
    other.database = _database(path)
    presses = all_presses(build_chains(r.seeded))
    return await other.votes(), await other.recorded(presses)


async def test_copies_taken_while_votes_are_written_are_consistent_and_restore(
    sqlite_db: Database, workdir: Path
) -> None:
    assert sqlite_db.path is not None
    source = sqlite_db.path
    copies: list[Path] = []
    cli_copy = workdir / "copia-cli.db"
    cli_result: list[tuple[int, str]] = []
    async with asyncio.timeout(HARD_TIMEOUT), press_rig(workdir, sqlite_db) as r:
        [bot] = await r.start("bot1")

        async def take_copies() -> None:
            cli = asyncio.create_task(run_cli(sqlite_db.url, "db", "backup", str(cli_copy)))
            for n in range(COPIES):
                path = workdir / f"copia-{n:02d}.db"
                await asyncio.to_thread(backup_sqlite, source, path)
                copies.append(path)
                await asyncio.sleep(COPY_EVERY)
            cli_result.append(await cli)

        started = time.monotonic()
        verdict = await one_process_presses(r, bot, "backups/sqlite", during=take_copies)
        r.notes.append(f"presses and copies took {time.monotonic() - started:.1f} s")
        code, output = cli_result[0]
        if code != 0:
            verdict.problems.append(f"cohorte db backup failed ({code}): {output}")
        else:
            copies.append(cli_copy)
        live = inspect_copy(source).counts
        total = len(await r.recorded(verdict.presses))
        mid_flow = 0
        for n, path in enumerate(copies):
            facts = inspect_copy(path)  # raises unless SQLite, integrity_check ok, a revision
            fresh = workdir / f"restaurada-{path.stem}" / "cohorte.db"
            fresh.parent.mkdir()
            if path == cli_copy or n % RESTORE_EVERY == 0:
                code, output = await run_cli(_database(fresh).url, "db", "restore", str(path))
                if code != 0:
                    verdict.problems.append(f"restoring {path.name} failed: {output}")
                    continue
            else:
                restore_sqlite(path, fresh, fresh.with_name("aparte.db"))
            restored = inspect_copy(fresh)
            votes, recorded = await _snapshot(r, path)
            again = await _snapshot(r, fresh)
            presses = [p for p in verdict.presses if p.event_id in recorded]
            # Each member's presses are sequential: their order is their step.
            expected = expected_votes({p: 0.0 for p in presses})
            if votes != expected:
                wrong = sorted(
                    k for k in set(votes) | set(expected) if votes.get(k) != expected.get(k)
                )
                verdict.problems.append(
                    f"{path.name}: {len(wrong)} votes disagree with the updates it recorded "
                    f"(a torn copy), e.g. {wrong[:5]}"
                )
            if again != (votes, recorded) or restored.counts != facts.counts:
                verdict.problems.append(f"{path.name}: the restored database differs from it")
            static = {k: v for k, v in facts.counts.items() if k not in ("vote", "delivery")}
            if static != {k: v for k, v in live.items() if k not in ("vote", "delivery")}:
                verdict.problems.append(f"{path.name}: cohorts or reports differ: {facts.counts}")
            if 0 < len(recorded) < total:
                mid_flow += 1
            r.notes.append(f"{path.name}: {len(recorded)} presses recorded, {len(votes)} votes")
        if not mid_flow:
            verdict.problems.append("no copy was taken while the presses were being recorded")
        r.notes.append(f"{mid_flow} of {len(copies)} copies taken mid-flow; {total} presses in all")
        verdict.notes = [*verdict.notes, *r.notes[-len(copies) - 2 :]]
        verdict.conclude(
            tracebacks=r.tracebacks(), failure_messages=await r.failure_messages(), logs=r.logs()
        )
