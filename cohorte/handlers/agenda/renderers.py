"""What people read about sessions: reminders, change notices, announcements, holidays.

Every message is rendered at send time, from the database, for its reader: a
group chat reads the cohort's language and the time per city present; a person
reads their own language and zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
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
from cohorte.handlers.agenda.materials import session_material_lines, with_materials
from cohorte.handlers.agenda.occurrences import occurrence_for, occurrence_named
from cohorte.handlers.agenda.rsvp_view import (
    asks_rsvp,
    confirmed_line,
    nobody_confirmed,
    question,
    replaced_by_nudge,
    rsvp_buttons,
    tally_key,
)
from cohorte.handlers.agenda.weekly import weekly_notes
from cohorte.handlers.core.delivery import RenderContext, times_by_city
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.lang.names import name_key
from cohorte.locales import LANGUAGES, N_, Translator
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import (
    Occurrence,
    event_ref,
    ref_code,
    sprint_week,
    to_utc,
)
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.attendance import answers_of
from cohorte.storage.cohorts import team_by_id
from cohorte.storage.models import Cohort
from cohorte.storage.series import Series

# What the kinds of session are called (the Masterclass keeps the sprint's own name).
_KIND_LABELS = {"session": N_("Weekly session"), "showtime": N_("Final session (Showtime)")}
LABELLED_KINDS = ("session", "masterclass", "showtime")


def kind_label(t: Translator, kind: str) -> str:
    """'Sesión semanal', 'Masterclass', 'Sesión final (Showtime)' in the reader's language."""
    return t._(_KIND_LABELS[kind]) if kind in _KIND_LABELS else "Masterclass"


@cache
def _label_keys(kind: str) -> frozenset[str]:
    """The forms of a title that only repeats its kind's label: the label in every
    language, and the kind's own name ("Showtime"), compared as names are."""
    labels = {kind_label(Translator(language), kind) for language in LANGUAGES}
    return frozenset({"", name_key(kind)} | {name_key(label) for label in labels})


def repeats_label(kind: str, title: str) -> bool:
    """Whether `title` says nothing but its kind's label ("Sesión final (Showtime)" for
    the Showtime, "masterclass" for a Masterclass), forgiving accents, case and
    punctuation; an empty title too."""
    return name_key(title) in _label_keys(kind)


async def occurrence_title(session: AsyncSession, t: Translator, occurrence: Occurrence) -> str:
    """'Masterclass: Datos abiertos', 'Sesión semanal', 'Sesión de acompañamiento — Bogotá'.

    A title that only repeats its kind's label is said once, as the label in the
    reader's language: "Sesión final (Showtime)", never "… (Showtime): Sesión final (Showtime)".
    """
    kind, title = occurrence.kind, occurrence.title
    if kind in LABELLED_KINDS and repeats_label(kind, title):
        return kind_label(t, kind)
    if kind == "session":
        return title
    if kind == "masterclass":
        return t._("Masterclass: {title}", title=title)
    if kind == "showtime":
        return t._("Final session (Showtime): {title}", title=title)
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
    """'⏰ Recordatorio (mañana): *Sesión semanal* · Semana 2', unless it moved since.

    The lead is said from when the reminder was due, so the seconds the sender
    takes do not show; one sent late (caught up after downtime) says how long is
    left from now ("en 23 horas y media"). A person reads the day and time in their
    own zone ("mañana a las 10:00"); a group the day in the cohort's, the time per
    city following. Reminders of a day or less ask "¿Vas a asistir?" (`rsvp_view`).
    """
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.starts_at != payload.start:
        return None  # moved or cancelled since it was planned
    private = not rc.in_group
    if (
        private
        and replaced_by_nudge(occurrence, payload.lead)
        and await nobody_confirmed(rc, occurrence)
    ):
        return None  # "nobody of your team confirmed" goes instead (`rsvp_nudge`)
    due = reminder_due(occurrence, payload.lead)
    said_from = due if rc.now - due <= timedelta(minutes=5) else rc.now
    return await _reminder(rc, occurrence, payload.lead, said_from)


async def render_tally(rc: RenderContext, payload: ReminderPayload) -> Reply | None:
    """The group reminder again, with today's confirmed counts: it edits the one posted
    (a keyed message), saying its lead as it did then."""
    occurrence = await occurrence_for(rc)
    if (
        not rc.in_group
        or occurrence is None
        or occurrence.cancelled
        or occurrence.starts_at != payload.start
        or rc.now >= occurrence.starts_at
    ):
        return None
    return await _reminder(rc, occurrence, payload.lead, reminder_due(occurrence, payload.lead))


async def _reminder(
    rc: RenderContext, occurrence: Occurrence, lead_minutes: int, said_from: datetime
) -> Reply:
    lead = rc.t.until(
        occurrence.starts_at, said_from, rc.zone or rc.cohort.home_zone, at_time=rc.zone is not None
    )
    headline = "⏰ " + rc.t._("Reminder ({when}):", when=lead)
    text = await describe(rc, occurrence, headline)
    # What coordinators attached before the session (`/material`), read at send time.
    text = with_materials(rc.t, text, await session_material_lines(rc, occurrence.ref))
    if not asks_rsvp(lead_minutes):
        return Reply(text)
    buttons = (rsvp_buttons(rc.t, occurrence),)
    if rc.in_group:
        counts = await confirmed_line(rc, occurrence)
        text = "\n".join(part for part in (text, counts) if part)
        return Reply(text, buttons, key=tally_key(occurrence, lead_minutes))
    answer = None
    if rc.member is not None and rc.member.id is not None:
        answer = await answers_of(rc.session, occurrence.ref, rc.member.id)
    return Reply(text + "\n" + question(rc.t, answer), buttons)


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
    # The one notice of a new time: the series it replaced, the weeks it skips.
    notes = await weekly_notes(rc.session, rc.t, series, rc.zone)
    return Reply("\n".join(["📣 " + text, *notes]))


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
