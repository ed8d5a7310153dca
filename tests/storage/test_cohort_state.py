"""The one rule of a cohort's state: upcoming, running, ended, archived."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cohorte.storage.cohorts import CohortState, cohort_state
from cohorte.storage.models import Cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


def _cohort(**changes: object) -> Cohort:
    return Cohort(
        name="C",
        home_zone="America/Bogota",
        start_date=date(2025, 4, 21),
        weeks=12,
        invite_code="C1",
        created_at=NOW,
        **changes,
    )


def test_a_cohort_is_upcoming_running_ended_then_archived() -> None:
    cohort = _cohort()
    assert cohort_state(cohort, date(2025, 4, 20)) is CohortState.UPCOMING
    assert cohort_state(cohort, date(2025, 4, 21)) is CohortState.RUNNING
    assert cohort_state(cohort, date(2025, 7, 13)) is CohortState.RUNNING  # its last Sunday
    assert cohort_state(cohort, date(2025, 7, 14)) is CohortState.ENDED  # 12 weeks on
    assert cohort_state(_cohort(ended_at=NOW), date(2025, 5, 1)) is CohortState.ENDED
    archived = _cohort(ended_at=NOW, archived_at=NOW)
    assert cohort_state(archived, date(2025, 4, 20)) is CohortState.ARCHIVED
