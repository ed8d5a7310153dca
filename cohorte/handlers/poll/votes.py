"""Voting: a vote press and its receipt, and the ballot under the group message.

A press is the busiest path of the bot: one statement writes the vote with
every check inside it (`storage.voting.cast_vote`), the group message is
queued for a refresh at most every `TALLY_EVERY`, and the receipt is read and
rendered after the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.poll.announcements import POLL_MESSAGE, PollPayload, poll_ref
from cohorte.handlers.poll.audience import ephemeral_in_group, personal
from cohorte.handlers.poll.render import ballot, vote_receipt
from cohorte.handlers.poll.routes import PollButton, Vote
from cohorte.handlers.poll.view import PollClosedError, PollView, load_poll
from cohorte.locales import N_
from cohorte.storage import polls, voting
from cohorte.storage.cohorts import membership
from cohorte.storage.polls import Choice, PollState

# The group message is refreshed at most this often (edits count against rate limits).
TALLY_EVERY = timedelta(seconds=30)


async def press_vote(ctx: Context, vote: Vote) -> list[Reply]:
    """A vote button: the sender's answer for one slot."""
    return await record_vote(ctx, vote.poll, vote.slot, vote.code.choice)


async def record_vote(ctx: Context, poll_id: int, slot_id: int, choice: Choice) -> list[Reply]:
    """Store (or replace) the sender's answer for one slot; answer with their ballot.

    One statement writes the vote with every check inside it; the receipt is read
    and rendered after the commit.
    """
    session = ctx.session
    now = ctx.clock.now()
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member_id = await voting.cast_vote(session, poll_id, slot_id, ctx.person.id, choice, now)
    if member_id is None:
        raise await _why_not_recorded(ctx, poll_id, slot_id)
    person = ctx.person
    member = ctx.member if ctx.member is not None and ctx.member.id == member_id else None
    if member is None:  # someone in two cohorts, answering the other one's poll
        member, cohort = await voting.voter(session, member_id)
        ctx.member, ctx.cohort = member, cohort
    await _refresh_group_message(ctx, poll_id)

    async def receipt() -> list[Reply]:
        found = await voting.ballot_of(session, poll_id, member_id)
        assert found is not None  # the vote was just stored
        poll, slots, own = found
        cohort = ctx.cohort
        assert cohort is not None and member is not None
        votes = {(member_id, slot): answer for slot, answer in own.items()}
        view = PollView(poll, cohort, slots, [(member, person)], {}, votes)
        slot = view.slot(slot_id)
        assert slot is not None
        if view.answered(member_id) == len(slots):
            # The last answer of this ballot: perhaps everyone has answered now, which
            # the planner tells the coordinators (at once in the console).
            ctx.outbox_dirty = True
        return [vote_receipt(personal(ctx), view, member, slot, choice)]

    return ctx.after_commit(receipt)


async def _why_not_recorded(ctx: Context, poll_id: int, slot_id: int) -> CohortError:
    """The vote was refused: say why (only read on this rare path)."""
    poll = await polls.poll_by_id(ctx.session, poll_id)
    if poll is None or poll.state != PollState.OPEN:
        return PollClosedError()
    if poll.deadline is not None and ctx.clock.now() >= poll.deadline:
        return PollClosedError()
    slot = await polls.slot_by_id(ctx.session, slot_id)
    if slot is None or slot.poll_id != poll.id:
        return StaleButtonError()
    return CohortError(N_("You can only vote in the polls of your own cohort."))


async def _refresh_group_message(ctx: Context, poll_id: int) -> None:
    """Queue one refresh of the group message per `TALLY_EVERY` window, rendered at its end."""
    now = ctx.clock.now()
    window = int(now.timestamp() // TALLY_EVERY.total_seconds())
    key = f"{poll_id}:t{window}"
    if f"poll-tally:{key}" in ctx.recent:
        return  # this process queued it already (the outbox's unique key is the judge)
    due = datetime.fromtimestamp((window + 1) * TALLY_EVERY.total_seconds(), UTC)
    await announce(
        ctx, POLL_MESSAGE, key, ref=poll_ref(poll_id), payload=PollPayload(poll_id), due_at=due
    )

    async def remember() -> list[Reply]:
        ctx.recent.add(f"poll-tally:{key}")
        return []

    ctx.after_commit(remember)


async def press_ballot(ctx: Context, button: PollButton) -> list[Reply]:
    """'See it in my time zone' under the group message: the presser's own ballot."""
    poll = await polls.poll_by_id(ctx.session, button.poll)
    if poll is None or poll.state != PollState.OPEN:
        raise PollClosedError()
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member = await membership(ctx.session, poll.cohort_id, ctx.person.id)
    if member is None:
        raise CohortError(N_("You can only vote in the polls of your own cohort."))
    view = await load_poll(ctx.session, poll)
    audience = personal(ctx)
    return [ephemeral_in_group(ctx, ballot(audience, view, member))]
