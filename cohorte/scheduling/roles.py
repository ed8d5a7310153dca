"""The sending role: which process may send, so the platforms' per-account limits hold.

SQLite allows one process (a lock file makes sure), so it always holds the
role. On PostgreSQL the role is a session advisory lock on a connection of its
own: when the holder dies, the server ends the lock with its connection and
another process takes over on its next try.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cohorte.storage import outbox as rows
from cohorte.storage.db import UNAVAILABLE
from cohorte.storage.locks import try_advisory_lock

_DATABASE_ERRORS = UNAVAILABLE


class SendingRole(Protocol):
    """Who may send: one process per database at a time."""

    # Holding the role means no other sender exists: rows others left are taken over
    # at once, without waiting for their leases.
    exclusive: bool

    async def hold(self) -> bool:
        """Try to hold the role (cheap when already held); True while held."""
        ...

    async def check(self) -> bool:
        """Whether the role is still held (False once the lock was lost)."""
        ...

    async def release(self) -> None: ...


class SoleSender:
    """The role where only one process can exist (SQLite: a lock file makes sure)."""

    exclusive = True

    async def hold(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        """Nothing to release."""


# The advisory lock key of the sending role ("Coho" in ASCII).
SENDER_LOCK = 0x436F686F


class AdvisoryLockRole:
    """The sending role on PostgreSQL: a session advisory lock on a connection of its own.

    The server releases it the moment that connection ends, so when the
    holder dies (even by `kill -9`) another process takes the role on its
    next try, within `POLL_SECONDS`.
    """

    exclusive = True

    def __init__(self, engine: AsyncEngine, key: int = SENDER_LOCK) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None
        self._held = False
        # One connection, one statement at a time: the engine's loop, its heartbeat and
        # the scheduler's tick all ask.
        self._lock = asyncio.Lock()

    async def hold(self) -> bool:
        async with self._lock:
            if self._held:
                return True
            try:
                if self._connection is None:
                    connection = await self._engine.connect()
                    self._connection = await connection.execution_options(
                        isolation_level="AUTOCOMMIT"
                    )
                self._held = await try_advisory_lock(self._connection, self._key)
            except _DATABASE_ERRORS:
                await self._drop_connection()
                raise
            return self._held

    async def check(self) -> bool:
        async with self._lock:
            if not self._held or self._connection is None:
                return False
            try:
                await rows.ping(self._connection)
            except _DATABASE_ERRORS:
                await self._drop_connection()
                return False
            return True

    async def release(self) -> None:
        async with self._lock:
            await self._drop_connection()  # closing the connection ends the lock

    async def _drop_connection(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*_DATABASE_ERRORS):
                await connection.invalidate()
                await connection.close()
