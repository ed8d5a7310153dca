"""Button routes: each button declared once, with its prefix and typed fields.

The same declaration builds the payload a button (or a form's submit) carries
and parses it back when the button is pressed, so the two can never disagree:

    VOTE = ButtonRoute("v", Vote)            # Vote is a NamedTuple(poll: int, slot: int, ...)
    Button(label, VOTE.payload(Vote(poll.id, slot.id, Choice.YES)))
    router.button(VOTE, press_vote)          # press_vote(ctx, Vote(...))

Payloads are compact (`v:12:3:y`): Telegram allows 64 bytes of callback data.
A route whose button names a row of one cohort says how to find that cohort
(`cohort=`), so that a press acts on the row's cohort, never on another one the
presser happens to be using.
A field is an `int` (a row id, checked with `parse_id`), a `str` (one segment,
no colon) or a `StrEnum` (its value). Text from a press is input from outside:
whatever does not parse is a stale or forged button (`ValueError`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar, cast, get_type_hints

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.recurrence import code_ref, parse_ref
from cohorte.storage.cohorts import cohort_of
from cohorte.storage.types import parse_id

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit
SEPARATOR = ":"

F = TypeVar("F", bound=tuple[Any, ...])


class NoFields(NamedTuple):
    """The fields of a button that carries nothing but its prefix."""


def _reader(kind: object) -> Callable[[str], object]:
    if kind is int:
        return parse_id
    if kind is str:
        return _segment
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind
    raise TypeError(f"unsupported button field type {kind!r}")


def _segment(text: str) -> str:
    if not text:
        raise ValueError("empty button field")
    return text


@dataclass(frozen=True)
class ButtonRoute(Generic[F]):
    """One kind of button: `prefix` plus the fields of the NamedTuple `fields`."""

    prefix: str
    fields: type[F]
    busy: str | None = None  # what a press is told when the database cannot take it in time
    # The cohort of the row the button names (its poll, session, deliverable...): for
    # someone in several cohorts the press acts on that cohort, whichever one they are
    # using in private (`Context.enter_cohort`). None: the cohort in context.
    cohort: Callable[[AsyncSession, F], Awaitable[int | None]] | None = None
    _readers: tuple[Callable[[str], object], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.prefix or SEPARATOR in self.prefix:
            raise ValueError(f"bad button prefix {self.prefix!r}")
        hints = get_type_hints(self.fields)
        names: tuple[str, ...] = getattr(self.fields, "_fields", ())
        object.__setattr__(self, "_readers", tuple(_reader(hints[name]) for name in names))

    def payload(self, value: F) -> str:
        """The payload for `value`; ValueError if it cannot be a button's data."""
        parts = [self.prefix]
        for item in value:
            text = str(item.value if isinstance(item, StrEnum) else item)
            if not text or SEPARATOR in text:
                raise ValueError(f"button field {text!r} cannot be sent")
            parts.append(text)
        payload = SEPARATOR.join(parts)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload too long: {payload!r}")
        return payload

    def parse(self, parts: list[str]) -> F:
        """The fields of a pressed button (the payload after its prefix)."""
        if len(parts) != len(self._readers):
            raise ValueError(f"{self.prefix}: expected {len(self._readers)} fields, got {parts!r}")
        values = [read(part) for read, part in zip(self._readers, parts, strict=True)]
        return cast(F, cast(Any, self.fields)(*values))


CohortOf = Callable[[AsyncSession, Any], Awaitable[int | None]]


def of_row(kind: str, name: str) -> CohortOf:
    """A route's `cohort=`: the cohort of the row whose id is the field `name`, a row of
    `kind` (`storage.cohorts.cohort_of`: "poll", "deliverable", "draft", ...)."""

    async def find(session: AsyncSession, fields: Any) -> int | None:
        return await cohort_of(session, kind, int(getattr(fields, name)))

    return find


def of_session(name: str = "code") -> CohortOf:
    """A route's `cohort=`: the cohort of the session whose code ('e12', 's3/2025-05-06')
    is the field `name`; a code that does not parse is a forged button (ValueError)."""

    async def find(session: AsyncSession, fields: Any) -> int | None:
        kind, number, _day = parse_ref(code_ref(str(getattr(fields, name))))
        return await cohort_of(session, "event" if kind == "e" else "series", number)

    return find


def of_field(name: str) -> CohortOf:
    """A route's `cohort=`: the cohort whose id the button carries in the field `name`."""

    async def find(_session: AsyncSession, fields: Any) -> int | None:
        return int(getattr(fields, name))

    return find


def split_payload(payload: str) -> tuple[str, list[str]]:
    """'v:12:3:y' -> ('v', ['12', '3', 'y'])."""
    prefix, _, rest = payload.partition(SEPARATOR)
    return prefix, rest.split(SEPARATOR) if rest else []
