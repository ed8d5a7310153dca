"""The outbox and its engine: planned once, sent once, outcomes recorded, lanes kept in order."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.engine import DeliveryEngine
from cohorte.scheduling.outbox import (
    Gate,
    Outgoing,
    Planned,
    SendOutcome,
    drop_pending,
    enqueue,
    sending_each,
)
from cohorte.scheduling.roles import AdvisoryLockRole
from cohorte.storage import outbox as rows
from cohorte.storage.db import SessionFactory, create_engine, session_factory, transaction
from cohorte.storage.models import Person
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.factories import seed_cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


def planned(n: int, cohort_id: int, person_id: int, **kwargs: object) -> list[Planned]:
    return [
        Planned(
            f"test:{i}",
            "announcement",
            cohort_id,
            NOW - timedelta(minutes=1) + timedelta(seconds=i),
            person_id=person_id,
            **kwargs,
        )  # type: ignore[arg-type]
        for i in range(n)
    ]


async def _ids(session: AsyncSession) -> tuple[int, int]:
    cohort = await seed_cohort(session, NOW)
    person = (await session.exec(select(Person))).first()
    assert cohort.id is not None and person is not None and person.id is not None
    return cohort.id, person.id


async def _people(session: AsyncSession, n: int) -> tuple[int, list[int]]:
    """A cohort and `n` more people (each its own lane)."""
    cohort_id, _ = await _ids(session)
    people = [Person(display_name=f"P{i}", created_at=NOW) for i in range(n)]
    session.add_all(people)
    await session.flush()
    return cohort_id, [p.id for p in people if p.id is not None]


async def _states(sessions: SessionFactory) -> Counter[DeliveryState]:
    async with sessions() as session:
        return Counter(d.state for d in (await session.exec(select(Delivery))).all())


def _engine(
    sessions: SessionFactory, deliver: object, clock: ManualClock | None = None, name: str = "w1"
) -> DeliveryEngine:
    return DeliveryEngine(sessions, clock or ManualClock(NOW), sending_each(deliver), name)  # type: ignore[arg-type]


async def test_planning_twice_inserts_once(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        assert await enqueue(session, planned(3, cohort_id, person_id), NOW) == 3
        assert await enqueue(session, planned(3, cohort_id, person_id), NOW) == 0


async def test_outcomes_are_recorded(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 4)
        for i, person_id in enumerate(people):
            await enqueue(
                session, [Planned(f"t:{i}", "x", cohort_id, NOW, person_id=person_id)], NOW
            )
    outcomes = iter(
        [SendOutcome.SENT, SendOutcome.AMBIGUOUS, SendOutcome.RETRY, SendOutcome.UNREACHABLE]
    )

    async def deliver(delivery: Delivery) -> SendOutcome:
        return next(outcomes)

    clock = ManualClock(NOW)
    report = await _engine(sessions, deliver, clock).drain()
    assert (report.sent, report.ambiguous, report.retried, report.failed) == (1, 1, 1, 1)
    assert await _states(sessions) == {
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

    retry = _engine(sessions, record, clock, "w2")
    assert not await retry.drain()
    clock.advance(timedelta(minutes=1))
    await retry.drain()
    assert sent_again == ["t:2"]


async def test_rows_left_by_a_dead_sender(sessions: SessionFactory) -> None:
    """`claimed` never left: sent by the next sender; `sending` may have: ambiguous."""
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 2)
        for i, person_id in enumerate(people):
            await enqueue(
                session, [Planned(f"t:{i}", "x", cohort_id, NOW, person_id=person_id)], NOW
            )
    async with transaction(sessions) as session:
        claimed = await rows.claim(session, NOW, "dead", 10, NOW + timedelta(minutes=1))
        assert len(claimed) == 2
        assert await rows.mark_sending(session, [claimed[0].id or 0], "dead") == {claimed[0].id}
    sent: list[str] = []

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent.append(delivery.dedupe_key)
        return SendOutcome.SENT

    # A newly started sole sender takes over at once, without waiting for the lease.
    report = await _engine(sessions, deliver).drain()
    assert sent == ["t:1"]
    assert (report.sent, report.ambiguous) == (1, 1)
    assert await _states(sessions) == {DeliveryState.SENT: 1, DeliveryState.AMBIGUOUS: 1}


async def test_a_live_sender_waits_for_foreign_leases(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(2, cohort_id, person_id), NOW)
        claimed = await rows.claim(session, NOW, "other", 10, NOW + timedelta(seconds=30))
        await rows.mark_sending(session, [claimed[0].id or 0], "other")
    async with transaction(sessions) as session:
        assert await rows.recover(session, NOW + timedelta(seconds=10), "me") == []
        assert await rows.claim(session, NOW + timedelta(seconds=10), "me", 10, NOW) == []
    async with transaction(sessions) as session:
        later = NOW + timedelta(seconds=31)
        ambiguous = await rows.recover(session, later, "me")
        assert [d.dedupe_key for d in ambiguous] == ["test:0"]
        again = await rows.claim(session, later, "me", 10, later + timedelta(seconds=30))
        assert [d.dedupe_key for d in again] == ["test:1"]


async def test_stale_deliveries_are_dropped(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(2, cohort_id, person_id, expires_at=NOW), NOW)

    async def deliver(delivery: Delivery) -> SendOutcome:
        raise AssertionError("a stale delivery must not be sent")

    report = await _engine(sessions, deliver).drain()
    assert report.dropped == 2


async def test_a_retry_goes_before_the_later_messages_of_its_chat(
    sessions: SessionFactory,
) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 1)
        await enqueue(session, planned(3, cohort_id, people[0]), NOW)
        other = Planned("other", "x", cohort_id, NOW, person_id=people[0] + 0)
        await enqueue(session, [other], NOW)
    failures = {"test:0": 1}
    arrived: list[str] = []

    async def deliver(delivery: Delivery) -> SendOutcome:
        if failures.get(delivery.dedupe_key, 0) > 0:
            failures[delivery.dedupe_key] -= 1
            return SendOutcome.RETRY
        arrived.append(delivery.dedupe_key)
        return SendOutcome.SENT

    clock = ManualClock(NOW)
    engine = _engine(sessions, deliver, clock)
    report = await engine.drain()
    assert report.retried == 1 and arrived == []  # the whole lane waits
    clock.advance(timedelta(seconds=11))
    await engine.drain()
    assert arrived == ["test:0", "test:1", "test:2", "other"]


async def test_one_slow_chat_does_not_hold_back_the_others(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 30)
        await enqueue(
            session,
            [Planned(f"t:{p}", "x", cohort_id, NOW, person_id=p) for p in people],
            NOW,
        )
    slow = f"t:{people[0]}"
    release = asyncio.Event()
    arrived: list[str] = []

    async def deliver(delivery: Delivery) -> SendOutcome:
        if delivery.dedupe_key == slow:
            await release.wait()
        arrived.append(delivery.dedupe_key)
        if len(arrived) == len(people) - 1:
            release.set()  # every other chat got its message while this one hung
        return SendOutcome.SENT

    report = await asyncio.wait_for(_engine(sessions, deliver).drain(), 30)
    assert report.sent == 30 and arrived[-1] == slow


async def test_a_failure_after_the_gate_is_ambiguous_before_it_a_retry(
    sessions: SessionFactory,
) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 2)
        for person_id in people:
            await enqueue(
                session, [Planned(f"p{person_id}", "x", cohort_id, NOW, person_id=person_id)], NOW
            )
    first = f"p{people[0]}"

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        def send_of(delivery: Delivery):  # type: ignore[no-untyped-def]
            async def send(gate: Gate) -> SendOutcome:
                if delivery.dedupe_key == first:
                    await gate()
                raise RuntimeError("a bug in an adapter")

            return send

        return [Outgoing(d, send_of(d)) for d in claimed]

    engine = DeliveryEngine(sessions, ManualClock(NOW), prepare, "w")
    report = await engine.drain()
    assert (report.ambiguous, report.retried) == (1, 1)
    async with sessions() as session:
        states = {d.dedupe_key: d.state for d in (await session.exec(select(Delivery))).all()}
    assert states[first] is DeliveryState.AMBIGUOUS
    assert states[f"p{people[1]}"] is DeliveryState.PENDING


async def test_a_row_dropped_while_claimed_is_not_sent(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(1, cohort_id, person_id, ref="e1"), NOW)
    sent: list[str] = []

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        # The session moves between the claim and the send.
        async with transaction(sessions) as session:
            await drop_pending(session, "e1", "moved")

        async def send(gate: Gate) -> SendOutcome:
            await gate()
            sent.append("sent")
            return SendOutcome.SENT

        return [Outgoing(d, send) for d in claimed]

    await DeliveryEngine(sessions, ManualClock(NOW), prepare, "w").drain()
    assert sent == []
    assert await _states(sessions) == {DeliveryState.DROPPED: 1}


async def test_a_failed_record_after_a_send_is_retried_never_resent(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 5)
        await enqueue(
            session, [Planned(f"t:{p}", "x", cohort_id, NOW, person_id=p) for p in people], NOW
        )
    real_record = rows.record
    failures = {"left": 2}

    async def flaky_record(*args: object, **kwargs: object) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("UPDATE delivery", {}, Exception("connection lost"))
        await real_record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rows, "record", flaky_record)
    sent: Counter[str] = Counter()

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent[delivery.dedupe_key] += 1
        return SendOutcome.SENT

    engine = _engine(sessions, deliver)
    report = await engine.drain()
    assert report.sent == 5
    assert await engine.drain() == type(report)()  # nothing left to send
    assert set(sent.values()) == {1} and len(sent) == 5
    assert await _states(sessions) == {DeliveryState.SENT: 5}


async def test_concurrent_drains_of_one_engine_send_once(sessions: SessionFactory) -> None:
    """The tick, a wake-up and a handler's poke may all ask at once: one drain at a time."""
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 40)
        await enqueue(
            session, [Planned(f"t:{p}", "x", cohort_id, NOW, person_id=p) for p in people], NOW
        )
    sent: Counter[str] = Counter()

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent[delivery.dedupe_key] += 1
        await asyncio.sleep(0.001)
        return SendOutcome.SENT

    engine = _engine(sessions, deliver)
    await asyncio.gather(*(engine.drain() for _ in range(4)))
    assert len(sent) == 40 and set(sent.values()) == {1}


