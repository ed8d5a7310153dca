"""Translations and Babel formatting in the reader's locale and zone.

Catalogs are the `.po` files beside this module; they are compiled in memory
on first use, so there is no build step and no stale `.mo` file.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

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
    """Strings, dates and times for one reader (locale tag such as 'es' or 'es_CO')."""

    def __init__(self, locale: str | None = None) -> None:
        self.language = language_of(locale)
        self.locale = Locale.parse((locale or self.language).replace("-", "_"))
        if self.locale.language != self.language:
            self.locale = Locale.parse(self.language)
        self._catalog = _translations(self.language)

    def _(self, message: str, /, **params: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def city(self, zone: str) -> str:
        """The zone's city in this language: 'America/Bogota' -> 'Bogotá'."""
        return str(get_timezone_location(zone, locale=self.locale, return_city=True))

    def country(self, code: str) -> str:
        """'CO' -> 'Colombia' in this language."""
        return str(self.locale.territories.get(code.upper(), code.upper()))

    @staticmethod
    def zoneinfo(zone: str) -> ZoneInfo:
        return ZoneInfo(zone)

    def zone_label(self, zone: str) -> str:
        """'hora de Bogotá'."""
        return self._("{city} time", city=self.city(zone))

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

    def when(self, instant: datetime, zone: str, *, year: bool = False) -> str:
        """'miércoles, 23 de abril · 10:00 (hora de Bogotá)'; with `year`, the date says it
        ('miércoles, 23 de abril de 2025 · 10:00 (hora de Bogotá)')."""
        local = instant.astimezone(ZoneInfo(zone))
        return self._(
            "{date} · {time} ({zone})",
            date=self.date(local.date(), year=year),
            time=self.time(instant, zone),
            zone=self.zone_label(zone),
        )
