"""Deliverable status: teams report progress, coordinators manage the deliverables.

What people do here:

- coordinators manage deliverables with `/entregable` (list, new, show,
  assign, due date, delete);
- any member of a city team reports a deliverable's status — sin iniciar /
  en curso / bloqueado / completado — plus an optional note and link, with
  buttons (`/reportar`), a form (`/reportar formulario`) or one line
  (`/reportar mapeo en curso "falta acceso al SECOP"`); the rest of the team
  hears about it; every change is kept (who, when, from what to what, note);
- two days before each team's biweekly check-in the team gets a short async
  check-in form (`/avances` opens it too); the answers reach the coordinators
  as one digest two hours before the session;
- a team with no update for `nudge_after_days` and an open deliverable due
  within two weeks is reminded once.

The read side (`/estado`, `/tablero`, exports, the weekly digest) lives in
`dashboard.py`; both share the board data built here (`load_board`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import (
    cohort_occurrences,
    ensure_checkin_series,
    find_occurrence,
    occurrence_for,
)
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import Capabilities, RenderContext, announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, FieldKind, Form, FormField, Reply, button_rows
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_, Translator
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import (
    Occurrence,
    code_ref,
    ref_code,
    sprint_end,
    sprint_week,
    to_utc,
)
from cohorte.storage import queries
from cohorte.storage.models import Cohort, Member, Role, Team
from cohorte.storage.status import (
    CheckinAnswer,
    Deliverable,
    Status,
    StatusDraft,
    StatusUpdate,
    add_update,
    assigned_teams,
    current_update,
    current_updates,
    deliverables_of,
    is_assigned,
    last_team_updates,
    set_assignment,
    status_history,
    sweep_drafts,
    team_deliverable,
)
from cohorte.storage.types import parse_id

logger = logging.getLogger(__name__)

# --- statuses ---------------------------------------------------------------------------

STATUS_ORDER = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE)
STATUS_LABELS = {
    Status.NOT_STARTED: N_("not started"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.BLOCKED: N_("blocked"),
    Status.DONE: N_("done"),
}
# Distinct shapes, not only colours, so that colour-blind readers tell them apart.
STATUS_ICONS = {
    Status.NOT_STARTED: "⚪",
    Status.IN_PROGRESS: "🔄",
    Status.BLOCKED: "⛔",
    Status.DONE: "✅",
}
OVERDUE_ICON = "⏰"
# One letter per status in button payloads ("sts:12:b").
STATUS_CODES = {
    "n": Status.NOT_STARTED,
    "p": Status.IN_PROGRESS,
    "b": Status.BLOCKED,
    "d": Status.DONE,
}
CODE_OF_STATUS = {status: code for code, status in STATUS_CODES.items()}

RDC_CRITERIA = {
    "RDC7": N_("open and shared contracting data"),
    "RDC8": N_("supplier engagement and competition"),
}

NOTE_LIMIT = 1000
LINK_LIMIT = 500
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
CODE_LIMIT = 32
BUTTON_TITLE_CHARS = 40

# Scheduled messages.
KIND_CHANGED = "status.changed"
KIND_CHECKIN_PROMPT = "status.checkin"
KIND_CHECKIN_DIGEST = "status.checkin_digest"
KIND_NUDGE = "status.nudge"
CHECKIN_PROMPT_DAYS = 2
CHECKIN_DIGEST_LEAD = timedelta(hours=2)
NUDGE_HORIZON = timedelta(days=14)
DRAFT_LIFETIME = timedelta(days=1)
WORK_START, WORK_END, WORK_NUDGE = time(8, 0), time(18, 0), time(9, 0)

DEFAULT_CHECKIN_QUESTIONS = (
    N_("What did you move forward since the last session?"),
    N_("What is blocking you?"),
    N_("What do you want to go over in the session?"),
)


def status_label(t: Translator, status: Status) -> str:
    return t._(STATUS_LABELS[status])


def status_tag(t: Translator, status: Status) -> str:
    """'🔄 en curso'."""
    return f"{STATUS_ICONS[status]} {status_label(t, status)}"


def short_date(t: Translator, day: date) -> str:
    """'22 abr' / 'Apr 22'."""
    return str(format_skeleton("MMMd", day, locale=t.locale))


def rdc_tags(deliverable: Deliverable) -> list[str]:
    return [tag for tag, on in (("RDC7", deliverable.rdc7), ("RDC8", deliverable.rdc8)) if on]


# --- due dates --------------------------------------------------------------------------


def due_date(deliverable: Deliverable, cohort: Cohort) -> date | None:
    """The deliverable's due day: its date, or the Friday of its sprint week."""
    if deliverable.due_date is not None:
        return deliverable.due_date
    if deliverable.due_week is not None:
        return cohort.start_date + timedelta(weeks=deliverable.due_week - 1, days=4)
    return None


def due_text(t: Translator, deliverable: Deliverable, cohort: Cohort) -> str:
    """'Semana 3 · viernes, 9 de mayo', or '' without a due date."""
    day = due_date(deliverable, cohort)
    if day is None:
        return ""
    week = deliverable.due_week or sprint_week(cohort.start_date, cohort.weeks, day)
    if week:
        return t._("Week {n} · {date}", n=week, date=t.date(day))
    return t.date(day)


def is_commitment(deliverable: Deliverable, status: Status) -> bool:
    """Open work the team owes: not done, and an optional one only once started."""
    if status is Status.DONE:
        return False
    return not (deliverable.optional and status is Status.NOT_STARTED)


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


# --- what people type -------------------------------------------------------------------

_STATUS_PHRASES: dict[Status, tuple[str, ...]] = {
    Status.NOT_STARTED: (
        "sin iniciar",
        "sin empezar",
        "sin comenzar",
        "no iniciado",
        "no iniciada",
        "pendiente",
        "not started",
        "todo",
    ),
    Status.IN_PROGRESS: (
        "en curso",
        "en progreso",
        "en proceso",
        "avanzando",
        "iniciado",
        "iniciada",
        "empezado",
        "empezada",
        "in progress",
        "started",
        "doing",
    ),
    Status.BLOCKED: (
        "bloqueado",
        "bloqueada",
        "trabado",
        "trabada",
        "atascado",
        "atascada",
        "detenido",
        "detenida",
        "blocked",
        "stuck",
    ),
    Status.DONE: (
        "completado",
        "completada",
        "terminado",
        "terminada",
        "finalizado",
        "finalizada",
        "entregado",
        "entregada",
        "listo",
        "lista",
        "hecho",
        "hecha",
        "done",
        "completed",
        "finished",
    ),
}
STATUS_PHRASES: dict[tuple[str, ...], Status] = {
    tuple(phrase.split()): status
    for status, phrases in _STATUS_PHRASES.items()
    for phrase in phrases
}
_LONGEST_PHRASE = max(len(words) for words in STATUS_PHRASES)
_STOPWORDS = frozenset(
    {"de", "del", "la", "el", "los", "las", "y", "e", "o", "con", "para", "por", "a", "en"}
    | {"al", "un", "una", "the", "of", "and", "for", "to"}
)
_WORD_SPLIT = re.compile(r"[^\w]+")
_QUOTED = re.compile(r'"(?P<a>[^"]*)"|“(?P<b>[^”]*)”|«(?P<c>[^»]*)»|‘(?P<d>[^’]*)’')
_URL = re.compile(r"https?://[^\s<>\"“”«»]+", re.I)
_URL_TRAILING = ".,;:)]}!?"
_NOTE_EDGES = ' \t:-–—,.;"“”«»‘’'


def words(text: str) -> list[str]:
    """Folded words: 'Publicación de datos-abiertos' -> publicacion, de, datos, abiertos."""
    return [word for word in _WORD_SPLIT.split(fold(text)) if word]


