"""What a cohort file describes, checked and normalised (`CohortSpec` and its parts),
and the normal forms that make a file and its export say the same thing."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cohorte.handlers.agenda.leads import DEFAULT_LEADS
from cohorte.scheduling.recurrence import on_or_after, sprint_end
from cohorte.storage.feedback import DEFAULT_FEEDBACK_KINDS
from cohorte.storage.materials import MaterialKind
from cohorte.storage.models import EventKind, Platform, Role
from cohorte.storage.series import SeriesKind

DEFAULT_WEEKS = 12
MAX_WEEKS = 52
# The start dates a cohort may have: a start far out of this range is a typo, and the
# dates computed from one near the calendar's end (year 9999) overflow.
EARLIEST_START = date(2000, 1, 3)  # a Monday
LATEST_START = date(2099, 12, 28)  # a Monday
MAX_EVENT_MINUTES = 24 * 60
TITLE_CHARS = 200  # the column limit of event, series and deliverable titles
DEFAULT_NUDGE_AFTER_DAYS = 10
RDC_CRITERIA = ("RDC7", "RDC8")
# What `ensure_checkin_series` gives a team's check-in series (see `slot_series`).
CHECKIN_INTERVAL_WEEKS = 2
CHECKIN_MINUTES = 45


@dataclass(frozen=True)
class ChatSpec:
    """A group chat that belongs to the cohort."""

    platform: Platform
    chat_id: str
    title: str | None = None


@dataclass(frozen=True)
class TeamSpec:
    """A city team; the check-in slot is wall-clock time in the team's zone."""

    name: str
    city: str
    country: str
    zone: str
    checkin_weekday: int | None = None
    checkin_time: time | None = None


@dataclass(frozen=True)
class MemberSpec:
    """A person in the cohort and their platform accounts.

    `zone` and `locale` stay `None` when the file does not set them: the
    person then follows their team's zone (the cohort's home zone when they
    have no team) and the cohort's locale.
    """

    name: str
    team: str | None = None
    role: Role = Role.PARTICIPANT
    zone: str | None = None
    locale: str | None = None
    dm_reminders: bool = True
    console: str | None = None
    telegram: str | None = None
    slack: str | None = None
    # Matches the person in a meeting tool's participant report (attendance import).
    email: str | None = None

    def identities(self) -> list[tuple[Platform, str]]:
        """The accounts this member gave, as (platform, external id)."""
        accounts = (
            (Platform.CONSOLE, self.console),
            (Platform.TELEGRAM, self.telegram),
            (Platform.SLACK, self.slack),
        )
        return [(platform, external_id) for platform, external_id in accounts if external_id]


@dataclass(frozen=True)
class EventSpec:
    """A Masterclass or the final Showtime; `start` is naive, local to the home zone."""

    kind: EventKind
    title: str
    start: datetime
    duration_minutes: int = 60
    meeting_url: str | None = None
    description: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class SeriesChangeSpec:
    """One occurrence of a series, cancelled or moved.

    `new_start` is naive, local to the series' zone; it is None for a
    cancelled occurrence.
    """

    original_date: date
    cancelled: bool = False
    new_start: datetime | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """A running series: the weekly session, or a team's check-ins (`team` set).

    Every field is resolved, defaults included, so that two files that
    describe the same series give equal specs.
    """

    kind: SeriesKind
    weekday: int
    local_time: time
    zone: str
    first_date: date
    last_date: date
    team: str | None = None
    title: str = ""
    interval_weeks: int = 1
    duration_minutes: int = 60
    meeting_url: str | None = None
    changes: tuple[SeriesChangeSpec, ...] = ()  # by original date


@dataclass(frozen=True)
class DeliverableSpec:
    """A deliverable from a template; `teams` empty means every team."""

    code: str
    title: str
    description: str | None = None
    template_url: str | None = None
    rdc7: bool = False
    rdc8: bool = False
    optional: bool = False
    due_week: int | None = None
    due_date: date | None = None
    teams: tuple[str, ...] = ()

    @property
    def rdc(self) -> list[str]:
        """The RDC criteria it counts for: ['RDC7']."""
        return [tag for tag, on in zip(RDC_CRITERIA, (self.rdc7, self.rdc8), strict=True) if on]


