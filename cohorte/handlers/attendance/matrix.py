"""People × sessions: who came to each session that has started, and the attendance rates.

`AttendanceMatrix` is plain data built by one pure function (`attendance_matrix`)
from the calendar and the attendance and RSVP rows; `/asistencia tablero`, its
picture, the CSV export, the dashboard's summary and the Monday digest all read it.

The rules, once:

- The sessions are those that have started (cancelled ones left out), earliest
  first. Everyone takes part in weekly sessions, Masterclasses and the Showtime;
  a team check-in only concerns that team's members. Participants only: the
  coordination team is not counted.
- A participant's mark at a session is their attendance record (present, absent,
  excused), or *unknown* when there is none.
- A session's attendance was *taken* when at least one of the people expected there
  has a record. At a session taken, an unknown mark counts as not attended (whoever
  came pressed "✋ Estoy aquí", was marked or imported); at a session nobody took,
  it tells nothing and is not counted.
- The attendance rate is the present among the marks counted: present, absent and
  unknown at a session taken; excused absences are not counted.
- A team *missed* a session when none of its members was present there and not all
  of them were excused. A team is flagged when it missed both of the last two
  sessions taken that concerned it (the Monday digest).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.renderers import kind_label
from cohorte.handlers.attendance.roster import concerns_team, expects, started_sessions
from cohorte.handlers.core.readers import shown_name
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.attendance import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    Rsvp,
    RsvpAnswer,
    attendance,
    rsvps,
)
from cohorte.storage.cohorts import members_with_people, teams_of
from cohorte.storage.models import Cohort, Member, Person, Role, Team


class Mark(StrEnum):
    """What the matrix shows for one person at one session."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    UNKNOWN = "unknown"  # no record


MARK_OF_STATUS = {
    AttendanceStatus.PRESENT: Mark.PRESENT,
    AttendanceStatus.ABSENT: Mark.ABSENT,
    AttendanceStatus.EXCUSED: Mark.EXCUSED,
}
MARK_ORDER = (Mark.PRESENT, Mark.ABSENT, Mark.EXCUSED, Mark.UNKNOWN)
# The kinds of session, in the order the rates are shown.
SESSION_KINDS = ("session", "masterclass", "checkin", "showtime")
MISSED_IN_A_ROW = 2

_MARK_LABELS = {
    Mark.PRESENT: N_("present"),
    Mark.ABSENT: N_("absent"),
    Mark.EXCUSED: N_("excused"),
    Mark.UNKNOWN: N_("no record"),
}


def mark_label(t: Translator, mark: Mark) -> str:
    """'presente', 'ausente', 'justificado', 'sin registro'."""
    return t._(_MARK_LABELS[mark])


_RSVP_LABELS = {RsvpAnswer.YES: N_("Yes"), RsvpAnswer.MAYBE: N_("Maybe"), RsvpAnswer.NO: N_("No")}
_SOURCE_LABELS = {
    AttendanceSource.SELF: N_("self-reported"),
    AttendanceSource.COORDINATOR: N_("coordination team"),
}


def rsvp_label(t: Translator, answer: RsvpAnswer) -> str:
    """'Sí', 'Tal vez', 'No': the answer to "¿Vas a asistir?"."""
    return t._(_RSVP_LABELS[answer])


def source_label(t: Translator, source: AttendanceSource) -> str:
    """Who or what said so: 'autorregistro', 'equipo coordinador', 'Zoom', 'Google Meet'."""
    if source is AttendanceSource.ZOOM:
        return "Zoom"
    if source is AttendanceSource.MEET:
        return "Google Meet"
    return t._(_SOURCE_LABELS[source])


def session_kind_label(t: Translator, kind: str) -> str:
    """'Sesión semanal', 'Masterclass', 'Sesión de acompañamiento', 'Sesión final (Showtime)'."""
    return t._("Check-in session") if kind == "checkin" else kind_label(t, kind)


