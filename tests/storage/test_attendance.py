from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance import (
    AttendanceSource,
    AttendanceStatus,
    RsvpAnswer,
    attendance,
    rsvps,
    set_attendance,
    set_rsvp,
)
from cohorte.storage.cohorts import members_as_added
from tests.factories import seed_cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


async def test_an_answer_is_changed_in_place_and_a_new_one_clears_the_reason(
    session: AsyncSession,
) -> None:
    cohort = await seed_cohort(session, NOW)
    assert cohort.id is not None
    member = (await members_as_added(session, cohort.id))[1][0]
    assert member.id is not None
    await set_rsvp(session, cohort.id, "e1", member.id, RsvpAnswer.NO, NOW, reason="Viaje")
    await set_rsvp(session, cohort.id, "s2:2025-04-29", member.id, RsvpAnswer.MAYBE, NOW)
    await session.commit()
    assert [(r.ref, r.answer, r.reason) for r in await rsvps(session, cohort.id, ref="e1")] == [
        ("e1", RsvpAnswer.NO, "Viaje")
    ]
    later = NOW + timedelta(hours=1)
    await set_rsvp(session, cohort.id, "e1", member.id, RsvpAnswer.YES, later)
    await session.commit()
    found = await rsvps(session, cohort.id)
    assert [(r.ref, r.answer, r.reason) for r in found] == [
        ("e1", RsvpAnswer.YES, None),
        ("s2:2025-04-29", RsvpAnswer.MAYBE, None),
    ]
    assert found[0].answered_at == later


async def test_attendance_is_one_record_per_member_and_session(session: AsyncSession) -> None:
    cohort = await seed_cohort(session, NOW)
    assert cohort.id is not None
    coordinator, member = [m for m, _ in await members_as_added(session, cohort.id)]
    assert member.id is not None
    await set_attendance(
        session,
        cohort.id,
        "e1",
        member.id,
        AttendanceStatus.PRESENT,
        AttendanceSource.ZOOM,
        NOW,
        minutes=42,
    )
    await set_attendance(
        session,
        cohort.id,
        "e1",
        member.id,
        AttendanceStatus.EXCUSED,
        AttendanceSource.COORDINATOR,
        NOW,
        recorded_by=coordinator.person_id,
    )
    await session.commit()
    [record] = await attendance(session, cohort.id, ref="e1")
    assert (record.status, record.source, record.minutes, record.recorded_by) == (
        AttendanceStatus.EXCUSED,
        AttendanceSource.COORDINATOR,
        None,
        coordinator.person_id,
    )
