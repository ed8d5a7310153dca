"""Picking a time zone by typing a city or a country, the way participants write them."""

from __future__ import annotations

import pytest

from cohorte.handlers.lang.zones import (
    CITY_ALIASES,
    LATAM_COUNTRIES,
    MAX_RESULTS,
    ZoneMatch,
    canonical_zone,
    country_code,
    country_of_zone,
    country_zones,
    is_valid_zone,
    search_places,
    search_zones,
    zone_choices_for,
)

# --- is_valid_zone ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["America/Bogota", "America/Argentina/Buenos_Aires", "Europe/Madrid", "Etc/UTC", "UTC"],
)
def test_real_iana_zones_are_valid(name: str) -> None:
    assert is_valid_zone(name)


@pytest.mark.parametrize(
    "name",
    ["Mars/Olympus", "", "localtime", "Factory", "Bogotá", "america/bogota", " America/Bogota"],
)
def test_junk_and_misspelt_zones_are_not_valid(name: str) -> None:
    assert not is_valid_zone(name)


# --- canonical_zone --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("america/bogota", "America/Bogota"),
        ("AMERICA/MEXICO_CITY", "America/Mexico_City"),
        ("  Europe/Madrid  ", "Europe/Madrid"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("america/cordoba", "America/Argentina/Cordoba"),
        ("Asia/Calcutta", "Asia/Kolkata"),
    ],
)
def test_canonical_zone_ignores_case_and_resolves_legacy_ids(name: str, expected: str) -> None:
    assert canonical_zone(name) == expected


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "Bogotá", "localtime", "Factory"])
def test_canonical_zone_of_unknown_name_is_none(name: str) -> None:
    assert canonical_zone(name) is None


# --- country_zones / country_of_zone ---------------------------------------


@pytest.mark.parametrize(
    ("code", "main"),
    [
        ("MX", "America/Mexico_City"),
        ("AR", "America/Argentina/Buenos_Aires"),
        ("CL", "America/Santiago"),
        ("BR", "America/Sao_Paulo"),
        ("US", "America/New_York"),
        ("ES", "Europe/Madrid"),
        ("EC", "America/Guayaquil"),
        ("CO", "America/Bogota"),
        ("PE", "America/Lima"),
    ],
)
def test_country_zones_start_with_the_main_zone(code: str, main: str) -> None:
    zones = country_zones(code)
    assert zones[0] == main
    assert len(zones) == len(set(zones))


def test_country_zones_of_big_countries_list_the_other_zones_too() -> None:
    assert {"America/Tijuana", "America/Cancun"} <= set(country_zones("MX"))
    assert {"America/Chicago", "America/Los_Angeles"} <= set(country_zones("US"))
    assert "Atlantic/Canary" in country_zones("ES")
    assert "Pacific/Galapagos" in country_zones("EC")


def test_country_zones_accept_lower_case_codes() -> None:
    assert country_zones(" co ") == ["America/Bogota"]


@pytest.mark.parametrize("code", ["XX", "", "ZZ", "001", "Colombia"])
def test_country_zones_of_unknown_or_non_country_codes_are_empty(code: str) -> None:
    assert country_zones(code) == []


@pytest.mark.parametrize("code", LATAM_COUNTRIES)
def test_every_offered_country_has_valid_zones_that_map_back_to_it(code: str) -> None:
    zones = country_zones(code)
    assert zones
    assert all(is_valid_zone(zone) for zone in zones)
    assert all(country_of_zone(zone) == code for zone in zones)


@pytest.mark.parametrize(
    ("zone", "code"),
    [
        ("America/Bogota", "CO"),
        ("america/bogota", "CO"),
        ("America/Buenos_Aires", "AR"),
        ("Atlantic/Canary", "ES"),
        ("Pacific/Easter", "CL"),
        ("America/Puerto_Rico", "PR"),
    ],
)
def test_country_of_zone(zone: str, code: str) -> None:
    assert country_of_zone(zone) == code


@pytest.mark.parametrize("zone", ["Etc/UTC", "UTC", "EST5EDT", "Mars/Olympus", ""])
def test_country_of_zone_without_a_country_is_none(zone: str) -> None:
    assert country_of_zone(zone) is None


# --- LATAM_COUNTRIES / zone_choices_for ------------------------------------


def test_latam_countries_in_button_order() -> None:
    assert LATAM_COUNTRIES == (
        "MX", "GT", "SV", "HN", "NI", "CR", "PA", "CU", "DO", "PR",
        "CO", "VE", "EC", "PE", "BO", "CL", "AR", "PY", "UY", "BR",
        "ES", "US",
    )  # fmt: skip


def test_zone_choices_for_the_cohort_countries_in_order_without_repeats() -> None:
    assert zone_choices_for(["CO", "PE", "co", "XX", "MX", "AR"]) == [
        "America/Bogota",
        "America/Lima",
        "America/Mexico_City",
        "America/Argentina/Buenos_Aires",
    ]


def test_zone_choices_for_nobody_is_empty() -> None:
    assert zone_choices_for([]) == []