@dataclass(frozen=True)
class Rate:
    """How many were present among the marks counted (see the module's rules)."""

    present: int = 0
    counted: int = 0

    @property
    def percent(self) -> int | None:
        """The rate in whole percent (half up), None when nothing was counted."""
        if not self.counted:
            return None
        return (200 * self.present + self.counted) // (2 * self.counted)

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.present + other.present, self.counted + other.counted)


def rate_text(t: Translator, rate: Rate) -> str:
    """'67 % (2 de 3)', or 'sin registro' when nothing was counted."""
    if rate.percent is None:
        return mark_label(t, Mark.UNKNOWN)
    return t._(
        "{percent} % ({present} of {counted})",
        percent=rate.percent,
        present=rate.present,
        counted=rate.counted,
    )


@dataclass(frozen=True)
class Participant:
    member: Member
    person: Person
    team: Team | None

    @property
    def member_id(self) -> int:
        return self.member.id or 0

    @property
    def name(self) -> str:
        return self.person.display_name

    def shown(self, t: Translator) -> str:
        """The name others read (`readers.shown_name`: a forgotten person's stand-in is
        "someone from the Bogotá team")."""
        return shown_name(t, self.person, self.team.name if self.team is not None else None)


@dataclass(frozen=True)
class AttendanceMatrix:
    """Participants × sessions that have started, with their records and answers."""

    cohort: Cohort
    now: datetime
    sessions: list[Occurrence]  # started, not cancelled, earliest first
    teams: list[Team]  # by name
    people: list[Participant]  # by team (as `teams`, then those without one), then by name
    records: dict[tuple[str, int], Attendance]  # (ref, member id)
    answers: dict[tuple[str, int], Rsvp]  # (ref, member id)
    taken_refs: frozenset[str]  # the sessions whose attendance was taken

    def members_of(self, team: Team | None) -> list[Participant]:
        """The participants of `team` (None: those without a team)."""
        team_id = team.id if team is not None else None
        return [p for p in self.people if (p.team.id if p.team else None) == team_id]

    def expects(self, participant: Participant, occurrence: Occurrence) -> bool:
        """Whether the session concerns the participant (a check-in: their team's only)."""
        return _expects(participant, occurrence)

    def mark(self, participant: Participant, occurrence: Occurrence) -> Mark | None:
        """The participant's mark at the session; None when it does not concern them."""
        if not self.expects(participant, occurrence):
            return None
        record = self.records.get((occurrence.ref, participant.member_id))
        return MARK_OF_STATUS[record.status] if record is not None else Mark.UNKNOWN

    def taken(self, occurrence: Occurrence) -> bool:
        """Whether anyone expected at the session has an attendance record for it."""
        return occurrence.ref in self.taken_refs

    def rate_of(self, pairs: Iterable[tuple[Participant, Occurrence]]) -> Rate:
        """The attendance rate over these (participant, session) pairs."""
        present = counted = 0
        for participant, occurrence in pairs:
            mark = self.mark(participant, occurrence)
            if mark is None or mark is Mark.EXCUSED:
                continue
            if mark is Mark.UNKNOWN and not self.taken(occurrence):
                continue
            counted += 1
            present += mark is Mark.PRESENT
        return Rate(present, counted)

    def team_rate(self, team: Team | None) -> Rate:
        members = self.members_of(team)
        return self.rate_of((p, o) for p in members for o in self.sessions)

    def person_rate(self, participant: Participant) -> Rate:
        return self.rate_of((participant, o) for o in self.sessions)

    def session_rate(self, occurrence: Occurrence) -> Rate:
        return self.rate_of((p, occurrence) for p in self.people)

    def kind_rate(self, kind: str) -> Rate:
        sessions = [o for o in self.sessions if o.kind == kind]
        return self.rate_of((p, o) for p in self.people for o in sessions)

    @property
    def total_rate(self) -> Rate:
        return self.rate_of((p, o) for p in self.people for o in self.sessions)

    @property
    def kinds(self) -> list[str]:
        """The kinds of session held so far, in `SESSION_KINDS` order."""
        held = {o.kind for o in self.sessions}
        return [kind for kind in SESSION_KINDS if kind in held]

    @property
    def groups(self) -> list[tuple[Team | None, list[Participant]]]:
        """The teams with their participants, then those without a team (if any)."""
        found: list[tuple[Team | None, list[Participant]]] = [
            (team, self.members_of(team)) for team in self.teams
        ]
        loose = self.members_of(None)
        if loose:
            found.append((None, loose))
        return found

    def sessions_of(self, team: Team) -> list[Occurrence]:
        """The sessions that concerned the team: every common one and its own check-ins."""
        return [o for o in self.sessions if concerns_team(o, team.id)]

    def missed(self, team: Team, occurrence: Occurrence) -> bool:
        """No member of the team was present, and not every one of them was excused."""
        marks = [self.mark(p, occurrence) for p in self.members_of(team)]
        return (
            bool(marks)
            and Mark.PRESENT not in marks
            and any(mark in (Mark.ABSENT, Mark.UNKNOWN) for mark in marks)
        )

    def missed_in_a_row(self, team: Team, n: int = MISSED_IN_A_ROW) -> list[Occurrence]:
        """The team's last `n` sessions taken, when it missed every one of them; else []."""
        if not self.members_of(team):
            return []
        taken = [o for o in self.sessions_of(team) if self.taken(o)][-n:]
        if len(taken) < n or not all(self.missed(team, o) for o in taken):
            return []
        return taken

    @property
    def last_session(self) -> Occurrence | None:
        """The latest session that has started."""
        return self.sessions[-1] if self.sessions else None


