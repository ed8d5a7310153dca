"""Cohort definitions as TOML files: read, write into the database, export.

The format is documented, field by field, in `examples/sprint-2025.toml`.
`parse_cohort_file` checks everything that can be checked without the
database and returns a `CohortSpec`; `import_cohort` adds what needs the
database (invite code, chats and accounts already known); `export_cohort`
writes a cohort back in the same format.

Every rejection is a `CohortFileError` whose params name the place with a
path and, where there is one, the offending value: `field="teams[2].zone"`,
`value="America/Bogata"`. Blocks are counted from 1, as a person reading
the file counts them: `teams[2]` is the second `[[teams]]` block.

The file carries the whole calendar, so that a cohort exported and imported
again is the same cohort: one-off events (cancelled ones included), the
series that are still running (the weekly session, check-ins) with their
moved and cancelled occurrences, and the reminder lead times.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, available_timezones

import tomli_w
from babel import Locale, UnknownLocaleError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.reminders import DEFAULT_LEADS, MINUTES_PER_DAY, leads_for
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.dates import parse_clock_time, parse_weekday, weekday_name
from cohorte.handlers.lang.text import fold
from cohorte.locales import DEFAULT_LANGUAGE, LANGUAGES, N_
from cohorte.scheduling.recurrence import on_or_after, series_dates, sprint_end
from cohorte.storage.models import (
    ChatLink,
    Cohort,
    Event,
    EventKind,
    Identity,
    Member,
    Person,
    Platform,
    Role,
    Team,
)
from cohorte.storage.series import Series, SeriesChange, SeriesKind
from cohorte.storage.status import Deliverable, DeliverableTeam

# A real cohort file is a few kilobytes; anything this big is a wrong file.
MAX_FILE_BYTES = 1024 * 1024
DEFAULT_WEEKS = 12
MAX_WEEKS = 52
MAX_EVENT_MINUTES = 24 * 60
MAX_LEAD_MINUTES = 30 * MINUTES_PER_DAY  # what `leads_for` accepts
INVITE_CODE = re.compile(r"[A-Z0-9-]{4,32}")
_LOCALE = re.compile(r"(?P<language>[a-z]{2})(?:[_-](?P<region>[a-z]{2}|[0-9]{3}))?", re.I)
_URL = re.compile(r"https?://\S+", re.I)
_TELEGRAM_USER_ID = re.compile(r"[0-9]{1,20}")
_TOML_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_AT_END = " (at end of document)"
_SHOWN_CHARS = 80

# Column limits of the tables, checked here so that SQLite and PostgreSQL agree.
_NAME_CHARS = 200
_TEAM_CHARS = 120
_PERSON_CHARS = 120
_TITLE_CHARS = 200
_DESCRIPTION_CHARS = 2000
_URL_CHARS = 500
_EXTERNAL_ID_CHARS = 64
_CODE_CHARS = 32
_QUESTION_CHARS = 300
MAX_CHECKIN_QUESTIONS = 10
DEFAULT_NUDGE_AFTER_DAYS = 10
MAX_NUDGE_AFTER_DAYS = 60
RDC_CRITERIA = ("RDC7", "RDC8")
_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# --- messages -------------------------------------------------------------------------

FILE_TOO_LARGE = N_("The cohort file is too large ({size} bytes); the limit is {limit} bytes.")
NOT_UTF8 = N_(
    "The cohort file is not UTF-8 text (unreadable byte on line {line}). "
    "Save it as UTF-8 and try again."
)
INVALID_TOML = N_("The cohort file is not valid TOML (line {line}, column {column}): {detail}")
TOO_DEEP = N_("The cohort file is nested too deeply to be a cohort file.")
UNKNOWN_KEY = N_("Unknown key {field}.")
UNKNOWN_KEY_SUGGESTION = N_("Unknown key {field}. Did you mean {suggestion}?")
MISSING = N_("{field} is missing.")
TEAM_REQUIRED = N_("{field} is missing: every participant belongs to a team.")
NOT_TEXT = N_("{field} must be text in quotes, not {value}.")
NOT_INTEGER = N_("{field} must be a whole number, not {value}.")
NOT_BOOLEAN = N_("{field} must be true or false, not {value}.")
NOT_DATE = N_("{field} must be a date without quotes, like 2025-04-21, not {value}.")
NOT_DATETIME = N_(
    "{field} must be a date and time without quotes, like 2025-05-06T10:00:00, not {value}."
)
NOT_TABLE = N_("{field} must be a table, not {value}.")
NOT_TABLE_LIST = N_("{field} must be a list of [[{field}]] blocks, not {value}.")
EMPTY = N_("{field} must not be empty.")
TOO_LONG = N_("{field} is too long ({length} characters); the limit is {limit}.")
OUT_OF_RANGE = N_("{field} must be between {minimum} and {maximum}, not {value}.")
UNKNOWN_ZONE = N_("{field}: unknown time zone {value}. Use a name such as America/Bogota.")
UNKNOWN_LOCALE = N_(
    "{field}: unsupported language {value}. Use es or en, optionally with a country, like es_CO."
)
UNKNOWN_COUNTRY = N_("{field}: {value} is not a two-letter country code such as CO or MX.")
NOT_MONDAY = N_("{field} must be a Monday, the first day of sprint week 1; {value} is not.")
BAD_INVITE_CODE = N_(
    "{field}: the invite code {value} must have 4 to 32 letters (A-Z), digits or hyphens."
)
BAD_URL = N_("{field} must be a web address starting with https://, not {value}.")
UNKNOWN_PLATFORM = N_("{field}: unknown platform {value}. Use console, slack or telegram.")
UNKNOWN_ROLE = N_("{field}: unknown role {value}. Use participant or coordinator.")
UNKNOWN_EVENT_KIND = N_("{field}: unknown event kind {value}. Use masterclass or showtime.")
BAD_WEEKDAY = N_("{field}: {value} is not a day of the week, such as jueves.")
BAD_TIME = N_("{field}: {value} is not a 24-hour time of day, such as 10:00.")
BAD_TELEGRAM_ID = N_("{field}: {value} is not a Telegram user id (digits only).")
DUPLICATE_TEAM = N_("{field}: there is already a team called {value}.")
UNKNOWN_TEAM = N_("{field}: there is no team called {value} in the file.")
DUPLICATE_CHAT = N_("{field}: the {platform} chat {value} is already listed in {other}.")
DUPLICATE_IDENTITY = N_("{field}: the {platform} account {value} is already used in {other}.")
EVENT_OUTSIDE_SPRINT = N_(
    "{field}: {value} is outside the sprint, which runs from {first} to {last}."
)
NONEXISTENT_TIME = N_("{field}: {value} does not exist in {zone}: the clocks skip that hour.")
INVITE_CODE_TAKEN = N_("The invite code {value} is already used by the cohort {cohort}.")
CHAT_TAKEN = N_("{field}: the {platform} chat {value} already belongs to the cohort {cohort}.")
IDENTITY_CONFLICT = N_(
    "{field}: the {platform} account {value} belongs to {person}, "
    "a different person from this member's other accounts."
)
SAME_PERSON = N_(
    "{field}: the {platform} account {value} belongs to {person}, who is already listed in {other}."
)
COHORT_NOT_FOUND = N_("There is no cohort with id {cohort_id}.")
NOT_TEXT_LIST = N_('{field} must be a list of texts in quotes, like ["RDC7", "RDC8"], not {value}.')
TOO_MANY = N_("{field} has {count} entries; the limit is {limit}.")
BAD_CODE = N_(
    "{field}: the code {value} must have 1 to 32 letters, digits or hyphens, like mapeo-procesos."
)
DUPLICATE_CODE = N_("{field}: there is already a deliverable with the code {value}.")
UNKNOWN_RDC = N_("{field}: unknown criterion {value}. Use RDC7 or RDC8.")
DUE_TWICE = N_("{field}: give due_week or due_date, not both.")
NOT_INTEGER_LIST = N_("{field} must be a list of whole numbers, like [1440, 60], not {value}.")
UNKNOWN_SERIES_KIND = N_("{field}: unknown series kind {value}. Use session or checkin.")
CHECKIN_TEAM_REQUIRED = N_("{field} is missing: every check-in series belongs to a team.")
SESSION_TEAM = N_("{field}: only check-in series belong to a team, not the weekly session.")
NOT_ON_WEEKDAY = N_("{field}: {value} is not a {weekday}, the day of the series.")
LAST_BEFORE_FIRST = N_("{field}: {value} is before the first date of the series, {first}.")
NOT_AN_OCCURRENCE = N_(
    "{field}: the series has no session on {value}; "
    "it meets every {days} days from {first} to {last}."
)
DUPLICATE_CHANGE = N_("{field}: {value} is already changed in {other}.")
CHANGE_TWICE = N_("{field}: give cancelled = true or a new start, not both.")
CHANGE_EMPTY = N_("{field}: give cancelled = true or a new start.")


class CohortFileError(CohortError):
    """A cohort file that cannot be used as it is; params say where and why."""

    message = N_("The cohort file cannot be used.")


# --- what a file describes -------------------------------------------------------------


@dataclass(frozen=True)
class ChatSpec:
    """A group chat that belongs to the cohort."""

    platform: Platform
    chat_id: str
    title: str | None = None


@dataclass(frozen=True)
class TeamSpec:
    """A city team; the check-in slot is wall-clock time in the team's zone."""

    name: str
    city: str
    country: str
    zone: str
    checkin_weekday: int | None = None
    checkin_time: time | None = None


