"""/estado-bot: how the bot is doing with one cohort's messages, for its coordinators.

The facts (`BotStatus`) are the ones `cohorte status` prints at the terminal
for every cohort: the next scheduled messages, the backlog (messages due and
not sent yet, with the oldest one's age), and what went wrong in the last
seven days (ambiguous: may have arrived, never resent; failed: gave up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Reply
from cohorte.locales import N_, Translator
from cohorte.storage.cohorts import chats_of_cohorts
from cohorte.storage.models import Platform
from cohorte.storage.outbox import Backlog, Delivery, DeliveryState, backlog, count_by_state
from cohorte.storage.outbox import next_pending as next_rows

# What went wrong is counted over this much time, by due date.
RECENT = timedelta(days=7)
NEXT_SHOWN = 5


@dataclass(frozen=True)
class BotStatus:
    """How the outbox stands for one cohort at one moment."""

    backlog: Backlog
    upcoming: list[Delivery]
    ambiguous: int  # due in the last `RECENT`
    failed: int
    chats: list[Platform]  # platforms of the cohort's linked group chats


async def load_bot_status(
    session: AsyncSession, cohort_id: int, now: datetime, shown: int = NEXT_SHOWN
) -> BotStatus:
    """The facts of `/estado-bot` and `cohorte status` for one cohort."""
    owed = await backlog(session, now, cohort_id)
    upcoming = await next_rows(session, now, cohort_id, shown)
    recent = await count_by_state(session, cohort_id, due_since=now - RECENT)
    links = await chats_of_cohorts(session, [cohort_id])
    return BotStatus(
        owed,
        upcoming,
        recent.get(DeliveryState.AMBIGUOUS.value, 0),
        recent.get(DeliveryState.FAILED.value, 0),
        sorted({link.platform for link in links}),
    )


def platform_name(t: Translator, platform: Platform) -> str:
    """A platform's name as people write it (the brands are the same in every language)."""
    brands = {Platform.TELEGRAM: "Telegram", Platform.SLACK: "Slack"}
    return brands.get(platform) or t._(N_("console"))


def status_lines(t: Translator, status: BotStatus, now: datetime, zone: str) -> list[str]:
    """The lines both the chat and the terminal show (times in `zone`)."""
    owed = status.backlog
    age = owed.oldest_age(now)
    if owed.waiting == 0 or age is None:
        lines = [t._("Due and not sent yet: none.")]
    else:
        lines = [
            t._(
                "Due and not sent yet: {n} (the oldest due {minutes} min ago).",
                n=owed.waiting,
                minutes=int(age.total_seconds() // 60),
            )
        ]
    if status.upcoming:
        lines.append(t._("Next scheduled messages:"))
        lines += [
            t._("• {when}: {kind}", when=t.when(row.due_at, zone), kind=row.kind)
            for row in status.upcoming
        ]
    else:
        lines.append(t._("No messages scheduled."))
    lines.append(
        t._(
            "Last 7 days: ambiguous (may have arrived, not sent again): {ambiguous}; "
            "failed: {failed}.",
            ambiguous=status.ambiguous,
            failed=status.failed,
        )
    )
    if status.chats:
        names = ", ".join(platform_name(t, platform) for platform in status.chats)
        lines.append(t._("Linked group chats: {platforms}", platforms=names))
    else:
        lines.append(t._("No group chat linked yet."))
    return lines


async def show_bot_status(ctx: Context, _args: str) -> list[Reply]:
    """/estado-bot: the short version of `cohorte status`, for coordinators."""
    cohort, _ = ctx.require_coordinator()
    now = ctx.clock.now()
    status = await load_bot_status(ctx.session, cohort.id or 0, now)
    head = ctx.t._("*How the bot is doing with {cohort}*", cohort=cohort.name)
    return [Reply("\n".join([head, *status_lines(ctx.t, status, now, ctx.zone)]))]