def attendance_matrix(
    cohort: Cohort,
    now: datetime,
    occurrences: Sequence[Occurrence],
    teams: Sequence[Team],
    members: Sequence[tuple[Member, Person]],
    records: Sequence[Attendance],
    answers: Sequence[Rsvp] = (),
) -> AttendanceMatrix:
    """The matrix of the sessions in `occurrences` that started by `now` (pure)."""
    sessions = sorted(
        (o for o in occurrences if o.starts_at <= now and not o.cancelled),
        key=lambda o: (o.starts_at, o.ref),
    )
    ordered_teams = sorted(teams, key=lambda team: team.name)
    by_id = {team.id: team for team in ordered_teams}
    rank = {team.id: index for index, team in enumerate(ordered_teams)}
    people = sorted(
        (
            Participant(member, person, by_id.get(member.team_id))
            for member, person in members
            if member.role == Role.PARTICIPANT
        ),
        key=lambda p: (rank.get(p.team.id if p.team else None, len(rank)), p.name, p.member_id),
    )
    ids = {p.member_id for p in people}
    by_key = {(r.ref, r.member_id): r for r in records if r.member_id in ids}
    taken = frozenset(
        o.ref
        for o in sessions
        if any((o.ref, p.member_id) in by_key for p in people if _expects(p, o))
    )
    return AttendanceMatrix(
        cohort=cohort,
        now=now,
        sessions=sessions,
        teams=ordered_teams,
        people=people,
        records=by_key,
        answers={(a.ref, a.member_id): a for a in answers if a.member_id in ids},
        taken_refs=taken,
    )


def _expects(participant: Participant, occurrence: Occurrence) -> bool:
    return expects(occurrence, participant.member)


async def load_attendance(session: AsyncSession, cohort: Cohort, now: datetime) -> AttendanceMatrix:
    """The cohort's matrix as it stands at `now` (reads only)."""
    cohort_id = cohort.id or 0
    occurrences = await started_sessions(session, cohort, now)
    return attendance_matrix(
        cohort,
        now,
        occurrences,
        await teams_of(session, cohort_id),
        await members_with_people(session, cohort_id),
        await attendance(session, cohort_id),
        await rsvps(session, cohort_id),
    )
