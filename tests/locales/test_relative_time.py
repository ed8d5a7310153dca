"""How long until a moment, said the way people say it, in Spanish and in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cohorte.locales import Translator

BOGOTA = "America/Bogota"
# Tuesday, May 6, 2025, 10:00 in Bogotá.
START = datetime(2025, 5, 6, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "spanish", "english"),
    [
        (timedelta(minutes=1410), "en 23 horas y media", "in 23 and a half hours"),
        (timedelta(minutes=45), "en 45 minutos", "in 45 minutes"),
        (timedelta(minutes=57), "en 55 minutos", "in 55 minutes"),
        (timedelta(minutes=3), "en 3 minutos", "in 3 minutes"),
        (timedelta(hours=1), "en 1 hora", "in 1 hour"),
        (timedelta(minutes=95), "en 1 hora y media", "in an hour and a half"),
        (timedelta(hours=5, minutes=10), "en 5 horas", "in 5 hours"),
        (timedelta(days=1), "mañana a las 10:00", "tomorrow at 10:00"),
        (timedelta(hours=26), "mañana a las 10:00", "tomorrow at 10:00"),
        (timedelta(days=2), "el martes a las 10:00", "on Tuesday at 10:00"),
        (timedelta(days=5, hours=20), "el martes a las 10:00", "on Tuesday at 10:00"),
        (timedelta(days=6, hours=20), "en 1 semana", "in 1 week"),
        (timedelta(days=7), "en 1 semana", "in 1 week"),
        (timedelta(days=10), "en 10 días", "in 10 days"),
        (timedelta(days=14), "en 2 semanas", "in 2 weeks"),
    ],
)
def test_how_long_until_a_session_is_said_as_people_say_it(
    before: timedelta, spanish: str, english: str
) -> None:
    now = START - before
    assert Translator("es").until(START, now, BOGOTA) == spanish
    assert Translator("en").until(START, now, BOGOTA) == english


def test_without_the_time_only_the_day_is_said() -> None:
    """A group reads the time per city on the next line: the lead says only the day."""
    es, en = Translator("es"), Translator("en")
    assert es.until(START, START - timedelta(days=1), BOGOTA, at_time=False) == "mañana"
    assert en.until(START, START - timedelta(days=3), BOGOTA, at_time=False) == "on Tuesday"
    assert es.until(START, START - timedelta(hours=2), BOGOTA, at_time=False) == "en 2 horas"


def test_the_day_is_the_readers_own() -> None:
    """Tuesday 00:30 in Bogotá is still Monday 23:30 in Mexico City."""
    start = datetime(2025, 5, 6, 5, 30, tzinfo=UTC)
    now = start - timedelta(hours=30)
    assert Translator("es").until(start, now, "America/Mexico_City") == "mañana a las 23:30"
    assert Translator("es").until(start, now, BOGOTA) == "el martes a las 00:30"


def test_a_moment_already_here_is_a_minute_away_at_least() -> None:
    assert Translator("es").until(START, START, BOGOTA) == "en 1 minuto"
