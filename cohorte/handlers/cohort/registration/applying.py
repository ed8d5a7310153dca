"""Applying to a cohort: `/inscribirme CODIGO` (or Telegram's deep link) and its form.

The registration code is the cohort's own, never its invite code: applying is not
joining, and a person becomes a member only when the coordination accepts them
(`deciding`). The deadline is checked when the form is asked for and again when it
comes back; places are counted at decision time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.cohort.naming import read_name
from cohorte.handlers.cohort.preferences import ensure_person
from cohorte.handlers.cohort.registration.routes import APPLY, OfCohort
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.forms import text_answer
from cohorte.handlers.core.messages import FieldKind, Form, FormField, Reply
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.lang.names import name_key
from cohorte.handlers.lang.text import first_name
from cohorte.handlers.lang.zones import search_places
from cohorte.locales import N_, Translator
from cohorte.storage import cohorts
from cohorte.storage.applications import (
    Application,
    ApplicationState,
    add_application,
    application_of,
    cohort_by_registration_code,
)
from cohorte.storage.models import Cohort

# Telegram's deep link `t.me/<bot>?start=i_CODIGO` arrives as `/start i_CODIGO`. Invite
# codes never hold "_" (A-Z, 0-9 and "-"), so the two links can never be confused.
REGISTRATION_LINK_PREFIX = "i_"
CITY_CHARS = 120
DEPARTMENT_CHARS = 200
ROLE_CHARS = 200
CHALLENGE_CHARS = 1000

USAGE = N_(
    "Write /inscribirme followed by the registration code, for example: /inscribirme SPRINT26"
)
NO_REGISTRATION = N_(
    "There is no registration open with the code {code}. Check it with the coordination team."
)
NO_GUARANTEE = N_(
    "Registration does not guarantee participation: the coordination team reviews every "
    "application, and places are limited."
)


class RegistrationClosedError(CohortError):
    """The deadline has passed."""

    message = N_(
        "We are sorry: registration for {cohort} closed on {when}. Thank you for your "
        "interest; write to the coordination team if you have questions, and watch for the "
        "next edition."
    )


def deadline_passed(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort's registration deadline is behind `now`."""
    deadline = cohort.registration_deadline
    return deadline is not None and now >= deadline


def deadline_text(t: Translator, deadline: datetime, zone: str) -> str:
    """The deadline as people read it: a deadline at midnight is the last minute of the
    day before ('jueves, 24 de abril · 23:59'), not the first of the next one."""
    local = deadline.astimezone(ZoneInfo(zone))
    if local.hour == local.minute == 0:
        deadline -= timedelta(minutes=1)
    return t.when(deadline, zone)


def _check_open(ctx: Context, cohort: Cohort) -> None:
    if deadline_passed(cohort, ctx.clock.now()):
        assert cohort.registration_deadline is not None
        zone = ctx.zone or cohort.home_zone
        raise RegistrationClosedError(
            cohort=cohort.name, when=deadline_text(ctx.t, cohort.registration_deadline, zone)
        )


def application_form(t: Translator, cohort: Cohort) -> Form:
    """City, department, role and the team's challenge."""
    return Form(
        title=t._("Registration for {cohort}", cohort=cohort.name),
        submit=APPLY.payload(OfCohort(cohort.id or 0)),
        fields=(
            FormField("city", t._("Which city do you work for?"), max_length=CITY_CHARS),
            FormField(
                "department",
                t._("Which department or office of the city government?"),
                max_length=DEPARTMENT_CHARS,
            ),
            FormField("role", t._("What is your role there?"), max_length=ROLE_CHARS),
            FormField(
                "challenge",
                t._("Which challenge does your team want to work on during the sprint?"),
                FieldKind.LONG_TEXT,
                max_length=CHALLENGE_CHARS,
            ),
        ),
    )


async def _enter(ctx: Context, cohort: Cohort) -> None:
    """The application is about `cohort`, not one the applicant is in already: its
    language, and its name where a reply names a cohort (`router.named_cohort`)."""
    assert cohort.id is not None
    await ctx.enter_cohort(cohort.id)
    if ctx.cohort is not cohort and ctx.person is not None:  # new to the bot just now
        ctx.t = reader_of(ctx.person, cohort=cohort).t


async def _open_cohort(ctx: Context, code: str) -> Cohort:
    cohort = await cohort_by_registration_code(ctx.session, code)
    if cohort is None or cohort.id is None or not cohort.registration_open:
        raise CohortError(NO_REGISTRATION, code=code[:32])
    return cohort


