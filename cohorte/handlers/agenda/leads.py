"""Lead times: how long before each kind of session its reminders go, and when each is due."""

from __future__ import annotations

import json
from datetime import datetime

from cohorte.scheduling.recurrence import MINUTES_PER_DAY, Occurrence, ahead_of
from cohorte.storage.models import Cohort

DEFAULT_LEADS: dict[str, list[int]] = {
    "session": [MINUTES_PER_DAY, 60],
    "masterclass": [MINUTES_PER_DAY, 60],
    "showtime": [7 * MINUTES_PER_DAY, MINUTES_PER_DAY, 60],
    "checkin": [MINUTES_PER_DAY],
}
MAX_LEAD = 30 * MINUTES_PER_DAY


def leads_for(cohort: Cohort, kind: str) -> list[int]:
    """Lead times in minutes for a kind of session: the cohort's setting or the default."""
    try:
        custom = json.loads(cohort.reminder_leads or "{}")
    except ValueError:
        custom = {}
    leads = custom.get(kind, DEFAULT_LEADS.get(kind, [MINUTES_PER_DAY, 60]))
    return sorted({int(m) for m in leads if isinstance(m, int) and 0 < m <= MAX_LEAD})


def reminder_due(occurrence: Occurrence, lead: int) -> datetime:
    """When the reminder `lead` minutes ahead is due (whole days: same local time)."""
    return ahead_of(occurrence.starts_at, lead, occurrence.zone)
