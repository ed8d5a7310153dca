"""What people read about sessions: reminders, change notices, announcements, holidays.

Every message is rendered at send time, from the database, for its reader: a
group chat reads the cohort's language and the time per city present; a person
reads their own language and zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.deliveries import (
    AnnouncementPayload,
    CancelledPayload,
    HolidayPayload,
    MovedPayload,
    ReminderPayload,
)
from cohorte.handlers.agenda.leads import reminder_due
from cohorte.handlers.agenda.occurrences import occurrence_for, occurrence_named
from cohorte.handlers.core.delivery import RenderContext, times_by_city
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.lang.dates import weekday_name
from cohorte.locales import Translator
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import (
    MINUTES_PER_DAY,
    Occurrence,
    event_ref,
    ref_code,
    sprint_week,
    to_utc,
)
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.cohorts import team_by_id
from cohorte.storage.models import Cohort
from cohorte.storage.series import Series


async def occurrence_title(session: AsyncSession, t: Translator, occurrence: Occurrence) -> str:
    """'Masterclass: Datos abiertos', 'Sesión semanal', 'Sesión de acompañamiento — Bogotá'."""
    if occurrence.kind == "session":
        return occurrence.title or t._("Weekly session")
    if occurrence.kind == "masterclass":
        return t._("Masterclass: {title}", title=occurrence.title)
    if occurrence.kind == "showtime":
        return t._("Final session (Showtime): {title}", title=occurrence.title)
    team = None
    if occurrence.team_id is not None:
        team = await team_by_id(session, occurrence.team_id)
    return t._("Check-in with the {team} team", team=team.name if team else "?")


def week_label(t: Translator, cohort: Cohort, occurrence: Occurrence) -> str:
    """'Semana 3', or nothing outside the sprint."""
    day = occurrence.starts_at.astimezone(ZoneInfo(cohort.home_zone)).date()
    week = sprint_week(cohort.start_date, cohort.weeks, day)
    return t._("Week {n}", n=week) if week else ""


async def when_text(rc: RenderContext, instant: datetime) -> str:
    """In a DM the reader's own time; in a group the time per city present."""
    if rc.zone is not None:
        return rc.t.when(instant, rc.zone)
    day = rc.t.date(instant.astimezone(ZoneInfo(rc.cohort.home_zone)).date())
    zones = await rc.zones()
    return f"{day} — {times_by_city(rc.t, instant, zones)}"


