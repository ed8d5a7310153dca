"""Who in the cohort a person of a participant report is: by e-mail, then by name.

The e-mail is compared without case (a member's `Person.email`, set with
`/perfil correo` or the cohort file). The name goes through the project's one
name matcher (`lang.names.match_names`): accents, case and punctuation do not
count and a prefix is enough ("Sofía" finds "Sofía Ríos", and a member known as
"Sofía" is found by the report's "Sofía Ríos"), so a name may fit several
members, which is then for a coordinator to settle. Meeting tools add
to names: Zoom's "Name (Original Name)" column shows a renamed person as
"Laura G. (Laura Gómez)", and classes number people ("015_Loki"); each part is
tried in turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cohorte.handlers.attendance.imports.report import Participant
from cohorte.handlers.lang.names import match_names

# More candidates than this is no useful choice: the row is treated as unmatched.
MAX_CANDIDATES = 6
_ORIGINAL = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_NUMBERED = re.compile(r"^\d{1,4}[_\-.\s]+")


@dataclass(frozen=True)
class Candidate:
    """A member a report's row may be."""

    member_id: int
    name: str
    email: str | None
    coordinator: bool


def name_variants(name: str) -> list[str]:
    """'015_Laura G. (Laura Gómez)' -> the whole name, 'Laura G.', 'Laura Gómez'."""
    name = _NUMBERED.sub("", name.strip())
    variants = [name]
    original = _ORIGINAL.match(name)
    if original is not None:
        variants += [original.group(1), original.group(2)]
    return [variant for variant in dict.fromkeys(v.strip() for v in variants) if variant]


def candidates_for(participant: Participant, members: Sequence[Candidate]) -> list[Candidate]:
    """The members this person may be: the one with their e-mail, else those whose name
    fits (exact names first); empty when nobody fits or too many do."""
    if participant.email:
        by_email = [m for m in members if m.email and m.email.lower() == participant.email]
        if by_email:
            return by_email[:1]
    variants = name_variants(participant.name)
    for variant in variants:
        found = match_names(variant, members, lambda member: [member.name])
        if found:
            return found if len(found) <= MAX_CANDIDATES else []
    # The other way round: a member known by a short name ("Sofía") whose name the
    # report's longer one starts with ("Sofía Ríos").
    found = [
        member
        for member in members
        if any(match_names(member.name, [variant], lambda name: [name]) for variant in variants)
    ]
    return found if len(found) <= MAX_CANDIDATES else []
