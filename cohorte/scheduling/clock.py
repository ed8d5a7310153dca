"""The one place that reads the time. Everything else is handed a `Clock`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


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


class RehearsalClock:
    """A clock that starts at a chosen instant and then advances in real time.

    For rehearsing a sprint in a test group (and for black-box tests of real
    processes): reminders fire as if the sprint were happening now.
    """

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.restart(start)

    def restart(self, start: datetime) -> None:
        """Start the rehearsal again from `start`."""
        self.start = _aware_utc(start)
        self._origin = self._monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._monotonic() - self._origin)


def parse_instant(text: str, zone: str) -> datetime:
    """'AAAA-MM-DD HH:MM' as wall-clock time in `zone`, or ISO 8601 with an offset.

    Raises ValueError for anything else.
    """
    text = text.strip()
    try:
        instant = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(text) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo(zone))
    return instant.astimezone(UTC)
