"""Joining a cohort, picking a team, a time zone and a language; the member list."""

from __future__ import annotations

from cohorte.handlers.core.context import Context, reader_zone
from cohorte.handlers.core.errors import (
    CohortError,
    NotCoordinatorError,
    NotMemberError,
    StaleButtonError,
)
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang import zones
from cohorte.handlers.lang.text import fold
from cohorte.locales import LANGUAGES, N_, Translator
from cohorte.storage import queries
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.types import parse_id

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


def register(router: Router) -> None:
    router.command(("unirme", "join"), join, N_("join your cohort with its invite code"))
    router.command(("zona", "zone"), choose_zone, N_("choose your time zone"))
    router.command(("idioma", "language"), choose_language, N_("choose your language"))
    router.command(
        ("miembros", "members"),
        list_members,
        N_("members of the cohort by team, with their time zone"),
        coordinator_only=True,
    )
    router.command(
        ("vincular", "link"),
        link_group,
        N_("link this group chat to the cohort (in the group: /vincular CODIGO)"),
        coordinator_only=True,
    )
    router.command(
        ("avisos", "dm"),
        choose_dm_reminders,
        N_("reminders by private message too, or only in the group"),
    )
    router.raw_button("dm", pick_dm_reminders)
    router.raw_button("tm", pick_team)
    router.raw_button("z", pick_zone)
    router.raw_button("zc", pick_country)
    router.raw_button("l", pick_language)


async def ensure_person(ctx: Context) -> Person:
    """The sender as a person, created on first contact."""
    if ctx.person is None:
        incoming = ctx.incoming
        ctx.person = await queries.add_person(
            ctx.session,
            incoming.sender_name or incoming.sender_id,
            incoming.platform,
            incoming.sender_id,
            ctx.clock.now(),
            dm_open=not ctx.in_group,
        )
    return ctx.person


def _team_buttons(cohort: Cohort, teams: list[Team]) -> tuple[tuple[Button, ...], ...]:
    return button_rows([Button(team.name, f"tm:{cohort.id}:{team.id}") for team in teams])


async def join(ctx: Context, args: str) -> list[Reply]:
    """/unirme CODIGO: the person becomes a participant and is asked for their team."""
    words = args.split()
    if len(words) != 1:
        raise CohortError(
            N_("Write /unirme followed by the invite code, for example: /unirme SPRINT25")
        )
    cohort = await queries.cohort_by_invite(ctx.session, words[0])
    if cohort is None or cohort.id is None:
        raise CohortError(
            N_(
                "There is no cohort with the invite code {code}. "
                "Check it with the coordination team."
            ),
            code=words[0][:32],
        )
    person = await ensure_person(ctx)
    assert person.id is not None
    ctx.t = Translator(person.locale or cohort.locale)
    t = ctx.t
    teams = list(await queries.teams_of(ctx.session, cohort.id))
    member = await queries.membership(ctx.session, cohort.id, person.id)
    if member is not None:
        text = t._("You are already part of {cohort}.", cohort=cohort.name)
        if member.team_id is None and teams:
            text += "\n" + t._("Which team are you on?")
            return [Reply(text, _team_buttons(cohort, teams))]
        return [Reply(text)]
    member = Member(
        cohort_id=cohort.id, person_id=person.id, role=Role.PARTICIPANT, joined_at=ctx.clock.now()
    )
    ctx.session.add(member)
    await ctx.session.flush()
    text = t._("Welcome to {cohort}, {name}!", cohort=cohort.name, name=person.display_name)
    if not teams:
        return [Reply(text)]
    text += "\n" + t._("Which team are you on?")
    return [Reply(text, _team_buttons(cohort, teams))]


async def pick_team(ctx: Context, args: list[str]) -> list[Reply]:
    """Team button: the member joins that city team."""
    cohort_id, team_id = parse_id(args[0]), parse_id(args[1])
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member = await queries.membership(ctx.session, cohort_id, ctx.person.id)
    team = await ctx.session.get(Team, team_id)
    if member is None or team is None or team.cohort_id != cohort_id:
        raise StaleButtonError()
    member.team_id = team.id
    ctx.session.add(member)
    ctx.team = team
    t = ctx.t
    zone = ctx.zone
    return [
        Reply(
            t._("Done: you are now on the {team} team.", team=team.name)
            + "\n"
            + _zone_line(ctx.t, zone, ctx)
            + "\n"
            + t._("If that is not your time zone, change it with /zona.")
        )
    ]


