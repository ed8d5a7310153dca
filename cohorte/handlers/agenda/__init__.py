"""Calendar commands: what is coming, the .ics file, and the coordinators' tools.

/proximas, /calendario for everyone; /sesion (nueva, semanal, mover,
cancelar), /acompanamiento, /anuncio and /recordatorios for coordinators.
Dates are understood in Spanish ("6 de mayo 10:00", "mar 6/5 10:00",
"mañana 9:30") and read in the cohort's home zone.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from cohorte.handlers.agenda.ics import build_ics
from cohorte.handlers.agenda.occurrences import (
    cohort_occurrences,
    ensure_checkin_series,
    find_occurrence,
    set_weekly_session,
)
from cohorte.handlers.agenda.reminders import (
    DEFAULT_LEADS,
    leads_for,
    occurrence_title,
    week_label,
)
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import (
    Button,
    FieldKind,
    File,
    Form,
    FormField,
    Reply,
    button_rows,
)
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang.dates import parse_clock_time, parse_weekday, parse_when, weekday_name
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.scheduling.outbox import drop_pending
from cohorte.scheduling.recurrence import Occurrence, code_ref, ref_code, sprint_end, to_utc
from cohorte.storage import queries
from cohorte.storage.models import Cohort, Event, EventKind
from cohorte.storage.series import Series, SeriesChange, SeriesKind

MAX_UPCOMING = 10
_DURATION = re.compile(r"\b(?:duracion|duration)\s+(\d{1,3})\b")
_LINK = re.compile(r"\b(?:enlace|link)\s+(https?://\S+)")
KIND_WORDS = {
    "masterclass": EventKind.MASTERCLASS,
    "clase": EventKind.MASTERCLASS,
    "showtime": EventKind.SHOWTIME,
    "final": EventKind.SHOWTIME,
}
SESSION_EXAMPLE = '/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos de contratación"'


def register(router: Router) -> None:
    router.command(("proximas", "next"), upcoming, N_("the next sessions, in your time zone"))
    router.command(
        ("calendario", "calendar"),
        calendar_file,
        N_("the calendar file (.ics) for your calendar app"),
    )
    router.command(
        ("sesion", "session"),
        session_command,
        N_("add, move or cancel sessions (nueva, semanal, mover, cancelar)"),
        coordinator_only=True,
    )
    router.command(
        ("acompanamiento", "checkin"),
        checkin_slot,
        N_("set a team's biweekly check-in: /acompanamiento EQUIPO jue 10:00"),
        coordinator_only=True,
    )
    router.command(
        ("anuncio", "announce"),
        announcement,
        N_("send an announcement now, or later: /anuncio 6/5 09:00 | texto"),
        coordinator_only=True,
    )
    router.command(
        ("recordatorios", "reminders"),
        reminder_settings,
        N_("reminder lead times per kind of session"),
        coordinator_only=True,
    )
    router.raw_button("sn", submit_new_event)
    router.raw_button("sm", ask_move)
    router.raw_button("smv", submit_move)
    router.raw_button("sc", ask_cancel)
    router.raw_button("scx", confirm_cancel)


# -- everyone -----------------------------------------------------------------------


async def upcoming(ctx: Context, args: str) -> list[Reply]:
    """/proximas [N]: the next sessions in the reader's zone, with their sprint week."""
    cohort, member = ctx.require_member()
    t = ctx.t
    try:
        count = min(MAX_UPCOMING, max(1, int(args))) if args.strip() else 5
    except ValueError as error:
        raise CohortError(N_("Write /proximas or /proximas 10.")) from error
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
        line = f"• {t.when(occurrence.starts_at, ctx.zone)} — *{title}*"
        if week:
            line += f" ({week})"
        if occurrence.moved:
            line += " " + t._("(moved)")
        if ctx.is_coordinator:
            line += f" [{ref_code(occurrence.ref)}]"
        lines.append(line)
    if ctx.is_coordinator:
        first = found[0]
        code = ref_code(first.ref)
        buttons = [
            Button(t._("Move the next one"), f"sm:{code}"),
            Button(t._("Cancel the next one"), f"sc:{code}"),
        ]
        lines.append("")
        lines.append(t._("To change one: /sesion mover CODE DATE TIME or /sesion cancelar CODE."))
    return [Reply("\n".join(lines), button_rows(buttons))]


