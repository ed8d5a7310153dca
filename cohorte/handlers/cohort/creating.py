"""/nuevacohorte: a bot administrator creates a cohort from chat, and coordinates it.

A form (a Slack modal; elsewhere a guided exchange) asks for the name, the start
Monday, the weeks, the home zone (a city or an IANA zone), the language, the invite
code, and optionally the cohort whose program to reuse. Everything is checked the
way a cohort file is, so that `cohorte cohort export` writes it like any other.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from cohorte.handlers.cohort.editions import new_edition
from cohorte.handlers.cohort.file.read import INVITE_CODE
from cohorte.handlers.cohort.file.spec import DEFAULT_WEEKS, MAX_WEEKS
from cohorte.handlers.cohort.naming import read_name
from cohorte.handlers.cohort.preferences import ensure_person
from cohorte.handlers.core.buttons import ButtonRoute, NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import FieldKind, Form, FormField, Reply
from cohorte.handlers.lang import zones
from cohorte.handlers.lang.dates import parse_day
from cohorte.locales import LANGUAGES, N_, Translator
from cohorte.storage import cohorts
from cohorte.storage.models import Cohort, Member, Role
from cohorte.storage.people import choose_cohort
from cohorte.storage.types import parse_id

NEW_COHORT = ButtonRoute("nc", NoFields)
_COHORT_NAME_CHARS = 200  # the column's limit, as the cohort file checks it
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NewCohort:
    """A cohort as the form described it, checked."""

    name: str
    start_date: date
    weeks: int
    home_zone: str
    locale: str
    invite_code: str


def new_cohort_form(t: Translator) -> Form:
    """The questions of /nuevacohorte."""
    return Form(
        title=t._("New cohort"),
        submit=NEW_COHORT.payload(NoFields()),
        fields=(
            FormField("name", t._("Name of the cohort?"), max_length=_COHORT_NAME_CHARS),
            FormField(
                "start", t._("Start: the Monday of week 1 (e.g. 2026-04-20)?"), max_length=40
            ),
            FormField(
                "weeks",
                t._("How many weeks? (empty: {weeks})", weeks=DEFAULT_WEEKS),
                required=False,
                max_length=3,
            ),
            FormField(
                "zone",
                t._("Home time zone: a city or a zone (e.g. Bogotá or America/Bogota)?"),
                max_length=100,
            ),
            FormField(
                "locale",
                t._("Language of the cohort?"),
                FieldKind.CHOICE,
                (("es", "Español"), ("en", "English")),
            ),
            FormField(
                "code",
                t._("Invite code (letters, digits and hyphens; empty: I make one up)?"),
                required=False,
                max_length=32,
            ),
            FormField(
                "source",
                t._("Reuse the program of another cohort? Its number (empty: no)"),
                required=False,
                max_length=10,
            ),
        ),
    )


async def ask_new_cohort(ctx: Context, _args: str) -> list[Reply]:
    """/nuevacohorte (administrators): the form of a new cohort."""
    return [Reply(ctx.t._("Let's create a cohort."), form=new_cohort_form(ctx.t))]


async def submit_new_cohort(ctx: Context, _fields: NoFields) -> list[Reply]:
    """The /nuevacohorte form, answered: the cohort exists and the sender coordinates it."""
    await ctx.require_admin()
    values = ctx.incoming.form_values or {}
    try:
        draft = await _read_draft(ctx, values)
    except CohortError as error:
        # A modal is closed by now, and a guided form would only ask its last question
        # again: after what was wrong, say how to start again.
        raise CohortError(
            N_("{problem}\nStart again with /nuevacohorte."), problem=error.render(ctx.t)
        ) from None
    source_text = values.get("source", "").strip().lstrip("#")
    if source_text:
        source = await _source_cohort(ctx, source_text)
        cohort, notices = await cohort_from_edition(ctx, source, draft)
    else:
        notices = []
        cohort = Cohort(
            name=draft.name,
            home_zone=draft.home_zone,
            locale=draft.locale,
            start_date=draft.start_date,
            weeks=draft.weeks,
            invite_code=draft.invite_code,
            created_at=ctx.clock.now(),
        )
        await cohorts.add_cohort(ctx.session, cohort)
    assert cohort.id is not None
    person = await ensure_person(ctx)
    assert person.id is not None
    member = await cohorts.membership(ctx.session, cohort.id, person.id)
    if member is None:
        member = Member(
            cohort_id=cohort.id,
            person_id=person.id,
            role=Role.COORDINATOR,
            joined_at=ctx.clock.now(),
        )
        await cohorts.add_members(ctx.session, [member])
    else:
        member.role = Role.COORDINATOR
    # The creator's private chat is about the new cohort from now on (they may coordinate
    # others too: no question about which one right after creating it).
    await choose_cohort(ctx.session, member, ctx.clock.now())
    ctx.cohort, ctx.member, ctx.team, ctx.chosen = cohort, member, None, True
    t = ctx.t
    lines = [
        t._(
            "Done: I created the cohort *{cohort}* (number {number}), which you coordinate.",
            cohort=cohort.name,
            number=cohort.id,
        ),
        t._(
            "It starts on {day}, lasts {weeks} weeks, in {zone}; invite code: {code}.",
            day=t.date(cohort.start_date, year=True),
            weeks=cohort.weeks,
            zone=t.zone_label(cohort.home_zone),
            code=cohort.invite_code,
        ),
        t._(
            "Next: add the city teams with /equipo nuevo Bogotá; Colombia; America/Bogota, "
            "then share the code: people join with /unirme {code}.",
            code=cohort.invite_code,
        ),
        *notices,
    ]
    return [Reply("\n".join(lines))]


async def _source_cohort(ctx: Context, text: str) -> Cohort:
    """The cohort whose number was typed (a number that is no row id names none)."""
    try:
        source = await cohorts.cohort_by_id(ctx.session, parse_id(text))
    except ValueError:
        source = None
    if source is None:
        raise CohortError(N_("There is no cohort number {number}."), number=text[:10])
    return source


async def cohort_from_edition(
    ctx: Context, source: Cohort, draft: NewCohort
) -> tuple[Cohort, list[str]]:
    """A new edition of `source`'s programme (`editions.new_edition`) with the form's
    name, start, language and code; the programme keeps its own weeks and home zone (its
    sessions are planned in it). Also what it got and what a person must look at."""
    assert source.id is not None
    edition = await new_edition(
        ctx.session,
        source.id,
        draft.start_date,
        ctx.clock.now(),
        name=draft.name,
        invite_code=draft.invite_code,
    )
    edition.cohort.locale = draft.locale
    return edition.cohort, edition.describe(ctx.t)


async def _read_draft(ctx: Context, values: dict[str, str]) -> NewCohort:
    name = read_name(values.get("name", ""), _COHORT_NAME_CHARS)
    start = _read_start(values.get("start", ""), ctx.clock.now().date())
    weeks = _read_weeks(values.get("weeks", ""))
    zone = _read_zone(values.get("zone", ""), ctx.t.language)
    locale = values.get("locale", "")
    if locale not in LANGUAGES:
        raise CohortError(N_("Please choose one of the buttons."))
    code = await _read_code(ctx, values.get("code", ""))
    return NewCohort(name, start, weeks, zone, locale, code)


def _read_start(text: str, today: date) -> date:
    try:
        day = parse_day(text, today)
    except ValueError:
        raise CohortError(
            N_("I did not understand the start date “{text}”. Write it like 2026-04-20."),
            text=text[:40],
        ) from None
    if day.weekday() != 0:
        raise CohortError(
            N_("The sprint starts on a Monday, the first day of week 1; {day} is not one."),
            day=day.isoformat(),
        )
    return day


def _read_weeks(text: str) -> int:
    text = text.strip()
    if not text:
        return DEFAULT_WEEKS
    if not text.isdigit() or not 1 <= int(text) <= MAX_WEEKS:
        raise CohortError(
            N_("The weeks are a number from 1 to {limit}, not “{text}”."),
            limit=MAX_WEEKS,
            text=text[:10],
        )
    return int(text)


def read_zone(text: str, language: str) -> str | None:
    """An IANA zone for what was typed: the zone itself in any case, or the best zone of
    a city or country (`lang.zones`); None if nothing is found."""
    exact = zones.canonical_zone(text)
    if exact is not None:
        return exact
    found = zones.search_places(text, language)
    return found[0].zone if found else None


def _read_zone(text: str, language: str) -> str:
    zone = read_zone(text, language)
    if zone is None:
        raise CohortError(
            N_(
                "I do not know the time zone “{text}”. Write a city, or a zone like America/Bogota."
            ),
            text=text[:100],
        )
    return zone


async def _read_code(ctx: Context, text: str) -> str:
    code = text.strip().upper()
    if not code:
        while True:  # a collision among 31^6 codes is rare, but possible
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
            if await cohorts.cohort_by_invite(ctx.session, code) is None:
                return code
    if not (code.isascii() and INVITE_CODE.fullmatch(code)):
        raise CohortError(
            N_("The invite code {code} must have 4 to 32 letters (A-Z), digits or hyphens."),
            code=code[:40],
        )
    if await cohorts.cohort_by_invite(ctx.session, code) is not None:
        raise CohortError(
            N_("Another cohort has the invite code {code}: choose another."), code=code
        )
    return code
