"""The cohort calendar as an iCalendar file (RFC 5545), as one reader sees it.

Series are one VEVENT with an RRULE in their own zone (so calendar apps keep
10:00 local across DST), cancelled occurrences are EXDATEs and moved ones are
separate VEVENTs with a RECURRENCE-ID. UIDs are stable, so importing the file
again (or a subscription refreshing) updates events instead of duplicating them.
Its texts are plain: the marks chat text puts around people's words are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.materials import material_lines
from cohorte.handlers.agenda.occurrences import ensure_checkin_series
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.readers import member_reader, reader_of
from cohorte.handlers.lang.names import match_names
from cohorte.locales import N_, Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.recurrence import Occurrence, event_ref, parse_ref, series_ref, to_utc
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.cohorts import members_with_people, team_by_id
from cohorte.storage.materials import Material, materials_of
from cohorte.storage.models import Cohort, Member, Person, Role
from cohorte.storage.series import Series, SeriesKind


class NoSuchPersonError(CohortError):
    message = N_("Nobody in {cohort} is called “{name}”.")


class SeveralPeopleError(CohortError):
    message = N_("Several people in {cohort} match “{name}”: {names}. Write more of the name.")


def calendar_team(member: Member) -> int | None:
    """Whose check-ins a member's calendar shows: their team's (-1: none, no team yet), or
    every team's (None) for a coordinator."""
    return None if member.role == Role.COORDINATOR else (member.team_id or -1)


@dataclass(frozen=True)
class CohortCalendar:
    """A calendar file for `cohorte calendar`, and whose view it is (None: every team's)."""

    data: bytes
    person: Person | None


async def cohort_calendar(
    session: AsyncSession, cohort: Cohort, now: datetime, person: str | None = None
) -> CohortCalendar:
    """The cohort's calendar with every team's check-ins, in the cohort's language; or, with
    `person` (a name as typed), the one /calendario gives that member: their team's
    check-ins, in their language. Raises `NoSuchPersonError`, `SeveralPeopleError`."""
    assert cohort.id is not None
    await ensure_checkin_series(session, cohort, now)
    if person is None:
        data = await build_ics(session, cohort, reader_of(cohort=cohort).t, now, None)
        return CohortCalendar(data, None)
    found = match_names(
        person, await members_with_people(session, cohort.id), lambda row: (row[1].display_name,)
    )
    if not found:
        raise NoSuchPersonError(cohort=cohort.name, name=person)
    if len(found) > 1:
        names = ", ".join(who.display_name for _, who in found)
        raise SeveralPeopleError(cohort=cohort.name, name=person, names=names)
    member, who = found[0]
    reader = await member_reader(session, member)
    data = await build_ics(session, cohort, reader.t, now, calendar_team(member))
    return CohortCalendar(data, who)


def _uid(kind: str, number: int, cohort: Cohort) -> str:
    return f"{kind}{number}-{cohort.id}@cohorte"


async def build_ics(
    session: AsyncSession, cohort: Cohort, t: Translator, now: datetime, team_id: int | None
) -> bytes:
    """The calendar file; with `team_id`, only that team's check-ins (a participant's view)."""
    assert cohort.id is not None
    calendar = Calendar()
    calendar.add("prodid", "-//Cohorte//cohorte//ES")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", cohort.name)
    attached: dict[str, list[Material]] = {}
    for material in await materials_of(session, cohort.id):
        if material.ref is not None:
            attached.setdefault(material.ref, []).append(material)
    notes = _MaterialNotes(t, attached)
    for series in await calendar_rows.series_of_cohorts(session, [cohort.id]):
        if series.kind == SeriesKind.CHECKIN and team_id is not None and series.team_id != team_id:
            continue
        if series.last_date < series.first_date:
            continue  # replaced before it began
        await _add_series(session, calendar, cohort, series, t, now, notes)
    for event in await calendar_rows.events_of_cohort(session, cohort.id):
        assert event.id is not None
        occurrence = Occurrence(
            ref=event_ref(event.id),
            kind=str(event.kind),
            title=event.title,
            starts_at=event.starts_at,
            duration=timedelta(minutes=event.duration_minutes),
        )
        vevent = _vevent(
            _uid("e", event.id, cohort),
            await occurrence_title(session, t, occurrence),
            event.starts_at.astimezone(ZoneInfo(cohort.home_zone)),
            timedelta(minutes=event.duration_minutes),
            event.meeting_url or cohort.meeting_url,
            notes.description(event.description, event_ref(event.id)),
            now,
        )
        if event.cancelled_at is not None:
            vevent.add("status", "CANCELLED")
        calendar.add_component(vevent)
    calendar.add_missing_timezones()
    # icalendar adds the zones in a set's order: sorted, the same calendar is the same bytes,
    # so a subscribed calendar app sees no change where there is none.
    zones = [part for part in calendar.subcomponents if part.name == "VTIMEZONE"]
    others = [part for part in calendar.subcomponents if part.name != "VTIMEZONE"]
    calendar.subcomponents[:] = sorted(zones, key=lambda zone: str(zone["TZID"])) + others
    data: bytes = calendar.to_ical()
    return data


