"""Time zones people can pick by typing a city or a country, in Spanish or English.

Participants are not technical: "Bogotá", "CDMX", "Chile" or "EE. UU." must be
enough. Names come from CLDR through Babel (exemplar cities and country names,
in Spanish and English), from the IANA ids themselves, and from a small curated
table of Latin-American and Spanish cities that CLDR does not name. Zones are
checked against the standard ``zoneinfo`` database.

Every index is built lazily on first use and cached for the life of the process.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import get_timezone_location

from cohorte.handlers.lang.text import fold

__all__ = [
    "CITY_ALIASES",
    "LATAM_COUNTRIES",
    "MAX_RESULTS",
    "ZoneMatch",
    "canonical_zone",
    "country_code",
    "country_of_zone",
    "country_zones",
    "is_valid_zone",
    "search_places",
    "search_zones",
    "zone_choices_for",
]

LATAM_COUNTRIES: tuple[str, ...] = (
    "MX", "GT", "SV", "HN", "NI", "CR", "PA", "CU", "DO", "PR",
    "CO", "VE", "EC", "PE", "BO", "CL", "AR", "PY", "UY", "BR",
    "ES", "US",
)  # fmt: skip
"""Countries offered as buttons before anyone has typed anything: Latin America
north to south, then Spain and the United States."""

MAX_RESULTS = 8
"""Most ids :func:`search_zones` returns."""

_MAX_INPUT = 100
_MIN_PREFIX = 3

# Files the system tz database ships that are not time zones anyone lives in.
_JUNK_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_JUNK_PREFIXES = ("posix/", "right/")

# CLDR puts the Etc/* zones in "ZZ" (unknown region) and a few odd ones in
# "001" (world); neither is a country.
_NOT_COUNTRIES = frozenset({"ZZ", "001"})

# Only ids of this shape are legacy names worth indexing by their last part
# ("Asia/Calcutta" -> "Calcutta"); "US/Eastern" or "Australia/North" are not
# city names.
_CITY_AREAS = ("Africa/", "America/", "Asia/", "Atlantic/", "Europe/", "Indian/", "Pacific/")

# The zone most people of a country mean: the capital's or the most populous.
_MAIN_ZONE: Mapping[str, str] = MappingProxyType(
    {
        "AR": "America/Argentina/Buenos_Aires",
        "AU": "Australia/Sydney",
        "BR": "America/Sao_Paulo",
        "CA": "America/Toronto",
        "CD": "Africa/Kinshasa",
        "CL": "America/Santiago",
        "CN": "Asia/Shanghai",
        "CO": "America/Bogota",
        "CY": "Asia/Nicosia",
        "DE": "Europe/Berlin",
        "EC": "America/Guayaquil",
        "ES": "Europe/Madrid",
        "FM": "Pacific/Pohnpei",
        "GL": "America/Nuuk",
        "ID": "Asia/Jakarta",
        "KI": "Pacific/Tarawa",
        "KZ": "Asia/Almaty",
        "MH": "Pacific/Majuro",
        "MN": "Asia/Ulaanbaatar",
        "MX": "America/Mexico_City",
        "MY": "Asia/Kuala_Lumpur",
        "NZ": "Pacific/Auckland",
        "PF": "Pacific/Tahiti",
        "PE": "America/Lima",
        "PG": "Pacific/Port_Moresby",
        "PT": "Europe/Lisbon",
        "RU": "Europe/Moscow",
        "UA": "Europe/Kyiv",
        "US": "America/New_York",
        "UZ": "Asia/Tashkent",
    }
)

# For countries with many zones, the ones to show right after the main zone:
# the other big cities and the other offsets, rather than CLDR's order (which
# puts America/Adak or America/Indiana/Marengo near the top for the US).
_NEXT_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "US": (
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
        ),
        "MX": (
            "America/Cancun",
            "America/Monterrey",
            "America/Merida",
            "America/Hermosillo",
            "America/Mazatlan",
            "America/Tijuana",
            "America/Chihuahua",
        ),
        "BR": (
            "America/Manaus",
            "America/Rio_Branco",
            "America/Noronha",
            "America/Fortaleza",
            "America/Recife",
            "America/Bahia",
            "America/Belem",
        ),
        "CA": (
            "America/Vancouver",
            "America/Edmonton",
            "America/Winnipeg",
            "America/Halifax",
            "America/St_Johns",
            "America/Regina",
        ),
        "AR": ("America/Argentina/Cordoba", "America/Argentina/Mendoza"),
        "CL": ("America/Punta_Arenas", "Pacific/Easter"),
        "ES": ("Atlantic/Canary",),
    }
)

_MX = "America/Mexico_City"
_BOG = "America/Bogota"
_SCL = "America/Santiago"
_BUE = "America/Argentina/Buenos_Aires"
_COR = "America/Argentina/Cordoba"
_LPB = "America/La_Paz"
_LIM = "America/Lima"
_CCS = "America/Caracas"
_MAD = "Europe/Madrid"
_SAO = "America/Sao_Paulo"
_NYC = "America/New_York"
_CHI = "America/Chicago"
_LAX = "America/Los_Angeles"

CITY_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # México
        "CDMX": (_MX,),
        "DF": (_MX,),
        "México DF": (_MX,),
        "Ciudad de México": (_MX,),
        "Guadalajara": (_MX, _MAD),
        "Monterrey": ("America/Monterrey",),
        "Saltillo": ("America/Monterrey",),
        "Puebla": (_MX,),
        "Querétaro": (_MX,),
        "Santiago de Querétaro": (_MX,),
        "León": (_MX, "America/Managua", _MAD),
        "Toluca": (_MX,),
        "Morelia": (_MX,),
        "Oaxaca": (_MX,),
        "Veracruz": (_MX,),
        "Xalapa": (_MX,),
        "Acapulco": (_MX,),
        "Puerto Vallarta": (_MX,),
        "Aguascalientes": (_MX,),
        "San Luis Potosí": (_MX,),
        "Mérida": ("America/Merida", _CCS, _MAD),
        "Cancún": ("America/Cancun",),
        "Mexicali": ("America/Tijuana",),
        "Culiacán": ("America/Mazatlan",),
        # Colombia
        "Bogotá D.C.": (_BOG,),
        "Medellín": (_BOG,),
        "Cali": (_BOG,),
        "Barranquilla": (_BOG,),
        "Cartagena": (_BOG, _MAD),
        "Cartagena de Indias": (_BOG,),
        "Bucaramanga": (_BOG,),
        "Pereira": (_BOG,),
        "Manizales": (_BOG,),
        "Cúcuta": (_BOG,),
        "Santa Marta": (_BOG,),
        "Ibagué": (_BOG,),
        "Pasto": (_BOG,),
        "Villavicencio": (_BOG,),
        # Ecuador
        "Quito": ("America/Guayaquil",),
        "Cuenca": ("America/Guayaquil", _MAD),
        "Manta": ("America/Guayaquil",),
        "Loja": ("America/Guayaquil",),
        # Perú
        "Arequipa": (_LIM,),
        "Cusco": (_LIM,),
        "Cuzco": (_LIM,),
        "Trujillo": (_LIM,),
        "Chiclayo": (_LIM,),
        "Piura": (_LIM,),
        "Iquitos": (_LIM,),
        "Callao": (_LIM,),
        # Bolivia
        "La Paz": (_LPB, "America/Mazatlan"),
        "El Alto": (_LPB,),
        "Santa Cruz": (_LPB, "Atlantic/Canary"),
        "Santa Cruz de la Sierra": (_LPB,),
        "Cochabamba": (_LPB,),
        "Sucre": (_LPB,),
        "Oruro": (_LPB,),
        "Potosí": (_LPB,),
        "Tarija": (_LPB,),
        # Chile
        "Santiago de Chile": (_SCL,),
        "Valparaíso": (_SCL,),
        "Viña del Mar": (_SCL,),
        "Concepción": (_SCL, "America/Asuncion"),
        "Antofagasta": (_SCL,),
        "Temuco": (_SCL,),
        "La Serena": (_SCL,),
        "Rancagua": (_SCL,),
        "Talca": (_SCL,),
        "Arica": (_SCL,),
        "Iquique": (_SCL,),
        "Puerto Montt": (_SCL,),
        "Valdivia": (_SCL,),
        # Argentina
        "CABA": (_BUE,),
        "Capital Federal": (_BUE,),
        "La Plata": (_BUE,),
        "Mar del Plata": (_BUE,),
        "Bahía Blanca": (_BUE,),
        "Rosario": (_COR,),
        "Santa Fe": (_COR,),
        "Córdoba": (_COR, _MAD),
        "Mendoza": ("America/Argentina/Mendoza",),
        "San Miguel de Tucumán": ("America/Argentina/Tucuman",),
        # Paraguay, Uruguay
        "Asunción": ("America/Asuncion",),
        "Ciudad del Este": ("America/Asuncion",),
        "Encarnación": ("America/Asuncion",),
        "Montevideo": ("America/Montevideo",),
        "Punta del Este": ("America/Montevideo",),
        # Centroamérica y el Caribe
        "San José": ("America/Costa_Rica", _LAX),
        "San José de Costa Rica": ("America/Costa_Rica",),
        "Alajuela": ("America/Costa_Rica",),
        "Heredia": ("America/Costa_Rica",),
        "Panamá": ("America/Panama",),
        "Ciudad de Panamá": ("America/Panama",),
        "Santo Domingo": ("America/Santo_Domingo",),
        "Santiago de los Caballeros": ("America/Santo_Domingo",),
        "Punta Cana": ("America/Santo_Domingo",),
        "San Juan": ("America/Puerto_Rico",),
        "Ponce": ("America/Puerto_Rico",),
        "Bayamón": ("America/Puerto_Rico",),
        "San Salvador": ("America/El_Salvador",),
        "Tegucigalpa": ("America/Tegucigalpa",),
        "San Pedro Sula": ("America/Tegucigalpa",),
        "Managua": ("America/Managua",),
        "Guatemala": ("America/Guatemala",),
        "Ciudad de Guatemala": ("America/Guatemala",),
        "Quetzaltenango": ("America/Guatemala",),
        "La Habana": ("America/Havana",),
        "Habana": ("America/Havana",),
        "Santiago de Cuba": ("America/Havana",),
        # Venezuela
        "Caracas": (_CCS,),
        "Maracaibo": (_CCS,),
        "Valencia": (_MAD, _CCS),
        "Barquisimeto": (_CCS,),
        "Maracay": (_CCS,),
        # España
        "Madrid": (_MAD,),
        "Barcelona": (_MAD, _CCS),
        "Sevilla": (_MAD,),
        "Seville": (_MAD,),
        "Bilbao": (_MAD,),
        "Zaragoza": (_MAD,),
        "Málaga": (_MAD,),
        "Granada": (_MAD, "America/Managua"),
        "Palma de Mallorca": (_MAD,),
        "Santiago de Compostela": (_MAD,),
        "Las Palmas de Gran Canaria": ("Atlantic/Canary",),
        "Tenerife": ("Atlantic/Canary",),
        "Santa Cruz de Tenerife": ("Atlantic/Canary",),
        # Brasil
        "São Paulo": (_SAO,),
        "Río": (_SAO,),
        "Río de Janeiro": (_SAO,),
        "Rio de Janeiro": (_SAO,),
        "Brasilia": (_SAO,),
        "Belo Horizonte": (_SAO,),
        "Curitiba": (_SAO,),
        "Porto Alegre": (_SAO,),
        "Florianópolis": (_SAO,),
        "Salvador de Bahía": ("America/Bahia",),
        # Estados Unidos
        "Washington": (_NYC,),
        "Washington D.C.": (_NYC,),
        "Nueva York": (_NYC,),
        "NYC": (_NYC,),
        "Miami": (_NYC,),
        "Boston": (_NYC,),
        "Atlanta": (_NYC,),
        "Orlando": (_NYC,),
        "Houston": (_CHI,),
        "Dallas": (_CHI,),
        "San Antonio": (_CHI,),
        "Austin": (_CHI,),
        "Los Ángeles": (_LAX,),
        "San Francisco": (_LAX,),
        "San Diego": (_LAX,),
        "Seattle": (_LAX,),
    }
)
"""Cities people type that are not CLDR exemplar cities, and the zones they mean.

