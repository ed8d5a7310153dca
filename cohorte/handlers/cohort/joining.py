"""Joining a cohort with its invite code, picking a team, linking a group chat."""

from __future__ import annotations

from typing import NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.preferences import ensure_person, zone_line
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import (
    CohortError,
    NotCoordinatorError,
    NotMemberError,
    StaleButtonError,
)
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.lang.text import first_name
from cohorte.locales import N_, Translator
from cohorte.storage import cohorts
from cohorte.storage.cohorts import is_active
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.people import choose_cohort

NO_SUCH_INVITE_CODE = N_(
    "There is no cohort with the invite code {code}. Check it with the coordination team."
)


class TeamChoice(NamedTuple):
    cohort: int
    team: int


async def _cohort_of_choice(_session: AsyncSession, choice: TeamChoice) -> int:
    return choice.cohort


TEAM = ButtonRoute("tm", TeamChoice, cohort=_cohort_of_choice)


def _team_buttons(cohort: Cohort, teams: list[Team]) -> tuple[tuple[Button, ...], ...]:
    cohort_id = cohort.id or 0
    return button_rows(
        [Button(team.name, TEAM.payload(TeamChoice(cohort_id, team.id or 0))) for team in teams]
    )


def welcome_line(t: Translator, cohort: Cohort, person: Person) -> str:
    """'Welcome to {cohort}, {name}!': a new member's first words (joining with the invite
    code, or accepted after applying)."""
    name = first_name(person.display_name)
    return t._("Welcome to {cohort}, {name}!", cohort=cohort.name, name=name)


async def join(ctx: Context, args: str) -> list[Reply]:
    """/unirme CODIGO: the person becomes a participant and is asked for their team."""
    words = args.split()
    if len(words) != 1:
        raise CohortError(
            N_("Write /unirme followed by the invite code, for example: /unirme SPRINT25")
        )
    cohort = await cohorts.cohort_by_invite(ctx.session, words[0])
    if cohort is None or cohort.id is None:
        raise CohortError(NO_SUCH_INVITE_CODE, code=words[0][:32])
    person = await ensure_person(ctx)
    assert person.id is not None
    ctx.t = reader_of(person, cohort=cohort).t
    t = ctx.t
    teams = list(await cohorts.teams_of(ctx.session, cohort.id))
    member = await cohorts.membership(ctx.session, cohort.id, person.id)
    if member is not None:
        text = t._("You are already part of {cohort}.", cohort=cohort.name)
        if member.team_id is None and teams:
            text += "\n" + t._("Which team are you on?")
            return [Reply(text, _team_buttons(cohort, teams))]
        return [Reply(text)]
    member = Member(
        cohort_id=cohort.id, person_id=person.id, role=Role.PARTICIPANT, joined_at=ctx.clock.now()
    )
    await cohorts.add_members(ctx.session, [member])
    # The new membership is the cohort in context from here on (its team buttons, its
    # language), whichever cohort the person was using before.
    ctx.cohort, ctx.member, ctx.team = cohort, member, None
    text = welcome_line(t, cohort, person)
    if await _now_in_several(ctx, person.id):
        # Joining names the cohort: our private chat is about it now, and they are told.
        await choose_cohort(ctx.session, member, ctx.clock.now())
        ctx.chosen = True
        text += "\n" + t._(
            "You are now in several cohorts: in our private chat I will answer about "
            "{cohort} until you choose another one with /cohorte usar (/cohortes lists them).",
            cohort=cohort.name,
        )
    if not teams:
        return [Reply(text)]
    text += "\n" + t._("Which team are you on?")
    return [Reply(text, _team_buttons(cohort, teams))]


async def _now_in_several(ctx: Context, person_id: int) -> bool:
    """Whether the person belongs to more than one active cohort (upcoming or running)."""
    now = ctx.clock.now()
    mine = await cohorts.cohorts_of_person(ctx.session, person_id)
    ctx.active_cohorts = sum(1 for cohort, _ in mine if is_active(cohort, now))
    ctx.cohorts = len(mine)
    return ctx.active_cohorts > 1


async def pick_team(ctx: Context, choice: TeamChoice) -> list[Reply]:
    """Team button: a member without a team joins that city team.

    Only once: the buttons stay in the chat, so after that a team is changed by
    a coordinator (`/equipo`), who knows why — never by an old button.
    """
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member = await cohorts.membership(ctx.session, choice.cohort, ctx.person.id)
    team = await cohorts.team_in_cohort(ctx.session, choice.cohort, choice.team)
    if member is None or team is None:
        raise StaleButtonError()
    if member.team_id is not None:
        current = await cohorts.team_by_id(ctx.session, member.team_id)
        raise CohortError(
            N_(
                "You are on the {team} team. Teams are changed by the coordination team: "
                "write to them if that is not your team."
            ),
            team=current.name if current is not None else team.name,
        )
    member.team_id = team.id
    ctx.team = team
    t = ctx.t
    return [
        Reply(
            t._("Done: you are now on the {team} team.", team=team.name)
            + "\n"
            + zone_line(ctx.t, ctx.zone, ctx)
            + "\n"
            + t._("If that is not your time zone, change it with /zona.")
        )
    ]


async def link_group(ctx: Context, args: str) -> list[Reply]:
    """/vincular CODIGO in a group: the group gets the cohort's announcements."""
    words = args.split()
    if not ctx.in_group:
        raise CohortError(N_("Write /vincular CODIGO inside the group chat you want to link."))
    if len(words) != 1:
        raise CohortError(
            N_("Write /vincular followed by the invite code, e.g. /vincular SPRINT25")
        )
    cohort = await cohorts.cohort_by_invite(ctx.session, words[0])
    person = ctx.person
    if cohort is None or cohort.id is None or person is None or person.id is None:
        raise CohortError(NO_SUCH_INVITE_CODE, code=words[0][:32])
    member = await cohorts.membership(ctx.session, cohort.id, person.id)
    if member is None or member.role != Role.COORDINATOR:
        raise NotCoordinatorError()
    incoming = ctx.incoming
    await cohorts.link_chat(ctx.session, cohort.id, incoming.platform, incoming.chat_id, None)
    return [
        Reply(
            ctx.t._(
                "This group is now the chat of {cohort}: reminders and announcements "
                "will arrive here.",
                cohort=cohort.name,
            )
        )
    ]
