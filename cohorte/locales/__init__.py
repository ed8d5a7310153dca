"""Translations and Babel formatting in the reader's locale and zone.

Catalogs are the `.po` files beside this module; they are compiled in memory
on first use, so there is no build step and no stale `.mo` file.

Every text a message interpolates (`{name}`, `{title}`, ...) is marked as
people's words (`markup.literal`), so that the bot's own `*bold*` is the only
markup a chat ever formats; see `cohorte.locales.markup`.
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

    def date(self, day: date) -> str:
        """'miércoles, 23 de abril'."""
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

    def when(self, instant: datetime, zone: str) -> str:
        """'miércoles, 23 de abril · 10:00 (hora de Bogotá)'."""
        local = instant.astimezone(ZoneInfo(zone))
        return self._own(
            N_("{date} · {time} ({zone})"),
            date=self.date(local.date()),
            time=self.time(instant, zone),
            zone=self.zone_label(zone),
        )
