"""What each platform lets the bot do, as its adapter declares it.

The core never names a platform to decide something: it asks the traits the
composition root registered (`Platforms.declare`). The database keeps only
facts about accounts (`Identity.dm_open`: the person wrote to the bot
privately); whether that matters is a trait of the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage import people
from cohorte.storage.models import Identity, Platform


@dataclass(frozen=True)
class PlatformTraits:
    """The abilities of one platform that change what the core does."""

    # The bot may open a private conversation with anyone. Telegram bots cannot write
    # first: only to people who opened a private chat with the bot (`Identity.dm_open`).
    can_write_first: bool
    # The adapter shows forms itself (Slack modals); elsewhere the core asks their
    # questions one at a time in the chat.
    modal_forms: bool
    # A person's private chat with the bot has their user id as its id (Telegram, the
    # console), so the core can move a guided form there without asking the platform.
    private_chat_is_user: bool


# What the core assumes of a platform nobody declared: that it can only answer where
# it was spoken to, so it never tries what the platform might refuse.
UNDECLARED = PlatformTraits(can_write_first=False, modal_forms=False, private_chat_is_user=False)


@dataclass
class Platforms:
    """The traits of every platform, registered at bootstrap (also those not running here:
    a process that runs only Slack still decides who can be reached on Telegram)."""

    _traits: dict[Platform, PlatformTraits] = field(default_factory=dict)

    def declare(self, platform: Platform, traits: PlatformTraits) -> None:
        """Register what `platform` can do (once per platform)."""
        if self._traits.get(platform, traits) != traits:
            raise ValueError(f"traits of {platform} declared twice, differently")
        self._traits[platform] = traits

    def of(self, platform: Platform) -> PlatformTraits:
        """The declared traits of `platform` (`UNDECLARED` if nobody declared them)."""
        return self._traits.get(platform, UNDECLARED)

    def reaches_privately(self, identity: Identity) -> bool:
        """Whether the bot may message this account privately: anyone where it can write
        first, elsewhere only a person who opened a private chat with it."""
        return self.of(identity.platform).can_write_first or identity.dm_open

    def writing_first(self) -> frozenset[Platform]:
        """The platforms where the bot may write to anyone first."""
        return frozenset(p for p, traits in self._traits.items() if traits.can_write_first)


async def reaches_account_privately(
    session: AsyncSession, platforms: Platforms, platform: Platform, external_id: str
) -> bool:
    """Whether the bot may message this account privately (`Platforms.reaches_privately`);
    False for an account it does not know."""
    identity = await people.identity_by_external_id(session, platform, external_id)
    return identity is not None and platforms.reaches_privately(identity)


async def privately_reachable(
    session: AsyncSession, platforms: Platforms, person_ids: list[int]
) -> list[int]:
    """Those of `person_ids` the bot may message privately on at least one platform, in
    their order."""
    reachable = await people.privately_reachable(session, person_ids, platforms.writing_first())
    return [person_id for person_id in person_ids if person_id in reachable]
