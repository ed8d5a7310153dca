"""Small parsers for what people type: weekdays and times of day.

Pure functions, shared by the cohort file, polls and the calendar. They raise
`ValueError` on input they cannot read; callers turn that into a catalog
message for the user.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from babel.dates import get_day_names

from cohorte.handlers.lang.text import fold

# Folded spellings (no accents, lower case) -> Monday=0 ... Sunday=6.
_WEEKDAYS: dict[str, int] = {
    name: day
    for day, names in enumerate(
        (
            ("lunes", "lun", "lu", "monday", "mon"),
            ("martes", "mar", "ma", "tuesday", "tue", "tues"),
            ("miercoles", "mie", "mi", "wednesday", "wed"),
            ("jueves", "jue", "ju", "thursday", "thu", "thur", "thurs"),
            ("viernes", "vie", "vi", "friday", "fri"),
            ("sabado", "sab", "sa", "saturday", "sat"),
            ("domingo", "dom", "do", "sunday", "sun"),
        )
    )
    for name in names
}
# The full names (Spanish, English), of which a prefix may stand for the day.
_FULL_WEEKDAYS = (
    ("lunes", "monday"),
    ("martes", "tuesday"),
    ("miercoles", "wednesday"),
    ("jueves", "thursday"),
    ("viernes", "friday"),
    ("sabado", "saturday"),
    ("domingo", "sunday"),
)
MIN_WEEKDAY_PREFIX = 3

# "10:00", "9:30", "09.30", "10h", "10 h", "10", "16:45 h", "10h30", "10:30 hs".
_CLOCK_TIME = re.compile(
    r"(?P<hour>[0-9]{1,2})"
    r"(?:\s*(?:[:.]|h)\s*(?P<minute>[0-9]{2}))?"
    r"\s*(?:h|hs|hrs)?\.?"
)


def parse_weekday(text: str, *, prefixes: bool = False) -> int:
    """The weekday (Monday=0) for a Spanish or English name or abbreviation.

    Accents, case, surrounding spaces and a trailing dot are ignored:
    "Miércoles", "mie.", "WED" -> 2. With `prefixes`, the first three letters
    or more of a full name count too ("mierc.", "juev", "wedn"). Raises
    `ValueError` for anything else.
    """
    key = fold(text).removesuffix(".")
    if key in _WEEKDAYS:
        return _WEEKDAYS[key]
    if prefixes and len(key) >= MIN_WEEKDAY_PREFIX:
        for day, names in enumerate(_FULL_WEEKDAYS):
            if any(name.startswith(key) for name in names):
                return day
    raise ValueError(f"not a day of the week: {text!r}")


def _weekday_or_none(word: str) -> int | None:
    try:
        return parse_weekday(word, prefixes=True)
    except ValueError:
        return None


def parse_clock_time(text: str) -> time:
    """A 24-hour time of day: "10:00", "9:30", "09.30", "10h", "10", "16:45 h".

    Raises `ValueError` for out-of-range values ("25:00", "10:60"), for
    12-hour forms ("10 am") and for anything else that is not a time.
    """
    match = _CLOCK_TIME.fullmatch(fold(text))
    if match is None:
        raise ValueError(f"not a time of day: {text!r}")
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return time(hour, minute)


def weekday_name(weekday: int, language: str) -> str:
    """The CLDR wide name of a weekday (Monday=0) in a locale: (3, "es") -> "jueves".

    The case is CLDR's own: lower case in Spanish, capitalised in English.
    Raises `ValueError` for a weekday outside 0..6.
    """
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    return str(get_day_names("wide", locale=language.replace("-", "_"))[weekday])


_MONTHS: dict[str, int] = {
    name: month
    for month, names in enumerate(
        (
            ("enero", "ene", "january", "jan"),
            ("febrero", "feb", "february"),
            ("marzo", "mar", "march"),
            ("abril", "abr", "april", "apr"),
            ("mayo", "may"),
            ("junio", "jun", "june"),
            ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "sept", "set", "september"),
            ("octubre", "oct", "october"),
            ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_RELATIVE = {"hoy": 0, "today": 0, "manana": 1, "tomorrow": 1, "pasado manana": 2}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_WORDS_DATE = re.compile(r"^(\d{1,2})\s+(?:de\s+)?([a-z]+)\.?(?:\s+(?:de\s+|del\s+)?(\d{4}))?$")


# A span of days, both ends included (a sprint's first and last day).
Span = tuple[date, date]


class ImpossibleDateError(ValueError):
    """Written like a date, but no such day is on the calendar: "2025-02-30", "31/13"."""


def _guess_year(day: int, month: int, today: date, within: Span | None) -> date:
    """Without a year: the one that puts the day in `within` (nearest to today), if any;
    else the date closest ahead, where up to two months back counts as this year."""
    years = (today.year - 1, today.year, today.year + 1)
    candidates = [found for year in years if (found := _calendar_day(year, month, day))]
    if within is not None:
        inside = [found for found in candidates if within[0] <= found <= within[1]]
        if inside:
            return min(inside, key=lambda found: abs(found - today))
    candidate = date(today.year, month, day)
    if candidate < today - timedelta(days=60):
        candidate = date(today.year + 1, month, day)
    return candidate


def _calendar_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_day(text: str, today: date, within: Span | None = None) -> date:
    """A calendar day as people write it, relative to `today`.

    "2025-05-06", "6/5", "6/5/2025", "6 de mayo", "6 mayo 2025", "hoy",
    "mañana", "pasado mañana", a weekday ("martes", "juev.": the next one,
    today included), and a weekday before a date ("mar 6/5", which must
    agree). Day before month; without a year, the date closest ahead (in
    December, "5/1" is January of next year) — or, given a span `within`
    (a sprint), the year that puts the day inside it. Raises `ImpossibleDateError`
    for a date the calendar does not have, `ValueError` for anything else.
    """
    words = fold(text).replace(",", " ").split()
    if not words:
        raise ValueError("empty date")
    weekday = _weekday_or_none(words[0]) if len(words) > 1 else None
    if weekday is not None:
        words = words[1:]
    joined = " ".join(words)
    result = _parse_plain_day(joined, today, within)
    if weekday is not None and result.weekday() != weekday:
        raise ValueError(f"{text!r}: that date is not a {weekday}")
    return result


def _parse_plain_day(text: str, today: date, within: Span | None) -> date:
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    if (weekday := _weekday_or_none(text)) is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    fields = _date_fields(text)
    if fields is None:
        raise ValueError(f"not a date: {text!r}")
    year, month, day = fields
    try:
        if year is not None:
            return date(year, month, day)
        return _guess_year(day, month, today, within)
    except ValueError:
        raise ImpossibleDateError(f"not on the calendar: {text!r}") from None


def _date_fields(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a text written like a date, else None."""
    if match := _ISO_DATE.match(text):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _NUMERIC_DATE.match(text):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0) if match[3] else None
        return year, int(match[2]), int(match[1])
    if (match := _WORDS_DATE.match(text)) and match[2] in _MONTHS:
        return int(match[3]) if match[3] else None, _MONTHS[match[2]], int(match[1])
    return None


