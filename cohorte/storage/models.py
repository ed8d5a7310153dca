"""The tables. Instants are aware UTC (`UTCDateTime`); wall-clock things keep their zone."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cohorte.storage.types import UTCDateTime, enum_type


class Platform(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    TELEGRAM = "telegram"


class Role(StrEnum):
    COORDINATOR = "coordinator"
    PARTICIPANT = "participant"


class EventKind(StrEnum):
    MASTERCLASS = "masterclass"
    SHOWTIME = "showtime"


def _instant(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Cohort(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    home_zone: str = Field(max_length=64)
    locale: str = Field(default="es", max_length=16)
    start_date: date
    weeks: int = Field(default=12)
    invite_code: str = Field(max_length=32, unique=True)
    meeting_url: str | None = Field(default=None, max_length=500)
    # Reminder lead times in minutes per event kind, as JSON; empty means the defaults.
    reminder_leads: str = Field(default="{}", sa_type=Text)
    # Async check-in questions (JSON list of strings); empty means the catalog defaults.
    checkin_questions: str = Field(default="[]", sa_type=Text)
    # Days without a status update before a team is nudged.
    nudge_after_days: int = Field(default=10)
    # What the weekly session series is called; empty means the catalog's "Sesión semanal"
    # in each reader's language. Set from the cohort file (`session_name`).
    session_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_instant())
    # Reminder planning: every change to what decides the cohort's reminders (its
    # calendar, members, chats, teams, lead times) raises `plan_version`
    # (`cohorte.storage.planning`); the planner records the version it planned and
    # when the next session enters its horizon, and skips the cohort until then.
    plan_version: int = Field(default=0)
    planned_version: int = Field(default=-1)
    replan_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    # Which sessions ask for feedback and what, as JSON (`{"kinds": [...], "question": ...}`);
    # empty means the defaults (after each Masterclass and the Showtime).
    feedback_settings: str = Field(default="{}", sa_type=Text)
    # The end of the cohort: when its closing message was planned (after the last
    # session; reminders, nudges and digests stop), and when it was archived.
    ended_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    archived_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    # Registration for an edition (`/inscribirme CODIGO`, `storage.applications`): open or
    # not, its own code (never the invite code: applying is not joining), the deadline,
    # and the places (participants) per cohort and per city team; None means no limit.
    registration_open: bool = Field(default=False)
    registration_code: str | None = Field(default=None, max_length=32, unique=True, index=True)
    registration_deadline: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    registration_places: int | None = None
    registration_places_per_team: int | None = None


class Team(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    city: str = Field(max_length=120)
    country_code: str = Field(max_length=2)
    zone: str = Field(max_length=64)
    # The team's biweekly check-in slot, local wall-clock in the team's zone.
    checkin_weekday: int | None = None
    checkin_time: time | None = None


class Person(SQLModel, table=True):
    """Someone who talks to the bot, on one platform or several."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=120)
    zone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    # Matches the person in a meeting tool's attendance report (`/perfil correo`).
    email: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(sa_column=_instant())
    # Set on the anonymous stand-in that keeps a forgotten person's place in a cohort
    # (`storage.people_data.forget_person`): it has no name, no accounts, no e-mail, and
    # is shown as "someone from the Bogotá team" in each reader's language.
    forgotten_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class Identity(SQLModel, table=True):
    """One platform account of a person (console name, Slack user id, Telegram user id)."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    platform: Platform = Field(sa_type=enum_type(Platform))
    external_id: str = Field(max_length=64)
    # The person has written to the bot privately (and not blocked it since). Whether
    # the bot needs that to write to them is a trait of the platform, not stored here.
    dm_open: bool = Field(default=False)


class Member(SQLModel, table=True):
    """A person's place in one cohort."""

    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    role: Role = Field(default=Role.PARTICIPANT, sa_type=enum_type(Role))
    dm_reminders: bool = Field(default=True)
    # Secret part of this member's calendar subscription URL (created on first request).
    calendar_token: str | None = Field(default=None, max_length=64, unique=True)
    joined_at: datetime = Field(sa_column=_instant())
    # When the person last chose this cohort for their private chats (`/cohorte usar`,
    # or the buttons the bot shows someone in several active cohorts); the latest
    # choice wins. A group chat's own cohort always applies in that group.
    chosen_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class ChatLink(SQLModel, table=True):
    """A group chat (Slack channel, Telegram group, console room) that belongs to a cohort."""

    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    platform: Platform = Field(sa_type=enum_type(Platform))
    chat_id: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=200)


class Event(SQLModel, table=True):
    """A one-off session of the sprint calendar (Masterclass, final Showtime)."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=_instant())
    duration_minutes: int = Field(default=60)
    meeting_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=2000)
    cancelled_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))


class AnnouncementDraft(SQLModel, table=True):
    """An /anuncio that starts with a day and time but has no bar, kept until its author
    says whether to schedule it or send it as typed: the buttons carry only its id, so
    what goes out is what was typed, whatever a press says. Old ones are swept."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    text: str = Field(sa_type=Text)  # the whole text, as typed
    message: str = Field(sa_type=Text)  # what follows the day and time
    # The day and time read inside the sprint; None when it cannot be scheduled.
    due_at: datetime | None = Field(default=None, sa_column=_instant(nullable=True))
    created_at: datetime = Field(sa_column=_instant())


class PendingAction(StrEnum):
    """What a coordinator asked for that still waits for their confirmation."""

    NEW = "new"  # /sesion nueva: a one-off session
    MOVE = "move"  # /sesion mover: one session to another moment
    WEEKLY = "weekly"  # /sesion semanal: the weekly session series


class PendingChange(SQLModel, table=True):
    """A calendar change that clashes with other sessions, kept until its coordinator
    confirms or drops it with a button; the button carries only this row's id."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    action: PendingAction = Field(sa_type=enum_type(PendingAction))
    request: str = Field(sa_type=Text)  # what to do, as JSON (`agenda.pending`)
    expires_at: datetime = Field(sa_column=_instant())


class InboundEvent(SQLModel, table=True):
    """Platform event ids already handled, so that a redelivered event is ignored."""

    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_type=enum_type(Platform))
    event_id: str = Field(max_length=128)
    received_at: datetime = Field(sa_column=_instant())


class SentMessage(SQLModel, table=True):
    """Where a keyed message was posted, so that adapters can edit it later."""

    __table_args__ = (UniqueConstraint("platform", "chat_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_type=enum_type(Platform))
    chat_id: str = Field(max_length=64)
    key: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    sent_at: datetime = Field(sa_column=_instant())


class FormSession(SQLModel, table=True):
    """A guided form in progress (platforms without modals): one per person and chat."""

    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_type=enum_type(Platform))
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    form: str = Field(sa_type=Text)  # the Form, as JSON
    answers: str = Field(default="{}", sa_type=Text)  # answers so far, as JSON
    step: int = 0
    expires_at: datetime = Field(sa_column=_instant())