async def calendar_file(ctx: Context, _args: str) -> list[Reply]:
    """/calendario: an .ics file of the whole sprint as the reader sees it (and a feed URL)."""
    cohort, member = ctx.require_member()
    now = ctx.clock.now()
    await ensure_checkin_series(ctx.session, cohort, now)
    team_id = None if ctx.is_coordinator else (member.team_id or -1)
    data = await build_ics(ctx.session, cohort, ctx.t, now, team_id)
    text = ctx.t._("Open the file to add the sprint's sessions to your calendar.")
    if ctx.public_url:
        if member.calendar_token is None:
            member.calendar_token = secrets.token_urlsafe(24)
            ctx.session.add(member)
        url = f"{ctx.public_url.rstrip('/')}/calendario/{member.calendar_token}.ics"
        text += "\n" + ctx.t._("Or subscribe, so that changes arrive by themselves: {url}", url=url)
    filename = f"{fold(cohort.name).replace(' ', '-')[:40] or 'cohorte'}.ics"
    return [Reply(text, file=File(filename, data, "text/calendar"), ephemeral=True)]


# -- coordinators: events -----------------------------------------------------------------


async def session_command(ctx: Context, args: str) -> list[Reply]:
    """/sesion nueva|semanal|mover|cancelar ..."""
    cohort, _ = ctx.require_coordinator()
    action, _, rest = args.strip().partition(" ")
    action = fold(action)
    if action in ("nueva", "new"):
        return await _new_event(ctx, cohort, rest)
    if action in ("semanal", "weekly"):
        return await _weekly(ctx, cohort, rest)
    if action in ("mover", "move"):
        code, _, when = rest.strip().partition(" ")
        return await _move(ctx, cohort, code_ref(code), when)
    if action in ("cancelar", "cancel"):
        return await _cancel(ctx, cohort, code_ref(rest))
    if not action:
        return [Reply(ctx.t._("Let's add a session."), form=_new_event_form(ctx))]
    raise CohortError(
        N_(
            "Use /sesion nueva, /sesion semanal, /sesion mover or /sesion cancelar. "
            "Example: {example}"
        ),
        example=SESSION_EXAMPLE,
    )


def _new_event_form(ctx: Context) -> Form:
    t = ctx.t
    return Form(
        title=t._("New session"),
        submit="sn",
        fields=(
            FormField(
                "kind",
                t._("What kind of session?"),
                FieldKind.CHOICE,
                (("masterclass", "Masterclass"), ("showtime", t._("Final session (Showtime)"))),
            ),
            FormField("title", t._("Title?"), max_length=200),
            FormField("when", t._("Day and time (e.g. 6 de mayo 10:00)?"), max_length=60),
            FormField("link", t._("Meeting link (optional)?"), required=False, max_length=500),
        ),
    )


