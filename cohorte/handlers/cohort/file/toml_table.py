"""Reading one TOML table of a cohort file: typed values, each checked, and a path
(`teams[2].zone`) for every rejection. Blocks are counted from 1, as a person reading
the file counts them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError

from cohorte.handlers.cohort.file.messages import (
    BAD_TIME,
    BAD_URL,
    BAD_WEEKDAY,
    EMPTY,
    MISSING,
    NONEXISTENT_TIME,
    NOT_BOOLEAN,
    NOT_DATE,
    NOT_DATETIME,
    NOT_INTEGER,
    NOT_INTEGER_LIST,
    NOT_TABLE,
    NOT_TABLE_LIST,
    NOT_TEXT,
    NOT_TEXT_LIST,
    OUT_OF_RANGE,
    TOO_LONG,
    UNKNOWN_COUNTRY,
    UNKNOWN_KEY,
    UNKNOWN_KEY_SUGGESTION,
    UNKNOWN_LOCALE,
    UNKNOWN_ZONE,
    CohortFileError,
)
from cohorte.handlers.lang.dates import parse_clock_time, parse_weekday
from cohorte.handlers.lang.links import is_web_address
from cohorte.locales import LANGUAGES
from cohorte.scheduling.recurrence import wall_clock_problem
from cohorte.storage.materials import MaterialKind
from cohorte.storage.models import EventKind, Platform, Role
from cohorte.storage.series import SeriesKind

URL_CHARS = 500  # the column limit of every link
_LOCALE = re.compile(r"(?P<language>[a-z]{2})(?:[_-](?P<region>[a-z]{2}|[0-9]{3}))?", re.I)
_SHOWN_CHARS = 80


def shown(value: object) -> str:
    """A value as it goes into a message: text as is, cut short if long."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def as_toml(value: object) -> str:
    """A wrongly typed value as it was written, so that the quotes show."""
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + shown(value) + '"'
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return shown(value)


_Choice = TypeVar("_Choice", Platform, Role, EventKind, SeriesKind, MaterialKind)


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


