"""Turning outbox rows into messages: render in the reader's language, pick the channel.

Each capability registers *planners* (run on every scheduler tick: enqueue
deliveries, perform due actions such as closing a poll) and *renderers* (one
per delivery kind: build the Reply at send time, from the database, in the
reader's language and zone). A person is reached by direct message on a
platform that can reach them; if none can, the message goes to the cohort's
group chat with a mention.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.context import Context, reader_zone
from cohorte.handlers.messages import Direct, Group, Messenger, Reply, SendOutcome
from cohorte.locales import Translator
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.ticker import Planner
from cohorte.storage import queries
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import ChatLink, Cohort, Identity, Member, Person, Platform, Team
from cohorte.storage.outbox import Delivery

logger = logging.getLogger(__name__)


@dataclass
class RenderContext:
    """What a renderer knows: the reader (a person, or a group when `person` is None)."""

    session: AsyncSession
    cohort: Cohort
    t: Translator
    now: datetime
    ref: str
    data: dict[str, object]
    person: Person | None = None
    member: Member | None = None
    zone: str | None = None  # the person's zone; None for a group message

    @property
    def in_group(self) -> bool:
        return self.person is None


# Returns None when there is nothing to send any more (the delivery is dropped).
Renderer = Callable[[RenderContext], Awaitable[Reply | None]]


@dataclass
class Capabilities:
    """The planners and renderers of every capability, assembled by the composition root."""

    planners: list[Planner] = field(default_factory=list)
    renderers: dict[str, Renderer] = field(default_factory=dict)
    # Kinds only ever sent privately (never as a group mention): coordinators' digests.
    private_kinds: set[str] = field(default_factory=set)

    def renderer(self, kind: str, render: Renderer, *, private: bool = False) -> None:
        if kind in self.renderers:
            raise ValueError(f"renderer for {kind!r} registered twice")
        self.renderers[kind] = render
        if private:
            self.private_kinds.add(kind)


async def cohort_zones(session: AsyncSession, cohort: Cohort) -> list[str]:
    """The zones present in a cohort (teams and members' own), home zone first."""
    assert cohort.id is not None
    zones = [cohort.home_zone]
    zones += [team.zone for team in await queries.teams_of(session, cohort.id)]
    zones += [p.zone for _, p in await queries.members_with_people(session, cohort.id) if p.zone]
    return list(dict.fromkeys(zones))


def times_by_city(t: Translator, instant: datetime, zones: list[str]) -> str:
    """'10:00 Ciudad de México · 11:00 Bogotá/Lima · 13:00 Buenos Aires' (earliest first)."""
    by_time: dict[str, list[str]] = {}
    order: dict[str, datetime] = {}
    for zone in zones:
        local = instant.astimezone(ZoneInfo(zone))
        label = t.time(instant, zone)
        if local.date() != instant.astimezone(ZoneInfo(zones[0])).date():
            label = f"{label} ({t.date(local.date())})"
        cities = by_time.setdefault(label, [])
        if t.city(zone) not in cities:
            cities.append(t.city(zone))
        order[label] = local.replace(tzinfo=None)  # wall-clock order
    return " · ".join(
        f"{label} {'/'.join(by_time[label])}" for label in sorted(by_time, key=order.__getitem__)
    )


async def announce(
    ctx: Context,
    kind: str,
    key: str,
    *,
    ref: str = "",
    data: dict[str, object] | None = None,
    people: list[int] | None = None,
    to_chats: bool = True,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Queue a `kind` message for the cohort's group chats (and/or some people).

    Goes through the outbox, so every linked chat on every platform gets it,
    rendered in its own language, exactly once (`key` names the occasion).
    """
    cohort = ctx.cohort
    assert cohort is not None and cohort.id is not None
    now = ctx.clock.now()
    planned = []
    if to_chats:
        for link in await queries.chats_of(ctx.session, cohort.id):
            planned.append(
                Planned(
                    f"{kind}:{key}:c{link.id}",
                    kind,
                    cohort.id,
                    due_at or now,
                    expires_at,
                    chat_link_id=link.id,
                    ref=ref,
                    data=data or {},
                )
            )
    for person_id in people or []:
        planned.append(
            Planned(
                f"{kind}:{key}:p{person_id}",
                kind,
                cohort.id,
                due_at or now,
                expires_at,
                person_id=person_id,
                ref=ref,
                data=data or {},
            )
        )
    added = await enqueue(ctx.session, planned, now)
    ctx.outbox_dirty = ctx.outbox_dirty or added > 0
    return added


class DeliveryService:
    """`deliver(row)` for the outbox worker: render, choose the channel, send."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        capabilities: Capabilities,
        messengers: dict[Platform, Messenger],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.capabilities = capabilities
        self.messengers = messengers
        self._batch_session: AsyncSession | None = None

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Share one read-only session across a batch of deliveries: cohorts, series and
        teams repeat from one delivery to the next and are read once."""
        async with self.sessions() as session:
            self._batch_session = session
            try:
                yield
            finally:
                self._batch_session = None

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[AsyncSession]:
        if self._batch_session is not None:
            try:
                yield self._batch_session
            finally:
                # End the read transaction between deliveries (objects stay loaded:
                # sessions do not expire on commit), so no lock is held while sending.
                await self._batch_session.commit()
            return
        async with self.sessions() as session:
            yield session

    async def deliver(self, delivery: Delivery) -> SendOutcome:
        render = self.capabilities.renderers.get(delivery.kind)
        if render is None:
            logger.error("no renderer for delivery kind %r", delivery.kind)
            return SendOutcome.UNREACHABLE
        async with self._reader() as session:
            cohort = await session.get(Cohort, delivery.cohort_id)
            if cohort is None:
                return SendOutcome.UNREACHABLE
            data = json.loads(delivery.data or "{}")
            base = RenderContext(
                session, cohort, Translator(cohort.locale), self.clock.now(), delivery.ref, data
            )
            if delivery.chat_link_id is not None:
                link = await session.get(ChatLink, delivery.chat_link_id)
                if link is None:
                    return SendOutcome.UNREACHABLE
                reply = await render(base)
                if reply is None:
                    return SendOutcome.SKIPPED  # nothing to say any more
                return await self._send(
                    link.platform, replace(reply, to=Group(link.platform, link.chat_id))
                )
            return await self._deliver_to_person(session, delivery, base, render)

    async def _deliver_to_person(
        self, session: AsyncSession, delivery: Delivery, base: RenderContext, render: Renderer
    ) -> SendOutcome:
        person = await session.get(Person, delivery.person_id)
        cohort = base.cohort
        if person is None or person.id is None or cohort.id is None:
            return SendOutcome.UNREACHABLE
        member = await queries.membership(session, cohort.id, person.id)
        team = await session.get(Team, member.team_id) if member and member.team_id else None
        zone = reader_zone(person, team, cohort)
        ctx = replace(
            base,
            t=Translator(person.locale or cohort.locale),
            person=person,
            member=member,
            zone=zone,
        )
        reply = await render(ctx)
        if reply is None:
            return SendOutcome.SKIPPED
        identities = (
            await session.exec(select(Identity).where(Identity.person_id == person.id))
        ).all()
        # Direct messages first, on platforms that are running and can reach the person.
        for identity in sorted(identities, key=lambda i: not i.dm_open):
            if identity.platform not in self.messengers:
                continue
            if not identity.reachable_privately:
                continue
            outcome = await self._send(
                identity.platform,
                replace(reply, to=Direct(identity.platform, identity.external_id)),
            )
            if outcome is not SendOutcome.UNREACHABLE:
                return outcome
        if delivery.kind in self.capabilities.private_kinds:
            logger.info("person %s has no private channel for a %s", person.id, delivery.kind)
            return SendOutcome.UNREACHABLE
        # Nobody reachable privately: mention them in the cohort's group chat.
        links = (
            await session.exec(
                select(ChatLink).where(ChatLink.cohort_id == cohort.id).order_by(col(ChatLink.id))
            )
        ).all()
        for identity in identities:
            for link in links:
                if link.platform == identity.platform and link.platform in self.messengers:
                    mention = replace(
                        reply,
                        text=f"{person.display_name}: {reply.text}",
                        buttons=(),
                        to=Group(link.platform, link.chat_id),
                        mentions=(identity.external_id,),
                    )
                    return await self._send(link.platform, mention)
        logger.info("person %s is not reachable on any running platform", person.id)
        return SendOutcome.UNREACHABLE

    async def _send(self, platform: Platform, reply: Reply) -> SendOutcome:
        messenger = self.messengers.get(platform)
        if messenger is None:
            return SendOutcome.UNREACHABLE
        outcome = await messenger.send(reply)
        logger.info("sent %s message to %s: %s", platform, reply.to, outcome)
        return outcome
