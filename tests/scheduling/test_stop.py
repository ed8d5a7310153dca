"""A stop of the delivery engine: nothing new leaves, what is leaving finishes in a bounded
time, and every row it held is settled (sent, pending again, or ambiguous), never left held."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.engine import DeliveryEngine
from cohorte.scheduling.outbox import Gate, Outgoing, Planned, SendOutcome, enqueue
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Person
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.factories import seed_cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


async def _queue(sessions: SessionFactory, lanes: list[str]) -> dict[str, int]:
    """One due row per name, each to a person of its own (its own lane); name -> row id."""
    async with transaction(sessions) as session:
        cohort = await seed_cohort(session, NOW)
        people = [Person(display_name=name, created_at=NOW) for name in lanes]
        session.add_all(people)
        await session.flush()
        assert cohort.id is not None
        await enqueue(
            session,
            [
                Planned(f"stop:{p.display_name}", "x", cohort.id, NOW, person_id=p.id)
                for p in people
            ],
            NOW,
        )
    async with sessions() as session:
        found = (await session.exec(select(Delivery))).all()
        return {d.dedupe_key.split(":")[1]: d.id for d in found if d.id is not None}


async def _rows(sessions: SessionFactory) -> dict[int, Delivery]:
    async with sessions() as session:
        return {d.id: d for d in (await session.exec(select(Delivery))).all() if d.id}


async def test_a_stop_finishes_what_left_gives_back_what_waits_and_bounds_the_rest(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await _queue(sessions, ["quick", "waiting", "hung"])
    name_of = {row_id: name for name, row_id in ids.items()}
    opened: set[str] = set()
    both_open = asyncio.Event()
    answered: Counter[str] = Counter()

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        def send_of(name: str):  # type: ignore[no-untyped-def]
            async def send(gate: Gate) -> SendOutcome:
                if name == "waiting":
                    await asyncio.sleep(3600)  # its rate-limit slot never comes
                await gate()
                opened.add(name)
                if {"quick", "hung"} <= opened:
                    both_open.set()
                # "quick" is answered within the stop's grace, "hung" never.
                await asyncio.sleep(0.3 if name == "quick" else 3600)
                answered[name] += 1
                return SendOutcome.SENT

            return send

        return [Outgoing(d, send_of(name_of[d.id or 0])) for d in claimed]

    engine = DeliveryEngine(sessions, ManualClock(NOW), prepare, "w1", stop_seconds=1.0)
    engine.start()
    async with asyncio.timeout(10):
        await both_open.wait()
        started = asyncio.get_running_loop().time()
        await engine.stop()
        took = asyncio.get_running_loop().time() - started
    rows = await _rows(sessions)
    assert answered == {"quick": 1}
    assert rows[ids["quick"]].state is DeliveryState.SENT
    # Never left: pending again, for anyone, sent at the next start.
    waiting = rows[ids["waiting"]]
    assert (waiting.state, waiting.claimed_by, waiting.attempts) == (DeliveryState.PENDING, None, 0)
    # Left, and no answer when the grace was over: ambiguous, not sent again.
    hung = rows[ids["hung"]]
    assert (hung.state, hung.last_error) == (DeliveryState.AMBIGUOUS, "stopped")
    assert not any(r.state in (DeliveryState.CLAIMED, DeliveryState.SENDING) for r in rows.values())
    assert took < 1.0 + 2.0  # the grace, and a little for the records
    assert engine.totals.ambiguous == 1
    # Its log line names it, as a field too (the JSON log's `delivery_id`).
    [warning] = [r for r in caplog.records if "had no answer" in r.getMessage()]
    assert getattr(warning, "delivery_id", None) == ids["hung"]


async def test_nothing_is_claimed_after_a_stop_began(sessions: SessionFactory) -> None:
    ids = await _queue(sessions, ["first"])
    sent: list[int] = []
    leaving = asyncio.Event()
    release = asyncio.Event()

    async def prepare(claimed: list[Delivery]) -> list[Outgoing]:
        def send_of(delivery: Delivery):  # type: ignore[no-untyped-def]
            async def send(gate: Gate) -> SendOutcome:
                await gate()
                leaving.set()
                await release.wait()
                sent.append(delivery.id or 0)
                return SendOutcome.SENT

            return send

        return [Outgoing(d, send_of(d)) for d in claimed]

    clock = ManualClock(NOW)
    engine = DeliveryEngine(sessions, clock, prepare, "w1", poll_seconds=0.05)
    engine.start()
    async with asyncio.timeout(10):
        await leaving.wait()
        engine.begin_stop()
        # Something falls due while the first message is still out: it stays pending.
        async with transaction(sessions) as session:
            first = await session.get(Delivery, ids["first"])
            person = Person(display_name="late", created_at=NOW)
            session.add(person)
            await session.flush()
            assert first is not None
            await enqueue(
                session, [Planned("stop:late", "x", first.cohort_id, NOW, person_id=person.id)], NOW
            )
        engine.poke()
        await asyncio.sleep(0.3)
        release.set()
        await engine.stop()
    rows = await _rows(sessions)
    assert sent == [ids["first"]]
    states = Counter(r.state for r in rows.values())
    assert states == {DeliveryState.SENT: 1, DeliveryState.PENDING: 1}
