"""One transaction per incoming event: dedupe inside it, the write turn, busy answers, load."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly
from cohorte.handlers.core import router as router_module
from cohorte.handlers.core.buttons import ButtonRoute, NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import ChatKind, Incoming, Reply
from cohorte.handlers.poll import closing as poll_closing
from cohorte.handlers.poll.view import PollView
from cohorte.locales import N_
from cohorte.storage import voting
from cohorte.storage.db import SessionFactory, create_engine, session_factory, write_turn
from cohorte.storage.models import Cohort, InboundEvent, Platform, Role
from cohorte.storage.polls import Choice, Poll, Vote
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.poll.test_poll import OPEN, STALE, seed_three_zones, the_poll, vote_rows

BUSY_VOTE = "No pudimos registrar tu voto. Inténtalo de nuevo en unos segundos."
SORRY = "Perdón, algo falló"


def press(person: str, payload: str, event_id: str | None = None) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=person,
        sender_name=person.capitalize(),
        chat_id="sala",
        chat_kind=ChatKind.GROUP,
        payload=payload,
        event_id=event_id,
    )


async def open_poll(session: AsyncSession, transcript: Transcript) -> tuple[int, list[int]]:
    await seed_three_zones(session, transcript.chat.clock.now())
    await transcript.run(f":como coordina\n{OPEN}")
    poll, slots = await the_poll(transcript.chat.core.sessions)
    assert poll.id is not None
    return poll.id, [slot.id or 0 for slot in slots]


async def inbound_ids(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        return list((await session.exec(select(InboundEvent.event_id))).all())


def texts(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


async def test_an_event_that_failed_is_not_marked_seen_and_is_applied_when_redelivered(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll_id, slots = await open_poll(session, transcript)
    core = assembly.core
    real = voting.cast_vote

    async def crash(*args: object, **kwargs: object) -> int | None:
        await real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the process died right after writing the vote")

    monkeypatch.setattr(voting, "cast_vote", crash)
    with caplog.at_level(logging.ERROR):
        failed = await core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "upd-1"))
    assert SORRY in texts(failed)
    # Neither the vote nor the event's id were kept: they were one transaction.
    assert await vote_rows(sessions) == []
    assert await inbound_ids(sessions) == []

    monkeypatch.setattr(voting, "cast_vote", real)
    again = await core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "upd-1"))
    assert texts(again).startswith("Anotado")
    assert [row.choice for row in await vote_rows(sessions)] == [Choice.YES]
    assert await inbound_ids(sessions) == ["upd-1"]

    # Once applied, the same event again is ignored: a later change is not undone.
    await core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:n", "upd-2"))
    assert await core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "upd-1")) == []
    assert [row.choice for row in await vote_rows(sessions)] == [Choice.NO]


async def test_the_same_event_delivered_twice_at_once_is_applied_once(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    poll_id, slots = await open_poll(session, transcript)
    answers = await asyncio.gather(
        *(assembly.core.handle(press("sofia", f"v:{poll_id}:{slots[1]}:m", "twice")) for _ in "ab")
    )
    assert sorted(len(replies) for replies in answers) == [0, 1]
    assert await inbound_ids(sessions) == ["twice"]
    assert [row.choice for row in await vote_rows(sessions)] == [Choice.MAYBE]


async def test_a_press_that_cannot_get_its_turn_is_told_to_try_again(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the write turn is SQLite's; PostgreSQL's busy case is the next test")
    poll_id, slots = await open_poll(session, transcript)
    monkeypatch.setattr(router_module, "BUSY_WAIT", 0.2)
    held, release = asyncio.Event(), asyncio.Event()

    async def long_writer() -> None:
        async with write_turn(sessions):
            held.set()
            await release.wait()

    writer = asyncio.create_task(long_writer())
    await held.wait()
    with caplog.at_level(logging.INFO):
        refused = await assembly.core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "e1"))
        other = await assembly.core.handle(press("sofia", "stl", "e2"))
    release.set()
    await writer
    assert texts(refused) == BUSY_VOTE
    assert refused[0].ephemeral
    assert texts(other).startswith("No pudimos atender esto ahora")
    assert await vote_rows(sessions) == []
    assert await inbound_ids(sessions) == []  # not seen: Telegram may deliver it again
    assert not any(record.exc_info for record in caplog.records)
    # Once the turn is free, the same press goes through.
    accepted = await assembly.core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "e1"))
    assert texts(accepted).startswith("Anotado")


async def test_an_unreachable_database_gets_the_same_answer_without_a_traceback(
    assembly: Assembly, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    # A server that refuses connections (nothing listens on port 9 of the loopback).
    url = (
        "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"
        if database_url.startswith("postgresql")
        else "sqlite+aiosqlite:////nonexistent-folder/cohorte.db"
    )
    away = create_engine(url)
    core = assembly.core
    core.sessions = session_factory(away)
    try:
        with caplog.at_level(logging.INFO):
            replies = await core.handle(press("sofia", "v:1:1:y", "gone"))
    finally:
        await away.dispose()
    assert texts(replies) == BUSY_VOTE
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None


@pytest.mark.parametrize(
    "payload",
    [
        "v:１:1:y",  # full-width digits: int() takes them
        "v:1_0:1:y",  # so does an underscore
        "v: 1:1:y",
        "v:99999999999:1:y",  # beyond the id columns
        "v:0:1:y",
        "v:-1:1:y",
        "v:1:1" + "0" * 80 + ":y",
        "std:2147483648",
        "sts:1_1:d",
        "pb:٣",  # Arabic-Indic digit
    ],
)
async def test_button_ids_are_ascii_and_in_range(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    payload: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await open_poll(session, transcript)
    with caplog.at_level(logging.INFO):
        replies = await assembly.core.handle(press("sofia", payload))
    assert STALE in texts(replies)
    assert not any(record.exc_info for record in caplog.records)
    assert await vote_rows(sessions) == []


async def test_a_crowd_of_presses_at_once_is_all_recorded(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    poll_id, slots = await open_poll(session, transcript)
    cohort_id = (await session.exec(select(Poll.cohort_id))).first()
    cohort = await session.get(Cohort, cohort_id)
    assert cohort is not None
    now = transcript.chat.clock.now()
    names = [f"p{n}" for n in range(40)]
    for name in names:
        await add_member(session, cohort, name, name, Role.PARTICIPANT, None, now)
    await session.commit()
    codes = "ymn"
    presses = [
        press(name, f"v:{poll_id}:{slot}:{codes[(n + k) % 3]}", f"{name}-{slot}")
        for n, name in enumerate(names)
        for k, slot in enumerate(slots)
    ]
    answers = await asyncio.gather(*(assembly.core.handle(p) for p in presses))
    assert all(texts(replies).startswith("Anotado") for replies in answers)
    async with sessions() as check:
        stored = (await check.exec(select(func.count()).select_from(Vote))).one()
        events = (await check.exec(select(func.count()).select_from(InboundEvent))).one()
    assert stored == len(presses) == events


async def test_no_vote_lands_after_the_poll_closed(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Votes and the close, really concurrent (PostgreSQL: several connections; SQLite:
    the write turn): what the close counted is what stays."""
    poll_id, slots = await open_poll(session, transcript)
    cohort_id = (await session.exec(select(Poll.cohort_id))).first()
    cohort = await session.get(Cohort, cohort_id)
    assert cohort is not None
    now = transcript.chat.clock.now()
    names = [f"q{n}" for n in range(30)]
    for name in names:
        await add_member(session, cohort, name, name, Role.PARTICIPANT, None, now)
    await session.commit()
    counted: list[int] = []
    real_close = poll_closing.close_poll

    async def close_and_count(
        session: AsyncSession, poll: Poll, now: datetime, **kwargs: object
    ) -> PollView | None:
        view = await real_close(session, poll, now, **kwargs)  # type: ignore[arg-type]
        if view is not None:
            counted.append(len(view.votes))
        return view

    monkeypatch.setattr(poll_closing, "close_poll", close_and_count)
    votes = [
        assembly.core.handle(press(name, f"v:{poll_id}:{slot}:y"))
        for name in names
        for slot in slots
    ]
    closing = assembly.core.handle(
        Incoming(
            Platform.CONSOLE,
            "coordina",
            "Coordina",
            "coordina",
            ChatKind.PRIVATE,
            text="/encuesta cerrar",
        )
    )
    answers = await asyncio.gather(*votes[:45], closing, *votes[45:])
    receipts = sum(texts(replies).startswith("Anotado") for replies in answers)
    closed = sum("ya cerró" in texts(replies) for replies in answers)
    assert counted and receipts + closed == len(votes)
    async with sessions() as check:
        stored = (
            await check.exec(
                select(func.count()).select_from(Vote).where(col(Vote.poll_id) == poll_id)
            )
        ).one()
    assert stored == counted[0] == receipts


