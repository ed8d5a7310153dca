"""The delivery outbox: every message the bot sends on its own, one row each.

A row is unique by `dedupe_key` (what, for whom, which occurrence, which lead
time), so planning twice never sends twice. Sending claims the row first
(state + lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL), then records the
outcome.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from cohorte.storage.types import UTCDateTime, enum_type


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for due_at (or for a retry)
    CLAIMED = "claimed"  # a worker holds it until lease_until
    SENT = "sent"
    AMBIGUOUS = "ambiguous"  # may have been delivered: never resent blindly
    FAILED = "failed"  # gave up (unreachable, or too many retries)
    DROPPED = "dropped"  # stale (its moment passed) or superseded (event moved/cancelled)


class Delivery(SQLModel, table=True):
    __table_args__ = (Index("ix_delivery_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    # Exactly one of: a linked group chat, or a person (reached on their best platform).
    chat_link_id: int | None = Field(default=None, foreign_key="chatlink.id", ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    # What the message is about (an occurrence key such as "e12" or "s3:2025-05-06").
    ref: str = Field(default="", max_length=100, index=True)
    data: str = Field(default="{}", sa_type=Text)  # small JSON object for the renderer
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # After this instant the message is useless (the event started): dropped, not sent.
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    state: DeliveryState = Field(default=DeliveryState.PENDING, sa_type=enum_type(DeliveryState))
    attempts: int = Field(default=0)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    late: bool = Field(default=False)  # sent after due_at (caught up after downtime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
