"""The rules of deliverable status, as pure functions: due days, open work, limits, timing,
and what a history tells (how long items stayed blocked, when they were completed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import to_utc
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Cohort
from cohorte.storage.status import Status, StatusUpdate

STATUS_ORDER = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE)


class StatusCode(StrEnum):
    """One letter per status in button payloads and form choices ("sts:12:b")."""

    NOT_STARTED = "n"
    IN_PROGRESS = "p"
    BLOCKED = "b"
    DONE = "d"

    @property
    def status(self) -> Status:
        return Status[self.name]

    @classmethod
    def of(cls, status: Status) -> StatusCode:
        """The code of a status."""
        return cls[status.name]


NOTE_LIMIT = 1000
LINK_LIMIT = 500
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
CODE_LIMIT = 32

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


def row_id(value: int | None) -> int:
    """The id of a stored row (it has one once flushed)."""
    if value is None:
        raise RuntimeError("row has no id after flush")
    return value


def due_date(deliverable: Deliverable, cohort: Cohort) -> date | None:
    """The deliverable's due day: its date, or the Friday of its sprint week."""
    if deliverable.due_date is not None:
        return deliverable.due_date
    if deliverable.due_week is not None:
        return cohort.start_date + timedelta(weeks=deliverable.due_week - 1, days=4)
    return None


def is_commitment(deliverable: Deliverable, status: Status) -> bool:
    """Open work the team owes: not done, and an optional one only once started."""
    if status is Status.DONE:
        return False
    return not (deliverable.optional and status is Status.NOT_STARTED)


def local_today(now: datetime, zone: str) -> date:
    """The calendar day it is at `now` in `zone`."""
    return now.astimezone(ZoneInfo(zone)).date()


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


@dataclass(frozen=True)
class BlockedSpell:
    """A time a team's deliverable stayed blocked: from the update that blocked it to the
    first one that did not (`ended` None: still blocked)."""

    deliverable_id: int
    team_id: int
    started: datetime
    ended: datetime | None
    note: str | None  # the note that came with the block

    def duration(self, now: datetime) -> timedelta:
        """How long it stayed blocked (until `now` when it still is)."""
        return (self.ended or now) - self.started


def blocked_spells(history: Sequence[StatusUpdate]) -> list[BlockedSpell]:
    """Every spell of `blocked` in a status history (oldest first), in the order they began.

    A spell begins with an update that sets `blocked` on a pair (deliverable, team) that
    was not blocked, and ends with that pair's next update to another status; a note that
    keeps it blocked does not start a new one.
    """
    open_spells: dict[tuple[int, int], StatusUpdate] = {}
    spells = []
    for update in history:
        pair = (update.deliverable_id, update.team_id)
        began = open_spells.get(pair)
        if update.status is Status.BLOCKED:
            open_spells.setdefault(pair, update)
        elif began is not None:
            del open_spells[pair]
            spells.append(_spell(began, update.created_at))
    spells += [_spell(began, None) for began in open_spells.values()]
    return sorted(spells, key=lambda spell: (spell.started, spell.deliverable_id, spell.team_id))


def _spell(began: StatusUpdate, ended: datetime | None) -> BlockedSpell:
    return BlockedSpell(began.deliverable_id, began.team_id, began.created_at, ended, began.note)


def completed_at(history: Sequence[StatusUpdate]) -> dict[tuple[int, int], datetime]:
    """When each (deliverable id, team id) now done was completed: its last change to done
    (a later note that keeps it done does not move it). Pairs not done are left out."""
    found: dict[tuple[int, int], datetime] = {}
    for update in history:
        pair = (update.deliverable_id, update.team_id)
        if update.status is not Status.DONE:
            found.pop(pair, None)
        elif pair not in found:
            found[pair] = update.created_at
    return found
