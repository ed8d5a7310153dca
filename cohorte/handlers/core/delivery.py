"""Turning outbox rows into messages: render in the reader's language, pick the channel.

Each capability registers *planners* (run on every scheduler tick: enqueue
deliveries, perform due actions such as closing a poll) and *renderers* (one
per delivery kind, declared with its payload type in `delivery_kinds`: build
the Reply at send time from the row's payload and the database, in the
reader's language and zone). A person is reached by direct message on a
platform that can reach them (its declared traits: can the bot write first,
or did the person open a private chat); if none can, the message goes to the
cohort's group chat with a mention.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, P, PayloadError
from cohorte.handlers.core.messages import Direct, Group, Messenger, Reply
from cohorte.handlers.core.platforms import Platforms
from cohorte.handlers.core.readers import Reader, reader_of, with_cohort_name
from cohorte.locales import Translator
from cohorte.locales.markup import literal
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.outbox import Gate, Outgoing, Planned, SendOutcome, enqueue
from cohorte.scheduling.ticker import Planner
from cohorte.storage.cohorts import (
    chats_of,
    chats_of_cohorts,
    cohorts_by_id,
    is_active,
    members_with_people,
    memberships_of,
    teams_of,
    teams_of_cohorts,
)
from cohorte.storage.db import UNAVAILABLE, SessionFactory
from cohorte.storage.models import ChatLink, Cohort, Identity, Member, Person, Platform, Team
from cohorte.storage.outbox import Delivery
from cohorte.storage.people import identities_of_people, people_by_id

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass
class RenderContext:
    """What a renderer knows: the reader (a person, or a group when `person` is None)."""

    session: AsyncSession
    cohort: Cohort
    t: Translator
    now: datetime
    ref: str
    person: Person | None = None
    member: Member | None = None
    zone: str | None = None  # the person's zone; None for a group message
    cache: BatchCache = field(default_factory=lambda: BatchCache())

    @property
    def in_group(self) -> bool:
        """Whether the reader is a group chat (no person)."""
        return self.person is None

    async def zones(self) -> list[str]:
        """The zones present in the cohort (see `cohort_zones`), read once per batch."""

        async def read() -> list[str]:
            return await cohort_zones(self.session, self.cohort)

        return await self.cache.memo(("zones", self.cohort.id), read)


# A kind's renderer: the row's payload in, the Reply out, or None when there is nothing
# to send any more (the delivery is dropped).
Renderer = Callable[[RenderContext, P], Awaitable[Reply | None]]
# A renderer given its row's payload.
BoundRenderer = Callable[[RenderContext], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Rendering(Generic[P]):
    """A delivery kind's declaration and its renderer."""

    declared: DeliveryType[P]
    render: Renderer[P]

    def bind(self, data: str) -> BoundRenderer:
        """The renderer with the payload read from a row's `data` (PayloadError if unfit)."""
        payload = self.declared.load(data)

        async def render(rc: RenderContext) -> Reply | None:
            return await self.render(rc, payload)

        return render


@dataclass
class Capabilities:
    """The planners and renderers of every capability, assembled by the composition root."""

    planners: list[Planner] = field(default_factory=list)
    renderers: dict[DeliveryKind, Rendering[Any]] = field(default_factory=dict)
    # Kinds only ever sent privately (never as a group mention): coordinators' digests.
    private_kinds: set[DeliveryKind] = field(default_factory=set)

    def renderer(
        self, declared: DeliveryType[P], render: Renderer[P], *, private: bool = False
    ) -> None:
        """Render the deliveries of a declared kind with `render` (`private`: never as a
        group mention). A kind has one renderer: a second one is refused (ValueError)."""
        if not isinstance(declared, DeliveryType):
            raise TypeError(f"{declared!r} is not a DeliveryType")
        if declared.kind in self.renderers:
            raise ValueError(f"renderer for {declared.kind!r} registered twice")
        self.renderers[declared.kind] = Rendering(declared, render)
        if private:
            self.private_kinds.add(declared.kind)

    def renderer_for(self, kind: str) -> Rendering[Any] | None:
        """The renderer of a stored kind (None for a kind nobody renders)."""
        try:
            return self.renderers.get(DeliveryKind(kind))
        except ValueError:
            return None

    def is_private(self, kind: str) -> bool:
        """Whether deliveries of `kind` only ever go privately."""
        return kind in self.private_kinds


