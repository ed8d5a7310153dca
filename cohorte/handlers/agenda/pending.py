"""Calendar changes that wait for their coordinator's word because they clash.

`/sesion nueva`, `/sesion mover` and `/sesion semanal` read what was typed
(relative dates such as "mañana" included) into a request, and a request that
would clash with other sessions is kept in the database (`PendingChange`)
until its coordinator answers with a button. The button carries only the
row's id and the answer: what to create is read back from the row, never from
the button, and the row is removed as it is applied, so a double press applies
it once. One question waits per person (a newer one replaces it) for a day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage import agenda as calendar_rows
from cohorte.storage.models import EventKind, PendingAction, PendingChange

PENDING_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class NewEventRequest:
    """/sesion nueva: a one-off session at a moment already read."""

    kind: EventKind
    title: str
    starts_at: datetime
    duration: int
    link: str | None = None


@dataclass(frozen=True)
class MoveRequest:
    """/sesion mover: one session (its reference) to a new moment."""

    ref: str
    new_start: datetime


@dataclass(frozen=True)
class WeeklyRequest:
    """/sesion semanal: a weekly time in the cohort's home zone, from a day on."""

    weekday: int
    local_time: time
    duration: int
    starting_from: date


Request = NewEventRequest | MoveRequest | WeeklyRequest


def _action(request: Request) -> PendingAction:
    if isinstance(request, NewEventRequest):
        return PendingAction.NEW
    if isinstance(request, MoveRequest):
        return PendingAction.MOVE
    return PendingAction.WEEKLY


def request_to_json(request: Request) -> str:
    """The request as the row keeps it (instants as ISO strings)."""
    data: dict[str, Any]
    if isinstance(request, NewEventRequest):
        data = {
            "kind": request.kind.value,
            "title": request.title,
            "starts_at": request.starts_at.isoformat(),
            "duration": request.duration,
            "link": request.link,
        }
    elif isinstance(request, MoveRequest):
        data = {"ref": request.ref, "new_start": request.new_start.isoformat()}
    else:
        data = {
            "weekday": request.weekday,
            "local_time": request.local_time.isoformat(),
            "duration": request.duration,
            "starting_from": request.starting_from.isoformat(),
        }
    return json.dumps(data, ensure_ascii=False)


def request_from_json(action: PendingAction, text: str) -> Request:
    """The request `request_to_json` wrote for `action`."""
    data = json.loads(text)
    if action == PendingAction.NEW:
        return NewEventRequest(
            EventKind(data["kind"]),
            str(data["title"]),
            datetime.fromisoformat(data["starts_at"]),
            int(data["duration"]),
            data["link"],
        )
    if action == PendingAction.MOVE:
        return MoveRequest(str(data["ref"]), datetime.fromisoformat(data["new_start"]))
    return WeeklyRequest(
        int(data["weekday"]),
        time.fromisoformat(data["local_time"]),
        int(data["duration"]),
        date.fromisoformat(data["starting_from"]),
    )


async def keep_request(
    session: AsyncSession, cohort_id: int, person_id: int, request: Request, now: datetime
) -> int:
    """Keep `request` until its coordinator answers (in place of their previous question);
    returns the id its buttons carry."""
    return await calendar_rows.keep_pending_change(
        session,
        PendingChange(
            cohort_id=cohort_id,
            person_id=person_id,
            action=_action(request),
            request=request_to_json(request),
            expires_at=now + PENDING_LIFETIME,
        ),
    )


@dataclass(frozen=True)
class Taken:
    """A waiting request, taken to be applied (or found expired)."""

    cohort_id: int
    request: Request
    expired: bool


async def take_request(
    session: AsyncSession, change_id: int, person_id: int, now: datetime
) -> Taken | None:
    """The request waiting under `change_id` for `person_id`, removed; None when it was
    already answered, replaced by a newer question, or is someone else's."""
    change = await calendar_rows.take_pending_change(session, change_id, person_id)
    if change is None:
        return None
    return Taken(
        change.cohort_id,
        request_from_json(change.action, change.request),
        expired=change.expires_at <= now,
    )
