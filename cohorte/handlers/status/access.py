"""Who may report what: the city team, and the deliverables and changes that are its own.

Buttons act for the person they were offered to. Where a button's payload
names nobody (a deliverable's or a status's button), only the chat says who
that is: a private chat is its person's, so such buttons act only there
(`reporting` re-offers them privately when pressed in a group). Where the
database knows — a draft's or a change's author — that person only.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.status.rules import row_id
from cohorte.locales import N_
from cohorte.storage.cohorts import member_names
from cohorte.storage.deliverables import (
    Deliverable,
    assigned_teams,
    deliverables_of,
    is_assigned,
    team_deliverable,
)
from cohorte.storage.models import Cohort, Member, Role, Team
from cohorte.storage.status import StatusChange, change_of


def require_team(ctx: Context) -> tuple[Cohort, Member, Team]:
    """The reporter's cohort, membership and city team, or a message saying what is missing."""
    cohort, member = ctx.require_member()
    if ctx.team is None:
        if member.role == Role.COORDINATOR:
            raise CohortError(
                N_(
                    "Reporting is for the city teams. As coordination you can follow "
                    "everything with /estado and /tablero."
                )
            )
        raise CohortError(
            N_(
                "You are not on a city team yet, so there is nothing to report. "
                "Pick your team: write /unirme followed by the invite code."
            )
        )
    return cohort, member, ctx.team


async def team_deliverables(session: AsyncSession, cohort: Cohort, team: Team) -> list[Deliverable]:
    """The cohort's deliverables that are the team's, in display order."""
    cohort_id = row_id(cohort.id)
    assignments = await assigned_teams(session, cohort_id)
    return [
        d
        for d in await deliverables_of(session, cohort_id)
        if is_assigned(d, row_id(team.id), assignments)
    ]


def not_the_teams(deliverable: Deliverable, team: Team) -> CohortError:
    """The refusal for a deliverable that is not one of the team's."""
    return CohortError(
        N_("“{title}” is not one of the {team} team's deliverables."),
        title=deliverable.title,
        team=team.name,
    )


async def own_deliverable(
    ctx: Context, deliverable_id: int
) -> tuple[Cohort, Member, Team, Deliverable]:
    """The deliverable of a button, checked against the presser's team."""
    cohort, member, team = require_team(ctx)
    found = await team_deliverable(ctx.session, deliverable_id, row_id(team.id))
    if found is None or found[0].cohort_id != cohort.id:
        raise StaleButtonError()
    deliverable, assigned = found
    if not assigned:
        raise not_the_teams(deliverable, team)
    return cohort, member, team, deliverable


class NotYoursError(CohortError):
    """A button offered to somebody else (their report's, their change's)."""

    message = N_("These buttons are for {name}. For a report of your own: /reportar")


async def not_yours(session: AsyncSession, cohort: Cohort, member_id: int) -> NotYoursError:
    """The refusal of a button offered to the member `member_id`, who is named."""
    names = await member_names(session, row_id(cohort.id))
    return NotYoursError(name=names.get(member_id, "?"))


async def own_change(ctx: Context, update_id: int) -> tuple[Cohort, Member, Team, StatusChange]:
    """The status change of a button (with its deliverable): the presser's own, made for
    their team (a change nobody made in chat, such as an import: any member of that team)."""
    cohort, member, team = require_team(ctx)
    change = await change_of(ctx.session, update_id)
    if change is None or change.deliverable.cohort_id != cohort.id:
        raise StaleButtonError()
    author = change.update.member_id
    if author is not None and author != member.id:
        raise await not_yours(ctx.session, cohort, author)
    if change.update.team_id != team.id:  # they reported it for the team they have left
        raise StaleButtonError()
    return cohort, member, team, change
