"""The coordination decides: ✅ Aceptar · ❌ Rechazar · ⏳ Lista de espera.

Every decision that can take or give back a place runs under `lock_places`, so
places are counted one decision at a time: two coordinators pressing ✅ at once
never fill more places than there are. An accepted applicant becomes a participant
on the team of their city (created, with the city's zone and country, if the cohort
has none yet); a place given back (an accepted applicant declined or wait-listed, or
a member removed: `fill_free_places`) goes to the waiting list, in order. Each
applicant is told once per decision, privately, in their language (`deliveries`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.cohort.registration.deliveries import (
    ACCEPTED,
    DECLINED,
    MOVED_UP,
    WAITLISTED,
    ApplicationPayload,
)
from cohorte.handlers.cohort.registration.routes import WAITLIST, OfApplication
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.delivery_kinds import DeliveryType
from cohorte.handlers.core.errors import NotCoordinatorError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.names import name_key
from cohorte.handlers.lang.zones import country_of_zone, search_places
from cohorte.storage import cohorts
from cohorte.storage.applications import (
    Application,
    ApplicationState,
    application_by_id,
    application_in_cohort,
    applications_with_people,
    last_position,
    lock_places,
    places_taken,
    remove_membership,
)
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.people import people_by_id


@dataclass(frozen=True)
class Full:
    """No place for an applicant: the cohort's (`team` None) or their city team's."""

    taken: int
    places: int
    team: str | None = None


async def _city_team(ctx: Context, cohort: Cohort, city: str) -> Team | None:
    """The cohort's team of this city (by its name or its city), if there is one."""
    assert cohort.id is not None
    key = name_key(city)
    for team in await cohorts.teams_of(ctx.session, cohort.id):
        if key in (name_key(team.name), name_key(team.city)):
            return team
    return None


async def _new_city_team(ctx: Context, cohort: Cohort, city: str) -> Team:
    """A team for a city the cohort has none of: its zone and country from the place
    names, else the cohort's home zone."""
    assert cohort.id is not None
    found = search_places(city)
    zone = found[0].zone if found else cohort.home_zone
    country = country_of_zone(zone) or country_of_zone(cohort.home_zone) or "ZZ"
    team = Team(cohort_id=cohort.id, name=city, city=city, country_code=country, zone=zone)
    await cohorts.add_teams(ctx.session, [team])
    return team


async def _admit(
    ctx: Context, cohort: Cohort, application: Application, decided_by: int | None
) -> Team | Full:
    """Give the applicant a place on their city's team, if there is one free (the caller
    holds `lock_places`)."""
    assert cohort.id is not None
    team = await _city_team(ctx, cohort, application.city)
    member = await cohorts.membership(ctx.session, cohort.id, application.person_id)
    if member is None:
        in_cohort, in_team = await places_taken(ctx.session, cohort.id, team.id if team else None)
        places, per_team = cohort.registration_places, cohort.registration_places_per_team
        if places is not None and in_cohort >= places:
            return Full(in_cohort, places)
        if per_team is not None and in_team >= per_team:
            return Full(in_team, per_team, team.name if team else application.city)
    if team is None:
        team = await _new_city_team(ctx, cohort, application.city)
    now = ctx.clock.now()
    if member is None:
        member = Member(
            cohort_id=cohort.id,
            person_id=application.person_id,
            team_id=team.id,
            role=Role.PARTICIPANT,
            joined_at=now,
        )
        await cohorts.add_members(ctx.session, [member])
    elif member.team_id is None:
        member.team_id = team.id
    application.state = ApplicationState.ACCEPTED
    application.position = None
    application.decided_at, application.decided_by = now, decided_by
    return team


async def _tell(ctx: Context, declared: DeliveryType[ApplicationPayload], app: Application) -> None:
    """Queue the applicant's notice of this decision: once per decision (a coordination
    that accepts, declines and accepts again tells each one; the renderer drops those a
    later decision overtook before they were sent)."""
    assert app.id is not None and app.decided_at is not None
    await announce(
        ctx,
        declared,
        f"a{app.id}:{app.decided_at.strftime('%Y%m%dT%H%M%S%f')}",
        payload=ApplicationPayload(app.id),
        people=[app.person_id],
        to_chats=False,
    )


async def _give_back_place(ctx: Context, cohort: Cohort, application: Application) -> bool:
    """An accepted applicant's membership ends (if they are still a participant): whether a
    place was given back."""
    assert cohort.id is not None
    member = await cohorts.membership(ctx.session, cohort.id, application.person_id)
    if member is None or member.role is not Role.PARTICIPANT:
        return False
    await remove_membership(ctx.session, member)
    return True


async def fill_free_places(
    ctx: Context, cohort: Cohort, *, besides: int | None = None, freed: int = 1
) -> list[tuple[Person, Team]]:
    """The `freed` places go to the waiting list, in order (an applicant whose city team
    is full waits for a place there); each one moved up is told. Call it after a
    participant left the cohort (their membership removed), in the same transaction.

    Returns who moved up, and to which team. `besides` is an application left out (the
    one just put back on the list). Never more than `freed` move up: without a limit on
    places the waiting list is the coordination's own, and one person leaving gives back
    one place, not the whole list.
    """
    assert cohort.id is not None and ctx.person is not None
    await lock_places(ctx.session, cohort.id)
    moved: list[tuple[Person, Team]] = []
    waiting = await applications_with_people(ctx.session, cohort.id, [ApplicationState.WAITLISTED])
    for application, person in waiting:
        if len(moved) >= freed:
            break
        if application.id == besides:
            continue
        admitted = await _admit(ctx, cohort, application, ctx.person.id)
        if isinstance(admitted, Full):
            if admitted.team is None:
                break  # the cohort is full: nobody else gets in
            continue  # their city's team is full: the next one may fit
        await _tell(ctx, MOVED_UP, application)
        moved.append((person, admitted))
    return moved


