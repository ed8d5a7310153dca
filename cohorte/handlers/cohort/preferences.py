"""The sender as a person, and their own settings: time zone, language, whether
reminders also come by private message, and their e-mail (`/perfil`)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute, of_field
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.lang import zones
from cohorte.handlers.lang.emails import email_address
from cohorte.handlers.lang.text import fold
from cohorte.locales import LANGUAGES, N_, Translator
from cohorte.storage.cohorts import teams_of
from cohorte.storage.models import Member, Person
from cohorte.storage.people import add_person

LANGUAGE_NAMES = {"es": "Español", "en": "English"}
_LANGUAGE_WORDS = {
    "es": "es",
    "espanol": "es",
    "castellano": "es",
    "spanish": "es",
    "en": "en",
    "ingles": "en",
    "english": "en",
}
_YES = {"si", "yes", "on", "privado", "private"}
_NO = {"no", "off", "grupo", "group"}


class ZoneChoice(NamedTuple):
    zone: str  # an IANA zone name


class CountryChoice(NamedTuple):
    country: str  # a two-letter country code


class LanguageChoice(NamedTuple):
    language: str


class Reminders(StrEnum):
    """Where reminders come: also privately, or only in the group."""

    PRIVATE = "1"
    GROUP_ONLY = "0"


class RemindersChoice(NamedTuple):
    where: Reminders


class CohortReminders(NamedTuple):
    where: Reminders
    cohort: int


ZONE = ButtonRoute("z", ZoneChoice)
COUNTRY = ButtonRoute("zc", CountryChoice)
LANGUAGE = ButtonRoute("l", LanguageChoice)
# Of the membership in one cohort: that cohort's, also when pressed after choosing another.
REMINDERS = ButtonRoute("dmc", CohortReminders, cohort=of_field("cohort"))
OLD_REMINDERS = ButtonRoute("dm", RemindersChoice)  # the same, on messages that name no cohort


async def ensure_person(ctx: Context) -> Person:
    """The sender as a person, created on first contact."""
    if ctx.person is None:
        incoming = ctx.incoming
        ctx.person = await add_person(
            ctx.session,
            incoming.sender_name or incoming.sender_id,
            incoming.platform,
            incoming.sender_id,
            ctx.clock.now(),
            dm_open=not ctx.in_group,
        )
    return ctx.person


# --- time zone ----------------------------------------------------------------------------


def zone_line(t: Translator, zone: str, ctx: Context) -> str:
    """'Your time zone is … : it is 10:00 there now.'"""
    now = ctx.clock.now()
    return t._(
        "Your time zone is {zone}: it is {time} there now.",
        zone=t.zone_label(zone),
        time=t.time(now, zone),
    )


def _zone_button(t: Translator, zone: str, place: str | None = None) -> Button:
    """'Santiago (Chile)'; when another place's name found the zone, that name first:
    'Santiago de Cuba → La Habana (Cuba)', 'Guadalajara → Madrid (España)'."""
    country = zones.country_of_zone(zone)
    label = t.city(zone)
    if country and t.country(country) not in label:
        label = f"{label} ({t.country(country)})"
    if place and fold(place) not in fold(label):  # "Santiago" is in "Santiago de Chile"
        label = f"{place} → {label}"
    return Button(label, ZONE.payload(ZoneChoice(zone)))


async def choose_zone(ctx: Context, args: str) -> list[Reply]:
    """/zona [ciudad o país]: buttons first, or a forgiving search of what was typed."""
    t = ctx.t
    text = args.strip()
    if not text:
        cohort_zones: list[str] = []
        if ctx.cohort is not None and ctx.cohort.id is not None:
            teams = await teams_of(ctx.session, ctx.cohort.id)
            cohort_zones = list(dict.fromkeys(team.zone for team in teams))
        buttons = [_zone_button(t, zone) for zone in cohort_zones]
        buttons += [
            Button(t.country(code), COUNTRY.payload(CountryChoice(code)))
            for code in zones.LATAM_COUNTRIES
        ]
        return [
            Reply(
                zone_line(t, ctx.zone, ctx)
                + "\n"
                + t._(
                    "Choose your city or country, or write it after the command, "
                    "for example: /zona Bogotá"
                ),
                button_rows(buttons, per_row=3),
            )
        ]
    candidates = zones.search_places(text, t.language)
    if not candidates:
        raise CohortError(
            N_(
                "I could not find a time zone for “{text}”. Write a city or a country, "
                "for example “Bogotá” or “Chile”."
            ),
            text=text[:60],
        )
    if len(candidates) == 1:
        return await _set_zone(ctx, candidates[0].zone)
    buttons = [_zone_button(t, match.zone, match.place) for match in candidates]
    # Labels that say which place matched are long: one per row, readable on a phone.
    per_row = 1 if any("→" in button.label for button in buttons) else 2
    return [
        Reply(
            t._("More than one place matches “{text}”. Which one is yours?", text=text[:60]),
            button_rows(buttons, per_row=per_row),
        )
    ]


async def pick_zone(ctx: Context, choice: ZoneChoice) -> list[Reply]:
    """A zone button: that zone becomes the person's."""
    zone = zones.canonical_zone(choice.zone)
    if zone is None:
        raise StaleButtonError()
    return await _set_zone(ctx, zone)


