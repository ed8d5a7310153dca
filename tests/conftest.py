"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when asked), a clock."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly, assemble
from cohorte.bot.console import ConsoleChat
from cohorte.handlers.core.router import Core
from cohorte.scheduling.clock import ManualClock
from cohorte.storage import tables  # noqa: F401  (every table, for TRUNCATE)
from cohorte.storage.db import SessionFactory, create_engine, normalise_url, session_factory
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import Platform

POSTGRES_URL = os.environ.get("COHORTE_TEST_DATABASE_URL")
# As `cohorte` itself does: python-telegram-bot's timedelta opt-in (no deprecation noise).
os.environ.setdefault("PTB_TIMEDELTA", "1")


def _postgres_server_url(url: str) -> str:
    return normalise_url(url)


async def _create_postgres_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


_SQLITE_TEMPLATE: list[Path] = []  # one migrated SQLite file per run, copied for each test


async def _migrated_sqlite(path: Path) -> None:
    """A fully migrated SQLite database at `path`: a copy of one migrated once per run
    (migrating for each of a thousand tests cost minutes)."""
    if not _SQLITE_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="cohorte-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        await _migrate(f"sqlite+aiosqlite:///{folder / 'cohorte.db'}")
        # Every connection is closed: the write-ahead log is folded into the file.
        assert not (folder / "cohorte.db-wal").exists()
        _SQLITE_TEMPLATE.append(folder / "cohorte.db")
    shutil.copyfile(_SQLITE_TEMPLATE[0], path)


# Empties every table and restarts every id, in one round trip. DELETE, children first,
# rather than TRUNCATE: TRUNCATE takes each table's exclusive lock, and waited a second
# (`deadlock_timeout`) for autovacuum whenever it was busy on one of them.
_TABLES = ", ".join(f"'{table.name}'" for table in reversed(SQLModel.metadata.sorted_tables))
_EMPTY_POSTGRES = f"""
DO $$
DECLARE name text;
BEGIN
    FOREACH name IN ARRAY ARRAY[{_TABLES}] LOOP
        EXECUTE format('DELETE FROM %I', name);
    END LOOP;
    FOR name IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER SEQUENCE %I RESTART', name);
    END LOOP;
END $$
"""



@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    """One migrated PostgreSQL database for the whole run (tables emptied per test)."""
    if not POSTGRES_URL:
        yield None
        return
    server_url = _postgres_server_url(POSTGRES_URL)
    name = f"cohorte_test_{uuid.uuid4().hex[:10]}"
    try:
        url = asyncio.run(_create_postgres_database(server_url, name))
    except Exception as exc:  # the server is down or refuses us: say so, loudly
        pytest.skip(f"PostgreSQL at COHORTE_TEST_DATABASE_URL is not reachable: {exc}")
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_drop_postgres_database(server_url, name))


@pytest.fixture
async def database_url(migrated_postgres: str | None, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty, fully migrated database for this test."""
    if migrated_postgres is None:
        await _migrated_sqlite(tmp_path / "cohorte.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'cohorte.db'}"
        return
    engine = create_engine(migrated_postgres)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(_EMPTY_POSTGRES))
    finally:
        await engine.dispose()
    yield migrated_postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return session_factory(engine)


@pytest.fixture
async def session(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def clock() -> ManualClock:
    """Tuesday of sprint week 1 of the example cohort, 09:00 in Bogotá."""
    return ManualClock(datetime(2025, 4, 22, 14, 0, tzinfo=UTC))


@pytest.fixture
def assembly(sessions: SessionFactory, clock: ManualClock) -> Assembly:
    """The core and the scheduler, as the real bot wires them."""
    return assemble(sessions, clock)


@pytest.fixture
def core(assembly: Assembly) -> Core:
    return assembly.core


class Transcript:
    """Drives the console chat line by line and keeps what it printed.

    Scheduled messages print too: moving the clock with `:reloj` runs the
    scheduler, as in the real console.
    """

    def __init__(
        self,
        core: Core,
        clock: ManualClock,
        assembly: Assembly | None = None,
        files: Path | None = None,
    ) -> None:
        self.lines: list[str] = []
        ticker = assembly.ticker if assembly is not None else None
        self.chat = ConsoleChat(core, clock, self._write, ticker=ticker)
        if files is not None:  # else the console's own folder (created only for a file)
            self.chat.files = files
        if assembly is not None:
            assembly.messengers[Platform.CONSOLE] = self.chat.messenger

    def _write(self, line: str) -> None:
        self.lines.append(line)

    async def run(self, script: str) -> str:
        """Feed each line (echoed like a script) and return what was printed for them."""
        start = len(self.lines)
        for line in script.strip().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            self.lines.append(self.chat.prompt + line)
            await self.chat.feed(line)
        return "\n".join(self.lines[start:])


@pytest.fixture
def transcript(assembly: Assembly, clock: ManualClock, tmp_path: Path) -> Transcript:
    """The console chat on the test's database; files it receives go to tmp_path/archivos."""
    return Transcript(assembly.core, clock, assembly, files=tmp_path / "archivos")
