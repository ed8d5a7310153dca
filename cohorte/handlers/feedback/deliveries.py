"""The feedback's scheduled messages: their kinds and what each row carries.

What people read is written at send time (`asking`); the session is the row's
`ref` and the person its reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload


@dataclass(frozen=True)
class FeedbackPayload(Payload):
    """The session's start when the row was planned: not sent if it moved since."""

    start: datetime


FEEDBACK_ASK = DeliveryType(DeliveryKind.FEEDBACK_ASK, FeedbackPayload)
FEEDBACK_NUDGE = DeliveryType(DeliveryKind.FEEDBACK_NUDGE, FeedbackPayload)
