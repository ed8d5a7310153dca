"""Reminders before every session, change notices, announcements, holiday warnings.

Planning: on every scheduler tick, each cohort's occurrences in the coming
days get one outbox row per (occurrence, start instant, lead time, recipient).
The start instant is part of the key, so a moved session gets fresh rows and
the old ones are dropped. A reminder whose time passed while the bot was down
is still sent (late) if the session has not started; once it has, the row is
dropped as stale. When several lead times have already passed (a session
added at short notice), only the latest one is sent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import (
    ensure_checkin_series_of,
    occurrence_for,
    occurrences_of,
)
from cohorte.handlers.core.delivery import Capabilities, RenderContext, times_by_city
from cohorte.handlers.core.messages import Reply
from cohorte.locales import Translator
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import (
    MINUTES_PER_DAY,
    Occurrence,
    ahead_of,
    ref_code,
    sprint_end,
    sprint_week,
)
from cohorte.storage import planning, queries
from cohorte.storage.models import ChatLink, Cohort, Member, Team
from cohorte.storage.outbox import Delivery

logger = logging.getLogger(__name__)

DEFAULT_LEADS: dict[str, list[int]] = {
    "session": [MINUTES_PER_DAY, 60],
    "masterclass": [MINUTES_PER_DAY, 60],
    "showtime": [7 * MINUTES_PER_DAY, MINUTES_PER_DAY, 60],
    "checkin": [MINUTES_PER_DAY],
}
HOLIDAY_LOOKAHEAD = timedelta(days=14)


def register_capabilities(capabilities: Capabilities) -> None:
    capabilities.planners.append(plan_reminders)
    capabilities.renderer("reminder", render_reminder)
    capabilities.renderer("moved", render_moved)
    capabilities.renderer("cancelled", render_cancelled)
    capabilities.renderer("announcement", render_announcement)
    capabilities.renderer("holiday", render_holiday, private=True)


def leads_for(cohort: Cohort, kind: str) -> list[int]:
    """Lead times in minutes for a kind of session: the cohort's setting or the default."""
    try:
        custom = json.loads(cohort.reminder_leads or "{}")
    except ValueError:
        custom = {}
    leads = custom.get(kind, DEFAULT_LEADS.get(kind, [MINUTES_PER_DAY, 60]))
    return sorted({int(m) for m in leads if isinstance(m, int) and 0 < m <= 30 * MINUTES_PER_DAY})


async def active_cohorts(session: AsyncSession, now: datetime) -> list[Cohort]:
    """Cohorts whose sprint has not ended yet."""
    return [
        cohort
        for cohort in await queries.list_cohorts(session)
        if sprint_end(cohort.start_date, cohort.weeks) >= (now - timedelta(days=1)).date()
    ]


@dataclass
class Audience:
    """Who a cohort's reminders go to."""

    chats: list[int] = field(default_factory=list)
    dm_people: list[int] = field(default_factory=list)  # members who want private reminders
    team_people: dict[int, list[int]] = field(default_factory=dict)  # team -> its members

    def of_occurrence(self, occurrence: Occurrence) -> tuple[list[int], list[int]]:
        """(chat link ids, person ids). Check-ins: their team only, privately; everything
        else: the group chats and the members who want private reminders."""
        if occurrence.kind == "checkin":
            return [], self.team_people.get(occurrence.team_id or -1, [])
        return self.chats, self.dm_people

    def size(self, occurrence: Occurrence) -> int:
        chats, people = self.of_occurrence(occurrence)
        return len(chats) + len(people)


async def audiences_of(session: AsyncSession, cohort_ids: list[int]) -> dict[int, Audience]:
    """The audience of many cohorts, in two queries."""
    audiences = {cohort_id: Audience() for cohort_id in cohort_ids}
    members = (
        await session.exec(select(Member).where(col(Member.cohort_id).in_(cohort_ids)))
    ).all()
    for member in members:
        audience = audiences[member.cohort_id]
        if member.dm_reminders:
            audience.dm_people.append(member.person_id)
        if member.team_id is not None:
            audience.team_people.setdefault(member.team_id, []).append(member.person_id)
    links = (
        await session.exec(select(ChatLink).where(col(ChatLink.cohort_id).in_(cohort_ids)))
    ).all()
    for link in links:
        if link.id is not None:
            audiences[link.cohort_id].chats.append(link.id)
    return audiences