async def pick_country(ctx: Context, choice: CountryChoice) -> list[Reply]:
    """A country button: its only zone, or a choice of its cities."""
    country_zones = zones.country_zones(choice.country)
    if not country_zones:
        raise StaleButtonError()
    if len(country_zones) == 1:
        return await _set_zone(ctx, country_zones[0])
    t = ctx.t
    return [
        Reply(
            t._("Which city is closest to you?"),
            button_rows([_zone_button(t, zone) for zone in country_zones[:12]]),
        )
    ]


async def _set_zone(ctx: Context, zone: str) -> list[Reply]:
    person = await ensure_person(ctx)
    person.zone = zone
    t = ctx.t
    now = ctx.clock.now()
    return [
        Reply(
            t._(
                "Done. Your time zone is now {zone}: it is {time} on {date} there.",
                zone=t.zone_label(zone),
                time=t.time(now, zone),
                date=t.date(now.astimezone(t.zoneinfo(zone)).date()),
            )
        )
    ]


# --- language -----------------------------------------------------------------------------


async def choose_language(ctx: Context, args: str) -> list[Reply]:
    """/idioma [es|en]."""
    word = fold(args)
    if not word:
        buttons = [
            Button(LANGUAGE_NAMES[code], LANGUAGE.payload(LanguageChoice(code)))
            for code in LANGUAGES
        ]
        return [Reply(ctx.t._("Choose your language:"), (tuple(buttons),))]
    language = _LANGUAGE_WORDS.get(word)
    if language is None:
        raise CohortError(N_("I only speak Spanish (es) and English (en). Example: /idioma en"))
    return await _set_language(ctx, language)


async def pick_language(ctx: Context, choice: LanguageChoice) -> list[Reply]:
    """A language button: the bot writes to the person in that language from now on."""
    if choice.language not in LANGUAGES:
        raise StaleButtonError()
    return await _set_language(ctx, choice.language)


async def _set_language(ctx: Context, language: str) -> list[Reply]:
    person = await ensure_person(ctx)
    person.locale = language
    ctx.t = reader_of(person, ctx.member, ctx.team, ctx.cohort).t
    return [Reply(ctx.t._("Done. I will write to you in English from now on."))]


# --- reminders by private message ---------------------------------------------------------


