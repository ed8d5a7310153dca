"""The agenda's other commands: what is coming and the calendar file for everyone;
team check-ins, announcements and reminder lead times for coordinators."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.deliveries import ANNOUNCEMENT, AnnouncementPayload
from cohorte.handlers.agenda.grammar import (
    lead_label,
    read_announcement,
    read_checkin,
    read_lead_setting,
    read_session_start,
)
from cohorte.handlers.agenda.ics import build_ics, calendar_team
from cohorte.handlers.agenda.leads import DEFAULT_LEADS, leads_for
from cohorte.handlers.agenda.occurrences import cohort_occurrences, ensure_checkin_series
from cohorte.handlers.agenda.renderers import occurrence_title, week_label
from cohorte.handlers.agenda.routes import (
    ANSWER_ANNOUNCEMENT,
    ASK_CANCEL,
    ASK_MOVE,
    DraftAnswer,
    WhenToSend,
    session_code,
)
from cohorte.handlers.agenda.rsvp_view import question, rsvp_buttons
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, File, Reply, button_rows
from cohorte.handlers.lang.dates import split_leading_when, weekday_name
from cohorte.handlers.lang.names import match_names
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.locales.markup import bold
from cohorte.scheduling.recurrence import ref_code, sprint_end
from cohorte.storage import agenda as calendar_rows
from cohorte.storage.attendance import answers_of
from cohorte.storage.cohorts import teams_of
from cohorte.storage.models import AnnouncementDraft, Cohort, Member
from cohorte.storage.series import Series, SeriesKind

DEFAULT_UPCOMING = 5
MAX_UPCOMING = 10
CHECKIN_EVERY_WEEKS = 2
CHECKIN_MINUTES = 45
# How long an announcement waits for its author to say when it goes.
DRAFT_LIFETIME = timedelta(days=1)


async def upcoming(ctx: Context, args: str) -> list[Reply]:
    """/proximas [N]: the next sessions in the reader's zone, with their sprint week."""
    cohort, member = ctx.require_member()
    t = ctx.t
    asked = _upcoming_count(args)
    count = min(asked, MAX_UPCOMING)
    now = ctx.clock.now()
    await ensure_checkin_series(ctx.session, cohort, now)
    end = datetime.combine(
        sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=1), time(0), ZoneInfo("UTC")
    )
    team_filter = None if ctx.is_coordinator else (member.team_id or -1)
    found = await cohort_occurrences(ctx.session, cohort, now, end, team_id=team_filter)
    if not found:
        return [Reply(t._("There are no more sessions in this sprint."))]
    lines = [t._("Next sessions ({zone}):", zone=t.zone_label(ctx.zone))]
    buttons: list[Button] = []
    for occurrence in found[:count]:
        title = await occurrence_title(ctx.session, t, occurrence)
        week = week_label(t, cohort, occurrence)
        # The header names the zone: each line gives the day and the time only.
        line = f"• {t.day_and_time(occurrence.starts_at, ctx.zone)} — {bold(title)}"
        if week:
            line += f" ({week})"
        if occurrence.moved:
            line += " " + t._("(moved)")
        if ctx.is_coordinator:
            line += f" [{ref_code(occurrence.ref)}]"
        lines.append(line)
    if count < asked and len(found) > count:
        lines.append(
            t._("I show the first {limit}: /proximas shows at most {limit}.", limit=MAX_UPCOMING)
        )
    rows: tuple[tuple[Button, ...], ...] = ()
    if ctx.is_coordinator:
        first = session_code(found[0])
        buttons = [
            Button(t._("Move the next one"), ASK_MOVE.payload(first)),
            Button(t._("Cancel the next one"), ASK_CANCEL.payload(first)),
        ]
        lines.append("")
        lines.append(t._("To change one: /sesion mover CODE DATE TIME or /sesion cancelar CODE."))
        rows = button_rows(buttons)
    # "¿Vas a asistir?" for the next one (the next ones are asked in their reminders).
    nearest = found[0]
    answer = await answers_of(ctx.session, nearest.ref, member.id) if member.id else None
    when = t.day_and_time(nearest.starts_at, ctx.zone)
    lines += ["", t._("The next one: {when}.", when=when) + " " + question(t, answer)]
    rows = (rsvp_buttons(t, nearest), *rows)
    return [Reply("\n".join(lines), rows)]


