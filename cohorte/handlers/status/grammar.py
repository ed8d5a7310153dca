"""What people type to report: status words, `/reportar` lines, notes, links, deliverables.

Pure functions. A deliverable is named by its code or its title, forgiving
accents, case and punctuation (`lang.names`); a note comes in quotes
(`lang.titles`) or after the status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from cohorte.handlers.lang.names import match_names, words
from cohorte.handlers.lang.titles import UnclosedQuoteError, find_quoted
from cohorte.handlers.status.rules import CODE_LIMIT, LINK_LIMIT
from cohorte.storage.status import Status

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
        "completo",
        "completa",
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
        "complete",
        "finished",
    ),
}
STATUS_PHRASES: dict[tuple[str, ...], Status] = {
    tuple(phrase.split()): status
    for status, phrases in _STATUS_PHRASES.items()
    for phrase in phrases
}
_LONGEST_PHRASE = max(len(words) for words in STATUS_PHRASES)
STOPWORDS = frozenset(
    {"de", "del", "la", "el", "los", "las", "y", "e", "o", "con", "para", "por", "a", "en"}
    | {"al", "un", "una", "the", "of", "and", "for", "to"}
)
URL = re.compile(r"https?://[^\s<>\"“”«»]+", re.I)
_URL_TRAILING = ".,;:)]}!?"
_NOTE_EDGES = ' \t:-–—,.;"“”«»‘’'


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
    match = URL.search(text)
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
    (or after it, when the line starts with the status). A quote that never
    closes is no quote: its text follows the status like any note.
    """
    note: str | None = None
    try:
        quoted = find_quoted(text, apostrophes=False)
    except UnclosedQuoteError:
        quoted = None
    if quoted is not None:
        note, text = quoted.title, quoted.rest
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
    then a code or title that starts with the query (both as `match_names`
    finds names); then titles whose words start with every significant word of
    the query ("mapeo prov").
    """
    found = match_names(query, deliverables, lambda d: (d.code, d.title))
    wanted = words(query)
    if found or not wanted:
        return found
    tokens = [w for w in wanted if w not in STOPWORDS] or wanted
    return [
        d
        for d in deliverables
        if all(
            any(word.startswith(token) for word in {*words(d.code), *words(d.title)})
            for token in tokens
        )
    ]


def clean_link(link: str | None, note: str | None) -> tuple[str | None, str | None]:
    """(link, note): something that is not a usable web address goes into the note."""
    if not link:
        return None, note
    link = link.strip()
    if URL.fullmatch(link) and len(link) <= LINK_LIMIT:
        return link, note
    return None, f"{note} {link}" if note else link


def code_from_title(title: str, taken: set[str]) -> str:
    """A short code people can type: 'Plan de mejora' -> 'plan' (or 'plan-mejora', 'plan-2')."""
    significant = [w for w in words(title) if w not in STOPWORDS] or words(title) or ["entregable"]
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
