"""The kinds of scheduled messages, each with the typed payload its outbox rows carry.

A capability declares each of its kinds once, with a small frozen dataclass
for what the row must remember (`DeliveryType(DeliveryKind.POLL, PollPayload)`);
planners queue rows through the declaration and the kind's renderer receives
the payload read back. The payload is stored in `Delivery.data` as a JSON
object, one key per field in declaration order: ints and strings as they
are, dates and datetimes as ISO strings, a field that is None left out.
Rows already in the database are read with the same rule, so the fields'
names, order and types are part of the stored format: never change them.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from cohorte.scheduling.outbox import Planned


class DeliveryKind(StrEnum):
    """Every kind of scheduled message, with the value stored in `Delivery.kind`.

    The values are in the database (outbox rows, their unique keys): never change one.
    """

    # cohort
    TEAM_CHANGED = "cohort.team_changed"
    APPLICATION_ACCEPTED = "registration.accepted"
    APPLICATION_MOVED_UP = "registration.moved_up"  # from the waiting list
    APPLICATION_DECLINED = "registration.declined"
    APPLICATION_WAITLISTED = "registration.waitlisted"
    MEMBER_REMOVED = "cohort.member_removed"
    COORDINATOR_NAMED = "cohort.coordinator_named"
    # agenda
    REMINDER = "reminder"
    MOVED = "moved"
    CANCELLED = "cancelled"
    ANNOUNCEMENT = "announcement"
    HOLIDAY = "holiday"
    # attendance
    SESSION_STARTED = "attendance.started"  # "Empezamos", with "✋ Estoy aquí"
    SESSION_MISSED = "attendance.missed"  # "Te extrañamos en …", the day after
    RSVP_TALLY = "rsvp.tally"  # a group reminder again, with the confirmed counts now
    CHECKIN_UNCONFIRMED = "rsvp.nudge"  # a check-in nobody of the team confirmed yet
    CHECKIN_UNCONFIRMED_COORDINATORS = "rsvp.nudge_coordinators"  # ... told to them
    # feedback
    FEEDBACK_ASK = "feedback.ask"  # "¿Qué tan útil fue? 1 a 5" after a session
    FEEDBACK_NUDGE = "feedback.nudge"  # the one reminder, a day later, if unanswered
    # materials
    MATERIAL_ADDED = "materials.added"  # a link attached after its session started
    # poll
    POLL = "poll"  # the live poll message (group) or a personal ballot (person)
    POLL_NUDGE = "poll_nudge"
    POLL_ALL_VOTED = "poll_all_voted"
    POLL_CLOSED = "poll_closed"
    POLL_CONFIRMED = "poll_confirmed"
    # status
    STATUS_CHANGED = "status.changed"
    STATUS_CHECKIN = "status.checkin"
    STATUS_CHECKIN_DIGEST = "status.checkin_digest"
    STATUS_NUDGE = "status.nudge"
    # dashboard
    STATUS_WEEKLY = "status.weekly"
    COHORT_CLOSED = "cohort.closed"  # the closing message after the last session


class Payload:
    """The base of a kind's payload: subclasses are frozen dataclasses whose fields are
    `int`, `str`, `date` or `datetime` (aware), each possibly `| None`."""

    __slots__ = ()


P = TypeVar("P", bound=Payload)


class PayloadError(ValueError):
    """A row's stored data does not fit its kind's payload (the row cannot be rendered)."""


class _Misfit(Exception):
    """One stored value is not what its field holds (says what was expected)."""


def _int_of(value: object) -> int:
    if type(value) is not int:  # bool is an int to Python, not to us
        raise _Misfit("an integer")
    return value


def _str_of(value: object) -> str:
    if not isinstance(value, str):
        raise _Misfit("a string")
    return value


def _datetime_of(value: object) -> datetime:
    expected = "an ISO date and time with its UTC offset"
    if not isinstance(value, str):
        raise _Misfit(expected)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise _Misfit(expected) from None
    if instant.tzinfo is None:
        raise _Misfit(expected)
    return instant


def _date_of(value: object) -> date:
    expected = "an ISO date"
    if not isinstance(value, str):
        raise _Misfit(expected)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Misfit(expected) from None


def _iso(value: date) -> str:
    return value.isoformat()


def _same(value: object) -> object:
    return value


# Field type -> (to JSON, from JSON).
_CODECS: dict[type, tuple[Callable[[Any], object], Callable[[object], object]]] = {
    int: (_same, _int_of),
    str: (_same, _str_of),
    datetime: (_iso, _datetime_of),
    date: (_iso, _date_of),
}


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    optional: bool  # may be None (then left out of the JSON)
    default: object  # dataclasses.MISSING when the field has none
    dump: Callable[[Any], object]
    load: Callable[[object], object]


def _fields_of(payload: type[Payload]) -> tuple[_Field, ...]:
    """How each field of a payload class is written and read (TypeError if unsupported)."""
    if not dataclasses.is_dataclass(payload) or not payload.__dataclass_params__.frozen:
        raise TypeError(f"{payload.__name__} must be a frozen dataclass")
    hints = typing.get_type_hints(payload)
    found = []
    for item in dataclasses.fields(payload):
        hint = hints[item.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        kept = [option for option in options if option is not type(None)]
        if len(kept) != 1 or kept[0] not in _CODECS:
            raise TypeError(f"{payload.__name__}.{item.name}: unsupported type {hint}")
        dump, load = _CODECS[kept[0]]
        found.append(_Field(item.name, len(kept) < len(options), item.default, dump, load))
    return tuple(found)


class DeliveryType(Generic[P]):
    """One kind of delivery and its payload type: how its rows' `data` is written and read."""

    def __init__(self, kind: DeliveryKind, payload: type[P]) -> None:
        if not isinstance(kind, DeliveryKind):
            raise TypeError(f"{kind!r} is not a DeliveryKind")
        self.kind = kind
        self.payload = payload
        self._fields = _fields_of(payload)

    def __repr__(self) -> str:
        return f"DeliveryType({self.kind.value!r}, {self.payload.__name__})"

    def dump(self, payload: P) -> dict[str, object]:
        """The JSON object stored in `Delivery.data` for `payload` (None fields left out)."""
        data: dict[str, object] = {}
        for item in self._fields:
            value = getattr(payload, item.name)
            if value is not None:
                data[item.name] = item.dump(value)
        return data

    def load(self, data: str) -> P:
        """The payload of a stored row's `data`; PayloadError when it does not fit.

        Keys the payload does not know are ignored.
        """
        try:
            stored = json.loads(data or "{}")
        except ValueError:
            raise PayloadError(f"{self.kind.value} data is not JSON") from None
        if not isinstance(stored, Mapping):
            raise PayloadError(f"{self.kind.value} data is not a JSON object")
        values: dict[str, object] = {}
        for item in self._fields:
            value = stored.get(item.name)
            if value is None:
                if item.default is not dataclasses.MISSING:
                    continue  # the field's default
                if not item.optional:
                    raise PayloadError(f"{self.kind.value} data lacks {item.name!r}")
            try:
                values[item.name] = None if value is None else item.load(value)
            except _Misfit as misfit:
                raise PayloadError(
                    f"{self.kind.value} data: {item.name!r} is not {misfit}"
                ) from None
        return self.payload(**values)

    def plan(
        self,
        dedupe_key: str,
        cohort_id: int,
        due_at: datetime,
        payload: P,
        *,
        expires_at: datetime | None = None,
        chat_link_id: int | None = None,
        person_id: int | None = None,
        ref: str = "",
    ) -> Planned:
        """A row of this kind to queue (`enqueue`), carrying `payload`."""
        return Planned(
            dedupe_key,
            self.kind,
            cohort_id,
            due_at,
            expires_at,
            chat_link_id=chat_link_id,
            person_id=person_id,
            ref=ref,
            data=self.dump(payload),
        )