@dataclass(frozen=True)
class MemberSpec:
    """A person in the cohort and their platform accounts.

    `zone` and `locale` stay `None` when the file does not set them: the
    person then follows their team's zone (the cohort's home zone when they
    have no team) and the cohort's locale.
    """

    name: str
    team: str | None = None
    role: Role = Role.PARTICIPANT
    zone: str | None = None
    locale: str | None = None
    dm_reminders: bool = True
    console: str | None = None
    telegram: str | None = None
    slack: str | None = None

    def identities(self) -> list[tuple[Platform, str]]:
        """The accounts this member gave, as (platform, external id)."""
        accounts = (
            (Platform.CONSOLE, self.console),
            (Platform.TELEGRAM, self.telegram),
            (Platform.SLACK, self.slack),
        )
        return [(platform, external_id) for platform, external_id in accounts if external_id]


@dataclass(frozen=True)
class EventSpec:
    """A Masterclass or the final Showtime; `start` is naive, local to the home zone."""

    kind: EventKind
    title: str
    start: datetime
    duration_minutes: int = 60
    meeting_url: str | None = None
    description: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class SeriesChangeSpec:
    """One occurrence of a series, cancelled or moved.

    `new_start` is naive, local to the series' zone; it is None for a
    cancelled occurrence.
    """

    original_date: date
    cancelled: bool = False
    new_start: datetime | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """A running series: the weekly session, or a team's check-ins (`team` set).

    Every field is resolved, defaults included, so that two files that
    describe the same series give equal specs.
    """

    kind: SeriesKind
    weekday: int
    local_time: time
    zone: str
    first_date: date
    last_date: date
    team: str | None = None
    title: str = ""
    interval_weeks: int = 1
    duration_minutes: int = 60
    meeting_url: str | None = None
    changes: tuple[SeriesChangeSpec, ...] = ()  # by original date


@dataclass(frozen=True)
class DeliverableSpec:
    """A deliverable from a template; `teams` empty means every team."""

    code: str
    title: str
    description: str | None = None
    template_url: str | None = None
    rdc7: bool = False
    rdc8: bool = False
    optional: bool = False
    due_week: int | None = None
    due_date: date | None = None
    teams: tuple[str, ...] = ()

    @property
    def rdc(self) -> list[str]:
        return [tag for tag, on in zip(RDC_CRITERIA, (self.rdc7, self.rdc8), strict=True) if on]


@dataclass(frozen=True)
class CohortSpec:
    """Everything a cohort file says, checked and normalised."""

    name: str
    home_zone: str
    start_date: date
    invite_code: str
    locale: str = "es"
    weeks: int = DEFAULT_WEEKS
    meeting_url: str | None = None
    chats: tuple[ChatSpec, ...] = ()
    teams: tuple[TeamSpec, ...] = ()
    members: tuple[MemberSpec, ...] = ()
    events: tuple[EventSpec, ...] = ()
    deliverables: tuple[DeliverableSpec, ...] = ()
    # Async check-in questions; empty means the default ones, in each reader's language.
    checkin_questions: tuple[str, ...] = ()
    nudge_after_days: int = DEFAULT_NUDGE_AFTER_DAYS
    # Lead times in minutes, longest first, for the kinds that differ from DEFAULT_LEADS.
    reminder_leads: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # Series the teams' check-in slots do not already imply (see `_explicit_series`).
    series: tuple[SeriesSpec, ...] = ()

    @property
    def end_date(self) -> date:
        """The day after the sprint's last day (the Monday after its last week)."""
        return self.start_date + timedelta(weeks=self.weeks)


# --- reading ---------------------------------------------------------------------------

_TOP_KEYS = ("cohort", "chats", "teams", "members", "events", "series", "deliverables")
_COHORT_KEYS = (
    "name",
    "home_zone",
    "locale",
    "start_date",
    "weeks",
    "invite_code",
    "meeting_url",
    "checkin_questions",
    "nudge_after_days",
    "reminder_leads",
)
_CHAT_KEYS = ("platform", "chat_id", "title")
_TEAM_KEYS = ("name", "city", "country", "zone", "checkin")
_CHECKIN_KEYS = ("weekday", "time")
_MEMBER_KEYS = (
    "name",
    "team",
    "role",
    "zone",
    "locale",
    "dm_reminders",
    *(platform.value for platform in Platform),
)
_EVENT_KEYS = (
    "kind",
    "title",
    "start",
    "duration_minutes",
    "meeting_url",
    "description",
    "cancelled",
)
_SERIES_KEYS = (
    "kind",
    "team",
    "title",
    "weekday",
    "time",
    "zone",
    "interval_weeks",
    "first_date",
    "last_date",
    "duration_minutes",
    "meeting_url",
    "changes",
)
_CHANGE_KEYS = ("date", "cancelled", "start")
# What `ensure_checkin_series` gives a team's check-in series (see `_slot_series`).
_CHECKIN_INTERVAL_WEEKS = 2
_CHECKIN_MINUTES = 45
_DELIVERABLE_KEYS = (
    "code",
    "title",
    "description",
    "template_url",
    "rdc",
    "due_week",
    "due_date",
    "optional",
    "teams",
)


def parse_cohort_file(data: bytes) -> CohortSpec:
    """Read and check a cohort file's bytes.

    Raises `CohortFileError` for a file that is too large, not UTF-8 or not
    TOML, and for any field that is missing, unknown, of the wrong type or
    out of place (see the messages above).
    """
    if len(data) > MAX_FILE_BYTES:
        raise CohortFileError(FILE_TOO_LARGE, size=len(data), limit=MAX_FILE_BYTES)
    try:
        # Editors on Windows like to start UTF-8 files with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CohortFileError(NOT_UTF8, line=line, position=exc.start) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(str(exc), text) from None
    except RecursionError:
        raise CohortFileError(TOO_DEEP) from None
    return _read_document(document)


def _toml_error(message: str, text: str) -> CohortFileError:
    position = _TOML_POSITION.search(message)
    if position is not None:
        detail = message[: position.start()]
        line, column = int(position["line"]), int(position["column"])
    else:
        detail = message.removesuffix(_TOML_AT_END)
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    return CohortFileError(INVALID_TOML, line=line, column=column, detail=detail)