class EveryoneSends:
    """A misconfigured deployment: every process believes it may send."""

    exclusive = False

    async def hold(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        pass


async def test_two_processes_never_send_the_same_row(
    database_url: str, sessions: SessionFactory
) -> None:
    """Even without the sending role, two engines racing over the same rows (each with
    its own connections) never both send one: the claim alone keeps them apart."""
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 60)
        await enqueue(
            session,
            [
                Planned(f"t:{p}:{i}", "x", cohort_id, NOW, person_id=p)
                for p in people
                for i in (0, 1)
            ],
            NOW,
        )
    sent: Counter[str] = Counter()

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent[delivery.dedupe_key] += 1
        await asyncio.sleep(0)
        return SendOutcome.SENT

    engines = [create_engine(database_url) for _ in range(2)]
    try:
        workers = [
            DeliveryEngine(
                session_factory(engine),
                ManualClock(NOW),
                sending_each(deliver),
                f"p{i}",
                claim_batch=7,
                in_flight=14,
                role=EveryoneSends(),
            )
            for i, engine in enumerate(engines)
        ]
        reports = []
        # As the live loop does: drain again while rows remain (a drain ends when all
        # that is due is held back by rows the other engine holds).
        for _ in range(20):
            reports += await asyncio.gather(*(w.drain() for w in workers))
            if len(sent) == 120:
                break
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(sent) == 120
    assert set(sent.values()) == {1}
    assert sum(r.sent for r in reports) == 120


