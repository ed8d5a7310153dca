"""`cohorte db upgrade` and `cohorte db restore` against a database a real `cohorte run` uses.

SQLite: the bot holds the lock file beside the database; PostgreSQL: it holds
the "in use" advisory lock shared. Either way an upgrade (or a restore) is
refused in Spanish with a non-zero exit while the bot runs; with `--esperar`
it waits, and goes ahead once the bot has stopped (SIGTERM).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.harness import HARD_TIMEOUT, Database, rig, run_cli, start_cli

pytestmark = pytest.mark.faults


async def test_upgrade_is_refused_while_a_bot_runs_then_waits_for_its_stop(
    any_db: Database, workdir: Path
) -> None:
    async with (
        asyncio.timeout(HARD_TIMEOUT),
        rig(workdir, any_db, 2, label=f"upgrade/{any_db.kind}") as r,
    ):
        [bot] = await r.start()
        code, output = await run_cli(any_db.url, "db", "upgrade", cwd=workdir)
        assert code == 1, output
        assert "detén" in output and "antes de actualizar" in output, output
        assert "Traceback" not in output
        if any_db.kind == "sqlite":
            copy = workdir / "copia.db"
            made, said = await run_cli(any_db.url, "db", "backup", str(copy), cwd=workdir)
            assert made == 0, said  # a copy is fine while the bot runs ...
            code, output = await run_cli(any_db.url, "db", "restore", str(copy), cwd=workdir)
            assert code == 1 and "antes de restaurar" in output, output  # ... a restore is not
        # Waiting: the upgrade says so, and goes ahead as soon as the bot is gone.
        log = workdir / "upgrade.out"
        with log.open("wb") as out:
            waiting = await start_cli(
                any_db.url, "db", "upgrade", "--esperar", "60", output=out, cwd=workdir
            )
            while "espero hasta 60 s" not in log.read_text("utf-8"):
                assert waiting.returncode is None, log.read_text("utf-8")
                await asyncio.sleep(0.1)
            assert await bot.terminate(30.0) == 0
            code = await asyncio.wait_for(waiting.wait(), 30.0)
        output = log.read_text("utf-8")
        assert code == 0, output
        assert "Base de datos en la revisión" in output, output
        # And the bot starts again afterwards.
        await r.restart(bot)