When a name is ambiguous the zones are listed most likely first for this
programme (Córdoba in Argentina before Córdoba in Spain).
"""

# Country names people use besides CLDR's ("Estados Unidos", "United States").
# Country names people use besides CLDR's own ("Estados Unidos", "United States",
# "México", "Perú" already come from CLDR in both languages).
_COUNTRY_SHORT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "EEUU": "US",
        "EE. UU.": "US",
        "EUA": "US",
        "USA": "US",
        "US": "US",
        "Estados Unidos de América": "US",
        "United States of America": "US",
        "Méjico": "MX",
        "Rep. Dominicana": "DO",
        "Dominicana": "DO",
        "RD": "DO",
        "Inglaterra": "GB",
        "England": "GB",
        "UK": "GB",
    }
)

_DROPPED_MARKS = re.compile(r"[.'’`´]")
_NON_WORD = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Matching form of a name: folded, punctuation gone ('EE. UU.' -> 'ee uu')."""
    without_marks = _DROPPED_MARKS.sub("", fold(text))
    return _NON_WORD.sub(" ", without_marks).strip()


@functools.cache
def _valid_zones() -> frozenset[str]:
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _JUNK_ZONES and not name.startswith(_JUNK_PREFIXES)
    )


def is_valid_zone(name: str) -> bool:
    """True if ``name`` is an IANA zone id known to zoneinfo, spelled exactly.

    Files of the tz database that are not zones ("localtime", "Factory") are
    not valid. Use :func:`canonical_zone` for forgiving spelling.
    """
    return name in _valid_zones()