async def test_next_wake_skips_rows_held_back(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(2, cohort_id, person_id), NOW)
        await session.exec(
            update(Delivery)
            .where(col(Delivery.dedupe_key) == "test:0")
            .values(not_before=NOW + timedelta(seconds=40))
        )
    async with sessions() as session:
        assert await rows.next_wake(session, NOW, "me") == NOW + timedelta(seconds=40)


def role_gauge(engine: DeliveryEngine) -> float | None:
    """What `cohorte_sending_role` says for this engine's process."""
    registry = engine.metrics.registry
    return registry.get_sample_value("cohorte_sending_role", {"process": engine.name})


async def test_only_the_holder_of_the_sending_role_sends(
    database_url: str, sessions: SessionFactory
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the sending role is a PostgreSQL advisory lock: set COHORTE_TEST_DATABASE_URL")
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 20)
        await enqueue(
            session, [Planned(f"t:{p}", "x", cohort_id, NOW, person_id=p) for p in people], NOW
        )
    sent: Counter[str] = Counter()

    def deliver_as(name: str):  # type: ignore[no-untyped-def]
        async def deliver(delivery: Delivery) -> SendOutcome:
            sent[name] += 1
            return SendOutcome.SENT

        return deliver

    engines = [create_engine(database_url) for _ in range(2)]
    workers = [
        DeliveryEngine(
            session_factory(engine),
            ManualClock(NOW),
            sending_each(deliver_as(f"p{i}")),
            f"p{i}",
            role=AdvisoryLockRole(engine),
        )
        for i, engine in enumerate(engines)
    ]
    try:
        await asyncio.gather(*(w.drain() for w in workers))
        assert sum(sent.values()) == 20 and len(sent) == 1
        # The holder goes away: the other takes the role and sends what comes next.
        holder = next(w for w in workers if w.name in sent)
        other = next(w for w in workers if w is not holder)
        assert [role_gauge(w) for w in (holder, other)] == [1, 0]  # each process's /metrics
        await holder.stop()
        async with transaction(sessions) as session:
            await enqueue(
                session, [Planned("later", "x", cohort_id, NOW, person_id=people[0])], NOW
            )
        await other.drain()
        assert sent[other.name] == 1
        assert [role_gauge(w) for w in (holder, other)] == [0, 1]
    finally:
        for worker in workers:
            await worker.stop()
        for engine in engines:
            await engine.dispose()


