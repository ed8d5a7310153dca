"""The bot joined a group chat: it says hello and how to make the group the cohort's chat."""

from __future__ import annotations

import logging

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import ChatEvent, Reply
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.core.router import Router
from cohorte.locales import N_
from cohorte.storage.cohorts import cohort_for_chat

logger = logging.getLogger(__name__)

GROUP_GREETING = N_(
    "Hello! I am Cohorte, the sprint assistant. To receive the cohort's reminders and "
    "announcements in this group, someone from the coordination team should write here "
    "/vincular followed by the invite code, for example: /vincular SPRINT25"
)
GROUP_GREETING_LINKED = N_(
    "Hello again! This group is already the chat of {cohort}: reminders and announcements "
    "will arrive here."
)


def register(router: Router) -> None:
    """Greet every group chat the bot is added to."""
    router.chat_event(ChatEvent.BOT_JOINED, greet_group)


async def greet_group(ctx: Context) -> list[Reply]:
    """The group reads how to link itself with /vincular, or that it is already linked.

    Written for the group: in its cohort's language when it is linked, else in the
    language of whoever added the bot.
    """
    incoming = ctx.incoming
    cohort = await cohort_for_chat(ctx.session, incoming.platform, incoming.chat_id)
    reader = reader_of(cohort=cohort) if cohort is not None else reader_of(person=ctx.person)
    logger.info(
        "bot added to %s group %s by %s", incoming.platform, incoming.chat_id, incoming.sender_id
    )
    if cohort is not None:
        return [Reply(reader.t._(GROUP_GREETING_LINKED, cohort=cohort.name))]
    return [Reply(reader.t._(GROUP_GREETING))]