def parse_when(text: str, today: date, within: Span | None = None) -> tuple[date, time]:
    """A day and a time: "6 de mayo 10:00", "mañana 9:30", "2025-05-06 16h".

    The time is the last word (or "a las 10:00"); the day is read by `parse_day`
    (with its `within`). Raises `ImpossibleDateError` for a day the calendar does
    not have before a real time ("31/2 10:00"), `ValueError` for anything else.
    """
    folded = fold(text)
    folded = re.sub(r"\s+a\s+las?\s+", " ", folded)
    head, _, tail = folded.rpartition(" ")
    if not head:
        raise ValueError(f"no time in {text!r}")
    at = parse_clock_time(tail)
    return parse_day(head, today, within), at


# The most words a day and time take: "mar 6 de mayo de 2025 a las 10:00".
MAX_WHEN_WORDS = 9
_WORD = re.compile(r"\S+")
_AFTER_WHEN = ",;:-–—"


def split_leading_when(text: str, today: date) -> tuple[str, str] | None:
    """'6/5 09:00 Hola a todos' -> ('6/5 09:00', 'Hola a todos'): the longest start of
    `text` that `parse_when` reads as a day and a time, and what follows it (as typed).

    A day the calendar does not have before a real time ("31/2 10:00 …") counts too:
    it is still written as a moment. None when the text does not start with one; a
    day alone ("mañana no hay sesión") is not a moment.
    """
    ends = [match.end() for match in _WORD.finditer(text)]
    for count in range(min(len(ends), MAX_WHEN_WORDS), 1, -1):
        # "6/5 09:00: Hola", "mar 6/5 10:00, nos vemos": the punctuation is the text's.
        head = text[: ends[count - 1]].strip().rstrip(_AFTER_WHEN).rstrip()
        try:
            parse_when(head, today)
        except ImpossibleDateError:
            pass
        except ValueError:
            continue
        return head, text[ends[count - 1] :].strip().lstrip(_AFTER_WHEN + " ")
    return None