def _upcoming_count(args: str) -> int:
    """How many sessions /proximas was asked for: 5 by default; a whole number from 1 on
    (more than `MAX_UPCOMING` is shown as that many, and said)."""
    text = args.strip()
    if not text:
        return DEFAULT_UPCOMING
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise CohortError(
            N_("Write /proximas or /proximas N, with N from 1 to {limit}."), limit=MAX_UPCOMING
        )
    return int(text)


async def calendar_file(ctx: Context, _args: str) -> list[Reply]:
    """/calendario: an .ics file of the whole sprint as the reader sees it (and a feed URL)."""
    cohort, member = ctx.require_member()
    now = ctx.clock.now()
    await ensure_checkin_series(ctx.session, cohort, now)
    data = await build_ics(ctx.session, cohort, ctx.t, now, calendar_team(member))
    text = ctx.t._("Open the file to add the sprint's sessions to your calendar.")
    if ctx.public_url:
        if member.calendar_token is None:
            member.calendar_token = secrets.token_urlsafe(24)
        url = f"{ctx.public_url.rstrip('/')}/calendario/{member.calendar_token}.ics"
        text += "\n" + ctx.t._("Or subscribe, so that changes arrive by themselves: {url}", url=url)
    filename = f"{fold(cohort.name).replace(' ', '-')[:40] or 'cohorte'}.ics"
    return [Reply(text, file=File(filename, data, "text/calendar"), ephemeral=True)]


