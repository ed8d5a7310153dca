"""The poll as the handlers see it: its slots, the cohort's members, their votes, the tally."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.clashes import sprint_calendar
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.poll import rules as poll_rules
from cohorte.handlers.poll.rules import SlotOption, SlotTally, Voter, Winner
from cohorte.locales import N_
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage import polls, voting
from cohorte.storage.cohorts import cohort_by_id, members_with_people, teams_of
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.polls import WEEKLY_SESSION, Choice, Poll, PollSlot, PollState

PURPOSE = WEEKLY_SESSION


class PollClosedError(CohortError):
    message = N_("This poll has already closed.")


class NoPollError(CohortError):
    message = N_("There is no poll yet. The coordination team opens it with /encuesta nueva.")


@dataclass
class PollView:
    """A poll with its slots, the cohort's members, their votes and the tally."""

    poll: Poll
    cohort: Cohort
    slots: list[PollSlot]
    members: list[tuple[Member, Person]]
    teams: dict[int, Team]
    votes: dict[tuple[int, int], Choice]
    options: list[SlotOption] = field(default_factory=list)
    voters: list[Voter] = field(default_factory=list)
    results: dict[int, SlotTally] = field(default_factory=dict)
    winner: Winner | None = None
    # The sprint's other sessions (not the weekly one a slot would replace), for the flags.
    calendar: list[Occurrence] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.options = [
            SlotOption(slot.id or 0, slot.weekday, slot.local_time) for slot in self.slots
        ]
        self.voters = [
            Voter(member.id or 0, member.team_id, member.role == Role.PARTICIPANT)
            for member, _ in self.members
        ]
        tallies = poll_rules.tally(self.options, self.voters, self.votes)
        self.results = {result.slot_id: result for result in tallies}
        self.winner = poll_rules.pick_winner(self.options, tallies)

    @property
    def id(self) -> int:
        assert self.poll.id is not None
        return self.poll.id

    @property
    def is_open(self) -> bool:
        return self.poll.state == PollState.OPEN

    def slot(self, slot_id: int | None) -> PollSlot | None:
        return next((slot for slot in self.slots if slot.id == slot_id), None)

    def slot_at(self, position: int) -> PollSlot | None:
        return next((slot for slot in self.slots if slot.position == position), None)

    def team_ids(self) -> list[int]:
        """Teams with at least one member, by name."""
        present = {member.team_id for member, _ in self.members if member.team_id is not None}
        return sorted((t for t in present if t in self.teams), key=lambda t: self.teams[t].name)

    def expected(self) -> list[tuple[Member, Person]]:
        return [(m, p) for m, p in self.members if m.role == Role.PARTICIPANT]

    def answered(self, member_id: int) -> int:
        return poll_rules.answered(Voter(member_id, None), self.options, self.votes)

    def missing(self) -> list[tuple[Member, Person, int]]:
        """Participants who have not answered every slot, with how many they answered."""
        by_id = {member.id: (member, person) for member, person in self.members}
        return [
            (*by_id[voter.member_id], count)
            for voter, count in poll_rules.missing_voters(self.voters, self.options, self.votes)
        ]

    def complete_count(self) -> int:
        return len(self.expected()) - len(self.missing())

    def everyone_answered(self) -> bool:
        return bool(self.expected()) and not self.missing()

    def team_names(self) -> dict[int, str]:
        """Team names by id."""
        return {team_id: team.name for team_id, team in self.teams.items()}

    def coordinator_ids(self, *, besides: int | None = None) -> list[int]:
        """Person ids of the cohort's coordinators, except `besides`."""
        return [
            person.id
            for member, person in self.members
            if member.role == Role.COORDINATOR and person.id is not None and person.id != besides
        ]


async def load_poll(session: AsyncSession, poll: Poll, *, calendar: bool = True) -> PollView:
    """The poll with its slots, the cohort's members and teams, and every vote; with
    `calendar`, the sprint's other sessions its slots could clash with (three queries
    more, for the views that show the flags)."""
    cohort = await cohort_by_id(session, poll.cohort_id)
    assert cohort is not None and cohort.id is not None and poll.id is not None
    slots = await polls.slots_of(session, poll.id)
    members = list(await members_with_people(session, cohort.id))
    teams = {team.id: team for team in await teams_of(session, cohort.id) if team.id}
    votes = await voting.poll_votes(session, poll.id)
    view = PollView(poll, cohort, slots, members, teams, votes)
    if calendar:
        view.calendar = await sprint_calendar(session, cohort, without_weekly=True)
    return view


async def open_poll_of(session: AsyncSession, cohort_id: int) -> Poll | None:
    """The cohort's open weekly-session poll, if there is one."""
    return await polls.open_poll_of(session, cohort_id, PURPOSE)


async def latest_poll_of(session: AsyncSession, cohort_id: int) -> Poll | None:
    """The open poll, else the most recent one that was not cancelled."""
    return await polls.latest_poll_of(session, cohort_id, PURPOSE)