PLAN_CHUNK = 100  # cohorts planned together: bounds memory whatever the number of cohorts
# A planned cohort is planned again when its next session enters the horizon, when
# something that decides its reminders changes, and at the latest after this long
# (spread over a second such period by cohort): the safety net.
FULL_REPLAN = timedelta(minutes=10)
# How far past the horizon to look for the next session.
LOOKAHEAD = timedelta(days=2)


async def plan_reminders(session: AsyncSession, now: datetime) -> None:
    """Queue the reminders of the upcoming sessions of every active cohort that needs it.

    A cohort needs planning when it changed since it was last planned, or when
    its next session enters the horizon (`Cohort.replan_at`); a steady tick
    finds none and costs one query. Set-based and streamed: cohorts are
    planned in chunks, each with a handful of queries; occurrences whose
    reminders are all planned already are skipped after one aggregate query.
    Two weeks ahead, the same pass warns coordinators of public holidays.
    """
    cohorts = [
        cohort
        for cohort in await active_cohorts(session, now)
        if cohort.planned_version != cohort.plan_version
        or cohort.replan_at is None
        or cohort.replan_at <= now
    ]
    added = 0
    for start in range(0, len(cohorts), PLAN_CHUNK):
        chunk = cohorts[start : start + PLAN_CHUNK]
        # Check-in series a team's slot asks for are part of the plan: made first, so
        # that the version recorded below includes them.
        await ensure_checkin_series_of(session, chunk, now)
        await session.flush()
        versions = await planning.plan_versions(session, [c.id for c in chunk if c.id])
        new, next_session = await _plan_chunk(session, chunk, now)
        added += new
        for cohort in chunk:
            assert cohort.id is not None
            replan_at = _replan_at(cohort.id, next_session.get(cohort.id), now)
            await planning.mark_planned(session, cohort.id, versions[cohort.id], replan_at)
    if added:
        logger.info("planned %d reminders", added)


def _replan_at(cohort_id: int, next_session: datetime | None, now: datetime) -> datetime:
    """When the next session enters the horizon, or the safety net (spread by cohort)."""
    latest = now + FULL_REPLAN + timedelta(seconds=cohort_id * 37 % FULL_REPLAN.seconds)
    return min(latest, next_session) if next_session is not None else latest


async def _plan_chunk(
    session: AsyncSession, cohorts: list[Cohort], now: datetime
) -> tuple[int, dict[int, datetime]]:
    """Plan one chunk's reminders and holiday warnings; returns how many rows are new
    and, per cohort, when its next session enters the horizon."""
    margin = timedelta(hours=1)
    horizon = max(max(leads_for(c, kind) or [0]) for c in cohorts for kind in DEFAULT_LEADS)
    window_end = now + timedelta(minutes=horizon) + margin
    # One read of every session that matters for this pass: the reminder window, the
    # next session after it, the holiday look-ahead.
    upcoming = await occurrences_of(
        session, cohorts, now, max(window_end + LOOKAHEAD, now + HOLIDAY_LOOKAHEAD)
    )
    found = {cid: [o for o in found if o.starts_at < window_end] for cid, found in upcoming.items()}
    next_session = {
        cohort_id: min(later) - timedelta(minutes=horizon) - margin
        for cohort_id, occurrences in upcoming.items()
        if (later := [o.starts_at for o in occurrences if o.starts_at >= window_end])
    }
    holidays_ahead = {
        cohort_id: [o for o in occurrences if o.starts_at < now + HOLIDAY_LOOKAHEAD]
        for cohort_id, occurrences in upcoming.items()
    }
    added = await plan_holiday_warnings(session, cohorts, holidays_ahead, now)
    busy = [cohort_id for cohort_id, occurrences in found.items() if occurrences]
    if not busy:
        return added, next_session
    audiences = await audiences_of(session, busy)
    already = await _planned_counts(session, [o.ref for c in busy for o in found[c]])
    planned: list[Planned] = []
    for cohort in cohorts:
        assert cohort.id is not None
        for occurrence in found.get(cohort.id, []):
            audience = audiences[cohort.id]
            have = already.get((occurrence.ref, occurrence.starts_at), 0)
            if have < len(lead_times(cohort, occurrence, now)) * audience.size(occurrence):
                planned += plan_occurrence(cohort, occurrence, audience, now)
    return added + await enqueue(session, planned, now), next_session


