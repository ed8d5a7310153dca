"""Stopping mid-way through a batch and starting again: every reminder arrives once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import assemble
from cohorte.handlers.core.messages import Direct, Group, Reply
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.outbox import Gate, SendOutcome, open_gate
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.models import Platform, Role, Team
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


class RecordingMessenger:
    """A console messenger that can be made to hang on the Nth message."""

    platform = Platform.CONSOLE

    def __init__(self, hang_at: int | None = None) -> None:
        self.sent: Counter[str] = Counter()
        self.calls = 0
        self.hang_at = hang_at
        self.hanging = asyncio.Event()

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        await gate()
        self.calls += 1
        if self.calls == self.hang_at:
            self.hanging.set()
            await asyncio.sleep(3600)  # the process is stopped while this send is in flight
        assert isinstance(reply.to, Direct | Group)
        who = reply.to.user_id if isinstance(reply.to, Direct) else "#" + reply.to.chat_id
        self.sent[f"{who}|{reply.text.splitlines()[0]}"] += 1
        return SendOutcome.SENT


async def test_stop_mid_batch_then_restart_delivers_each_reminder_once(
    session: AsyncSession, database_url: str, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    bogota = (await session.exec(select(Team).where(Team.name == "Bogotá"))).one()
    for i in range(20):
        await add_member(session, cohort, f"P{i}", f"p{i}", Role.PARTICIPANT, bogota, clock.now())
    await session.commit()
    await transcript.run(':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "A"')

    due = datetime(2025, 5, 5, 15, 1, tzinfo=UTC)  # just after the 24 h reminder is due
    first = RecordingMessenger(hang_at=9)
    engine = create_engine(database_url)
    try:
        parts = assemble(session_factory(engine), ManualClock(due))
        parts.messengers[Platform.CONSOLE] = first
        run = asyncio.create_task(parts.ticker.tick())
        await first.hanging.wait()
        run.cancel()  # the bot is stopped while one message is leaving
        await asyncio.gather(run, return_exceptions=True)
    finally:
        await engine.dispose()
    assert 8 <= sum(first.sent.values()) <= 22

    second = RecordingMessenger()
    engine = create_engine(database_url)
    try:
        # Started again at once: nothing waits for the old leases.
        parts = assemble(session_factory(engine), ManualClock(due + timedelta(seconds=5)))
        parts.messengers[Platform.CONSOLE] = second
        report = await parts.ticker.tick()
        await parts.ticker.tick()
    finally:
        await engine.dispose()

    together = first.sent + second.sent
    assert set(together.values()) == {1}  # nobody got it twice
    # 22 people (coordinator, Sofía, 20 participants) by DM and the group room: the one
    # that was leaving when the bot stopped may have arrived, so it is ambiguous, not resent.
    assert len(together) == 22
    assert report.ambiguous == 1
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as check:
            reminders = select(Delivery).where(Delivery.kind == "reminder")
            states = Counter(d.state for d in (await check.exec(reminders)).all())
    finally:
        await engine.dispose()
    assert states[DeliveryState.AMBIGUOUS] == 1
    assert states[DeliveryState.SENT] == 22


async def test_ics_expanded_independently_matches_upcoming_list(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(
        """
        :como coordina
        /sesion semanal mié 10:00
        /acompanamiento Santiago jue 11:00
        /sesion cancelar s1/2025-05-07
        /sesion mover s1/2025-05-14 15 de mayo 16:00
        /sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"
        """
    )
    from cohorte.handlers.agenda.ics import build_ics
    from cohorte.handlers.agenda.occurrences import cohort_occurrences
    from cohorte.locales import Translator
    from cohorte.storage.models import Cohort

    cohort = (await session.exec(select(Cohort))).one()
    now = transcript.chat.clock.now()
    end = datetime(2025, 7, 14, tzinfo=UTC)
    ours = await cohort_occurrences(session, cohort, now, end)
    calendar = Calendar.from_ical(await build_ics(session, cohort, Translator("es"), now, None))
    theirs = recurring_ical_events.of(calendar).between(now, end)
    assert sorted(e["DTSTART"].dt.astimezone(UTC) for e in theirs) == [o.starts_at for o in ours]
    # Santiago's check-ins stay at 11:00 local in the file as in our list.
    assert all(e["DTSTART"].dt.hour == 11 for e in theirs if "acompañamiento" in str(e["SUMMARY"]))
