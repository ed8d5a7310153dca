"""Which cohorts need their reminders planned again: one rule, kept by the session.

A cohort's reminders depend on its calendar (events, series and their
changes), its members (who wants private reminders, who is in which team),
its chats, its teams and its lead times. Any ORM write to one of those raises
the cohort's `plan_version` in the same flush, so no handler has to remember
to; the planner skips a cohort whose `planned_version` is current until its
`replan_at`. Core `UPDATE`/`DELETE` statements on those tables bypass this:
there are none, and the planner's periodic full re-plan is the safety net.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import ChatLink, Cohort, Event, Member, Team
from cohorte.storage.series import Series, SeriesChange

_BY_COHORT_ID = (Event, Series, Member, ChatLink, Team)


def _changed_cohorts(session: Session, _context: Any, _instances: Any) -> None:
    cohort_ids: set[int] = set()
    series_ids: set[int] = set()
    changed = [i for i in session.dirty if session.is_modified(i)]
    for instance in (*session.new, *changed, *session.deleted):
        if isinstance(instance, Cohort):
            if instance.id is not None:
                cohort_ids.add(instance.id)
        elif isinstance(instance, _BY_COHORT_ID):
            if instance.cohort_id is not None:
                cohort_ids.add(instance.cohort_id)
        elif isinstance(instance, SeriesChange) and instance.series_id is not None:
            series_ids.add(instance.series_id)
    if series_ids:
        found = session.execute(
            select(Series.cohort_id).where(col(Series.id).in_(sorted(series_ids)))
        )
        cohort_ids.update(found.scalars())
    if cohort_ids:
        session.execute(
            update(Cohort)
            .where(col(Cohort.id).in_(sorted(cohort_ids)))
            .values(plan_version=col(Cohort.plan_version) + 1)
            .execution_options(synchronize_session=False)
        )


def track_plan_changes() -> None:
    """Install the flush hook (idempotent; done by `session_factory`)."""
    if not event.contains(Session, "before_flush", _changed_cohorts):
        event.listen(Session, "before_flush", _changed_cohorts)


async def mark_planned(
    session: AsyncSession, cohort_id: int, version: int, replan_at: datetime
) -> None:
    """Record that the cohort's reminders are planned for `version` until `replan_at`."""
    await session.exec(
        update(Cohort)
        .where(col(Cohort.id) == cohort_id)
        .values(planned_version=version, replan_at=replan_at)
        .execution_options(synchronize_session=False)
    )


async def plan_versions(session: AsyncSession, cohort_ids: list[int]) -> dict[int, int]:
    """The current `plan_version` of each cohort, read from the database."""
    found = await session.exec(
        select(Cohort.id, Cohort.plan_version).where(col(Cohort.id).in_(cohort_ids))
    )
    return {cohort_id: version for cohort_id, version in found.all() if cohort_id is not None}