@functools.cache
def _zone_lookup() -> Mapping[str, str]:
    """Case-folded zone id -> canonical id, for valid zones and Babel's aliases."""
    aliases = get_global("zone_aliases")
    valid = _valid_zones()
    lookup: dict[str, str] = {}
    for name in valid:
        target = aliases.get(name, name)
        lookup[name.casefold()] = target if target in valid else name
    # Aliases the installed tz database may have dropped still point somewhere real.
    for alias, target in aliases.items():
        if target in valid:
            lookup.setdefault(alias.casefold(), target)
    return MappingProxyType(lookup)


def canonical_zone(name: str) -> str | None:
    """The canonical IANA id for ``name``, ignoring case; None if unknown.

    Legacy ids become their current name through CLDR's alias data
    ("America/Buenos_Aires" -> "America/Argentina/Buenos_Aires").
    """
    return _zone_lookup().get(name.strip().casefold())


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES


@functools.cache
def _country_zone_table() -> Mapping[str, tuple[str, ...]]:
    valid = _valid_zones()
    table: dict[str, tuple[str, ...]] = {}
    for code, zones in get_global("territory_zones").items():
        if not _is_country(code):
            continue
        known = [zone for zone in zones if zone in valid]
        preferred = [_MAIN_ZONE.get(code, ""), *_NEXT_ZONES.get(code, ())]
        ordered = [zone for zone in preferred if zone in known]
        ordered += [zone for zone in known if zone not in ordered]
        if ordered:
            table[code] = tuple(ordered)
    return MappingProxyType(table)