async def _decided(ctx: Context, application_id: int) -> tuple[Cohort, Application, Person]:
    """The application a button names and its cohort, whose places are locked; only a
    coordinator of that cohort may decide (whichever cohort they wrote in last)."""
    found = await application_by_id(ctx.session, application_id)
    person_id = ctx.person.id if ctx.person is not None else None
    if found is None or person_id is None:
        raise StaleButtonError()
    member = await cohorts.membership(ctx.session, found.cohort_id, person_id)
    cohort = await cohorts.cohort_by_id(ctx.session, found.cohort_id)
    if member is None or member.role is not Role.COORDINATOR or cohort is None:
        raise NotCoordinatorError()
    # The decision belongs to this cohort: its notices, the language and name it is read in.
    await ctx.enter_cohort(found.cohort_id)
    await lock_places(ctx.session, found.cohort_id)
    application = await application_in_cohort(ctx.session, found.cohort_id, application_id)
    if application is None:
        raise StaleButtonError()
    person = await _person(ctx, application.person_id)
    return cohort, application, person


async def _person(ctx: Context, person_id: int) -> Person:
    for person in await people_by_id(ctx.session, [person_id]):
        return person
    raise StaleButtonError()


def moved_up_lines(ctx: Context, moved: list[tuple[Person, Team]]) -> list[str]:
    """For the coordinator: who moved up from the waiting list (`fill_free_places`)."""
    return [
        ctx.t._(
            "A place freed: {name} moved up from the waiting list to the {team} team; I told them.",
            name=person.display_name,
            team=team.name,
        )
        for person, team in moved
    ]


async def accept(ctx: Context, press: OfApplication) -> list[Reply]:
    """✅ Aceptar: the applicant becomes a participant on their city's team and is welcomed;
    when no place is left, the coordinator is told and offered the waiting list."""
    cohort, application, person = await _decided(ctx, press.application)
    t, name = ctx.t, person.display_name
    if application.state is ApplicationState.ACCEPTED:
        return [Reply(t._("{name} was already accepted.", name=name), ephemeral=True)]
    assert ctx.person is not None
    admitted = await _admit(ctx, cohort, application, ctx.person.id)
    if isinstance(admitted, Full):
        if admitted.team is None:
            text = t._(
                "There is no place left in {cohort}: {taken} of {places} are taken.",
                cohort=cohort.name,
                taken=admitted.taken,
                places=admitted.places,
            )
        else:
            text = t._(
                "There is no place left on the {team} team: {taken} of {places} are taken.",
                team=admitted.team,
                taken=admitted.taken,
                places=admitted.places,
            )
        text += "\n" + t._("You can put {name} on the waiting list.", name=name)
        assert application.id is not None
        button = Button(t._("⏳ Waiting list"), WAITLIST.payload(OfApplication(application.id)))
        return [Reply(text, ((button,),), ephemeral=True)]
    await _tell(ctx, ACCEPTED, application)
    return [
        Reply(
            t._(
                "Done: {name} is accepted, on the {team} team; I told them.",
                name=name,
                team=admitted.name,
            )
        )
    ]


async def decline(ctx: Context, press: OfApplication) -> list[Reply]:
    """❌ Rechazar: the applicant is told kindly; a place they held goes to the waiting list."""
    cohort, application, person = await _decided(ctx, press.application)
    t, name = ctx.t, person.display_name
    if application.state is ApplicationState.DECLINED:
        return [Reply(t._("{name}'s application was already declined.", name=name), ephemeral=True)]
    assert ctx.person is not None
    was_accepted = application.state is ApplicationState.ACCEPTED
    application.state, application.position = ApplicationState.DECLINED, None
    application.decided_at, application.decided_by = ctx.clock.now(), ctx.person.id
    freed = was_accepted and await _give_back_place(ctx, cohort, application)
    await _tell(ctx, DECLINED, application)
    moved = await fill_free_places(ctx, cohort) if freed else []
    lines = [t._("Done: {name}'s application is declined; I told them.", name=name)]
    return [Reply("\n".join(lines + moved_up_lines(ctx, moved)))]


async def waitlist(ctx: Context, press: OfApplication) -> list[Reply]:
    """⏳ Lista de espera: the applicant goes to the end of the waiting list and is told."""
    cohort, application, person = await _decided(ctx, press.application)
    t, name = ctx.t, person.display_name
    if application.state is ApplicationState.WAITLISTED:
        return [Reply(t._("{name} is already on the waiting list.", name=name), ephemeral=True)]
    assert ctx.person is not None and cohort.id is not None
    was_accepted = application.state is ApplicationState.ACCEPTED
    application.state = ApplicationState.WAITLISTED
    application.position = await last_position(ctx.session, cohort.id) + 1
    application.decided_at, application.decided_by = ctx.clock.now(), ctx.person.id
    freed = was_accepted and await _give_back_place(ctx, cohort, application)
    await _tell(ctx, WAITLISTED, application)
    moved = await fill_free_places(ctx, cohort, besides=application.id) if freed else []
    waiting = await applications_with_people(ctx.session, cohort.id, [ApplicationState.WAITLISTED])
    number = 1 + [a.id for a, _ in waiting].index(application.id)
    lines = [
        t._("Done: {name} is number {n} on the waiting list; I told them.", name=name, n=number)
    ]
    return [Reply("\n".join(lines + moved_up_lines(ctx, moved)))]
