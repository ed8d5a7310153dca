"""The sprint calendar: weekly sessions, Masterclasses, Showtime, team check-ins."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.calendar import on_or_after, sprint_end
from cohorte.storage.calendar import Series, SeriesKind
from cohorte.storage.models import Cohort


async def set_weekly_session(
    session: AsyncSession,
    cohort: Cohort,
    weekday: int,
    local_time: time,
    zone: str,
    duration_minutes: int,
    starting_from: date,
    now: datetime,
    title: str = "",
) -> Series:
    """Make (weekday, local_time, zone) the cohort's weekly session series.

    The series runs from the first such day on or after `starting_from` to the
    end of the sprint; a previous weekly series ends where the new one begins.
    """
    assert cohort.id is not None
    first = on_or_after(max(starting_from, cohort.start_date), weekday)
    last = sprint_end(cohort.start_date, cohort.weeks)
    current = (
        await session.exec(
            select(Series).where(
                Series.cohort_id == cohort.id,
                Series.kind == SeriesKind.SESSION,
                col(Series.ended_at).is_(None),
            )
        )
    ).all()
    for old in current:
        old.last_date = min(old.last_date, first - timedelta(days=1))
        old.ended_at = now
        session.add(old)
    series = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.SESSION,
        title=title,
        weekday=weekday,
        local_time=local_time,
        zone=zone,
        interval_weeks=1,
        first_date=first,
        last_date=last,
        duration_minutes=duration_minutes,
        meeting_url=cohort.meeting_url,
        created_at=now,
    )
    session.add(series)
    await session.flush()
    return series
