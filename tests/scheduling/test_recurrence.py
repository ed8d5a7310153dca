"""Calendar math, with America/Santiago's offset changes as the hard case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from cohorte.scheduling.recurrence import (
    ahead_of,
    expand_series,
    on_or_after,
    parse_ref,
    sprint_end,
    sprint_week,
    to_utc,
    wall_clock_problem,
)


@dataclass
class FakeSeries:
    id: int | None = 3
    kind: str = "session"
    team_id: int | None = None
    title: str = "Sesión semanal"
    local_time: time = time(10, 0)
    zone: str = "America/Santiago"
    interval_weeks: int = 1
    first_date: date = date(2025, 3, 25)
    last_date: date = date(2025, 4, 15)
    duration_minutes: int = 60
    meeting_url: str | None = None


@dataclass
class FakeChange:
    original_date: date
    cancelled: bool = False
    new_start: datetime | None = None


def test_santiago_session_stays_at_ten_local_across_the_april_change() -> None:
    # Chile leaves summer time on Sunday 2025-04-06: UTC-3 before, UTC-4 after.
    found = expand_series(
        FakeSeries(), {}, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert [o.starts_at for o in found] == [
        datetime(2025, 3, 25, 13, 0, tzinfo=UTC),
        datetime(2025, 4, 1, 13, 0, tzinfo=UTC),
        datetime(2025, 4, 8, 14, 0, tzinfo=UTC),
        datetime(2025, 4, 15, 14, 0, tzinfo=UTC),
    ]
    assert found[0].ref == "s3:2025-03-25"


def test_santiago_september_gap_and_april_overlap() -> None:
    # 2025-09-07 00:00 does not exist in Santiago (clocks jump to 01:00).
    assert to_utc(date(2025, 9, 7), time(0, 30), "America/Santiago") == datetime(
        2025, 9, 7, 4, 30, tzinfo=UTC
    )
    # 2025-04-05 23:30 happens twice (24:00 -> 23:00); the first one is UTC-3.
    assert to_utc(date(2025, 4, 5), time(23, 30), "America/Santiago") == datetime(
        2025, 4, 6, 2, 30, tzinfo=UTC
    )


def test_biweekly_series_cancelled_and_moved_occurrences() -> None:
    series = FakeSeries(
        interval_weeks=2,
        zone="America/Bogota",
        first_date=date(2025, 4, 24),
        last_date=date(2025, 7, 10),
        kind="checkin",
        team_id=2,
    )
    moved_to = datetime(2025, 5, 9, 15, 0, tzinfo=UTC)
    changes = {
        date(2025, 5, 8): FakeChange(date(2025, 5, 8), new_start=moved_to),
        date(2025, 5, 22): FakeChange(date(2025, 5, 22), cancelled=True),
    }
    found = expand_series(
        series, changes, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    )
    days = [o.original_date for o in found]
    assert days == [
        date(2025, 4, 24),
        date(2025, 5, 8),
        date(2025, 6, 5),
        date(2025, 6, 19),
        date(2025, 7, 3),
    ]
    assert found[1].starts_at == moved_to and found[1].moved
    with_cancelled = expand_series(
        series,
        changes,
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        include_cancelled=True,
    )
    assert [o.cancelled for o in with_cancelled].count(True) == 1


def test_window_is_half_open() -> None:
    found = expand_series(
        FakeSeries(),
        {},
        datetime(2025, 4, 1, 13, 0, tzinfo=UTC),
        datetime(2025, 4, 8, 14, 0, tzinfo=UTC),
    )
    assert [o.original_date for o in found] == [date(2025, 4, 1)]


def test_sprint_weeks() -> None:
    start = date(2025, 4, 21)
    assert sprint_week(start, 12, date(2025, 4, 20)) is None
    assert sprint_week(start, 12, date(2025, 4, 21)) == 1
    assert sprint_week(start, 12, date(2025, 4, 27)) == 1
    assert sprint_week(start, 12, date(2025, 4, 28)) == 2
    assert sprint_week(start, 12, date(2025, 7, 13)) == 12
    assert sprint_week(start, 12, date(2025, 7, 14)) is None
    assert sprint_end(start, 12) == date(2025, 7, 13)
    assert on_or_after(date(2025, 4, 21), 3) == date(2025, 4, 24)
    assert on_or_after(date(2025, 4, 24), 3) == date(2025, 4, 24)


@pytest.mark.parametrize("ref", ["x1", "e", "s3", "s3:2025-13-01", "sx:2025-01-01"])
def test_bad_refs_are_refused(ref: str) -> None:
    with pytest.raises(ValueError):
        parse_ref(ref)


def test_a_day_before_keeps_the_local_time_across_santiagos_changes() -> None:
    santiago = "America/Santiago"
    # Sunday 6 April 2025, 10:00 (-04, clocks went back at midnight): the day before is
    # Saturday 10:00 (-03), 25 hours earlier.
    april = datetime(2025, 4, 6, 14, 0, tzinfo=UTC)
    assert ahead_of(april, 24 * 60, santiago) == datetime(2025, 4, 5, 13, 0, tzinfo=UTC)
    # Sunday 7 September 2025, 10:00 (-03, clocks jumped at midnight): 23 hours earlier.
    september = datetime(2025, 9, 7, 13, 0, tzinfo=UTC)
    assert ahead_of(september, 24 * 60, santiago) == datetime(2025, 9, 6, 14, 0, tzinfo=UTC)
    # A week before Monday 7 April 10:00 is Monday 31 March 10:00 local.
    monday = datetime(2025, 4, 7, 14, 0, tzinfo=UTC)
    assert ahead_of(monday, 7 * 24 * 60, santiago) == datetime(2025, 3, 31, 13, 0, tzinfo=UTC)
    # Hours stay exact durations.
    assert ahead_of(april, 60, santiago) == april - timedelta(hours=1)
    assert ahead_of(april, 25 * 60, santiago) == april - timedelta(hours=25)


def test_reminders_of_a_santiago_series_are_planned_at_its_local_time() -> None:
    from cohorte.handlers.agenda.reminders import Audience, plan_occurrence
    from cohorte.scheduling.recurrence import Occurrence
    from cohorte.storage.models import Cohort

    cohort = Cohort(
        id=1,
        name="C",
        home_zone="America/Bogota",
        start_date=date(2025, 3, 31),
        invite_code="X",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    occurrence = Occurrence(
        ref="s1:2025-04-06",
        kind="session",
        title="",
        zone="America/Santiago",
        starts_at=datetime(2025, 4, 6, 14, 0, tzinfo=UTC),
        duration=timedelta(hours=1),
    )
    planned = plan_occurrence(
        cohort, occurrence, Audience(chats=[1]), datetime(2025, 4, 1, tzinfo=UTC)
    )
    due = sorted(p.due_at for p in planned)
    assert due == [
        datetime(2025, 4, 5, 13, 0, tzinfo=UTC),  # Saturday 10:00 in Santiago
        datetime(2025, 4, 6, 13, 0, tzinfo=UTC),  # one hour before
    ]


def test_wall_clock_times_the_clocks_skip_or_repeat() -> None:
    # Chile: 00:00 -> 01:00 on 6 September 2026; 24:00 -> 23:00 on 4 April 2026.
    assert wall_clock_problem(date(2026, 9, 6), time(0, 30), "America/Santiago") == "gap"
    assert wall_clock_problem(date(2026, 4, 4), time(23, 30), "America/Santiago") == "fold"
    assert wall_clock_problem(date(2026, 4, 5), time(10, 0), "America/Santiago") is None
    assert wall_clock_problem(date(2026, 9, 6), time(0, 30), "America/Bogota") is None
