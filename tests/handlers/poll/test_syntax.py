"""Reading `/encuesta nueva ...`: Spanish weekdays, times, deadlines, durations, bad input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cohorte.handlers.lang.dates import parse_day
from cohorte.handlers.poll.syntax import (
    EXAMPLE,
    CandidateSlot,
    PollSpec,
    PollSyntaxError,
    parse_poll_command,
    parse_slots,
)
from cohorte.locales import Translator
from cohorte.locales.markup import plain

BOGOTA = "America/Bogota"
# Tuesday 2025-04-22, 09:00 in Bogotá.
NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
ES = Translator("es")


def parse(text: str) -> PollSpec:
    return parse_poll_command(text, BOGOTA, NOW)


def bogota(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BOGOTA))


def slots(*pairs: tuple[int, str]) -> tuple[CandidateSlot, ...]:
    return tuple(CandidateSlot(day, time.fromisoformat(at)) for day, at in pairs)


def test_the_documented_example() -> None:
    spec = parse('"Sesión semanal" mar 10:00, mié 16:00, jue 09:30 cierre 2025-04-25 18:00')
    assert spec == PollSpec(
        title="Sesión semanal",
        slots=slots((1, "10:00"), (2, "16:00"), (3, "09:30")),
        deadline=bogota(2025, 4, 25, 18, 0),
        duration_minutes=None,
    )


def test_the_example_shown_in_errors_is_itself_valid() -> None:
    spec = parse(EXAMPLE.removeprefix("/encuesta nueva "))
    assert len(spec.slots) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("miércoles 16:00", 2),
        ("miercoles 16:00", 2),
        ("MIÉRCOLES 16:00", 2),
        ("mié 16:00", 2),
        ("mie. 16:00", 2),
        ("mierc. 16:00", 2),
        ("mi 16:00", 2),
        ("Wednesday 16:00", 2),
        ("wed 16:00", 2),
        ("sábado 16:00", 5),
        ("sab 16:00", 5),
        ("domingo 16:00", 6),
        ("lun 16:00", 0),
        ("juev 16:00", 3),
        ("vier. 16:00", 4),
    ],
)
def test_weekdays_in_any_spelling(text: str, expected: int) -> None:
    assert parse(text).slots == (CandidateSlot(expected, time(16, 0)),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mar 10", "10:00"),
        ("mar 9:30", "09:30"),
        ("mar 09.30", "09:30"),
        ("mar 16 h", "16:00"),
        ("mar 16h", "16:00"),
        ("mar a las 16:00", "16:00"),
        ("mar 10h30", "10:30"),
        ("mar 00:00", "00:00"),
        ("mar 23:59", "23:59"),
    ],
)
def test_times_in_24_hour_forms(text: str, expected: str) -> None:
    assert parse(text).slots == slots((1, expected))


def test_slots_are_sorted_by_week_and_allow_several_times_a_day() -> None:
    spec = parse("jue 9:30 y mar 16:00; mar 10:00 lunes 8")
    assert spec.slots == slots((0, "08:00"), (1, "10:00"), (1, "16:00"), (3, "09:30"))


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ('"Sesión semanal" mar 10', "Sesión semanal"),
        ("“Sesión  semanal” mar 10", "Sesión semanal"),
        ("«Sesión semanal» mar 10", "Sesión semanal"),
        ("‘Sesión semanal’ mar 10", "Sesión semanal"),
        ('mar 10 "al final"', "al final"),
        ('"" mar 10', None),
        ("mar 10", None),
    ],
)
def test_titles_in_any_quotes(text: str, title: str | None) -> None:
    assert parse(text).title == title


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("cierre 2025-04-25 18:00", bogota(2025, 4, 25, 18, 0)),
        ("cierre 2025-4-25", bogota(2025, 4, 25, 23, 59)),
        ("cierre 25/04 18:00", bogota(2025, 4, 25, 18, 0)),
        ("cierre 25/04/2025 18 h", bogota(2025, 4, 25, 18, 0)),
        ("cierre 25/04/25 18:00", bogota(2025, 4, 25, 18, 0)),
        ("hasta el viernes a las 18:00", bogota(2025, 4, 25, 18, 0)),
        ("fecha límite vie 18:00", bogota(2025, 4, 25, 18, 0)),
        # Today is Tuesday 09:00: "martes 18:00" is later today, "martes 08:00" next week.
        ("cierre martes 18:00", bogota(2025, 4, 22, 18, 0)),
        ("cierre martes 08:00", bogota(2025, 4, 29, 8, 0)),
        ("cierre hoy 20:00", bogota(2025, 4, 22, 20, 0)),
        ("cierre mañana", bogota(2025, 4, 23, 23, 59)),
        ("deadline tomorrow 12:00", bogota(2025, 4, 23, 12, 0)),
    ],
)
def test_deadlines(text: str, deadline: datetime) -> None:
    spec = parse(f"mar 10:00 {text}")
    assert spec.deadline == deadline
    assert spec.slots == slots((1, "10:00"))


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("cierre 6 de mayo 18:00", bogota(2025, 5, 6, 18, 0)),
        ("cierre 6 mayo 2025", bogota(2025, 5, 6, 23, 59)),
        ("cierre pasado mañana", bogota(2025, 4, 24, 23, 59)),
        ("cierre juev. 18:00", bogota(2025, 4, 24, 18, 0)),
        ("cierre jue 24/04 18:00", bogota(2025, 4, 24, 18, 0)),
        ("cierre 24.04 18:00", bogota(2025, 4, 24, 18, 0)),
    ],
)
def test_deadlines_in_every_form_the_date_grammar_reads(text: str, deadline: datetime) -> None:
    spec = parse(f"mar 10:00 {text}")
    assert spec.deadline == deadline
    assert spec.slots == slots((1, "10:00"))


def test_a_slot_after_the_deadline_is_not_read_as_its_month() -> None:
    # Friday 14 March 2025 exists, but "mar 10:00" is the next slot (martes), not March.
    spec = parse("jue 16:00 cierre vie 14 mar 10:00")
    assert spec.deadline == bogota(2025, 4, 25, 14, 0)
    assert spec.slots == slots((1, "10:00"), (3, "16:00"))


def test_a_day_and_month_in_december_is_read_like_sesion_reads_it() -> None:
    # Saturday 20 December 2025: "5/1" is 5 January of next year, not a past date.
    december = datetime(2025, 12, 20, 14, 0, tzinfo=UTC)
    spec = parse_poll_command("mar 10:00 cierre 5/1 18:00", BOGOTA, december)
    assert spec.deadline == bogota(2026, 1, 5, 18, 0)
    assert parse_day("5/1", december.date()) == spec.deadline.date()


def test_options_can_come_before_the_slots() -> None:
    spec = parse("duracion 90 cierre 2025-04-25 18:00 mar 10:00, jue 9")
    assert spec.duration_minutes == 90
    assert spec.deadline == bogota(2025, 4, 25, 18, 0)
    assert spec.slots == slots((1, "10:00"), (3, "09:00"))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("duracion 90", 90),
        ("duración 90 min", 90),
        ("duracion 45minutos", 45),
        ("duracion 1h30", 90),
        ("duracion 2 horas", 120),
        ("duration 60", 60),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse(f"mar 10 {text}").duration_minutes == minutes


def test_only_slots_for_the_guided_form() -> None:
    assert parse_slots("martes 10, miércoles 16:00 y jueves 9:30") == slots(
        (1, "10:00"), (2, "16:00"), (3, "09:30")
    )
    with pytest.raises(PollSyntaxError):
        parse_slots("martes 10 cierre mañana")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Escribe los horarios candidatos"),
        ("   ,,, ", "Escribe los horarios candidatos"),
        ("Sesión semanal mar 10:00", "No entendí “Sesión”: no es un día de la semana. Si es el"),
        ('"Sesión" mar 10 banana', "No entendí “banana”: no es un día de la semana."),
        ("mar", "A “mar” le falta la hora, por ejemplo: mar 10:00."),
        ("mar, jue 10:00", "A “mar” le falta la hora"),
        ("mar 25:00", "“25:00” no es una hora."),
        ("mar 10:60", "“10:60” no es una hora."),
        ("mar 10 am", "No entendí “am”"),
        ("10:00", "A la hora 10:00 le falta el día de la semana antes"),
        ("mar 10:00, mar 10", "El horario mar 10:00 aparece dos veces."),
        ('"Sesión mar 10', "Al título le falta la comilla de cierre."),
        (f'"{"x" * 121}" mar 10', "El título es demasiado largo (121 caracteres)"),
        ("mar 10 cierre", "Escribe la fecha límite después de “cierre”"),
        ("mar 10 cierre pronto", "“pronto” no es una fecha."),
        ("mar 10 cierre 2025-02-30", "2025-02-30 no es una fecha del calendario."),
        ("mar 10 cierre 31/13", "31/13 no es una fecha del calendario."),
        ("mar 10 cierre hoy cierre mañana", "La fecha límite aparece dos veces."),
        ("mar 10 duracion", "Escribe la duración en minutos, de 15 a 480"),
        ("mar 10 duracion 5", "Escribe la duración en minutos, de 15 a 480"),
        ("mar 10 duracion 9 horas", "Escribe la duración en minutos, de 15 a 480"),
        ("mar 10 duracion larga", "Escribe la duración en minutos"),
        ("mar 10 duracion 60 duracion 90", "La duración aparece dos veces."),
        (
            ", ".join(f"lun {hour}" for hour in range(11)),
            "Una encuesta puede tener como máximo 10 horarios; esta tiene 11.",
        ),
    ],
)
def test_bad_input_says_what_was_wrong_and_shows_an_example(text: str, message: str) -> None:
    with pytest.raises(PollSyntaxError) as caught:
        parse(text)
    rendered = plain(caught.value.render(ES))
    assert message in rendered
    assert rendered.endswith(f"Ejemplo: {EXAMPLE}")


def test_ten_thousand_characters_of_garbage_are_refused_politely() -> None:
    with pytest.raises(PollSyntaxError) as caught:
        parse("mar 10:00 " + "ñ@#" * 3334)
    assert "Es demasiado largo para una encuesta (10012 caracteres" in caught.value.render(ES)
    with pytest.raises(PollSyntaxError):
        parse_slots("x" * 10_000)


def test_random_garbage_never_raises_anything_else() -> None:
    alphabet = 'marjuevi 0123456789:.,;/-"“”«»hyáéíñ\t\n\x00🙂cierreduracion'
    generator = random.Random(20250422)
    for _ in range(2000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 60)))
        try:
            spec = parse(text)
        except PollSyntaxError as error:
            assert error.render(ES)
        else:
            assert 1 <= len(spec.slots) <= 10