def country_zones(country_code: str) -> list[str]:
    """The zones of a country (ISO code, any case), its main zone first.

    Unknown codes, and regions that are not countries, give an empty list.
    """
    return list(_country_zone_table().get(country_code.strip().upper(), ()))


def country_of_zone(zone: str) -> str | None:
    """The ISO country code of a zone id (legacy ids too), or None.

    Zones that belong to no country (Etc/UTC, EST5EDT) give None.
    """
    canonical = canonical_zone(zone)
    if canonical is None:
        return None
    territory = get_global("zone_territories").get(canonical)
    if isinstance(territory, str) and _is_country(territory):
        return territory
    return None


def country_code(text: str, language: str = "es") -> str | None:
    """The ISO code of the country `text` names: its code in any case ("co"), or its
    name in Spanish, English or `language` ("Colombia", "Perú", "EE. UU."); None if it
    names no country with zones, or several."""
    stripped = text.strip()
    if _is_country(stripped.upper()) and stripped.upper() in _country_zone_table():
        return stripped.upper()
    key = _key(stripped)
    if not key or len(stripped) > _MAX_INPUT:
        return None
    found: set[str] = set()
    for index in (_short_country_names(), *map(_country_names, _locales_for(language))):
        found.update(index.get(key, ()))
    return found.pop() if len(found) == 1 else None


def zone_choices_for(country_codes: list[str]) -> list[str]:
    """The main zone of each country given, in order, without repeats."""
    choices: list[str] = []
    for code in country_codes:
        zones = country_zones(code)
        if zones and zones[0] not in choices:
            choices.append(zones[0])
    return choices


@dataclass(frozen=True)
class _Name:
    """One name people may type, and the zones it stands for."""

    key: str
    zones: tuple[str, ...]
    latam: bool
    shown: str  # the name as written ('Santiago de Cuba'), to say what matched


@dataclass(frozen=True)
class ZoneMatch:
    """A zone found for what someone typed, and the place name that found it.

    `place` is the city (or other name) that matched when it is a place of its
    own ("Santiago de Cuba" for America/Havana, "Guadalajara" for Europe/Madrid);
    None when the zone was found by its country or its IANA id.
    """

    zone: str
    place: str | None = None


