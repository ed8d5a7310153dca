"""Translations and Babel formatting in the reader's locale and zone.

Catalogs are the `.po` files beside this module; they are compiled in memory
on first use, so there is no build step and no stale `.mo` file.

Every text a message interpolates (`{name}`, `{title}`, ...) is marked as
people's words (`markup.literal`), so that the bot's own `*bold*` is the only
markup a chat ever formats; see `cohorte.locales.markup`.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from cohorte.locales.markup import literal

CATALOG_DIR = Path(__file__).parent
DOMAIN = "cohorte"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


class MissingCatalogError(RuntimeError):
    """A supported language has no catalog: never fall back to msgids silently."""


def language_of(locale: str | None) -> str:
    """The catalog language for a locale tag: 'es_CO' -> 'es'; unknown -> default."""
    if not locale:
        return DEFAULT_LANGUAGE
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(language: str) -> Path:
    return CATALOG_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> Translations:
    path = catalog_path(language)
    if not path.exists():
        raise MissingCatalogError(f"no catalog for {language!r} at {path}")
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """Strings, dates and times for one reader (locale tag such as 'es' or 'es_CO').

    Chat text by default: interpolated texts are marked as people's words, never
    formatted (`markup.literal`). `markup=False` is for plain-text output that no
    chat renders (the CLI), where nothing is marked.
    """

    def __init__(self, locale: str | None = None, *, markup: bool = True) -> None:
        self.language = language_of(locale)
        self.locale = Locale.parse((locale or self.language).replace("-", "_"))
        if self.locale.language != self.language:
            self.locale = Locale.parse(self.language)
        self.markup = markup
        self._catalog = _translations(self.language)

    def _(self, message: str, /, **params: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**self._literal(params)) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **self._literal(params))

    @property
    def plain(self) -> Translator:
        """This reader's translator for plain text that no chat renders (a picture)."""
        return self if not self.markup else Translator(str(self.locale), markup=False)

    def _literal(self, params: dict[str, object]) -> dict[str, object]:
        """Texts marked as people's words; numbers and dates are the bot's own."""
        if not self.markup:
            return params
        return {k: literal(v) if isinstance(v, str) else v for k, v in params.items()}

    def city(self, zone: str) -> str:
        """The zone's city in this language: 'America/Bogota' -> 'Bogotá'."""
        return str(get_timezone_location(zone, locale=self.locale, return_city=True))

    def country(self, code: str) -> str:
        """'CO' -> 'Colombia' in this language."""
        return str(self.locale.territories.get(code.upper(), code.upper()))

    @staticmethod
    def zoneinfo(zone: str) -> ZoneInfo:
        return ZoneInfo(zone)

    def _own(self, message: str, /, **params: object) -> str:
        """A catalog text filled with the translator's own words (CLDR names, dates):
        nothing in them is people's, so nothing is marked."""
        return self._catalog.gettext(message).format(**params)

    def zone_label(self, zone: str) -> str:
        """'hora de Bogotá'."""
        return self._own(N_("{city} time"), city=self.city(zone))

    def date(self, day: date, *, year: bool = False) -> str:
        """'miércoles, 23 de abril'; with `year`, 'miércoles, 23 de abril de 2025'."""
        if year:
            # Translators: a CLDR date pattern with weekday, day, month and year.
            return format_date(day, self._("EEEE, MMMM d, y"), locale=self.locale)
        # Translators: a CLDR date pattern with weekday, day and month, no year.
        return format_date(day, self._("EEEE, MMMM d"), locale=self.locale)

    def time(self, instant: datetime, zone: str) -> str:
        """'10:00' in the reader's zone, 24-hour clock."""
        return format_datetime(instant, "HH:mm", tzinfo=ZoneInfo(zone), locale=self.locale)

    def day_and_time(self, instant: datetime, zone: str) -> str:
        """'miércoles, 23 de abril · 10:00' in `zone`, for lines under a header that names it."""
        local = instant.astimezone(ZoneInfo(zone))
        return self._own(
            N_("{date} · {time}"), date=self.date(local.date()), time=self.time(instant, zone)
        )

    def when(self, instant: datetime, zone: str, *, year: bool = False) -> str:
        """'miércoles, 23 de abril · 10:00 (hora de Bogotá)'; with `year`, the date says it
        ('miércoles, 23 de abril de 2025 · 10:00 (hora de Bogotá)')."""
        local = instant.astimezone(ZoneInfo(zone))
        return self._own(
            N_("{date} · {time} ({zone})"),
            date=self.date(local.date(), year=year),
            time=self.time(instant, zone),
            zone=self.zone_label(zone),
        )

    def until(self, instant: datetime, now: datetime, zone: str, *, at_time: bool = True) -> str:
        """How long from `now` until `instant`, as people say it, in the reader's `zone`.

        'en 45 minutos' (under an hour: whole minutes, by fives from 5 on), 'en 23
        horas y media' (under a day: to the nearest half hour), 'mañana a las 10:00',
        'el jueves a las 10:00' (within the week, by the reader's calendar), 'en 1
        semana', 'en 10 días'. Without `at_time` (a group, which reads the time per
        city next) only the day is said: 'mañana', 'el jueves'. Babel's
        `format_timedelta` rounds 23.5 hours to "1 day", hence these rules.
        """
        minutes = max(1, int((instant - now) / timedelta(minutes=1)))
        if minutes < 60:
            return self.ngettext(
                "in {n} minute", "in {n} minutes", minutes - minutes % 5 or minutes
            )
        half_hours = (minutes + 15) // 30  # to the nearest half hour, halves up
        if half_hours < 48:
            hours, half = divmod(half_hours, 2)
            if half:
                return self.ngettext("in {n} hour and a half", "in {n} and a half hours", hours)
            return self.ngettext("in {n} hour", "in {n} hours", hours)
        local, today = instant.astimezone(ZoneInfo(zone)), now.astimezone(ZoneInfo(zone)).date()
        days = (local.date() - today).days
        if days >= 7:
            if days % 7 == 0:
                return self.ngettext("in {n} week", "in {n} weeks", days // 7)
            return self.ngettext("in {n} day", "in {n} days", days)
        time = self.time(instant, zone)
        weekday = format_date(local.date(), "EEEE", locale=self.locale)
        if days <= 0:
            return self._own(N_("today at {time}"), time=time) if at_time else self._("today")
        if days == 1:
            return (
                self._own(N_("tomorrow at {time}"), time=time) if at_time else self._("tomorrow")
            )
        if at_time:
            return self._own(N_("on {weekday} at {time}"), weekday=weekday, time=time)
        return self._own(N_("on {weekday}"), weekday=weekday)
