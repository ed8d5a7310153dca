"""The outbox: planned once, claimed by one worker, outcomes recorded."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.outbox import (
    DeliveryWorker,
    Planned,
    SendOutcome,
    claim_due,
    enqueue,
)
from cohorte.storage.db import SessionFactory, create_engine, session_factory, transaction
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.factories import seed_cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


def planned(n: int, cohort_id: int, person_id: int, **kwargs: object) -> list[Planned]:
    return [
        Planned(
            f"test:{i}",
            "announcement",
            cohort_id,
            NOW - timedelta(minutes=1),
            person_id=person_id,
            **kwargs,
        )  # type: ignore[arg-type]
        for i in range(n)
    ]


async def _ids(session: AsyncSession) -> tuple[int, int]:
    cohort = await seed_cohort(session, NOW)
    from cohorte.storage.models import Person

    person = (await session.exec(select(Person))).first()
    assert cohort.id is not None and person is not None and person.id is not None
    return cohort.id, person.id


async def test_planning_twice_inserts_once(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        assert await enqueue(session, planned(3, cohort_id, person_id), NOW) == 3
        assert await enqueue(session, planned(3, cohort_id, person_id), NOW) == 0


async def test_outcomes_are_recorded(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(4, cohort_id, person_id), NOW)
    outcomes = iter(
        [SendOutcome.SENT, SendOutcome.AMBIGUOUS, SendOutcome.RETRY, SendOutcome.UNREACHABLE]
    )

    async def deliver(delivery: Delivery) -> SendOutcome:
        return next(outcomes)

    clock = ManualClock(NOW)
    worker = DeliveryWorker(sessions, clock, deliver, "w1")
    report = await worker.drain()
    assert (report.sent, report.ambiguous, report.retried, report.failed) == (1, 1, 1, 1)
    async with sessions() as session:
        states = Counter(d.state for d in (await session.exec(select(Delivery))).all())
    assert states == {
        DeliveryState.SENT: 1,
        DeliveryState.AMBIGUOUS: 1,
        DeliveryState.PENDING: 1,
        DeliveryState.FAILED: 1,
    }
    # The retry waits for its back-off; the ambiguous one is never resent.
    sent_again: list[str] = []

    async def record(delivery: Delivery) -> SendOutcome:
        sent_again.append(delivery.dedupe_key)
        return SendOutcome.SENT

    retry_worker = DeliveryWorker(sessions, clock, record, "w2")
    assert not await retry_worker.drain()
    clock.advance(timedelta(minutes=5))
    await retry_worker.drain()
    assert len(sent_again) == 1


async def test_an_expired_lease_is_claimed_again(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(1, cohort_id, person_id), NOW)
    async with transaction(sessions) as session:
        assert len(await claim_due(session, NOW, "crashed")) == 1
    async with transaction(sessions) as session:
        assert await claim_due(session, NOW + timedelta(minutes=1), "other") == []
    async with transaction(sessions) as session:
        again = await claim_due(session, NOW + timedelta(minutes=6), "other")
        assert len(again) == 1 and again[0].attempts == 2


async def test_stale_deliveries_are_dropped(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(2, cohort_id, person_id, expires_at=NOW), NOW)

    async def deliver(delivery: Delivery) -> SendOutcome:
        raise AssertionError("a stale delivery must not be sent")

    report = await DeliveryWorker(sessions, ManualClock(NOW), deliver, "w").drain()
    assert report.dropped == 2


async def test_two_processes_never_send_the_same_row(
    database_url: str, sessions: SessionFactory
) -> None:
    """Two workers, each with its own engine and connections, race over the same rows."""
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(120, cohort_id, person_id), NOW)
    sent: Counter[str] = Counter()

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent[delivery.dedupe_key] += 1
        await asyncio.sleep(0)
        return SendOutcome.SENT

    engines = [create_engine(database_url) for _ in range(2)]
    try:
        workers = [
            DeliveryWorker(session_factory(engine), ManualClock(NOW), deliver, f"p{i}")
            for i, engine in enumerate(engines)
        ]
        reports = await asyncio.gather(*(w.drain(batch=7) for w in workers))
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(sent) == 120
    assert set(sent.values()) == {1}
    assert sum(r.sent for r in reports) == 120
