"""Who a person of a report is: the e-mail first, then the one name matcher."""

from __future__ import annotations

from cohorte.handlers.attendance.imports.matching import (
    Candidate,
    candidates_for,
    name_variants,
)
from cohorte.handlers.attendance.imports.report import Participant

LAURA = Candidate(1, "Laura Gómez", "laura.gomez@bogota.gov.co", False)
ROJAS = Candidate(2, "Andrés Rojas", None, False)
RUIZ = Candidate(3, "Andrés Ruiz", None, False)
SOFIA = Candidate(4, "Sofía Ríos", None, False)
MEMBERS = (LAURA, ROJAS, RUIZ, SOFIA)


def who(name: str, email: str | None = None) -> list[int]:
    return [c.member_id for c in candidates_for(Participant(name, email, 30), MEMBERS)]


def test_the_email_wins_over_any_name() -> None:
    assert who("Cuenta de la oficina", "laura.gomez@bogota.gov.co") == [1]


def test_names_forgive_accents_case_and_prefixes() -> None:
    assert who("sofia") == [4]
    assert who("ANDRES ROJAS") == [2]
    assert who("Andrés R") == [2, 3]  # ambiguous: for a coordinator
    assert who("Invitada Externa") == []
    assert who("Laura G. (Laura Gómez)") == [1]  # Zoom's "Name (Original Name)"
    assert who("015_Sofía") == [4]  # numbered by a class


def test_a_member_known_by_a_short_name_is_found_by_the_reports_full_name() -> None:
    short = (Candidate(7, "Sofía", None, False), LAURA)
    found = candidates_for(Participant("Sofía Ríos", None, 30), short)
    assert [c.member_id for c in found] == [7]


def test_an_unknown_email_falls_back_to_the_name() -> None:
    assert who("Sofía Ríos", "sofia@otra.org") == [4]


def test_name_variants() -> None:
    assert name_variants("015_Laura G. (Laura Gómez)") == [
        "Laura G. (Laura Gómez)",
        "Laura G.",
        "Laura Gómez",
    ]
    assert name_variants("   ") == []
