"""The App Home tab: what the reader can do and where they stand, rebuilt on every visit.

The tab is a list of sections; each is an async function from the reader to
Block Kit blocks (nothing to show: an empty list). Capabilities add theirs
with `SlackHome.add` (next events, the team's deliverables, open polls, the
coordinators' dashboard) without touching the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cohorte.bot.slack.inbound import SlackUser
from cohorte.bot.slack.render import Block, Renderer, mrkdwn_section, plain
from cohorte.handlers.core.context import reader_zone
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales import Translator
from cohorte.storage import queries
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Member, Person, Platform, Role, Team

logger = logging.getLogger(__name__)

MAX_HOME_BLOCKS = 100


@dataclass(frozen=True)
class Profile:
    """A Slack user as the database knows them (everything None for a stranger)."""

    person: Person | None = None
    member: Member | None = None
    cohort: Cohort | None = None
    team: Team | None = None

    def translator(self) -> Translator:
        person_locale = self.person.locale if self.person else None
        return Translator(person_locale or (self.cohort.locale if self.cohort else None))

    def zone(self, slack_zone: str | None) -> str:
        """The same order the core uses: own zone, team, Slack's tz, cohort."""
        return reader_zone(self.person, self.team, self.cohort, slack_zone)


async def read_profile(sessions: SessionFactory, user_id: str) -> Profile:
    """The person behind a Slack user id, with their latest cohort and team (read only)."""
    async with sessions() as session:
        person = await queries.person_by_identity(session, Platform.SLACK, user_id)
        if person is None or person.id is None:
            return Profile(person)
        member = await queries.latest_membership(session, person.id)
        if member is None:
            return Profile(person)
        cohort = await session.get(Cohort, member.cohort_id)
        team = await session.get(Team, member.team_id) if member.team_id is not None else None
        return Profile(person, member, cohort, team)


@dataclass(frozen=True)
class HomeReader:
    """Who is looking at the tab."""

    user_id: str
    user: SlackUser
    channel_id: str  # the app's direct-message conversation with them
    profile: Profile
    t: Translator
    zone: str
    now: datetime

    def incoming(self, text: str) -> Incoming:
        """A command as if the reader had written it to the app privately."""
        return Incoming(
            platform=Platform.SLACK,
            sender_id=self.user_id,
            sender_name=self.user.name,
            chat_id=self.channel_id,
            chat_kind=ChatKind.PRIVATE,
            text=text,
            sender_zone=self.user.zone,
            modal_forms=True,
        )


HomeSection = Callable[[HomeReader], Awaitable[list[Block]]]


class SlackHome:
    """Builds the App Home view from its sections."""

    def __init__(self, core: Core, renderer: Renderer) -> None:
        self.core = core
        self.renderer = renderer
        self.sections: list[HomeSection] = [
            self.where_you_stand,
            self.next_sessions,
            self.open_poll,
            self.deliverables,
            self.what_you_can_do,
        ]

    def add(self, section: HomeSection, *, before: HomeSection | None = None) -> None:
        """Add a section at the end, or before another one."""
        index = self.sections.index(before) if before is not None else len(self.sections)
        self.sections.insert(index, section)

    async def view(self, user_id: str, user: SlackUser, channel_id: str) -> dict[str, Any]:
        profile = await read_profile(self.core.sessions, user_id)
        t = profile.translator()
        reader = HomeReader(
            user_id, user, channel_id, profile, t, profile.zone(user.zone), self.core.clock.now()
        )
        blocks: list[Block] = [{"type": "header", "text": plain("Cohorte")}]
        for section in self.sections:
            part = await section(reader)
            if part:
                blocks += [*part, {"type": "divider"}]
        hint = t._(
            "Use /cohorte followed by a command in any channel, or write to me in the Messages tab."
        )
        if len(blocks) >= MAX_HOME_BLOCKS:
            logger.warning("App Home for %s cut to %d blocks", user_id, MAX_HOME_BLOCKS)
            blocks = blocks[: MAX_HOME_BLOCKS - 1]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
        return {"type": "home", "blocks": blocks}

    async def where_you_stand(self, reader: HomeReader) -> list[Block]:
        """Cohort, team, role and time zone (with the local time now)."""
        profile, t = reader.profile, reader.t
        if profile.cohort is None or profile.member is None:
            return []
        lines = [t._("*Cohort:* {cohort}", cohort=profile.cohort.name)]
        if profile.team is not None:
            lines.append(t._("*Team:* {team}", team=profile.team.name))
        else:
            lines.append(t._("*Team:* none yet"))
        if profile.member.role == Role.COORDINATOR:
            lines.append(t._("You are part of the coordination team."))
        lines.append(
            t._(
                "*Time zone:* {zone} (it is {time} there now)",
                zone=t.zone_label(reader.zone),
                time=t.time(reader.now, reader.zone),
            )
        )
        return [mrkdwn_section(self.renderer.text("\n".join(lines)))]

    async def what_you_can_do(self, reader: HomeReader) -> list[Block]:
        """The help for the reader's role, exactly as `/cohorte ayuda` answers it."""
        return await self._answer(reader, "/ayuda")

    async def next_sessions(self, reader: HomeReader) -> list[Block]:
        """The next sessions in the reader's zone (coordinators: with their codes)."""
        return await self._answer(reader, "/proximas 5", members_only=True)

    async def open_poll(self, reader: HomeReader) -> list[Block]:
        """The open meeting-time poll with the reader's ballot, when there is one."""
        return await self._answer(reader, "/votar", members_only=True)

    async def deliverables(self, reader: HomeReader) -> list[Block]:
        """The team's deliverables with buttons to report; for coordinators the cohort
        summary (the dashboard as text)."""
        return await self._answer(reader, "/estado", members_only=True)

    async def _answer(
        self, reader: HomeReader, command: str, *, members_only: bool = False
    ) -> list[Block]:
        """A command's answer, as the core gives it; refusals (ephemeral) are left out."""
        if members_only and reader.profile.member is None:
            return []
        blocks: list[Block] = []
        for reply in await self.core.handle(reader.incoming(command)):
            if reply.ephemeral and command != "/ayuda":
                continue  # "no poll open", "no team yet": nothing to show here
            for message in self.renderer.messages(reply):
                blocks += message.blocks
        return blocks
