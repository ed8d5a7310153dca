"""Calendar math, with America/Santiago's offset changes as the hard case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from cohorte.scheduling.calendar import (
    expand_series,
    on_or_after,
    parse_ref,
    sprint_end,
    sprint_week,
    to_utc,
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