class Table:
    """One TOML table being read, with its path for error messages."""

    def __init__(self, data: Mapping[str, Any], path: str, keys: Collection[str]) -> None:
        self.data = data
        self.path = path
        self.check_keys(keys)

    def check_keys(self, allowed: Collection[str]) -> None:
        """Refuse a key not in `allowed`, suggesting the closest one."""
        for key in self.data:
            if key in allowed:
                continue
            field = self.path_of(shown(key))
            close = difflib.get_close_matches(key, list(allowed), n=1)
            if close:
                raise CohortFileError(UNKNOWN_KEY_SUGGESTION, field=field, suggestion=close[0])
            raise CohortFileError(UNKNOWN_KEY, field=field)

    def path_of(self, key: str) -> str:
        """Where `key` of this table is, as messages name it: `teams[2].zone`."""
        return f"{self.path}.{key}" if self.path else key

    def _value(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise CohortFileError(MISSING, field=self.path_of(key))
        return value

    def _wrong(self, message: str, key: str) -> CohortFileError:
        return CohortFileError(message, field=self.path_of(key), value=as_toml(self.data[key]))

    def table(self, key: str, keys: Collection[str]) -> Table | None:
        """The inner table `key` (checked for unknown keys), or None when absent."""
        value = self._value(key, required=False)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self._wrong(NOT_TABLE, key)
        return Table(value, self.path_of(key), keys)

    def required_table(self, key: str, keys: Collection[str]) -> Table:
        """The inner table `key`, which must be there."""
        table = self.table(key, keys)
        if table is None:
            raise CohortFileError(MISSING, field=self.path_of(key))
        return table

    def blocks(self, key: str, keys: Collection[str]) -> list[Table]:
        """The tables of a `[[key]]` array, each checked for unknown keys."""
        value = self._value(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self._wrong(NOT_TABLE_LIST, key)
        return [
            Table(item, f"{self.path_of(key)}[{number}]", keys)
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
        """Stripped text that must be there and not be blank."""
        value = self.optional_text(key, limit=limit, numbers=numbers)
        if value is None:
            if key in self.data:
                raise CohortFileError(EMPTY, field=self.path_of(key))
            raise CohortFileError(MISSING, field=self.path_of(key))
        return value

    def integer(self, key: str, *, default: int, minimum: int, maximum: int) -> int:
        """A whole number between `minimum` and `maximum`; `default` when absent."""
        value = self._value(key, required=False)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(NOT_INTEGER, key)
        if not minimum <= value <= maximum:
            raise CohortFileError(
                OUT_OF_RANGE,
                field=self.path_of(key),
                value=shown(value),
                minimum=minimum,
                maximum=maximum,
            )
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        """true or false; `default` when absent."""
        value = self._value(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._wrong(NOT_BOOLEAN, key)
        return value

    def strings(self, key: str, *, limit: int | None, example: str) -> tuple[str, ...]:
        """A list of non-blank texts, stripped; empty when absent. `example` is what the
        refusal shows as a right value for this key (`["RDC7", "RDC8"]`)."""
        value = self._value(key, required=False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise CohortFileError(
                NOT_TEXT_LIST,
                field=self.path_of(key),
                value=as_toml(self.data[key]),
                example=example,
            )
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
                    value=shown(item),
                    minimum=minimum,
                    maximum=maximum,
                )
        return tuple(value)

    def date_value(self, key: str) -> date:
        """A TOML date (no time), which must be there."""
        value = self._value(key, required=True)
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self._wrong(NOT_DATE, key)
        return value

    def datetime_value(self, key: str) -> datetime:
        """A TOML date and time, which must be there (with or without an offset)."""
        value = self._value(key, required=True)
        if not isinstance(value, datetime):
            raise self._wrong(NOT_DATETIME, key)
        return value

    def local_datetime(self, key: str, zone_name: str) -> datetime:
        """A wall-clock date and time in `zone_name`, naive.

        An explicit offset names an instant: it is kept, as wall-clock time there.
        A time the clocks skip when they go forward is refused.
        """
        value = self.datetime_value(key)
        zone = ZoneInfo(zone_name)
        if value.tzinfo is not None:
            return value.astimezone(zone).replace(tzinfo=None)
        if not _exists(value, zone):
            raise CohortFileError(
                NONEXISTENT_TIME, field=self.path_of(key), value=value.isoformat(), zone=zone_name
            )
        return value

    def choice(
        self, key: str, kind: type[_Choice], message: str, default: _Choice | None = None
    ) -> _Choice:
        """One of the values of `kind`, in any case; `message` names the wrong ones."""
        if default is not None and key not in self.data:
            return default
        value = self.text(key, limit=None)
        try:
            return kind(value.lower())
        except ValueError:
            raise CohortFileError(message, field=self.path_of(key), value=shown(value)) from None

    def zone(self, key: str) -> str:
        """An IANA zone name that must be there (see `optional_zone`)."""
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
            raise CohortFileError(UNKNOWN_ZONE, field=self.path_of(key), value=shown(value))
        ZoneInfo(zone)  # the zone data must load, not only be listed
        return zone

    def locale(self, key: str) -> str | None:
        """'es', 'en' or a regional form such as 'es_CO' that Babel knows."""
        value = self.optional_text(key, limit=None)
        if value is None:
            return None
        match = _LOCALE.fullmatch(value)
        if match is None or match["language"].lower() not in LANGUAGES:
            raise CohortFileError(UNKNOWN_LOCALE, field=self.path_of(key), value=shown(value))
        locale = match["language"].lower()
        if match["region"]:
            locale += "_" + match["region"].upper()
        try:
            Locale.parse(locale)
        except UnknownLocaleError:
            raise CohortFileError(
                UNKNOWN_LOCALE, field=self.path_of(key), value=shown(value)
            ) from None
        return locale

    def country(self, key: str) -> str:
        """A two-letter country code, upper case: 'co' -> 'CO'."""
        value = self.text(key, limit=None)
        code = value.upper()
        if not (len(code) == 2 and code.isascii() and code.isalpha()) or (
            code not in Locale("en").territories
        ):
            raise CohortFileError(UNKNOWN_COUNTRY, field=self.path_of(key), value=shown(value))
        return code

    def url(self, key: str) -> str | None:
        """A web address (http or https), or None when absent."""
        value = self.optional_text(key, limit=URL_CHARS)
        if value is not None and not is_web_address(value):
            raise CohortFileError(BAD_URL, field=self.path_of(key), value=shown(value))
        return value

    def weekday(self, key: str) -> int:
        """A day of the week in words (see `parse_weekday`), Monday = 0."""
        value = self.text(key, limit=None)
        try:
            return parse_weekday(value)
        except ValueError:
            raise CohortFileError(
                BAD_WEEKDAY, field=self.path_of(key), value=shown(value)
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
            raise CohortFileError(BAD_TIME, field=self.path_of(key), value=shown(text)) from None


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times skipped when the clocks go forward."""
    return wall_clock_problem(local.date(), local.time(), zone.key) != "gap"
