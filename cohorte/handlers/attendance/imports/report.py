"""A meeting tool's participant report read into people and minutes: Zoom or Google Meet.

The layouts, as the tools export them (English and Spanish interfaces):

- **Zoom** (Reports > Usage > Participants > Export), optionally after a
  meeting-summary block (`Meeting ID,Topic,Start Time,...` and one row): a header
  `Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest`
  (Spanish: `Nombre (nombre original),Correo electrónico del usuario,Hora de
  ingreso,Hora de salida,Duración (minutos),Invitado`), one row per connection:
  a person who dropped out and came back has several rows. Times look like
  `11/19/2021 10:07:44 AM` (US) or `19/11/2021 10:07:44` (day first); some
  exports put the summary and the participant columns in one row, with two
  `User Email` columns (the participant's is the one after the name).
- **Google Meet** (the attendance report of attendance tracking, downloaded as
  CSV): `First name,Last name,Email,Duration,Time joined,Time exited` (Spanish:
  `Nombre,Apellidos,Correo electrónico,Duración,Hora de entrada,Hora de salida`),
  one row per person, with durations such as `1 hr 4 min` and times of day.

Whatever the file, reading it never raises anything but `ReportError` (a
`CohortError` that says, in Spanish for the reader, what was expected):
bytes are decoded (UTF-8 with or without BOM, UTF-16 as Zoom's "Unicode text"
saves it, else Windows-1252), the delimiter is found (`,` `;` or tab), and the
size and the number of rows are limited before anything is kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.emails import email_address
from cohorte.handlers.lang.names import name_key
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_, Translator
from cohorte.storage.attendance import AttendanceSource

MAX_REPORT_BYTES = 1024 * 1024  # a participant report of a few hundred people is ~50 kB
MAX_REPORT_ROWS = 5000
MAX_NAME = 200
# The header is looked for in the first lines (after Zoom's meeting summary).
_HEADER_SEARCH_ROWS = 30
_DELIMITERS = (",", ";", "\t")

EXPECTED = N_(
    "I expected the participant report of Zoom (columns \u201cName (Original Name)\u201d, "
    "\u201cUser Email\u201d, \u201cJoin Time\u201d, \u201cLeave Time\u201d, \u201cDuration "
    "(Minutes)\u201d) or the attendance report of Google Meet (\u201cFirst name\u201d, "
    "\u201cLast name\u201d, \u201cEmail\u201d, \u201cDuration\u201d, \u201cTime joined\u201d, "
    "\u201cTime exited\u201d), saved as CSV."
)


class ReportError(CohortError):
    """A file that is not a participant report we can read; says what was expected."""

    message = N_("I could not find the columns of a participant report in that file.")

    def render(self, t: Translator) -> str:
        """What is wrong with the file, then what was expected."""
        return f"{super().render(t)}\n{t._(EXPECTED)}"


@dataclass(frozen=True)
class Participant:
    """One person in the report, their connections put together."""

    name: str
    email: str | None
    minutes: int


@dataclass(frozen=True)
class Report:
    """What a participant report says: which tool, who was there and how long."""

    source: AttendanceSource
    participants: tuple[Participant, ...]


# -- the columns ----------------------------------------------------------------------------


def _header(text: str) -> str:
    return " ".join(fold(text).replace("\ufeff", "").split())


_ZOOM_NAME = {
    "name (original name)",
    "user name (original name)",
    "nombre (nombre original)",
    "nombre de usuario (nombre original)",
}
_ZOOM_COLUMNS = {
    "email": {"user email", "email", "correo electronico del usuario", "correo electronico"},
    "join": {"join time", "hora de ingreso", "hora de entrada", "hora de union"},
    "leave": {"leave time", "hora de salida"},
    "duration": {"duration (minutes)", "duracion (minutos)"},
}
_MEET_FIRST = {"first name", "nombre"}
_MEET_LAST = {"last name", "apellidos", "apellido"}
_MEET_COLUMNS = {
    "email": {"email", "correo electronico", "correo"},
    "join": {"time joined", "hora de entrada", "hora de ingreso"},
    "leave": {"time exited", "hora de salida"},
    "duration": {"duration", "duracion"},
}


@dataclass(frozen=True)
class _Layout:
    source: AttendanceSource
    header_row: int
    name: int
    last_name: int | None
    columns: dict[str, int] = field(default_factory=dict)


def _layout(rows: Sequence[Sequence[str]]) -> _Layout | None:
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = [_header(cell) for cell in row]
        zoom = next((i for i, cell in enumerate(cells) if cell in _ZOOM_NAME), None)
        if zoom is not None:
            return _Layout(
                AttendanceSource.ZOOM, index, zoom, None, _find(cells, zoom, _ZOOM_COLUMNS)
            )
        first = next((i for i, cell in enumerate(cells) if cell in _MEET_FIRST), None)
        last = next((i for i, cell in enumerate(cells) if cell in _MEET_LAST), None)
        if first is not None and last is not None:
            columns = _find(cells, 0, _MEET_COLUMNS)
            return _Layout(AttendanceSource.MEET, index, first, last, columns)
    return None


def _find(cells: list[str], start: int, wanted: dict[str, set[str]]) -> dict[str, int]:
    """Each wanted column's index, the first at or after `start` (Zoom's one-row exports
    have the host's `User Email` before the participant's name)."""
    found: dict[str, int] = {}
    for key, names in wanted.items():
        after = [i for i, cell in enumerate(cells) if cell in names and i >= start]
        anywhere = [i for i, cell in enumerate(cells) if cell in names]
        if after or anywhere:
            found[key] = (after or anywhere)[0]
    return found


# -- bytes to rows -----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a report: by its byte-order mark, else UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-le", errors="replace")  # UTF-16 without a mark
    elif len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-be", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ReportError(N_("That file is not a text file (a CSV is text)."))
    return text


def _rows(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    for row in reader:
        if len(rows) > MAX_REPORT_ROWS + _HEADER_SEARCH_ROWS:
            raise ReportError(
                N_("The report has more than {limit} rows; I read reports of up to {limit}."),
                limit=MAX_REPORT_ROWS,
            )
        if any(cell.strip() for cell in row):
            rows.append(row)
    return rows


def read_report(data: bytes) -> Report:
    """The participants of a Zoom or Meet report (`ReportError` if it is not one)."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(
            N_("The file is too big ({size} kB). I read reports of up to {limit} kB."),
            size=math.ceil(len(data) / 1024),
            limit=MAX_REPORT_BYTES // 1024,
        )
    text = decode(data)
    for delimiter in _DELIMITERS:
        try:
            rows = _rows(text, delimiter)
        except csv.Error:
            continue  # a field over csv's size limit, a NUL: try the next delimiter
        layout = _layout(rows)
        if layout is not None:
            return Report(layout.source, tuple(_participants(rows, layout)))
    raise ReportError()


