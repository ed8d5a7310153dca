"""Changing a member's team after joining: `/equipo PERSONA EQUIPO`, for coordinators.

A participant picks their team once, with the buttons they get when they join;
after that a team changes only by a coordinator's hand (an old team button
says so). The member is told privately, in their own language and zone. What
they reported before stays with the team they reported it for: history rows
carry their team, and drafts written for the old team are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import RenderContext, announce
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.lang.names import match_names
from cohorte.locales import N_
from cohorte.storage.cohorts import members_with_people, team_by_id, teams_of
from cohorte.storage.models import Member, Person, Team
from cohorte.storage.status import forget_drafts_of


@dataclass(frozen=True)
class TeamChangePayload(Payload):
    """The team a member was moved to, and the one they left (None: they had none)."""

    team: int
    previous: int | None = None


TEAM_CHANGED = DeliveryType(DeliveryKind.TEAM_CHANGED, TeamChangePayload)

USAGE = N_(
    "Write /equipo, the person's name and the team, for example: /equipo Lucía Santiago "
    "(/miembros lists everyone)."
)
# "Sofía a Santiago", "Sofía → Santiago": the word before the team is not part of it.
_BEFORE_TEAM = re.compile(r"^(?:a|al|to|→|->|:)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class _Reading:
    """One way of cutting what was typed into a person and a team."""

    who: str
    where: str
    people: list[tuple[Member, Person]]
    teams: list[Team]


def _readings(
    text: str, rows: Sequence[tuple[Member, Person]], teams: Sequence[Team]
) -> list[_Reading]:
    """Every cut of `text` into a member's name and a team's, with what each side finds."""
    words = text.split()
    readings = []
    for cut in range(1, len(words)):
        who, where = " ".join(words[:cut]), " ".join(words[cut:])
        where = _BEFORE_TEAM.sub("", where)
        people = match_names(who, list(rows), lambda row: (row[1].display_name,))
        if people:
            found = match_names(where, list(teams), lambda team: (team.name, team.city))
            readings.append(_Reading(who, where, people, found))
    return readings


def _pick(text: str, rows: Sequence[tuple[Member, Person]], teams: Sequence[Team]) -> _Reading:
    """The one reading where one person and one team are named; else what is missing."""
    readings = _readings(text, rows, teams)
    if not readings:
        raise CohortError(
            N_("I found nobody by that name in “{text}”. /miembros lists everyone."),
            text=text[:80],
        )
    exact = [r for r in readings if len(r.people) == 1 and len(r.teams) == 1]
    if exact:
        return exact[-1]  # the longest name: "Ana María Bogotá" is Ana María
    with_team = [r for r in readings if r.teams]
    if not with_team:
        raise CohortError(
            N_("Which team? The teams: {teams}."),
            teams=", ".join(team.name for team in sorted(teams, key=lambda t: t.name)),
        )
    reading = with_team[-1]
    if len(reading.people) > 1:
        raise CohortError(
            N_("“{who}” could be several people: {names}. Write more of the name."),
            who=reading.who,
            names=", ".join(person.display_name for _, person in reading.people),
        )
    raise CohortError(
        N_("“{where}” could be several teams: {names}. Write its whole name."),
        where=reading.where,
        names=", ".join(team.name for team in reading.teams),
    )


async def change_team(ctx: Context, args: str) -> list[Reply]:
    """/equipo PERSONA EQUIPO (coordinators): the member moves to that team and is told."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    text = args.strip()
    if not text:
        raise CohortError(USAGE)
    rows = await members_with_people(ctx.session, cohort.id)
    teams = await teams_of(ctx.session, cohort.id)
    reading = _pick(text, rows, teams)
    (member, person), team = reading.people[0], reading.teams[0]
    assert member.id is not None and person.id is not None and team.id is not None
    t = ctx.t
    if member.team_id == team.id:
        name = person.display_name
        return [Reply(t._("{name} is already on the {team} team.", name=name, team=team.name))]
    previous = await team_by_id(ctx.session, member.team_id) if member.team_id else None
    member.team_id = team.id
    await forget_drafts_of(ctx.session, member.id)
    moment = ctx.clock.now().strftime("%Y%m%dT%H%M%S")
    await announce(
        ctx,
        TEAM_CHANGED,
        f"m{member.id}:t{team.id}:{moment}",
        payload=TeamChangePayload(team.id, previous.id if previous is not None else None),
        people=[person.id],
        to_chats=False,
    )
    if previous is None:
        text = t._(
            "Done: {name} is now on the {team} team; I told them.",
            name=person.display_name,
            team=team.name,
        )
    else:
        text = t._(
            "Done: {name} moved from the {old} team to the {team} team. What they reported "
            "before stays with the {old} team; I told them.",
            name=person.display_name,
            old=previous.name,
            team=team.name,
        )
    return [Reply(text)]


async def render_team_change(rc: RenderContext, payload: TeamChangePayload) -> Reply | None:
    """To the member who was moved: their new team, and their time zone if it followed."""
    if rc.person is None or rc.member is None or rc.member.team_id != payload.team:
        return None  # moved again since: that move's message says where they are
    team = await team_by_id(rc.session, payload.team)
    if team is None or team.cohort_id != rc.cohort.id:
        return None
    previous = await team_by_id(rc.session, payload.previous) if payload.previous else None
    t = rc.t
    if previous is None:
        lines = [t._("The coordination team put you on the {team} team.", team=team.name)]
    else:
        lines = [
            t._(
                "The coordination team moved you from the {old} team to the {team} team.",
                old=previous.name,
                team=team.name,
            )
        ]
    if not rc.person.zone and rc.zone is not None:
        # Their clock was their team's: it moved with them.
        lines.append(
            t._(
                "Your time zone is {zone}: it is {time} there now.",
                zone=t.zone_label(rc.zone),
                time=t.time(rc.now, rc.zone),
            )
        )
        lines.append(t._("If that is not your time zone, change it with /zona."))
    return Reply("\n".join(lines))
