"""Several cohorts per person: which one a private chat is about.

In a linked group chat the group's cohort applies. In private, someone with more
than one active cohort (upcoming or running: `storage.cohorts.cohort_state`) is asked
once, with buttons, which one they mean; the choice is remembered
(`Member.chosen_at`) until they change it with `/cohorte usar` or another button.
`/cohortes` lists their cohorts with their state and role.
"""

from __future__ import annotations

from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, NotMemberError
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.lang.names import match_names
from cohorte.locales import N_
from cohorte.storage import cohorts
from cohorte.storage.cohorts import CohortState, cohort_state, cohort_today, is_active
from cohorte.storage.models import Cohort, Member, Role
from cohorte.storage.people import choose_cohort
from cohorte.storage.types import parse_id

_STATES = {
    CohortState.UPCOMING: N_("starts soon"),
    CohortState.RUNNING: N_("running"),
    CohortState.ENDED: N_("ended"),
    CohortState.ARCHIVED: N_("archived"),
}
_ROLES = {Role.COORDINATOR: N_("coordination"), Role.PARTICIPANT: N_("participant")}
USE_HOW = N_("Write /cohorte usar followed by the cohort's name or number, e.g. /cohorte usar 2")


class CohortUse(NamedTuple):
    """A button that chooses the cohort of the presser's private chat."""

    cohort: int


USE = ButtonRoute("cu", CohortUse)


async def _mine(ctx: Context) -> list[tuple[Cohort, Member]]:
    person = ctx.person
    if person is None or person.id is None:
        return []
    return list(await cohorts.cohorts_of_person(ctx.session, person.id))


def _use_buttons(found: list[tuple[Cohort, Member]]) -> tuple[tuple[Button, ...], ...]:
    return button_rows(
        [Button(cohort.name, USE.payload(CohortUse(cohort.id or 0))) for cohort, _ in found],
        per_row=1,
    )


def _in_use(found: list[tuple[Cohort, Member]]) -> Member | None:
    """The membership chosen last, if one was chosen."""
    chosen = [member for _, member in found if member.chosen_at is not None]
    return max(chosen, key=lambda m: m.chosen_at or m.joined_at) if chosen else None


async def ask_cohort(ctx: Context) -> list[Reply]:
    """Someone in several active cohorts writes privately without having chosen one:
    which cohort do they mean? One button per active cohort."""
    now = ctx.clock.now()
    active = [(c, m) for c, m in await _mine(ctx) if is_active(c, now)]
    t = ctx.t
    text = t._(
        "You are in several cohorts. Which one are you writing to me about here? "
        "I will remember it; you can change it at any time with /cohorte usar."
    )
    return [Reply(text, _use_buttons(active))]


async def press_use(ctx: Context, choice: CohortUse) -> list[Reply]:
    """A cohort button: private chats are about that cohort from now on."""
    return await _use(ctx, choice.cohort)


async def _use(ctx: Context, cohort_id: int) -> list[Reply]:
    person = ctx.person
    if person is None or person.id is None:
        raise NotMemberError()
    cohort, member, _team = await cohorts.place_in_cohort(ctx.session, cohort_id, person.id)
    if cohort is None or member is None:
        raise CohortError(N_("You are not a member of that cohort: /cohortes lists yours."))
    await choose_cohort(ctx.session, member, ctx.clock.now())
    await ctx.enter_cohort(cohort_id)
    ctx.chosen = True
    text = ctx.t._(
        "Done: in our private chat you are now working with *{cohort}*. "
        "Write again what you wanted to do (/ayuda lists the commands).",
        cohort=cohort.name,
    )
    if ctx.in_group:
        text += "\n" + ctx.t._("In this group its own cohort still applies.")
    return [Reply(text, ephemeral=True)]


async def list_cohorts(ctx: Context, _args: str) -> list[Reply]:
    """/cohortes: the sender's cohorts, with their state and role, and the one in use."""
    found = await _mine(ctx)
    t = ctx.t
    if not found:
        raise NotMemberError()
    now = ctx.clock.now()
    in_use = _in_use(found)
    lines = [t._("Your cohorts:")]
    for cohort, member in found:
        state = t._(_STATES[cohort_state(cohort, cohort_today(cohort, now))])
        line = t._(
            "{number}. *{cohort}* — {state}, {role}",
            number=str(cohort.id),
            cohort=cohort.name,
            state=state,
            role=t._(_ROLES[member.role]),
        )
        if in_use is not None and member.id == in_use.id:
            line += " " + t._("(in use in private)")
        lines.append(line)
    if ctx.in_group and ctx.cohort is not None:
        lines.append(t._("In this group: *{cohort}*.", cohort=ctx.cohort.name))
    others = [(c, m) for c, m in found if in_use is None or m.id != in_use.id]
    if len(found) > 1:
        lines.append(t._("To change the one in use: /cohorte usar NOMBRE or the buttons."))
        return [Reply("\n".join(lines), _use_buttons(others))]
    return [Reply("\n".join(lines))]


async def cohort_command(ctx: Context, args: str) -> list[Reply]:
    """/cohorte usar NOMBRE|NÚMERO chooses the cohort of private chats; /cohorte alone
    lists them."""
    verb, _, rest = args.strip().partition(" ")
    if not verb:
        return await list_cohorts(ctx, "")
    if verb.lower() not in ("usar", "use"):
        raise CohortError(USE_HOW)
    return await use_cohort(ctx, rest)


async def use_cohort(ctx: Context, args: str) -> list[Reply]:
    """/cohorte usar NOMBRE|NÚMERO (Slack: `/cohorte usar …` arrives as /usar …)."""
    wanted = args.strip()
    if not wanted:
        raise CohortError(USE_HOW)
    found = await _mine(ctx)
    if not found:
        raise NotMemberError()
    if wanted.isascii() and wanted.isdigit():
        try:
            number = parse_id(wanted)
        except ValueError:
            raise CohortError(USE_HOW) from None
        matches = [c for c, _ in found if c.id == number]
    else:
        matches = match_names(wanted, [c for c, _ in found], lambda c: (c.name,))
    if not matches:
        raise CohortError(
            N_("You have no cohort called {name}: /cohortes lists yours."), name=wanted[:60]
        )
    if len(matches) > 1:
        t = ctx.t
        text = t._("Several of your cohorts match {name}: which one?", name=wanted[:60])
        chosen = [(c, m) for c, m in found if c in matches]
        return [Reply(text, _use_buttons(chosen))]
    assert matches[0].id is not None
    return await _use(ctx, matches[0].id)