@dataclass(frozen=True)
class MaterialSpec:
    """A link attached to one thing of the file: a deliverable (its code), an event (its
    title) or a session of a series (the date it falls on; with `team`, that team's
    check-in)."""

    title: str
    url: str
    kind: MaterialKind = MaterialKind.LINK
    deliverable: str | None = None
    event: str | None = None
    session: date | None = None
    team: str | None = None


@dataclass(frozen=True)
class RegistrationSpec:
    """Registration for the edition (`[cohort.registration]`): open or not, its code, the
    deadline (an aware instant), the places per cohort and per city team (None: no limit)."""

    code: str
    open: bool = True
    deadline: datetime | None = None
    places: int | None = None
    places_per_team: int | None = None


@dataclass(frozen=True)
class CohortSpec:
    """Everything a cohort file says, checked and normalised."""

    name: str
    home_zone: str
    start_date: date
    invite_code: str
    locale: str = "es"
    weeks: int = DEFAULT_WEEKS
    meeting_url: str | None = None
    # What the weekly session series is called; empty means the catalog's "Sesión semanal"
    # in each reader's language.
    session_name: str = ""
    chats: tuple[ChatSpec, ...] = ()
    teams: tuple[TeamSpec, ...] = ()
    members: tuple[MemberSpec, ...] = ()
    events: tuple[EventSpec, ...] = ()
    deliverables: tuple[DeliverableSpec, ...] = ()
    # Async check-in questions; empty means the default ones, in each reader's language.
    checkin_questions: tuple[str, ...] = ()
    nudge_after_days: int = DEFAULT_NUDGE_AFTER_DAYS
    # Lead times in minutes, longest first, for the kinds that differ from DEFAULT_LEADS.
    reminder_leads: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # Series the teams' check-in slots do not already imply (see `explicit_series`).
    series: tuple[SeriesSpec, ...] = ()
    # Which kinds of sessions ask for feedback (in `FEEDBACK_KINDS`' order), and the
    # question; empty means the catalog's, in each reader's language.
    feedback_kinds: tuple[str, ...] = DEFAULT_FEEDBACK_KINDS
    feedback_question: str = ""
    # In the order they were added.
    materials: tuple[MaterialSpec, ...] = ()
    registration: RegistrationSpec | None = None

    @property
    def end_date(self) -> date:
        """The day after the sprint's last day (the Monday after its last week)."""
        return self.start_date + timedelta(weeks=self.weeks)


# --- normal forms -----------------------------------------------------------------------


def custom_leads(leads: Mapping[str, Collection[int]]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The kinds whose lead times differ from the defaults, longest lead first.

    Kinds that give the default times are left out, both when reading and
    when exporting, so that a file and its export say the same thing.
    """
    custom = []
    for kind, default in DEFAULT_LEADS.items():
        minutes = tuple(sorted(set(leads.get(kind, ())), reverse=True))
        if minutes and minutes != tuple(sorted(set(default), reverse=True)):
            custom.append((kind, minutes))
    return tuple(custom)


def slot_series(
    team: TeamSpec, start_date: date, weeks: int, meeting_url: str | None
) -> SeriesSpec | None:
    """The series `ensure_checkin_series` makes from a team's check-in slot, if it has one."""
    if team.checkin_weekday is None or team.checkin_time is None:
        return None
    return SeriesSpec(
        kind=SeriesKind.CHECKIN,
        weekday=team.checkin_weekday,
        local_time=team.checkin_time,
        zone=team.zone,
        first_date=on_or_after(start_date, team.checkin_weekday),
        last_date=sprint_end(start_date, weeks),
        team=team.name,
        interval_weeks=CHECKIN_INTERVAL_WEEKS,
        duration_minutes=CHECKIN_MINUTES,
        meeting_url=meeting_url,
    )


def explicit_series(
    series: tuple[SeriesSpec, ...],
    teams: tuple[TeamSpec, ...],
    start_date: date,
    weeks: int,
    meeting_url: str | None,
) -> tuple[SeriesSpec, ...]:
    """The series without those the teams' `checkin` slots already imply.

    A team's only check-in series, unchanged from what its slot generates,
    says nothing the slot does not: it is left out when reading (the bot
    creates it from the slot) and when exporting, so that a file and its
    export agree whether or not the bot has created it yet.
    """
    checkins = [item.team for item in series if item.kind is SeriesKind.CHECKIN]
    implied = {
        team.name: slot_series(team, start_date, weeks, meeting_url)
        for team in teams
        if checkins.count(team.name) == 1
    }
    return tuple(item for item in series if item.team is None or implied.get(item.team) != item)