async def cohort_zones(session: AsyncSession, cohort: Cohort) -> list[str]:
    """The zones present in a cohort (teams and members' own), home zone first."""
    assert cohort.id is not None
    zones = [cohort.home_zone]
    zones += [team.zone for team in await teams_of(session, cohort.id)]
    zones += [p.zone for _, p in await members_with_people(session, cohort.id) if p.zone]
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
    declared: DeliveryType[P],
    key: str,
    *,
    payload: P,
    ref: str = "",
    people: list[int] | None = None,
    to_chats: bool = True,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Queue a message of a declared kind for the cohort's group chats (and/or some people).

    Goes through the outbox, so every linked chat on every platform gets it,
    rendered in its own language, exactly once (`key` names the occasion).
    """
    cohort = ctx.cohort
    assert cohort is not None and cohort.id is not None
    now = ctx.clock.now()
    links = await chats_of(ctx.session, cohort.id) if to_chats else []
    planned = occasion_rows(
        declared,
        key,
        cohort.id,
        due_at or now,
        payload,
        chats=[link.id for link in links if link.id is not None],
        people=people or [],
        expires_at=expires_at,
        ref=ref,
    )
    added = await enqueue(ctx.session, planned, now)
    # Wake the sender only for what is due now; it finds later rows by itself.
    ctx.outbox_dirty = ctx.outbox_dirty or (added > 0 and (due_at is None or due_at <= now))
    return added


def occasion_rows(
    declared: DeliveryType[P],
    key: str,
    cohort_id: int,
    due_at: datetime,
    payload: P,
    *,
    chats: list[int],
    people: list[int],
    expires_at: datetime | None = None,
    ref: str = "",
) -> list[Planned]:
    """One row per group chat and per person for one occasion (`<kind>:<key>:c<chat>`,
    `<kind>:<key>:p<person>`), group chats first."""
    data = declared.dump(payload)  # one object for all: `enqueue` encodes it once
    destinations: list[tuple[str, int | None, int | None]]
    destinations = [(f"c{link_id}", link_id, None) for link_id in chats]
    destinations += [(f"p{person_id}", None, person_id) for person_id in people]
    return [
        Planned(
            f"{declared.kind}:{key}:{lane}",
            declared.kind,
            cohort_id,
            due_at,
            expires_at,
            chat_link_id=link_id,
            person_id=person_id,
            ref=ref,
            data=data,
        )
        for lane, link_id, person_id in destinations
    ]


@dataclass
class BatchCache:
    """What one batch of deliveries reads, held by strong references.

    SQLAlchemy's identity map keeps only weak references, so without this the
    same cohort, person or occurrence would be read again for every row.
    Renderers keep their own derived results in `memo` (an occurrence, a
    rendered text per language and zone).
    """

    cohorts: dict[int, Cohort] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    links: dict[int, ChatLink] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    members: dict[tuple[int, int], Member] = field(default_factory=dict)
    identities: dict[int, list[Identity]] = field(default_factory=dict)
    # Every cohort each person of the batch belongs to (not only the batch's cohorts).
    cohorts_of: dict[int, list[Cohort]] = field(default_factory=dict)
    memos: dict[Hashable, object] = field(default_factory=dict)
    _translators: dict[str | None, Translator] = field(default_factory=dict)

    def translator(self, locale: str | None) -> Translator:
        """One translator per language for the whole batch."""
        found = self._translators.get(locale)
        if found is None:
            found = self._translators[locale] = Translator(locale)
        return found

    def reader(self, cohort: Cohort, person: Person | None = None) -> Reader:
        """The reader of a delivery: a person of the cohort, or its group chats (None)."""
        if person is None or person.id is None or cohort.id is None:
            return reader_of(cohort=cohort, translator=self.translator)
        member = self.members.get((cohort.id, person.id))
        team = self.teams.get(member.team_id) if member and member.team_id else None
        return reader_of(person, member, team, cohort, translator=self.translator)

    def in_several(self, person_id: int, now: datetime) -> bool:
        """Whether the person belongs to more than one active cohort (upcoming or
        running): then what they read names its cohort."""
        return sum(1 for c in self.cohorts_of.get(person_id, ()) if is_active(c, now)) > 1

    def links_of(self, cohort_id: int) -> list[ChatLink]:
        """A cohort's group chats in this batch, oldest link first."""
        return sorted(
            (link for link in self.links.values() if link.cohort_id == cohort_id),
            key=lambda link: link.id or 0,
        )

    async def memo(self, key: Hashable, make: Callable[[], Awaitable[_T]]) -> _T:
        """`make()`, computed once per batch for `key`."""
        if key not in self.memos:
            self.memos[key] = await make()
        return cast(_T, self.memos[key])

    @classmethod
    async def load(cls, session: AsyncSession, deliveries: list[Delivery]) -> BatchCache:
        """Prefetch, with a handful of `IN (…)` queries, what the rows' readers need."""
        cohort_ids = sorted({d.cohort_id for d in deliveries})
        person_ids = sorted({d.person_id for d in deliveries if d.person_id is not None})
        cache = cls()
        cache.cohorts = {c.id: c for c in await cohorts_by_id(session, cohort_ids) if c.id}
        cache.teams = {t.id: t for t in await teams_of_cohorts(session, cohort_ids) if t.id}
        cache.links = {
            link.id: link for link in await chats_of_cohorts(session, cohort_ids) if link.id
        }
        if person_ids:
            cache.people = {p.id: p for p in await people_by_id(session, person_ids) if p.id}
            memberships = await memberships_of(session, person_ids)
            cache.members = {
                (m.cohort_id, m.person_id): m for m in memberships if m.cohort_id in cache.cohorts
            }
            others = sorted({m.cohort_id for m in memberships} - set(cache.cohorts))
            every = dict(cache.cohorts)
            if others:  # people in several cohorts: their other ones, to name the cohort
                every.update({c.id: c for c in await cohorts_by_id(session, others) if c.id})
            for m in memberships:
                if m.cohort_id in every:
                    cache.cohorts_of.setdefault(m.person_id, []).append(every[m.cohort_id])
            for identity in await identities_of_people(session, person_ids):
                cache.identities.setdefault(identity.person_id, []).append(identity)
        return cache


