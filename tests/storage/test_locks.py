"""PostgreSQL's "in use" lock: shared by running processes, exclusive for an upgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cohorte.storage.db import create_engine
from cohorte.storage.locks import RUNNING_LOCK, InUse, hold_in_use, let_go


@pytest.fixture
def postgres(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("'in use' is a PostgreSQL advisory lock: set COHORTE_TEST_DATABASE_URL")
    return database_url


async def test_processes_share_it_and_an_upgrade_needs_it_alone(
    postgres: str, engine: AsyncEngine
) -> None:
    other = create_engine(postgres)  # another process's engine
    first, second = InUse(engine), InUse(other)
    try:
        assert await first.keep() and await second.keep()
        assert await hold_in_use(engine, exclusive=True) is None
        await first.release()
        assert await hold_in_use(engine, exclusive=True) is None  # the second still runs
        await second.release()
        upgrade = await hold_in_use(engine, exclusive=True)
        assert upgrade is not None
        # While the upgrade holds it, a process cannot start.
        assert not await first.keep()
        await let_go(upgrade)
        assert await first.keep()
    finally:
        await first.release()
        await second.release()
        await other.dispose()


async def test_a_lost_connection_takes_it_again(postgres: str, engine: AsyncEngine) -> None:
    in_use = InUse(engine)
    killer = create_engine(postgres)
    try:
        assert await in_use.keep()
        async with killer.connect() as conn:
            terminated = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = :key AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": RUNNING_LOCK},
            )
            assert terminated.scalars().all() == [True]
        assert await in_use.keep()  # noticed, and taken again on a new connection
        assert await hold_in_use(engine, exclusive=True) is None
    finally:
        await in_use.release()
        await killer.dispose()