def _zone_line(t: Translator, zone: str, ctx: Context) -> str:
    now = ctx.clock.now()
    return t._(
        "Your time zone is {zone}: it is {time} there now.",
        zone=t.zone_label(zone),
        time=t.time(now, zone),
    )


def _zone_button(t: Translator, zone: str) -> Button:
    country = zones.country_of_zone(zone)
    label = t.city(zone)
    if country and t.country(country) not in label:
        label = f"{label} ({t.country(country)})"
    return Button(label, f"z:{zone}")


async def choose_zone(ctx: Context, args: str) -> list[Reply]:
    """/zona [ciudad o país]: buttons first, or a forgiving search of what was typed."""
    t = ctx.t
    text = args.strip()
    if not text:
        cohort_zones: list[str] = []
        if ctx.cohort is not None and ctx.cohort.id is not None:
            teams = await queries.teams_of(ctx.session, ctx.cohort.id)
            cohort_zones = list(dict.fromkeys(team.zone for team in teams))
        buttons = [_zone_button(t, zone) for zone in cohort_zones]
        buttons += [Button(t.country(code), f"zc:{code}") for code in zones.LATAM_COUNTRIES]
        return [
            Reply(
                _zone_line(t, ctx.zone, ctx)
                + "\n"
                + t._(
                    "Choose your city or country, or write it after the command, "
                    "for example: /zona Bogotá"
                ),
                button_rows(buttons, per_row=3),
            )
        ]
    candidates = zones.search_zones(text, t.language)
    if not candidates:
        raise CohortError(
            N_(
                "I could not find a time zone for “{text}”. Write a city or a country, "
                "for example “Bogotá” or “Chile”."
            ),
            text=text[:60],
        )
    if len(candidates) == 1:
        return await _set_zone(ctx, candidates[0])
    return [
        Reply(
            t._("Which one is yours?"),
            button_rows([_zone_button(t, zone) for zone in candidates]),
        )
    ]


async def pick_zone(ctx: Context, args: list[str]) -> list[Reply]:
    zone = zones.canonical_zone(args[0])
    if zone is None:
        raise StaleButtonError()
    return await _set_zone(ctx, zone)


async def pick_country(ctx: Context, args: list[str]) -> list[Reply]:
    country_zones = zones.country_zones(args[0])
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
    ctx.session.add(person)
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


async def choose_language(ctx: Context, args: str) -> list[Reply]:
    """/idioma [es|en]."""
    word = fold(args)
    if not word:
        buttons = [Button(LANGUAGE_NAMES[code], f"l:{code}") for code in LANGUAGES]
        return [Reply(ctx.t._("Choose your language:"), (tuple(buttons),))]
    language = _LANGUAGE_WORDS.get(word)
    if language is None:
        raise CohortError(N_("I only speak Spanish (es) and English (en). Example: /idioma en"))
    return await _set_language(ctx, language)


async def pick_language(ctx: Context, args: list[str]) -> list[Reply]:
    if args[0] not in LANGUAGES:
        raise StaleButtonError()
    return await _set_language(ctx, args[0])


async def _set_language(ctx: Context, language: str) -> list[Reply]:
    person = await ensure_person(ctx)
    person.locale = language
    ctx.session.add(person)
    ctx.t = Translator(language)
    return [Reply(ctx.t._("Done. I will write to you in English from now on."))]