async def _planned_counts(
    session: AsyncSession, refs: list[str]
) -> dict[tuple[str, datetime], int]:
    """How many reminder rows exist per (occurrence, start instant)."""
    counts: dict[tuple[str, datetime], int] = {}
    for start in range(0, len(refs), 500):
        statement = (
            select(Delivery.ref, Delivery.expires_at, func.count())
            .where(Delivery.kind == "reminder", col(Delivery.ref).in_(refs[start : start + 500]))
            .group_by(col(Delivery.ref), col(Delivery.expires_at))
        )
        for ref, expires_at, count in (await session.exec(statement)).all():
            if expires_at is not None:
                counts[(ref, expires_at)] = count
    return counts


def lead_times(cohort: Cohort, occurrence: Occurrence, now: datetime) -> list[int]:
    """The lead times still worth a reminder: all future ones, and of those already
    passed only the latest (smallest)."""
    leads = leads_for(cohort, occurrence.kind)
    due = [lead for lead in leads if reminder_due(occurrence, lead) <= now]
    return [lead for lead in leads if lead not in due] + due[:1]


def reminder_due(occurrence: Occurrence, lead: int) -> datetime:
    """When the reminder `lead` minutes ahead is due (whole days: same local time)."""
    return ahead_of(occurrence.starts_at, lead, occurrence.zone)


def plan_occurrence(
    cohort: Cohort, occurrence: Occurrence, audience: Audience, now: datetime
) -> list[Planned]:
    """The reminder rows of one occurrence (pure)."""
    assert cohort.id is not None
    start = occurrence.starts_at
    keep = lead_times(cohort, occurrence, now)
    chats, people = audience.of_occurrence(occurrence)
    stamp = int(start.timestamp())
    planned = []
    for lead in keep:
        due = reminder_due(occurrence, lead)
        data = {"start": start.isoformat(), "lead": lead}
        base = f"rem:{occurrence.ref}:{stamp}:{lead}"
        planned += [
            Planned(
                f"{base}:c{link_id}",
                "reminder",
                cohort.id,
                due,
                start,
                chat_link_id=link_id,
                ref=occurrence.ref,
                data=data,
            )
            for link_id in chats
        ]
        planned += [
            Planned(
                f"{base}:p{person_id}",
                "reminder",
                cohort.id,
                due,
                start,
                person_id=person_id,
                ref=occurrence.ref,
                data=data,
            )
            for person_id in people
        ]
    return planned


# -- what people read ------------------------------------------------------------------


async def occurrence_title(session: AsyncSession, t: Translator, occurrence: Occurrence) -> str:
    """'Masterclass: Datos abiertos', 'Sesión semanal', 'Sesión de acompañamiento — Bogotá'."""
    if occurrence.kind == "session":
        return occurrence.title or t._("Weekly session")
    if occurrence.kind == "masterclass":
        return t._("Masterclass: {title}", title=occurrence.title)
    if occurrence.kind == "showtime":
        return t._("Final session (Showtime): {title}", title=occurrence.title)
    team = await session.get(Team, occurrence.team_id) if occurrence.team_id else None
    return t._("Check-in with the {team} team", team=team.name if team else "?")


