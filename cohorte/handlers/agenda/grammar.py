"""Reading what coordinators type in the agenda's commands.

    /sesion nueva masterclass 6/5 10:00 "Datos abiertos" duracion 90 enlace https://…
    /sesion semanal mar 10:00 duracion 60
    /acompanamiento Bogotá jue 10:00
    /anuncio 6/5 09:00 | texto
    /recordatorios masterclass 24h 1h

Days and times are read by `lang.dates`, in the cohort's home zone; titles by
`lang.titles` (straight, curly or angle quotes). What cannot be read is a
`CohortError` with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.leads import MAX_LEAD
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.dates import (
    ImpossibleDateError,
    parse_clock_time,
    parse_weekday,
    parse_when,
)
from cohorte.handlers.lang.text import fold
from cohorte.handlers.lang.titles import UnclosedQuoteError, find_quoted
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import sprint_end, to_utc
from cohorte.storage.models import Cohort, EventKind

KIND_WORDS = {
    "masterclass": EventKind.MASTERCLASS,
    "clase": EventKind.MASTERCLASS,
    "showtime": EventKind.SHOWTIME,
    "final": EventKind.SHOWTIME,
}
SESSION_EXAMPLE = '/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos de contratación"'
DEFAULT_DURATION = 60
MIN_DURATION = 15
MAX_DURATION = 480
MAX_ANNOUNCEMENT = 2000
# An option word and the word after it (if any), whatever that is: a wrong value is
# refused as the option's, never left in the text to be read as part of the date.
_DURATION = re.compile(r"\b(?:duraci[oó]n|duration)\b(?:\s+(\S+))?", re.IGNORECASE)
_LINK = re.compile(r"\b(?:enlace|link)\b(?:\s+(\S+))?", re.IGNORECASE)
_MEETING_LINK = re.compile(r"https?://\S+")
_LEAD = re.compile(r"(\d{1,6})\s*(m|min|h|d|s|w)")
_LEAD_UNITS = {"m": 1, "min": 1, "h": 60, "d": 1440, "s": 10080, "w": 10080}
_LEAD_LABELS = (("s", 10080), ("d", 1440), ("h", 60))
# The words /recordatorios understands for each kind of session.
LEAD_KINDS = {
    "sesion": "session",
    "semanal": "session",
    "session": "session",
    "masterclass": "masterclass",
    "showtime": "showtime",
    "final": "showtime",
    "acompanamiento": "checkin",
    "checkin": "checkin",
}


@dataclass(frozen=True)
class NewSession:
    """A one-off session as a coordinator asked for it (the day and time still as typed)."""

    kind: EventKind
    title: str
    when: str
    duration: int = DEFAULT_DURATION
    link: str | None = None


def read_options(text: str) -> tuple[str, int, str | None]:
    """'mar 10:00 duracion 90 enlace https://x' -> ('mar 10:00', 90, 'https://x'), the
    options taken out of the text (duration 60 and no link when not given).

    A `duracion` that is not a whole number of minutes from 15 to 480, or an
    `enlace` that is not a web address, is a `CohortError` that says so.
    """
    duration = DEFAULT_DURATION
    link = None
    if match := _DURATION.search(text):
        value = match[1] or ""
        digits = value.isascii() and value.isdigit() and len(value) <= 3
        if not digits or not MIN_DURATION <= int(value) <= MAX_DURATION:
            raise CohortError(
                N_(
                    "Write the duration in minutes, from {minimum} to {maximum}, "
                    "for example: duracion 90"
                ),
                minimum=MIN_DURATION,
                maximum=MAX_DURATION,
            )
        duration = int(value)
        text = text[: match.start()] + " " + text[match.end() :]
    if match := _LINK.search(text):
        link = match[1] or ""
        if not _MEETING_LINK.fullmatch(link):
            raise CohortError(N_("The meeting link must start with http:// or https://."))
        text = text[: match.start()] + " " + text[match.end() :]
    return text, duration, link


def read_new_session(text: str) -> NewSession:
    """'masterclass 6 de mayo 10:00 “Datos abiertos”' -> a `NewSession`.

    The title is the quoted part, wherever it is; without quotes, the last word.
    """
    try:
        quoted = find_quoted(text)
    except UnclosedQuoteError as error:
        raise CohortError(
            N_("Close the quotes of the title. Example: {example}"), example=SESSION_EXAMPLE
        ) from error
    rest, duration, link = read_options(quoted.rest if quoted is not None else text)
    words = rest.split()
    # The kind, at least one word of day and time, and (unquoted) the title.
    needed = 2 if quoted is not None else 3
    if len(words) < needed or fold(words[0]) not in KIND_WORDS:
        raise CohortError(
            N_(
                "Say the kind (masterclass or showtime), the day and time, and the title. "
                "Example: {example}"
            ),
            example=SESSION_EXAMPLE,
        )
    if quoted is not None:
        title, when_words = quoted.title, words[1:]
    else:
        title, when_words = words[-1], words[1:-1]
    return NewSession(KIND_WORDS[fold(words[0])], title, " ".join(when_words), duration, link)


def check_new_session(new: NewSession) -> None:
    """Refuse a title or a duration out of bounds."""
    if not new.title or len(new.title) > 200:
        raise CohortError(N_("The title must have 1 to 200 characters."))
    if not MIN_DURATION <= new.duration <= MAX_DURATION:
        raise CohortError(N_("The duration must be between 15 and 480 minutes."))


def read_meeting_link(text: str) -> str | None:
    """A meeting link from a form's field: None when empty; it must be a web address."""
    text = text.strip()
    if not text:
        return None
    if not _MEETING_LINK.fullmatch(text):
        raise CohortError(N_("The meeting link must start with http:// or https://."))
    return text


