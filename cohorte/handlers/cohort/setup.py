"""Setting a cohort up from chat, for its coordinators: teams (`/equipo nuevo`, `/equipo
mover`), coordinators (`/coordinador`) and members leaving (`/miembro quitar`).

Every change is an ORM write to a team or a membership, which raises the cohort's
plan version (`storage.planning`): reminders are planned again. What is set up here is
exported by `cohorte cohort export` exactly as if it had come from a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.cohort.creating import read_zone
from cohorte.handlers.cohort.naming import read_name
from cohorte.handlers.cohort.registration import fill_free_places, moved_up_lines
from cohorte.handlers.cohort.teams import change_team
from cohorte.handlers.core.buttons import ButtonRoute, of_row
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import RenderContext, announce
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.lang import zones
from cohorte.handlers.lang.names import match_names, name_key
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_
from cohorte.storage import cohorts
from cohorte.storage.models import Cohort, Member, Person, Role, Team

_TEAM_CHARS = 120  # the column's limit, as the cohort file checks it
# More people than this by one name: write more of it (buttons would not fit).
_MAX_CHOICES = 6

TEAM_USAGE = N_(
    "Use /equipo nuevo Bogotá; Colombia; America/Bogota to add a team (the country and "
    "the zone may be left out for a known city), or /equipo mover Lucía Santiago to move "
    "a person to another team."
)


class Action(StrEnum):
    """What a button of this module does to the member it names."""

    COORDINATE = "c"  # make them a coordinator
    ASK_REMOVE = "r"  # ask to confirm taking them out
    REMOVE = "x"  # take them out (confirmed)
    KEEP = "k"  # leave them (not confirmed)


class MemberAction(NamedTuple):
    action: Action
    member: int


MEMBER = ButtonRoute("mb", MemberAction, cohort=of_row("member", "member"))


@dataclass(frozen=True)
class RemovedPayload(Payload):
    """The membership that was removed (gone by the time the message is read)."""

    member: int


MEMBER_REMOVED = DeliveryType(DeliveryKind.MEMBER_REMOVED, RemovedPayload)


@dataclass(frozen=True)
class NamedPayload(Payload):
    """The membership that joined the coordination team."""

    member: int


COORDINATOR_NAMED = DeliveryType(DeliveryKind.COORDINATOR_NAMED, NamedPayload)


# --- /equipo ------------------------------------------------------------------------------


async def team_command(ctx: Context, args: str) -> list[Reply]:
    """/equipo nuevo CIUDAD; PAÍS; ZONA | /equipo mover PERSONA EQUIPO (coordinators); the
    older /equipo PERSONA EQUIPO still moves a person."""
    cohort, _ = ctx.require_coordinator()
    action, _, rest = args.strip().partition(" ")
    word = fold(action)
    if word in ("nuevo", "nueva", "new", "add"):
        return await add_team(ctx, cohort, rest)
    if word in ("mover", "move"):
        if not rest.strip():
            raise CohortError(TEAM_USAGE)
        return await change_team(ctx, rest)
    if not args.strip():
        raise CohortError(TEAM_USAGE)
    return await change_team(ctx, args)


async def add_team(ctx: Context, cohort: Cohort, text: str) -> list[Reply]:
    """/equipo nuevo Bogotá; Colombia; America/Bogota: a new city team."""
    assert cohort.id is not None
    parts = [part.strip() for part in text.split(";")]
    if not parts[0] or len(parts) > 3:
        raise CohortError(TEAM_USAGE)
    name = read_name(parts[0], _TEAM_CHARS)
    country_text = parts[1] if len(parts) > 1 else ""
    zone_text = parts[2] if len(parts) > 2 else ""
    teams = await cohorts.teams_of(ctx.session, cohort.id)
    for team in teams:
        if name_key(team.name) == name_key(name):
            raise CohortError(N_("There is already a team called {name}."), name=team.name)
    language = ctx.t.language
    country = _read_country(country_text, language) if country_text else None
    zone = _team_zone(name, country, zone_text, language)
    country = country or zones.country_of_zone(zone)
    if country is None:
        raise CohortError(
            N_(
                "Which country is {name} in? Write it after a semicolon: "
                "/equipo nuevo {name}; Colombia"
            ),
            name=name,
        )
    team = Team(cohort_id=cohort.id, name=name, city=name, country_code=country, zone=zone)
    await cohorts.add_teams(ctx.session, [team])
    t = ctx.t
    return [
        Reply(
            t._(
                "Done: the {team} team ({country}, {zone}) is part of {cohort}. People pick it "
                "when they join with /unirme {code}.",
                team=team.name,
                country=t.country(country),
                zone=t.zone_label(zone),
                cohort=cohort.name,
                code=cohort.invite_code,
            )
        )
    ]


def _read_country(text: str, language: str) -> str:
    """A two-letter code, or a country's name (`lang.zones.country_code`)."""
    code = zones.country_code(text, language)
    if code is None:
        raise CohortError(N_("I do not know the country “{text}”."), text=text[:60])
    return code


