"""Engine, session factory, and the one writer at a time on SQLite."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.planning import track_plan_changes

SessionFactory = async_sessionmaker[AsyncSession]

# Failures that may mean "the database cannot be reached right now" (connection lost,
# server restarting, SQLite locked past its busy timeout). Broad on purpose: the
# delivery engine pauses and tries again on any of them, which is harmless for a bug
# too. What a person is told "try again" for is the narrower `database_unavailable`.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
    OSError,
)


# PostgreSQL pool: enough connections for the updates a process handles at once
# (python-telegram-bot's processor lets 64 through, most of them waiting their turn),
# small enough that three processes stay well under the server's 100 connections.
POOL_SIZE = 10
POOL_OVERFLOW = 10
# How long a request waits for a connection before the user is told to try again.
POOL_TIMEOUT = 10.0


class DatabaseBusy(Exception):
    """The database could not take this write in time (its turn, or a connection)."""


def contended(error: exc.DBAPIError) -> bool:
    """SQLite busy or locked, PostgreSQL deadlock or serialization failure: worth retrying."""
    text = str(error.orig if error.orig is not None else error).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


# Driver messages of a database that cannot be reached (as opposed to a bug of ours,
# such as a missing table): refused or lost connections, a file that cannot be opened.
_UNREACHABLE = ("connect", "connection", "server closed", "terminat", "unable to open")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot take this now (busy, contended or away),
    so the person should try again; anything else is a bug to log with its traceback."""
    if isinstance(error, DatabaseBusy | exc.TimeoutError | exc.DisconnectionError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or contended(error):
            return True
        text = str(error.orig if error.orig is not None else error).lower()
        return isinstance(error, exc.OperationalError | exc.InterfaceError) and any(
            word in text for word in _UNREACHABLE
        )
    return isinstance(error, ConnectionError)


def normalise_url(url: str) -> str:
    """Map the plain URLs people write to the async drivers we ship."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("postgres://", "postgresql+psycopg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys and a busy timeout."""
    url = normalise_url(url)
    if url.startswith("postgresql") and "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
    if url.startswith("sqlite"):
        # Sessions end their transactions themselves (commit, or rollback when closed);
        # the pool's own rollback on return would cost aiosqlite one more thread hop.
        kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            # WAL lets readers work while the worker writes; NORMAL is safe with WAL.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> SessionFactory:
    track_plan_changes()
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class _WriteTurn:
    """One writing transaction at a time in this process, first come first served.

    SQLite takes one writer at a time anyway; left to itself it makes the others
    sleep and poll in growing steps (the busy timeout), and a transaction that read
    first cannot always wait at all. An asyncio lock queues them fairly instead, and
    puts the check and the write of a transaction in one turn (SQLite only starts a
    transaction at its first write, so a read-then-write is otherwise not atomic).
    The process owns the file (see `cohorte.bot.runtime`), so this is every writer.

    Two rules keep it from deadlocking: a task never waits for the turn while it
    holds a pooled connection (the holder may need one), and a transaction never
    opens another one inside it (refused: it would be a second connection, and a
    second writer, behind the first one's back).
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def __call__(self, wait: float | None) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            raise RuntimeError("a transaction inside another one: use the outer session")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): a lock of its own
            self._lock, self._loop = asyncio.Lock(), loop
        try:
            async with asyncio.timeout(wait):
                await self._lock.acquire()
        except TimeoutError:
            raise DatabaseBusy(f"no turn to write within {wait} s") from None
        self._owner = task
        try:
            yield
        finally:
            self._owner = None
            self._lock.release()


_turns: weakref.WeakKeyDictionary[Any, _WriteTurn] = weakref.WeakKeyDictionary()


def _turn_of(factory: SessionFactory) -> _WriteTurn | None:
    bind = factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return None  # PostgreSQL queues writers itself, row by row
    turn = _turns.get(bind.sync_engine)
    if turn is None:
        turn = _turns[bind.sync_engine] = _WriteTurn()
    return turn


@asynccontextmanager
async def write_turn(factory: SessionFactory, wait: float | None = None) -> AsyncIterator[None]:
    """Hold this process's turn to write (SQLite; nothing to hold on PostgreSQL).

    Raises `DatabaseBusy` if the turn does not come within `wait` seconds.
    """
    turn = _turn_of(factory)
    if turn is None:
        yield
        return
    async with turn(wait):
        yield


@asynccontextmanager
async def transaction(
    factory: SessionFactory, *, wait: float | None = None
) -> AsyncIterator[AsyncSession]:
    """A session that commits when the block ends and rolls back if it raises.

    On SQLite the block runs in the process's write turn (see `write_turn`).
    """
    async with factory() as session, write_turn(factory, wait):
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def dialect_of(session: AsyncSession) -> str:
    """`sqlite` or `postgresql`."""
    return session.get_bind().dialect.name


def conflict_insert(database: AsyncSession | str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An `INSERT` that can say `ON CONFLICT …`, in the dialect of the database (a session
    or a dialect name)."""
    dialect = database if isinstance(database, str) else dialect_of(database)
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
