"""What a new weekly session series changed, in words: the series it replaced and the
weeks it skips. Said once, with the news of the new time (`/sesion semanal`, or a
confirmed poll), in the reader's language and zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.clashes import skipped_days
from cohorte.handlers.lang.dates import weekday_name
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import to_utc
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.series import Series


async def weekly_notes(
    session: AsyncSession, t: Translator, series: Series, zone: str | None
) -> list[str]:
    """'It replaces the weekly session on Tuesday at 10:00 (Bogotá time).' and
    'No session on: Tuesday, March 17.' for `series`, in `zone` (None: the series' own)."""
    zone = zone or series.zone
    notes = []
    old = await calendar_rows.replaced_series(session, series)
    if old is not None:
        local = to_utc(old.first_date, old.local_time, old.zone).astimezone(ZoneInfo(zone))
        notes.append(
            t._(
                "It replaces the weekly session on {weekday} at {time} ({zone}).",
                weekday=weekday_name(local.weekday(), t.language),
                time=t.time(local, zone),
                zone=t.zone_label(zone),
            )
        )
    assert series.id is not None
    skipped = [
        to_utc(change.original_date, series.local_time, series.zone)
        for change in await calendar_rows.changes_of_series(session, [series.id])
        if change.cancelled
    ]
    if skipped:
        notes.append(t._("No session on: {dates}.", dates=skipped_days(t, skipped, zone)))
    return notes