async def checkin_slot(ctx: Context, args: str) -> list[Reply]:
    """/acompanamiento EQUIPO DIA HORA: the team's biweekly check-in slot (team's own zone)."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    teams = list(await teams_of(ctx.session, cohort.id))
    team_names = ", ".join(team.name for team in teams)
    wanted, weekday, at = read_checkin(args, team_names)
    matches = match_names(wanted, teams, lambda team: (team.name,))
    if len(matches) != 1:
        raise CohortError(
            N_("I could not tell which team “{name}” is. Teams: {teams}"),
            name=wanted[:60],
            teams=team_names,
        )
    team = matches[0]
    assert team.id is not None
    now = ctx.clock.now()
    team.checkin_weekday, team.checkin_time = weekday, at
    today = now.astimezone(ZoneInfo(team.zone)).date()
    for old in await calendar_rows.checkin_series_of_team(ctx.session, team.id):
        if old.ended_at is None:
            old.last_date = min(old.last_date, today)
            old.ended_at = now
    series = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.CHECKIN,
        team_id=team.id,
        title="",
        weekday=weekday,
        local_time=at,
        zone=team.zone,
        interval_weeks=CHECKIN_EVERY_WEEKS,
        first_date=today + timedelta(days=(weekday - today.weekday()) % 7 or 7),
        last_date=sprint_end(cohort.start_date, cohort.weeks),
        duration_minutes=CHECKIN_MINUTES,
        meeting_url=cohort.meeting_url,
        created_at=now,
    )
    await calendar_rows.add_series(ctx.session, [series])
    return [
        Reply(
            ctx.t._(
                "Done: the {team} team's check-ins are every other {weekday} at {time} "
                "({zone}), from {day}.",
                team=team.name,
                weekday=weekday_name(weekday, ctx.t.language),
                time=at.strftime("%H:%M"),
                zone=ctx.t.zone_label(team.zone),
                day=ctx.t.date(series.first_date),
            )
        )
    ]


async def announcement(ctx: Context, args: str) -> list[Reply]:
    """/anuncio texto, or /anuncio 6/5 09:00 | texto to send it later; a text that starts
    with a day and time but has no bar is asked about first."""
    cohort, member = ctx.require_coordinator()
    when_text, text = read_announcement(args)
    now = ctx.clock.now()
    if when_text:
        return await _announce(ctx, text, read_session_start(when_text, cohort, now, ctx.t))
    leading = split_leading_when(text, now.astimezone(ZoneInfo(cohort.home_zone)).date())
    if leading is None:
        return await _announce(ctx, text, None)
    return [await _ask_when(ctx, cohort, member, text, *leading)]


async def _ask_when(
    ctx: Context, cohort: Cohort, member: Member, text: str, when_text: str, rest: str
) -> Reply:
    """The question "Schedule it for …, or send the text now as it is?", with buttons that
    carry only the id of the announcement kept in the database."""
    t = ctx.t
    if not rest:
        raise CohortError(
            N_("Write the announcement after the day and time: /anuncio 6/5 09:00 | Hola a todos.")
        )
    assert cohort.id is not None and member.id is not None
    now = ctx.clock.now()
    due, why_not = None, ""
    try:
        due = read_session_start(when_text, cohort, now, t)
    except CohortError as error:
        why_not = error.render(t)
    draft = await calendar_rows.add_announcement_draft(
        ctx.session,
        AnnouncementDraft(
            cohort_id=cohort.id,
            member_id=member.id,
            text=text,
            message=rest,
            due_at=due,
            created_at=now,
        ),
        forget_before=now - DRAFT_LIFETIME,
    )
    assert draft.id is not None
    as_typed = Button(
        t._("Send it now as it is"),
        ANSWER_ANNOUNCEMENT.payload(DraftAnswer(draft.id, WhenToSend.AS_TYPED)),
    )
    lines = [t._("Your announcement starts with a day and time: {when}.", when=when_text)]
    if due is None:
        lines += [why_not, t._("Send the text now as it is?")]
        return Reply("\n".join(lines), ((as_typed,),))
    scheduled = Button(
        t._("Schedule it"),
        ANSWER_ANNOUNCEMENT.payload(DraftAnswer(draft.id, WhenToSend.SCHEDULED)),
    )
    lines += [
        t._(
            "Schedule it for {when}, or send the text now as it is?",
            when=t.when(due, ctx.zone, year=True),
        ),
        t._(
            "(Next time, write a bar after the time to schedule it directly: "
            "/anuncio {when} | text)",
            when=when_text,
        ),
    ]
    return Reply("\n".join(lines), ((scheduled, as_typed),))


async def answer_announcement(ctx: Context, answer: DraftAnswer) -> list[Reply]:
    """The "Schedule it" / "Send it now as it is" buttons: the kept announcement goes out
    as chosen, once; only its author can answer."""
    _, member = ctx.require_coordinator()
    assert member.id is not None
    now = ctx.clock.now()
    draft = await calendar_rows.take_announcement_draft(
        ctx.session, answer.draft, member.id, now - DRAFT_LIFETIME
    )
    if draft is None:
        raise StaleButtonError()
    if answer.when is WhenToSend.AS_TYPED:
        return await _announce(ctx, draft.text, None)
    if draft.due_at is None:
        raise StaleButtonError()
    if draft.due_at <= now:
        raise CohortError(
            N_("That moment has already passed: {when}."),
            when=ctx.t.when(draft.due_at, ctx.zone, year=True),
        )
    return await _announce(ctx, draft.message, draft.due_at)


async def _announce(ctx: Context, text: str, due: datetime | None) -> list[Reply]:
    """Queue the coordinator's words for the cohort's chats, now or at `due`."""
    now = ctx.clock.now()
    key = f"{int(now.timestamp())}:{secrets.token_hex(4)}"
    payload = AnnouncementPayload(text=text)
    await announce(ctx, ANNOUNCEMENT, key, payload=payload, due_at=due or now)
    if due is not None:
        when = ctx.t.when(due, ctx.zone, year=True)
        return [Reply(ctx.t._("Scheduled for {when}.", when=when))]
    return [Reply(ctx.t._("Announcement sent to the cohort's chats."))]


async def reminder_settings(ctx: Context, args: str) -> list[Reply]:
    """/recordatorios [TIPO 24h 1h ...]: show or set lead times per kind of session."""
    cohort, _ = ctx.require_coordinator()
    t = ctx.t
    labels = {
        "session": t._("weekly session"),
        "masterclass": "Masterclass",
        "showtime": "Showtime",
        "checkin": t._("check-in"),
    }
    setting = read_lead_setting(args)
    if setting is not None:
        kind, leads = setting
        custom = json.loads(cohort.reminder_leads or "{}")
        custom[kind] = leads
        cohort.reminder_leads = json.dumps(custom)
    lines = [t._("Reminders before each session:")]
    for kind in DEFAULT_LEADS:
        shown = ", ".join(lead_label(m) for m in sorted(leads_for(cohort, kind), reverse=True))
        lines.append(f"• {labels[kind]}: {shown}")
    return [Reply("\n".join(lines))]