def week_label(t: Translator, cohort: Cohort, occurrence: Occurrence) -> str:
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
    if minutes % MINUTES_PER_DAY == 0:
        days = minutes // MINUTES_PER_DAY
        if days % 7 == 0:
            return t.ngettext("in {n} week", "in {n} weeks", days // 7)
        return t.ngettext("in {n} day", "in {n} days", days)
    if minutes % 60 == 0:
        return t.ngettext("in {n} hour", "in {n} hours", minutes // 60)
    return t.ngettext("in {n} minute", "in {n} minutes", minutes)


async def describe(rc: RenderContext, occurrence: Occurrence, headline: str) -> str:
    t = rc.t
    title = await occurrence_title(rc.session, t, occurrence)
    week = week_label(t, rc.cohort, occurrence)
    lines = [f"{headline} *{title}*" + (f" · {week}" if week else "")]
    lines.append(await when_text(rc, occurrence.starts_at))
    if occurrence.meeting_url:
        lines.append(t._("Link: {url}", url=occurrence.meeting_url))
    return "\n".join(lines)


async def render_reminder(rc: RenderContext) -> Reply | None:
    occurrence = await occurrence_for(rc)
    start = rc.data.get("start")
    if occurrence is None or occurrence.cancelled or occurrence.starts_at.isoformat() != start:
        return None  # moved or cancelled since it was planned
    lead = int(str(rc.data.get("lead", 60)))
    if rc.now - reminder_due(occurrence, lead) > timedelta(minutes=5):
        # Sent late (caught up after downtime): say how long is left.
        remaining = int((occurrence.starts_at - rc.now).total_seconds() // 60)
        lead = max(5, remaining - remaining % 5)
    headline = "⏰ " + rc.t._("Reminder ({when}):", when=lead_text(rc.t, lead))
    return Reply(await describe(rc, occurrence, headline))


async def render_moved(rc: RenderContext) -> Reply | None:
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled:
        return None
    old = datetime.fromisoformat(str(rc.data["old_start"]))
    text = await describe(rc, occurrence, "🔁 " + rc.t._("New time for"))
    text += "\n" + rc.t._("(it was {when})", when=await when_text(rc, old))
    return Reply(text)


async def render_cancelled(rc: RenderContext) -> Reply | None:
    occurrence = await occurrence_for(rc)
    if occurrence is None:
        return None
    return Reply(await describe(rc, occurrence, "❌ " + rc.t._("Cancelled:")))


async def render_announcement(rc: RenderContext) -> Reply | None:
    return Reply("📣 " + str(rc.data.get("text", "")))


async def render_holiday(rc: RenderContext) -> Reply | None:
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled:
        return None
    text = await describe(rc, occurrence, "📅 " + rc.t._("Public holiday ahead:"))
    text += "\n" + rc.t._(
        "{day} is a public holiday in {country} ({name}). Move or cancel it with /sesion.",
        day=rc.t.date(date.fromisoformat(str(rc.data["day"]))),
        country=rc.t.country(str(rc.data["country"])),
        name=rc.data["name"],
    )
    text += "\n" + rc.t._("Code: {code}", code=ref_code(occurrence.ref))
    return Reply(text)


# -- public holidays --------------------------------------------------------------------


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
    for team in await queries.teams_of_cohorts(session, cohort_ids):
        teams.setdefault(team.cohort_id, []).append(team)
    coordinators = await queries.coordinators_of(session, cohort_ids)
    planned = []
    for cohort_id in cohort_ids:
        for occurrence in upcoming.get(cohort_id, []):
            affected = [t for t in teams.get(cohort_id, []) if occurrence.team_id in (None, t.id)]
            for team in affected:
                day = occurrence.starts_at.astimezone(ZoneInfo(team.zone)).date()
                name = holiday_name(team.country_code, day)
                if name is None:
                    continue
                data = {"day": day.isoformat(), "country": team.country_code, "name": name}
                for person_id in coordinators.get(cohort_id, []):
                    planned.append(
                        Planned(
                            f"holiday:{occurrence.ref}:{team.country_code}:p{person_id}",
                            "holiday",
                            cohort_id,
                            now,
                            occurrence.starts_at,
                            person_id=person_id,
                            ref=occurrence.ref,
                            data=data,
                        )
                    )
    return await enqueue(session, planned, now)
