"""What a handler knows about the message it is answering."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.errors import NotAdminError, NotCoordinatorError, NotMemberError
from cohorte.handlers.core.messages import ChatKind, Incoming, Reply
from cohorte.handlers.core.platforms import Platforms
from cohorte.handlers.core.readers import reader_of, reader_zone
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock
from cohorte.storage.admins import is_stored_admin
from cohorte.storage.cohorts import place_in_cohort
from cohorte.storage.models import Cohort, Member, Person, Platform, Role, Team


class Recent:
    """Keys of work this process did lately (bounded, oldest forgotten first).

    Only ever a shortcut: the database stays the judge (unique keys), so a
    forgotten key costs one statement, never a duplicate.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        """Remember `key`, forgetting the oldest once full."""
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)


AfterCommit = Callable[[], Awaitable[list[Reply]]]


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
    # What this process did lately (shared by every message it answers).
    recent: Recent = field(default_factory=Recent)
    # Work for after the commit, outside the write turn: reads and rendering.
    deferred: list[AfterCommit] = field(default_factory=list)
    # What each platform can do (who can be written to privately, ...).
    platforms: Platforms = field(default_factory=Platforms)
    # How many cohorts the sender belongs to, how many are active (upcoming or running),
    # and whether the cohort in context is the one they chose for private chats.
    cohorts: int = 0
    active_cohorts: int = 0
    chosen: bool = False
    # The bot administrators the operator named (`COHORTE_ADMINS`): platform accounts.
    admins: frozenset[tuple[Platform, str]] = frozenset()

    def after_commit(self, work: AfterCommit) -> list[Reply]:
        """Run `work` once the transaction has committed; its replies are added to the
        handler's. Returns no replies, for handlers to return it directly."""
        self.deferred.append(work)
        return []

    @property
    def in_group(self) -> bool:
        """Whether the message came from a group chat."""
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def is_coordinator(self) -> bool:
        """Whether the sender coordinates the cohort in context."""
        return self.member is not None and self.member.role == Role.COORDINATOR

    @property
    def zone(self) -> str:
        """The sender's zone as a reader (`readers.reader_zone`), as the handler left them."""
        return reader_zone(self.person, self.team, self.cohort, self.incoming.sender_zone)

    @property
    def ambiguous(self) -> bool:
        """Whether a private answer could be about more than one of the sender's cohorts
        (they have several active ones): replies then name the cohort."""
        return self.active_cohorts > 1

    @property
    def needs_cohort_choice(self) -> bool:
        """Whether the sender must first say which cohort a private command is about:
        several active cohorts and no choice made (a group's cohort needs none)."""
        return not self.in_group and self.ambiguous and not self.chosen

    async def enter_cohort(self, cohort_id: int) -> None:
        """Answer about the cohort `cohort_id` (the cohort of the row a button names):
        the sender's membership and team there, and the language and zone they read in.
        Someone who is not its member stays without a membership (handlers refuse them)."""
        if self.cohort is not None and self.cohort.id == cohort_id:
            return
        person_id = self.person.id if self.person is not None else None
        if person_id is None:
            return
        cohort, member, team = await place_in_cohort(self.session, cohort_id, person_id)
        if cohort is None:
            return
        self.cohort, self.member, self.team = cohort, member, team
        self.chosen = True  # the button names it: no question
        self.t = reader_of(
            self.person, member, team, cohort, platform_zone=self.incoming.sender_zone
        ).t

    async def is_admin(self) -> bool:
        """Whether the sender administers the bot: named by the operator, or made one in
        chat with a code from `cohorte admin invite`."""
        if (self.incoming.platform, self.incoming.sender_id) in self.admins:
            return True
        return (
            self.person is not None
            and self.person.id is not None
            and await is_stored_admin(self.session, self.person.id)
        )

    async def require_admin(self) -> None:
        """`NotAdminError` unless the sender administers the bot (`is_admin`)."""
        if not await self.is_admin():
            raise NotAdminError()

    def require_member(self) -> tuple[Cohort, Member]:
        """The sender's cohort and membership; `NotMemberError` if they have none."""
        if self.cohort is None or self.member is None:
            raise NotMemberError()
        return self.cohort, self.member

    def require_coordinator(self) -> tuple[Cohort, Member]:
        """Like `require_member`, for coordinators only (`NotCoordinatorError`)."""
        cohort, member = self.require_member()
        if member.role != Role.COORDINATOR:
            raise NotCoordinatorError()
        return cohort, member
