"""PostgreSQL advisory locks: who may send, and who is using the database.

Two session-level locks, each on a connection of its own, so that the server
ends them the moment their holder goes (even by `kill -9`):

* the *sending role* (`cohorte.scheduling.roles`): one exclusive holder;
* *in use* (`RUNNING_LOCK`): every Cohorte process that opens the database
  holds it shared; `cohorte db upgrade` and `cohorte db restore` need it
  exclusive, so they cannot run while any process uses the database (and no
  process starts while they run). SQLite has its lock file beside the
  database instead (`cohorte.bot.bootstrap.lock_sqlite`).
"""

from __future__ import annotations

import contextlib

from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cohorte.storage.db import UNAVAILABLE

# The advisory lock key of "a Cohorte process uses this database" ("CohR" in ASCII).
RUNNING_LOCK = 0x436F6852


async def try_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Take a session-level advisory lock if nobody holds it."""
    result = await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
    return bool(result.scalar())


async def try_shared_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Take a session-level advisory lock shared, unless someone holds it exclusively."""
    result = await connection.execute(
        text("SELECT pg_try_advisory_lock_shared(:key)"), {"key": key}
    )
    return bool(result.scalar())


async def hold_in_use(engine: AsyncEngine, *, exclusive: bool = False) -> AsyncConnection | None:
    """A connection of its own holding `RUNNING_LOCK` (shared, or `exclusive`), or None
    when the lock is not available. `let_go` releases it (a plain `close` would hand the
    connection, lock and all, back to the pool)."""
    connection = await engine.connect()
    try:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        take = try_advisory_lock if exclusive else try_shared_advisory_lock
        if await take(connection, RUNNING_LOCK):
            return connection
    except BaseException:
        with contextlib.suppress(*UNAVAILABLE):
            await connection.close()
        raise
    await connection.close()
    return None


async def let_go(connection: AsyncConnection) -> None:
    """Release a lock's connection's locks at once and close it for good (the server
    would release them too, a moment after it notices the connection is gone)."""
    # Best effort: a connection already broken cannot run it (nor needs to).
    with contextlib.suppress(*UNAVAILABLE, exc.SQLAlchemyError):
        await connection.execute(text("SELECT pg_advisory_unlock_all()"))
    with contextlib.suppress(*UNAVAILABLE, exc.SQLAlchemyError):
        await connection.invalidate()
        await connection.close()


class InUse:
    """"In use", held shared by a running process for as long as it runs.

    If its connection is lost (the server restarted, the connection was
    terminated), the lock went with it: `keep` takes it again.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def keep(self) -> bool:
        """Hold the lock (taking it if needed); False while someone holds it exclusively.
        Raises the database's errors while it cannot be reached."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except UNAVAILABLE:
                await self._drop()
        self._connection = await hold_in_use(self._engine)
        return self._connection is not None

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await let_go(connection)
