"""The one quoted-title reader, the one name matcher, and the name people are greeted by."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cohorte.handlers.lang.names import match_names, name_key, words
from cohorte.handlers.lang.text import first_name
from cohorte.handlers.lang.titles import UnclosedQuoteError, find_quoted, split_title


@pytest.mark.parametrize(
    "text",
    [
        'mar 10:00 "Datos  abiertos" cierre',
        "mar 10:00 “Datos abiertos” cierre",  # iOS and Slack
        "mar 10:00 ”Datos abiertos” cierre",  # some keyboards close twice
        "mar 10:00 «Datos abiertos» cierre",
        "mar 10:00 ‘Datos abiertos’ cierre",
        "mar 10:00 „Datos abiertos“ cierre",
        "mar 10:00 'Datos abiertos' cierre",  # what shlex read before
    ],
)
def test_a_title_in_any_quotes(text: str) -> None:
    title, rest = split_title(text)
    assert title == "Datos abiertos"
    assert rest.split() == ["mar", "10:00", "cierre"]


def test_the_earliest_quote_wins_and_keeps_other_quotes_inside() -> None:
    found = find_quoted('x «Taller "práctico"» y')
    assert found is not None and found.title == 'Taller "práctico"' and found.start == 2


def test_an_apostrophe_is_not_a_quote() -> None:
    assert split_title("Reunión en O'Higgins 10:00") == (None, "Reunión en O'Higgins 10:00")
    assert split_title("6/5 'Taller de O'Higgins' x")[0] == "Taller de O'Higgins"


def test_no_title_an_empty_one_and_an_unclosed_one() -> None:
    assert split_title("mar 10:00") == (None, "mar 10:00")
    assert split_title('mar ""')[0] is None
    with pytest.raises(UnclosedQuoteError):
        split_title("mar “Datos abiertos")


@dataclass
class Team:
    name: str
    city: str | None = None


TEAMS = [Team("Bogotá"), Team("Santiago", "Santiago de Chile"), Team("Santiago de Cali", "Cali")]


def test_names_fold_accents_case_and_punctuation() -> None:
    assert words("Publicación de datos-abiertos") == ["publicacion", "de", "datos", "abiertos"]
    assert name_key("  BOGOTÁ, D.C. ") == "bogota d c"


def test_a_prefix_finds_a_name_and_an_exact_name_wins() -> None:
    def names(team: Team) -> tuple[str, str | None]:
        return team.name, team.city

    assert match_names("bogo", TEAMS, names) == [TEAMS[0]]
    assert match_names("santiago", TEAMS, names) == [TEAMS[1]]  # exact beats "Santiago de Cali"
    assert match_names("santiago de", TEAMS, names) == [TEAMS[1], TEAMS[2]]  # ambiguous
    assert match_names("cali", TEAMS, names) == [TEAMS[2]]  # by city
    assert match_names("lima", TEAMS, names) == []
    assert match_names(" ¿? ", TEAMS, names) == []


def test_an_own_name_wins_over_an_alias() -> None:
    teams = [Team("Lima", "Lima"), Team("Lima Norte", "Lima")]

    def names(team: Team) -> tuple[str, str | None]:
        return team.name, team.city

    assert match_names("lima", teams, names) == [teams[0]]
    assert match_names("lima n", teams, names) == [teams[1]]


@pytest.mark.parametrize(
    ("name", "greeted"),
    [
        ("Laura Gómez Restrepo", "Laura"),
        ("Lucía 🌎 Pérez", "Lucía"),
        ("Lic. Ana Ruiz", "Ana"),
        ("Dr. Juan", "Juan"),
        ("Kate", "Kate"),
        ("  Diego  ", "Diego"),
        ("🌎", "🌎"),
    ],
)
def test_people_are_greeted_by_the_first_word_of_their_name(name: str, greeted: str) -> None:
    assert first_name(name) == greeted