async def list_members(ctx: Context, _args: str) -> list[Reply]:
    """/miembros (coordinators): members by team, with their zone and local time."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    t = ctx.t
    teams = {team.id: team for team in await queries.teams_of(ctx.session, cohort.id)}
    rows = await queries.members_with_people(ctx.session, cohort.id)
    now = ctx.clock.now()
    by_team: dict[int | None, list[tuple[Member, Person]]] = {}
    for member, person in rows:
        by_team.setdefault(member.team_id, []).append((member, person))
    lines = [
        t.ngettext("{cohort}: {n} member", "{cohort}: {n} members", len(rows), cohort=cohort.name)
    ]
    order = sorted(teams.values(), key=lambda team: team.name)
    groups: list[tuple[str, list[tuple[Member, Person]]]] = [
        (t._("{team} team", team=team.name), by_team.get(team.id, [])) for team in order
    ]
    if by_team.get(None):
        groups.append((t._("No team"), by_team[None]))
    unreachable = await _without_private_chat(ctx, [p.id for _, p in rows if p.id])
    for title, people in groups:
        lines.append("")
        lines.append(f"*{title}* ({len(people)})")
        for member, person in people:
            team = teams.get(member.team_id)
            zone = reader_zone(person, team, cohort)
            role = " · " + t._("coordination") if member.role == Role.COORDINATOR else ""
            line = f"• {person.display_name}{role} — {t.city(zone)} {t.time(now, zone)}"
            if person.id in unreachable:
                line += " · " + t._("no private chat with the bot yet")
            lines.append(line)
    if unreachable:
        lines.append("")
        lines.append(
            t.ngettext(
                "{n} person only gets reminders in the group (on Telegram they must open "
                "a private chat with the bot first).",
                "{n} people only get reminders in the group (on Telegram they must open "
                "a private chat with the bot first).",
                len(unreachable),
            )
        )
    return [Reply("\n".join(lines))]


async def link_group(ctx: Context, args: str) -> list[Reply]:
    """/vincular CODIGO in a group: the group gets the cohort's announcements."""
    words = args.split()
    if not ctx.in_group:
        raise CohortError(N_("Write /vincular CODIGO inside the group chat you want to link."))
    if len(words) != 1:
        raise CohortError(
            N_("Write /vincular followed by the invite code, e.g. /vincular SPRINT25")
        )
    cohort = await queries.cohort_by_invite(ctx.session, words[0])
    person = ctx.person
    if cohort is None or cohort.id is None or person is None or person.id is None:
        raise CohortError(
            N_(
                "There is no cohort with the invite code {code}. "
                "Check it with the coordination team."
            ),
            code=words[0][:32],
        )
    member = await queries.membership(ctx.session, cohort.id, person.id)
    if member is None or member.role != Role.COORDINATOR:
        raise NotCoordinatorError()
    incoming = ctx.incoming
    await queries.link_chat(ctx.session, cohort.id, incoming.platform, incoming.chat_id, None)
    return [
        Reply(
            ctx.t._(
                "This group is now the chat of {cohort}: reminders and announcements "
                "will arrive here.",
                cohort=cohort.name,
            )
        )
    ]


_YES = {"si", "yes", "on", "privado", "private"}
_NO = {"no", "off", "grupo", "group"}


async def choose_dm_reminders(ctx: Context, args: str) -> list[Reply]:
    """/avisos [sí|no]: whether reminders also come by private message."""
    _, member = ctx.require_member()
    word = fold(args)
    if word in _YES | _NO:
        return await _set_dm_reminders(ctx, member, word in _YES)
    if word:
        raise CohortError(N_("Write /avisos sí or /avisos no."))
    t = ctx.t
    current = (
        t._("Now you get reminders in the group and by private message.")
        if member.dm_reminders
        else t._("Now you get reminders only in the group.")
    )
    buttons = (
        Button(t._("Also privately"), "dm:1"),
        Button(t._("Only in the group"), "dm:0"),
    )
    return [Reply(current, (buttons,))]


async def pick_dm_reminders(ctx: Context, args: list[str]) -> list[Reply]:
    _, member = ctx.require_member()
    if args[0] not in ("0", "1"):
        raise StaleButtonError()
    return await _set_dm_reminders(ctx, member, args[0] == "1")


async def _set_dm_reminders(ctx: Context, member: Member, on: bool) -> list[Reply]:
    member.dm_reminders = on
    ctx.session.add(member)
    if on:
        return [Reply(ctx.t._("Done: you will also get reminders by private message."))]
    return [Reply(ctx.t._("Done: reminders only in the group."))]


async def _without_private_chat(ctx: Context, person_ids: list[int]) -> set[int]:
    """People the bot cannot message privately (on Telegram: no private chat opened yet)."""
    return set(person_ids) - await queries.privately_reachable(ctx.session, person_ids)