def _read_document(document: Mapping[str, Any]) -> CohortSpec:
    root = _Table(document, "", _TOP_KEYS)
    cohort = root.required_table("cohort", _COHORT_KEYS)
    name = cohort.text("name", limit=_NAME_CHARS)
    home_zone = cohort.zone("home_zone")
    locale = cohort.locale("locale") or DEFAULT_LANGUAGE
    start_date = cohort.date_value("start_date")
    if start_date.weekday() != 0:
        raise CohortFileError(
            NOT_MONDAY, field=cohort.path_of("start_date"), value=start_date.isoformat()
        )
    weeks = cohort.integer("weeks", default=DEFAULT_WEEKS, minimum=1, maximum=MAX_WEEKS)
    invite_code = _invite_code(cohort)
    meeting_url = cohort.url("meeting_url")

    chats = _read_chats(root.blocks("chats", _CHAT_KEYS))
    teams = _read_teams(root.blocks("teams", _TEAM_KEYS))
    members = _read_members(root.blocks("members", _MEMBER_KEYS), teams)
    sprint = (start_date, start_date + timedelta(weeks=weeks))
    events = _read_events(root.blocks("events", _EVENT_KEYS), home_zone, sprint)
    deliverables = _read_deliverables(
        root.blocks("deliverables", _DELIVERABLE_KEYS), teams, weeks, sprint
    )
    questions = cohort.strings("checkin_questions", limit=_QUESTION_CHARS)
    if len(questions) > MAX_CHECKIN_QUESTIONS:
        raise CohortFileError(
            TOO_MANY,
            field=cohort.path_of("checkin_questions"),
            count=len(questions),
            limit=MAX_CHECKIN_QUESTIONS,
        )
    nudge_after_days = cohort.integer(
        "nudge_after_days",
        default=DEFAULT_NUDGE_AFTER_DAYS,
        minimum=1,
        maximum=MAX_NUDGE_AFTER_DAYS,
    )
    reminder_leads = _read_reminder_leads(cohort.table("reminder_leads", tuple(DEFAULT_LEADS)))
    series = _read_series(
        root.blocks("series", _SERIES_KEYS),
        teams,
        _SeriesDefaults(home_zone, locale, start_date, weeks, meeting_url),
    )
    return CohortSpec(
        name=name,
        home_zone=home_zone,
        start_date=start_date,
        invite_code=invite_code,
        locale=locale,
        weeks=weeks,
        meeting_url=meeting_url,
        chats=chats,
        teams=teams,
        members=members,
        events=events,
        deliverables=deliverables,
        checkin_questions=questions,
        nudge_after_days=nudge_after_days,
        reminder_leads=reminder_leads,
        series=_explicit_series(series, teams, start_date, weeks, meeting_url),
    )


def _invite_code(cohort: _Table) -> str:
    written = cohort.text("invite_code", limit=None)
    code = written.upper()
    if not (written.isascii() and INVITE_CODE.fullmatch(code)):
        raise CohortFileError(
            BAD_INVITE_CODE, field=cohort.path_of("invite_code"), value=_shown(written)
        )
    return code


def _read_chats(blocks: list[_Table]) -> tuple[ChatSpec, ...]:
    chats: list[ChatSpec] = []
    seen: dict[tuple[Platform, str], str] = {}
    for block in blocks:
        platform = block.choice("platform", Platform, UNKNOWN_PLATFORM)
        chat_id = block.text("chat_id", limit=_EXTERNAL_ID_CHARS, numbers=True)
        other = seen.setdefault((platform, chat_id), block.path)
        if other != block.path:
            raise CohortFileError(
                DUPLICATE_CHAT,
                field=block.path_of("chat_id"),
                value=chat_id,
                platform=platform.value,
                other=other,
            )
        title = block.optional_text("title", limit=_NAME_CHARS)
        chats.append(ChatSpec(platform=platform, chat_id=chat_id, title=title))
    return tuple(chats)


def _read_teams(blocks: list[_Table]) -> tuple[TeamSpec, ...]:
    teams: list[TeamSpec] = []
    seen: set[str] = set()
    for block in blocks:
        name = block.text("name", limit=_TEAM_CHARS)
        if fold(name) in seen:
            raise CohortFileError(DUPLICATE_TEAM, field=block.path_of("name"), value=name)
        seen.add(fold(name))
        city = block.text("city", limit=_TEAM_CHARS)
        country = block.country("country")
        zone = block.zone("zone")
        weekday: int | None = None
        slot: time | None = None
        checkin = block.table("checkin", _CHECKIN_KEYS)
        if checkin is not None:
            weekday = checkin.weekday("weekday")
            slot = checkin.clock_time("time")
        teams.append(
            TeamSpec(
                name=name,
                city=city,
                country=country,
                zone=zone,
                checkin_weekday=weekday,
                checkin_time=slot,
            )
        )
    return tuple(teams)


def _read_members(blocks: list[_Table], teams: tuple[TeamSpec, ...]) -> tuple[MemberSpec, ...]:
    team_names = {fold(team.name): team.name for team in teams}
    accounts: dict[tuple[Platform, str], str] = {}
    members: list[MemberSpec] = []
    for block in blocks:
        name = block.text("name", limit=_PERSON_CHARS)
        team = block.optional_text("team", limit=None)
        if team is not None:
            if fold(team) not in team_names:
                raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("team"), value=team)
            team = team_names[fold(team)]
        role = block.choice("role", Role, UNKNOWN_ROLE, default=Role.PARTICIPANT)
        if role is Role.PARTICIPANT and team is None:
            raise CohortFileError(TEAM_REQUIRED, field=block.path_of("team"))
        zone = block.optional_zone("zone")
        locale = block.locale("locale")
        dm_reminders = block.boolean("dm_reminders", default=True)
        console = block.optional_text(Platform.CONSOLE.value, limit=_EXTERNAL_ID_CHARS)
        telegram = block.optional_text(
            Platform.TELEGRAM.value, limit=_EXTERNAL_ID_CHARS, numbers=True
        )
        if telegram is not None and not _TELEGRAM_USER_ID.fullmatch(telegram):
            raise CohortFileError(
                BAD_TELEGRAM_ID, field=block.path_of(Platform.TELEGRAM.value), value=telegram
            )
        slack = block.optional_text(Platform.SLACK.value, limit=_EXTERNAL_ID_CHARS)
        member = MemberSpec(
            name=name,
            team=team,
            role=role,
            zone=zone,
            locale=locale,
            dm_reminders=dm_reminders,
            console=console,
            telegram=telegram,
            slack=slack,
        )
        for platform, external_id in member.identities():
            field = block.path_of(platform.value)
            other = accounts.setdefault((platform, external_id), field)
            if other != field:
                raise CohortFileError(
                    DUPLICATE_IDENTITY,
                    field=field,
                    value=external_id,
                    platform=platform.value,
                    other=other,
                )
        members.append(member)
    return tuple(members)


def _read_events(
    blocks: list[_Table], home_zone: str, sprint: tuple[date, date]
) -> tuple[EventSpec, ...]:
    """The events; `sprint` is the first day and the day after the last."""
    zone = ZoneInfo(home_zone)
    first_day, end_day = sprint
    events: list[EventSpec] = []
    for block in blocks:
        kind = block.choice("kind", EventKind, UNKNOWN_EVENT_KIND)
        title = block.text("title", limit=_TITLE_CHARS)
        start = block.datetime_value("start")
        if start.tzinfo is not None:
            # An explicit offset names an instant: keep it, as home-zone wall time.
            start = start.astimezone(zone).replace(tzinfo=None)
        elif not _exists(start, zone):
            raise CohortFileError(
                NONEXISTENT_TIME,
                field=block.path_of("start"),
                value=start.isoformat(),
                zone=home_zone,
            )
        if not first_day <= start.date() < end_day:
            raise CohortFileError(
                EVENT_OUTSIDE_SPRINT,
                field=block.path_of("start"),
                value=start.isoformat(),
                first=first_day.isoformat(),
                last=(end_day - timedelta(days=1)).isoformat(),
            )
        duration = block.integer(
            "duration_minutes", default=60, minimum=1, maximum=MAX_EVENT_MINUTES
        )
        events.append(
            EventSpec(
                kind=kind,
                title=title,
                start=start,
                duration_minutes=duration,
                meeting_url=block.url("meeting_url"),
                description=block.optional_text("description", limit=_DESCRIPTION_CHARS),
                cancelled=block.boolean("cancelled", default=False),
            )
        )
    return tuple(events)


