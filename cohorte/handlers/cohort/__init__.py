"""The cohort capability: joining a cohort, picking a team, a time zone and a language;
the member list and team changes (`teams`); registration for an edition
(`registration`); the cohort file (`file`) the CLI imports and exports."""

from __future__ import annotations

from cohorte.handlers.cohort import registration
from cohorte.handlers.cohort.choosing import (
    USE,
    ask_cohort,
    cohort_command,
    list_cohorts,
    press_use,
    use_cohort,
)
from cohorte.handlers.cohort.joining import TEAM, join, link_group, pick_team
from cohorte.handlers.cohort.members import list_members
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
    router.command(
        ("unirme", "join"), join, N_("join your cohort with its invite code"), any_cohort=True
    )
    router.command(("zona", "zone"), choose_zone, N_("choose your time zone"), any_cohort=True)
    router.command(
        ("idioma", "language"), choose_language, N_("choose your language"), any_cohort=True
    )
    router.command(
        ("perfil", "profile"),
        show_profile,
        N_("your profile; /perfil correo nombre@ejemplo.org sets your e-mail"),
        any_cohort=True,
    )
    router.command(
        ("cohortes", "cohorts"),
        list_cohorts,
        N_("your cohorts, their state and your role in each"),
        any_cohort=True,
    )
    router.command(
        ("cohorte", "cohort"),
        cohort_command,
        N_("which of your cohorts our private chat is about: /cohorte usar NOMBRE"),
        any_cohort=True,
    )
    # Slack's `/cohorte usar NOMBRE` arrives as /usar NOMBRE.
    router.command(("usar", "use"), use_cohort, "", hidden=True, any_cohort=True)
    router.cohort_question(ask_cohort)
    router.button(USE, press_use)
    router.command(
        ("miembros", "members"),
        list_members,
        N_("members of the cohort by team, with their time zone"),
        coordinator_only=True,
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
    )
    router.button(REMINDERS, pick_dm_reminders)
    router.button(TEAM, pick_team)
    router.button(ZONE, pick_zone)
    router.button(COUNTRY, pick_country)
    router.button(LANGUAGE, pick_language)
    registration.register(router)


def register_capabilities(capabilities: Capabilities) -> None:
    """The cohort's scheduled messages: a member told of their new team."""
    capabilities.renderer(TEAM_CHANGED, render_team_change)
    registration.register_capabilities(capabilities)
