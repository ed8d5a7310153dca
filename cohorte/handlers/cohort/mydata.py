"""People's data: `/misdatos` and `/olvidarme` for oneself; `/datos` and `/olvidar` for a
coordinator acting on a member who asked them (by e-mail, say). Private chats only.

What is held and how it is forgotten is one rule in `storage.people_data`; here it is
shown as two files (JSON, and readable text in the reader's language) and confirmed
with buttons before anything is deleted.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, File, Reply
from cohorte.handlers.lang.emails import email_address
from cohorte.handlers.lang.names import match_names
from cohorte.locales import N_
from cohorte.storage.cohorts import cohorts_by_id, members_with_people, teams_of_cohorts
from cohorte.storage.models import Member, Person
from cohorte.storage.people_data import forget_person, is_forgotten, person_data

# What each table holds, as its section of the readable file; a table not named here
# (added later) is shown under its own name.
SECTIONS = {
    "person": N_("Your profile"),
    "identity": N_("Your accounts on each platform"),
    "member": N_("Your cohorts"),
    "vote": N_("Your votes in polls"),
    "rsvp": N_("Your answers to “Are you coming?”"),
    "attendance": N_("Your attendance"),
    "feedback": N_("Your feedback on sessions"),
    "checkinanswer": N_("Your check-in answers"),
    "statusupdate": N_("Your status reports"),
    "statusdraft": N_("Status reports you left half-way"),
    "announcementdraft": N_("Announcements you drafted"),
    "material": N_("Materials you added"),
    "importrow": N_("Rows of meeting reports that name you"),
    "attendanceimport": N_("Meeting reports you imported"),
    "poll": N_("Polls you opened"),
    "pendingchange": N_("Calendar changes waiting for your answer"),
    "formsession": N_("Forms in progress"),
    "delivery": N_("Messages the bot sent you or will send you"),
}
PRIVATE_ONLY = N_("For your privacy I only do that in a private chat: write to me privately.")


class Answer(StrEnum):
    YES = "y"
    NO = "n"


class ForgetMe(NamedTuple):
    answer: Answer


class ForgetMember(NamedTuple):
    member: int
    answer: Answer


FORGET_ME = ButtonRoute("fgm", ForgetMe)
FORGET_MEMBER = ButtonRoute("fgo", ForgetMember)


def _require_private(ctx: Context) -> None:
    if ctx.in_group:
        raise CohortError(PRIVATE_ONLY)


async def show_my_data(ctx: Context, _args: str) -> list[Reply]:
    """/misdatos (private chat): everything the bot holds about you, as a JSON file and a
    readable text file."""
    _require_private(ctx)
    if ctx.person is None or ctx.person.id is None:
        return [Reply(ctx.t._("I hold nothing about you."))]
    return await _data_files(ctx, ctx.person, ctx.t._("Everything I hold about you:"))


async def show_member_data(ctx: Context, args: str) -> list[Reply]:
    """/datos NOMBRE (coordinators, private chat): everything the bot holds about that
    member, for the coordinator to send them."""
    _require_private(ctx)
    _member, person = await _named_member(
        ctx, args, N_("Write /datos and the person's name or e-mail.")
    )
    caption = ctx.t._("Everything I hold about {name}:", name=person.display_name)
    return await _data_files(ctx, person, caption)


async def _data_files(ctx: Context, person: Person, caption: str) -> list[Reply]:
    assert person.id is not None
    data = await person_data(ctx.session, person.id)
    day = ctx.clock.now().date().isoformat()
    stem = f"misdatos-{person.id}-{day}"
    as_json = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    as_text = (await _readable(ctx, data)).encode("utf-8")
    return [
        Reply(caption, file=File(f"{stem}.json", as_json, "application/json", caption)),
        Reply("", file=File(f"{stem}.txt", as_text, "text/plain", "")),
    ]


async def _readable(ctx: Context, data: dict[str, list[dict[str, object]]]) -> str:
    """The export as text: what each cohort is called, then one section per table."""
    t = ctx.t.plain
    cohort_ids = sorted({int(str(row["cohort_id"])) for row in data.get("member", [])})
    cohorts = {c.id: c for c in await cohorts_by_id(ctx.session, cohort_ids)}
    teams = {team.id: team for team in await teams_of_cohorts(ctx.session, cohort_ids)}
    lines = [t._("What Cohorte holds about you"), ""]
    for row in data.get("member", []):
        cohort = cohorts.get(int(str(row["cohort_id"])))
        team = teams.get(row["team_id"]) if row["team_id"] is not None else None  # type: ignore[call-overload]
        if cohort is not None:
            where = t._("{cohort} (cohort {id})", cohort=cohort.name, id=cohort.id)
            if team is not None:
                where += " · " + t._("{team} team", team=team.name)
            lines.append(f"• {where}")
    for table, rows in data.items():
        lines.append("")
        lines.append(t._(SECTIONS[table]) if table in SECTIONS else table)
        for row in rows:
            fields = "; ".join(
                f"{key}: {value}" for key, value in row.items() if value not in (None, "")
            )
            lines.append(f"- {fields}")
    return "\n".join(lines) + "\n"


async def forget_me(ctx: Context, _args: str) -> list[Reply]:
    """/olvidarme (private chat): asks, with buttons, whether to delete your data."""
    _require_private(ctx)
    t = ctx.t
    if ctx.person is None:
        return [Reply(t._("I hold nothing about you."))]
    text = t._(
        "Do you want me to delete your personal data? Your name, accounts, e-mail and what "
        "you wrote (notes, comments, answers) are deleted for good. Your votes, attendance "
        "and reports keep counting for your team without your name. This cannot be undone."
    )
    buttons = (
        Button(t._("🗑 Yes, delete my data"), FORGET_ME.payload(ForgetMe(Answer.YES))),
        Button(t._("No, keep them"), FORGET_ME.payload(ForgetMe(Answer.NO))),
    )
    return [Reply(text, (buttons,))]


async def press_forget_me(ctx: Context, press: ForgetMe) -> list[Reply]:
    """The answer to /olvidarme: the data is deleted, or nothing is."""
    _require_private(ctx)
    t = ctx.t
    if press.answer is Answer.NO or ctx.person is None or ctx.person.id is None:
        return [Reply(t._("All right: I deleted nothing."))]
    await forget_person(ctx.session, ctx.person.id, ctx.clock.now())
    return [
        Reply(
            t._(
                "Done: I deleted your personal data. If you write to me again I will not "
                "know you; you can join again with an invite code."
            )
        )
    ]


async def forget_member(ctx: Context, args: str) -> list[Reply]:
    """/olvidar NOMBRE (coordinators, private chat): asks whether to delete that member's
    personal data, for a member who asked for it."""
    _require_private(ctx)
    member, person = await _named_member(
        ctx, args, N_("Write /olvidar and the person's name or e-mail.")
    )
    assert member.id is not None
    t = ctx.t
    text = t._(
        "Delete the personal data of {name}? Their name, accounts, e-mail and what they "
        "wrote are deleted for good, in every cohort; their votes, attendance and reports "
        "keep counting without their name. This cannot be undone.",
        name=person.display_name,
    )
    yes = FORGET_MEMBER.payload(ForgetMember(member.id, Answer.YES))
    no = FORGET_MEMBER.payload(ForgetMember(member.id, Answer.NO))
    buttons = (Button(t._("🗑 Yes, delete"), yes), Button(t._("No, keep them"), no))
    return [Reply(text, (buttons,))]


async def press_forget_member(ctx: Context, press: ForgetMember) -> list[Reply]:
    """The coordinator's answer to /olvidar: that member's data is deleted, or nothing is."""
    _require_private(ctx)
    cohort, _ = ctx.require_coordinator()
    t = ctx.t
    if press.answer is Answer.NO:
        return [Reply(t._("All right: I deleted nothing."))]
    assert cohort.id is not None
    rows = {m.id: (m, p) for m, p in await members_with_people(ctx.session, cohort.id)}
    found = rows.get(press.member)
    if found is None or is_forgotten(found[1]):
        return [Reply(t._("That person's data was deleted already."))]
    member, person = found
    if ctx.member is not None and member.id == ctx.member.id:
        raise CohortError(N_("To delete your own data, use /olvidarme."))
    name = person.display_name
    assert person.id is not None
    await forget_person(ctx.session, person.id, ctx.clock.now())
    return [Reply(t._("Done: I deleted the personal data of {name}.", name=name))]


async def _named_member(ctx: Context, args: str, usage: str) -> tuple[Member, Person]:
    """The one member of the coordinator's cohort that `args` names, by name or by their
    e-mail address (`/perfil correo`, the cohort file)."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    who = args.strip()
    if not who:
        raise CohortError(usage)
    rows = [
        row for row in await members_with_people(ctx.session, cohort.id) if not is_forgotten(row[1])
    ]
    address = email_address(who)
    if address is not None:  # the address the request came from
        found = [row for row in rows if (row[1].email or "").lower() == address]
    else:
        found = match_names(who, rows, lambda row: (row[1].display_name,))
    if not found:
        raise CohortError(
            N_("I found nobody by that name in “{text}”. /miembros lists everyone."), text=who[:80]
        )
    if len(found) > 1:
        raise CohortError(
            N_("“{who}” could be several people: {names}. Write more of the name."),
            who=who,
            names=", ".join(person.display_name for _, person in found),
        )
    return found[0]
