"""The scheduled messages of deliverable status: their kinds and what each row carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload


@dataclass(frozen=True)
class ChangePayload(Payload):
    """The status update the rest of the team hears about."""

    update: int


@dataclass(frozen=True)
class CheckinPayload(Payload):
    """The check-in's start when the message was planned (not sent if it moved since), and
    the team it is with."""

    start: datetime
    team: int


@dataclass(frozen=True)
class TeamPeriodPayload(Payload):
    """A quiet team, and its silent period: the id of its last update (0: never)."""

    team: int
    period: int


STATUS_CHANGED = DeliveryType(DeliveryKind.STATUS_CHANGED, ChangePayload)
CHECKIN_PROMPT = DeliveryType(DeliveryKind.STATUS_CHECKIN, CheckinPayload)
CHECKIN_DIGEST = DeliveryType(DeliveryKind.STATUS_CHECKIN_DIGEST, CheckinPayload)
STATUS_NUDGE = DeliveryType(DeliveryKind.STATUS_NUDGE, TeamPeriodPayload)