async def choose_dm_reminders(ctx: Context, args: str) -> list[Reply]:
    """/avisos [sí|no]: whether reminders also come by private message."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    word = fold(args)
    if word in _YES | _NO:
        return _set_dm_reminders(ctx, member, word in _YES)
    if word:
        raise CohortError(N_("Write /avisos sí or /avisos no."))
    t = ctx.t
    current = (
        t._("Now you get reminders in the group and by private message.")
        if member.dm_reminders
        else t._("Now you get reminders only in the group.")
    )
    private = REMINDERS.payload(CohortReminders(Reminders.PRIVATE, cohort.id))
    group_only = REMINDERS.payload(CohortReminders(Reminders.GROUP_ONLY, cohort.id))
    buttons = (
        Button(t._("Also privately"), private),
        Button(t._("Only in the group"), group_only),
    )
    return [Reply(current, (buttons,))]


async def pick_dm_reminders(ctx: Context, choice: CohortReminders | RemindersChoice) -> list[Reply]:
    """A reminders button: also privately, or only in the group."""
    _, member = ctx.require_member()
    return _set_dm_reminders(ctx, member, choice.where is Reminders.PRIVATE)


def _set_dm_reminders(ctx: Context, member: Member, on: bool) -> list[Reply]:
    member.dm_reminders = on
    if on:
        return [Reply(ctx.t._("Done: you will also get reminders by private message."))]
    return [Reply(ctx.t._("Done: reminders only in the group."))]


# --- profile and e-mail -------------------------------------------------------------------

_CLEAR = {"quitar", "borrar", "ninguno", "ninguna", "no", "-", "remove", "clear", "none"}
_EMAIL_WORDS = {"correo", "email", "e-mail", "mail"}


async def show_profile(ctx: Context, args: str) -> list[Reply]:
    """/perfil: what the bot knows of the sender; /perfil correo … sets or clears their
    e-mail (the one they use in Zoom or Meet, so that attendance reports find them)."""
    word, _, rest = args.strip().partition(" ")
    if fold(word) in _EMAIL_WORDS:
        return await _set_email(ctx, rest.strip())
    if word:
        raise CohortError(
            N_("Write /perfil to see your profile, or /perfil correo nombre@ejemplo.org.")
        )
    person = await ensure_person(ctx)
    t = ctx.t
    lines = [t._("Your profile:"), t._("Name: {name}", name=person.display_name)]
    if ctx.cohort is not None:
        lines.append(t._("Cohort: {cohort}", cohort=ctx.cohort.name))
    if ctx.team is not None:
        lines.append(t._("Team: {team}", team=ctx.team.name))
    lines.append(t._("Time zone: {zone}", zone=t.zone_label(ctx.zone)))
    lines.append(t._("Language: {language}", language=LANGUAGE_NAMES[t.language]))
    if ctx.member is not None:
        lines.append(
            t._("Reminders: in the group and by private message")
            if ctx.member.dm_reminders
            else t._("Reminders: only in the group")
        )
    lines.append(
        t._("E-mail: {email}", email=person.email)
        if person.email
        else t._("E-mail: none (set it with /perfil correo nombre@ejemplo.org)")
    )
    return [Reply("\n".join(lines))]


async def _set_email(ctx: Context, text: str) -> list[Reply]:
    person = await ensure_person(ctx)
    t = ctx.t
    if not text:
        if person.email:
            return [
                Reply(
                    t._(
                        "Your e-mail is {email}. Change it with /perfil correo nombre@ejemplo.org "
                        "or remove it with /perfil correo quitar.",
                        email=person.email,
                    )
                )
            ]
        return [
            Reply(t._("You have no e-mail yet. Set it with /perfil correo nombre@ejemplo.org."))
        ]
    if fold(text) in _CLEAR:
        person.email = None
        return [Reply(t._("Done: I no longer keep your e-mail."))]
    address = email_address(text)
    if address is None:
        raise CohortError(
            N_("{value} is not an e-mail address. Example: /perfil correo laura@bogota.gov.co"),
            value=text[:80],
        )
    person.email = address
    return [
        Reply(
            t._(
                "Done: your e-mail is {email}. Attendance reports from Zoom or Meet find you "
                "by it.",
                email=address,
            )
        )
    ]
