"""Pure calendar math: sprint weeks, wall-clock to UTC, expanding series.

Recurring things are local wall-clock time + IANA zone; they are turned into
UTC instants only here, one occurrence at a time, so a 10:00 session in
America/Santiago stays at 10:00 local across the April and September changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from cohorte.storage.types import parse_id


def to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time.

    A time that does not exist (clocks jump forward over it) is taken as the
    same distance after the jump (00:30 in a 00:00→01:00 gap becomes 01:30);
    a time that exists twice (clocks go back) is the first of the two.
    """
    local = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).replace(fold=0)
    return local.astimezone(UTC)


def wall_clock_problem(day: date, at: time, zone: str) -> str | None:
    """What is odd about a wall-clock time on a day in a zone: "gap" when the clocks skip
    it (they go forward over it), "fold" when it happens twice (they go back), else None.
    `to_utc` says which instant such a time becomes."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    if local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset():
        return None
    there_and_back = local.replace(fold=0).astimezone(UTC).astimezone(local.tzinfo)
    return "gap" if there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None) else "fold"


def sprint_week(start_date: date, weeks: int, day: date) -> int | None:
    """1-based sprint week of a local date, or None outside the sprint."""
    if day < start_date:
        return None
    week = (day - start_date).days // 7 + 1
    return week if week <= weeks else None


def sprint_end(start_date: date, weeks: int) -> date:
    """The last day (Sunday) of the sprint."""
    return start_date + timedelta(weeks=weeks, days=-1)


def on_or_after(day: date, weekday: int) -> date:
    """The first date on or after `day` that falls on `weekday` (Monday = 0)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def started_by(local_time: time, zone: str, now: datetime) -> date:
    """The last local date whose session at `local_time` in `zone` has started by `now`:
    a series cut there keeps what was held (history) and nothing still to come."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return today if to_utc(today, local_time, zone) <= now else today - timedelta(days=1)


def series_dates(first: date, last: date, interval_weeks: int = 1) -> Iterator[date]:
    day = first
    step = timedelta(weeks=max(1, interval_weeks))
    while day <= last:
        yield day
        day += step


class SeriesLike(Protocol):
    @property
    def id(self) -> int | None: ...

    @property
    def kind(self) -> str: ...

    @property
    def team_id(self) -> int | None: ...

    @property
    def title(self) -> str: ...

    @property
    def local_time(self) -> time: ...

    @property
    def zone(self) -> str: ...

    @property
    def interval_weeks(self) -> int: ...

    @property
    def first_date(self) -> date: ...

    @property
    def last_date(self) -> date: ...

    @property
    def duration_minutes(self) -> int: ...

    @property
    def meeting_url(self) -> str | None: ...


class ChangeLike(Protocol):
    @property
    def original_date(self) -> date: ...

    @property
    def cancelled(self) -> bool: ...

    @property
    def new_start(self) -> datetime | None: ...


@dataclass(frozen=True)
class Occurrence:
    """One session on the calendar, wherever it came from."""

    ref: str  # "e12" for a one-off event, "s3:2025-05-06" for a series occurrence
    kind: str  # session | checkin | masterclass | showtime
    title: str
    starts_at: datetime  # aware UTC
    duration: timedelta
    team_id: int | None = None
    series_id: int | None = None
    event_id: int | None = None
    original_date: date | None = None
    meeting_url: str | None = None
    description: str | None = None
    moved: bool = False
    cancelled: bool = False
    # The zone whose wall clock the session keeps (its series', else the cohort's home).
    zone: str = "UTC"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration


MINUTES_PER_DAY = 24 * 60


def ahead_of(start: datetime, minutes: int, zone: str) -> datetime:
    """The instant `minutes` before `start`.

    Whole days keep the wall-clock time of `zone`: "a day before" a 10:00
    session is 10:00 the day before, also when the clocks changed in between
    (then it is 23 or 25 hours). Hours and minutes are exact durations.
    """
    if minutes % MINUTES_PER_DAY:
        return start - timedelta(minutes=minutes)
    local = start.astimezone(ZoneInfo(zone))
    day = local.date() - timedelta(days=minutes // MINUTES_PER_DAY)
    return to_utc(day, local.time(), zone)


def series_ref(series_id: int, original: date) -> str:
    return f"s{series_id}:{original.isoformat()}"


def event_ref(event_id: int) -> str:
    return f"e{event_id}"


def ref_code(ref: str) -> str:
    """How people (and button payloads) write a reference: 's3:2025-05-06' -> 's3/2025-05-06'."""
    return ref.replace(":", "/")


def code_ref(code: str) -> str:
    """The reference behind a code people typed; case and spaces forgiven."""
    return code.strip().lower().replace("/", ":")


def parse_ref(ref: str) -> tuple[str, int, date | None]:
    """'s3:2025-05-06' -> ('s', 3, date); 'e12' -> ('e', 12, None). Raises ValueError."""
    kind, rest = ref[:1], ref[1:]
    if kind == "e":
        return kind, parse_id(rest), None
    if kind == "s":
        number, _, day = rest.partition(":")
        return kind, parse_id(number), date.fromisoformat(day)
    raise ValueError(f"not an occurrence reference: {ref!r}")


def occurrence_on(series: SeriesLike, day: date, change: ChangeLike | None) -> Occurrence | None:
    """The occurrence of `series` originally on `day` (moved or cancelled), if it has one."""
    if (
        day not in series_dates(series.first_date, day, series.interval_weeks)
        or day > series.last_date
    ):
        return None
    found = expand_series(
        series,
        {day: change} if change is not None else {},
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
        include_cancelled=True,
        only=day,
    )
    return found[0] if found else None


def expand_series(
    series: SeriesLike,
    changes: Mapping[date, ChangeLike],
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = False,
    only: date | None = None,
) -> list[Occurrence]:
    """Occurrences of `series` that start in [start, end), moved ones at their new time."""
    assert series.id is not None
    found = []
    duration = timedelta(minutes=series.duration_minutes)
    days = (
        [only]
        if only is not None
        else series_dates(series.first_date, series.last_date, series.interval_weeks)
    )
    for day in days:
        change = changes.get(day)
        starts_at = to_utc(day, series.local_time, series.zone)
        moved = False
        if change is not None and change.new_start is not None and not change.cancelled:
            starts_at, moved = change.new_start, True
        cancelled = change is not None and change.cancelled
        if cancelled and not include_cancelled:
            continue
        if start <= starts_at < end:
            found.append(
                Occurrence(
                    ref=series_ref(series.id, day),
                    kind=str(series.kind),
                    title=series.title,
                    starts_at=starts_at,
                    duration=duration,
                    team_id=series.team_id,
                    series_id=series.id,
                    original_date=day,
                    meeting_url=series.meeting_url,
                    moved=moved,
                    cancelled=cancelled,
                    zone=series.zone,
                )
            )
    return found
