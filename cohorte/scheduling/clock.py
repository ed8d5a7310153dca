"""The one place that reads the time. Everything else is handed a `Clock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests and the console demo)."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = _aware_utc(instant)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("the clock only takes aware datetimes")
    return instant.astimezone(UTC)