def _read_reminder_leads(table: _Table | None) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """`reminder_leads = { session = [1440, 60], ... }`: minutes before, per kind."""
    if table is None:
        return ()
    leads = {
        kind: table.integers(kind, minimum=1, maximum=MAX_LEAD_MINUTES)
        for kind in DEFAULT_LEADS
        if kind in table.data
    }
    return _custom_leads(leads)


def _custom_leads(leads: Mapping[str, Collection[int]]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The kinds whose lead times differ from the defaults, longest lead first.

    Kinds that give the default times are left out, both when reading and
    when exporting, so that a file and its export say the same thing.
    """
    custom = []
    for kind, default in DEFAULT_LEADS.items():
        minutes = tuple(sorted(set(leads.get(kind, ())), reverse=True))
        if minutes and minutes != tuple(sorted(set(default), reverse=True)):
            custom.append((kind, minutes))
    return tuple(custom)


@dataclass(frozen=True)
class _SeriesDefaults:
    """What a `[[series]]` block falls back on: the cohort's own settings."""

    home_zone: str
    locale: str
    start_date: date
    weeks: int
    meeting_url: str | None

    @property
    def last_day(self) -> date:
        return sprint_end(self.start_date, self.weeks)


def _read_series(
    blocks: list[_Table], teams: tuple[TeamSpec, ...], defaults: _SeriesDefaults
) -> tuple[SeriesSpec, ...]:
    """The `[[series]]` blocks; defaults are those of `set_weekly_session` and
    `ensure_checkin_series`, so a check-in series needs only its team, day and time."""
    team_by_name = {fold(team.name): team for team in teams}
    found: list[SeriesSpec] = []
    for block in blocks:
        kind = block.choice("kind", SeriesKind, UNKNOWN_SERIES_KIND)
        written_team = block.optional_text("team", limit=None)
        team: TeamSpec | None = None
        if kind is SeriesKind.SESSION and written_team is not None:
            raise CohortFileError(SESSION_TEAM, field=block.path_of("team"), value=written_team)
        if kind is SeriesKind.CHECKIN:
            if written_team is None:
                raise CohortFileError(CHECKIN_TEAM_REQUIRED, field=block.path_of("team"))
            team = team_by_name.get(fold(written_team))
            if team is None:
                raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("team"), value=written_team)
        title = block.optional_text("title", limit=_TITLE_CHARS) or ""
        weekday = block.weekday("weekday")
        local_time = block.clock_time("time")
        zone = block.optional_zone("zone") or (team.zone if team else defaults.home_zone)
        checkin = kind is SeriesKind.CHECKIN
        interval = block.integer(
            "interval_weeks",
            default=_CHECKIN_INTERVAL_WEEKS if checkin else 1,
            minimum=1,
            maximum=MAX_WEEKS,
        )
        first_date = on_or_after(defaults.start_date, weekday)
        if "first_date" in block.data:
            first_date = block.date_value("first_date")
            if first_date.weekday() != weekday:
                raise CohortFileError(
                    NOT_ON_WEEKDAY,
                    field=block.path_of("first_date"),
                    value=first_date.isoformat(),
                    weekday=weekday_name(weekday, defaults.locale),
                )
            _check_in_sprint(block, "first_date", first_date, defaults)
        last_date = defaults.last_day
        if "last_date" in block.data:
            last_date = block.date_value("last_date")
            _check_in_sprint(block, "last_date", last_date, defaults)
        if last_date < first_date:
            raise CohortFileError(
                LAST_BEFORE_FIRST,
                field=block.path_of("last_date"),
                value=last_date.isoformat(),
                first=first_date.isoformat(),
            )
        duration = block.integer(
            "duration_minutes",
            default=_CHECKIN_MINUTES if checkin else 60,
            minimum=1,
            maximum=MAX_EVENT_MINUTES,
        )
        series = SeriesSpec(
            kind=kind,
            weekday=weekday,
            local_time=local_time,
            zone=zone,
            first_date=first_date,
            last_date=last_date,
            team=team.name if team else None,
            title=title,
            interval_weeks=interval,
            duration_minutes=duration,
            # Like the bot's own series, a series keeps a copy of the cohort's link.
            meeting_url=block.url("meeting_url") or defaults.meeting_url,
        )
        changes = _read_changes(block.blocks("changes", _CHANGE_KEYS), series, defaults)
        found.append(replace(series, changes=changes))
    return tuple(found)


def _read_changes(
    blocks: list[_Table], series: SeriesSpec, defaults: _SeriesDefaults
) -> tuple[SeriesChangeSpec, ...]:
    """`changes = [{ date = ..., cancelled = true }, { date = ..., start = ... }]`."""
    dates = set(series_dates(series.first_date, series.last_date, series.interval_weeks))
    zone = ZoneInfo(series.zone)
    seen: dict[date, str] = {}
    changes: list[SeriesChangeSpec] = []
    for block in blocks:
        original = block.date_value("date")
        if original not in dates:
            raise CohortFileError(
                NOT_AN_OCCURRENCE,
                field=block.path_of("date"),
                value=original.isoformat(),
                days=7 * series.interval_weeks,
                first=series.first_date.isoformat(),
                last=series.last_date.isoformat(),
            )
        other = seen.setdefault(original, block.path)
        if other != block.path:
            raise CohortFileError(
                DUPLICATE_CHANGE,
                field=block.path_of("date"),
                value=original.isoformat(),
                other=other,
            )
        cancelled = block.boolean("cancelled", default=False)
        new_start: datetime | None = None
        if "start" in block.data:
            if cancelled:
                raise CohortFileError(CHANGE_TWICE, field=block.path_of("start"))
            new_start = block.datetime_value("start")
            if new_start.tzinfo is not None:
                new_start = new_start.astimezone(zone).replace(tzinfo=None)
            elif not _exists(new_start, zone):
                raise CohortFileError(
                    NONEXISTENT_TIME,
                    field=block.path_of("start"),
                    value=new_start.isoformat(),
                    zone=series.zone,
                )
            _check_in_sprint(block, "start", new_start, defaults)
        elif not cancelled:
            raise CohortFileError(CHANGE_EMPTY, field=block.path)
        changes.append(
            SeriesChangeSpec(original_date=original, cancelled=cancelled, new_start=new_start)
        )
    return tuple(sorted(changes, key=lambda change: change.original_date))


def _check_in_sprint(
    block: _Table, key: str, value: date | datetime, defaults: _SeriesDefaults
) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not defaults.start_date <= day <= defaults.last_day:
        raise CohortFileError(
            EVENT_OUTSIDE_SPRINT,
            field=block.path_of(key),
            value=value.isoformat(),
            first=defaults.start_date.isoformat(),
            last=defaults.last_day.isoformat(),
        )


def _slot_series(
    team: TeamSpec, start_date: date, weeks: int, meeting_url: str | None
) -> SeriesSpec | None:
    """The series `ensure_checkin_series` makes from a team's check-in slot, if it has one."""
    if team.checkin_weekday is None or team.checkin_time is None:
        return None
    return SeriesSpec(
        kind=SeriesKind.CHECKIN,
        weekday=team.checkin_weekday,
        local_time=team.checkin_time,
        zone=team.zone,
        first_date=on_or_after(start_date, team.checkin_weekday),
        last_date=sprint_end(start_date, weeks),
        team=team.name,
        interval_weeks=_CHECKIN_INTERVAL_WEEKS,
        duration_minutes=_CHECKIN_MINUTES,
        meeting_url=meeting_url,
    )


