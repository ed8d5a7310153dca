from __future__ import annotations

from datetime import date, time

import pytest

from cohorte.handlers.lang.dates import (
    ImpossibleDateError,
    parse_clock_time,
    parse_day,
    parse_weekday,
    parse_when,
    split_leading_when,
    weekday_name,
)


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("lunes", 0),
        ("Lun", 0),
        ("lu", 0),
        ("martes", 1),
        ("mar", 1),
        ("ma", 1),
        ("miércoles", 2),
        ("miercoles", 2),
        ("MIÉRCOLES", 2),
        ("mié", 2),
        ("mie", 2),
        ("mi", 2),
        ("jueves", 3),
        ("jue", 3),
        ("ju", 3),
        ("viernes", 4),
        ("vie", 4),
        ("vi", 4),
        ("sábado", 5),
        ("sabado", 5),
        ("sáb", 5),
        ("sab", 5),
        ("sa", 5),
        ("domingo", 6),
        ("dom", 6),
        ("do", 6),
        ("monday", 0),
        ("Mon", 0),
        ("tuesday", 1),
        ("tue", 1),
        ("Wednesday", 2),
        ("wed", 2),
        ("thursday", 3),
        ("thu", 3),
        ("friday", 4),
        ("fri", 4),
        ("saturday", 5),
        ("sat", 5),
        ("sunday", 6),
        ("sun", 6),
        ("  Jueves ", 3),
        ("mié.", 2),
    ],
)
def test_weekday_names_in_spanish_and_english(text: str, weekday: int) -> None:
    assert parse_weekday(text) == weekday


@pytest.mark.parametrize("text", ["", " ", "juernes", "j", "m", "lunes martes", "3", "mañana"])
def test_anything_else_is_not_a_weekday(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weekday(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", time(10, 0)),
        ("9:30", time(9, 30)),
        ("09.30", time(9, 30)),
        ("10h", time(10, 0)),
        ("10 h", time(10, 0)),
        ("10", time(10, 0)),
        ("16:45 h", time(16, 45)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 8:05 ", time(8, 5)),
        ("10h30", time(10, 30)),
        ("10:30 hs", time(10, 30)),
        ("10 H", time(10, 0)),
    ],
)
def test_clock_times_people_write(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25:00",
        "24:00",
        "10:60",
        "",
        "   ",
        "h",
        "diez",
        "10:0",
        "10:000",
        "100",
        "10 am",
        "10pm",
        "-1:00",
        "10:00:00:00",
        "10::00",
        "٣:٠٠",  # digits of another script are not what we show on buttons
    ],
)
def test_clock_time_rejects_what_is_not_a_24_hour_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock_time(text)


def test_weekday_names_come_from_cldr() -> None:
    assert [weekday_name(day, "es") for day in range(7)] == [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ]
    assert weekday_name(0, "en") == "Monday"
    assert weekday_name(5, "es_CO") == "sábado"
    assert weekday_name(5, "es-CO") == "sábado"


def test_weekday_names_parse_back() -> None:
    for language in ("es", "en"):
        for day in range(7):
            assert parse_weekday(weekday_name(day, language)) == day


@pytest.mark.parametrize("weekday", [-1, 7])
def test_weekday_name_refuses_days_outside_the_week(weekday: int) -> None:
    with pytest.raises(ValueError):
        weekday_name(weekday, "es")


@pytest.mark.parametrize(
    ("text", "weekday"), [("mierc.", 2), ("juev", 3), ("vier.", 4), ("sába", 5), ("wedn", 2)]
)
def test_a_weekday_may_be_the_start_of_its_full_name_where_asked(text: str, weekday: int) -> None:
    assert parse_weekday(text, prefixes=True) == weekday
    with pytest.raises(ValueError):
        parse_weekday(text)


@pytest.mark.parametrize("text", ["s", "juernes", "sabados", "mañana", "xyz"])
def test_a_prefix_is_three_letters_or_more_of_a_real_name(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weekday(text, prefixes=True)


# Saturday 20 December 2025.
DECEMBER = date(2025, 12, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/1", date(2026, 1, 5)),
        ("5 de enero", date(2026, 1, 5)),
        ("lun 5/1", date(2026, 1, 5)),
        ("31/12", date(2025, 12, 31)),
        ("1/12", date(2025, 12, 1)),  # less than two months back: this year
        ("5/1/2025", date(2025, 1, 5)),
        ("2026-01-05", date(2026, 1, 5)),
        ("juev", date(2025, 12, 25)),
        ("pasado mañana", date(2025, 12, 22)),
    ],
)
def test_days_without_a_year_are_the_closest_ahead(text: str, expected: date) -> None:
    assert parse_day(text, DECEMBER) == expected


@pytest.mark.parametrize("text", ["2025-02-30", "31/13", "30/2", "31 de abril", "0/5"])
def test_a_date_the_calendar_lacks_is_told_apart(text: str) -> None:
    with pytest.raises(ImpossibleDateError):
        parse_day(text, DECEMBER)


@pytest.mark.parametrize("text", ["pronto", "18:00", "mar 6", "vie 5/1"])
def test_what_is_no_date_at_all_is_a_plain_value_error(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_day(text, DECEMBER)
    assert not isinstance(caught.value, ImpossibleDateError)


# A sprint from 21 April to 13 July 2025, seen on Tuesday 22 April.
SPRINT = (date(2025, 4, 21), date(2025, 7, 13))
APRIL = date(2025, 4, 22)


def test_a_day_and_time_is_read_inside_the_span_it_is_given() -> None:
    # Without the span, "1/5" two months back would be next year's; inside it, this May.
    assert parse_when("1/5 10:00", date(2025, 7, 10)) == (date(2026, 5, 1), time(10))
    assert parse_when("1/5 10:00", date(2025, 7, 10), within=SPRINT) == (
        date(2025, 5, 1),
        time(10),
    )


def test_an_impossible_day_before_a_real_time_is_told_apart() -> None:
    with pytest.raises(ImpossibleDateError):
        parse_when("31/2 10:00", APRIL)
    with pytest.raises(ValueError) as caught:
        parse_when("31/2 hola", APRIL)
    assert not isinstance(caught.value, ImpossibleDateError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6/5 09:00 sin barra", ("6/5 09:00", "sin barra")),
        ("6 de mayo a las 9:30 Hola\na todos", ("6 de mayo a las 9:30", "Hola\na todos")),
        ("mar 6/5 10:00, nos vemos", ("mar 6/5 10:00", "nos vemos")),
        ("6/5 09:00 — Sesión", ("6/5 09:00", "Sesión")),
        ("mañana 16h Masterclass", ("mañana 16h", "Masterclass")),
        ("31/2 10:00 hola", ("31/2 10:00", "hola")),  # written as a moment, if impossible
        ("6/5 09:00", ("6/5 09:00", "")),
    ],
)
def test_the_day_and_time_a_text_starts_with_is_split_from_the_rest(
    text: str, expected: tuple[str, str]
) -> None:
    assert split_leading_when(text, APRIL) == expected


@pytest.mark.parametrize(
    "text",
    ["mañana no hay sesión", "Hola a todos", "10:00 empieza la sesión", "31/2 hola", "6/5"],
)
def test_a_text_that_does_not_start_with_a_day_and_time_is_not_split(text: str) -> None:
    assert split_leading_when(text, APRIL) is None
