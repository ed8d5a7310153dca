"""What coordinators type to manage deliverables: `/entregable nuevo …`, teams, due dates.

Pure functions; they raise `CohortError` with a catalog message for what they
cannot read. Days are read with the one date grammar (`lang.dates.parse_day`),
team names with the one name matcher (`lang.names.match_names`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.lang.dates import parse_day
from cohorte.handlers.lang.names import match_names, name_key
from cohorte.handlers.lang.text import fold
from cohorte.handlers.lang.titles import QUOTE_CHARACTERS
from cohorte.handlers.status.grammar import URL, normalise_code
from cohorte.handlers.status.rules import DESCRIPTION_LIMIT, LINK_LIMIT, TITLE_LIMIT
from cohorte.handlers.status.wording import shorten
from cohorte.locales import N_
from cohorte.scheduling.recurrence import sprint_end
from cohorte.storage.models import Cohort, Team

SUBCOMMANDS = {
    "lista": "list",
    "list": "list",
    "nuevo": "new",
    "nueva": "new",
    "crear": "new",
    "new": "new",
    "ver": "show",
    "show": "show",
    "asignar": "assign",
    "assign": "assign",
    "fecha": "due",
    "vence": "due",
    "due": "due",
    "ayuda": "help",
    "help": "help",
    "borrar": "delete",
    "eliminar": "delete",
    "delete": "delete",
}
USAGE = N_(
    "Deliverables, for the coordination team:\n"
    "/entregable — the list\n"
    "/entregable nuevo Title; código mapeo; semana 3; RDC7 RDC8; opcional; "
    "equipos Bogotá, Lima; plantilla https://…\n"
    "/entregable ver mapeo\n"
    "/entregable asignar mapeo Bogotá, Lima (or: todos)\n"
    "/entregable fecha mapeo semana 4 (or a date: 2025-05-16; or: ninguna)\n"
    "/entregable borrar mapeo"
)
_WEEK = re.compile(r"(?:semana|sem|week|s)\s*(\d{1,2})")
# Only digits and date separators: meant as a date, even one that is no real day ("31/2").
_DATE_SHAPED = re.compile(r"[\d/.\-]+")
_RDC = re.compile(r"(?:rdc\s*[78][\s,/+y&]*)+")
_TEAM_SEPARATORS = re.compile(r",|;|\sy\s|\se\s|\sand\s")


@dataclass
class DeliverableDraft:
    """What `/entregable nuevo` said."""

    title: str
    code: str | None = None
    description: str | None = None
    template_url: str | None = None
    rdc7: bool = False
    rdc8: bool = False
    optional: bool = False
    due_week: int | None = None
    due_date: date | None = None
    teams: list[Team] | None = None  # None: all teams


class UsageError(CohortError):
    message = USAGE


def parse_due(text: str, cohort: Cohort, today: date) -> tuple[int | None, date | None]:
    """'semana 4' -> (4, None); '2025-05-16', '16/5' or '16 de mayo' -> (None, date).

    A day without a year is the one inside the sprint (in a sprint from December
    to March, "5/1" is next January; in week 11, "5/9" is this September), else
    the nearest one ahead of `today` (the cohort's own day). Raises CohortError.
    """
    folded = fold(text)
    week = _WEEK.fullmatch(folded)
    if week is not None:
        number = int(week.group(1))
        if not 1 <= number <= cohort.weeks:
            raise CohortError(
                N_("The sprint has weeks 1 to {weeks}; there is no week {n}."),
                weeks=cohort.weeks,
                n=number,
            )
        return number, None
    last = sprint_end(cohort.start_date, cohort.weeks)
    try:
        day = parse_day(text, today, within=(cohort.start_date, last))
    except ValueError:
        raise CohortError(
            N_("I could not read the due date “{text}”. Write semana 4, 2025-05-16 or 16/5."),
            text=shorten(text, 40),
        ) from None
    if not cohort.start_date <= day <= last:
        raise CohortError(
            N_("{date} is outside the sprint ({first} to {last})."),
            date=day.isoformat(),
            first=cohort.start_date.isoformat(),
            last=last.isoformat(),
        )
    return None, day


def _means_due(part: str, today: date) -> bool:
    """Whether a bare part of `/entregable nuevo` is a due week or day."""
    folded = fold(part)
    if _WEEK.fullmatch(folded) or _DATE_SHAPED.fullmatch(folded):
        return True
    try:
        parse_day(part, today)
    except ValueError:
        return False
    return True


def match_teams(text: str, teams: Sequence[Team]) -> list[Team]:
    """'Bogotá, santiago y CDMX' -> those teams (by name or city prefix). Raises CohortError."""
    chosen: list[Team] = []
    for raw in _TEAM_SEPARATORS.split(text):
        if not name_key(raw):
            continue
        found = match_names(raw, teams, lambda team: (team.name, team.city))
        if len(found) != 1:
            raise CohortError(
                N_("I could not tell which team “{name}” is. The teams: {teams}."),
                name=shorten(raw.strip(), 40),
                teams=", ".join(team.name for team in teams),
            )
        if found[0] not in chosen:
            chosen.append(found[0])
    if not chosen:
        raise CohortError(
            N_("Which teams? The teams: {teams}."), teams=", ".join(t.name for t in teams)
        )
    return chosen


def parse_new_deliverable(
    text: str, cohort: Cohort, teams: Sequence[Team], today: date
) -> DeliverableDraft:
    """`Title; código mapeo; semana 3; RDC7 RDC8; opcional; equipos A, B; plantilla URL`."""
    parts = [part.strip() for part in text.split(";")]
    if not parts or not parts[0]:
        raise UsageError()
    # A title may come in quotes, as the other commands take titles: “Mapa de actores”.
    title = parts[0].strip(QUOTE_CHARACTERS + " ")
    if not title:
        raise UsageError()
    if len(title) > TITLE_LIMIT:
        raise CohortError(
            N_("The title is too long; the limit is {limit} characters."), limit=TITLE_LIMIT
        )
    draft = DeliverableDraft(title=title)
    for part in parts[1:]:
        if not part:
            continue
        head, _, rest = part.partition(" ")
        keyword, rest = fold(head), rest.strip()
        folded = fold(part)
        if keyword in ("codigo", "code") and rest:
            draft.code = normalise_code(rest) or None
        elif keyword in ("descripcion", "description") and rest:
            draft.description = rest[:DESCRIPTION_LIMIT]
        elif keyword in ("plantilla", "template") and URL.fullmatch(rest):
            draft.template_url = rest[:LINK_LIMIT]
        elif URL.fullmatch(part):
            draft.template_url = part[:LINK_LIMIT]
        elif folded in ("opcional", "optional"):
            draft.optional = True
        elif keyword in ("equipos", "equipo", "teams", "team") and rest:
            draft.teams = None if fold(rest) in ("todos", "all") else match_teams(rest, teams)
        elif _RDC.fullmatch(folded):
            draft.rdc7 = "7" in folded
            draft.rdc8 = "8" in folded
        elif keyword in ("fecha", "vence", "due") and rest:
            draft.due_week, draft.due_date = parse_due(rest, cohort, today)
        elif _means_due(part, today):
            draft.due_week, draft.due_date = parse_due(part, cohort, today)
        else:
            raise CohortError(
                N_("I did not understand “{part}”. Type /entregable ayuda to see how to write it."),
                part=shorten(part, 60),
            )
    return draft