def _explicit_series(
    series: tuple[SeriesSpec, ...],
    teams: tuple[TeamSpec, ...],
    start_date: date,
    weeks: int,
    meeting_url: str | None,
) -> tuple[SeriesSpec, ...]:
    """The series without those the teams' `checkin` slots already imply.

    A team's only check-in series, unchanged from what its slot generates,
    says nothing the slot does not: it is left out when reading (the bot
    creates it from the slot) and when exporting, so that a file and its
    export agree whether or not the bot has created it yet.
    """
    checkins = [item.team for item in series if item.kind is SeriesKind.CHECKIN]
    implied = {
        team.name: _slot_series(team, start_date, weeks, meeting_url)
        for team in teams
        if checkins.count(team.name) == 1
    }
    return tuple(item for item in series if item.team is None or implied.get(item.team) != item)


def _read_deliverables(
    blocks: list[_Table], teams: tuple[TeamSpec, ...], weeks: int, sprint: tuple[date, date]
) -> tuple[DeliverableSpec, ...]:
    """The deliverables; `sprint` is the first day and the day after the last."""
    team_order = {fold(team.name): number for number, team in enumerate(teams)}
    first_day, end_day = sprint
    codes: dict[str, str] = {}
    deliverables: list[DeliverableSpec] = []
    for block in blocks:
        written = block.text("code", limit=None)
        code = fold(written)
        if len(code) > _CODE_CHARS or not _CODE.fullmatch(code):
            raise CohortFileError(BAD_CODE, field=block.path_of("code"), value=_shown(written))
        other = codes.setdefault(code, block.path)
        if other != block.path:
            raise CohortFileError(DUPLICATE_CODE, field=block.path_of("code"), value=code)
        criteria = set()
        for tag in block.strings("rdc", limit=None):
            if tag.upper().replace(" ", "") not in RDC_CRITERIA:
                raise CohortFileError(UNKNOWN_RDC, field=block.path_of("rdc"), value=_shown(tag))
            criteria.add(tag.upper().replace(" ", ""))
        if "due_week" in block.data and "due_date" in block.data:
            raise CohortFileError(DUE_TWICE, field=block.path_of("due_date"))
        due_week = None
        if "due_week" in block.data:
            due_week = block.integer("due_week", default=1, minimum=1, maximum=weeks)
        due_date = None
        if "due_date" in block.data:
            due_date = block.date_value("due_date")
            if not first_day <= due_date < end_day:
                raise CohortFileError(
                    EVENT_OUTSIDE_SPRINT,
                    field=block.path_of("due_date"),
                    value=due_date.isoformat(),
                    first=first_day.isoformat(),
                    last=(end_day - timedelta(days=1)).isoformat(),
                )
        chosen: dict[int, str] = {}
        if "teams" in block.data:
            names = block.strings("teams", limit=None)
            if not names:
                raise CohortFileError(EMPTY, field=block.path_of("teams"))
            for name in names:
                number = team_order.get(fold(name))
                if number is None:
                    raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("teams"), value=name)
                chosen[number] = teams[number].name
        deliverables.append(
            DeliverableSpec(
                code=code,
                title=block.text("title", limit=_TITLE_CHARS),
                description=block.optional_text("description", limit=_DESCRIPTION_CHARS),
                template_url=block.url("template_url"),
                rdc7="RDC7" in criteria,
                rdc8="RDC8" in criteria,
                optional=block.boolean("optional", default=False),
                due_week=due_week,
                due_date=due_date,
                teams=tuple(chosen[number] for number in sorted(chosen)),
            )
        )
    return tuple(deliverables)


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times skipped when the clocks go forward."""
    there_and_back = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return there_and_back.replace(tzinfo=None) == local


def _shown(value: object) -> str:
    """A value as it goes into a message: text as is, cut short if long."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _as_toml(value: object) -> str:
    """A wrongly typed value as it was written, so that the quotes show."""
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + _shown(value) + '"'
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return _shown(value)


_Choice = TypeVar("_Choice", Platform, Role, EventKind, SeriesKind)


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