def test_zone_choices_for_every_offered_country_are_distinct() -> None:
    choices = zone_choices_for(list(LATAM_COUNTRIES))
    assert len(choices) == len(LATAM_COUNTRIES)


# --- search_zones: cities --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Bogotá", "America/Bogota"),
        ("bogota", "America/Bogota"),
        ("BOGOTÁ", "America/Bogota"),
        ("  Bogotá  ", "America/Bogota"),
        ("Bogotá D.C.", "America/Bogota"),
        ("Medellín", "America/Bogota"),
        ("medellin", "America/Bogota"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("CDMX", "America/Mexico_City"),
        ("DF", "America/Mexico_City"),
        ("Ciudad de México", "America/Mexico_City"),
        ("ciudad de mexico", "America/Mexico_City"),
        ("Guadalajara", "America/Mexico_City"),
        ("Quito", "America/Guayaquil"),
        ("Guayaquil", "America/Guayaquil"),
        ("Lima", "America/Lima"),
        ("Cusco", "America/Lima"),
        ("La Paz", "America/La_Paz"),
        ("Asunción", "America/Asuncion"),
        ("Montevideo", "America/Montevideo"),
        ("Caracas", "America/Caracas"),
        ("La Habana", "America/Havana"),
        ("Tegucigalpa", "America/Tegucigalpa"),
        ("San Pedro Sula", "America/Tegucigalpa"),
        ("San Salvador", "America/El_Salvador"),
        ("Santo Domingo", "America/Santo_Domingo"),
        ("Viña del Mar", "America/Santiago"),
        ("Valparaíso", "America/Santiago"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Río de Janeiro", "America/Sao_Paulo"),
        ("Nueva York", "America/New_York"),
        ("Washington DC", "America/New_York"),
        ("Los Ángeles", "America/Los_Angeles"),
        ("Madrid", "Europe/Madrid"),
        ("Sevilla", "Europe/Madrid"),
        ("Canarias", "Atlantic/Canary"),
    ],
)
def test_search_finds_cities_whatever_the_accents_and_case(text: str, first: str) -> None:
    assert search_zones(text)[0] == first


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Mexico City", "America/Mexico_City"),
        ("New York", "America/New_York"),
        ("Havana", "America/Havana"),
        ("Easter Island", "Pacific/Easter"),
    ],
)
def test_search_understands_english_city_names(text: str, first: str) -> None:
    assert search_zones(text)[0] == first


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("America/Bogota", "America/Bogota"),
        ("america/bogota", "America/Bogota"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("America/Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Europe/Madrid", "Europe/Madrid"),
        ("UTC", "Etc/UTC"),
    ],
)
def test_search_accepts_iana_ids(text: str, first: str) -> None:
    assert search_zones(text)[0] == first


def test_search_old_city_spellings_of_iana_ids() -> None:
    assert search_zones("Calcutta")[0] == "Asia/Kolkata"
    assert search_zones("Kiev")[0] == "Europe/Kyiv"


# --- search_zones: ambiguous names -----------------------------------------


def test_santiago_is_chile_first_with_other_santiagos_after() -> None:
    zones = search_zones("Santiago")
    assert zones[0] == "America/Santiago"
    assert "America/Santo_Domingo" in zones  # Santiago de los Caballeros
    assert "America/Havana" in zones  # Santiago de Cuba


def test_each_zone_found_says_which_place_found_it() -> None:
    assert search_places("Santiago") == [
        ZoneMatch("America/Santiago", "Santiago"),
        ZoneMatch("America/Havana", "Santiago de Cuba"),
        ZoneMatch("America/Mexico_City", "Santiago de Querétaro"),
        ZoneMatch("Europe/Madrid", "Santiago de Compostela"),
        ZoneMatch("America/Santo_Domingo", "Santiago de los Caballeros"),
    ]
    assert search_places("guadalajara") == [
        ZoneMatch("America/Mexico_City", "Guadalajara"),
        ZoneMatch("Europe/Madrid", "Guadalajara"),
    ]
    # A country is no place of its own: its zones come without one.
    assert search_places("Chile")[0] == ZoneMatch("America/Santiago")
    assert search_places("America/Bogota") == [ZoneMatch("America/Bogota")]


def test_san_jose_is_costa_rica_first() -> None:
    zones = search_zones("San José")
    assert zones[0] == "America/Costa_Rica"
    assert len(zones) > 1


def test_cordoba_is_argentina_first_then_spain() -> None:
    zones = search_zones("Córdoba")
    assert zones[:2] == ["America/Argentina/Cordoba", "Europe/Madrid"]


def test_san_juan_offers_puerto_rico_and_argentina() -> None:
    zones = search_zones("San Juan")
    assert zones[:2] == ["America/Puerto_Rico", "America/Argentina/San_Juan"]


def test_granada_is_spain_before_the_island_of_grenada() -> None:
    # CLDR's Spanish name for America/Grenada is "Granada".
    zones = search_zones("Granada")
    assert zones[0] == "Europe/Madrid"
    assert "America/Grenada" in zones


