"""Small parsers for what people type: weekdays and times of day.

Pure functions, shared by the cohort file, polls and the calendar. They raise
`ValueError` on input they cannot read; callers turn that into a catalog
message for the user.
"""

from __future__ import annotations

import re
from datetime import time

from babel.dates import get_day_names

from cohorte.handlers.text import fold

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

# "10:00", "9:30", "09.30", "10h", "10 h", "10", "16:45 h", "10h30", "10:30 hs".
_CLOCK_TIME = re.compile(
    r"(?P<hour>[0-9]{1,2})"
    r"(?:\s*(?:[:.]|h)\s*(?P<minute>[0-9]{2}))?"
    r"\s*(?:h|hs|hrs)?\.?"
)


def parse_weekday(text: str) -> int:
    """The weekday (Monday=0) for a Spanish or English name or abbreviation.

    Accents, case, surrounding spaces and a trailing dot are ignored:
    "Miércoles", "mie.", "WED" -> 2. Raises `ValueError` for anything else.
    """
    key = fold(text).removesuffix(".")
    try:
        return _WEEKDAYS[key]
    except KeyError:
        raise ValueError(f"not a day of the week: {text!r}") from None


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