async def test_a_retry_holds_back_a_later_message_that_falls_due_meanwhile(
    sessions: SessionFactory,
) -> None:
    """The retried row must be recorded before its chat's next row can be claimed."""
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 1)
        lane = people[0]
        await enqueue(
            session,
            [
                Planned("first", "x", cohort_id, NOW, person_id=lane),
                Planned("second", "x", cohort_id, NOW + timedelta(seconds=5), person_id=lane),
            ],
            NOW,
        )
    clock = ManualClock(NOW)
    arrived: list[str] = []
    failures = {"first": 1}

    async def deliver(delivery: Delivery) -> SendOutcome:
        if failures.get(delivery.dedupe_key, 0):
            failures[delivery.dedupe_key] -= 1
            clock.advance(timedelta(milliseconds=5_500))  # the second falls due meanwhile
            return SendOutcome.RETRY
        arrived.append(delivery.dedupe_key)
        return SendOutcome.SENT

    for _ in range(10):
        failures["first"] = 1
        arrived.clear()
        async with transaction(sessions) as session:
            await session.exec(
                update(Delivery).values(
                    state="pending", not_before=None, claimed_by=None, attempts=0
                )
            )
        clock.set(NOW)
        engine = _engine(sessions, deliver, clock)
        await engine.drain()
        assert arrived == []  # the second waits for the first's retry
        clock.advance(timedelta(seconds=2))
        await engine.drain()
        assert arrived == ["first", "second"]


async def test_a_bug_while_preparing_a_batch_does_not_stall_the_engine(
    sessions: SessionFactory,
) -> None:
    async with transaction(sessions) as session:
        cohort_id, people = await _people(session, 3)
        await enqueue(
            session, [Planned(f"t:{p}", "x", cohort_id, NOW, person_id=p) for p in people], NOW
        )

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        raise RuntimeError("a bug in a renderer's batch")

    engine = DeliveryEngine(sessions, ManualClock(NOW), prepare, "w", in_flight=2)
    await asyncio.wait_for(engine.drain(), 10)
    async with sessions() as session:
        found = (await session.exec(select(Delivery))).all()
    assert {d.state for d in found} == {DeliveryState.PENDING}
    assert all(d.not_before is not None and d.not_before > NOW for d in found)  # not at once


async def test_a_bug_while_marking_does_not_hang_the_drain(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with transaction(sessions) as session:
        cohort_id, person_id = await _ids(session)
        await enqueue(session, planned(2, cohort_id, person_id), NOW)

    async def broken(*args: object, **kwargs: object) -> set[int]:
        raise ValueError("a bug")

    monkeypatch.setattr(rows, "mark_sending", broken)
    sent: list[str] = []

    async def deliver(delivery: Delivery) -> SendOutcome:
        sent.append(delivery.dedupe_key)
        return SendOutcome.SENT

    await asyncio.wait_for(_engine(sessions, deliver).drain(), 10)
    assert sent == []  # nothing leaves without its mark
