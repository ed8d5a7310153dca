"""The composition root: the only place that wires concrete parts together."""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.config import Settings
from cohorte.bot.console import CONSOLE_TRAITS
from cohorte.bot.slack.traits import SLACK_TRAITS
from cohorte.bot.telegram.traits import TELEGRAM_TRAITS
from cohorte.handlers import (
    agenda,
    attendance,
    cohort,
    dashboard,
    feedback,
    help,
    materials,
    poll,
    report,
    status,
)
from cohorte.handlers.cohort import greeting
from cohorte.handlers.core.delivery import Capabilities, DeliveryService
from cohorte.handlers.core.errors import one_line
from cohorte.handlers.core.messages import Messenger
from cohorte.handlers.core.platforms import Platforms
from cohorte.handlers.core.router import Core, Router
from cohorte.scheduling.clock import Clock, SystemClock
from cohorte.scheduling.engine import STOP_SECONDS, DeliveryEngine
from cohorte.scheduling.metrics import Metrics
from cohorte.scheduling.roles import AdvisoryLockRole, SendingRole
from cohorte.scheduling.ticker import Ticker
from cohorte.storage.db import UNAVAILABLE, SessionFactory, create_engine, session_factory
from cohorte.storage.locks import InUse
from cohorte.storage.migrate import upgrade
from cohorte.storage.models import Platform
from cohorte.storage.people import prune_inbound
from cohorte.storage.people_data import RETENTION_DAYS, RetentionSweep

logger = logging.getLogger(__name__)

INBOUND_MEMORY = timedelta(days=7)


class DatabaseBusyError(RuntimeError):
    """Another Cohorte process already uses this SQLite file."""


class DatabaseMaintenanceError(RuntimeError):
    """PostgreSQL: `cohorte db upgrade` or `cohorte db restore` is running on the database."""


def build_router() -> Router:
    """Every capability's commands, buttons and chat events."""
    router = Router()
    cohort.register(router)
    greeting.register(router)
    agenda.register(router)
    status.register(router)
    attendance.register(router)
    feedback.register(router)
    materials.register(router)
    dashboard.register(router)
    report.register(router)
    help.register(router)
    poll.register(router)
    return router


def known_platforms() -> Platforms:
    """What every platform can do, as its adapter declares it; known in every process, also
    for platforms it does not run (another process may, over the same database)."""
    platforms = Platforms()
    platforms.declare(Platform.CONSOLE, CONSOLE_TRAITS)
    platforms.declare(Platform.SLACK, SLACK_TRAITS)
    platforms.declare(Platform.TELEGRAM, TELEGRAM_TRAITS)
    return platforms


def build_capabilities(platforms: Platforms, retention_days: int = RETENTION_DAYS) -> Capabilities:
    """Planners and renderers of every capability (scheduled messages and actions);
    `platforms` tells the planners who can be written to privately; archived cohorts'
    personal data is deleted `retention_days` after they were archived."""
    capabilities = Capabilities()
    capabilities.planners.append(forget_old_inbound_events)
    capabilities.planners.append(RetentionSweep(retention_days))
    cohort.register_capabilities(capabilities)
    agenda.register_capabilities(capabilities)
    poll.register_capabilities(capabilities, platforms)
    status.register_capabilities(capabilities)
    attendance.register_capabilities(capabilities)
    feedback.register_capabilities(capabilities)
    materials.register_capabilities(capabilities)
    dashboard.register_capabilities(capabilities)
    report.register_capabilities(capabilities)
    return capabilities


async def forget_old_inbound_events(session: AsyncSession, now: datetime) -> None:
    """Housekeeping on every tick: the inbound dedupe table only needs recent ids."""
    await prune_inbound(session, now - INBOUND_MEMORY)


@dataclass
class Assembly:
    """The core and the scheduler, wired together over one database."""

    core: Core
    ticker: Ticker
    capabilities: Capabilities
    # The messenger of each running platform, filled by the runtime or the console.
    messengers: dict[Platform, Messenger]