async def submit_new_event(ctx: Context, _args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    values = ctx.incoming.form_values or {}
    if values.get("kind") not in ("masterclass", "showtime"):
        raise StaleButtonError()
    link = values.get("link") or ""
    rest = f'{values.get("when", "")} "{values.get("title", "")}"'
    if link:
        rest += f" enlace {link}"
    return await _new_event(ctx, cohort, f"{values['kind']} {rest}")


def _split_options(text: str) -> tuple[str, int, str | None]:
    duration = 60
    link = None
    if match := _DURATION.search(fold(text)):
        duration = int(match[1])
        text = re.sub(r"\b(?:duraci[oó]n|duration)\s+\d{1,3}\b", " ", text, flags=re.I)
    if match := _LINK.search(text):
        link = match[1]
        text = text.replace(match[0], " ")
    return text, duration, link


async def _new_event(ctx: Context, cohort: Cohort, text: str) -> list[Reply]:
    assert cohort.id is not None
    text, duration, link = _split_options(text)
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise CohortError(
            N_("Close the quotes of the title. Example: {example}"), example=SESSION_EXAMPLE
        ) from error
    if len(words) < 3 or fold(words[0]) not in KIND_WORDS:
        raise CohortError(
            N_(
                "Say the kind (masterclass or showtime), the day and time, and the title. "
                "Example: {example}"
            ),
            example=SESSION_EXAMPLE,
        )
    kind = KIND_WORDS[fold(words[0])]
    title = words[-1].strip()
    when_text = " ".join(words[1:-1])
    starts_at = _parse_session_start(ctx, cohort, when_text)
    if not title or len(title) > 200:
        raise CohortError(N_("The title must have 1 to 200 characters."))
    if not 15 <= duration <= 480:
        raise CohortError(N_("The duration must be between 15 and 480 minutes."))
    event = Event(
        cohort_id=cohort.id,
        kind=kind,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration,
        meeting_url=link,
    )
    ctx.session.add(event)
    await ctx.session.flush()
    assert event.id is not None
    await announce(
        ctx,
        "announcement",
        f"new-e{event.id}",
        data={"text": await _new_event_text(ctx, cohort, event)},
    )
    return [
        Reply(
            ctx.t._(
                "Added: {title}, {when}. Code: {code}.",
                title=title,
                when=ctx.t.when(starts_at, ctx.zone),
                code=f"e{event.id}",
            )
        )
    ]


async def _new_event_text(ctx: Context, cohort: Cohort, event: Event) -> str:
    t = ctx.t
    occurrence = Occurrence(
        ref=f"e{event.id}",
        kind=str(event.kind),
        title=event.title,
        starts_at=event.starts_at,
        duration=timedelta(minutes=60),
    )
    title = await occurrence_title(ctx.session, t, occurrence)
    return t._(
        "New on the calendar: *{title}*, {when}.",
        title=title,
        when=t.when(event.starts_at, cohort.home_zone),
    )


def _parse_session_start(ctx: Context, cohort: Cohort, text: str) -> datetime:
    """Like `_parse_start`, and the day must fall inside the sprint."""
    starts_at = _parse_start(ctx, cohort, text)
    day = starts_at.astimezone(ZoneInfo(cohort.home_zone)).date()
    last = sprint_end(cohort.start_date, cohort.weeks)
    if not cohort.start_date <= day <= last:
        raise CohortError(
            N_("{day} is outside the sprint, which runs from {first} to {last}."),
            day=ctx.t.date(day),
            first=ctx.t.date(cohort.start_date),
            last=ctx.t.date(last),
        )
    return starts_at


def _parse_start(ctx: Context, cohort: Cohort, text: str) -> datetime:
    zone = cohort.home_zone
    today = ctx.clock.now().astimezone(ZoneInfo(zone)).date()
    try:
        day, at = parse_when(text, today)
    except ValueError as error:
        raise CohortError(
            N_(
                "I could not read the day and time “{text}”. Write for example "
                "“6 de mayo 10:00”, “mar 6/5 10:00” or “mañana 9:30”."
            ),
            text=text[:60],
        ) from error
    starts_at = to_utc(day, at, zone)
    if starts_at <= ctx.clock.now():
        raise CohortError(
            N_("That moment has already passed: {when}."), when=ctx.t.when(starts_at, zone)
        )
    return starts_at


async def _weekly(ctx: Context, cohort: Cohort, text: str) -> list[Reply]:
    """/sesion semanal mar 10:00 [duracion 60]: set the weekly session without a poll."""
    text, duration, _ = _split_options(text)
    words = text.split()
    try:
        weekday, at = parse_weekday(words[0]), parse_clock_time(" ".join(words[1:]))
    except (ValueError, IndexError) as error:
        raise CohortError(
            N_("Write the day and time, for example: /sesion semanal mar 10:00")
        ) from error
    now = ctx.clock.now()
    today = now.astimezone(ZoneInfo(cohort.home_zone)).date()
    series = await set_weekly_session(
        ctx.session, cohort, weekday, at, cohort.home_zone, duration, today + timedelta(days=1), now
    )
    when = to_utc(series.first_date, at, cohort.home_zone)
    await announce(
        ctx,
        "announcement",
        f"weekly-s{series.id}",
        data={
            "text": ctx.t._(
                "The weekly session will be on {weekday} at {time} ({zone}), starting {when}.",
                weekday=weekday_name(weekday, ctx.t.language),
                time=at.strftime("%H:%M"),
                zone=ctx.t.zone_label(cohort.home_zone),
                when=ctx.t.when(when, cohort.home_zone),
            )
        },
    )
    return [
        Reply(
            ctx.t._(
                "Done: weekly session on {weekday} at {time}, from {day}.",
                weekday=weekday_name(weekday, ctx.t.language),
                time=at.strftime("%H:%M"),
                day=ctx.t.date(series.first_date),
            )
        )
    ]


async def ask_move(ctx: Context, args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(args[0]))
    if occurrence is None or occurrence.cancelled:
        raise StaleButtonError()
    t = ctx.t
    form = Form(
        title=t._("Move a session"),
        submit=f"smv:{ref_code(occurrence.ref)}",
        fields=(FormField("when", t._("New day and time (e.g. 7 de mayo 10:00)?"), max_length=60),),
    )
    title = await occurrence_title(ctx.session, t, occurrence)
    return [Reply(t._("Moving *{title}*.", title=title), form=form)]


async def submit_move(ctx: Context, args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    values = ctx.incoming.form_values or {}
    return await _move(ctx, cohort, code_ref(args[0]), values.get("when", ""))


async def _move(ctx: Context, cohort: Cohort, ref: str, when_text: str) -> list[Reply]:
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None or occurrence.cancelled:
        raise CohortError(
            N_("There is no session with the code {code}. See the codes with /proximas."),
            code=ref_code(ref)[:40],
        )
    new_start = _parse_session_start(ctx, cohort, when_text)
    old_start = occurrence.starts_at
    if occurrence.event_id is not None:
        event = await ctx.session.get(Event, occurrence.event_id)
        assert event is not None
        event.starts_at = new_start
        ctx.session.add(event)
    else:
        await _series_change(ctx, occurrence, new_start=new_start)
    await drop_pending(ctx.session, ref, "moved")
    people = await _affected_people(ctx, cohort, occurrence)
    stamp = int(new_start.timestamp())
    await announce(
        ctx,
        "moved",
        f"{ref}:{stamp}",
        ref=ref,
        data={"old_start": old_start.isoformat()},
        people=people,
        to_chats=occurrence.kind != "checkin",
    )
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    return [
        Reply(
            ctx.t._(
                "Moved: {title}, now {when}. Everyone will be told.",
                title=title,
                when=ctx.t.when(new_start, ctx.zone),
            )
        )
    ]


async def ask_cancel(ctx: Context, args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(args[0]))
    if occurrence is None or occurrence.cancelled:
        raise StaleButtonError()
    t = ctx.t
    title = await occurrence_title(ctx.session, t, occurrence)
    return [
        Reply(
            t._(
                "Cancel *{title}* on {when}?",
                title=title,
                when=t.when(occurrence.starts_at, ctx.zone),
            ),
            ((Button(t._("Yes, cancel it"), f"scx:{ref_code(occurrence.ref)}"),),),
        )
    ]


async def confirm_cancel(ctx: Context, args: list[str]) -> list[Reply]:
    cohort, _ = ctx.require_coordinator()
    return await _cancel(ctx, cohort, code_ref(args[0]))


async def _cancel(ctx: Context, cohort: Cohort, ref: str) -> list[Reply]:
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None:
        raise CohortError(
            N_("There is no session with the code {code}. See the codes with /proximas."),
            code=ref_code(ref)[:40],
        )
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    if occurrence.cancelled:
        return [Reply(ctx.t._("{title} was already cancelled.", title=title))]
    if occurrence.event_id is not None:
        event = await ctx.session.get(Event, occurrence.event_id)
        assert event is not None
        event.cancelled_at = ctx.clock.now()
        ctx.session.add(event)
    else:
        await _series_change(ctx, occurrence, cancelled=True)
    await drop_pending(ctx.session, ref, "cancelled")
    people = await _affected_people(ctx, cohort, occurrence)
    await announce(
        ctx, "cancelled", ref, ref=ref, people=people, to_chats=occurrence.kind != "checkin"
    )
    return [
        Reply(
            ctx.t._(
                "Cancelled: {title}, {when}. Everyone will be told.",
                title=title,
                when=ctx.t.when(occurrence.starts_at, ctx.zone),
            )
        )
    ]


async def _series_change(
    ctx: Context,
    occurrence: Occurrence,
    *,
    new_start: datetime | None = None,
    cancelled: bool = False,
) -> None:
    assert occurrence.series_id is not None and occurrence.original_date is not None
    change = (
        await ctx.session.exec(
            select(SeriesChange).where(
                SeriesChange.series_id == occurrence.series_id,
                SeriesChange.original_date == occurrence.original_date,
            )
        )
    ).first() or SeriesChange(
        series_id=occurrence.series_id, original_date=occurrence.original_date
    )
    change.cancelled = cancelled
    change.new_start = new_start
    ctx.session.add(change)
    await ctx.session.flush()


async def _affected_people(ctx: Context, cohort: Cohort, occurrence: Occurrence) -> list[int]:
    """Who is told about a change by direct message: the team for a check-in, else nobody
    beyond the group chats (members who want DMs get the reminders anyway)."""
    assert cohort.id is not None
    if occurrence.kind != "checkin":
        return []
    members = await queries.members_with_people(ctx.session, cohort.id)
    return [p.id for m, p in members if p.id and m.team_id == occurrence.team_id]


# -- coordinators: check-ins, announcements, reminder settings ---------------------------------


async def checkin_slot(ctx: Context, args: str) -> list[Reply]:
    """/acompanamiento EQUIPO DIA HORA: the team's biweekly check-in slot (team's own zone)."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    teams = list(await queries.teams_of(ctx.session, cohort.id))
    words = args.split()
    if len(words) < 3:
        names = ", ".join(team.name for team in teams)
        raise CohortError(
            N_(
                "Write the team, the day and the time, e.g. /acompanamiento Bogotá "
                "jue 10:00. Teams: {teams}"
            ),
            teams=names,
        )
    try:
        weekday, at = parse_weekday(words[-2]), parse_clock_time(words[-1])
    except ValueError as error:
        raise CohortError(N_("Write the day and time like “jue 10:00”.")) from error
    wanted = fold(" ".join(words[:-2]))
    matches = [team for team in teams if fold(team.name).startswith(wanted)]
    if len(matches) != 1:
        raise CohortError(
            N_("I could not tell which team “{name}” is. Teams: {teams}"),
            name=" ".join(words[:-2])[:60],
            teams=", ".join(t.name for t in teams),
        )
    team = matches[0]
    now = ctx.clock.now()
    team.checkin_weekday, team.checkin_time = weekday, at
    ctx.session.add(team)
    today = now.astimezone(ZoneInfo(team.zone)).date()
    old = (
        await ctx.session.exec(
            select(Series).where(Series.team_id == team.id, Series.kind == SeriesKind.CHECKIN)
        )
    ).all()
    first = today
    for series in old:
        if series.ended_at is None:
            series.last_date = min(series.last_date, today)
            series.ended_at = now
            ctx.session.add(series)
    await ctx.session.flush()
    series = Series(
        cohort_id=cohort.id,
        kind=SeriesKind.CHECKIN,
        team_id=team.id,
        title="",
        weekday=weekday,
        local_time=at,
        zone=team.zone,
        interval_weeks=2,
        first_date=first + timedelta(days=(weekday - first.weekday()) % 7 or 7),
        last_date=sprint_end(cohort.start_date, cohort.weeks),
        duration_minutes=45,
        meeting_url=cohort.meeting_url,
        created_at=now,
    )
    ctx.session.add(series)
    await ctx.session.flush()
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
    """/anuncio texto, or /anuncio 6/5 09:00 | texto to send it later."""
    cohort, _ = ctx.require_coordinator()
    when_text, bar, text = args.partition("|")
    if not bar:
        when_text, text = "", args
    text = text.strip()
    if not text:
        raise CohortError(N_("Write the announcement after the command: /anuncio Hola a todos."))
    if len(text) > 2000:
        raise CohortError(
            N_("The announcement is too long ({length} characters); the limit is {limit}."),
            length=len(text),
            limit=2000,
        )
    due = _parse_start(ctx, cohort, when_text.strip()) if when_text.strip() else ctx.clock.now()
    key = f"{int(ctx.clock.now().timestamp())}:{secrets.token_hex(4)}"
    await announce(ctx, "announcement", key, data={"text": text}, due_at=due)
    if when_text.strip():
        return [Reply(ctx.t._("Scheduled for {when}.", when=ctx.t.when(due, ctx.zone)))]
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
    words = fold(args).split()
    if words:
        aliases = {
            "sesion": "session",
            "semanal": "session",
            "session": "session",
            "masterclass": "masterclass",
            "showtime": "showtime",
            "final": "showtime",
            "acompanamiento": "checkin",
            "checkin": "checkin",
        }
        kind = aliases.get(words[0])
        leads = [_parse_lead(word) for word in words[1:]]
        if kind is None or not leads or None in leads:
            raise CohortError(
                N_(
                    "Write the kind and the lead times, e.g. /recordatorios "
                    "masterclass 24h 1h (m, h, d, s for minutes, hours, days, weeks)."
                )
            )
        custom = json.loads(cohort.reminder_leads or "{}")
        custom[kind] = sorted({lead for lead in leads if lead is not None}, reverse=True)
        cohort.reminder_leads = json.dumps(custom)
        ctx.session.add(cohort)
    lines = [t._("Reminders before each session:")]
    for kind in DEFAULT_LEADS:
        shown = ", ".join(_lead_label(m) for m in sorted(leads_for(cohort, kind), reverse=True))
        lines.append(f"• {labels[kind]}: {shown}")
    return [Reply("\n".join(lines))]


def _parse_lead(word: str) -> int | None:
    match = re.fullmatch(r"(\d{1,4})\s*(m|min|h|d|s|w)", word)
    if not match:
        return None
    minutes = (
        int(match[1]) * {"m": 1, "min": 1, "h": 60, "d": 1440, "s": 10080, "w": 10080}[match[2]]
    )
    return minutes if 0 < minutes <= 30 * 1440 else None


def _lead_label(minutes: int) -> str:
    for unit, size in (("s", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
