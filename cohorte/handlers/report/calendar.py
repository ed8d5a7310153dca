"""The sprint's sessions as the report counts them: held, planned, cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences
from cohorte.scheduling.recurrence import Occurrence, sprint_end, to_utc
from cohorte.storage.models import Cohort


@dataclass(frozen=True)
class Calendar:
    """Every session of the sprint, cancelled ones too, and which have started by `now`."""

    occurrences: list[Occurrence]
    now: datetime

    def held(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if not o.cancelled and o.starts_at <= self.now]

    def planned(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if not o.cancelled and o.starts_at > self.now]

    def cancelled(self, kind: str | None = None) -> list[Occurrence]:
        return [o for o in self._of(kind) if o.cancelled]

    def _of(self, kind: str | None) -> list[Occurrence]:
        return [o for o in self.occurrences if kind is None or o.kind == kind]


async def load_calendar(session: AsyncSession, cohort: Cohort, now: datetime) -> Calendar:
    """The sprint's sessions, from the week before it (a session moved early) to a month
    after its last day (a late Showtime)."""
    start = to_utc(cohort.start_date - timedelta(days=7), datetime.min.time(), cohort.home_zone)
    last = sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=31)
    end = to_utc(last, datetime.min.time(), cohort.home_zone)
    found = await cohort_occurrences(session, cohort, start, end, include_cancelled=True)
    return Calendar(found, now)
