"""The attendance's scheduled messages: their kinds and what each row carries.

What people read is written at send time (`presence`, `followup`); the session
is the row's `ref`, so moving or cancelling it drops the rows not sent yet
(`scheduling.outbox.drop_pending`), and the planner plans the moved one again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload


@dataclass(frozen=True)
class StartedPayload(Payload):
    """The session's start when the row was planned: not sent if it moved since."""

    start: datetime


@dataclass(frozen=True)
class MissedPayload(Payload):
    """Nothing besides the session (the row's `ref`) and the person (its reader)."""


SESSION_STARTED = DeliveryType(DeliveryKind.SESSION_STARTED, StartedPayload)
SESSION_MISSED = DeliveryType(DeliveryKind.SESSION_MISSED, MissedPayload)