def _team_zone(city: str, country: str | None, zone_text: str, language: str) -> str:
    """The zone typed, else the city's (in its country, when one was given)."""
    if zone_text:
        zone = read_zone(zone_text, language)
        if zone is None:
            raise CohortError(
                N_("I do not know the time zone “{text}”. Write a zone like America/Bogota."),
                text=zone_text[:100],
            )
        return zone
    found = [match.zone for match in zones.search_places(city, language)]
    if country is not None:
        found = [zone for zone in found if zones.country_of_zone(zone) == country]
        found = found or zones.country_zones(country)[:1]
    if not found:
        raise CohortError(
            N_(
                "I do not know the time zone of {name}. Add it after the country: "
                "/equipo nuevo {name}; Colombia; America/Bogota"
            ),
            name=city,
        )
    return found[0]


# --- finding a member by name -------------------------------------------------------------


async def _one_member(
    ctx: Context, cohort: Cohort, text: str, action: Action
) -> tuple[Member, Person] | list[Reply]:
    """The member `text` names; buttons to choose when it names several."""
    assert cohort.id is not None
    rows = await cohorts.members_with_people(ctx.session, cohort.id)
    found = match_names(text, list(rows), lambda row: (row[1].display_name,))
    if not found:
        raise CohortError(
            N_("I found nobody called “{name}” in the cohort. /miembros lists everyone."),
            name=text[:80],
        )
    if len(found) == 1:
        return found[0]
    if len(found) > _MAX_CHOICES:
        raise CohortError(
            N_("“{name}” could be several people: {names}. Write more of the name."),
            name=text[:80],
            names=", ".join(person.display_name for _, person in found),
        )
    buttons = [
        Button(person.display_name, MEMBER.payload(MemberAction(action, member.id or 0)))
        for member, person in found
    ]
    question = ctx.t._("“{name}” could be several people. Which one?", name=text[:80])
    return [Reply(question, button_rows(buttons))]


async def _pressed_member(ctx: Context, member_id: int) -> tuple[Cohort, Member, Person]:
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    member = await cohorts.member_in_cohort(ctx.session, cohort.id, member_id)
    if member is None:
        raise StaleButtonError()
    person, _, _ = await cohorts.places_of_member(ctx.session, member)
    if person is None:
        raise StaleButtonError()
    return cohort, member, person


# --- /coordinador -------------------------------------------------------------------------


async def name_coordinator(ctx: Context, args: str) -> list[Reply]:
    """/coordinador NOMBRE (coordinators): that member joins the coordination team."""
    cohort, _ = ctx.require_coordinator()
    if not args.strip():
        raise CohortError(
            N_("Write /coordinador and the person's name, for example: /coordinador Lucía")
        )
    found = await _one_member(ctx, cohort, args.strip(), Action.COORDINATE)
    if isinstance(found, list):
        return found
    return await _coordinate(ctx, cohort, *found)


async def _coordinate(ctx: Context, cohort: Cohort, member: Member, person: Person) -> list[Reply]:
    t = ctx.t
    if member.role == Role.COORDINATOR:
        return [Reply(t._("{name} is already in the coordination team.", name=person.display_name))]
    assert member.id is not None and person.id is not None
    member.role = Role.COORDINATOR
    await announce(
        ctx,
        COORDINATOR_NAMED,
        f"m{member.id}:{ctx.clock.now().strftime('%Y%m%dT%H%M%S')}",
        payload=NamedPayload(member.id),
        people=[person.id],
        to_chats=False,
    )
    # A participant's place is free now (places count participants): the waiting list
    # of an open registration moves up, as when a member is taken out.
    await ctx.session.flush()
    moved = await fill_free_places(ctx, cohort)
    done = t._(
        "Done: {name} is now in the coordination team of {cohort}; I told them.",
        name=person.display_name,
        cohort=cohort.name,
    )
    return [Reply("\n".join([done, *moved_up_lines(ctx, moved)]))]


