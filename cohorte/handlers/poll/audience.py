"""Who reads a poll message: one person in their own zone, or a group (times per city)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import cohort_zones
from cohorte.handlers.core.messages import Reply
from cohorte.locales import Translator
from cohorte.storage.models import Cohort


@dataclass
class Audience:
    """Who reads a message: one person in their zone, or a group (times per city)."""

    t: Translator
    zone: str | None  # None: a group
    zones: list[str]
    now: datetime


def personal(ctx: Context) -> Audience:
    """The sender, in their own zone (also for their private answers in a group)."""
    return Audience(ctx.t, ctx.zone, [ctx.zone], ctx.clock.now())


async def audience_for(ctx: Context, cohort: Cohort) -> Audience:
    """The sender in a private chat; everyone (times per city) in a group."""
    if not ctx.in_group:
        return personal(ctx)
    return Audience(ctx.t, None, await cohort_zones(ctx.session, cohort), ctx.clock.now())


def ephemeral_in_group(ctx: Context, reply: Reply) -> Reply:
    """The reply, seen only by the sender when they asked in a group."""
    if not ctx.in_group:
        return reply
    return Reply(reply.text, reply.buttons, ephemeral=True)
