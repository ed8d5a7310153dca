"""The agenda's scheduled messages: their kinds and what each row carries.

What people read is written at send time (`renderers`); a row keeps only what
the database cannot tell then. The session itself is the row's `ref`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload


@dataclass(frozen=True)
class ReminderPayload(Payload):
    """The session's start when the reminder was planned (it is not sent if the session
    moved since) and how long before it the reminder goes, in minutes."""

    start: datetime
    lead: int


@dataclass(frozen=True)
class MovedPayload(Payload):
    """When the moved session was before."""

    old_start: datetime


@dataclass(frozen=True)
class CancelledPayload(Payload):
    """Nothing besides the session (the row's `ref`)."""


@dataclass(frozen=True)
class AnnouncementPayload(Payload):
    """One of: a new one-off event, a new weekly session series (rendered for each reader),
    or a coordinator's own words (/anuncio, and rows queued before news were rendered)."""

    event: int | None = None
    series: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class HolidayPayload(Payload):
    """The public holiday a session falls on: its day, the team's country, its name."""

    day: date
    country: str
    name: str


REMINDER = DeliveryType(DeliveryKind.REMINDER, ReminderPayload)
SESSION_MOVED = DeliveryType(DeliveryKind.MOVED, MovedPayload)
SESSION_CANCELLED = DeliveryType(DeliveryKind.CANCELLED, CancelledPayload)
ANNOUNCEMENT = DeliveryType(DeliveryKind.ANNOUNCEMENT, AnnouncementPayload)
HOLIDAY_WARNING = DeliveryType(DeliveryKind.HOLIDAY, HolidayPayload)


@dataclass(frozen=True)
class CheckinStartPayload(Payload):
    """The check-in's start when the nudge was planned (not sent if it moved since)."""

    start: datetime


# A group reminder rendered again after RSVP presses (the same keyed message, edited).
RSVP_TALLY = DeliveryType(DeliveryKind.RSVP_TALLY, ReminderPayload)
# Nobody of the team confirmed the check-in: the team, and the coordinators.
CHECKIN_UNCONFIRMED = DeliveryType(DeliveryKind.CHECKIN_UNCONFIRMED, CheckinStartPayload)
CHECKIN_UNCONFIRMED_COORDINATORS = DeliveryType(
    DeliveryKind.CHECKIN_UNCONFIRMED_COORDINATORS, CheckinStartPayload
)