# --- /miembro quitar ----------------------------------------------------------------------


async def member_command(ctx: Context, args: str) -> list[Reply]:
    """/miembro quitar NOMBRE (coordinators): asks to confirm, then takes them out."""
    cohort, _ = ctx.require_coordinator()
    action, _, rest = args.strip().partition(" ")
    if fold(action) not in ("quitar", "remove", "sacar") or not rest.strip():
        raise CohortError(
            N_("Write /miembro quitar and the person's name, for example: /miembro quitar Lucía")
        )
    found = await _one_member(ctx, cohort, rest.strip(), Action.ASK_REMOVE)
    if isinstance(found, list):
        return found
    return _ask_remove(ctx, cohort, *found)


def _ask_remove(ctx: Context, cohort: Cohort, member: Member, person: Person) -> list[Reply]:
    t = ctx.t
    if member.id == (ctx.member.id if ctx.member else None):
        raise CohortError(N_("You cannot take yourself out of the cohort."))
    assert member.id is not None
    question = t._(
        "Take {name} out of {cohort}? Their votes and answers are deleted; what they "
        "reported stays with their team. I will tell them.",
        name=person.display_name,
        cohort=cohort.name,
    )
    remove = MEMBER.payload(MemberAction(Action.REMOVE, member.id))
    keep = MEMBER.payload(MemberAction(Action.KEEP, member.id))
    buttons = ((Button(t._("Yes, take them out"), remove), Button(t._("No, leave them"), keep)),)
    return [Reply(question, buttons)]


async def press_member(ctx: Context, press: MemberAction) -> list[Reply]:
    """A button of this module: a person chosen among several, or a removal confirmed."""
    cohort, member, person = await _pressed_member(ctx, press.member)
    t = ctx.t
    if press.action is Action.COORDINATE:
        return await _coordinate(ctx, cohort, member, person)
    if press.action is Action.ASK_REMOVE:
        return _ask_remove(ctx, cohort, member, person)
    if press.action is Action.KEEP:
        return [Reply(t._("All right: {name} stays in the cohort.", name=person.display_name))]
    if member.id == (ctx.member.id if ctx.member else None):
        raise CohortError(N_("You cannot take yourself out of the cohort."))
    assert member.id is not None and person.id is not None
    await announce(
        ctx,
        MEMBER_REMOVED,
        f"m{member.id}",
        payload=RemovedPayload(member.id),
        people=[person.id],
        to_chats=False,
    )
    was_participant = member.role is Role.PARTICIPANT
    await cohorts.remove_member(ctx.session, member)
    # A participant's place is free: the waiting list of an open registration moves up.
    moved = await fill_free_places(ctx, cohort) if was_participant else []
    done = t._(
        "Done: {name} is no longer part of {cohort}; I told them.",
        name=person.display_name,
        cohort=cohort.name,
    )
    return [Reply("\n".join([done, *moved_up_lines(ctx, moved)]))]


async def render_member_removed(rc: RenderContext, payload: RemovedPayload) -> Reply | None:
    """To the person taken out: which cohort, and that they can ask the coordinators."""
    if rc.person is None or rc.member is not None:
        return None  # they are back in the cohort since
    return Reply(
        rc.t._(
            "The coordination team took you out of {cohort}. If that is a mistake, write "
            "to them; you can join again with the invite code.",
            cohort=rc.cohort.name,
        )
    )


async def render_coordinator_named(rc: RenderContext, payload: NamedPayload) -> Reply | None:
    """To the member who joined the coordination team: what they can do now."""
    if rc.member is None or rc.member.id != payload.member or rc.member.role != Role.COORDINATOR:
        return None  # no longer so
    return Reply(
        rc.t._(
            "You are now part of the coordination team of {cohort}. /ayuda shows what you can do.",
            cohort=rc.cohort.name,
        )
    )