def process_name() -> str:
    """Names this process in the outbox (`claimed_by`): unique even when a pid is reused."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def assemble(
    sessions: SessionFactory,
    clock: Clock,
    public_url: str | None = None,
    role: SendingRole | None = None,
    stop_seconds: float = STOP_SECONDS,
    admins: frozenset[tuple[Platform, str]] = frozenset(),
    retention_days: int = RETENTION_DAYS,
) -> Assembly:
    """The core and the scheduler over one database, with every platform declared."""
    platforms = known_platforms()
    capabilities = build_capabilities(platforms, retention_days)
    messengers: dict[Platform, Messenger] = {}
    metrics = Metrics()  # one registry for the process's engine, scheduler, core and adapters
    delivery = DeliveryService(sessions, clock, capabilities, messengers, platforms)
    engine = DeliveryEngine(
        sessions,
        clock,
        delivery.prepare,
        process_name(),
        role=role,
        metrics=metrics,
        stop_seconds=stop_seconds,
    )
    ticker = Ticker(sessions, clock, capabilities.planners, engine)
    core = Core(
        sessions,
        clock,
        build_router(),
        kick=ticker.tick,
        public_url=public_url,
        platforms=platforms,
        metrics=metrics,
        admins=admins,
    )
    return Assembly(core, ticker, capabilities, messengers)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Clock
    core: Core
    ticker: Ticker
    # Filled by the runtime with the messenger of each running platform.
    messengers: dict[Platform, Messenger] = field(default_factory=dict)
    _lock: IO[str] | None = field(default=None, repr=False)
    # PostgreSQL: "in use", held shared while this process runs (`cohorte.storage.locks`).
    in_use: InUse | None = field(default=None, repr=False)

    async def close(self) -> None:
        await self.ticker.stop()
        if self.in_use is not None:
            await self.in_use.release()
        await self.engine.dispose()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def lock_sqlite(path: str) -> IO[str]:
    """Hold an exclusive lock beside the SQLite file for the life of the process.

    SQLite has no `FOR UPDATE SKIP LOCKED`, so two processes could both send the
    same reminder: a second process on the same file is refused.
    """
    lock_path = Path(f"{path}.lock")
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.close()
        raise DatabaseBusyError(path) from error
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


async def bootstrap(
    settings: Settings, clock: Clock | None = None, *, migrate: bool | None = None
) -> App:
    """Open the database (migrating SQLite automatically) and build the core.

    Raises `DatabaseBusyError` when another process holds the SQLite file, and
    `DatabaseMaintenanceError` while an upgrade or a restore runs on PostgreSQL.
    """
    lock = None
    sqlite_path = settings.sqlite_path
    if sqlite_path is not None:
        lock = lock_sqlite(sqlite_path)
    engine = create_engine(settings.database_url)
    in_use = None
    if not settings.is_sqlite:
        # Every process holds "in use" shared; an upgrade or a restore needs it alone.
        in_use = InUse(engine)
        try:
            free = await in_use.keep()
        except UNAVAILABLE as error:
            # As before: a process may start while the database is away (it answers "try
            # again" meanwhile); the runtime takes the lock when the database is back.
            free = True
            logger.warning("the database cannot be reached at start: %s", one_line(error))
        if not free:
            await engine.dispose()
            raise DatabaseMaintenanceError(settings.database_url)
    if migrate if migrate is not None else settings.is_sqlite:
        await upgrade(engine)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    # SQLite means one process (the lock file above); on PostgreSQL the processes
    # elect the one that sends.
    role = None if settings.is_sqlite else AdvisoryLockRole(engine)
    parts = assemble(
        sessions,
        clock,
        settings.public_url,
        role,
        settings.stop_seconds,
        admins=settings.admin_accounts,
        retention_days=settings.retention_days,
    )
    return App(
        settings,
        engine,
        sessions,
        clock,
        parts.core,
        parts.ticker,
        parts.messengers,
        lock,
        in_use,
    )