def read_session_start(text: str, cohort: Cohort, now: datetime, t: Translator) -> datetime:
    """A day and time typed in the cohort's home zone (a session's, an announcement's), as
    a future UTC instant inside the sprint. Without a year the day is the one inside the
    sprint; past moments and days outside it are refused, with the year."""
    zone = cohort.home_zone
    today = now.astimezone(ZoneInfo(zone)).date()
    last = sprint_end(cohort.start_date, cohort.weeks)
    if not text.strip():
        raise CohortError(
            N_(
                "Write the day and time, for example “6 de mayo 10:00”, “mar 6/5 10:00” "
                "or “mañana 9:30”."
            )
        )
    try:
        day, at = parse_when(text, today, within=(cohort.start_date, last))
    except ImpossibleDateError as error:
        raise CohortError(
            N_("{text} is not a date of the calendar."), text=text.strip()[:60]
        ) from error
    except ValueError as error:
        raise CohortError(
            N_(
                "I could not read the day and time “{text}”. Write for example "
                "“6 de mayo 10:00”, “mar 6/5 10:00” or “mañana 9:30”."
            ),
            text=text.strip()[:60],
        ) from error
    starts_at = to_utc(day, at, zone)
    if starts_at <= now:
        raise CohortError(
            N_("That moment has already passed: {when}."),
            when=t.when(starts_at, zone, year=True),
        )
    if not cohort.start_date <= day <= last:
        raise CohortError(
            N_("{day} is outside the sprint, which runs from {first} to {last}."),
            day=t.date(day, year=True),
            first=t.date(cohort.start_date, year=True),
            last=t.date(last, year=True),
        )
    return starts_at


def read_weekly(text: str) -> tuple[int, time, int]:
    """'mar 10:00 duracion 90' -> (weekday, local time, duration in minutes)."""
    text, duration, _ = read_options(text)
    words = text.split()
    try:
        weekday, at = parse_weekday(words[0]), parse_clock_time(" ".join(words[1:]))
    except (ValueError, IndexError) as error:
        raise CohortError(
            N_("Write the day and time, for example: /sesion semanal mar 10:00")
        ) from error
    return weekday, at, duration


def read_checkin(text: str, team_names: str) -> tuple[str, int, time]:
    """'Bogotá jue 10:00' -> (the team as typed, weekday, local time)."""
    words = text.split()
    if len(words) < 3:
        raise CohortError(
            N_(
                "Write the team, the day and the time, e.g. /acompanamiento Bogotá "
                "jue 10:00. Teams: {teams}"
            ),
            teams=team_names,
        )
    try:
        weekday, at = parse_weekday(words[-2]), parse_clock_time(words[-1])
    except ValueError as error:
        raise CohortError(N_("Write the day and time like “jue 10:00”.")) from error
    return " ".join(words[:-2]), weekday, at


def read_announcement(text: str) -> tuple[str, str]:
    """'6/5 09:00 | Hola' -> ('6/5 09:00', 'Hola'); 'Hola' -> ('', 'Hola')."""
    when, bar, message = text.partition("|")
    if not bar:
        when, message = "", text
    message = message.strip()
    if not message:
        raise CohortError(N_("Write the announcement after the command: /anuncio Hola a todos."))
    if len(message) > MAX_ANNOUNCEMENT:
        raise CohortError(
            N_("The announcement is too long ({length} characters); the limit is {limit}."),
            length=len(message),
            limit=MAX_ANNOUNCEMENT,
        )
    return when.strip(), message


def read_lead_setting(text: str) -> tuple[str, list[int]] | None:
    """'masterclass 24h 1h' -> ('masterclass', [1440, 60]), longest first; None if empty.

    A lead time outside 1 minute to 30 days is refused with that range.
    """
    words = fold(text).split()
    if not words:
        return None
    kind = LEAD_KINDS.get(words[0])
    leads = [read_lead(word) for word in words[1:]]
    if kind is None or not leads or None in leads:
        raise CohortError(
            N_(
                "Write the kind and the lead times, e.g. /recordatorios "
                "masterclass 24h 1h (m, h, d, s for minutes, hours, days, weeks)."
            )
        )
    for word, minutes in zip(words[1:], leads, strict=True):
        if minutes is not None and not 0 < minutes <= MAX_LEAD:
            raise CohortError(
                N_("{lead} is out of range: lead times go from {shortest} to {longest}."),
                lead=word,
                shortest=lead_label(1),
                longest=lead_label(MAX_LEAD),
            )
    return kind, sorted({lead for lead in leads if lead is not None}, reverse=True)


def read_lead(word: str) -> int | None:
    """'24h' -> 1440 minutes, '0h' -> 0; None if it is not written as a lead time."""
    match = _LEAD.fullmatch(word)
    if not match:
        return None
    return int(match[1]) * _LEAD_UNITS[match[2]]


def lead_label(minutes: int) -> str:
    """1440 -> '1d', 90 -> '90m': how /recordatorios shows a lead time."""
    for unit, size in _LEAD_LABELS:
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
