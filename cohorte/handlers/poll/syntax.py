"""Reading what a coordinator types to open a meeting-time poll.

    /encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 cierre 2025-04-25 18:00

- the title is optional and goes in quotes ("...", “...”, «...» or ‘...’:
  `lang.titles` reads it);
- each candidate slot is a day of the week (Spanish or English, with or
  without accents, full or abbreviated: "miércoles", "mie", "mierc.", "wed")
  followed by one or more 24-hour times ("10:00", "9:30", "16 h");
- `cierre` (or `hasta`, `fecha límite`, `deadline`) is followed by a date
  as `lang.dates.parse_day` reads it (2025-04-25, 25/04, 25/04/2025, 6 de
  mayo, hoy, mañana, or a day of the week: the next one whose time is still
  ahead) and optionally a time (23:59 when missing);
- `duracion 90` (or `duración 90 min`, `duracion 1h30`) sets the session length.

Commas, "y", "a las" and similar small words are optional. Times are read in
the cohort's home zone. Anything else raises `PollSyntaxError`, a catalog
message that says what was wrong and always shows an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.dates import (
    ImpossibleDateError,
    parse_clock_time,
    parse_day,
    parse_weekday,
)
from cohorte.handlers.lang.text import fold
from cohorte.handlers.lang.titles import UnclosedQuoteError, split_title
from cohorte.locales import N_, Translator

EXAMPLE = '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 cierre 2025-04-25 18:00'
MAX_INPUT = 1000
MAX_SLOTS = 10
MAX_TITLE = 120
MIN_DURATION = 15
MAX_DURATION = 480
DEFAULT_DEADLINE_TIME = time(23, 59)

_SEPARATORS = re.compile(r"[\s,;]+")
_FILLERS = frozenset(
    {"y", "e", "and", "a", "las", "la", "el", "los", "at", "on", "the", "de", "del"}
)
_HOUR_SUFFIXES = frozenset({"h", "hs", "hrs", "horas"})
_DEADLINE_WORDS = frozenset(
    {"cierre", "cierra", "cerrar", "hasta", "fecha", "limite", "deadline", "close", "closes"}
)
_DURATION_WORDS = frozenset({"duracion", "dura", "duration"})
_MINUTE_UNITS = frozenset({"min", "mins", "minutos", "minutes", "m"})
_HOUR_UNITS = frozenset({"h", "hora", "horas", "hour", "hours"})
# The most words a deadline's date takes: "vie 6 mayo 2025" ("de" is a small word).
_MAX_DATE_WORDS = 4
_DURATION = re.compile(r"(?:(\d{1,3})(?:min|mins|minutos|m)?|(\d{1,2})h(\d{2})?)")


class PollSyntaxError(CohortError):
    """The poll command could not be read; the message says why and shows an example."""

    message = N_("I could not read that poll.")

    def render(self, t: Translator) -> str:
        return super().render(t) + "\n" + t._("Example: {example}", example=EXAMPLE)


@dataclass(frozen=True, order=True)
class CandidateSlot:
    """A weekly slot: a day of the week (Monday = 0) and a local time."""

    weekday: int
    local_time: time


@dataclass(frozen=True)
class PollSpec:
    """What the coordinator asked for. Missing parts are None (the handler picks defaults)."""

    title: str | None
    slots: tuple[CandidateSlot, ...]
    deadline: datetime | None  # aware, in the zone the command was read in
    duration_minutes: int | None


def parse_poll_command(text: str, zone: str, now: datetime) -> PollSpec:
    """Read the arguments of `/encuesta nueva` (times in `zone`, relative dates from `now`).

    Raises `PollSyntaxError`, never anything else, on input it cannot read.
    """
    if len(text) > MAX_INPUT:
        raise PollSyntaxError(
            N_("That is too long for a poll ({length} characters; the limit is {limit})."),
            length=len(text),
            limit=MAX_INPUT,
        )
    title, rest = _read_title(text)
    return _Reader(_tokens(rest), zone, now).read(title)


def parse_slots(text: str) -> tuple[CandidateSlot, ...]:
    """Only candidate slots ("martes 10, miércoles 16:00"), as a guided form asks for them."""
    if len(text) > MAX_INPUT:
        raise PollSyntaxError(
            N_("That is too long for a poll ({length} characters; the limit is {limit})."),
            length=len(text),
            limit=MAX_INPUT,
        )
    reader = _Reader(_tokens(text), "UTC", datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")))
    reader.allow_options = False
    return reader.read(None).slots


def _read_title(text: str) -> tuple[str | None, str]:
    try:
        title, rest = split_title(text)
    except UnclosedQuoteError:
        raise PollSyntaxError(N_("The title is missing its closing quote.")) from None
    if title is not None and len(title) > MAX_TITLE:
        raise PollSyntaxError(
            N_("The title is too long ({length} characters); the limit is {limit}."),
            length=len(title),
            limit=MAX_TITLE,
        )
    return title, rest


def _tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text) if token]


def weekday_of(token: str) -> int | None:
    """A day of the week, forgiving: the known abbreviations, or a prefix of a full name."""
    try:
        return parse_weekday(token, prefixes=True)
    except ValueError:
        return None


def _time_of(token: str) -> time | None:
    try:
        return parse_clock_time(token)
    except ValueError:
        return None


class _Reader:
    """Walks the tokens once: slots, then `cierre ...` and `duracion ...` in any order."""

    def __init__(self, tokens: list[str], zone: str, now: datetime) -> None:
        self.tokens = tokens
        self.position = 0
        self.zone = ZoneInfo(zone)
        self.now = now.astimezone(self.zone)
        self.allow_options = True

    def _peek(self) -> str | None:
        while self.position < len(self.tokens) and fold(self.tokens[self.position]) in _FILLERS:
            self.position += 1
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        assert token is not None
        self.position += 1
        return token

    def read(self, title: str | None) -> PollSpec:
        slots: list[tuple[CandidateSlot, str]] = []
        deadline: datetime | None = None
        duration: int | None = None
        while (token := self._peek()) is not None:
            word = fold(token).rstrip(".:")
            if self.allow_options and word in _DEADLINE_WORDS:
                self._take()
                if deadline is not None:
                    raise PollSyntaxError(N_("The deadline is given twice."))
                deadline = self._deadline(token)
            elif self.allow_options and word in _DURATION_WORDS:
                self._take()
                if duration is not None:
                    raise PollSyntaxError(N_("The duration is given twice."))
                duration = self._duration()
            elif (day := weekday_of(token)) is not None:
                self._take()
                slots.extend(self._times_for(token, day))
            elif _time_of(token) is not None:
                raise PollSyntaxError(
                    N_("The time {time} needs a day of the week before it, like mar {time}."),
                    time=token[:20],
                )
            elif not slots and title is None and self.allow_options:
                raise PollSyntaxError(
                    N_(
                        "I did not understand “{text}”: it is not a day of the week. "
                        "If it is the title, put it in quotes."
                    ),
                    text=token[:40],
                )
            else:
                raise PollSyntaxError(
                    N_("I did not understand “{text}”: it is not a day of the week."),
                    text=token[:40],
                )
        if not slots:
            raise PollSyntaxError(
                N_("Write the candidate times: a day of the week and a time, separated by commas.")
            )
        if len(slots) > MAX_SLOTS:
            raise PollSyntaxError(
                N_("A poll can have at most {limit} times; this one has {count}."),
                limit=MAX_SLOTS,
                count=len(slots),
            )
        seen: set[CandidateSlot] = set()
        for slot, label in slots:
            if slot in seen:
                raise PollSyntaxError(N_("The time {slot} appears twice."), slot=label)
            seen.add(slot)
        return PollSpec(title, tuple(sorted(seen)), deadline, duration)

    def _times_for(self, day_token: str, day: int) -> list[tuple[CandidateSlot, str]]:
        found: list[tuple[CandidateSlot, str]] = []
        while (token := self._peek()) is not None:
            at = _time_of(token)
            if at is None:
                if fold(token) in _HOUR_SUFFIXES and found:
                    self._take()  # "16 h"
                    continue
                break
            self._take()
            found.append((CandidateSlot(day, at), f"{day_token[:20]} {at:%H:%M}"))
        if not found:
            following = self._peek()
            if following is not None and re.search(r"\d", following):
                raise PollSyntaxError(
                    N_(
                        "“{text}” is not a time. Write 24-hour times such as 09:30 or 16:00 "
                        "(from 00:00 to 23:59)."
                    ),
                    text=following[:20],
                )
            raise PollSyntaxError(
                N_("{day} needs a time, for example {day} 10:00."), day=day_token[:20]
            )
        return found

    def _deadline(self, keyword: str) -> datetime:
        while (token := self._peek()) is not None and fold(token) in _DEADLINE_WORDS:
            self._take()  # "fecha límite"
        if token is None:
            raise PollSyntaxError(
                N_("Write the deadline after “{word}”, for example {word} 2025-04-25 18:00."),
                word=keyword[:20],
            )
        day, on_weekday = self._deadline_day()
        at = DEFAULT_DEADLINE_TIME
        following = self._peek()
        if following is not None and (parsed := _time_of(following)) is not None:
            self._take()
            at = parsed
            if (suffix := self._peek()) is not None and fold(suffix) in _HOUR_SUFFIXES:
                self._take()
        if on_weekday and datetime.combine(day, at, self.zone) <= self.now:
            day += timedelta(weeks=1)  # the next such day whose time is still ahead
        return datetime.combine(day, at, self.zone)

    def _words_ahead(self, limit: int) -> list[tuple[str, int]]:
        """The next `limit` tokens that are not small words, each with the position after it."""
        found: list[tuple[str, int]] = []
        position = self.position
        while position < len(self.tokens) and len(found) < limit:
            token = self.tokens[position]
            position += 1
            if fold(token) not in _FILLERS:
                found.append((token, position))
        return found

    def _deadline_day(self) -> tuple[date, bool]:
        """The deadline's date, in as many words as `parse_day` reads (the most it can), and
        whether it was a bare day of the week."""
        ahead = self._words_ahead(_MAX_DATE_WORDS)
        impossible: str | None = None
        for count in range(len(ahead), 0, -1):
            words = [token for token, _ in ahead[:count]]
            last = words[-1]
            if count > 1 and (weekday_of(last) is not None or _time_of(last) is not None):
                # "cierre vie 10 mar 10:00": "mar" starts the next slot, not March; and
                # "vie 10.05" is Friday at 10:05, even in a year when 10 May is a Friday.
                continue
            text = " ".join(words)
            try:
                day = parse_day(text, self.now.date())
            except ImpossibleDateError:
                impossible = impossible or text
                continue
            except ValueError:
                continue
            self.position = ahead[count - 1][1]
            return day, count == 1 and weekday_of(text) is not None
        if impossible is not None:
            raise PollSyntaxError(N_("{text} is not a date of the calendar."), text=impossible[:30])
        raise PollSyntaxError(
            N_(
                "“{text}” is not a date. Write the deadline like 2025-04-25 18:00, "
                "25/04 18:00 or viernes 18:00."
            ),
            text=ahead[0][0][:30],
        )

    def _duration(self) -> int:
        token = self._peek()
        match = _DURATION.fullmatch(fold(token)) if token is not None else None
        if token is None or match is None:
            raise PollSyntaxError(
                N_(
                    "Write the duration in minutes, from {minimum} to {maximum}, "
                    "for example: duracion 90"
                ),
                minimum=MIN_DURATION,
                maximum=MAX_DURATION,
            )
        self._take()
        if match[1] is not None:
            minutes = int(match[1])
            unit = self._peek()
            if unit is not None and fold(unit) in _HOUR_UNITS:
                self._take()
                minutes *= 60
            elif unit is not None and fold(unit) in _MINUTE_UNITS:
                self._take()
        else:
            minutes = int(match[2]) * 60 + int(match[3] or 0)
        if not MIN_DURATION <= minutes <= MAX_DURATION:
            raise PollSyntaxError(
                N_(
                    "Write the duration in minutes, from {minimum} to {maximum}, "
                    "for example: duracion 90"
                ),
                minimum=MIN_DURATION,
                maximum=MAX_DURATION,
            )
        return minutes
