"""The cohort capability: joining a cohort, picking a team, a time zone and a language;
the member list and team changes (`teams`); registration for an edition
(`registration`); bot administrators (`admins`), creating a cohort from chat
(`creating`) and setting it up (`setup`: teams, coordinators, members leaving); people's
data — seeing it and having it deleted (`mydata`); the cohort file (`file`) the CLI
imports and exports."""

from __future__ import annotations

from cohorte.handlers.cohort import registration
from cohorte.handlers.cohort.admins import become_admin
from cohorte.handlers.cohort.choosing import (
    USE,
    ask_cohort,
    cohort_command,
    list_cohorts,
    press_use,
    use_cohort,
)
from cohorte.handlers.cohort.creating import NEW_COHORT, ask_new_cohort, submit_new_cohort
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
    OLD_REMINDERS,
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
from cohorte.handlers.cohort.setup import (
    COORDINATOR_NAMED,
    MEMBER,
    MEMBER_REMOVED,
    member_command,
    name_coordinator,
    press_member,
    render_coordinator_named,
    render_member_removed,
    team_command,
)
from cohorte.handlers.cohort.teams import TEAM_CHANGED, render_team_change
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The cohort's commands and buttons."""
    router.command(
        ("unirme", "join"),
        join,
        N_("join your cohort with its invite code"),
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("zona", "zone"), choose_zone, N_("choose your time zone"), any_cohort=True, after_end=True
    )
    router.command(
        ("idioma", "language"),
        choose_language,
        N_("choose your language"),
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("perfil", "profile"),
        show_profile,
        N_("your profile; /perfil correo nombre@ejemplo.org sets your e-mail"),
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("cohortes", "cohorts"),
        list_cohorts,
        N_("your cohorts, their state and your role in each"),
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("cohorte", "cohort"),
        cohort_command,
        N_("which of your cohorts our private chat is about: /cohorte usar NOMBRE"),
        any_cohort=True,
        after_end=True,
    )
    # Slack's `/cohorte usar NOMBRE` arrives as /usar NOMBRE.
    router.command(("usar", "use"), use_cohort, "", hidden=True, any_cohort=True, after_end=True)
    router.cohort_question(ask_cohort)
    router.button(USE, press_use, after_end=True)
    router.command(
        ("miembros", "members"),
        list_members,
        N_("members of the cohort by team, with their time zone"),
        coordinator_only=True,
        after_end=True,
    )
    router.command(
        ("equipo", "team"),
        team_command,
        N_(
            "add a team: /equipo nuevo Bogotá; Colombia; America/Bogota — or move a member "
            "to another team: /equipo mover Lucía Santiago"
        ),
        coordinator_only=True,
    )
    router.command(
        ("coordinador", "coordinadora", "coordinator"),
        name_coordinator,
        N_("add a member to the coordination team: /coordinador Lucía"),
        coordinator_only=True,
    )
    router.command(
        ("miembro", "member"),
        member_command,
        N_("take a member out of the cohort: /miembro quitar Lucía"),
        coordinator_only=True,
    )
    router.command(
        ("nuevacohorte", "newcohort"),
        ask_new_cohort,
        N_("create a new cohort, which you will coordinate"),
        admin_only=True,
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("admin",),
        become_admin,
        N_("become an administrator with a code"),
        hidden=True,
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("vincular", "link"),
        link_group,
        N_("link this group chat to the cohort (in the group: /vincular CODIGO)"),
        coordinator_only=True,
        any_cohort=True,  # the code names the cohort; the handler checks its coordinators
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
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("olvidarme", "forgetme"),
        forget_me,
        N_("delete your personal data, after you confirm (private chat)"),
        any_cohort=True,
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
    router.button(OLD_REMINDERS, pick_dm_reminders, after_end=True)
    router.button(TEAM, pick_team)
    router.button(ZONE, pick_zone, after_end=True)
    router.button(COUNTRY, pick_country, after_end=True)
    router.button(LANGUAGE, pick_language, after_end=True)
    registration.register(router)
    router.button(MEMBER, press_member)
    router.button(NEW_COHORT, submit_new_cohort, after_end=True)


def register_capabilities(capabilities: Capabilities) -> None:
    """The cohort's scheduled messages: a member told of their new team, that they joined
    the coordination team, or that they were taken out of the cohort."""
    capabilities.renderer(TEAM_CHANGED, render_team_change)
    registration.register_capabilities(capabilities)
    capabilities.renderer(MEMBER_REMOVED, render_member_removed, private=True)
    capabilities.renderer(COORDINATOR_NAMED, render_coordinator_named)