def parse_status(text: str) -> Status | None:
    """'En curso', 'bloqueada', 'done' -> the status; None for anything else."""
    return STATUS_PHRASES.get(tuple(words(text)))


@dataclass(frozen=True)
class ReportLine:
    """What `/reportar …` said: which deliverable, which status, a note and a link."""

    query: str
    status: Status | None = None
    note: str | None = None
    link: str | None = None


def _find_status(folded: list[str]) -> tuple[int, int, Status] | None:
    """The first status phrase with something before it, else one at the start."""
    found: list[tuple[int, int, Status]] = []
    for start in range(len(folded)):
        for length in range(min(_LONGEST_PHRASE, len(folded) - start), 0, -1):
            status = STATUS_PHRASES.get(tuple(folded[start : start + length]))
            if status is not None:
                found.append((start, length, status))
                break
    for match in found:
        if match[0] > 0:
            return match
    return found[0] if found else None


def split_link(text: str | None) -> tuple[str | None, str | None]:
    """(note without the first web address, that address)."""
    if not text:
        return None, None
    match = _URL.search(text)
    if match is None:
        return _clean_note(text), None
    link = match.group(0).rstrip(_URL_TRAILING)
    rest = text[: match.start()] + " " + text[match.start() + len(link) :]
    return _clean_note(rest), link


def _clean_note(text: str) -> str | None:
    cleaned = " ".join(text.split()).strip(_NOTE_EDGES)
    return cleaned or None


def parse_report_line(text: str) -> ReportLine:
    """Read `mapeo en curso "falta acceso al SECOP" https://…`.

    The note is the quoted text, or whatever follows the status; the first web
    address becomes the link. The deliverable is what comes before the status
    (or after it, when the line starts with the status).
    """
    note: str | None = None
    quoted = _QUOTED.search(text)
    if quoted is not None:
        note = next(group for group in quoted.groups() if group is not None)
        text = text[: quoted.start()] + " " + text[quoted.end() :]
    raw = text.split()
    folded = [" ".join(words(token)) for token in raw]
    found = _find_status(folded)
    if found is None:
        query, trailing, status = " ".join(raw), "", None
    else:
        start, length, status = found
        before, after = raw[:start], raw[start + length :]
        query, trailing = (" ".join(before), " ".join(after)) if before else (" ".join(after), "")
    trailing_note, trailing_link = split_link(trailing)
    note, note_link = split_link(note)
    if note is None:
        note = trailing_note
    elif trailing_note:
        note = f"{note} {trailing_note}"
    return ReportLine(
        query=query.strip(_NOTE_EDGES),
        status=status,
        note=note,
        link=note_link or trailing_link,
    )