# -- rows to participants ----------------------------------------------------------------------


@dataclass
class _Person:
    name: str
    email: str | None
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)
    listed_minutes: int = 0
    untimed: bool = False


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return " ".join(row[index].replace("\ufeff", "").split())


def _participants(rows: list[list[str]], layout: _Layout) -> Iterable[Participant]:
    people: dict[str, _Person] = {}
    columns = layout.columns
    for row in rows[layout.header_row + 1 :]:
        name = _cell(row, layout.name)
        if layout.last_name is not None:
            name = " ".join(part for part in (name, _cell(row, layout.last_name)) if part)
        email = email_address(_cell(row, columns.get("email")))
        name = name[:MAX_NAME]
        if not name and email is None:
            continue
        key = email or f"name:{name_key(name)}"
        person = people.setdefault(key, _Person(name or (email or ""), email))
        span = _span(_cell(row, columns.get("join")), _cell(row, columns.get("leave")))
        listed = duration_minutes(_cell(row, columns.get("duration")))
        if span is not None:
            person.spans.append(span)
        else:
            person.untimed = True
        person.listed_minutes += listed or 0
    for person in people.values():
        yield Participant(person.name, person.email, _minutes(person))


def _minutes(person: _Person) -> int:
    """Time in the meeting: connections merged where they overlap (two devices, a rejoin
    before the old connection timed out); the listed durations where times are missing."""
    if person.untimed or not person.spans:
        return person.listed_minutes
    total = timedelta()
    spans = sorted(person.spans)
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:
            end = max(end, next_end)
        else:
            total += end - start
            start, end = next_start, next_end
    total += end - start
    return math.ceil(total.total_seconds() / 60)