# --- search_zones: countries -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "main", "other"),
    [
        ("México", "America/Mexico_City", "America/Tijuana"),
        ("méxico", "America/Mexico_City", "America/Cancun"),
        ("Mexico", "America/Mexico_City", "America/Cancun"),
        ("Chile", "America/Santiago", "Pacific/Easter"),
        ("Argentina", "America/Argentina/Buenos_Aires", "America/Argentina/Cordoba"),
        ("Brasil", "America/Sao_Paulo", "America/Manaus"),
        ("Brazil", "America/Sao_Paulo", "America/Manaus"),
        ("Estados Unidos", "America/New_York", "America/Los_Angeles"),
        ("EEUU", "America/New_York", "America/Chicago"),
        ("EE. UU.", "America/New_York", "America/Chicago"),
        ("EE.UU.", "America/New_York", "America/Chicago"),
        ("USA", "America/New_York", "America/Chicago"),
        ("United States", "America/New_York", "America/Chicago"),
        ("España", "Europe/Madrid", "Atlantic/Canary"),
        ("Spain", "Europe/Madrid", "Atlantic/Canary"),
        ("Ecuador", "America/Guayaquil", "Pacific/Galapagos"),
    ],
)
def test_search_of_a_country_gives_its_zones_main_first(text: str, main: str, other: str) -> None:
    zones = search_zones(text)
    assert zones[0] == main
    assert other in zones
    assert all(country_of_zone(zone) == country_of_zone(main) for zone in zones)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Perú", "America/Lima"),
        ("peru", "America/Lima"),
        ("Colombia", "America/Bogota"),
        ("República Dominicana", "America/Santo_Domingo"),
        ("Puerto Rico", "America/Puerto_Rico"),
        ("Costa Rica", "America/Costa_Rica"),
        ("Panamá", "America/Panama"),
        ("Guatemala", "America/Guatemala"),
        ("Uruguay", "America/Montevideo"),
    ],
)
def test_search_of_a_one_zone_country(text: str, zone: str) -> None:
    assert search_zones(text) == [zone]


def test_search_of_spain_does_not_bring_up_port_of_spain() -> None:
    assert "America/Port_of_Spain" not in search_zones("Spain")


# --- search_zones: partial and composite input -----------------------------


def test_search_by_prefix() -> None:
    assert search_zones("Bueno")[0] == "America/Argentina/Buenos_Aires"
    assert search_zones("Medel")[0] == "America/Bogota"


def test_search_prefix_needs_three_characters() -> None:
    assert search_zones("Bo") == []


def test_search_city_with_country_after_a_comma() -> None:
    assert search_zones("Bogotá, Colombia")[0] == "America/Bogota"


def test_search_in_the_callers_language() -> None:
    assert search_zones("Cidade do México", language="pt")[0] == "America/Mexico_City"
    assert search_zones("Espanha", language="pt-BR")[0] == "Europe/Madrid"


@pytest.mark.parametrize("language", ["", "xx", "../..", "es@!"])
def test_search_with_an_unknown_language_still_searches_spanish_and_english(
    language: str,
) -> None:
    assert search_zones("Bogotá", language=language) == ["America/Bogota"]


@pytest.mark.parametrize(
    "text", ["Santiago", "san", "México", "Estados Unidos", "Argentina", "est"]
)
def test_search_returns_at_most_eight_distinct_valid_zones(text: str) -> None:
    zones = search_zones(text)
    assert 0 < len(zones) <= MAX_RESULTS == 8
    assert len(zones) == len(set(zones))
    assert all(is_valid_zone(zone) for zone in zones)


# --- search_zones: nothing to find -----------------------------------------


@pytest.mark.parametrize("text", ["Narnia", "qwertyuiop", "Mars/Olympus", "GMT-5"])
def test_search_of_unknown_text_is_empty(text: str) -> None:
    assert search_zones(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "x" * 10_000,
        "Bogotá " * 20,
        "😀",
        "🇨🇴",
        "\x00",
        "\x00\x01\x1b[31m",
        "\ud800",
        "...",
        "/",
        "%s%n{0}",
        "'; DROP TABLE zones; --",
    ],
)
def test_search_of_garbage_is_empty_and_does_not_raise(text: str) -> None:
    assert search_zones(text) == []


# --- the curated table -----------------------------------------------------


def test_every_alias_finds_valid_zones_with_its_own_first() -> None:
    for name, zones in CITY_ALIASES.items():
        found = search_zones(name)
        assert found, name
        assert found[0] == zones[0], name
        assert set(zones) <= set(found), name
        assert all(is_valid_zone(zone) for zone in found), name


def test_every_alias_zone_is_canonical() -> None:
    for name, zones in CITY_ALIASES.items():
        for zone in zones:
            assert canonical_zone(zone) == zone, name


# --- country_code -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("co", "CO"),
        (" Colombia ", "CO"),
        ("perú", "PE"),
        ("Peru", "PE"),
        ("EE. UU.", "US"),
        ("Brasil", "BR"),
        ("Brazil", "BR"),
        ("México", "MX"),
    ],
)
def test_country_code_reads_codes_and_names(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["", "Narnia", "ZZ", "Bogotá", "x" * 200])
def test_country_code_of_what_is_no_country(text: str) -> None:
    assert country_code(text) is None
