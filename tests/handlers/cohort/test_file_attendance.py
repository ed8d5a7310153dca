"""The cohort file and attendance: attendance is data of the run (exported as CSV), so the
TOML round trip ignores it, and importing a cohort file again never loses it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.messages import CohortFileError
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.recurrence import event_ref
from cohorte.storage.attendance import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    Rsvp,
    RsvpAnswer,
    set_attendance,
    set_rsvp,
)
from cohorte.storage.models import Event, Member
from tests.handlers.cohort.test_file import example_spec


async def _kept(session: AsyncSession) -> list[tuple[int, str, int, str]]:
    """Every RSVP and attendance row, as (cohort, ref, member, what)."""
    answers = (await session.exec(select(Rsvp).order_by(col(Rsvp.id)))).all()
    records = (await session.exec(select(Attendance).order_by(col(Attendance.id)))).all()
    return [(a.cohort_id, a.ref, a.member_id, str(a.answer)) for a in answers] + [
        (r.cohort_id, r.ref, r.member_id, str(r.status)) for r in records
    ]


async def _attended_example(session: AsyncSession, clock: ManualClock) -> tuple[int, str]:
    """The example cohort with every member's answer and attendance at its first event;
    returns its id and its file as exported before any attendance existed."""
    spec = example_spec()
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    before = await export_cohort(session, cohort.id)
    event = (
        await session.exec(
            select(Event).where(Event.cohort_id == cohort.id).order_by(col(Event.id))
        )
    ).first()
    assert event is not None and event.id is not None
    members = (await session.exec(select(Member).where(Member.cohort_id == cohort.id))).all()
    for member in members:
        assert member.id is not None
        await set_rsvp(
            session, cohort.id, event_ref(event.id), member.id, RsvpAnswer.YES, clock.now()
        )
        await set_attendance(
            session,
            cohort.id,
            event_ref(event.id),
            member.id,
            AttendanceStatus.PRESENT,
            AttendanceSource.ZOOM,
            clock.now(),
            minutes=60,
        )
    await session.commit()
    return cohort.id, before


async def test_the_round_trip_is_unchanged_by_attendance(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort_id, before = await _attended_example(session, clock)
    assert len(await _kept(session)) == 2 * 10

    after = await export_cohort(session, cohort_id)

    assert after == before
    assert parse_cohort_file(after.encode()) == example_spec()
    for word in ("attendance", "asistencia", "rsvp", "zoom"):
        assert word not in after.lower()


async def test_a_cohort_imported_again_keeps_its_attendance(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort_id, exported = await _attended_example(session, clock)
    kept = await _kept(session)

    # The same file again is refused before any write: nothing of the run is touched.
    with pytest.raises(CohortFileError):
        await import_cohort(session, parse_cohort_file(exported.encode()), clock.now())
    await session.rollback()
    assert await _kept(session) == kept

    # Its export imported as another cohort (new code, no chats) reuses the same people
    # (their accounts are known) and leaves the first cohort's attendance as it was.
    spec = replace(parse_cohort_file(exported.encode()), invite_code="OTRA-26", chats=())
    second = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert second.id != cohort_id
    assert await _kept(session) == kept
    first_members = (await session.exec(select(Member).where(Member.cohort_id == cohort_id))).all()
    assert {m.id for m in first_members} == {member for _, _, member, _ in kept}
