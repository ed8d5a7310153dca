"""Reading the `[[series]]` blocks of a cohort file: the weekly session and the teams'
check-ins that are still running, with their moved and cancelled occurrences."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from cohorte.handlers.cohort.file.messages import (
    CHANGE_EMPTY,
    CHANGE_TWICE,
    CHECKIN_TEAM_REQUIRED,
    DUPLICATE_CHANGE,
    EVENT_OUTSIDE_SPRINT,
    LAST_BEFORE_FIRST,
    NOT_AN_OCCURRENCE,
    NOT_ON_WEEKDAY,
    SESSION_TEAM,
    UNKNOWN_SERIES_KIND,
    UNKNOWN_TEAM,
    CohortFileError,
)
from cohorte.handlers.cohort.file.spec import (
    CHECKIN_INTERVAL_WEEKS,
    CHECKIN_MINUTES,
    MAX_EVENT_MINUTES,
    MAX_WEEKS,
    TITLE_CHARS,
    SeriesChangeSpec,
    SeriesSpec,
    TeamSpec,
)
from cohorte.handlers.cohort.file.toml_table import Table
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.lang.names import name_key
from cohorte.scheduling.recurrence import on_or_after, series_dates, sprint_end
from cohorte.storage.series import SeriesKind

SERIES_KEYS = (
    "kind",
    "team",
    "title",
    "weekday",
    "time",
    "zone",
    "interval_weeks",
    "first_date",
    "last_date",
    "duration_minutes",
    "meeting_url",
    "changes",
)
_CHANGE_KEYS = ("date", "cancelled", "start")


@dataclass(frozen=True)
class SeriesDefaults:
    """What a `[[series]]` block falls back on: the cohort's own settings."""

    home_zone: str
    locale: str
    start_date: date
    weeks: int
    meeting_url: str | None
    session_name: str = ""  # the title of a weekly session series that gives none

    @property
    def last_day(self) -> date:
        """The last day of the sprint."""
        return sprint_end(self.start_date, self.weeks)


def read_series(
    blocks: list[Table], teams: tuple[TeamSpec, ...], defaults: SeriesDefaults
) -> tuple[SeriesSpec, ...]:
    """The `[[series]]` blocks; defaults are those of `set_weekly_session` and
    `ensure_checkin_series`, so a check-in series needs only its team, day and time."""
    team_by_name = {name_key(team.name): team for team in teams}
    found: list[SeriesSpec] = []
    for block in blocks:
        kind = block.choice("kind", SeriesKind, UNKNOWN_SERIES_KIND)
        written_team = block.optional_text("team", limit=None)
        team: TeamSpec | None = None
        if kind is SeriesKind.SESSION and written_team is not None:
            raise CohortFileError(SESSION_TEAM, field=block.path_of("team"), value=written_team)
        if kind is SeriesKind.CHECKIN:
            if written_team is None:
                raise CohortFileError(CHECKIN_TEAM_REQUIRED, field=block.path_of("team"))
            team = team_by_name.get(name_key(written_team))
            if team is None:
                raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("team"), value=written_team)
        title = block.optional_text("title", limit=TITLE_CHARS) or (
            defaults.session_name if kind is SeriesKind.SESSION else ""
        )
        weekday = block.weekday("weekday")
        local_time = block.clock_time("time")
        zone = block.optional_zone("zone") or (team.zone if team else defaults.home_zone)
        checkin = kind is SeriesKind.CHECKIN
        interval = block.integer(
            "interval_weeks",
            default=CHECKIN_INTERVAL_WEEKS if checkin else 1,
            minimum=1,
            maximum=MAX_WEEKS,
        )
        first_date = on_or_after(defaults.start_date, weekday)
        if "first_date" in block.data:
            first_date = block.date_value("first_date")
            if first_date.weekday() != weekday:
                raise CohortFileError(
                    NOT_ON_WEEKDAY,
                    field=block.path_of("first_date"),
                    value=first_date.isoformat(),
                    weekday=weekday_name(weekday, defaults.locale),
                )
            _check_in_sprint(block, "first_date", first_date, defaults)
        last_date = defaults.last_day
        if "last_date" in block.data:
            last_date = block.date_value("last_date")
            _check_in_sprint(block, "last_date", last_date, defaults)
        if last_date < first_date:
            raise CohortFileError(
                LAST_BEFORE_FIRST,
                field=block.path_of("last_date"),
                value=last_date.isoformat(),
                first=first_date.isoformat(),
            )
        duration = block.integer(
            "duration_minutes",
            default=CHECKIN_MINUTES if checkin else 60,
            minimum=1,
            maximum=MAX_EVENT_MINUTES,
        )
        series = SeriesSpec(
            kind=kind,
            weekday=weekday,
            local_time=local_time,
            zone=zone,
            first_date=first_date,
            last_date=last_date,
            team=team.name if team else None,
            title=title,
            interval_weeks=interval,
            duration_minutes=duration,
            # Like the bot's own series, a series keeps a copy of the cohort's link.
            meeting_url=block.url("meeting_url") or defaults.meeting_url,
        )
        changes = _read_changes(block.blocks("changes", _CHANGE_KEYS), series, defaults)
        found.append(replace(series, changes=changes))
    return tuple(found)


def _read_changes(
    blocks: list[Table], series: SeriesSpec, defaults: SeriesDefaults
) -> tuple[SeriesChangeSpec, ...]:
    """`changes = [{ date = ..., cancelled = true }, { date = ..., start = ... }]`."""
    dates = set(series_dates(series.first_date, series.last_date, series.interval_weeks))
    seen: dict[date, str] = {}
    changes: list[SeriesChangeSpec] = []
    for block in blocks:
        original = block.date_value("date")
        if original not in dates:
            raise CohortFileError(
                NOT_AN_OCCURRENCE,
                field=block.path_of("date"),
                value=original.isoformat(),
                days=7 * series.interval_weeks,
                first=series.first_date.isoformat(),
                last=series.last_date.isoformat(),
            )
        other = seen.setdefault(original, block.path)
        if other != block.path:
            raise CohortFileError(
                DUPLICATE_CHANGE,
                field=block.path_of("date"),
                value=original.isoformat(),
                other=other,
            )
        cancelled = block.boolean("cancelled", default=False)
        new_start: datetime | None = None
        if "start" in block.data:
            if cancelled:
                raise CohortFileError(CHANGE_TWICE, field=block.path_of("start"))
            new_start = block.local_datetime("start", series.zone)
            _check_in_sprint(block, "start", new_start, defaults)
        elif not cancelled:
            raise CohortFileError(CHANGE_EMPTY, field=block.path)
        changes.append(
            SeriesChangeSpec(original_date=original, cancelled=cancelled, new_start=new_start)
        )
    return tuple(sorted(changes, key=lambda change: change.original_date))


def _check_in_sprint(
    block: Table, key: str, value: date | datetime, defaults: SeriesDefaults
) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not defaults.start_date <= day <= defaults.last_day:
        raise CohortFileError(
            EVENT_OUTSIDE_SPRINT,
            field=block.path_of(key),
            value=value.isoformat(),
            first=defaults.start_date.isoformat(),
            last=defaults.last_day.isoformat(),
        )
