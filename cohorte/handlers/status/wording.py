"""How statuses, deliverables and changes are written in chat, in the reader's language."""

from __future__ import annotations

from datetime import date

from cohorte.handlers.status.board import Cell
from cohorte.handlers.status.rules import NOTE_LIMIT, due_date, local_today
from cohorte.locales import N_, Translator
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import sprint_week
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Cohort, Team
from cohorte.storage.status import Status, StatusUpdate

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

RDC_CRITERIA = {
    "RDC7": N_("open and shared contracting data"),
    "RDC8": N_("supplier engagement and competition"),
}

BUTTON_TITLE_CHARS = 40


def status_label(t: Translator, status: Status) -> str:
    """'en curso'."""
    return t._(STATUS_LABELS[status])


def status_tag(t: Translator, status: Status) -> str:
    """'🔄 en curso'."""
    return f"{STATUS_ICONS[status]} {status_label(t, status)}"


def short_date(t: Translator, day: date) -> str:
    """'22 abr' / 'Apr 22'."""
    return t.short_date(day)


def rdc_tags(deliverable: Deliverable) -> list[str]:
    """The results criteria the deliverable counts for: ['RDC7', 'RDC8']."""
    return [tag for tag, on in (("RDC7", deliverable.rdc7), ("RDC8", deliverable.rdc8)) if on]


def shorten(text: str, limit: int) -> str:
    """The text on one line, cut to `limit` characters with '…'."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def due_text(t: Translator, deliverable: Deliverable, cohort: Cohort) -> str:
    """'Semana 3 · viernes, 9 de mayo', or '' without a due date."""
    day = due_date(deliverable, cohort)
    if day is None:
        return ""
    week = deliverable.due_week or sprint_week(cohort.start_date, cohort.weeks, day)
    if week:
        return t._("Week {n} · {date}", n=week, date=t.date(day))
    return t.date(day)


def cell_line(t: Translator, cell: Cell, cohort: Cohort, *, with_update: bool = True) -> str:
    """'🔄 *Mapeo de procesos y sistemas* · RDC7 · Semana 3 · viernes, 9 de mayo ⏰'."""
    deliverable = cell.deliverable
    parts = [f"{STATUS_ICONS[cell.status]} {bold(deliverable.title)}"]
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
                line += f", {literal(cell.author)}"
            if cell.update.note:
                line += f": “{literal(shorten(cell.update.note, 160))}”"
            if cell.update.link:
                line += f" {literal(cell.update.link)}"
    return line


def note_and_link(t: Translator, update: StatusUpdate) -> str:
    """The note and link of a status change, one line each (empty when absent)."""
    text = ""
    if update.note:
        text += "\n" + t._("Note: “{note}”", note=shorten(update.note, 300))
    if update.link:
        text += "\n" + t._("Link: {url}", url=update.link)
    return text


def change_text(t: Translator, deliverable: Deliverable, team: Team, update: StatusUpdate) -> str:
    """What the reporter is told: 'Listo: *Plan* (Bogotá) pasó de sin iniciar a 🔄 en curso.'"""
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
    text += note_and_link(t, update)
    return text


def long_note_text(t: Translator, length: int) -> str:
    """The reporter's note had to be cut: how long it was, and what was kept."""
    return t._(
        "Your note was very long ({length} characters): I kept the first {limit}.",
        length=length,
        limit=NOTE_LIMIT,
    )
