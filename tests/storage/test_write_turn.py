"""SQLite's write turn: one writer at a time in the process, in arrival order."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cohorte.storage.db import DatabaseBusy, SessionFactory, transaction, write_turn


@pytest.fixture(autouse=True)
def sqlite_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the write turn is SQLite's (PostgreSQL queues writers by row)")


async def test_writers_take_turns_in_arrival_order(sessions: SessionFactory) -> None:
    order: list[str] = []
    inside = 0

    async def writer(name: str) -> None:
        nonlocal inside
        async with transaction(sessions):
            inside += 1
            assert inside == 1  # nobody else is writing
            await asyncio.sleep(0.01)
            order.append(name)
            inside -= 1

    tasks = []
    for name in "abcde":
        tasks.append(asyncio.create_task(writer(name)))
        await asyncio.sleep(0)  # each one queues before the next arrives
    await asyncio.gather(*tasks)
    assert order == list("abcde")


async def test_a_writer_that_cannot_get_the_turn_in_time_is_refused(
    sessions: SessionFactory,
) -> None:
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with write_turn(sessions):
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    with pytest.raises(DatabaseBusy):
        async with transaction(sessions, wait=0.05):
            pass
    release.set()
    await task
    async with transaction(sessions, wait=0.05):
        pass  # free again


async def test_a_cancelled_writer_gives_the_turn_back(sessions: SessionFactory) -> None:
    entered = asyncio.Event()

    async def stuck() -> None:
        async with transaction(sessions):
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(stuck())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with transaction(sessions, wait=0.5):
        pass


async def test_a_transaction_inside_another_is_refused(sessions: SessionFactory) -> None:
    async with transaction(sessions):
        with pytest.raises(RuntimeError, match="inside another"):
            async with transaction(sessions):
                pass