def lead_text(t: Translator, minutes: int) -> str:
    """'en 1 día', 'en 2 horas', 'en 1 semana'."""
    if minutes % MINUTES_PER_DAY == 0:
        days = minutes // MINUTES_PER_DAY
        if days % 7 == 0:
            return t.ngettext("in {n} week", "in {n} weeks", days // 7)
        return t.ngettext("in {n} day", "in {n} days", days)
    if minutes % 60 == 0:
        return t.ngettext("in {n} hour", "in {n} hours", minutes // 60)
    return t.ngettext("in {n} minute", "in {n} minutes", minutes)


async def describe(rc: RenderContext, occurrence: Occurrence, headline: str) -> str:
    """The headline with the session's title and week, its time for the reader, its link."""
    t = rc.t
    title = await occurrence_title(rc.session, t, occurrence)
    week = week_label(t, rc.cohort, occurrence)
    lines = [f"{headline} {bold(title)}" + (f" · {week}" if week else "")]
    lines.append(await when_text(rc, occurrence.starts_at))
    if occurrence.meeting_url:
        lines.append(t._("Link: {url}", url=occurrence.meeting_url))
    return "\n".join(lines)


async def render_reminder(rc: RenderContext, payload: ReminderPayload) -> Reply | None:
    """'⏰ Recordatorio (en 1 día): *Sesión semanal* · Semana 2', unless it moved since."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.starts_at != payload.start:
        return None  # moved or cancelled since it was planned
    lead = payload.lead
    if rc.now - reminder_due(occurrence, lead) > timedelta(minutes=5):
        # Sent late (caught up after downtime): say how long is left.
        remaining = int((occurrence.starts_at - rc.now).total_seconds() // 60)
        lead = max(5, remaining - remaining % 5)
    headline = "⏰ " + rc.t._("Reminder ({when}):", when=lead_text(rc.t, lead))
    return Reply(await describe(rc, occurrence, headline))


async def render_moved(rc: RenderContext, payload: MovedPayload) -> Reply | None:
    """'🔁 Nuevo horario para …', with the time it had before."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled:
        return None
    text = await describe(rc, occurrence, "🔁 " + rc.t._("New time for"))
    text += "\n" + rc.t._("(it was {when})", when=await when_text(rc, payload.old_start))
    return Reply(text)


async def render_cancelled(rc: RenderContext, _payload: CancelledPayload) -> Reply | None:
    """'❌ Cancelada: …'."""
    occurrence = await occurrence_for(rc)
    if occurrence is None:
        return None
    return Reply(await describe(rc, occurrence, "❌ " + rc.t._("Cancelled:")))


async def render_announcement(rc: RenderContext, payload: AnnouncementPayload) -> Reply | None:
    """'📣 …': a new session, a new weekly time, or a coordinator's own words."""
    if payload.event is not None:
        return await _new_event(rc, payload.event)
    if payload.series is not None:
        return await _new_weekly_session(rc, payload.series)
    # An /anuncio, or an announcement queued before they were rendered per reader.
    return Reply("📣 " + literal(payload.text or ""))


async def _new_event(rc: RenderContext, event_id: int) -> Reply | None:
    """'📣 Nueva en el calendario: *Masterclass: …*, …' at its current time, for the reader."""
    occurrence = await occurrence_named(rc, event_ref(event_id))
    if occurrence is None or occurrence.cancelled:
        return None  # gone or cancelled before the news went out: the notice says so
    text = rc.t._(
        "New on the calendar: *{title}*, {when}.",
        title=await occurrence_title(rc.session, rc.t, occurrence),
        when=await when_text(rc, occurrence.starts_at),
    )
    return Reply("📣 " + text)


async def _new_weekly_session(rc: RenderContext, series_id: int) -> Reply | None:
    """'📣 La sesión semanal será el martes a las 10:00 (hora de Bogotá), a partir del …'.

    A person reads the day and time in their own zone; a group in the series'
    zone (the cohort's home), with the first session's time per city.
    """
    series = await _series(rc, series_id)
    if series is None:
        return None
    first = to_utc(series.first_date, series.local_time, series.zone)
    zone = rc.zone or series.zone
    local = first.astimezone(ZoneInfo(zone))
    text = rc.t._(
        "The weekly session will be on {weekday} at {time} ({zone}), starting {when}.",
        weekday=weekday_name(local.weekday(), rc.t.language),
        time=local.strftime("%H:%M"),
        zone=rc.t.zone_label(zone),
        when=await when_text(rc, first),
    )
    return Reply("📣 " + text)


async def _series(rc: RenderContext, series_id: int) -> Series | None:
    """The cohort's series `series_id`, read once per batch of deliveries."""

    async def read() -> Series | None:
        series = await calendar_rows.series_by_id(rc.session, series_id)
        return series if series is not None and series.cohort_id == rc.cohort.id else None

    return await rc.cache.memo(("series", series_id), read)


async def render_holiday(rc: RenderContext, payload: HolidayPayload) -> Reply | None:
    """'📅 Feriado a la vista: …', for the coordinators, with the session's code."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled:
        return None
    text = await describe(rc, occurrence, "📅 " + rc.t._("Public holiday ahead:"))
    text += "\n" + rc.t._(
        "{day} is a public holiday in {country} ({name}). Move or cancel it with /sesion.",
        day=rc.t.date(payload.day),
        country=rc.t.country(payload.country),
        name=payload.name,
    )
    text += "\n" + rc.t._("Code: {code}", code=ref_code(occurrence.ref))
    return Reply(text)
