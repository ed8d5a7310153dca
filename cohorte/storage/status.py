"""Deliverables, their status per team (with full history) and check-in answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cohorte.storage.types import UTCDateTime


class Status(StrEnum):
    NOT_STARTED = "not_started"  # sin iniciar
    IN_PROGRESS = "in_progress"  # en curso
    BLOCKED = "blocked"  # bloqueado
    DONE = "done"  # completado


class Deliverable(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cohort_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=32)  # short name people type: "mapeo", "plan"
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    template_url: str | None = Field(default=None, max_length=500)
    rdc7: bool = Field(default=False)
    rdc8: bool = Field(default=False)
    optional: bool = Field(default=False)
    due_week: int | None = None  # sprint week (1..weeks); or
    due_date: date | None = None
    all_teams: bool = Field(default=True)  # else only the teams in DeliverableTeam
    position: int = Field(default=0)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DeliverableTeam(SQLModel, table=True):
    """Assignment of a deliverable to one team (when not for all teams)."""

    deliverable_id: int = Field(foreign_key="deliverable.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


class StatusUpdate(SQLModel, table=True):
    """One change of a team's deliverable status; the latest row is the current status."""

    __table_args__ = (Index("ix_statusupdate_deliverable_team", "deliverable_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    deliverable_id: int = Field(foreign_key="deliverable.id", ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    previous: Status | None = Field(default=None, sa_type=String(16))
    status: Status = Field(sa_type=String(16))
    note: str | None = Field(default=None, max_length=1000)
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class CheckinAnswer(SQLModel, table=True):
    """A member's answers to the async check-in before a team's biweekly session."""

    __table_args__ = (UniqueConstraint("ref", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    ref: str = Field(max_length=100)  # the check-in occurrence key
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    answers: str = Field(sa_type=Text)  # JSON: {question: answer}
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