# -- times and durations -----------------------------------------------------------------------

_MERIDIEM = re.compile(r"\s*([ap])\.?\s*m\.?$", re.IGNORECASE)
_CLOCK_PART = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
_YEAR_FIRST = re.compile(rf"^(\d{{4}})[-/](\d{{1,2}})[-/](\d{{1,2}})[ T]{_CLOCK_PART}$")
_YEAR_LAST = re.compile(rf"^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{2}}|\d{{4}}),? {_CLOCK_PART}$")
_TIME_ONLY = re.compile(rf"^{_CLOCK_PART}$")
_DAY = date(2000, 1, 1)  # the day of a report that gives only times of day


@lru_cache(maxsize=4096)  # a report repeats its instants (everyone leaves at the end)
def parse_moment(text: str) -> datetime | None:
    """A join or leave time as the tools write it (naive: the report's own clock), or None.

    `11/19/2021 9:54:15 AM` (US: month first with AM/PM), `19/11/2021 21:54` (day
    first without), `2025-05-06 10:00:00`, ISO with an offset (read as UTC), `10:02 AM`.
    A day over 12 settles the order either way.
    """
    text = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    if not text or len(text) > 40:
        return None
    meridiem = _MERIDIEM.search(text)
    if meridiem is not None:
        text = text[: meridiem.start()].strip()
    try:
        moment = _moment(text, month_first=meridiem is not None)
    except ValueError:  # 31/02, 25:00
        return None
    if moment is None:
        return None
    if meridiem is not None:
        if not 1 <= moment.hour <= 12:
            return None  # "13:00 PM" is no time
        pm = meridiem.group(1).lower() == "p"
        moment = moment.replace(hour=moment.hour % 12 + (12 if pm else 0))
    return moment


def _moment(text: str, *, month_first: bool) -> datetime | None:
    if found := _YEAR_FIRST.match(text):
        year, month, day, hour, minute, second = found.groups()
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))  # noqa: DTZ001
    if found := _YEAR_LAST.match(text):
        first, other, year, hour, minute, second = found.groups()
        month, day = (int(first), int(other)) if month_first else (int(other), int(first))
        if month > 12 >= day:
            month, day = day, month
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        return datetime(full_year, month, day, int(hour), int(minute), int(second or 0))  # noqa: DTZ001
    if found := _TIME_ONLY.match(text):
        hour, minute, second = found.groups()
        return datetime.combine(_DAY, time(int(hour), int(minute), int(second or 0)))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A zone given: compared in UTC, so that every row of the report agrees.
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _span(joined: str, left: str) -> tuple[datetime, datetime] | None:
    start, end = parse_moment(joined), parse_moment(left)
    if start is None or end is None:
        return None
    if end < start and end.date() == start.date() == _DAY:
        end += timedelta(days=1)  # times of day only, across midnight
    if end < start or end - start > timedelta(hours=24):
        return None
    return start, end


_DURATION_PART = re.compile(
    r"(\d{1,5})\s*(h|hr|hrs|hora|horas|hour|hours|m|min|mins|minuto|minutos|minute|minutes|"
    r"s|sec|secs|seg|segundo|segundos|second|seconds)\b\.?",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def duration_minutes(text: str) -> int | None:
    """'57' (Zoom), '1 hr 4 min' or '58 min' (Meet), '1:04:00' -> minutes (seconds rounded
    up, as Zoom does); None if it is none of these."""
    text = text.strip()
    if text.isascii() and text.isdecimal() and len(text) <= 5:  # Zoom's minutes: most rows
        return int(text)
    text = fold(text)
    if not text:
        return None
    if text.isdecimal() and len(text) <= 5:
        return int(text)
    clock = _CLOCK.match(text)
    if clock is not None:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return math.ceil((hours * 3600 + minutes * 60 + seconds) / 60)
    seconds = 0
    found = False
    for number, unit in _DURATION_PART.findall(text):
        found = True
        unit = unit.lower()
        if unit.startswith("h"):
            seconds += int(number) * 3600
        elif unit.startswith("m"):
            seconds += int(number) * 60
        else:
            seconds += int(number)
    return math.ceil(seconds / 60) if found else None
