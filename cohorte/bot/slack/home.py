"""The App Home tab: what the reader can do and where they stand, rebuilt on every visit.

The tab is a list of sections; each is an async function from the visitor to
Block Kit blocks (nothing to show: an empty list). Capabilities add theirs
with `SlackHome.add` (next events, the team's deliverables, open polls, the
coordinators' dashboard) without touching the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cohorte.bot.slack.inbound import SlackUser
from cohorte.bot.slack.render import Block, Renderer, mrkdwn_section, plain
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.readers import Reader, account_reader
from cohorte.handlers.core.router import Core
from cohorte.locales import Translator
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform, Role

logger = logging.getLogger(__name__)

MAX_HOME_BLOCKS = 100


async def slack_reader(
    sessions: SessionFactory, user_id: str, today: date, slack_zone: str | None = None
) -> Reader:
    """The person behind a Slack user id as a reader, with the cohort of their private
    chats (read only)."""
    async with sessions() as session:  # a read: no write turn
        return await account_reader(session, Platform.SLACK, user_id, today, slack_zone)


@dataclass(frozen=True)
class HomeVisitor:
    """Who is looking at the tab."""

    user_id: str
    user: SlackUser
    channel_id: str  # the app's direct-message conversation with them
    reader: Reader
    now: datetime

    @property
    def t(self) -> Translator:
        return self.reader.t

    @property
    def zone(self) -> str:
        return self.reader.zone

    def incoming(self, text: str) -> Incoming:
        """A command as if the visitor had written it to the app privately."""
        return Incoming(
            platform=Platform.SLACK,
            sender_id=self.user_id,
            sender_name=self.user.name,
            chat_id=self.channel_id,
            chat_kind=ChatKind.PRIVATE,
            text=text,
            sender_zone=self.user.zone,
        )


HomeSection = Callable[[HomeVisitor], Awaitable[list[Block]]]


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
        reader = await slack_reader(
            self.core.sessions, user_id, self.core.clock.now().date(), user.zone
        )
        visitor = HomeVisitor(user_id, user, channel_id, reader, self.core.clock.now())
        t = reader.t
        blocks: list[Block] = [{"type": "header", "text": plain("Cohorte")}]
        for section in self.sections:
            part = await section(visitor)
            if part:
                blocks += [*part, {"type": "divider"}]
        hint = t._(
            "Use /cohorte followed by a command in any channel, or write to me in the Messages tab."
        )
        if len(blocks) >= MAX_HOME_BLOCKS:
            logger.warning("App Home for %s cut to %d blocks", user_id, MAX_HOME_BLOCKS)
            blocks = blocks[: MAX_HOME_BLOCKS - 1]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
        return {"type": "home", "blocks": _unique_ids(blocks)}

    async def where_you_stand(self, visitor: HomeVisitor) -> list[Block]:
        """Cohort, team, role and time zone (with the local time now)."""
        reader, t = visitor.reader, visitor.t
        if reader.cohort is None or reader.member is None:
            return []
        lines = [t._("*Cohort:* {cohort}", cohort=reader.cohort.name)]
        if reader.team is not None:
            lines.append(t._("*Team:* {team}", team=reader.team.name))
        else:
            lines.append(t._("*Team:* none yet"))
        if reader.member.role == Role.COORDINATOR:
            lines.append(t._("You are part of the coordination team."))
        lines.append(
            t._(
                "*Time zone:* {zone} (it is {time} there now)",
                zone=t.zone_label(visitor.zone),
                time=t.time(visitor.now, visitor.zone),
            )
        )
        return [mrkdwn_section(self.renderer.text("\n".join(lines)))]

    async def what_you_can_do(self, visitor: HomeVisitor) -> list[Block]:
        """The help for the visitor's role, exactly as `/cohorte ayuda` answers it."""
        return await self._answer(visitor, "/ayuda")

    async def next_sessions(self, visitor: HomeVisitor) -> list[Block]:
        """The next sessions in the visitor's zone (coordinators: with their codes)."""
        return await self._answer(visitor, "/proximas 5", members_only=True)

    async def open_poll(self, visitor: HomeVisitor) -> list[Block]:
        """The open meeting-time poll with the visitor's ballot, when there is one."""
        return await self._answer(visitor, "/votar", members_only=True)

    async def deliverables(self, visitor: HomeVisitor) -> list[Block]:
        """The team's deliverables with buttons to report; for coordinators the cohort
        summary (the dashboard as text)."""
        return await self._answer(visitor, "/estado", members_only=True)

    async def _answer(
        self, visitor: HomeVisitor, command: str, *, members_only: bool = False
    ) -> list[Block]:
        """A command's answer, as the core gives it; refusals (ephemeral) are left out."""
        if members_only and visitor.reader.member is None:
            return []
        blocks: list[Block] = []
        for reply in await self.core.handle(visitor.incoming(command)):
            if reply.ephemeral and command != "/ayuda":
                continue  # "no poll open", "no team yet": nothing to show here
            for message in self.renderer.messages(reply):
                blocks += message.blocks
        return blocks


def _unique_ids(blocks: list[Block]) -> list[Block]:
    """The view's blocks with their ids made unique across it: each section renders its
    buttons as a message of its own (`row0.0`, `cohorte.0.1`), and Slack refuses a view
    that repeats a block or action id. The block's position is added to both."""
    for n, block in enumerate(blocks):
        if block.get("type") != "actions":
            continue
        block["block_id"] = f"{block.get('block_id', 'row')}.{n}"
        for element in block.get("elements") or []:
            if "action_id" in element:
                element["action_id"] = f"{element['action_id']}.{n}"
    return blocks
