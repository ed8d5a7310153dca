"""What a handler knows about the message it is answering."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.errors import NotCoordinatorError, NotMemberError
from cohorte.handlers.messages import ChatKind, Incoming
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock
from cohorte.storage.models import Cohort, Member, Person, Role, Team

DEFAULT_ZONE = "America/Bogota"


def reader_zone(
    person: Person | None,
    team: Team | None,
    cohort: Cohort | None,
    platform_zone: str | None = None,
) -> str:
    """Whose clock a person reads: their own zone, else their team's, else the one
    their platform reports (Slack profiles), else the cohort's home zone."""
    if person is not None and person.zone:
        return person.zone
    if team is not None:
        return team.zone
    if platform_zone:
        return platform_zone
    return cohort.home_zone if cohort is not None else DEFAULT_ZONE


@dataclass
class Context:
    """One incoming message, the open transaction, and who sent it."""

    incoming: Incoming
    session: AsyncSession
    clock: Clock
    t: Translator
    person: Person | None = None
    cohort: Cohort | None = None
    member: Member | None = None
    team: Team | None = None
    # Set when the handler queued outbox deliveries: the core then wakes the sender.
    outbox_dirty: bool = False
    # Public base URL of the bot's HTTP server, when it has one (calendar feeds).
    public_url: str | None = None

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def is_coordinator(self) -> bool:
        return self.member is not None and self.member.role == Role.COORDINATOR

    @property
    def zone(self) -> str:
        """The reader's zone (see `reader_zone`)."""
        return reader_zone(self.person, self.team, self.cohort, self.incoming.sender_zone)

    def require_member(self) -> tuple[Cohort, Member]:
        if self.cohort is None or self.member is None:
            raise NotMemberError()
        return self.cohort, self.member

    def require_coordinator(self) -> tuple[Cohort, Member]:
        cohort, member = self.require_member()
        if member.role != Role.COORDINATOR:
            raise NotCoordinatorError()
        return cohort, member