async def _add_series(
    session: AsyncSession,
    calendar: Calendar,
    cohort: Cohort,
    series: Series,
    t: Translator,
    now: datetime,
    notes: _MaterialNotes,
) -> None:
    assert series.id is not None
    zone = ZoneInfo(series.zone)
    first_start = datetime.combine(series.first_date, series.local_time, tzinfo=zone)
    sample = Occurrence(
        ref=f"s{series.id}",
        kind=str(series.kind),
        title=series.title,
        starts_at=first_start,
        duration=timedelta(minutes=series.duration_minutes),
        team_id=series.team_id,
    )
    title = await occurrence_title(session, t, sample)
    if series.team_id is not None:
        team = await team_by_id(session, series.team_id)
        if team is not None and series.kind != SeriesKind.CHECKIN:
            title = f"{title} — {team.name}"
    uid = _uid("s", series.id, cohort)
    duration = timedelta(minutes=series.duration_minutes)
    master = _vevent(uid, title, first_start, duration, series.meeting_url, None, now)
    until = to_utc(series.last_date, series.local_time, series.zone)
    master.add("rrule", {"freq": "weekly", "interval": series.interval_weeks, "until": until})
    changes = await calendar_rows.changes_of_series(session, [series.id])
    for change in changes:
        original = datetime.combine(change.original_date, series.local_time, tzinfo=zone)
        if change.cancelled:
            master.add("exdate", original)
    calendar.add_component(master)
    # An occurrence moved, or with materials of its own, is a VEVENT of its own that
    # overrides the series' (RECURRENCE-ID): calendar apps show its time and its links.
    starts: dict[date, datetime | None] = {
        change.original_date: change.new_start
        for change in changes
        if not change.cancelled and change.new_start is not None
    }
    skipped = {change.original_date for change in changes if change.cancelled}
    for number, day in notes.series_days:
        if (
            number == series.id
            and day not in skipped
            and series.first_date <= day <= series.last_date
        ):
            starts.setdefault(day, None)
    for original_date in sorted(starts):
        original = datetime.combine(original_date, series.local_time, tzinfo=zone)
        new_start = starts[original_date]
        start = new_start.astimezone(zone) if new_start is not None else original
        description = notes.description(None, series_ref(series.id, original_date))
        moved = _vevent(uid, title, start, duration, series.meeting_url, description, now)
        moved.add("recurrence-id", original)
        calendar.add_component(moved)


class _MaterialNotes:
    """The materials of the calendar's sessions, as the lines of their descriptions."""

    def __init__(self, t: Translator, attached: dict[str, list[Material]]) -> None:
        self.t = t
        self.attached = attached
        # The series occurrences that have materials: (series id, original date).
        self.series_days: list[tuple[int, date]] = []
        for ref in sorted(attached):
            try:
                kind, number, day = parse_ref(ref)
            except ValueError:
                continue
            if kind == "s" and day is not None:
                self.series_days.append((number, day))

    def description(self, text: str | None, ref: str) -> str | None:
        """The session's own description, then 'Materiales:' and a line per link."""
        lines = material_lines(self.t, self.attached.get(ref, []))
        if not lines:
            return text
        parts = [text] if text else []
        parts.append("\n".join([self.t._("Materials:"), *lines]))
        return "\n\n".join(parts)


def _vevent(
    uid: str,
    title: str,
    start: datetime,
    duration: timedelta,
    url: str | None,
    description: str | None,
    now: datetime,
) -> IcsEvent:
    vevent = IcsEvent()
    vevent.add("uid", uid)
    vevent.add("summary", plain(title))
    vevent.add("dtstart", start)
    vevent.add("dtend", start + duration)
    vevent.add("dtstamp", now)
    if url:
        vevent.add("url", url)
        vevent.add("location", url)
    if description:
        vevent.add("description", plain(description))
    return vevent
