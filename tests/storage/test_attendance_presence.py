"""The "✋ Estoy aquí" statement: its checks are inside the write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance import (
    AttendanceSource,
    AttendanceStatus,
    absent_people,
    attendance,
    attendance_of,
    record_own_presence,
    set_attendance,
)
from cohorte.storage.cohorts import members_as_added
from tests.factories import seed_cohort

NOW = datetime(2025, 5, 6, 15, 0, tzinfo=UTC)


async def test_a_press_records_a_participant_once_and_never_overrides_a_coordinator(
    session: AsyncSession,
) -> None:
    seeded = await seed_cohort(session, NOW)
    assert seeded.id is not None
    (coordinator, coordina), (member, sofia) = await members_as_added(session, seeded.id)
    assert sofia.id is not None and coordina.id is not None and member.id is not None
    # Plain ids: the rows expire at each commit.
    cohort_id, member_id, team_id = seeded.id, member.id, member.team_id or 0
    sofia_id, coordina_id = sofia.id, coordina.id
    assert coordinator.role.value == "coordinator"

    assert await record_own_presence(session, cohort_id, "e1", coordina_id, NOW) is None
    assert await record_own_presence(session, cohort_id + 1, "e1", sofia_id, NOW) is None
    other_team = team_id + 1
    assert (
        await record_own_presence(session, cohort_id, "e1", sofia_id, NOW, team_id=other_team)
        is None
    )
    assert await attendance(session, cohort_id) == []

    later = NOW + timedelta(minutes=5)
    assert await record_own_presence(session, cohort_id, "e1", sofia_id, NOW) == member_id
    assert await record_own_presence(session, cohort_id, "e1", sofia_id, later) == member_id
    await session.commit()
    (record,) = await attendance(session, cohort_id)
    assert (record.status, record.source, record.recorded_by) == (
        AttendanceStatus.PRESENT,
        AttendanceSource.SELF,
        sofia_id,
    )
    assert record.recorded_at == later

    await set_attendance(
        session,
        cohort_id,
        "e1",
        member_id,
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
        NOW,
        recorded_by=coordina_id,
    )
    assert await record_own_presence(session, cohort_id, "e1", sofia_id, later) is None
    await session.commit()
    session.expire_all()
    found = await attendance_of(session, "e1", member_id)
    assert found is not None and found.status is AttendanceStatus.ABSENT
    assert await absent_people(session, ["e1", "e2"]) == [("e1", sofia_id)]
