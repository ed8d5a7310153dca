"""The scheduler: APScheduler only wakes us; the plan lives in the database.

Each tick runs every planner (each in its own transaction: enqueue deliveries,
perform due actions) and hands the outbox to the `DeliveryEngine`. Live, one
fixed in-memory interval job plans every 30 s and pokes the engine, whose own
loop sends each row when it falls due; only the process that holds the
sending role plans and sends. In the console and in tests, `tick()` plans and
drains in line. After a restart nothing is lost: the next tick plans from the
database again and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import Clock
from cohorte.scheduling.engine import DeliveryEngine
from cohorte.scheduling.metrics import ErrorKind
from cohorte.scheduling.outbox import DrainReport
from cohorte.storage.db import SessionFactory, transaction

logger = logging.getLogger(__name__)

Planner = Callable[[AsyncSession, datetime], Awaitable[None]]

TICK_JOB = "cohorte-tick"
# How often the live scheduler ticks; readiness fails after `STALL_TICKS` missed ones.
TICK_EVERY = timedelta(seconds=30)
STALL_TICKS = 3
FIRST_TICK_JOB = "cohorte-first-tick"


class Ticker:
    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        planners: list[Planner],
        engine: DeliveryEngine,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.planners = planners
        self.engine = engine
        self.metrics = engine.metrics
        self.every = TICK_EVERY
        # When the scheduler last ran a tick (the bot's clock), in this process.
        self.last_tick: datetime | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._planning: asyncio.Task[object] | None = None  # the live tick under way
        self._stopping = False

    def stalled(self, now: datetime) -> timedelta | None:
        """How long since the last tick, if that is more than `STALL_TICKS` intervals
        (or no tick ever ran); None while the scheduler keeps time."""
        if self.last_tick is None:
            return timedelta.max
        since = now - self.last_tick
        return since if since > self.every * STALL_TICKS else None

    def _ticked(self) -> None:
        self.last_tick = self.clock.now()
        self.metrics.ticked(self.last_tick)

    async def tick(self) -> DrainReport:
        """Plan, then send everything due and wait for it (console, tests)."""
        self._ticked()
        await self.plan()
        return await self.engine.drain()

    async def plan(self) -> None:
        """Run every planner, each in its own transaction."""
        now = self.clock.now()
        for planner in self.planners:
            try:
                async with transaction(self.sessions) as session:
                    await planner(session, now)
            except Exception:
                self.metrics.error(ErrorKind.PLANNER)
                logger.exception("planner %s failed", getattr(planner, "__qualname__", planner))

    async def _live_tick(self) -> None:
        # Planning is idempotent, but only the sending process needs to do it.
        if self._stopping:
            return
        self._ticked()
        self._planning = asyncio.current_task()
        try:
            if await self.engine.has_role():
                await self.plan()
                self.engine.poke()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # A stop interrupted planning: it is idempotent, the next start plans again.
            logger.info("planning interrupted by the stop")
        finally:
            self._planning = None

    async def drain_soon(self) -> None:
        """A handler queued messages: the engine sends them now, in the background."""
        self.engine.poke()

    def start(self, every: timedelta = TICK_EVERY) -> None:
        self.every = every
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self._live_tick,
            IntervalTrigger(seconds=every.total_seconds()),
            id=TICK_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        # A first tick right away (APScheduler's own "now": the injected clock may be
        # a rehearsal clock far in the past, which would make it replay missed intervals).
        scheduler.add_job(self._live_tick, DateTrigger(), id=FIRST_TICK_JOB, replace_existing=True)
        scheduler.start()
        self._scheduler = scheduler
        self.engine.start()

    def begin_stop(self) -> None:
        """Plan nothing more and take no new rows; what is leaving may finish (`stop`)."""
        if self._stopping:
            return
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        planning = self._planning
        if planning is not None and planning is not asyncio.current_task():
            # Planning is idempotent and each planner is one transaction: an interrupted
            # one is rolled back and done again at the next start.
            planning.cancel()
        self.engine.begin_stop()

    async def stop(self) -> None:
        """Stop planning, let the messages already leaving finish, record every outcome."""
        self.begin_stop()
        planning = self._planning
        if planning is not None and planning is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await planning
        await self.engine.stop()
