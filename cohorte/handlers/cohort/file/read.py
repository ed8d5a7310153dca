"""Reading a cohort file: bytes -> a checked `CohortSpec`, or a `CohortFileError` that says
where and why.

Everything that can be checked without the database is checked here; the invite
code and the accounts already known are checked when the file is applied.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.leads import DEFAULT_LEADS
from cohorte.handlers.cohort.file.materials import MATERIAL_KEYS, read_materials
from cohorte.handlers.cohort.file.messages import (
    BAD_CODE,
    BAD_EMAIL,
    BAD_INVITE_CODE,
    BAD_TELEGRAM_ID,
    DUE_TWICE,
    DUPLICATE_CHAT,
    DUPLICATE_CODE,
    DUPLICATE_EMAIL,
    DUPLICATE_IDENTITY,
    DUPLICATE_TEAM,
    EMPTY,
    EVENT_OUTSIDE_SPRINT,
    FILE_TOO_LARGE,
    INVALID_TOML,
    NOT_DATETIME,
    NOT_MONDAY,
    NOT_UTF8,
    REGISTRATION_CODE_IS_INVITE,
    START_OUT_OF_RANGE,
    TEAM_REQUIRED,
    TOO_DEEP,
    TOO_MANY,
    UNKNOWN_EVENT_KIND,
    UNKNOWN_FEEDBACK_KIND,
    UNKNOWN_PLATFORM,
    UNKNOWN_RDC,
    UNKNOWN_ROLE,
    UNKNOWN_TEAM,
    CohortFileError,
)
from cohorte.handlers.cohort.file.series import SERIES_KEYS, SeriesDefaults, read_series
from cohorte.handlers.cohort.file.spec import (
    DEFAULT_NUDGE_AFTER_DAYS,
    DEFAULT_WEEKS,
    EARLIEST_START,
    LATEST_START,
    MAX_EVENT_MINUTES,
    MAX_WEEKS,
    RDC_CRITERIA,
    TITLE_CHARS,
    ChatSpec,
    CohortSpec,
    DeliverableSpec,
    EventSpec,
    MemberSpec,
    RegistrationSpec,
    TeamSpec,
    custom_leads,
    explicit_series,
)
from cohorte.handlers.cohort.file.toml_table import Table, shown
from cohorte.handlers.lang.emails import email_address
from cohorte.handlers.lang.names import name_key
from cohorte.handlers.lang.text import fold
from cohorte.locales import DEFAULT_LANGUAGE
from cohorte.scheduling.recurrence import MINUTES_PER_DAY
from cohorte.storage.feedback import DEFAULT_FEEDBACK_KINDS, FEEDBACK_KINDS
from cohorte.storage.models import EventKind, Platform, Role

# A real cohort file is a few kilobytes; anything this big is a wrong file.
MAX_FILE_BYTES = 1024 * 1024
MAX_LEAD_MINUTES = 30 * MINUTES_PER_DAY  # what `leads_for` accepts
MAX_CHECKIN_QUESTIONS = 10
MAX_NUDGE_AFTER_DAYS = 60
INVITE_CODE = re.compile(r"[A-Z0-9-]{4,32}")
_TELEGRAM_USER_ID = re.compile(r"[0-9]{1,20}")
_TOML_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_AT_END = " (at end of document)"
_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Column limits of the tables, checked here so that SQLite and PostgreSQL agree.
_NAME_CHARS = 200
_TEAM_CHARS = 120
_PERSON_CHARS = 120
_DESCRIPTION_CHARS = 2000
_EXTERNAL_ID_CHARS = 64
_CODE_CHARS = 32
_QUESTION_CHARS = 300

_TOP_KEYS = (
    "cohort",
    "chats",
    "teams",
    "members",
    "events",
    "series",
    "deliverables",
    "materials",
)
_COHORT_KEYS = (
    "name",
    "home_zone",
    "locale",
    "start_date",
    "weeks",
    "invite_code",
    "meeting_url",
    "session_name",
    "checkin_questions",
    "nudge_after_days",
    "reminder_leads",
    "feedback",
    "registration",
)
_FEEDBACK_KEYS = ("kinds", "question")
_REGISTRATION_KEYS = ("open", "code", "deadline", "places", "places_per_team")
MAX_PLACES = 10_000
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
    "email",
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


def check_start(start: date, field: str) -> None:
    """Refuse a start date out of `EARLIEST_START` … `LATEST_START` (`field` names where
    it was written: `cohort.start_date`, `--start`)."""
    if not EARLIEST_START <= start <= LATEST_START:
        raise CohortFileError(
            START_OUT_OF_RANGE,
            field=field,
            value=start.isoformat(),
            first=EARLIEST_START.isoformat(),
            last=LATEST_START.isoformat(),
        )


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
    root = Table(document, "", _TOP_KEYS)
    cohort = root.required_table("cohort", _COHORT_KEYS)
    name = cohort.text("name", limit=_NAME_CHARS)
    home_zone = cohort.zone("home_zone")
    locale = cohort.locale("locale") or DEFAULT_LANGUAGE
    start_date = cohort.date_value("start_date")
    if start_date.weekday() != 0:
        raise CohortFileError(
            NOT_MONDAY, field=cohort.path_of("start_date"), value=start_date.isoformat()
        )
    check_start(start_date, cohort.path_of("start_date"))
    weeks = cohort.integer("weeks", default=DEFAULT_WEEKS, minimum=1, maximum=MAX_WEEKS)
    invite_code = _invite_code(cohort)
    meeting_url = cohort.url("meeting_url")
    session_name = cohort.optional_text("session_name", limit=TITLE_CHARS) or ""

    chats = _read_chats(root.blocks("chats", _CHAT_KEYS))
    teams = _read_teams(root.blocks("teams", _TEAM_KEYS))
    members = _read_members(root.blocks("members", _MEMBER_KEYS), teams)
    sprint = (start_date, start_date + timedelta(weeks=weeks))
    events = _read_events(root.blocks("events", _EVENT_KEYS), home_zone, sprint)
    deliverables = _read_deliverables(
        root.blocks("deliverables", _DELIVERABLE_KEYS), teams, weeks, sprint
    )
    questions = cohort.strings(
        "checkin_questions",
        limit=_QUESTION_CHARS,
        example='["¿Qué avanzaron?", "¿Qué los bloquea?"]',
    )
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
    feedback_kinds, feedback_question = _read_feedback(cohort.table("feedback", _FEEDBACK_KEYS))
    series = read_series(
        root.blocks("series", SERIES_KEYS),
        teams,
        SeriesDefaults(home_zone, locale, start_date, weeks, meeting_url, session_name),
    )
    materials = read_materials(
        root.blocks("materials", MATERIAL_KEYS),
        deliverables=deliverables,
        events=events,
        series=series,
        teams=teams,
        start_date=start_date,
        weeks=weeks,
        meeting_url=meeting_url,
    )
    return CohortSpec(
        name=name,
        home_zone=home_zone,
        start_date=start_date,
        invite_code=invite_code,
        locale=locale,
        weeks=weeks,
        meeting_url=meeting_url,
        session_name=session_name,
        chats=chats,
        teams=teams,
        members=members,
        events=events,
        deliverables=deliverables,
        checkin_questions=questions,
        nudge_after_days=nudge_after_days,
        reminder_leads=reminder_leads,
        series=explicit_series(series, teams, start_date, weeks, meeting_url),
        feedback_kinds=feedback_kinds,
        feedback_question=feedback_question,
        materials=materials,
        registration=_read_registration(cohort, home_zone, invite_code),
    )


def _read_feedback(table: Table | None) -> tuple[tuple[str, ...], str]:
    """`feedback = { kinds = ["masterclass", "showtime"], question = "…" }`: which sessions
    ask for feedback (`kinds = []`: none) and the question; absent keys are the defaults."""
    if table is None:
        return DEFAULT_FEEDBACK_KINDS, ""
    kinds: tuple[str, ...] = DEFAULT_FEEDBACK_KINDS
    if "kinds" in table.data:
        given = table.strings("kinds", limit=None, example='["masterclass", "showtime"]')
        for kind in given:
            if kind not in FEEDBACK_KINDS:
                raise CohortFileError(
                    UNKNOWN_FEEDBACK_KIND, field=table.path_of("kinds"), value=shown(kind)
                )
        kinds = tuple(kind for kind in FEEDBACK_KINDS if kind in given)
    return kinds, table.optional_text("question", limit=_QUESTION_CHARS) or ""


def _read_registration(cohort: Table, home_zone: str, invite_code: str) -> RegistrationSpec | None:
    """`[cohort.registration]`: the deadline is a date (until the end of that day in the
    home zone), a local date and time there, or an instant with its offset."""
    table = cohort.table("registration", _REGISTRATION_KEYS)
    if table is None:
        return None
    code = _invite_code(table, "code")
    if code == invite_code:
        raise CohortFileError(REGISTRATION_CODE_IS_INVITE, field=table.path_of("code"))
    deadline: datetime | None = None
    value = table.data.get("deadline")
    if isinstance(value, datetime):
        local = table.local_datetime("deadline", home_zone)
        deadline = local.replace(tzinfo=ZoneInfo(home_zone)).astimezone(UTC)
    elif isinstance(value, date):
        midnight = datetime.combine(value + timedelta(days=1), time(), ZoneInfo(home_zone))
        deadline = midnight.astimezone(UTC)
    elif value is not None:
        raise CohortFileError(
            NOT_DATETIME, field=table.path_of("deadline"), value=shown(str(value))
        )
    places = (
        table.integer("places", default=0, minimum=1, maximum=MAX_PLACES)
        if "places" in table.data
        else None
    )
    per_team = (
        table.integer("places_per_team", default=0, minimum=1, maximum=MAX_PLACES)
        if "places_per_team" in table.data
        else None
    )
    return RegistrationSpec(
        code=code,
        open=table.boolean("open", default=True),
        deadline=deadline,
        places=places,
        places_per_team=per_team,
    )


def _invite_code(cohort: Table, key: str = "invite_code") -> str:
    written = cohort.text(key, limit=None)
    code = written.upper()
    if not (written.isascii() and INVITE_CODE.fullmatch(code)):
        raise CohortFileError(BAD_INVITE_CODE, field=cohort.path_of(key), value=shown(written))
    return code


def _read_chats(blocks: list[Table]) -> tuple[ChatSpec, ...]:
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


def _read_teams(blocks: list[Table]) -> tuple[TeamSpec, ...]:
    teams: list[TeamSpec] = []
    seen: set[str] = set()
    for block in blocks:
        name = block.text("name", limit=_TEAM_CHARS)
        if name_key(name) in seen:
            raise CohortFileError(DUPLICATE_TEAM, field=block.path_of("name"), value=name)
        seen.add(name_key(name))
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


def _read_members(blocks: list[Table], teams: tuple[TeamSpec, ...]) -> tuple[MemberSpec, ...]:
    team_names = {name_key(team.name): team.name for team in teams}
    accounts: dict[tuple[Platform, str], str] = {}
    emails: dict[str, str] = {}
    members: list[MemberSpec] = []
    for block in blocks:
        name = block.text("name", limit=_PERSON_CHARS)
        team = block.optional_text("team", limit=None)
        if team is not None:
            if name_key(team) not in team_names:
                raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("team"), value=team)
            team = team_names[name_key(team)]
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
        email_text = block.optional_text("email", limit=None)
        email = email_address(email_text) if email_text is not None else None
        if email_text is not None and email is None:
            raise CohortFileError(BAD_EMAIL, field=block.path_of("email"), value=email_text[:80])
        if email is not None:
            other = emails.setdefault(email, block.path_of("email"))
            if other != block.path_of("email"):
                raise CohortFileError(
                    DUPLICATE_EMAIL, field=block.path_of("email"), value=email, other=other
                )
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
            email=email,
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
    blocks: list[Table], home_zone: str, sprint: tuple[date, date]
) -> tuple[EventSpec, ...]:
    """The events; `sprint` is the first day and the day after the last."""
    first_day, end_day = sprint
    events: list[EventSpec] = []
    for block in blocks:
        kind = block.choice("kind", EventKind, UNKNOWN_EVENT_KIND)
        title = block.text("title", limit=TITLE_CHARS)
        start = block.local_datetime("start", home_zone)
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


def _read_reminder_leads(table: Table | None) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """`reminder_leads = { session = [1440, 60], ... }`: minutes before, per kind."""
    if table is None:
        return ()
    leads = {
        kind: table.integers(kind, minimum=1, maximum=MAX_LEAD_MINUTES)
        for kind in DEFAULT_LEADS
        if kind in table.data
    }
    return custom_leads(leads)


def _read_deliverables(
    blocks: list[Table], teams: tuple[TeamSpec, ...], weeks: int, sprint: tuple[date, date]
) -> tuple[DeliverableSpec, ...]:
    """The deliverables; `sprint` is the first day and the day after the last."""
    team_order = {name_key(team.name): number for number, team in enumerate(teams)}
    first_day, end_day = sprint
    codes: dict[str, str] = {}
    deliverables: list[DeliverableSpec] = []
    for block in blocks:
        written = block.text("code", limit=None)
        code = fold(written)
        if len(code) > _CODE_CHARS or not _CODE.fullmatch(code):
            raise CohortFileError(BAD_CODE, field=block.path_of("code"), value=shown(written))
        other = codes.setdefault(code, block.path)
        if other != block.path:
            raise CohortFileError(DUPLICATE_CODE, field=block.path_of("code"), value=code)
        criteria = set()
        for tag in block.strings("rdc", limit=None, example='["RDC7", "RDC8"]'):
            if tag.upper().replace(" ", "") not in RDC_CRITERIA:
                raise CohortFileError(UNKNOWN_RDC, field=block.path_of("rdc"), value=shown(tag))
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
            names = block.strings("teams", limit=None, example='["Bogotá", "Lima"]')
            if not names:
                raise CohortFileError(EMPTY, field=block.path_of("teams"))
            for name in names:
                number = team_order.get(name_key(name))
                if number is None:
                    raise CohortFileError(UNKNOWN_TEAM, field=block.path_of("teams"), value=name)
                chosen[number] = teams[number].name
        deliverables.append(
            DeliverableSpec(
                code=code,
                title=block.text("title", limit=TITLE_CHARS),
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
