"""Delivery: a person is reached where the platform's declared traits allow, else by mention."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import build_capabilities, known_platforms
from cohorte.handlers.agenda.deliveries import ANNOUNCEMENT, AnnouncementPayload
from cohorte.handlers.core.delivery import Capabilities, DeliveryKind, DeliveryService
from cohorte.handlers.core.messages import Direct, Group, Reply
from cohorte.handlers.core.platforms import Platforms, PlatformTraits
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.scheduling.outbox import Gate, SendOutcome, enqueue, open_gate
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import ChatLink, Identity, Member, Person, Platform
from cohorte.storage.outbox import Delivery
from cohorte.storage.people import privately_reachable
from tests.factories import seed_cohort

TELEGRAM_GROUP, SLACK_CHANNEL = "-100200", "CSPRINT"


@dataclass
class FakeMessenger:
    """Records what it was asked to send; every message arrives."""

    platform: Platform
    sent: list[Reply] = field(default_factory=list)

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        await gate()
        self.sent.append(reply)
        return SendOutcome.SENT


async def seed_two_strangers_to_private_chat(session: AsyncSession, clock: ManualClock) -> None:
    """Tomás is on Telegram, Lucía on Slack; neither ever wrote to the bot privately. The
    cohort has a Telegram group and a Slack channel; both get an announcement."""
    now = clock.now()
    cohort = await seed_cohort(session, now)
    assert cohort.id is not None
    for name, platform, external_id in (
        ("Tomás", Platform.TELEGRAM, "777"),
        ("Lucía", Platform.SLACK, "ULUCIA"),
    ):
        person = Person(display_name=name, created_at=now)
        session.add(person)
        await session.flush()
        assert person.id is not None
        session.add(Identity(person_id=person.id, platform=platform, external_id=external_id))
        session.add(Member(cohort_id=cohort.id, person_id=person.id, joined_at=now))
        await session.flush()
        await enqueue(
            session,
            [
                ANNOUNCEMENT.plan(
                    f"announcement:t:p{person.id}",
                    cohort.id,
                    now,
                    AnnouncementPayload(text="La sesión empieza en 1 hora."),
                    person_id=person.id,
                )
            ],
            now,
        )
    session.add(ChatLink(cohort_id=cohort.id, platform=Platform.TELEGRAM, chat_id=TELEGRAM_GROUP))
    session.add(ChatLink(cohort_id=cohort.id, platform=Platform.SLACK, chat_id=SLACK_CHANNEL))
    await session.commit()


async def deliver_all(
    sessions: SessionFactory, clock: ManualClock, platforms: Platforms
) -> dict[Platform, FakeMessenger]:
    messengers = {p: FakeMessenger(p) for p in (Platform.TELEGRAM, Platform.SLACK)}
    service = DeliveryService(
        sessions, clock, build_capabilities(platforms), dict(messengers.items()), platforms
    )
    async with sessions() as session:
        rows = list((await session.exec(select(Delivery).order_by(Delivery.id))).all())
    for outgoing in await service.prepare(rows):
        assert outgoing.send is not None
        assert await outgoing.send(open_gate) is SendOutcome.SENT
    return messengers


async def test_a_telegram_person_is_mentioned_in_the_group_and_a_slack_person_written_to(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    await seed_two_strangers_to_private_chat(session, clock)

    sent = await deliver_all(sessions, clock, known_platforms())

    (to_tomas,) = sent[Platform.TELEGRAM].sent
    assert to_tomas.to == Group(Platform.TELEGRAM, TELEGRAM_GROUP)
    assert to_tomas.mentions == ("777",)
    assert plain(to_tomas.text) == "Tomás: 📣 La sesión empieza en 1 hora."
    (to_lucia,) = sent[Platform.SLACK].sent
    assert to_lucia.to == Direct(Platform.SLACK, "ULUCIA")
    assert plain(to_lucia.text) == "📣 La sesión empieza en 1 hora."


async def test_what_decides_is_the_declared_trait_not_the_platform(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    await seed_two_strangers_to_private_chat(session, clock)
    platforms = Platforms()
    # As if Telegram bots could write first, and Slack apps could not.
    platforms.declare(Platform.TELEGRAM, PlatformTraits(True, False, True))
    platforms.declare(Platform.SLACK, PlatformTraits(False, True, False))

    sent = await deliver_all(sessions, clock, platforms)

    assert [r.to for r in sent[Platform.TELEGRAM].sent] == [Direct(Platform.TELEGRAM, "777")]
    assert [r.to for r in sent[Platform.SLACK].sent] == [Group(Platform.SLACK, SLACK_CHANNEL)]


async def test_who_can_be_written_to_privately_follows_the_traits(
    session: AsyncSession, clock: ManualClock
) -> None:
    await seed_two_strangers_to_private_chat(session, clock)
    people = {
        identity.external_id: identity.person_id
        for identity in (await session.exec(select(Identity))).all()
    }
    tomas, lucia = people["777"], people["ULUCIA"]

    assert await privately_reachable(
        session, [tomas, lucia], known_platforms().writing_first()
    ) == {lucia}
    telegram = await session.exec(select(Identity).where(Identity.external_id == "777"))
    telegram.one().dm_open = True  # Tomás wrote to the bot privately
    await session.flush()
    assert await privately_reachable(
        session, [tomas, lucia], known_platforms().writing_first()
    ) == {tomas, lucia}


def test_every_stored_kind_has_a_renderer_found_by_its_stored_value() -> None:
    capabilities = build_capabilities(known_platforms())
    assert set(capabilities.renderers) == set(DeliveryKind)
    assert all(
        rendering.declared.kind is kind for kind, rendering in capabilities.renderers.items()
    )
    assert (
        capabilities.renderer_for("status.changed")
        is capabilities.renderers[DeliveryKind.STATUS_CHANGED]
    )
    assert capabilities.renderer_for("no.such.kind") is None
    assert capabilities.is_private("holiday") and not capabilities.is_private("poll")


def test_a_renderer_is_registered_for_a_declared_kind_only_and_once() -> None:
    async def render(_rc: object, _payload: AnnouncementPayload) -> Reply | None:
        return None

    with pytest.raises(TypeError):
        Capabilities().renderer("announcement", render)  # type: ignore[arg-type]
    capabilities = Capabilities()
    capabilities.renderer(ANNOUNCEMENT, render)
    with pytest.raises(ValueError):
        capabilities.renderer(ANNOUNCEMENT, render)
