"""The delivery engine: every due outbox row sent once, on time, at the platforms' rate.

One engine per process, one drain at a time (`drain` holds a lock; the live
loop, the scheduler's ticks and the handlers' pokes all go through it).

    claim (short lease) -> prepare (render, one session, in this task) -> lanes
    lane: one chat's messages, strictly in order; lanes run concurrently
    send: the messenger paces the request, calls the gate (row -> `sending`,
          grouped into one small commit with its neighbours), sends
    record: outcomes grouped into one executemany, shielded, retried while the
          database is away

A row is never sent twice: once its request may have left it is `sending`,
and a `sending` row that lost its sender becomes `ambiguous`. Only a row that
surely failed goes back to `pending`, with a back-off, and it holds back the
later rows of its lane until it is sent. Leases are short and renewed while
the engine works, so a crash delays the rest of its work by about the lease.

Several processes on one PostgreSQL database: only the holder of the sending
role (an advisory lock) claims and sends, so the platforms' per-account rate
limits hold for all of them together; another process takes over within
seconds when the holder dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from cohorte.scheduling.clock import Clock
from cohorte.scheduling.metrics import DeliveryOutcome, ErrorKind, Metrics
from cohorte.scheduling.outbox import (
    MAX_ATTEMPTS,
    DrainReport,
    NotSending,
    Outgoing,
    Prepare,
    SendOutcome,
    backoff,
)
from cohorte.scheduling.roles import SendingRole, SoleSender
from cohorte.storage import outbox as rows
from cohorte.storage.db import UNAVAILABLE, SessionFactory, transaction
from cohorte.storage.outbox import Delivery, DeliveryState, Outcome

logger = logging.getLogger(__name__)

# A crash strands what its sender held for at most about this long (renewed every third).
LEASE = timedelta(seconds=30)
# Rows held at once (claimed or being sent): about seven seconds of Telegram's overall rate.
IN_FLIGHT = 200
CLAIM_BATCH = 100
# A message sent more than this after its due time counts as late.
LATE_AFTER = timedelta(minutes=5)
# How often the live loop looks for work another process queued, and checks the role.
POLL_SECONDS = 2.0
# How long a stop waits for the messages already leaving (`COHORTE_STOP_SECONDS`).
STOP_SECONDS = 10.0
# How long a stop then waits for their outcomes to be written (the database may be away).
RECORD_SECONDS = 5.0

_DATABASE_ERRORS = UNAVAILABLE


class _DatabaseAway(NotSending):
    """The row could not be marked: the database is unreachable or busy. Try again."""


class _Stopping(NotSending):
    """The process is stopping: a message that has not left yet stays for the next start."""


def _who(delivery: Delivery) -> str:
    if delivery.person_id is not None:
        return f"person {delivery.person_id}"
    return f"chat link {delivery.chat_link_id}"


class DeliveryEngine:
    """Claims due deliveries and sends them; see the module docstring."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        prepare: Prepare,
        name: str,
        *,
        role: SendingRole | None = None,
        lease: timedelta = LEASE,
        in_flight: int = IN_FLIGHT,
        claim_batch: int = CLAIM_BATCH,
        poll_seconds: float = POLL_SECONDS,
        metrics: Metrics | None = None,
        stop_seconds: float = STOP_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.prepare = prepare
        self.name = name[:64]
        self.role = role or SoleSender()
        self.lease = lease
        self.in_flight = in_flight
        self.claim_batch = claim_batch
        self.poll_seconds = poll_seconds
        self.stop_seconds = stop_seconds
        self.totals = DrainReport()
        self._report = DrainReport()
        self._lock = asyncio.Lock()
        self._held = False
        self._checked = 0.0  # when the role was last checked (monotonic)
        self._takeover = False
        self._stopping = False
        self._retry_at: datetime | None = None  # the earliest retry recorded meanwhile
        # Lanes held back by a retry, until when: rows of theirs claimed before the retry
        # was recorded (and rendered meanwhile) go back to pending instead of overtaking it.
        self._held_lanes: dict[str, datetime] = {}
        self._poked = asyncio.Event()
        # Set when the drain should look again (a poke, a lane ended, the role lost) ...
        self._changed = asyncio.Event()
        # ... and when a held row was sent or recorded (room for more).
        self._room = asyncio.Event()
        # Rows this engine holds (claimed, or sending without a recorded outcome).
        self._tracked: dict[int, Delivery] = {}
        self._lanes: dict[str, deque[Outgoing]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        # Lanes whose current message waits for its gate (its rate-limit slot): a stop
        # cancels them. Once through the gate a message is leaving: a stop lets it finish.
        self._waiting: set[str] = set()
        self._marks: dict[int, asyncio.Future[None]] = {}
        self._marking: asyncio.Task[None] | None = None
        self._outcomes: list[Outcome] = []
        self._recording: asyncio.Task[None] | None = None
        self._away_since: float | None = None
        self._loop_task: asyncio.Task[None] | None = None

    # -- driving it ---------------------------------------------------------------------

    def poke(self) -> None:
        """Something was queued: look for due rows now (live loop)."""
        self._poked.set()
        self._changed.set()

    @property
    def sending(self) -> bool:
        """Whether this process held the sending role when it last looked."""
        return self._held

    async def has_role(self) -> bool:
        """Whether this process is the one that sends (taking the role if it is free)."""
        if self._lock.locked():
            return self._held  # a drain is running: it keeps the role up to date
        return await self._hold_role()

    def start(self) -> None:
        """Run the live loop in the background until `stop`."""
        if self._loop_task is None:
            self._stopping = False
            self._loop_task = asyncio.create_task(self._run(), name="cohorte-delivery")

    def begin_stop(self) -> None:
        """Take no new work from now on: nothing more is claimed, no message that has not
        passed its gate leaves (its row goes back to pending), the rest may finish."""
        if self._stopping:
            return  # once: a second cancel would interrupt a lane giving its rows back
        self._stopping = True
        self._changed.set()
        self._poked.set()
        self._room.set()
        for lane in self._waiting:
            # Waiting for its rate-limit slot: cancelled there, its rows given back.
            self._lane_tasks[lane].cancel()

    async def stop(self, grace: float | None = None) -> None:
        """Take no new work, let the messages already leaving finish (at most `grace`
        seconds, `stop_seconds` by default), record every outcome, and settle the rest:
        a row only claimed goes back to pending, a row whose request left without an
        answer in time is recorded ambiguous. Nothing is left `claimed` or `sending`."""
        grace = self.stop_seconds if grace is None else grace
        self.begin_stop()
        task, self._loop_task = self._loop_task, None
        if task is not None:
            try:
                async with asyncio.timeout(grace):
                    await asyncio.shield(task)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._cancel_lanes()
        await self._settle_outcomes(RECORD_SECONDS)
        await self._settle_left()
        with contextlib.suppress(*_DATABASE_ERRORS):
            await self.role.release()
        self.metrics.role(self.name, False)

    async def _settle_left(self) -> None:
        """At the end of a stop: every row still held becomes pending (never left) or
        ambiguous (left, no outcome known), except those whose outcome waits to be written."""
        waiting = [outcome.id for outcome in self._outcomes]
        try:
            async with transaction(self.sessions) as session:
                given_back, interrupted = await rows.abandon(session, self.name, keep=waiting)
        except _DATABASE_ERRORS as error:
            self._database_away(error)
            logger.error(
                "could not settle the %d deliveries this process held: the next sender "
                "settles them (pending again, or ambiguous if they were leaving)",
                len(self._tracked),
            )
            return
        self._tracked.clear()
        for delivery in interrupted:
            self.totals.ambiguous += 1
            logger.warning(
                "delivery %s (%s to %s, %s) had no answer when the stop's %.0f s were over: "
                "recorded as ambiguous, it may have arrived and is not sent again",
                delivery.id,
                delivery.kind,
                _who(delivery),
                delivery.dedupe_key,
                self.stop_seconds,
                extra={"delivery_id": delivery.id},
            )
        if given_back or interrupted:
            logger.info(
                "stopped sending: %d deliveries back to pending for the next start, "
                "%d recorded ambiguous",
                given_back,
                len(interrupted),
            )

    async def drain(self) -> DrainReport:
        """Send everything due now, wait for every outcome, and say what happened."""
        async with self._lock:
            report = self._report = DrainReport()
            if not await self._hold_role():
                return report
            heartbeat = asyncio.create_task(self._heartbeat())
            try:
                await self._drain()
            finally:
                heartbeat.cancel()
                # Cancelled (a stop): messages still waiting or leaving are abandoned; what
                # may have left stays `sending`, to be found ambiguous, never resent.
                await self._cancel_lanes()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                await self._settle_outcomes()
                self.totals.add(report)  # a stop's cancelled drain counts too
            if report:
                logger.info("deliveries: %s", report)
            return report

    async def _run(self) -> None:
        while not self._stopping:
            wake: datetime | None = None
            self._poked.clear()  # a poke from here on wakes the wait below
            try:
                await self.drain()
                if self._held and not self._stopping:
                    wake = await self._next_wake()
            except Exception:
                logger.exception("the delivery loop failed; it starts again")
            delay = self.poll_seconds
            if wake is not None:
                delay = min(delay, max(0.0, (wake - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._poked.wait()

    # -- the drain ----------------------------------------------------------------------

    async def _drain(self) -> None:
        while not self._stopping and self._held:
            # Cleared before looking, not before waiting: what happens in between wakes us.
            self._changed.clear()
            self._room.clear()
            room = self.in_flight - len(self._tracked)
            if room < min(self.claim_batch, self.in_flight) // 2 and self._tracked:
                # Full: wait until lanes send (or outcomes get recorded) to make room.
                await self._wait(self._room, 1.0)
                continue
            claimed = await self._claim(min(room, self.claim_batch))
            if claimed:
                await self._dispatch(claimed)
                continue
            # Nothing more is due now (or the database is away): look again when poked,
            # when a lane ends, when a retry recorded meanwhile falls due, or in a second.
            if not self._lane_tasks:
                break
            await self._wait(self._changed, self._until_retry())
        if self._lane_tasks:
            # Stopping or lost the role: the lanes give their rows back as they end.
            await asyncio.gather(*self._lane_tasks.values(), return_exceptions=True)

    async def _cancel_lanes(self) -> None:
        lanes = list(self._lane_tasks.values())
        for lane in lanes:
            lane.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)

    def _until_retry(self) -> float:
        retry_at, self._retry_at = self._retry_at, None
        if retry_at is None:
            return 1.0
        return min(1.0, max(0.05, (retry_at - self.clock.now()).total_seconds()))

    @staticmethod
    async def _wait(event: asyncio.Event, seconds: float) -> None:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
        # that arrives as the event is set, and a stop must never be lost.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()

    async def _hold_role(self) -> bool:
        was = self._held
        try:
            if was and time.monotonic() - self._checked > self.poll_seconds / 2:
                # Idle since the last drain: make sure the lock did not end meanwhile.
                self._checked = time.monotonic()
                if not await self.role.check():
                    self._lose_role()
                    was = False
            self._held = await self.role.hold()
        except _DATABASE_ERRORS as error:
            self._database_away(error)
            self._lose_role()
        if self._held and not was:
            self._takeover = self.role.exclusive
            logger.info("this process sends the outbox (%s)", self.name)
        self.metrics.role(self.name, self._held)
        return self._held

    async def _claim(self, limit: int) -> list[Delivery] | None:
        now = self.clock.now()
        try:
            async with transaction(self.sessions) as session:
                interrupted = await rows.recover(
                    session, now, self.name, list(self._tracked), takeover=self._takeover
                )
                claimed = await rows.claim(session, now, self.name, limit, now + self.lease)
        except _DATABASE_ERRORS as error:
            self._database_away(error)
            return None
        self._database_back()
        self._takeover = False
        for delivery in interrupted:
            self._count(None, DeliveryOutcome.AMBIGUOUS)
            logger.warning(
                "delivery %s (%s to %s, %s) was being sent when its sender stopped: "
                "recorded as ambiguous, it may have arrived and is not sent again",
                delivery.id,
                delivery.kind,
                _who(delivery),
                delivery.dedupe_key,
                extra={"delivery_id": delivery.id},
            )
        for delivery in claimed:
            assert delivery.id is not None
            self._tracked[delivery.id] = delivery
        return claimed

    async def _dispatch(self, claimed: list[Delivery]) -> None:
        ids = [d.id for d in claimed if d.id is not None]
        try:
            ready = await self.prepare(claimed)
        except _DATABASE_ERRORS as error:
            self._database_away(error)
            await self._give_back(ids)
            return
        except Exception:
            # A bug while rendering the batch: nothing left; try these rows in a minute.
            self.metrics.error(ErrorKind.SEND)
            logger.exception("preparing %d deliveries failed; they are tried again later", len(ids))
            await self._give_back(ids, later=timedelta(minutes=1))
            return
        later: list[int] = []
        for item in ready:
            if item.send is None:
                self._decide(item, item.outcome or SendOutcome.UNREACHABLE)
                continue
            lane = item.delivery.lane or _who(item.delivery)
            if self._held_back(lane) and item.delivery.id is not None:
                later.append(item.delivery.id)  # claimed before its lane's retry: after it
                continue
            queue = self._lanes.setdefault(lane, deque())
            queue.append(item)
            if lane not in self._lane_tasks:
                self._lane_tasks[lane] = asyncio.create_task(self._run_lane(lane, queue))
        await self._give_back(later)

    def _held_back(self, lane: str) -> bool:
        """Whether a retry of an earlier message of `lane` is still waiting for its time."""
        until = self._held_lanes.get(lane)
        if until is None:
            return False
        if until > self.clock.now():
            return True
        del self._held_lanes[lane]
        return False

    async def _run_lane(self, lane: str, queue: deque[Outgoing]) -> None:
        """One chat's messages, one after the other; a retry holds back the rest."""
        try:
            while queue and self._held and not self._stopping:
                outcome = await self._send(lane, queue[0])
                if outcome is _STOPPED:
                    break  # given back below
                if outcome is _AGAIN:
                    await asyncio.sleep(1.0)  # the database is away: same message, later
                    continue
                queue.popleft()
                self._room.set()
                if outcome is SendOutcome.RETRY:
                    # The later messages of this chat wait for the retry. The lane stays
                    # open until the retry is recorded (so that the claim sees it and
                    # skips what comes after it), and whatever joined it meanwhile goes
                    # back to pending too.
                    await self._settle_outcomes()
                    while queue:
                        later = [i.delivery.id for i in queue if i.delivery.id is not None]
                        queue.clear()
                        await self._give_back(later)
                    break
        finally:
            if queue:
                await self._give_back([i.delivery.id for i in queue if i.delivery.id is not None])
                queue.clear()
            self._lanes.pop(lane, None)
            self._lane_tasks.pop(lane, None)
            self._changed.set()

    async def _send(self, lane: str, item: Outgoing) -> SendOutcome | object | None:
        delivery = item.delivery
        assert delivery.id is not None and item.send is not None
        now = self.clock.now()
        if delivery.expires_at is not None and now >= delivery.expires_at:
            logger.warning(
                "dropped stale delivery %s (%s to %s, due %s, useless after %s)",
                delivery.id,
                delivery.kind,
                _who(delivery),
                delivery.due_at.isoformat(),
                delivery.expires_at.isoformat(),
                extra={"delivery_id": delivery.id},
            )
            self._count(item.platform, DeliveryOutcome.DROPPED)
            self._record(delivery, Outcome(delivery.id, DeliveryState.DROPPED, error="stale"))
            return None
        opened = False
        left = 0.0  # when the gate opened (monotonic): the send's latency starts there

        async def gate() -> None:
            nonlocal opened, left
            if not opened:
                self._waiting.discard(lane)
                if self._stopping:
                    raise _Stopping()
                await self._mark_sending(delivery.id or 0)
                opened = True
                left = time.monotonic()

        self._waiting.add(lane)
        try:
            outcome = await item.send(gate)
        except _Stopping:
            return _STOPPED
        except _DatabaseAway:
            return _AGAIN
        except NotSending:
            # Dropped meanwhile (its session moved) or taken over: not ours to send.
            self._tracked.pop(delivery.id, None)
            return None
        except Exception:
            self.metrics.error(ErrorKind.SEND)
            if opened:
                logger.exception(
                    "sending delivery %s failed unexpectedly after it left",
                    delivery.id,
                    extra={"delivery_id": delivery.id},
                )
                outcome = SendOutcome.AMBIGUOUS
            else:
                logger.exception(
                    "sending delivery %s failed before it left",
                    delivery.id,
                    extra={"delivery_id": delivery.id},
                )
                outcome = SendOutcome.RETRY
        finally:
            self._waiting.discard(lane)
        if opened:
            self.metrics.sent_in(item.platform, time.monotonic() - left)
        self._decide(item, outcome)
        return outcome

    def _count(self, platform: str | None, outcome: DeliveryOutcome) -> None:
        """One outcome in this drain's report and in the metrics (same vocabulary)."""
        setattr(self._report, outcome.value, getattr(self._report, outcome.value) + 1)
        self.metrics.delivery(platform, outcome)

    def _decide(self, item: Outgoing, outcome: SendOutcome) -> None:
        delivery, platform = item.delivery, item.platform
        assert delivery.id is not None
        now = self.clock.now()
        report = self._report
        attempts = delivery.attempts + 1  # this one included
        if outcome is SendOutcome.SENT:
            late = now - delivery.due_at > LATE_AFTER
            self._count(platform, DeliveryOutcome.SENT)
            if late:
                report.late += 1
                logger.info(
                    "sent late delivery %s (due %s)",
                    delivery.id,
                    delivery.due_at,
                    extra={"delivery_id": delivery.id},
                )
            result = Outcome(delivery.id, DeliveryState.SENT, sent_at=now, late=late)
        elif outcome is SendOutcome.SKIPPED:
            self._count(platform, DeliveryOutcome.DROPPED)
            result = Outcome(delivery.id, DeliveryState.DROPPED, error="superseded")
        elif outcome is SendOutcome.AMBIGUOUS:
            self._count(platform, DeliveryOutcome.AMBIGUOUS)
            logger.warning(
                "delivery %s (%s to %s, %s) may or may not have arrived: recorded as "
                "ambiguous, not sent again",
                delivery.id,
                delivery.kind,
                _who(delivery),
                delivery.dedupe_key,
                extra={"delivery_id": delivery.id},
            )
            result = Outcome(delivery.id, DeliveryState.AMBIGUOUS, error="no answer")
        elif outcome is SendOutcome.UNREACHABLE or attempts >= MAX_ATTEMPTS:
            self._count(platform, DeliveryOutcome.FAILED)
            logger.warning(
                "gave up on delivery %s (%s to %s): %s",
                delivery.id,
                delivery.kind,
                _who(delivery),
                outcome,
                extra={"delivery_id": delivery.id},
            )
            result = Outcome(delivery.id, DeliveryState.FAILED, error=str(outcome))
        else:
            self._count(platform, DeliveryOutcome.RETRIED)
            retry_at = now + backoff(attempts)
            if delivery.expires_at is not None:
                retry_at = min(retry_at, delivery.expires_at)
            result = Outcome(delivery.id, DeliveryState.PENDING, error="retry", not_before=retry_at)
            self._retry_at = min(retry_at, self._retry_at or retry_at)
            if len(self._held_lanes) > 10_000:
                self._held_lanes = {k: v for k, v in self._held_lanes.items() if v > now}
            self._held_lanes[delivery.lane or _who(delivery)] = retry_at
        self._record(delivery, result)

    # -- the small commits ----------------------------------------------------------------

    async def _mark_sending(self, delivery_id: int) -> None:
        """Wait until the row is marked `sending` (grouped with every mark asked meanwhile)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks[delivery_id] = future
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks())
        await future

    async def _write_marks(self) -> None:
        await asyncio.sleep(0)  # let the gates opening in this same moment join
        while self._marks:
            batch, self._marks = self._marks, {}
            try:
                marked = await asyncio.shield(self._marked(sorted(batch)))
            except _DATABASE_ERRORS as error:
                self._database_away(error)
                for future in batch.values():
                    if not future.done():
                        future.set_exception(_DatabaseAway())
                continue
            except Exception as error:
                # A bug: these messages are not sent; their rows are settled when their
                # leases end.
                logger.exception("marking %d deliveries as sending failed", len(batch))
                for future in batch.values():
                    if not future.done():
                        future.set_exception(NotSending(str(error)))
                continue
            self._database_back()
            for delivery_id, future in batch.items():
                if future.done():
                    continue
                if delivery_id in marked:
                    future.set_result(None)
                else:
                    future.set_exception(NotSending(delivery_id))

    async def _marked(self, ids: list[int]) -> set[int]:
        async with transaction(self.sessions) as session:
            return await rows.mark_sending(session, ids, self.name)

    def _record(self, delivery: Delivery, outcome: Outcome) -> None:
        self._outcomes.append(replace(outcome, attempts=delivery.attempts + 1))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._write_outcomes())

    async def _write_outcomes(self) -> None:
        await asyncio.sleep(0)
        wait = 0.2
        while self._outcomes:
            batch = sorted(self._outcomes, key=lambda outcome: outcome.id)
            try:
                await asyncio.shield(self._recorded(batch))
            except _DATABASE_ERRORS as error:
                self._database_away(error, waiting=len(batch))
                await asyncio.sleep(wait)
                wait = min(5.0, wait * 2)
                continue
            except Exception:
                # A bug: these outcomes are lost; their rows stay `sending` and become
                # ambiguous when their leases end (never sent again).
                logger.exception("recording %d delivery outcomes failed", len(batch))
            self._database_back()
            wait = 0.2
            del self._outcomes[: len(batch)]
            for outcome in batch:
                self._tracked.pop(outcome.id, None)
            self._room.set()

    async def _recorded(self, batch: list[Outcome]) -> None:
        async with transaction(self.sessions) as session:
            await rows.record(session, batch, self.name)

    async def _settle_outcomes(self, seconds: float = 60.0) -> None:
        """Wait until every outcome is recorded (bounded: the database may stay away)."""
        task = self._recording
        if task is None or task.done():
            return
        try:
            async with asyncio.timeout(seconds):
                await asyncio.shield(task)
        except TimeoutError:
            logger.error(
                "%d delivery outcomes could not be recorded (the database is away): "
                "those messages stay 'sending' and will be shown as ambiguous; ids %s",
                len(self._outcomes),
                ", ".join(str(o.id) for o in self._outcomes[:50]),
            )

    async def _give_back(self, ids: Sequence[int], later: timedelta | None = None) -> None:
        """Rows claimed but not sent: pending again (or left to their lease if that fails)."""
        for delivery_id in ids:
            self._tracked.pop(delivery_id, None)
        if not ids:
            return
        not_before = self.clock.now() + later if later is not None else None
        try:
            async with transaction(self.sessions) as session:
                await rows.release(session, sorted(ids), self.name, not_before)
        except _DATABASE_ERRORS as error:
            self._database_away(error)

    async def _heartbeat(self) -> None:
        """While draining: keep the leases of held rows alive, and check the role."""
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(min(self.poll_seconds, self.lease.total_seconds() / 3))
            try:
                if not await self.role.check():
                    self._lose_role()
                    return
            except _DATABASE_ERRORS as error:
                self._database_away(error)
                self._lose_role()
                return
            if time.monotonic() - renewed >= self.lease.total_seconds() / 3 and self._tracked:
                try:
                    async with transaction(self.sessions) as session:
                        await rows.renew(
                            session, sorted(self._tracked), self.name, self.clock.now() + self.lease
                        )
                    renewed = time.monotonic()
                except _DATABASE_ERRORS as error:
                    self._database_away(error)

    def _lose_role(self) -> None:
        if self._held:
            logger.warning("this process lost the sending role: it stops sending")
        self._held = False
        self.metrics.role(self.name, False)
        self._changed.set()

    async def _next_wake(self) -> datetime | None:
        try:
            async with self.sessions() as session:
                return await rows.next_wake(session, self.clock.now(), self.name)
        except _DATABASE_ERRORS as error:
            self._database_away(error)
            return None

    # -- the database going away and coming back ------------------------------------------

    def _database_away(self, error: BaseException, waiting: int | None = None) -> None:
        if self._away_since is None:
            self._away_since = time.monotonic()
            self.metrics.error(ErrorKind.DATABASE_AWAY)
            logger.error(
                "the database is unreachable while sending (%s: %s): sending paused; "
                "%d sent messages wait for their outcome to be recorded",
                type(error).__name__,
                str(error).splitlines()[0][:200] if str(error) else "",
                waiting if waiting is not None else len(self._outcomes),
            )
        else:
            logger.debug("database still unreachable: %s", error)

    def _database_back(self) -> None:
        if self._away_since is not None:
            logger.warning(
                "the database is back after %.1f s: sending resumes",
                time.monotonic() - self._away_since,
            )
            self._away_since = None


_AGAIN = object()
_STOPPED = object()