class DeliveryService:
    """`prepare(rows)` for the delivery engine: render each row, choose its channel.

    Rendering runs in the engine's own task, with one session and one
    `BatchCache` per batch; the sends it returns run concurrently afterwards
    and only talk to messengers.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        capabilities: Capabilities,
        messengers: dict[Platform, Messenger],
        platforms: Platforms | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.capabilities = capabilities
        self.messengers = messengers
        # What each platform can do (declared by the adapters, registered at bootstrap).
        self.platforms = platforms if platforms is not None else Platforms()

    async def prepare(self, deliveries: list[Delivery]) -> list[Outgoing]:
        """Render a batch of claimed rows and choose where each goes (for the engine)."""
        async with self.sessions() as session:
            cache = await BatchCache.load(session, deliveries)
            ready = []
            for delivery in deliveries:
                try:
                    ready.append(await self._prepare_one(session, cache, delivery))
                except UNAVAILABLE:
                    raise
                except Exception:
                    logger.exception(
                        "rendering delivery %s failed",
                        delivery.id,
                        extra={"delivery_id": delivery.id},
                    )
                    ready.append(Outgoing(delivery, outcome=SendOutcome.UNREACHABLE))
            return ready

    async def _prepare_one(
        self, session: AsyncSession, cache: BatchCache, delivery: Delivery
    ) -> Outgoing:
        rendering = self.capabilities.renderer_for(delivery.kind)
        cohort = cache.cohorts.get(delivery.cohort_id)
        if rendering is None or cohort is None:
            logger.error(
                "cannot render delivery %s (kind %r)",
                delivery.id,
                delivery.kind,
                extra={"delivery_id": delivery.id},
            )
            return Outgoing(delivery, outcome=SendOutcome.UNREACHABLE)
        try:
            render = rendering.bind(delivery.data)
        except PayloadError as error:
            # A fact about one stored row, not a bug in the code: one line, no traceback.
            logger.error(
                "cannot render delivery %s: %s",
                delivery.id,
                error,
                extra={"delivery_id": delivery.id},
            )
            return Outgoing(delivery, outcome=SendOutcome.UNREACHABLE)
        base = RenderContext(
            session, cohort, cache.reader(cohort).t, self.clock.now(), delivery.ref, cache=cache
        )
        if delivery.chat_link_id is not None:
            link = cache.links.get(delivery.chat_link_id)
            if link is None:
                return Outgoing(delivery, outcome=SendOutcome.UNREACHABLE)
            reply = await render(base)
            if reply is None:
                return Outgoing(delivery, outcome=SendOutcome.SKIPPED)  # nothing to say any more
            routes = [(link.platform, replace(reply, to=Group(link.platform, link.chat_id)))]
            return self._outgoing(delivery, routes)
        return await self._prepare_for_person(delivery, base, render)

    async def _prepare_for_person(
        self, delivery: Delivery, base: RenderContext, render: BoundRenderer
    ) -> Outgoing:
        cache, cohort = base.cache, base.cohort
        person = cache.people.get(delivery.person_id or 0)
        if person is None or person.id is None or cohort.id is None:
            return Outgoing(delivery, outcome=SendOutcome.UNREACHABLE)
        reader = cache.reader(cohort, person)
        ctx = replace(base, t=reader.t, person=person, member=reader.member, zone=reader.zone)
        reply = await render(ctx)
        if reply is None:
            return Outgoing(delivery, outcome=SendOutcome.SKIPPED)
        if cache.in_several(person.id, base.now):
            reply = replace(reply, text=with_cohort_name(reader.t, cohort, reply.text))
        identities = cache.identities.get(person.id, [])
        # Direct messages first, on platforms that are running and can reach the person;
        # each next route is tried only if the previous one surely cannot reach them.
        routes: list[tuple[Platform, Reply]] = [
            (identity.platform, replace(reply, to=Direct(identity.platform, identity.external_id)))
            for identity in sorted(identities, key=lambda i: not i.dm_open)
            if identity.platform in self.messengers and self.platforms.reaches_privately(identity)
        ]
        if not self.capabilities.is_private(delivery.kind):
            # Then a mention in the cohort's group chat.
            routes += [
                (
                    link.platform,
                    replace(
                        reply,
                        text=f"{literal(person.display_name)}: {reply.text}",
                        buttons=(),
                        to=Group(link.platform, link.chat_id),
                        mentions=(identity.external_id,),
                    ),
                )
                for identity in identities
                for link in cache.links_of(cohort.id)
                if link.platform == identity.platform and link.platform in self.messengers
            ][:1]
        if not routes:
            logger.info("person %s is not reachable for a %s", person.id, delivery.kind)
            return Outgoing(delivery, outcome=SendOutcome.UNREACHABLE)
        return self._outgoing(delivery, routes)

    def _outgoing(self, delivery: Delivery, routes: list[tuple[Platform, Reply]]) -> Outgoing:
        async def send(gate: Gate) -> SendOutcome:
            outcome = SendOutcome.UNREACHABLE
            for platform, reply in routes:
                messenger = self.messengers.get(platform)
                if messenger is None:
                    continue
                outgoing.platform = platform.value
                outcome = await messenger.send(reply, gate)
                logger.info(
                    "delivery %s to %s: %s",
                    delivery.id,
                    reply.to,
                    outcome,
                    extra={"delivery_id": delivery.id},
                )
                if outcome is not SendOutcome.UNREACHABLE:
                    break
            return outcome

        outgoing = Outgoing(delivery, send, platform=routes[0][0].value)
        return outgoing
