from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.attendance import (
    AttendanceSource,
    AttendanceStatus,
    RsvpAnswer,
    answers_of,
    attendance,
    confirmed_by_team,
    press_rsvp,
    rsvps,
    set_attendance,
    set_rsvp,
    set_rsvp_reason,
)
from cohorte.storage.cohorts import members_as_added
from cohorte.storage.models import Cohort, Event, EventKind, Person
from cohorte.storage.series import Series, SeriesKind
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


async def test_an_rsvp_press_checks_membership_and_the_session_inside_its_one_write(
    session: AsyncSession,
) -> None:
    """The hot path: a member of the session's own cohort only; for an event, one that is
    neither cancelled nor started. A new answer clears an earlier reason."""
    cohort = await seed_cohort(session, NOW)
    other = Cohort(
        name="Otra",
        home_zone="America/Lima",
        start_date=NOW.date(),
        invite_code="OTRA",
        created_at=NOW,
    )
    session.add(other)
    await session.flush()
    assert cohort.id is not None and other.id is not None
    stranger, sofia = [member for member, _ in await members_as_added(session, cohort.id)]
    outsider = Person(display_name="Afuera", created_at=NOW)
    session.add(outsider)
    starts = NOW + timedelta(days=2)
    ours = Event(cohort_id=cohort.id, kind=EventKind.MASTERCLASS, title="M", starts_at=starts)
    theirs = Event(cohort_id=other.id, kind=EventKind.MASTERCLASS, title="M", starts_at=starts)
    gone = Event(
        cohort_id=cohort.id,
        kind=EventKind.MASTERCLASS,
        title="M",
        starts_at=starts,
        cancelled_at=NOW,
    )
    session.add_all([ours, theirs, gone])
    series = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.SESSION,
        title="",
        weekday=1,
        local_time=time(10),
        zone="America/Bogota",
        first_date=NOW.date(),
        last_date=NOW.date() + timedelta(weeks=12),
        created_at=NOW,
    )
    session.add(series)
    await session.flush()
    person = stranger.person_id
    assert sofia.id and ours.id and theirs.id and gone.id and series.id and outsider.id

    async def press(
        cohort_id: int, ref: str, who: int, answer: RsvpAnswer = RsvpAnswer.YES, now: datetime = NOW
    ) -> int | None:
        return await press_rsvp(session, cohort_id, ref, who, answer, now)

    assert await press(cohort.id, f"e{ours.id}", sofia.person_id, RsvpAnswer.NO) == sofia.id
    assert await set_rsvp_reason(session, f"e{ours.id}", sofia.id, "Viaje")
    assert await press(cohort.id, f"e{ours.id}", outsider.id) is None  # not a member
    assert await press(cohort.id, f"e{theirs.id}", person) is None  # another cohort's
    assert await press(other.id, f"e{theirs.id}", person) is None  # not a member there
    assert await press(cohort.id, f"e{gone.id}", person) is None  # cancelled
    assert await press(cohort.id, f"e{ours.id}", person, now=starts) is None  # started
    assert await press(cohort.id, f"s{series.id}:2025-04-29", person) == stranger.id
    assert await press(other.id, f"s{series.id}:2025-04-29", person) is None
    assert await answers_of(session, f"e{ours.id}", sofia.id) is RsvpAnswer.NO
    # Changing the answer drops the reason; a reason needs a "No".
    assert await press(cohort.id, f"e{ours.id}", sofia.person_id, RsvpAnswer.MAYBE) == sofia.id
    assert not await set_rsvp_reason(session, f"e{ours.id}", sofia.id, "Otra")
    await session.commit()
    found = {(r.ref, r.member_id): (r.answer, r.reason) for r in await rsvps(session, cohort.id)}
    assert found == {
        (f"e{ours.id}", sofia.id): (RsvpAnswer.MAYBE, None),
        (f"s{series.id}:2025-04-29", stranger.id): (RsvpAnswer.YES, None),
    }
    # The coordinator's Sí counts for no team; Sofía's team has her only.
    assert await confirmed_by_team(session, cohort.id, f"s{series.id}:2025-04-29") == [
        (sofia.team_id, 0, 1)
    ]
    await press(cohort.id, f"s{series.id}:2025-04-29", sofia.person_id)
    assert await confirmed_by_team(session, cohort.id, f"s{series.id}:2025-04-29") == [
        (sofia.team_id, 1, 1)
    ]
