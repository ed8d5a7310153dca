"""Public holidays: coordinators hear two weeks ahead of a session on a team's holiday."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.deliveries import HOLIDAY_WARNING, HolidayPayload
from cohorte.scheduling.outbox import enqueue
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.cohorts import coordinators_of, teams_of_cohorts
from cohorte.storage.models import Cohort, Team

HOLIDAY_LOOKAHEAD = timedelta(days=14)


def holiday_name(country: str, day: date) -> str | None:
    """The public holiday on `day` in `country`, in Spanish where the data has it."""
    calendar = _holidays(country, day.year)
    name = calendar.get(day) if calendar is not None else None
    return str(name) if name else None


@cache
def _holidays(country: str, year: int) -> holidays.HolidayBase | None:
    # Building a country's calendar takes about a millisecond: once per country and year.
    try:
        return holidays.country_holidays(country, years=year, language="es")
    except (NotImplementedError, KeyError):
        try:
            return holidays.country_holidays(country, years=year)
        except (NotImplementedError, KeyError):
            return None


async def plan_holiday_warnings(
    session: AsyncSession,
    cohorts: list[Cohort],
    upcoming: dict[int, list[Occurrence]],
    now: datetime,
) -> int:
    """Tell coordinators, two weeks ahead, about sessions on a team country's holiday."""
    cohort_ids = [cohort.id for cohort in cohorts if cohort.id is not None]
    teams: dict[int, list[Team]] = {}
    for team in await teams_of_cohorts(session, cohort_ids):
        teams.setdefault(team.cohort_id, []).append(team)
    coordinators = await coordinators_of(session, cohort_ids)
    planned = []
    for cohort_id in cohort_ids:
        for occurrence in upcoming.get(cohort_id, []):
            affected = [t for t in teams.get(cohort_id, []) if occurrence.team_id in (None, t.id)]
            for team in affected:
                day = occurrence.starts_at.astimezone(ZoneInfo(team.zone)).date()
                name = holiday_name(team.country_code, day)
                if name is None:
                    continue
                payload = HolidayPayload(day, team.country_code, name)
                for person_id in coordinators.get(cohort_id, []):
                    planned.append(
                        HOLIDAY_WARNING.plan(
                            f"holiday:{occurrence.ref}:{team.country_code}:p{person_id}",
                            cohort_id,
                            now,
                            payload,
                            expires_at=occurrence.starts_at,
                            person_id=person_id,
                            ref=occurrence.ref,
                        )
                    )
    return await enqueue(session, planned, now)
