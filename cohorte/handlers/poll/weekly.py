"""Weekly slots in time and in words: when a chosen slot would run, and how readers see it.

A slot is a day of the week and a local time in the poll's zone; it runs weekly
from the Monday after the decision to the end of the sprint, and each reader
sees it in their own zone (or a group, per city), with any DST change noted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.clashes import Clash, find_clashes
from cohorte.handlers.core.delivery import times_by_city
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.poll.view import PollView
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import on_or_after, series_dates, sprint_end, to_utc
from cohorte.storage.models import Cohort
from cohorte.storage.polls import PollSlot


def monday_after(day: date) -> date:
    """The Monday strictly after `day`: a weekly series starts the following week."""
    return day + timedelta(days=7 - day.weekday())


def series_start(cohort: Cohort, decided_on: date) -> date:
    """Where a series chosen on `decided_on` (cohort's local date) begins."""
    return max(cohort.start_date, monday_after(decided_on))


def local_date(instant: datetime, zone: str) -> date:
    """The calendar day of `instant` in `zone`."""
    return instant.astimezone(ZoneInfo(zone)).date()


def expected_start(view: PollView, now: datetime) -> date:
    """The first week the winner would run: after the deadline (open polls) or after today."""
    home = view.cohort.home_zone
    poll = view.poll
    decided = poll.deadline if view.is_open and poll.deadline is not None else now
    return series_start(view.cohort, local_date(max(decided, now), home))


def occurrences(view: PollView, slot: PollSlot, start: date) -> list[datetime]:
    """The UTC instants of a slot, weekly from `start` to the end of the sprint (at least one)."""
    cohort = view.cohort
    return instants_of(
        (slot.weekday, slot.local_time), view.poll.zone, (start, cohort.start_date, cohort.weeks)
    )


def slot_clashes(view: PollView, slot: PollSlot, start: date) -> list[Clash]:
    """Where the slot, weekly from `start`, would clash with the sprint's other sessions."""
    duration = timedelta(minutes=view.poll.duration_minutes)
    return find_clashes(
        ((instant, duration) for instant in occurrences(view, slot, start)), view.calendar
    )


def instants_of(
    slot: tuple[int, time], zone: str, sprint: tuple[date, date, int]
) -> list[datetime]:
    """The UTC instants of (weekday, local time) in `zone`, weekly over (start, sprint start,
    weeks); at least one. Cached callers pass plain values, hence the tuples."""
    (weekday, local_time), (start, sprint_start, weeks) = slot, sprint
    first = on_or_after(start, weekday)
    days = list(series_dates(first, sprint_end(sprint_start, weeks))) or [first]
    return [to_utc(day, local_time, zone) for day in days]


def _weekday(t: Translator, instant: datetime, zone: str) -> str:
    return weekday_name(instant.astimezone(ZoneInfo(zone)).weekday(), t.language)


def short_slot(t: Translator, instant: datetime, zone: str) -> str:
    """'martes 11:00' in the zone."""
    return f"{_weekday(t, instant, zone)} {t.time(instant, zone)}"


def _time_change(t: Translator, instants: Sequence[datetime], zone: str) -> str | None:
    """'desde el domingo, 7 de septiembre: 12:00' when the local time moves during the series."""
    first = short_slot(t, instants[0], zone)
    for instant in instants[1:]:
        if short_slot(t, instant, zone) != first:
            same_day = _weekday(t, instant, zone) == _weekday(t, instants[0], zone)
            return t._(
                "from {date}: {time}",
                date=t.date(local_date(instant, zone)),
                time=t.time(instant, zone) if same_day else short_slot(t, instant, zone),
            )
    return None


def personal_slot(t: Translator, instants: Sequence[datetime], zone: str) -> str:
    """'martes 11:00 (hora de Santiago de Chile)', noting a DST change during the sprint."""
    text = t._(
        "{weekday} {time} ({zone})",
        weekday=_weekday(t, instants[0], zone),
        time=t.time(instants[0], zone),
        zone=t.zone_label(zone),
    )
    change = _time_change(t, instants, zone)
    return f"{text} — {change}" if change else text


def group_slot(t: Translator, instants: Sequence[datetime], home: str, zones: list[str]) -> str:
    """'martes · 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile'."""
    if len(zones) <= 1:
        return personal_slot(t, instants, home)
    text = f"{_weekday(t, instants[0], home)} · {times_by_city(t, instants[0], zones)}"
    changes = []
    for zone in zones:
        change = _time_change(t, instants, zone)
        if change and zone != home:
            changes.append(f"{t.city(zone)} {change}")
    return text + "".join(f" ({change})" for change in changes)


def when_for(
    t: Translator, instant: datetime, zone: str | None, zones: list[str], home: str
) -> str:
    """A moment for one reader (their zone) or for a group (per city)."""
    if zone is not None:
        return t.when(instant, zone)
    if len(zones) <= 1:
        return t.when(instant, home)
    return f"{t.date(local_date(instant, home))} · {times_by_city(t, instant, zones)}"
