"""The sprint calendar: weekly sessions, Masterclasses, Showtime, team check-ins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.calendar import (
    Occurrence,
    event_ref,
    expand_series,
    on_or_after,
    parse_ref,
    sprint_end,
)
from cohorte.storage import queries
from cohorte.storage.calendar import Series, SeriesChange, SeriesKind
from cohorte.storage.models import Cohort, Event


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


async def ensure_checkin_series(session: AsyncSession, cohort: Cohort, now: datetime) -> int:
    """Create the biweekly check-in series of every team that has a slot and none yet."""
    assert cohort.id is not None
    existing = {
        s.team_id
        for s in (
            await session.exec(
                select(Series).where(
                    Series.cohort_id == cohort.id, Series.kind == SeriesKind.CHECKIN
                )
            )
        ).all()
    }
    created = 0
    for team in await queries.teams_of(session, cohort.id):
        if team.id in existing or team.checkin_weekday is None or team.checkin_time is None:
            continue
        session.add(
            Series(
                cohort_id=cohort.id,
                kind=SeriesKind.CHECKIN,
                team_id=team.id,
                title="",
                weekday=team.checkin_weekday,
                local_time=team.checkin_time,
                zone=team.zone,
                interval_weeks=2,
                first_date=on_or_after(cohort.start_date, team.checkin_weekday),
                last_date=sprint_end(cohort.start_date, cohort.weeks),
                duration_minutes=45,
                meeting_url=cohort.meeting_url,
                created_at=now,
            )
        )
        created += 1
    if created:
        await session.flush()
    return created


async def cohort_occurrences(
    session: AsyncSession,
    cohort: Cohort,
    start: datetime,
    end: datetime,
    *,
    team_id: int | None = None,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Every session of the cohort starting in [start, end), earliest first.

    With `team_id`, check-ins of other teams are left out (a participant's view);
    without it, every team's check-ins are included (the coordinators' view).
    """
    assert cohort.id is not None
    found: list[Occurrence] = []
    all_series = (await session.exec(select(Series).where(Series.cohort_id == cohort.id))).all()
    for series in all_series:
        if team_id is not None and series.team_id is not None and series.team_id != team_id:
            continue
        changes = (
            await session.exec(select(SeriesChange).where(SeriesChange.series_id == series.id))
        ).all()
        found += expand_series(
            series,
            {change.original_date: change for change in changes},
            start,
            end,
            include_cancelled=include_cancelled,
        )
    events = (
        await session.exec(
            select(Event).where(
                Event.cohort_id == cohort.id,
                col(Event.starts_at) >= start,
                col(Event.starts_at) < end,
            )
        )
    ).all()
    for event in events:
        if event.cancelled_at is None or include_cancelled:
            found.append(_event_occurrence(event, cohort))
    return sorted(found, key=lambda o: (o.starts_at, o.ref))


async def find_occurrence(session: AsyncSession, cohort: Cohort, ref: str) -> Occurrence | None:
    """The occurrence named by `ref` ("e12", "s3:2025-05-06"), cancelled ones included."""
    try:
        kind, number, day = parse_ref(ref)
    except ValueError:
        return None
    if kind == "e":
        event = await session.get(Event, number)
        if event is None or event.cohort_id != cohort.id:
            return None
        return _event_occurrence(event, cohort)
    series = await session.get(Series, number)
    if series is None or series.cohort_id != cohort.id or day is None:
        return None
    change = (
        await session.exec(
            select(SeriesChange).where(
                SeriesChange.series_id == series.id, SeriesChange.original_date == day
            )
        )
    ).first()
    wide_start = datetime.combine(day - timedelta(days=400), time(0), tzinfo=UTC)
    wide_end = datetime.combine(day + timedelta(days=400), time(0), tzinfo=UTC)
    found = expand_series(
        series, {day: change} if change else {}, wide_start, wide_end, include_cancelled=True
    )
    return next((o for o in found if o.original_date == day), None)


def _event_occurrence(event: Event, cohort: Cohort) -> Occurrence:
    assert event.id is not None
    return Occurrence(
        ref=event_ref(event.id),
        kind=str(event.kind),
        title=event.title,
        starts_at=event.starts_at,
        duration=timedelta(minutes=event.duration_minutes),
        event_id=event.id,
        meeting_url=event.meeting_url or cohort.meeting_url,
        description=event.description,
        cancelled=event.cancelled_at is not None,
    )