async def test_a_vote_stored_but_not_read_back_is_told_it_counted(
    session: AsyncSession,
    sessions: SessionFactory,
    transcript: Transcript,
    assembly: Assembly,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    poll_id, slots = await open_poll(session, transcript)

    async def away(*_args: object) -> None:
        raise OperationalError("SELECT …", {}, Exception("server closed the connection"))

    monkeypatch.setattr(voting, "ballot_of", away)
    replies = await assembly.core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y", "k1"))
    assert texts(replies) == "Listo: quedó anotado."  # never "try again": it is stored
    assert [row.choice for row in await vote_rows(sessions)] == [Choice.YES]


async def test_a_bug_that_looks_like_a_database_error_is_not_called_busy(
    session: AsyncSession,
    transcript: Transcript,
    assembly: Assembly,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll_id, slots = await open_poll(session, transcript)

    async def missing_table(*_args: object) -> None:
        raise OperationalError("INSERT …", {}, Exception("no such table: vote"))

    monkeypatch.setattr(voting, "cast_vote", missing_table)
    with caplog.at_level(logging.ERROR):
        replies = await assembly.core.handle(press("sofia", f"v:{poll_id}:{slots[0]}:y"))
    assert SORRY in texts(replies)
    assert any(record.exc_info for record in caplog.records)  # a bug keeps its traceback


async def test_work_for_after_the_commit_is_dropped_when_the_handler_refuses(
    session: AsyncSession, transcript: Transcript, assembly: Assembly
) -> None:
    await open_poll(session, transcript)
    ran: list[str] = []

    async def later() -> list[Reply]:
        ran.append("later")
        return [Reply("after")]

    async def refuse(ctx: Context, _fields: NoFields) -> list[Reply]:
        ctx.after_commit(later)
        raise CohortError(N_("That button is no longer valid. Ask again with the command."))

    assembly.core.router.button(ButtonRoute("zz", NoFields), refuse)
    replies = await assembly.core.handle(press("sofia", "zz"))
    assert texts(replies) == STALE + " Vuelve a pedirlo con el comando."
    assert ran == []


async def test_a_press_that_waited_too_long_in_the_adapters_queue_is_refused_at_once(
    session: AsyncSession, sessions: SessionFactory, transcript: Transcript, assembly: Assembly
) -> None:
    poll_id, slots = await open_poll(session, transcript)
    late = replace(
        press("sofia", f"v:{poll_id}:{slots[0]}:y", "late"), received=time.monotonic() - 5
    )
    assert texts(await assembly.core.handle(late)) == BUSY_VOTE
    assert await vote_rows(sessions) == [] and await inbound_ids(sessions) == []
    fresh = replace(late, received=time.monotonic())
    assert texts(await assembly.core.handle(fresh)).startswith("Anotado")