# The first spelling seen of each key ('ciudad de mexico' -> 'Ciudad de México'):
# the curated table first, then CLDR in Spanish and English.
_SHOWN: dict[str, str] = {}


def _add(index: dict[str, list[str]], name: str, zones: Iterable[str]) -> None:
    key = _key(name)
    if not key:
        return
    _SHOWN.setdefault(key, name.strip())
    known = index.setdefault(key, [])
    known.extend(zone for zone in zones if zone not in known)


def _freeze(index: dict[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(zones) for key, zones in index.items() if zones})


@functools.cache
def _city_zones_of_countries() -> tuple[str, ...]:
    """Zones that stand for a place in a country (no Etc/*, no EST5EDT)."""
    return tuple(zone for zones in _country_zone_table().values() for zone in zones)


@functools.cache
def _exemplar_cities(locale_id: str) -> Mapping[str, tuple[str, ...]]:
    """CLDR's exemplar city names in one locale: 'bogota' -> America/Bogota."""
    index: dict[str, list[str]] = {}
    for zone in _city_zones_of_countries():
        try:
            city = get_timezone_location(zone, locale=locale_id, return_city=True)
        except LookupError:
            continue
        _add(index, city, (zone,))
    return _freeze(index)


@functools.cache
def _id_cities() -> Mapping[str, tuple[str, ...]]:
    """Last part of each id as a city ('Mexico_City' -> 'mexico city'), legacy ids too."""
    index: dict[str, list[str]] = {}
    for zone in _city_zones_of_countries():
        _add(index, zone.rsplit("/", 1)[-1], (zone,))
    valid = _valid_zones()
    for alias, target in get_global("zone_aliases").items():
        if alias.startswith(_CITY_AREAS) and target in valid:
            _add(index, alias.rsplit("/", 1)[-1], (target,))
    return _freeze(index)


@functools.cache
def _curated_cities() -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    valid = _valid_zones()
    for name, zones in CITY_ALIASES.items():
        _add(index, name, (zone for zone in zones if zone in valid))
    return _freeze(index)


@functools.cache
def _country_names(locale_id: str) -> Mapping[str, tuple[str, ...]]:
    """Country names in one locale -> country codes, plus the part before and
    inside parentheses ('Myanmar (Birmania)' -> 'myanmar', 'birmania')."""
    territories = Locale.parse(locale_id).territories
    index: dict[str, list[str]] = {}
    for code in _country_zone_table():
        name = territories.get(code)
        if not isinstance(name, str):
            continue
        _add(index, name, (code,))
        if "(" in name:
            base, _, inside = name.partition("(")
            _add(index, base, (code,))
            _add(index, inside.rstrip(")"), (code,))
    return _freeze(index)


@functools.cache
def _short_country_names() -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name, code in _COUNTRY_SHORT_NAMES.items():
        _add(index, name, (code,))
    return _freeze(index)


