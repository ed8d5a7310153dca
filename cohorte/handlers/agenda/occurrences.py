"""The sprint calendar: weekly sessions, Masterclasses, Showtime, team check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.outbox import drop_pending
from cohorte.scheduling.recurrence import (
    Occurrence,
    event_ref,
    expand_series,
    occurrence_on,
    on_or_after,
    parse_ref,
    series_dates,
    series_ref,
    sprint_end,
    started_by,
)
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.cohorts import teams_of_cohorts
from cohorte.storage.models import Cohort, Event
from cohorte.storage.series import Series, SeriesChange, SeriesKind

if TYPE_CHECKING:
    from cohorte.handlers.core.delivery import RenderContext


def weekly_span(cohort: Cohort, weekday: int, starting_from: date) -> tuple[date, date]:
    """The first and last day of a weekly series on `weekday` from `starting_from` (within
    the sprint) to the end of the sprint."""
    first = on_or_after(max(starting_from, cohort.start_date), weekday)
    return first, sprint_end(cohort.start_date, cohort.weeks)


async def set_weekly_session(
    session: AsyncSession,
    cohort: Cohort,
    weekday: int,
    local_time: time,
    zone: str,
    duration_minutes: int,
    starting_from: date,
    now: datetime,
    *,
    skip: Sequence[date] = (),
) -> Series:
    """Make (weekday, local_time, zone) the cohort's weekly session series.

    The series runs from the first such day on or after `starting_from` to the
    end of the sprint, named by the cohort's session name (empty: the catalog's,
    in each reader's language); the days in `skip` are cancelled from the start
    (they fall on a Masterclass or the Showtime). A previous weekly series is
    replaced from its next occurrence on: the sessions already held stay as
    history, the later ones and their pending reminders go (the planner plans
    the new series' reminders), and nobody is told of each one: the
    announcement of the new time says it all.
    """
    assert cohort.id is not None
    first, last = weekly_span(cohort, weekday, starting_from)
    for old in await calendar_rows.running_series(session, cohort.id, SeriesKind.SESSION):
        assert old.id is not None
        held = min(first - timedelta(days=1), started_by(old.local_time, old.zone, now))
        for day in series_dates(old.first_date, old.last_date, old.interval_weeks):
            if day > held:
                await drop_pending(session, series_ref(old.id, day), "replaced")
        old.last_date = min(old.last_date, held)
        old.ended_at = now
    series = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.SESSION,
        title=cohort.session_name,
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
    await calendar_rows.add_series(session, [series])
    assert series.id is not None
    days = set(series_dates(first, last)) & set(skip)
    await calendar_rows.add_series_changes(
        session,
        [
            SeriesChange(series_id=series.id, original_date=day, cancelled=True)
            for day in sorted(days)
        ],
    )
    return series


async def ensure_checkin_series(session: AsyncSession, cohort: Cohort, now: datetime) -> int:
    """Create the biweekly check-in series of every team that has a slot and none yet."""
    return await ensure_checkin_series_of(session, [cohort], now)


async def ensure_checkin_series_of(
    session: AsyncSession, cohorts: Sequence[Cohort], now: datetime
) -> int:
    """`ensure_checkin_series` for many cohorts, in two queries."""
    by_id = {cohort.id: cohort for cohort in cohorts if cohort.id is not None}
    existing = await calendar_rows.teams_with_checkin_series(session, list(by_id))
    created: list[Series] = []
    for team in await teams_of_cohorts(session, list(by_id)):
        if team.id in existing or team.checkin_weekday is None or team.checkin_time is None:
            continue
        cohort = by_id[team.cohort_id]
        assert cohort.id is not None
        created.append(
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
    if created:
        await calendar_rows.add_series(session, created)
    return len(created)


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
    found = await occurrences_of(session, [cohort], start, end, include_cancelled=include_cancelled)
    return [
        occurrence
        for occurrence in found.get(cohort.id or 0, [])
        if team_id is None or occurrence.team_id in (None, team_id)
    ]


async def occurrences_of(
    session: AsyncSession,
    cohorts: Sequence[Cohort],
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = False,
) -> dict[int, list[Occurrence]]:
    """Occurrences in [start, end) of many cohorts at once (three queries), by cohort id."""
    by_id = {cohort.id: cohort for cohort in cohorts if cohort.id is not None}
    found: dict[int, list[Occurrence]] = {cohort_id: [] for cohort_id in by_id}
    all_series = await calendar_rows.series_of_cohorts(session, list(by_id))
    changes: dict[int, dict[date, SeriesChange]] = {}
    series_ids = [series.id for series in all_series if series.id is not None]
    for change in await calendar_rows.changes_of_series(session, series_ids):
        changes.setdefault(change.series_id, {})[change.original_date] = change
    for series in all_series:
        assert series.id is not None
        found[series.cohort_id] += expand_series(
            series, changes.get(series.id, {}), start, end, include_cancelled=include_cancelled
        )
    for event in await calendar_rows.events_between(session, list(by_id), start, end):
        if event.cancelled_at is None or include_cancelled:
            found[event.cohort_id].append(_event_occurrence(event, by_id[event.cohort_id]))
    for occurrences in found.values():
        occurrences.sort(key=lambda o: (o.starts_at, o.ref))
    return found


async def find_occurrence(session: AsyncSession, cohort: Cohort, ref: str) -> Occurrence | None:
    """The occurrence named by `ref` ("e12", "s3:2025-05-06"), cancelled ones included."""
    try:
        kind, number, day = parse_ref(ref)
    except ValueError:
        return None
    if kind == "e":
        event = await calendar_rows.event_by_id(session, number)
        if event is None or event.cohort_id != cohort.id:
            return None
        return _event_occurrence(event, cohort)
    series = await calendar_rows.series_by_id(session, number)
    if series is None or series.cohort_id != cohort.id or day is None:
        return None
    change = await calendar_rows.series_change_on(session, number, day)
    return occurrence_on(series, day, change)


async def occurrence_for(rc: RenderContext) -> Occurrence | None:
    """The occurrence a scheduled message is about, read once per batch of deliveries."""
    return await occurrence_named(rc, rc.ref)


async def occurrence_named(rc: RenderContext, ref: str) -> Occurrence | None:
    """The occurrence `ref` of the reader's cohort, read once per batch of deliveries."""

    async def read() -> Occurrence | None:
        return await find_occurrence(rc.session, rc.cohort, ref)

    return await rc.cache.memo(("occurrence", rc.cohort.id, ref), read)


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
        zone=cohort.home_zone,
    )
