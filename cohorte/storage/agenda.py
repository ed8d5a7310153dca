"""The sprint calendar's queries: one-off events, session series and their changes, and
announcements waiting for their author's answer.

The tables are `storage.models.Event`, `AnnouncementDraft` (an announcement
waiting for its author's answer), `PendingChange` (a coordinator's change
waiting for their confirmation) and those of `storage.series`. Rows are
added through the session (never with Core `INSERT`s), so that the flush hook of
`storage.planning` raises the cohort's `plan_version` and its reminders are
planned again. They never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import AnnouncementDraft, Event, PendingChange
from cohorte.storage.series import Series, SeriesChange, SeriesKind

# -- one-off events (Masterclasses, Showtime) ---------------------------------------------


async def add_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """Store new one-off events; they have their ids when this returns."""
    session.add_all(events)
    await session.flush()


async def event_by_id(session: AsyncSession, event_id: int) -> Event | None:
    """The event with this id, of any cohort (callers check the cohort)."""
    return await session.get(Event, event_id)


async def events_of_cohort(session: AsyncSession, cohort_id: int) -> Sequence[Event]:
    """Every event of a cohort, cancelled ones included, in the order they were added."""
    statement = select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.id))
    return (await session.exec(statement)).all()


async def events_by_start(session: AsyncSession, cohort_id: int) -> Sequence[Event]:
    """Every event of a cohort, cancelled ones included, earliest first."""
    statement = select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.starts_at))
    return (await session.exec(statement)).all()


async def events_between(
    session: AsyncSession, cohort_ids: Sequence[int], start: datetime, end: datetime
) -> Sequence[Event]:
    """The events of these cohorts starting in [start, end), cancelled ones included."""
    statement = select(Event).where(
        col(Event.cohort_id).in_(cohort_ids),
        col(Event.starts_at) >= start,
        col(Event.starts_at) < end,
    )
    return (await session.exec(statement)).all()


# -- series (the weekly session, the teams' check-ins) -------------------------------------


async def add_series(session: AsyncSession, series: Sequence[Series]) -> None:
    """Store new series, in this order; they have their ids when this returns."""
    session.add_all(series)
    await session.flush()


async def series_by_id(session: AsyncSession, series_id: int) -> Series | None:
    """The series with this id, of any cohort (callers check the cohort)."""
    return await session.get(Series, series_id)


async def series_of_cohorts(session: AsyncSession, cohort_ids: Sequence[int]) -> Sequence[Series]:
    """Every series of these cohorts, ended ones included."""
    statement = select(Series).where(col(Series.cohort_id).in_(cohort_ids))
    return (await session.exec(statement)).all()


async def running_series(
    session: AsyncSession, cohort_id: int, kind: SeriesKind | None = None
) -> Sequence[Series]:
    """The cohort's series (of one `kind`, or all) that were not replaced (ended), in the
    order they were added."""
    statement = select(Series).where(Series.cohort_id == cohort_id, col(Series.ended_at).is_(None))
    if kind is not None:
        statement = statement.where(Series.kind == kind)
    return (await session.exec(statement.order_by(col(Series.id)))).all()


async def replaced_series(session: AsyncSession, series: Series) -> Series | None:
    """The series of the same cohort and kind that `series` took the place of (ended the
    moment it was created), if any."""
    assert series.id is not None
    statement = (
        select(Series)
        .where(
            Series.cohort_id == series.cohort_id,
            Series.kind == series.kind,
            col(Series.id) < series.id,
            col(Series.ended_at) == series.created_at,
        )
        .order_by(col(Series.id).desc())
    )
    return (await session.exec(statement)).first()


async def checkin_series_of_team(session: AsyncSession, team_id: int) -> Sequence[Series]:
    """Every check-in series a team has had, ended ones included."""
    statement = select(Series).where(Series.team_id == team_id, Series.kind == SeriesKind.CHECKIN)
    return (await session.exec(statement)).all()


async def teams_with_checkin_series(session: AsyncSession, cohort_ids: Sequence[int]) -> set[int]:
    """Ids of the teams of these cohorts that have a check-in series (ended or not)."""
    statement = select(Series.team_id).where(
        col(Series.cohort_id).in_(cohort_ids), Series.kind == SeriesKind.CHECKIN
    )
    return {team_id for team_id in (await session.exec(statement)).all() if team_id is not None}


# -- changes of one occurrence of a series --------------------------------------------------


async def add_series_changes(session: AsyncSession, changes: Sequence[SeriesChange]) -> None:
    """Add moved or cancelled occurrences of series that exist."""
    session.add_all(changes)
    await session.flush()


async def changes_of_series(
    session: AsyncSession, series_ids: Sequence[int]
) -> Sequence[SeriesChange]:
    """The moved and cancelled occurrences of these series, by original date."""
    if not series_ids:
        return []
    statement = (
        select(SeriesChange)
        .where(col(SeriesChange.series_id).in_(series_ids))
        .order_by(col(SeriesChange.original_date))
    )
    return (await session.exec(statement)).all()


async def series_change_on(
    session: AsyncSession, series_id: int, original_date: date
) -> SeriesChange | None:
    """The change of the occurrence originally on `original_date`, if it has one."""
    statement = select(SeriesChange).where(
        SeriesChange.series_id == series_id, SeriesChange.original_date == original_date
    )
    return (await session.exec(statement)).first()


async def record_series_change(
    session: AsyncSession,
    series_id: int,
    original_date: date,
    *,
    cancelled: bool,
    new_start: datetime | None,
) -> SeriesChange:
    """Move (`new_start`) or cancel one occurrence of a series, replacing an earlier change.

    Read, then written through the session rather than with `conflict_insert`:
    the flush hook that re-plans the cohort's reminders sees ORM writes only
    (and the unique constraint on (series, date) still refuses a duplicate).
    """
    change = await series_change_on(session, series_id, original_date) or SeriesChange(
        series_id=series_id, original_date=original_date
    )
    change.cancelled = cancelled
    change.new_start = new_start
    session.add(change)
    await session.flush()
    return change


# -- announcements waiting for an answer (/anuncio with a day and time but no bar) ----------


async def add_announcement_draft(
    session: AsyncSession, draft: AnnouncementDraft, *, forget_before: datetime
) -> AnnouncementDraft:
    """Keep an announcement until its author answers (it has its id on return), and forget
    the ones nobody answered since `forget_before`."""
    await session.exec(
        delete(AnnouncementDraft).where(col(AnnouncementDraft.created_at) < forget_before)
    )
    session.add(draft)
    await session.flush()
    return draft


async def take_announcement_draft(
    session: AsyncSession, draft_id: int, member_id: int, since: datetime
) -> AnnouncementDraft | None:
    """The member's own draft kept since `since`, deleted as it is read, in one statement:
    of two presses at once only one gets it. None if there is no such draft (any more)."""
    statement = (
        delete(AnnouncementDraft)
        .where(
            col(AnnouncementDraft.id) == draft_id,
            col(AnnouncementDraft.member_id) == member_id,
            col(AnnouncementDraft.created_at) >= since,
        )
        .returning(AnnouncementDraft)
    )
    return (await session.exec(statement)).scalars().first()
# -- changes waiting for a coordinator's confirmation (they clash with other sessions) -----


async def keep_pending_change(session: AsyncSession, change: PendingChange) -> int:
    """Keep a change until its coordinator confirms or drops it; returns its id.

    It replaces whatever that person left waiting before (one at a time: the
    buttons of an older question become stale), so the table stays small.
    """
    await session.exec(
        delete(PendingChange).where(col(PendingChange.person_id) == change.person_id)
    )
    session.add(change)
    await session.flush()
    assert change.id is not None
    return change.id


async def take_pending_change(
    session: AsyncSession, change_id: int, person_id: int
) -> PendingChange | None:
    """The change waiting under `change_id` for `person_id`, removed as it is read, so that
    it is applied once even when its button is pressed twice at the same moment; None when
    it is gone or someone else's."""
    change = await session.get(PendingChange, change_id)
    if change is None or change.person_id != person_id:
        return None
    taken = (
        await session.exec(
            delete(PendingChange)
            .where(col(PendingChange.id) == change_id)
            .returning(col(PendingChange.id))
        )
    ).first()
    session.expunge(change)
    return change if taken is not None else None