@functools.lru_cache(maxsize=32)
def _locales_for(language: str) -> tuple[str, ...]:
    """Spanish and English always; the caller's language too when Babel knows it."""
    locales = ["es", "en"]
    try:
        extra = str(Locale.parse(language.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return tuple(locales)
    if extra not in locales:
        locales.append(extra)
    return tuple(locales)


def _merged(maps: Iterable[Mapping[str, tuple[str, ...]]]) -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for mapping in maps:
        for key, zones in mapping.items():
            known = index.setdefault(key, [])
            known.extend(zone for zone in zones if zone not in known)
    return _freeze(index)


@dataclass(frozen=True)
class _Index:
    cities: Mapping[str, tuple[str, ...]]
    countries: Mapping[str, tuple[str, ...]]
    names: tuple[_Name, ...]


def _country_zone_tuple(codes: Iterable[str]) -> tuple[str, ...]:
    table = _country_zone_table()
    seen: list[str] = []
    for code in codes:
        seen.extend(zone for zone in table.get(code, ()) if zone not in seen)
    return tuple(seen)


@functools.cache
def _index(locales: tuple[str, ...]) -> _Index:
    _curated_cities()  # its spellings are the ones shown
    cities = _merged([*(_exemplar_cities(loc) for loc in locales), _id_cities()])
    countries = _merged([*(_country_names(loc) for loc in locales), _short_country_names()])
    latam = {zone for code in LATAM_COUNTRIES for zone in _country_zone_table().get(code, ())}
    names: dict[str, list[str]] = {}
    for mapping in (cities, _curated_cities()):
        for key, zones in mapping.items():
            names.setdefault(key, []).extend(zones)
    for key, codes in countries.items():
        names.setdefault(key, []).extend(_country_zone_tuple(codes))
    entries = tuple(
        _Name(key, tuple(dict.fromkeys(zones)), zones[0] in latam, _SHOWN.get(key, key))
        for key, zones in names.items()
        if zones
    )
    return _Index(cities=cities, countries=countries, names=entries)


def _exact_zone(text: str) -> str | None:
    # Bare legacy names ("EST", "Cuba", "Japan") are left to the name search:
    # someone typing "EST" most likely means New York, not America/Panama.
    if "/" not in text and fold(text) not in {"utc", "gmt"}:
        return None
    return canonical_zone(text) or canonical_zone(text.replace(" ", "_"))


def _prefix_matches(key: str, names: Iterable[_Name], *, inner_words: bool) -> list[ZoneMatch]:
    """Zones of names starting with ``key`` (or, with ``inner_words``, having a
    later word that does: "habana" in "la habana"), each with the name that
    matched. Latin-American and shorter names first, one zone per name before
    the rest so different places show up.
    """
    ranked: list[tuple[int, int, str, _Name]] = []
    for name in names:
        if name.key == key:
            continue
        matches = f" {key}" in name.key if inner_words else name.key.startswith(key)
        if matches:
            ranked.append((0 if name.latam else 1, len(name.key), name.key, name))
    ranked.sort()
    firsts = [ZoneMatch(name.zones[0], name.shown) for *_, name in ranked]
    rest = [ZoneMatch(zone, name.shown) for *_, name in ranked for zone in name.zones[1:]]
    return firsts + rest


def _search(text: str, locales: tuple[str, ...]) -> list[ZoneMatch]:
    index = _index(locales)
    found: list[ZoneMatch] = []

    def add(matches: Iterable[ZoneMatch]) -> None:
        seen = {match.zone for match in found}
        for match in matches:
            if match.zone not in seen:
                found.append(match)
                seen.add(match.zone)

    exact = _exact_zone(text)
    if exact is not None:
        add([ZoneMatch(exact)])
    key = _key(text)
    if key:
        typed = _SHOWN.get(key, text.strip())
        # A curated name was written knowing CLDR's: "Granada" is Spain or
        # Nicaragua before CLDR's Spanish name for Grenada, "San Juan" is Puerto
        # Rico before San Juan (Argentina).
        add(ZoneMatch(zone, typed) for zone in _curated_cities().get(key, ()))
        add(ZoneMatch(zone, typed) for zone in index.cities.get(key, ()))
        add(ZoneMatch(zone) for zone in _country_zone_tuple(index.countries.get(key, ())))
        if len(key) >= _MIN_PREFIX:
            add(_prefix_matches(key, index.names, inner_words=False))
            # Words inside names are a last resort: "Spain" would otherwise
            # bring up Port of Spain.
            if not found:
                add(_prefix_matches(key, index.names, inner_words=True))
    return found


def search_zones(text: str, language: str = "es") -> list[str]:
    """IANA ids for what someone typed, best first (see :func:`search_places`)."""
    return [match.zone for match in search_places(text, language)]


def search_places(text: str, language: str = "es") -> list[ZoneMatch]:
    """IANA ids for what someone typed ("Bogotá", "CDMX", "Chile"), best first.

    Tries, from strongest to weakest: an IANA id in any case (region ids,
    UTC and GMT; bare legacy ids like "EST" are searched as names); a city
    name, from CLDR in Spanish, English and ``language`` or from the id's own
    last part, and from :data:`CITY_ALIASES` (which comes first when both
    know the name); a country name (all its zones, main one first); names
    starting with the text (three characters or more); and as a last resort
    names with a later word starting with it. Accents, case and punctuation
    are ignored. "Bogotá, Colombia" is tried part by part when the whole finds
    nothing. At most :data:`MAX_RESULTS` ids, without repeats; empty, blank or
    over-long (more than 100 characters) text gives []. Never raises on odd
    input. Each zone comes with the place name that found it (:class:`ZoneMatch`),
    so that a choice between several can say why each is there.
    """
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_INPUT:
        return []
    locales = _locales_for(language)
    found = _search(stripped, locales)
    if not found and "," in stripped:
        for part in stripped.split(","):
            if part.strip():
                zones = {match.zone for match in found}
                found.extend(m for m in _search(part.strip(), locales) if m.zone not in zones)
    return found[:MAX_RESULTS]
