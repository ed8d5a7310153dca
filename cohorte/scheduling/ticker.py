"""The scheduler: APScheduler only wakes us; the plan lives in the database.

Each tick runs every planner (each in its own transaction: enqueue deliveries,
perform due actions) and then drains the outbox. One fixed in-memory interval
job ticks regularly, and a one-off job with a fixed id wakes the worker exactly
when the next delivery is due. After a restart nothing is lost: the next tick
plans from the database again and catches up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import Clock
from cohorte.scheduling.outbox import DeliveryWorker, DrainReport, next_due
from cohorte.storage.db import SessionFactory, transaction

logger = logging.getLogger(__name__)

Planner = Callable[[AsyncSession, datetime], Awaitable[None]]

TICK_JOB = "cohorte-tick"
WAKE_JOB = "cohorte-wake"


class Ticker:
    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        planners: list[Planner],
        worker: DeliveryWorker,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.planners = planners
        self.worker = worker
        self._scheduler: AsyncIOScheduler | None = None
        self._drain_task: asyncio.Task[None] | None = None
        self._drain_again = False

    async def tick(self) -> DrainReport:
        """Plan, then send everything due. Safe to call at any time, from anywhere."""
        now = self.clock.now()
        for planner in self.planners:
            try:
                async with transaction(self.sessions) as session:
                    await planner(session, now)
            except Exception:
                logger.exception("planner %s failed", getattr(planner, "__qualname__", planner))
        report = await self.worker.drain()
        if report:
            logger.info("tick: %s", report)
        await self._schedule_wake()
        return report

    async def drain_soon(self) -> None:
        """Send what handlers just queued, in the background, without planning.

        For live platforms: the reply to the person goes out at once and the
        queued messages follow; bursts are coalesced into one drain at a time.
        Planning stays on the regular tick.
        """
        if self._drain_task is not None and not self._drain_task.done():
            self._drain_again = True
            return
        self._drain_task = asyncio.create_task(self._drain_until_quiet())

    async def _drain_until_quiet(self) -> None:
        while True:
            self._drain_again = False
            try:
                await self.worker.drain()
            except Exception:
                logger.exception("background drain failed")
            if not self._drain_again:
                return

    def start(self, every: timedelta = timedelta(seconds=30)) -> None:
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=every.total_seconds()),
            id=TICK_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        # A first tick right away (APScheduler's own "now": the injected clock may be
        # a test clock far in the past, which would make it replay missed intervals).
        scheduler.add_job(self.tick, DateTrigger(), id=WAKE_JOB, replace_existing=True)
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._drain_task is not None:
            self._drain_task.cancel()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def _schedule_wake(self) -> None:
        if self._scheduler is None:
            return
        async with self.sessions() as session:
            due = await next_due(session, self.clock.now())
        if due is None:
            return
        self._scheduler.add_job(
            self.tick,
            DateTrigger(run_date=max(due, self.clock.now())),
            id=WAKE_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