class Named(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def title(self) -> str: ...


D = TypeVar("D", bound=Named)


def match_deliverables(query: str, deliverables: Sequence[D]) -> list[D]:
    """The deliverables a person meant, best tier only; several means "ask which".

    Tiers: the code or title exactly (accents, case and punctuation aside);
    then a code or title that starts with the query; then titles whose words
    start with every significant word of the query ("mapeo prov").
    """
    wanted = " ".join(words(query))
    if not wanted:
        return []
    names = [(d, " ".join(words(d.code)), " ".join(words(d.title))) for d in deliverables]
    exact = [d for d, code, title in names if wanted in (code, title)]
    if exact:
        return exact
    prefix = [d for d, code, title in names if code.startswith(wanted) or title.startswith(wanted)]
    if prefix:
        return prefix
    tokens = [w for w in wanted.split() if w not in _STOPWORDS] or wanted.split()
    found = []
    for d, code, title in names:
        pool = set(code.split()) | set(title.split())
        if all(any(word.startswith(token) for word in pool) for token in tokens):
            found.append(d)
    return found


def clean_note(text: str | None) -> tuple[str | None, int | None]:
    """(note cut to the limit, its original length when it had to be cut)."""
    if text is None:
        return None, None
    text = text.strip()
    if not text:
        return None, None
    if len(text) > NOTE_LIMIT:
        return text[: NOTE_LIMIT - 1].rstrip() + "…", len(text)
    return text, None


def clean_link(link: str | None, note: str | None) -> tuple[str | None, str | None]:
    """(link, note): something that is not a usable web address goes into the note."""
    if not link:
        return None, note
    link = link.strip()
    if _URL.fullmatch(link) and len(link) <= LINK_LIMIT:
        return link, note
    return None, f"{note} {link}" if note else link


def code_from_title(title: str, taken: set[str]) -> str:
    """A short code people can type: 'Plan de mejora' -> 'plan' (or 'plan-mejora', 'plan-2')."""
    significant = [w for w in words(title) if w not in _STOPWORDS] or words(title) or ["entregable"]
    for size in range(1, len(significant) + 1):
        code = "-".join(significant[:size])[:CODE_LIMIT].strip("-")
        if code and code not in taken:
            return code
    base = "-".join(significant)[: CODE_LIMIT - 3].strip("-")
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def normalise_code(text: str) -> str:
    """'Mapeo Procesos' -> 'mapeo-procesos'; '' when nothing usable is left."""
    return "-".join(words(text)).replace("_", "-")[:CODE_LIMIT].strip("-")


# --- the board: every team's status of every deliverable --------------------------------


@dataclass(frozen=True)
class Cell:
    """One team's current status of one deliverable assigned to it."""

    deliverable: Deliverable
    team: Team
    update: StatusUpdate | None
    author: str | None
    due: date | None
    overdue: bool

    @property
    def status(self) -> Status:
        return self.update.status if self.update is not None else Status.NOT_STARTED

    @property
    def updated_at(self) -> datetime | None:
        return self.update.created_at if self.update is not None else None


@dataclass
class Board:
    """Teams × deliverables of one cohort at one moment."""

    cohort: Cohort
    now: datetime
    teams: list[Team]
    deliverables: list[Deliverable]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    last_updates: dict[int, StatusUpdate] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # member id -> display name

    @property
    def today(self) -> date:
        return local_today(self.now, self.cohort.home_zone)

    @property
    def week(self) -> int | None:
        return sprint_week(self.cohort.start_date, self.cohort.weeks, self.today)

    def cell(self, team: Team, deliverable: Deliverable) -> Cell | None:
        return self.cells.get((_pk(team.id), _pk(deliverable.id)))

    def team_cells(self, team: Team) -> list[Cell]:
        found = (self.cell(team, d) for d in self.deliverables)
        return [cell for cell in found if cell is not None]

    def deliverable_cells(self, deliverable: Deliverable) -> list[Cell]:
        found = (self.cell(team, deliverable) for team in self.teams)
        return [cell for cell in found if cell is not None]

    def last_update_of(self, team: Team) -> StatusUpdate | None:
        return self.last_updates.get(_pk(team.id))


async def member_names(session: AsyncSession, cohort_id: int) -> dict[int, str]:
    rows = await queries.members_with_people(session, cohort_id)
    return {_pk(member.id): person.display_name for member, person in rows}


async def load_board(
    session: AsyncSession, cohort: Cohort, now: datetime, *, team_id: int | None = None
) -> Board:
    """Current status of every assigned (team, deliverable) pair, overdue ones marked.

    A deliverable is overdue when its due day has passed in the team's own
    zone and it is still open work (see `is_commitment`).
    """
    cohort_id = _pk(cohort.id)
    teams = [
        team
        for team in await queries.teams_of(session, cohort_id)
        if team_id is None or team.id == team_id
    ]
    deliverables = list(await deliverables_of(session, cohort_id))
    assignments = await assigned_teams(session, cohort_id)
    updates = await current_updates(session, cohort_id)
    board = Board(
        cohort=cohort,
        now=now,
        teams=teams,
        deliverables=deliverables,
        last_updates=await last_team_updates(session, cohort_id),
        names=await member_names(session, cohort_id),
    )
    for team in teams:
        tid = _pk(team.id)
        today = local_today(now, team.zone)
        for deliverable in deliverables:
            if not is_assigned(deliverable, tid, assignments):
                continue
            update = updates.get((_pk(deliverable.id), tid))
            status = update.status if update is not None else Status.NOT_STARTED
            due = due_date(deliverable, cohort)
            board.cells[(tid, _pk(deliverable.id))] = Cell(
                deliverable=deliverable,
                team=team,
                update=update,
                author=board.names.get(update.member_id) if update and update.member_id else None,
                due=due,
                overdue=due is not None and due < today and is_commitment(deliverable, status),
            )
    return board


def cell_line(t: Translator, cell: Cell, cohort: Cohort, *, with_update: bool = True) -> str:
    """'🔄 *Mapeo de procesos y sistemas* · RDC7 · Semana 3 · viernes, 9 de mayo ⏰'."""
    deliverable = cell.deliverable
    parts = [f"{STATUS_ICONS[cell.status]} *{deliverable.title}*"]
    parts += rdc_tags(deliverable)
    if deliverable.optional:
        parts.append(t._("optional"))
    due = due_text(t, deliverable, cohort)
    if due:
        parts.append(t._("due {when}", when=due))
    line = " · ".join(parts)
    if cell.overdue:
        line += f" {OVERDUE_ICON} " + t._("overdue")
    if with_update:
        line += "\n   " + status_label(t, cell.status)
        if cell.update is not None:
            line += " · " + short_date(t, local_today(cell.update.created_at, cohort.home_zone))
            if cell.author:
                line += f", {cell.author}"
            if cell.update.note:
                line += f": “{_shorten(cell.update.note, 160)}”"
            if cell.update.link:
                line += f" {cell.update.link}"
    return line


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pk(value: int | None) -> int:
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value


# --- recording a status -----------------------------------------------------------------


class SameStatusError(CohortError):
    """The status did not change and there is no note: nothing new to record."""

    message = N_("“{title}” is already {status}. To add news, write a note as well.")

    def __init__(self, title: str, status: Status) -> None:
        super().__init__(title=title)
        self.status = status

    def render(self, t: Translator) -> str:
        return t._(self.message, title=self.params["title"], status=status_label(t, self.status))


async def record_status(
    session: AsyncSession,
    deliverable: Deliverable,
    team: Team,
    member: Member | None,
    status: Status | None,
    now: datetime,
    *,
    note: str | None = None,
    link: str | None = None,
) -> StatusUpdate:
    """Add one history row: the team's deliverable moves to `status` (None: stays).

    Any status may follow any other (a done deliverable can be reopened). The
    same status again is only recorded with a note or a link: it is news.
    Raises `SameStatusError` otherwise.
    """
    member_id = member.id if member is not None else None
    update = await add_update(
        session, deliverable, _pk(team.id), member_id, status, now, note=note, link=link
    )
    if update is None:  # the same status, and no note: only now is the current one read
        current = await current_update(session, _pk(deliverable.id), _pk(team.id))
        raise SameStatusError(deliverable.title, current.status if current else Status.NOT_STARTED)
    return update


# --- commands ---------------------------------------------------------------------------


def register(router: Router) -> None:
    router.command(
        ("reportar", "report"),
        report,
        N_("report a deliverable's status: /reportar mapeo en curso “nota”"),
    )
    router.command(
        ("avances", "progress"),
        open_checkin,
        N_("answer the questions before your team's check-in session"),
    )
    router.command(
        ("entregable", "entregables", "deliverable"),
        manage_deliverables,
        N_("deliverables: list, nuevo, ver, asignar, fecha, borrar"),
        coordinator_only=True,
    )
    router.raw_button("stl", lambda ctx, _args: report(ctx, ""))
    router.raw_button("std", pick_deliverable)
    router.raw_button("sts", pick_status)
    router.raw_button("sta", resolve_draft)
    router.raw_button("stn", ask_note)
    router.raw_button("stnf", submit_note)
    router.raw_button("stf", submit_report_form)
    router.raw_button("stc", lambda ctx, args: _checkin_form(ctx, code_ref("/".join(args))))
    router.raw_button("stcf", submit_checkin)
    router.raw_button("stb", confirm_delete)


def require_team(ctx: Context) -> tuple[Cohort, Member, Team]:
    """The reporter's cohort, membership and city team, or a message saying what is missing."""
    cohort, member = ctx.require_member()
    if ctx.team is None:
        if member.role == Role.COORDINATOR:
            raise CohortError(
                N_(
                    "Reporting is for the city teams. As coordination you can follow "
                    "everything with /estado and /tablero."
                )
            )
        raise CohortError(
            N_(
                "You are not on a city team yet, so there is nothing to report. "
                "Pick your team: write /unirme followed by the invite code."
            )
        )
    return cohort, member, ctx.team


async def team_deliverables(session: AsyncSession, cohort: Cohort, team: Team) -> list[Deliverable]:
    cohort_id = _pk(cohort.id)
    assignments = await assigned_teams(session, cohort_id)
    return [
        d
        for d in await deliverables_of(session, cohort_id)
        if is_assigned(d, _pk(team.id), assignments)
    ]


async def report(ctx: Context, args: str) -> list[Reply]:
    """/reportar [entregable estado "nota"]: buttons, a form, or one line."""
    cohort, member, team = require_team(ctx)
    t = ctx.t
    mine = await team_deliverables(ctx.session, cohort, team)
    if not mine:
        raise CohortError(
            N_("The {team} team has no deliverables yet. The coordination team adds them."),
            team=team.name,
        )
    text = args.strip()
    if not text:
        return [await _deliverable_buttons(ctx, cohort, team, mine)]
    if fold(text) in ("formulario", "form"):
        return [_report_form(t, team, mine)]
    line = parse_report_line(text)
    if not line.query:
        raise CohortError(
            N_(
                "Which deliverable? Write its code or name before the status, for example: "
                "/reportar mapeo en curso"
            )
        )
    found = await _find_for_team(ctx, cohort, team, mine, line.query)
    if len(found) > 1:
        return [await _ask_which(ctx, cohort, member, found, line)]
    deliverable = found[0]
    if line.status is None and not line.note and not line.link:
        return [await _status_buttons(ctx, deliverable, team)]
    return await _record_and_confirm(
        ctx, cohort, member, team, deliverable, line.status, line.note, line.link
    )


async def _find_for_team(
    ctx: Context, cohort: Cohort, team: Team, mine: list[Deliverable], query: str
) -> list[Deliverable]:
    """The team's deliverables that match; errors for unknown and other teams' ones."""
    everything = await deliverables_of(ctx.session, _pk(cohort.id))
    others = match_deliverables(query, everything)
    found = [d for d in others if d in mine] or match_deliverables(query, mine)
    if found:
        return found
    if others:
        raise CohortError(
            N_("“{title}” is not one of the {team} team's deliverables."),
            title=others[0].title,
            team=team.name,
        )
    raise CohortError(
        N_("I could not find the deliverable “{query}”. Your team's deliverables: {codes}."),
        query=_shorten(query, 60),
        codes=", ".join(d.code for d in mine),
    )


async def _deliverable_buttons(
    ctx: Context, cohort: Cohort, team: Team, mine: list[Deliverable]
) -> Reply:
    updates = await current_updates(ctx.session, _pk(cohort.id))
    buttons = []
    for deliverable in mine:
        update = updates.get((_pk(deliverable.id), _pk(team.id)))
        status = update.status if update is not None else Status.NOT_STARTED
        label = f"{STATUS_ICONS[status]} {_shorten(deliverable.title, BUTTON_TITLE_CHARS)}"
        buttons.append(Button(label, f"std:{deliverable.id}"))
    text = ctx.t._(
        "Which deliverable of the {team} team do you want to update? "
        "(Tip: /reportar mapeo en curso “note” does it in one line.)",
        team=team.name,
    )
    return Reply(text, button_rows(buttons, per_row=1))


async def _status_buttons(ctx: Context, deliverable: Deliverable, team: Team) -> Reply:
    t = ctx.t
    current = await current_update(ctx.session, _pk(deliverable.id), _pk(team.id))
    status = current.status if current is not None else Status.NOT_STARTED
    lines = [f"*{deliverable.title}*", t._("Now: {status}", status=status_tag(t, status))]
    if ctx.cohort is not None:
        due = due_text(t, deliverable, ctx.cohort)
        if due:
            lines.append(t._("Due {when}", when=due))
    if deliverable.template_url:
        lines.append(t._("Template: {url}", url=deliverable.template_url))
    lines.append(t._("How is it going?"))
    buttons = [
        Button(status_tag(t, option), f"sts:{deliverable.id}:{CODE_OF_STATUS[option]}")
        for option in STATUS_ORDER
    ]
    return Reply("\n".join(lines), button_rows(buttons))


async def _ask_which(
    ctx: Context, cohort: Cohort, member: Member, found: list[Deliverable], line: ReportLine
) -> Reply:
    """Several deliverables match: keep the report as a draft and ask with buttons."""
    note, _ = clean_note(line.note)
    link, note = clean_link(line.link, note)
    note, _ = clean_note(note)
    draft = StatusDraft(
        cohort_id=_pk(cohort.id),
        member_id=_pk(member.id),
        status=line.status,
        note=note,
        link=link,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(draft)
    await ctx.session.flush()
    buttons = [
        Button(_shorten(d.title, BUTTON_TITLE_CHARS), f"sta:{draft.id}:{d.id}") for d in found
    ]
    return Reply(
        ctx.t._("“{query}” could be several deliverables. Which one?", query=line.query),
        button_rows(buttons, per_row=1),
    )


def _report_form(t: Translator, team: Team, mine: list[Deliverable]) -> Reply:
    form = Form(
        title=t._("Deliverable status — {team}", team=team.name),
        submit="stf",
        fields=(
            FormField(
                "deliverable",
                t._("Which deliverable?"),
                FieldKind.CHOICE,
                tuple((str(d.id), _shorten(d.title, BUTTON_TITLE_CHARS)) for d in mine),
            ),
            FormField(
                "status",
                t._("Its status?"),
                FieldKind.CHOICE,
                tuple((CODE_OF_STATUS[s], status_tag(t, s)) for s in STATUS_ORDER),
            ),
            FormField(
                "note",
                t._("A note for the team and the coordination (optional)"),
                FieldKind.LONG_TEXT,
                required=False,
                max_length=NOTE_LIMIT,
            ),
            FormField(
                "link",
                t._("A link to the document (optional)"),
                required=False,
                max_length=LINK_LIMIT,
            ),
        ),
    )
    return Reply("", form=form)


async def _record_and_confirm(
    ctx: Context,
    cohort: Cohort,
    member: Member,
    team: Team,
    deliverable: Deliverable,
    status: Status | None,
    note: str | None,
    link: str | None,
) -> list[Reply]:
    t = ctx.t
    note, cut_from = clean_note(note)
    link, note = clean_link(link, note)
    if cut_from is None:
        note, cut_from = clean_note(note)
    update = await record_status(
        ctx.session, deliverable, team, member, status, ctx.clock.now(), note=note, link=link
    )
    lines = [_change_text(t, deliverable, team, update)]
    if cut_from is not None:
        lines.append(
            t._(
                "Your note was very long ({length} characters): I kept the first {limit}.",
                length=cut_from,
                limit=NOTE_LIMIT,
            )
        )
    buttons = []
    if update.status is Status.BLOCKED and not update.note:
        lines.append(t._("What is blocking you? Add a note so the coordination team can help."))
    if not update.note:
        buttons.append(Button("📝 " + t._("Add a note"), f"stn:{update.id}"))
    buttons.append(Button(t._("Another deliverable"), "stl"))
    teammates = await queries.teammates(ctx.session, _pk(team.id), besides=_pk(member.id))
    if teammates:
        await announce(
            ctx,
            KIND_CHANGED,
            f"u{update.id}",
            data={"update": update.id},
            people=teammates,
            to_chats=False,
        )
    return [Reply("\n".join(lines), button_rows(buttons))]


def _note_and_link(t: Translator, update: StatusUpdate) -> str:
    """The note and link of a status change, one line each (empty when absent)."""
    text = ""
    if update.note:
        text += "\n" + t._("Note: “{note}”", note=_shorten(update.note, 300))
    if update.link:
        text += "\n" + t._("Link: {url}", url=update.link)
    return text


def _change_text(t: Translator, deliverable: Deliverable, team: Team, update: StatusUpdate) -> str:
    previous = update.previous or Status.NOT_STARTED
    if previous == update.status:
        text = t._(
            "Done: note added to *{title}* ({team}), still {status}.",
            title=deliverable.title,
            team=team.name,
            status=status_tag(t, update.status),
        )
    else:
        text = t._(
            "Done: *{title}* ({team}) went from {old} to {new}.",
            title=deliverable.title,
            team=team.name,
            old=status_label(t, previous),
            new=status_tag(t, update.status),
        )
    text += _note_and_link(t, update)
    return text


async def _own_deliverable(
    ctx: Context, deliverable_id: int
) -> tuple[Cohort, Member, Team, Deliverable]:
    """The deliverable of a button, checked against the presser's team."""
    cohort, member, team = require_team(ctx)
    found = await team_deliverable(ctx.session, deliverable_id, _pk(team.id))
    if found is None or found[0].cohort_id != cohort.id:
        raise StaleButtonError()
    deliverable, assigned = found
    if not assigned:
        raise CohortError(
            N_("“{title}” is not one of the {team} team's deliverables."),
            title=deliverable.title,
            team=team.name,
        )
    return cohort, member, team, deliverable


async def pick_deliverable(ctx: Context, args: list[str]) -> list[Reply]:
    """Deliverable button: its status buttons."""
    _, _, team, deliverable = await _own_deliverable(ctx, parse_id(args[0]))
    return [await _status_buttons(ctx, deliverable, team)]


async def pick_status(ctx: Context, args: list[str]) -> list[Reply]:
    """Status button: the status is recorded; a note can follow."""
    status = STATUS_CODES.get(args[1])
    if status is None:
        raise StaleButtonError()
    cohort, member, team, deliverable = await _own_deliverable(ctx, parse_id(args[0]))
    return await _record_and_confirm(ctx, cohort, member, team, deliverable, status, None, None)


async def resolve_draft(ctx: Context, args: list[str]) -> list[Reply]:
    """Which-one button after an ambiguous one-line report: the draft is recorded."""
    draft = await ctx.session.get(StatusDraft, parse_id(args[0]))
    cohort, member, team, deliverable = await _own_deliverable(ctx, parse_id(args[1]))
    if draft is None or draft.member_id != member.id:
        raise StaleButtonError()
    await ctx.session.delete(draft)
    if draft.status is None and not draft.note and not draft.link:
        return [await _status_buttons(ctx, deliverable, team)]
    return await _record_and_confirm(
        ctx, cohort, member, team, deliverable, draft.status, draft.note, draft.link
    )


async def _own_update(ctx: Context, update_id: int) -> tuple[Cohort, Member, Team, StatusUpdate]:
    cohort, member, team = require_team(ctx)
    update = await ctx.session.get(StatusUpdate, update_id)
    if update is None or update.team_id != team.id:
        raise StaleButtonError()
    return cohort, member, team, update


async def ask_note(ctx: Context, args: list[str]) -> list[Reply]:
    """Add-a-note button: a short form (note, optional link)."""
    _, _, _, update = await _own_update(ctx, parse_id(args[0]))
    deliverable = await ctx.session.get(Deliverable, update.deliverable_id)
    if deliverable is None:
        raise StaleButtonError()
    t = ctx.t
    form = Form(
        title=t._("Note on {title}", title=_shorten(deliverable.title, 60)),
        submit=f"stnf:{update.id}",
        fields=(
            FormField("note", t._("Your note"), FieldKind.LONG_TEXT, max_length=NOTE_LIMIT),
            FormField(
                "link",
                t._("A link to the document (optional)"),
                required=False,
                max_length=LINK_LIMIT,
            ),
        ),
    )
    return [Reply("", form=form)]


async def submit_note(ctx: Context, args: list[str]) -> list[Reply]:
    """The note form came back: it completes that update, or becomes a new one."""
    cohort, member, team, update = await _own_update(ctx, parse_id(args[0]))
    deliverable = await ctx.session.get(Deliverable, update.deliverable_id)
    if deliverable is None:
        raise StaleButtonError()
    values = ctx.incoming.form_values or {}
    note, cut_from = clean_note(values.get("note"))
    link, note = clean_link(values.get("link"), note)
    latest = await current_update(ctx.session, _pk(deliverable.id), _pk(team.id))
    if (
        latest is not None
        and latest.id == update.id
        and update.member_id == member.id
        and not update.note
        and not update.link
        and (note or link)
    ):
        # The author completes the change they just made: one history row, not two.
        update.note, update.link = note, link
        ctx.session.add(update)
        lines = [_change_text(ctx.t, deliverable, team, update)]
        if cut_from is not None:
            lines.append(
                ctx.t._(
                    "Your note was very long ({length} characters): I kept the first {limit}.",
                    length=cut_from,
                    limit=NOTE_LIMIT,
                )
            )
        return [Reply("\n".join(lines))]
    return await _record_and_confirm(
        ctx, cohort, member, team, deliverable, None, values.get("note"), values.get("link")
    )


async def submit_report_form(ctx: Context, _args: list[str]) -> list[Reply]:
    """The report form came back (Slack modal or guided questions)."""
    values = ctx.incoming.form_values or {}
    status = STATUS_CODES.get(values.get("status", ""))
    if status is None:
        raise StaleButtonError()
    cohort, member, team, deliverable = await _own_deliverable(
        ctx, parse_id(values.get("deliverable", ""))
    )
    return await _record_and_confirm(
        ctx, cohort, member, team, deliverable, status, values.get("note"), values.get("link")
    )


# --- managing deliverables (coordinators) -----------------------------------------------

_SUBCOMMANDS = {
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
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_DMY = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?")
_WEEK = re.compile(r"(?:semana|sem|week|s)\s*(\d{1,2})")
_RDC = re.compile(r"(?:rdc\s*[78][\s,/+y&]*)+")


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


def parse_due(text: str, cohort: Cohort) -> tuple[int | None, date | None]:
    """'semana 4' -> (4, None); '2025-05-16' or '16/5' -> (None, date). Raises CohortError."""
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
    day: date | None = None
    try:
        if (iso := _DATE_ISO.fullmatch(folded)) is not None:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif (dmy := _DATE_DMY.fullmatch(folded)) is not None:
            year = int(dmy.group(3) or cohort.start_date.year)
            day = date(year, int(dmy.group(2)), int(dmy.group(1)))
    except ValueError:
        day = None
    if day is None:
        raise CohortError(
            N_("I could not read the due date “{text}”. Write semana 4, 2025-05-16 or 16/5."),
            text=_shorten(text, 40),
        )
    last = sprint_end(cohort.start_date, cohort.weeks)
    if not cohort.start_date <= day <= last:
        raise CohortError(
            N_("{date} is outside the sprint ({first} to {last})."),
            date=day.isoformat(),
            first=cohort.start_date.isoformat(),
            last=last.isoformat(),
        )
    return None, day


def match_teams(text: str, teams: Sequence[Team]) -> list[Team]:
    """'Bogotá, santiago y CDMX' -> those teams (by name or city prefix). Raises CohortError."""
    chosen: list[Team] = []
    for raw in re.split(r",|;|\sy\s|\se\s|\sand\s", text):
        wanted = " ".join(words(raw))
        if not wanted:
            continue
        found = [
            team
            for team in teams
            if any(" ".join(words(name)).startswith(wanted) for name in (team.name, team.city))
        ]
        exact = [team for team in found if " ".join(words(team.name)) == wanted]
        found = exact or found
        if len(found) != 1:
            raise CohortError(
                N_("I could not tell which team “{name}” is. The teams: {teams}."),
                name=_shorten(raw.strip(), 40),
                teams=", ".join(team.name for team in teams),
            )
        if found[0] not in chosen:
            chosen.append(found[0])
    if not chosen:
        raise CohortError(
            N_("Which teams? The teams: {teams}."), teams=", ".join(t.name for t in teams)
        )
    return chosen


def parse_new_deliverable(text: str, cohort: Cohort, teams: Sequence[Team]) -> DeliverableDraft:
    """`Title; código mapeo; semana 3; RDC7 RDC8; opcional; equipos A, B; plantilla URL`."""
    parts = [part.strip() for part in text.split(";")]
    if not parts or not parts[0]:
        raise UsageError()
    title = parts[0]
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
        elif keyword in ("plantilla", "template") and _URL.fullmatch(rest):
            draft.template_url = rest[:LINK_LIMIT]
        elif _URL.fullmatch(part):
            draft.template_url = part[:LINK_LIMIT]
        elif folded in ("opcional", "optional"):
            draft.optional = True
        elif keyword in ("equipos", "equipo", "teams", "team") and rest:
            draft.teams = None if fold(rest) in ("todos", "all") else match_teams(rest, teams)
        elif _RDC.fullmatch(folded):
            draft.rdc7 = "7" in folded
            draft.rdc8 = "8" in folded
        elif keyword in ("fecha", "vence", "due") and rest:
            draft.due_week, draft.due_date = parse_due(rest, cohort)
        elif _WEEK.fullmatch(folded) or _DATE_ISO.fullmatch(folded) or _DATE_DMY.fullmatch(folded):
            draft.due_week, draft.due_date = parse_due(part, cohort)
        else:
            raise CohortError(
                N_("I did not understand “{part}”. Type /entregable ayuda to see how to write it."),
                part=_shorten(part, 60),
            )
    return draft


async def manage_deliverables(ctx: Context, args: str) -> list[Reply]:
    """/entregable [lista|nuevo|ver|asignar|fecha|borrar] …"""
    cohort, _ = ctx.require_coordinator()
    head, _, rest = args.strip().partition(" ")
    action = _SUBCOMMANDS.get(fold(head), "list" if not head else "")
    rest = rest.strip()
    if action == "list":
        return [await _list_deliverables(ctx, cohort)]
    if action == "new":
        return [await _new_deliverable(ctx, cohort, rest)]
    if action == "help":
        return [Reply(ctx.t._(USAGE))]
    if not action:
        raise UsageError()
    target, _, rest = rest.partition(" ")
    if not target:
        raise UsageError()
    deliverable = await _one_deliverable(ctx, cohort, target)
    if action == "show":
        return [await _show_deliverable(ctx, cohort, deliverable)]
    if action == "assign":
        return [await _assign(ctx, cohort, deliverable, rest.strip())]
    if action == "due":
        return [await _set_due(ctx, cohort, deliverable, rest.strip())]
    return [await _ask_delete(ctx, cohort, deliverable)]


async def _one_deliverable(ctx: Context, cohort: Cohort, query: str) -> Deliverable:
    everything = list(await deliverables_of(ctx.session, _pk(cohort.id)))
    found = match_deliverables(query, everything)
    if not found:
        raise CohortError(
            N_("There is no deliverable “{query}”. The codes: {codes}."),
            query=_shorten(query, 40),
            codes=", ".join(d.code for d in everything) or "—",
        )
    if len(found) > 1:
        raise CohortError(
            N_("“{query}” could be several deliverables: {codes}. Write its code."),
            query=_shorten(query, 40),
            codes=", ".join(d.code for d in found),
        )
    return found[0]


def _teams_text(
    t: Translator, deliverable: Deliverable, teams: Sequence[Team], assigned: set[int]
) -> str:
    if deliverable.all_teams:
        return t._("all teams")
    names = [team.name for team in teams if team.id in assigned]
    return ", ".join(names) or t._("no team")


async def _list_deliverables(ctx: Context, cohort: Cohort) -> Reply:
    t = ctx.t
    cohort_id = _pk(cohort.id)
    everything = await deliverables_of(ctx.session, cohort_id)
    if not everything:
        return Reply(t._("There are no deliverables yet.") + "\n\n" + t._(USAGE))
    teams = await queries.teams_of(ctx.session, cohort_id)
    assignments = await assigned_teams(ctx.session, cohort_id)
    lines = [t.ngettext("{n} deliverable:", "{n} deliverables:", len(everything))]
    for d in everything:
        parts = [f"*{d.code}* — {d.title}", *rdc_tags(d)]
        if d.optional:
            parts.append(t._("optional"))
        due = due_text(t, d, cohort)
        if due:
            parts.append(t._("due {when}", when=due))
        parts.append(_teams_text(t, d, teams, assignments.get(_pk(d.id), set())))
        lines.append("• " + " · ".join(parts))
    lines += ["", t._("Details: /entregable ver CODE. Every command: /entregable ayuda")]
    return Reply("\n".join(lines))


async def _new_deliverable(ctx: Context, cohort: Cohort, text: str) -> Reply:
    cohort_id = _pk(cohort.id)
    teams = await queries.teams_of(ctx.session, cohort_id)
    draft = parse_new_deliverable(text, cohort, teams)
    existing = await deliverables_of(ctx.session, cohort_id)
    taken = {d.code for d in existing}
    if draft.code and draft.code in taken:
        raise CohortError(
            N_("There is already a deliverable with the code {code}."), code=draft.code
        )
    deliverable = Deliverable(
        cohort_id=cohort_id,
        code=draft.code or code_from_title(draft.title, taken),
        title=draft.title,
        description=draft.description,
        template_url=draft.template_url,
        rdc7=draft.rdc7,
        rdc8=draft.rdc8,
        optional=draft.optional,
        due_week=draft.due_week,
        due_date=draft.due_date,
        all_teams=draft.teams is None,
        position=max((d.position for d in existing), default=0) + 1,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(deliverable)
    await ctx.session.flush()
    if draft.teams is not None:
        await set_assignment(ctx.session, deliverable, [_pk(team.id) for team in draft.teams])
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: new deliverable.") + "\n" + reply.text)


async def _show_deliverable(ctx: Context, cohort: Cohort, deliverable: Deliverable) -> Reply:
    t = ctx.t
    board = await load_board(ctx.session, cohort, ctx.clock.now())
    assignments = await assigned_teams(ctx.session, _pk(cohort.id))
    lines = [t._("*{title}* (code: {code})", title=deliverable.title, code=deliverable.code)]
    tags = rdc_tags(deliverable)
    if tags:
        lines.append(" · ".join(f"{tag} ({t._(RDC_CRITERIA[tag])})" for tag in tags))
    if deliverable.optional:
        lines.append(t._("Optional"))
    due = due_text(t, deliverable, cohort)
    lines.append(t._("Due {when}", when=due) if due else t._("No due date"))
    lines.append(
        t._(
            "For: {teams}",
            teams=_teams_text(
                t, deliverable, board.teams, assignments.get(_pk(deliverable.id), set())
            ),
        )
    )
    if deliverable.description:
        lines.append(deliverable.description)
    if deliverable.template_url:
        lines.append(t._("Template: {url}", url=deliverable.template_url))
    cells = board.deliverable_cells(deliverable)
    if cells:
        lines.append("")
        for cell in cells:
            line = f"{cell.team.name}: {status_tag(t, cell.status)}"
            if cell.overdue:
                line += f" {OVERDUE_ICON} " + t._("overdue")
            if cell.update is not None:
                line += " · " + short_date(t, local_today(cell.update.created_at, cohort.home_zone))
            lines.append("• " + line)
    return Reply("\n".join(lines))


async def _assign(ctx: Context, cohort: Cohort, deliverable: Deliverable, text: str) -> Reply:
    if not text:
        raise UsageError()
    if fold(text) in ("todos", "todas", "all"):
        await set_assignment(ctx.session, deliverable, None)
    else:
        teams = await queries.teams_of(ctx.session, _pk(cohort.id))
        chosen = match_teams(text, teams)
        await set_assignment(ctx.session, deliverable, [_pk(team.id) for team in chosen])
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: assignment updated.") + "\n" + reply.text)


async def _set_due(ctx: Context, cohort: Cohort, deliverable: Deliverable, text: str) -> Reply:
    if not text:
        raise UsageError()
    if fold(text) in ("ninguna", "ninguno", "sin fecha", "none"):
        deliverable.due_week, deliverable.due_date = None, None
    else:
        deliverable.due_week, deliverable.due_date = parse_due(text, cohort)
    ctx.session.add(deliverable)
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: due date updated.") + "\n" + reply.text)


async def _ask_delete(ctx: Context, cohort: Cohort, deliverable: Deliverable) -> Reply:
    t = ctx.t
    count = len(await status_history(ctx.session, _pk(cohort.id), deliverable_id=deliverable.id))
    text = t._("Delete *{title}*?", title=deliverable.title)
    if count:
        text += " " + t.ngettext(
            "Its history ({n} update) is deleted with it.",
            "Its history ({n} updates) is deleted with it.",
            count,
        )
    return Reply(text, ((Button("🗑 " + t._("Yes, delete it"), f"stb:{deliverable.id}"),),))


async def confirm_delete(ctx: Context, args: list[str]) -> list[Reply]:
    """Delete button (coordinators)."""
    cohort, _ = ctx.require_coordinator()
    deliverable = await ctx.session.get(Deliverable, parse_id(args[0]))
    if deliverable is None or deliverable.cohort_id != cohort.id:
        raise StaleButtonError()
    title = deliverable.title
    await ctx.session.delete(deliverable)
    return [Reply(ctx.t._("Done: I deleted the deliverable {title}.", title=title))]


# --- the async check-in -----------------------------------------------------------------


def checkin_questions(cohort: Cohort, t: Translator) -> list[str]:
    """The cohort's own questions, else the default ones in the reader's language."""
    try:
        custom = json.loads(cohort.checkin_questions or "[]")
    except ValueError:
        custom = []
    questions = [q.strip() for q in custom if isinstance(q, str) and q.strip()]
    return questions or [t._(question) for question in DEFAULT_CHECKIN_QUESTIONS]


def checkin_prompt_time(starts_at: datetime, zone: str) -> datetime:
    """Two days before, at the same wall-clock time in the team's zone (DST-proof)."""
    local = starts_at.astimezone(ZoneInfo(zone))
    return to_utc(
        local.date() - timedelta(days=CHECKIN_PROMPT_DAYS), local.time().replace(tzinfo=None), zone
    )


async def _team_checkin(ctx: Context, cohort: Cohort, team: Team, ref: str) -> Occurrence:
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if (
        occurrence is None
        or occurrence.kind != "checkin"
        or occurrence.team_id != team.id
        or occurrence.cancelled
    ):
        raise StaleButtonError()
    if occurrence.starts_at <= ctx.clock.now():
        raise CohortError(N_("That check-in session already started; the questions are closed."))
    return occurrence


async def open_checkin(ctx: Context, _args: str) -> list[Reply]:
    """/avances: the questions before the team's next check-in session."""
    cohort, _, team = require_team(ctx)
    now = ctx.clock.now()
    await ensure_checkin_series(ctx.session, cohort, now)
    upcoming = [
        o
        for o in await cohort_occurrences(
            ctx.session, cohort, now, now + timedelta(days=15), team_id=team.id
        )
        if o.kind == "checkin" and o.team_id == team.id
    ]
    if not upcoming:
        raise CohortError(
            N_("The {team} team has no check-in session in the next two weeks."), team=team.name
        )
    return await _checkin_form(ctx, upcoming[0].ref)


async def _checkin_form(ctx: Context, ref: str) -> list[Reply]:
    cohort, _, team = require_team(ctx)
    occurrence = await _team_checkin(ctx, cohort, team, ref)
    t = ctx.t
    fields = tuple(
        FormField(
            f"q{number}", question, FieldKind.LONG_TEXT, required=False, max_length=NOTE_LIMIT
        )
        for number, question in enumerate(checkin_questions(cohort, t), start=1)
    )
    form = Form(
        title=t._(
            "Before the check-in of {date}",
            date=t.date(local_today(occurrence.starts_at, ctx.zone)),
        ),
        submit=f"stcf:{ref_code(ref)}",
        fields=fields,
    )
    return [Reply("", form=form)]


async def submit_checkin(ctx: Context, args: list[str]) -> list[Reply]:
    """The check-in form came back: answers are kept (a second answer replaces the first)."""
    cohort, member, team = require_team(ctx)
    ref = code_ref("/".join(args))
    occurrence = await _team_checkin(ctx, cohort, team, ref)
    values = ctx.incoming.form_values or {}
    t = ctx.t
    answers: dict[str, str] = {}
    for number, question in enumerate(checkin_questions(cohort, t), start=1):
        answer, _ = clean_note(values.get(f"q{number}"))
        if answer:
            answers[question] = answer
    if not answers:
        raise CohortError(N_("You left every question empty, so there is nothing to send."))
    existing = (
        await ctx.session.exec(
            select(CheckinAnswer).where(
                CheckinAnswer.ref == ref, CheckinAnswer.member_id == member.id
            )
        )
    ).first()
    now = ctx.clock.now()
    row = existing or CheckinAnswer(
        cohort_id=_pk(cohort.id),
        team_id=_pk(team.id),
        ref=ref,
        member_id=_pk(member.id),
        answers="{}",
        created_at=now,
    )
    row.answers = json.dumps(answers, ensure_ascii=False)
    row.created_at = now
    ctx.session.add(row)
    return [
        Reply(
            t._(
                "Thank you! The coordination team will read your answers before the session "
                "on {when}.",
                when=t.when(occurrence.starts_at, ctx.zone),
            )
        )
    ]


# --- scheduled messages -----------------------------------------------------------------


def register_capabilities(capabilities: Capabilities) -> None:
    capabilities.planners.append(plan_checkins)
    capabilities.planners.append(plan_nudges)
    capabilities.planners.append(sweep_old_drafts)
    capabilities.renderer(KIND_CHANGED, render_change)
    capabilities.renderer(KIND_CHECKIN_PROMPT, render_checkin_prompt)
    capabilities.renderer(KIND_CHECKIN_DIGEST, render_checkin_digest, private=True)
    capabilities.renderer(KIND_NUDGE, render_nudge)


async def active_cohorts(session: AsyncSession, now: datetime) -> list[Cohort]:
    """Cohorts from a week before their start to a week after their end."""
    today = now.date()
    return [
        cohort
        for cohort in await queries.list_cohorts(session)
        if cohort.start_date - timedelta(days=7)
        <= today
        <= sprint_end(cohort.start_date, cohort.weeks) + timedelta(days=7)
    ]


def working_moment(instant: datetime, zone: str) -> datetime:
    """`instant` if it is working hours there (Mon–Fri 08–18), else the next 09:00 working day."""
    local = instant.astimezone(ZoneInfo(zone))
    if local.weekday() < 5 and WORK_START <= local.time() < WORK_END:
        return instant
    day = local.date()
    if local.weekday() >= 5 or local.time() >= WORK_END:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return to_utc(day, WORK_NUDGE, zone)


async def plan_checkins(session: AsyncSession, now: datetime) -> None:
    """Queue the async check-in (to the team) and its digest (to coordinators).

    The key holds the session's start instant, so a moved check-in gets fresh
    messages; the renderers drop those of a session that moved or was cancelled.
    """
    for cohort in await active_cohorts(session, now):
        cohort_id = _pk(cohort.id)
        await ensure_checkin_series(session, cohort, now)
        window_end = now + timedelta(days=CHECKIN_PROMPT_DAYS + 1)
        occurrences = [
            o
            for o in await cohort_occurrences(session, cohort, now, window_end)
            if o.kind == "checkin" and o.team_id is not None
        ]
        if not occurrences:
            continue
        teams = {team.id: team for team in await queries.teams_of(session, cohort_id)}
        members = await queries.members_with_people(session, cohort_id)
        coordinators = [_pk(p.id) for m, p in members if m.role == Role.COORDINATOR]
        planned: list[Planned] = []
        for occurrence in occurrences:
            team = teams.get(occurrence.team_id)
            if team is None:
                continue
            start = occurrence.starts_at
            stamp = int(start.timestamp())
            digest_at = start - CHECKIN_DIGEST_LEAD
            prompt_at = checkin_prompt_time(start, team.zone)
            data: dict[str, object] = {"start": start.isoformat(), "team": team.id}
            if prompt_at < digest_at:
                for member, person in members:
                    if member.team_id == team.id:
                        planned.append(
                            Planned(
                                f"st-ci:{occurrence.ref}:{stamp}:p{person.id}",
                                KIND_CHECKIN_PROMPT,
                                cohort_id,
                                prompt_at,
                                digest_at,
                                person_id=person.id,
                                ref=occurrence.ref,
                                data=data,
                            )
                        )
            for person_id in coordinators:
                planned.append(
                    Planned(
                        f"st-cd:{occurrence.ref}:{stamp}:p{person_id}",
                        KIND_CHECKIN_DIGEST,
                        cohort_id,
                        digest_at,
                        start,
                        person_id=person_id,
                        ref=occurrence.ref,
                        data=data,
                    )
                )
        added = await enqueue(session, planned, now)
        if added:
            logger.info("planned %d check-in messages for cohort %s", added, cohort_id)


def nudge_items(board: Board, team: Team) -> list[Cell]:
    """Open work of the team due within two weeks (overdue included), earliest first."""
    horizon = local_today(board.now, team.zone) + NUDGE_HORIZON
    cells = [
        cell
        for cell in board.team_cells(team)
        if cell.due is not None
        and cell.due <= horizon
        and is_commitment(cell.deliverable, cell.status)
    ]
    return sorted(cells, key=lambda cell: (cell.due or date.max, cell.deliverable.position))


def silent_since(board: Board, team: Team) -> tuple[datetime, int]:
    """Since when the team has said nothing, and the id of its last update (0: never)."""
    last = board.last_update_of(team)
    if last is not None:
        return last.created_at, _pk(last.id)
    start = datetime.combine(board.cohort.start_date, time(0), tzinfo=ZoneInfo(team.zone))
    return start.astimezone(UTC), 0


async def teams_to_nudge(
    session: AsyncSession, cohort: Cohort, now: datetime
) -> list[tuple[Team, int]]:
    """Teams silent for `nudge_after_days` with open work due within two weeks.

    Returns (team, id of its last update): the pair names the silent period,
    so each period is nudged once however often this runs.
    """
    board = await load_board(session, cohort, now)
    found = []
    for team in board.teams:
        since, period = silent_since(board, team)
        if now - since < timedelta(days=cohort.nudge_after_days):
            continue
        if nudge_items(board, team):
            found.append((team, period))
    return found


async def plan_nudges(session: AsyncSession, now: datetime) -> None:
    """Queue one nudge per silent period to the members of each quiet team."""
    for cohort in await active_cohorts(session, now):
        if now.date() > sprint_end(cohort.start_date, cohort.weeks):
            continue
        cohort_id = _pk(cohort.id)
        quiet = await teams_to_nudge(session, cohort, now)
        if not quiet:
            continue
        members = await queries.members_with_people(session, cohort_id)
        planned = []
        for team, period in quiet:
            due = working_moment(now, team.zone)
            for member, person in members:
                if member.team_id != team.id:
                    continue
                planned.append(
                    Planned(
                        f"st-nudge:{team.id}:{period}:p{person.id}",
                        KIND_NUDGE,
                        cohort_id,
                        due,
                        due + timedelta(days=2),
                        person_id=person.id,
                        ref=f"team{team.id}",
                        data={"team": team.id, "period": period},
                    )
                )
        added = await enqueue(session, planned, now)
        if added:
            logger.info("planned %d nudges for cohort %s", added, cohort_id)


async def sweep_old_drafts(session: AsyncSession, now: datetime) -> None:
    await sweep_drafts(session, now - DRAFT_LIFETIME)


async def render_change(rc: RenderContext) -> Reply | None:
    """To the rest of the team: who changed what."""
    update = await rc.session.get(StatusUpdate, int(str(rc.data.get("update", 0))))
    if update is None:
        return None
    deliverable = await rc.session.get(Deliverable, update.deliverable_id)
    team = await rc.session.get(Team, update.team_id)
    if deliverable is None or team is None:
        return None
    t = rc.t
    names = await member_names(rc.session, _pk(rc.cohort.id))
    who = names.get(update.member_id or 0, t._("Someone"))
    previous = update.previous or Status.NOT_STARTED
    if previous == update.status:
        text = t._(
            "{name} added a note to *{title}* ({team}), still {status}.",
            name=who,
            title=deliverable.title,
            team=team.name,
            status=status_tag(t, update.status),
        )
    else:
        text = t._(
            "{name} updated *{title}* ({team}): {old} → {new}.",
            name=who,
            title=deliverable.title,
            team=team.name,
            old=status_label(t, previous),
            new=status_tag(t, update.status),
        )
    text += _note_and_link(t, update)
    return Reply(text)


async def _still_planned(rc: RenderContext) -> tuple[Occurrence, Team] | None:
    """The check-in of this message, if it still happens when it was planned."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.team_id is None:
        return None
    if occurrence.starts_at.isoformat() != rc.data.get("start"):
        return None
    team = await rc.session.get(Team, occurrence.team_id)
    return (occurrence, team) if team is not None else None


async def render_checkin_prompt(rc: RenderContext) -> Reply | None:
    """To each team member, two days before: a button that opens the questions."""
    found = await _still_planned(rc)
    if found is None or rc.member is None or rc.person is None:
        return None
    occurrence, team = found
    if rc.member.team_id != team.id:
        return None
    answered = (
        await rc.session.exec(
            select(CheckinAnswer).where(
                CheckinAnswer.ref == occurrence.ref, CheckinAnswer.member_id == rc.member.id
            )
        )
    ).first()
    if answered is not None:
        return None
    t = rc.t
    questions = checkin_questions(rc.cohort, t)
    text = t._(
        "Hi, {name}! The check-in session of your team ({team}) is on {when}.",
        name=rc.person.display_name,
        team=team.name,
        when=t.when(occurrence.starts_at, rc.zone or team.zone),
    )
    text += "\n" + t.ngettext(
        "Before it, tell us how it is going in {n} question; the coordination team reads the "
        "answers before the session.",
        "Before it, tell us how it is going in {n} questions; the coordination team reads the "
        "answers before the session.",
        len(questions),
    )
    text += "\n" + "\n".join(f"• {question}" for question in questions)
    button = Button("✍️ " + t._("Answer now"), f"stc:{ref_code(occurrence.ref)}")
    return Reply(text, ((button,),))


async def render_checkin_digest(rc: RenderContext) -> Reply | None:
    """To each coordinator, two hours before: the team's answers and open items."""
    found = await _still_planned(rc)
    if found is None:
        return None
    occurrence, team = found
    t = rc.t
    cohort_id = _pk(rc.cohort.id)
    answers = await checkin_answers_for(rc.session, cohort_id, occurrence.ref)
    members = [
        (member, person)
        for member, person in await queries.members_with_people(rc.session, cohort_id)
        if member.team_id == team.id
    ]
    lines = [
        t._(
            "*Check-in with the {team} team* — {when}",
            team=team.name,
            when=t.when(occurrence.starts_at, rc.zone or rc.cohort.home_zone),
        ),
        t.ngettext(
            "{n} of {total} member answered the questions.",
            "{n} of {total} members answered the questions.",
            len(answers),
            total=len(members),
        ),
    ]
    for member, person in members:
        given = answers.get(_pk(member.id))
        if given is None:
            continue
        lines += ["", f"*{person.display_name}*"]
        lines += [f"• {question}\n  {answer}" for question, answer in given.items()]
    missing = [p.display_name for m, p in members if _pk(m.id) not in answers]
    if missing:
        lines += ["", t._("Did not answer: {names}", names=", ".join(missing))]
    board = await load_board(rc.session, rc.cohort, rc.now, team_id=team.id)
    open_cells = [
        cell
        for cell in board.team_cells(team)
        if cell.overdue or cell.status in (Status.BLOCKED, Status.IN_PROGRESS)
    ]
    if open_cells:
        lines += ["", t._("Deliverables to go over:")]
        lines += [cell_line(t, cell, rc.cohort) for cell in open_cells]
    return Reply("\n".join(lines))


async def checkin_answers_for(
    session: AsyncSession, cohort_id: int, ref: str
) -> dict[int, dict[str, str]]:
    """Answers of one check-in by member id."""
    rows = (
        await session.exec(
            select(CheckinAnswer)
            .where(CheckinAnswer.cohort_id == cohort_id, CheckinAnswer.ref == ref)
            .order_by(col(CheckinAnswer.id))
        )
    ).all()
    return {row.member_id: json.loads(row.answers) for row in rows}


async def render_nudge(rc: RenderContext) -> Reply | None:
    """To each member of a quiet team: what is due soon, and a button to report."""
    team = await rc.session.get(Team, int(str(rc.data.get("team", 0))))
    if team is None or rc.person is None:
        return None
    board = await load_board(rc.session, rc.cohort, rc.now, team_id=team.id)
    since, period = silent_since(board, team)
    if period != rc.data.get("period"):
        return None  # the team reported meanwhile
    items = nudge_items(board, team)
    if not items:
        return None
    t = rc.t
    days = max(0, (rc.now - since).days)
    if period:
        text = t.ngettext(
            "Hi, {name}! Your team ({team}) has not updated its deliverables for {n} day, "
            "and this is due soon:",
            "Hi, {name}! Your team ({team}) has not updated its deliverables for {n} days, "
            "and this is due soon:",
            days,
            name=rc.person.display_name,
            team=team.name,
        )
    else:
        text = t._(
            "Hi, {name}! Your team ({team}) has not reported on its deliverables yet, "
            "and this is due soon:",
            name=rc.person.display_name,
            team=team.name,
        )
    lines = [text] + [cell_line(t, cell, rc.cohort, with_update=False) for cell in items]
    lines.append(t._("How is it going? Tell us with /reportar: it takes a minute."))
    return Reply("\n".join(lines), ((Button(t._("Report progress"), "stl"),),))