async def _refuse_twice(ctx: Context, cohort: Cohort) -> Application | None:
    """The sender's earlier application, if it can still be changed (else a refusal);
    a member is told they are in already."""
    person = ctx.person
    assert person is not None and person.id is not None and cohort.id is not None
    if await cohorts.membership(ctx.session, cohort.id, person.id) is not None:
        raise CohortError(N_("You are already part of {cohort}."), cohort=cohort.name)
    earlier = await application_of(ctx.session, cohort.id, person.id)
    if earlier is not None and earlier.state in (
        ApplicationState.DECLINED,
        ApplicationState.ACCEPTED,
    ):
        raise CohortError(
            N_(
                "Your application to {cohort} was already reviewed, and the coordination team "
                "told you its decision. Write to them if you have questions."
            ),
            cohort=cohort.name,
        )
    return earlier


async def apply(ctx: Context, args: str) -> list[Reply]:
    """/inscribirme CODIGO: the application form, and what registering means."""
    words = args.split()
    if len(words) != 1:
        raise CohortError(USAGE)
    cohort = await _open_cohort(ctx, words[0])
    person = await ensure_person(ctx)
    reader = reader_of(person, cohort=cohort)
    await _enter(ctx, cohort)
    t = ctx.t
    _check_open(ctx, cohort)
    earlier = await _refuse_twice(ctx, cohort)
    lines = [
        t._(
            "Registration for {cohort}: I will ask for your city, your department, your role "
            "and the challenge your team wants to work on.",
            cohort=cohort.name,
        ),
        t._(NO_GUARANTEE),
    ]
    if cohort.registration_deadline is not None:
        zone = reader.zone or cohort.home_zone
        when = deadline_text(t, cohort.registration_deadline, zone)
        lines.append(t._("Applications close on {when}.", when=when))
    if earlier is not None:
        lines.append(t._("You applied already: sending the form again updates your application."))
    return [Reply("\n".join(lines), form=application_form(t, cohort))]


def city_name(typed: str) -> str:
    """The city as the place names spell it when they know it ('bogota' -> 'Bogotá',
    'Lima, Perú' -> 'Lima'); else as typed."""
    for match in search_places(typed)[:1]:
        if match.place and name_key(typed).startswith(name_key(match.place)):
            return match.place
    return typed


async def submit_application(ctx: Context, of: OfCohort) -> list[Reply]:
    """The form came back: the application is recorded (or updated) and acknowledged."""
    cohort = await cohorts.cohort_by_id(ctx.session, of.cohort)
    if cohort is None or cohort.id is None or not cohort.registration_open:
        raise CohortError(N_("Registration for that cohort is not open any more."))
    person = await ensure_person(ctx)
    assert person.id is not None
    await _enter(ctx, cohort)
    t = ctx.t
    _check_open(ctx, cohort)
    earlier = await _refuse_twice(ctx, cohort)
    values = ctx.incoming.form_values or {}
    try:
        # The city names the team an accepted applicant joins: plain words, like any
        # team's name.
        city = city_name(read_name(text_answer(values, "city", CITY_CHARS), CITY_CHARS))
        department = text_answer(values, "department", DEPARTMENT_CHARS)
        role = text_answer(values, "role", ROLE_CHARS)
        challenge = text_answer(values, "challenge", CHALLENGE_CHARS, one_line=False)
    except CohortError as error:
        # The form is closed by now: after what was wrong, how to fill it in again.
        raise CohortError(
            N_("{problem}\nSend /inscribirme {code} to fill in the form again."),
            problem=error.render(t),
            code=cohort.registration_code or "",
        ) from None
    if earlier is None:
        await add_application(
            ctx.session,
            Application(
                cohort_id=cohort.id,
                person_id=person.id,
                city=city,
                department=department,
                role=role,
                challenge=challenge,
                created_at=ctx.clock.now(),
            ),
        )
        first = t._(
            "Thank you, {name}: your application to {cohort} is in.",
            name=first_name(person.display_name),
            cohort=cohort.name,
        )
    else:
        earlier.city, earlier.department, earlier.role = city, department, role
        earlier.challenge = challenge
        first = t._("Done: I updated your application to {cohort}.", cohort=cohort.name)
    lines = [
        first,
        t._(
            "City: {city} · Department: {department} · Role: {role}",
            city=city,
            department=department,
            role=role,
        ),
        t._("Challenge: “{challenge}”", challenge=challenge),
        t._(NO_GUARANTEE),
        t._("The coordination team will tell you its decision here."),
    ]
    return [Reply("\n".join(lines))]
