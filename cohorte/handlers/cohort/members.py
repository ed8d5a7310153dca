"""/miembros: the cohort's members by team, with their time zone and local time."""

from __future__ import annotations

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.core.platforms import privately_reachable
from cohorte.handlers.core.readers import reader_of, shown_name
from cohorte.locales.markup import literal
from cohorte.storage.cohorts import members_with_people, teams_of
from cohorte.storage.models import Member, Person, Role


async def list_members(ctx: Context, _args: str) -> list[Reply]:
    """/miembros (coordinators): members by team, with their zone and local time."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    t = ctx.t
    teams = {team.id: team for team in await teams_of(ctx.session, cohort.id)}
    rows = await members_with_people(ctx.session, cohort.id)
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
    # A forgotten person's stand-in has no accounts: nobody to reach, nothing to say.
    with_accounts = [p.id for _, p in rows if p.id and p.forgotten_at is None]
    unreachable = await _without_private_chat(ctx, with_accounts)
    for title, people in groups:
        lines.append("")
        lines.append(f"*{title}* ({len(people)})")
        for member, person in people:
            team = teams.get(member.team_id)
            zone = reader_of(person, member, team, cohort).zone
            role = " · " + t._("coordination") if member.role == Role.COORDINATOR else ""
            name = literal(shown_name(t, person, team.name if team else None))
            line = f"• {name}{role} — {t.city(zone)} {t.time(now, zone)}"
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


async def _without_private_chat(ctx: Context, person_ids: list[int]) -> set[int]:
    """People the bot cannot message privately (on Telegram: no private chat opened yet)."""
    return set(person_ids) - set(await privately_reachable(ctx.session, ctx.platforms, person_ids))