class _Table:
    """One TOML table being read, with its path for error messages."""

    def __init__(self, data: Mapping[str, Any], path: str, keys: Collection[str]) -> None:
        self.data = data
        self.path = path
        self.check_keys(keys)

    def check_keys(self, allowed: Collection[str]) -> None:
        for key in self.data:
            if key in allowed:
                continue
            field = self.path_of(_shown(key))
            close = difflib.get_close_matches(key, list(allowed), n=1)
            if close:
                raise CohortFileError(UNKNOWN_KEY_SUGGESTION, field=field, suggestion=close[0])
            raise CohortFileError(UNKNOWN_KEY, field=field)

    def path_of(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _value(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise CohortFileError(MISSING, field=self.path_of(key))
        return value

    def _wrong(self, message: str, key: str) -> CohortFileError:
        return CohortFileError(message, field=self.path_of(key), value=_as_toml(self.data[key]))

    def table(self, key: str, keys: Collection[str]) -> _Table | None:
        value = self._value(key, required=False)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self._wrong(NOT_TABLE, key)
        return _Table(value, self.path_of(key), keys)

    def required_table(self, key: str, keys: Collection[str]) -> _Table:
        table = self.table(key, keys)
        if table is None:
            raise CohortFileError(MISSING, field=self.path_of(key))
        return table

    def blocks(self, key: str, keys: Collection[str]) -> list[_Table]:
        """The tables of a `[[key]]` array, each checked for unknown keys."""
        value = self._value(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self._wrong(NOT_TABLE_LIST, key)
        return [
            _Table(item, f"{self.path_of(key)}[{number}]", keys)
            for number, item in enumerate(value, start=1)
        ]

    def optional_text(self, key: str, *, limit: int | None, numbers: bool = False) -> str | None:
        """Stripped text, or None when absent or blank; `numbers` also takes integers."""
        value = self._value(key, required=False)
        if value is None:
            return None
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self._wrong(NOT_TEXT, key)
        value = value.strip()
        if limit is not None and len(value) > limit:
            raise CohortFileError(TOO_LONG, field=self.path_of(key), length=len(value), limit=limit)
        return value or None

    def text(self, key: str, *, limit: int | None, numbers: bool = False) -> str:
        value = self.optional_text(key, limit=limit, numbers=numbers)
        if value is None:
            if key in self.data:
                raise CohortFileError(EMPTY, field=self.path_of(key))
            raise CohortFileError(MISSING, field=self.path_of(key))
        return value

    def integer(self, key: str, *, default: int, minimum: int, maximum: int) -> int:
        value = self._value(key, required=False)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(NOT_INTEGER, key)
        if not minimum <= value <= maximum:
            raise CohortFileError(
                OUT_OF_RANGE,
                field=self.path_of(key),
                value=_shown(value),
                minimum=minimum,
                maximum=maximum,
            )
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._value(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._wrong(NOT_BOOLEAN, key)
        return value

    def strings(self, key: str, *, limit: int | None) -> tuple[str, ...]:
        """A list of non-blank texts, stripped; empty when absent."""
        value = self._value(key, required=False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(NOT_TEXT_LIST, key)
        items = tuple(item.strip() for item in value if item.strip())
        for item in items:
            if limit is not None and len(item) > limit:
                raise CohortFileError(
                    TOO_LONG, field=self.path_of(key), length=len(item), limit=limit
                )
        return items

    def integers(self, key: str, *, minimum: int, maximum: int) -> tuple[int, ...]:
        """A non-empty list of whole numbers, each checked on its own: `key[2]` names the second."""
        value = self._value(key, required=True)
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in value
        ):
            raise self._wrong(NOT_INTEGER_LIST, key)
        if not value:
            raise CohortFileError(EMPTY, field=self.path_of(key))
        for number, item in enumerate(value, start=1):
            if not minimum <= item <= maximum:
                raise CohortFileError(
                    OUT_OF_RANGE,
                    field=f"{self.path_of(key)}[{number}]",
                    value=_shown(item),
                    minimum=minimum,
                    maximum=maximum,
                )
        return tuple(value)

    def date_value(self, key: str) -> date:
        value = self._value(key, required=True)
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self._wrong(NOT_DATE, key)
        return value

    def datetime_value(self, key: str) -> datetime:
        value = self._value(key, required=True)
        if not isinstance(value, datetime):
            raise self._wrong(NOT_DATETIME, key)
        return value

    def choice(
        self, key: str, kind: type[_Choice], message: str, default: _Choice | None = None
    ) -> _Choice:
        if default is not None and key not in self.data:
            return default
        value = self.text(key, limit=None)
        try:
            return kind(value.lower())
        except ValueError:
            raise CohortFileError(message, field=self.path_of(key), value=_shown(value)) from None

    def zone(self, key: str) -> str:
        zone = self.optional_zone(key)
        if zone is None:
            raise CohortFileError(MISSING, field=self.path_of(key))
        return zone

    def optional_zone(self, key: str) -> str | None:
        """An IANA zone name, spelled as the zone database spells it."""
        value = self.optional_text(key, limit=None)
        if value is None:
            return None
        zone = _zones_by_folded_name().get(value.casefold())
        if zone is None:
            raise CohortFileError(UNKNOWN_ZONE, field=self.path_of(key), value=_shown(value))
        ZoneInfo(zone)  # the zone data must load, not only be listed
        return zone

    def locale(self, key: str) -> str | None:
        """'es', 'en' or a regional form such as 'es_CO' that Babel knows."""
        value = self.optional_text(key, limit=None)
        if value is None:
            return None
        match = _LOCALE.fullmatch(value)
        if match is None or match["language"].lower() not in LANGUAGES:
            raise CohortFileError(UNKNOWN_LOCALE, field=self.path_of(key), value=_shown(value))
        locale = match["language"].lower()
        if match["region"]:
            locale += "_" + match["region"].upper()
        try:
            Locale.parse(locale)
        except UnknownLocaleError:
            raise CohortFileError(
                UNKNOWN_LOCALE, field=self.path_of(key), value=_shown(value)
            ) from None
        return locale

    def country(self, key: str) -> str:
        value = self.text(key, limit=None)
        code = value.upper()
        if not (len(code) == 2 and code.isascii() and code.isalpha()) or (
            code not in Locale("en").territories
        ):
            raise CohortFileError(UNKNOWN_COUNTRY, field=self.path_of(key), value=_shown(value))
        return code

    def url(self, key: str) -> str | None:
        value = self.optional_text(key, limit=_URL_CHARS)
        if value is not None and not _URL.fullmatch(value):
            raise CohortFileError(BAD_URL, field=self.path_of(key), value=_shown(value))
        return value

    def weekday(self, key: str) -> int:
        value = self.text(key, limit=None)
        try:
            return parse_weekday(value)
        except ValueError:
            raise CohortFileError(
                BAD_WEEKDAY, field=self.path_of(key), value=_shown(value)
            ) from None

    def clock_time(self, key: str) -> time:
        """'10:00' and friends (see `parse_clock_time`), or a TOML local time."""
        value = self._value(key, required=True)
        if isinstance(value, time) and value.tzinfo is None:
            if value.second or value.microsecond:
                raise CohortFileError(BAD_TIME, field=self.path_of(key), value=value.isoformat())
            return value
        text = self.text(key, limit=None)
        try:
            return parse_clock_time(text)
        except ValueError:
            raise CohortFileError(BAD_TIME, field=self.path_of(key), value=_shown(text)) from None


# --- writing into the database --------------------------------------------------------


async def import_cohort(session: AsyncSession, spec: CohortSpec, now: datetime) -> Cohort:
    """Add the cohort, its teams, people, accounts, members, events, series and chats.

    A person whose account (platform, id) is already known is reused, and
    gets any new accounts the file gives. Cancelled events are cancelled as
    of `now`. A team with a check-in series in the file keeps that one;
    the others get theirs from their slot later (`ensure_checkin_series`).
    Everything is checked before the first write, so a `CohortFileError`
    leaves the session untouched. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("import_cohort needs an aware datetime for now")
    await _check_free(session, spec)
    known, existing_accounts = await _known_people(session, spec.members)

    cohort = Cohort(
        name=spec.name,
        home_zone=spec.home_zone,
        locale=spec.locale,
        start_date=spec.start_date,
        weeks=spec.weeks,
        invite_code=spec.invite_code,
        meeting_url=spec.meeting_url,
        checkin_questions=json.dumps(list(spec.checkin_questions), ensure_ascii=False),
        nudge_after_days=spec.nudge_after_days,
        reminder_leads=json.dumps({kind: list(minutes) for kind, minutes in spec.reminder_leads}),
        created_at=now,
    )
    session.add(cohort)
    await session.flush()
    cohort_id = _pk(cohort.id)

    teams: dict[str, Team] = {}
    for team_spec in spec.teams:
        team = Team(
            cohort_id=cohort_id,
            name=team_spec.name,
            city=team_spec.city,
            country_code=team_spec.country,
            zone=team_spec.zone,
            checkin_weekday=team_spec.checkin_weekday,
            checkin_time=team_spec.checkin_time,
        )
        session.add(team)
        teams[team_spec.name] = team
    for chat in spec.chats:
        session.add(
            ChatLink(
                cohort_id=cohort_id, platform=chat.platform, chat_id=chat.chat_id, title=chat.title
            )
        )

    people: list[Person] = []
    for number, member_spec in enumerate(spec.members):
        person = known.get(number)
        if person is None:
            person = Person(
                display_name=member_spec.name,
                zone=member_spec.zone,
                locale=member_spec.locale,
                created_at=now,
            )
            session.add(person)
        else:
            # What the person set for themselves wins; the file fills the gaps.
            person.zone = person.zone or member_spec.zone
            person.locale = person.locale or member_spec.locale
        people.append(person)
    await session.flush()

    for member_spec, person in zip(spec.members, people, strict=True):
        person_id = _pk(person.id)
        for platform, external_id in member_spec.identities():
            if (platform, external_id) not in existing_accounts:
                session.add(
                    Identity(person_id=person_id, platform=platform, external_id=external_id)
                )
        team_id = _pk(teams[member_spec.team].id) if member_spec.team else None
        session.add(
            Member(
                cohort_id=cohort_id,
                person_id=person_id,
                team_id=team_id,
                role=member_spec.role,
                dm_reminders=member_spec.dm_reminders,
                joined_at=now,
            )
        )

    home = ZoneInfo(spec.home_zone)
    for event_spec in spec.events:
        session.add(
            Event(
                cohort_id=cohort_id,
                kind=event_spec.kind,
                title=event_spec.title,
                starts_at=event_spec.start.replace(tzinfo=home).astimezone(UTC),
                duration_minutes=event_spec.duration_minutes,
                meeting_url=event_spec.meeting_url,
                description=event_spec.description,
                cancelled_at=now if event_spec.cancelled else None,
            )
        )
    await _add_series(session, cohort_id, spec.series, teams, now)
    await session.flush()
    for position, deliverable_spec in enumerate(spec.deliverables, start=1):
        deliverable = Deliverable(
            cohort_id=cohort_id,
            code=deliverable_spec.code,
            title=deliverable_spec.title,
            description=deliverable_spec.description,
            template_url=deliverable_spec.template_url,
            rdc7=deliverable_spec.rdc7,
            rdc8=deliverable_spec.rdc8,
            optional=deliverable_spec.optional,
            due_week=deliverable_spec.due_week,
            due_date=deliverable_spec.due_date,
            all_teams=not deliverable_spec.teams,
            position=position,
            created_at=now,
        )
        session.add(deliverable)
        await session.flush()
        for name in deliverable_spec.teams:
            session.add(
                DeliverableTeam(deliverable_id=_pk(deliverable.id), team_id=_pk(teams[name].id))
            )
    await session.flush()
    return cohort


async def _add_series(
    session: AsyncSession,
    cohort_id: int,
    specs: tuple[SeriesSpec, ...],
    teams: Mapping[str, Team],
    now: datetime,
) -> None:
    for series_spec in specs:
        series = Series(
            cohort_id=cohort_id,
            kind=series_spec.kind,
            team_id=_pk(teams[series_spec.team].id) if series_spec.team else None,
            title=series_spec.title,
            weekday=series_spec.weekday,
            local_time=series_spec.local_time,
            zone=series_spec.zone,
            interval_weeks=series_spec.interval_weeks,
            first_date=series_spec.first_date,
            last_date=series_spec.last_date,
            duration_minutes=series_spec.duration_minutes,
            meeting_url=series_spec.meeting_url,
            created_at=now,
        )
        session.add(series)
        await session.flush()
        zone = ZoneInfo(series_spec.zone)
        for change in series_spec.changes:
            session.add(
                SeriesChange(
                    series_id=_pk(series.id),
                    original_date=change.original_date,
                    cancelled=change.cancelled,
                    new_start=None
                    if change.new_start is None
                    else change.new_start.replace(tzinfo=zone).astimezone(UTC),
                )
            )


async def _check_free(session: AsyncSession, spec: CohortSpec) -> None:
    """The invite code and the chats must not belong to another cohort yet."""
    taken = (
        await session.exec(select(Cohort).where(Cohort.invite_code == spec.invite_code))
    ).first()
    if taken is not None:
        raise CohortFileError(
            INVITE_CODE_TAKEN,
            field="cohort.invite_code",
            value=spec.invite_code,
            cohort=taken.name,
        )
    for number, chat in enumerate(spec.chats, start=1):
        link = (
            await session.exec(
                select(ChatLink).where(
                    ChatLink.platform == chat.platform, ChatLink.chat_id == chat.chat_id
                )
            )
        ).first()
        if link is not None:
            owner = await session.get(Cohort, link.cohort_id)
            raise CohortFileError(
                CHAT_TAKEN,
                field=f"chats[{number}].chat_id",
                value=chat.chat_id,
                platform=chat.platform.value,
                cohort=owner.name if owner else link.cohort_id,
            )


async def _known_people(
    session: AsyncSession, members: tuple[MemberSpec, ...]
) -> tuple[dict[int, Person], set[tuple[str, str]]]:
    """People already known by an account in the file, and those known accounts.

    The people are keyed by member position, counting from 0. Raises
    `CohortFileError` when one member's accounts belong to different people,
    or when two members are the same known person.
    """
    external_ids = sorted(
        {external_id for member in members for _, external_id in member.identities()}
    )
    if not external_ids:
        return {}, set()
    rows = (
        await session.exec(
            select(Identity, Person)
            .join(Person, col(Identity.person_id) == col(Person.id))
            .where(col(Identity.external_id).in_(external_ids))
        )
    ).all()
    owners = {(identity.platform, identity.external_id): person for identity, person in rows}

    known: dict[int, Person] = {}
    claimed: dict[int, str] = {}
    for number, member in enumerate(members):
        for platform, external_id in member.identities():
            owner = owners.get((platform, external_id))
            if owner is None:
                continue
            field = f"members[{number + 1}].{platform.value}"
            found = known.setdefault(number, owner)
            if found.id != owner.id:
                raise CohortFileError(
                    IDENTITY_CONFLICT,
                    field=field,
                    value=external_id,
                    platform=platform.value,
                    person=owner.display_name,
                )
            other = claimed.setdefault(_pk(owner.id), f"members[{number + 1}]")
            if other != f"members[{number + 1}]":
                raise CohortFileError(
                    SAME_PERSON,
                    field=field,
                    value=external_id,
                    platform=platform.value,
                    person=owner.display_name,
                    other=other,
                )
    return known, set(owners)


def _pk(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value


# --- exporting ------------------------------------------------------------------------


async def export_cohort(session: AsyncSession, cohort_id: int) -> str:
    """The cohort as cohort-file TOML; `CohortFileError` if there is no such cohort."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise CohortFileError(COHORT_NOT_FOUND, cohort_id=cohort_id)
    return render_cohort_file(await _spec_of(session, cohort))


async def _spec_of(session: AsyncSession, cohort: Cohort) -> CohortSpec:
    cohort_id = _pk(cohort.id)
    teams = (
        await session.exec(select(Team).where(Team.cohort_id == cohort_id).order_by(col(Team.id)))
    ).all()
    team_names = {team.id: team.name for team in teams}
    chats = (
        await session.exec(
            select(ChatLink).where(ChatLink.cohort_id == cohort_id).order_by(col(ChatLink.id))
        )
    ).all()
    members = (
        await session.exec(
            select(Member, Person)
            .join(Person, col(Member.person_id) == col(Person.id))
            .where(Member.cohort_id == cohort_id)
            .order_by(col(Member.id))
        )
    ).all()
    accounts: dict[int, dict[str, str]] = {}
    identities = (
        await session.exec(
            select(Identity)
            .where(col(Identity.person_id).in_([person.id for _, person in members]))
            .order_by(col(Identity.id))
        )
    ).all()
    for identity in identities:
        # A person with two accounts on one platform exports the first one.
        accounts.setdefault(identity.person_id, {}).setdefault(
            identity.platform, identity.external_id
        )
    events = (
        await session.exec(
            select(Event).where(Event.cohort_id == cohort_id).order_by(col(Event.id))
        )
    ).all()
    home = ZoneInfo(cohort.home_zone)
    deliverables = (
        await session.exec(
            select(Deliverable)
            .where(Deliverable.cohort_id == cohort_id)
            .order_by(col(Deliverable.position), col(Deliverable.id))
        )
    ).all()
    assignments: dict[int, list[int]] = {}
    rows = (
        await session.exec(
            select(DeliverableTeam)
            .where(col(DeliverableTeam.deliverable_id).in_([d.id for d in deliverables]))
            .order_by(col(DeliverableTeam.team_id))
        )
    ).all()
    for row in rows:
        assignments.setdefault(row.deliverable_id, []).append(row.team_id)
    try:
        stored_questions = json.loads(cohort.checkin_questions or "[]")
    except ValueError:
        stored_questions = []
    questions = tuple(q for q in stored_questions if isinstance(q, str) and q.strip())
    team_specs = tuple(
        TeamSpec(
            name=team.name,
            city=team.city,
            country=team.country_code,
            zone=team.zone,
            checkin_weekday=team.checkin_weekday,
            checkin_time=team.checkin_time,
        )
        for team in teams
    )

    def deliverable_spec(deliverable: Deliverable) -> DeliverableSpec:
        assigned = assignments.get(_pk(deliverable.id), [])
        return DeliverableSpec(
            code=deliverable.code,
            title=deliverable.title,
            description=deliverable.description,
            template_url=deliverable.template_url,
            rdc7=deliverable.rdc7,
            rdc8=deliverable.rdc8,
            optional=deliverable.optional,
            due_week=deliverable.due_week,
            due_date=deliverable.due_date,
            teams=()
            if deliverable.all_teams
            else tuple(team_names[team_id] for team_id in assigned if team_id in team_names),
        )

    def member_spec(member: Member, person: Person) -> MemberSpec:
        own = accounts.get(_pk(person.id), {})
        return MemberSpec(
            name=person.display_name,
            team=team_names.get(member.team_id),
            role=Role(member.role),
            zone=person.zone,
            locale=person.locale,
            dm_reminders=member.dm_reminders,
            console=own.get(Platform.CONSOLE),
            telegram=own.get(Platform.TELEGRAM),
            slack=own.get(Platform.SLACK),
        )

    return CohortSpec(
        name=cohort.name,
        home_zone=cohort.home_zone,
        start_date=cohort.start_date,
        invite_code=cohort.invite_code,
        locale=cohort.locale,
        weeks=cohort.weeks,
        meeting_url=cohort.meeting_url,
        chats=tuple(
            ChatSpec(platform=Platform(chat.platform), chat_id=chat.chat_id, title=chat.title)
            for chat in chats
        ),
        teams=team_specs,
        members=tuple(member_spec(member, person) for member, person in members),
        events=tuple(
            EventSpec(
                kind=EventKind(event.kind),
                title=event.title,
                start=event.starts_at.astimezone(home).replace(tzinfo=None),
                duration_minutes=event.duration_minutes,
                meeting_url=event.meeting_url,
                description=event.description,
                cancelled=event.cancelled_at is not None,
            )
            for event in events
        ),
        deliverables=tuple(deliverable_spec(deliverable) for deliverable in deliverables),
        checkin_questions=questions,
        nudge_after_days=cohort.nudge_after_days,
        reminder_leads=_stored_leads(cohort),
        series=_explicit_series(
            await _running_series(session, cohort_id, team_names),
            team_specs,
            cohort.start_date,
            cohort.weeks,
            cohort.meeting_url,
        ),
    )


def _stored_leads(cohort: Cohort) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The cohort's own lead times, as `leads_for` reads them."""
    try:
        stored = json.loads(cohort.reminder_leads or "{}")
    except ValueError:
        stored = {}
    if not isinstance(stored, dict):
        return ()
    return _custom_leads(
        {kind: leads_for(cohort, kind) for kind in DEFAULT_LEADS if kind in stored}
    )


async def _running_series(
    session: AsyncSession, cohort_id: int, team_names: Mapping[int | None, str]
) -> tuple[SeriesSpec, ...]:
    """The series not ended yet, with their changes; ended series are history and stay out.

    Only what a file can say is kept: a series with no occurrence left and
    changes that change nothing or name no occurrence are dropped.
    """
    rows = (
        await session.exec(
            select(Series)
            .where(Series.cohort_id == cohort_id, col(Series.ended_at).is_(None))
            .order_by(col(Series.id))
        )
    ).all()
    changes: dict[int, list[SeriesChange]] = {}
    for change in (
        await session.exec(
            select(SeriesChange)
            .where(col(SeriesChange.series_id).in_([series.id for series in rows]))
            .order_by(col(SeriesChange.original_date))
        )
    ).all():
        changes.setdefault(change.series_id, []).append(change)
    found = []
    for series in rows:
        if series.first_date > series.last_date:
            continue
        zone = ZoneInfo(series.zone)
        dates = set(series_dates(series.first_date, series.last_date, series.interval_weeks))
        found.append(
            SeriesSpec(
                kind=SeriesKind(series.kind),
                weekday=series.weekday,
                local_time=series.local_time,
                zone=series.zone,
                first_date=series.first_date,
                last_date=series.last_date,
                team=team_names.get(series.team_id),
                title=series.title,
                interval_weeks=series.interval_weeks,
                duration_minutes=series.duration_minutes,
                meeting_url=series.meeting_url,
                changes=tuple(
                    SeriesChangeSpec(
                        original_date=change.original_date,
                        cancelled=change.cancelled,
                        new_start=None
                        if change.cancelled or change.new_start is None
                        else change.new_start.astimezone(zone).replace(tzinfo=None),
                    )
                    for change in changes.get(_pk(series.id), [])
                    if change.original_date in dates
                    and (change.cancelled or change.new_start is not None)
                ),
            )
        )
    return tuple(found)


def render_cohort_file(spec: CohortSpec) -> str:
    """A `CohortSpec` as cohort-file TOML, one `[[block]]` per chat, team, member, event,
    series and deliverable."""
    sections = [
        "# Cohort file for `cohorte cohort import`; "
        "the format is explained in examples/sprint-2025.toml.\n",
        _block(
            "[cohort]",
            {
                "name": spec.name,
                "home_zone": spec.home_zone,
                "locale": spec.locale,
                "start_date": spec.start_date,
                "weeks": spec.weeks,
                "invite_code": spec.invite_code,
                "meeting_url": spec.meeting_url,
                "checkin_questions": list(spec.checkin_questions) or None,
                "nudge_after_days": None
                if spec.nudge_after_days == DEFAULT_NUDGE_AFTER_DAYS
                else spec.nudge_after_days,
                "reminder_leads": {kind: list(minutes) for kind, minutes in spec.reminder_leads}
                or None,
            },
        ),
    ]
    for chat in spec.chats:
        sections.append(
            _block(
                "[[chats]]",
                {"platform": chat.platform.value, "chat_id": chat.chat_id, "title": chat.title},
            )
        )
    for team in spec.teams:
        checkin = None
        if team.checkin_weekday is not None and team.checkin_time is not None:
            checkin = {
                "weekday": weekday_name(team.checkin_weekday, spec.locale),
                "time": f"{team.checkin_time:%H:%M}",
            }
        sections.append(
            _block(
                "[[teams]]",
                {
                    "name": team.name,
                    "city": team.city,
                    "country": team.country,
                    "zone": team.zone,
                    "checkin": checkin,
                },
            )
        )
    for member in spec.members:
        sections.append(
            _block(
                "[[members]]",
                {
                    "name": member.name,
                    "team": member.team,
                    "role": member.role.value,
                    "zone": member.zone,
                    "locale": member.locale,
                    "dm_reminders": None if member.dm_reminders else False,
                    "console": member.console,
                    "telegram": member.telegram,
                    "slack": member.slack,
                },
            )
        )
    for event in spec.events:
        sections.append(
            _block(
                "[[events]]",
                {
                    "kind": event.kind.value,
                    "title": event.title,
                    "start": event.start,
                    "duration_minutes": event.duration_minutes,
                    "meeting_url": event.meeting_url,
                    "description": event.description,
                    "cancelled": event.cancelled or None,
                },
            )
        )
    for series in spec.series:
        sections.append(_series_block(series, spec))
    for deliverable in spec.deliverables:
        sections.append(
            _block(
                "[[deliverables]]",
                {
                    "code": deliverable.code,
                    "title": deliverable.title,
                    "description": deliverable.description,
                    "template_url": deliverable.template_url,
                    "rdc": deliverable.rdc or None,
                    "due_week": deliverable.due_week,
                    "due_date": deliverable.due_date,
                    "optional": deliverable.optional or None,
                    "teams": list(deliverable.teams) or None,
                },
            )
        )
    return "\n".join(sections)


def _series_block(series: SeriesSpec, spec: CohortSpec) -> str:
    changes = [
        {"date": change.original_date, "cancelled": True}
        if change.cancelled
        else {"date": change.original_date, "start": change.new_start}
        for change in series.changes
    ]
    return _block(
        "[[series]]",
        {
            "kind": series.kind.value,
            "team": series.team,
            "title": series.title or None,
            "weekday": weekday_name(series.weekday, spec.locale),
            "time": f"{series.local_time:%H:%M}",
            "zone": series.zone,
            "interval_weeks": series.interval_weeks,
            "first_date": series.first_date,
            "last_date": series.last_date,
            "duration_minutes": series.duration_minutes,
            # Left out, the link is the cohort's (see `_read_series`).
            "meeting_url": None if series.meeting_url == spec.meeting_url else series.meeting_url,
            "changes": changes or None,
        },
    )


def _block(header: str, fields: Mapping[str, object]) -> str:
    """A TOML table with its fields in the given order; None fields are left out."""
    lines = [header]
    lines += [f"{key} = {_literal(value)}" for key, value in fields.items() if value is not None]
    return "\n".join(lines) + "\n"


def _literal(value: object) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{key} = {_literal(item)}" for key, item in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        items = [_literal(item) for item in value]
        inline = "[" + ", ".join(items) + "]"
        if len(inline) <= 80:
            return inline
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    if isinstance(value, datetime):
        # tomli_w writes "2025-05-06 10:00:00"; the documented form has the T.
        return value.replace(tzinfo=None).isoformat()
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")
