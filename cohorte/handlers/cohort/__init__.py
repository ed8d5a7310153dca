"""The cohort capability: joining a cohort, picking a team, a time zone and a language;
the member list and team changes (`teams`); people's data — seeing it and having it
deleted (`mydata`); the cohort file (`file`) the CLI imports
and exports."""

from __future__ import annotations

from cohorte.handlers.cohort.joining import TEAM, join, link_group, pick_team
from cohorte.handlers.cohort.members import list_members
from cohorte.handlers.cohort.mydata import (
    FORGET_ME,
    FORGET_MEMBER,
    forget_me,
    forget_member,
    press_forget_me,
    press_forget_member,
    show_member_data,
    show_my_data,
)
from cohorte.handlers.cohort.preferences import (
    COUNTRY,
    LANGUAGE,
    REMINDERS,
    ZONE,
    choose_dm_reminders,
    choose_language,
    choose_zone,
    pick_country,
    pick_dm_reminders,
    pick_language,
    pick_zone,
    show_profile,
)
from cohorte.handlers.cohort.teams import TEAM_CHANGED, change_team, render_team_change
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The cohort's commands and buttons."""
    router.command(("unirme", "join"), join, N_("join your cohort with its invite code"))
    router.command(("zona", "zone"), choose_zone, N_("choose your time zone"), after_end=True)
    router.command(
        ("idioma", "language"), choose_language, N_("choose your language"), after_end=True
    )
    router.command(
        ("perfil", "profile"),
        show_profile,
        N_("your profile; /perfil correo nombre@ejemplo.org sets your e-mail"),
        after_end=True,
    )
    router.command(
        ("miembros", "members"),
        list_members,
        N_("members of the cohort by team, with their time zone"),
        coordinator_only=True,
        after_end=True,
    )
    router.command(
        ("equipo", "team"),
        change_team,
        N_("move a member to another team: /equipo Lucía Santiago"),
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
        after_end=True,
    )
    router.command(
        ("misdatos", "mydata"),
        show_my_data,
        N_("everything the bot holds about you, as two files (private chat)"),
        after_end=True,
    )
    router.command(
        ("olvidarme", "forgetme"),
        forget_me,
        N_("delete your personal data, after you confirm (private chat)"),
        after_end=True,
    )
    router.command(
        ("datos", "data"),
        show_member_data,
        N_("a member's data, for a member who asked for it: /datos Lucía (private chat)"),
        coordinator_only=True,
        after_end=True,
    )
    router.command(
        ("olvidar", "forget"),
        forget_member,
        N_("delete a member's personal data at their request: /olvidar Lucía (private chat)"),
        coordinator_only=True,
        after_end=True,
    )
    router.button(FORGET_ME, press_forget_me, after_end=True)
    router.button(FORGET_MEMBER, press_forget_member, after_end=True)
    router.button(REMINDERS, pick_dm_reminders, after_end=True)
    router.button(TEAM, pick_team)
    router.button(ZONE, pick_zone, after_end=True)
    router.button(COUNTRY, pick_country, after_end=True)
    router.button(LANGUAGE, pick_language, after_end=True)


def register_capabilities(capabilities: Capabilities) -> None:
    """The cohort's scheduled messages: a member told of their new team."""
    capabilities.renderer(TEAM_CHANGED, render_team_change)
