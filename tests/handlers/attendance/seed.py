"""A cohort two weeks into the sprint with attendance recorded: the views' test data.

Sessions that have started by Thursday 1 May 2025, 15:00 in Bogotá (the clock
`attended_cohort` leaves):

1. Tue 22 Apr, weekly session: Sofía ✅ Andrés ✅ · Mariana ❌ · Javiera ➖ Tomás ✅
2. Wed 23 Apr, Bogotá's check-in: Sofía ✅ Andrés ❔ (only Bogotá's members expected)
3. Thu 24 Apr, Masterclass "Datos abiertos": nobody's attendance was taken
4. Tue 29 Apr, weekly session: Sofía ✅ Andrés ❌ · Mariana ❔ · Javiera ❌ Tomás ❔

(a cancelled Masterclass on Fri 25 Apr, and the Showtime on 10 Jul, are left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.recurrence import event_ref, series_ref
from cohorte.storage.attendance import (
    AttendanceSource,
    AttendanceStatus,
    RsvpAnswer,
    set_attendance,
    set_rsvp,
)
from cohorte.storage.models import Cohort, Event, EventKind, Member, Role, Team
from cohorte.storage.series import Series, SeriesKind
from tests.factories import add_member, seed_cohort

NOW = datetime(2025, 5, 1, 20, 0, tzinfo=UTC)  # Thursday of week 2, 15:00 in Bogotá


@dataclass
class Attended:
    cohort: Cohort
    teams: dict[str, Team]
    members: dict[str, Member]
    refs: list[str]  # the four sessions that have started, in order


async def attended_cohort(session: AsyncSession, clock: ManualClock) -> Attended:
    """The cohort of `tests.factories.seed_cohort` with the records above; clock at NOW."""
    cohort = await seed_cohort(session, clock.now())
    assert cohort.id is not None
    teams = {
        team.name: team
        for team in (await session.exec(select(Team).where(Team.cohort_id == cohort.id))).all()
    }
    sofia = (await session.exec(select(Member).where(Member.team_id == teams["Bogotá"].id))).one()
    members = {"Sofía": sofia}
    for name, login, team in (
        ("Andrés", "andres", "Bogotá"),
        ("Mariana", "mariana", "Ciudad de México"),
        ("Javiera", "javiera", "Santiago"),
        ("Tomás", "tomas", "Santiago"),
    ):
        members[name] = await add_member(
            session, cohort, name, login, Role.PARTICIPANT, teams[team], clock.now()
        )
    weekly = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.SESSION,
        title="",
        weekday=1,
        local_time=time(10, 0),
        zone="America/Bogota",
        first_date=date(2025, 4, 22),
        last_date=date(2025, 7, 8),
        created_at=clock.now(),
    )
    checkin = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.CHECKIN,
        team_id=teams["Bogotá"].id,
        title="",
        weekday=2,
        local_time=time(11, 0),
        zone="America/Bogota",
        interval_weeks=2,
        first_date=date(2025, 4, 23),
        last_date=date(2025, 7, 9),
        duration_minutes=45,
        created_at=clock.now(),
    )
    masterclass = Event(
        cohort_id=cohort.id,
        kind=EventKind.MASTERCLASS,
        title="Datos abiertos",
        starts_at=datetime(2025, 4, 24, 15, 0, tzinfo=UTC),
    )
    cancelled = Event(
        cohort_id=cohort.id,
        kind=EventKind.MASTERCLASS,
        title="Cancelada",
        starts_at=datetime(2025, 4, 25, 15, 0, tzinfo=UTC),
        cancelled_at=clock.now(),
    )
    showtime = Event(
        cohort_id=cohort.id,
        kind=EventKind.SHOWTIME,
        title="Showtime",
        starts_at=datetime(2025, 7, 10, 15, 0, tzinfo=UTC),
    )
    session.add_all([weekly, checkin, masterclass, cancelled, showtime])
    await session.flush()
    assert weekly.id and checkin.id and masterclass.id
    refs = [
        series_ref(weekly.id, date(2025, 4, 22)),
        series_ref(checkin.id, date(2025, 4, 23)),
        event_ref(masterclass.id),
        series_ref(weekly.id, date(2025, 4, 29)),
    ]
    present, absent, excused = (
        AttendanceStatus.PRESENT,
        AttendanceStatus.ABSENT,
        AttendanceStatus.EXCUSED,
    )
    marks = {
        refs[0]: {
            "Sofía": present,
            "Andrés": present,
            "Mariana": absent,
            "Javiera": excused,
            "Tomás": present,
        },
        refs[1]: {"Sofía": present},
        refs[3]: {"Sofía": present, "Andrés": absent, "Javiera": absent},
    }
    for ref, by_name in marks.items():
        for name, status in by_name.items():
            await set_attendance(
                session,
                cohort.id,
                ref,
                members[name].id or 0,
                status,
                AttendanceSource.ZOOM if name == "Tomás" else AttendanceSource.COORDINATOR,
                clock.now(),
                minutes=55 if name == "Tomás" else None,
            )
    await set_rsvp(
        session,
        cohort.id,
        refs[3],
        members["Andrés"].id or 0,
        RsvpAnswer.NO,
        clock.now(),
        reason="Viaje",
    )
    await set_rsvp(
        session, cohort.id, refs[3], members["Sofía"].id or 0, RsvpAnswer.YES, clock.now()
    )
    await session.commit()
    clock.set(NOW)
    return Attended(cohort, teams, members, refs)
