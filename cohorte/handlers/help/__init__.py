"""/ayuda: what the reader can do, depending on their role."""

from __future__ import annotations

from cohorte.handlers.cohort.registration import REGISTRATION_LINK_PREFIX
from cohorte.handlers.core import forms
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The help commands: /ayuda, /start and /cancelar."""
    router.command(
        ("ayuda", "help"),
        lambda ctx, _args: show_help(ctx, router),
        N_("what I can do for you"),
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("start", "inicio"),
        lambda ctx, args: start(ctx, args, router),
        "",
        hidden=True,
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("cancelar", "cancel"),
        cancel,
        N_("stop the form you are filling in"),
        keeps_form=True,
        any_cohort=True,
        after_end=True,
    )


async def show_help(ctx: Context, router: Router) -> list[Reply]:
    """The commands the reader may use; coordinators and administrators also see theirs."""
    t = ctx.t
    lines = []
    if ctx.needs_cohort_choice:
        lines.append(
            t._(
                "You are in several cohorts: /cohortes lists them, and /cohorte usar NOMBRE "
                "says which one our private chat is about."
            )
        )
    elif ctx.cohort is not None and ctx.member is not None:
        lines.append(t._("You are in the cohort *{cohort}*.", cohort=ctx.cohort.name))
    else:
        lines.append(
            t._(
                "Hi! I am Cohorte, the sprint assistant. To start, join your cohort with "
                "/unirme followed by the invite code."
            )
        )
        lines.append(
            t._("To apply to a new edition, write /inscribirme followed by its registration code.")
        )
    lines.append("")
    lines.append(t._("What you can do:"))
    visible = [c for c in router.commands if not c.hidden]
    everyone = [c for c in visible if not c.coordinator_only and not c.admin_only]
    lines += [f"/{c.name} — {t._(c.summary)}" for c in everyone]
    if ctx.is_coordinator:
        lines.append("")
        lines.append(t._("For the coordination team:"))
        lines += [f"/{c.name} — {t._(c.summary)}" for c in visible if c.coordinator_only]
    if await ctx.is_admin():
        lines.append("")
        lines.append(t._("For the bot's administrators:"))
        lines += [f"/{c.name} — {t._(c.summary)}" for c in visible if c.admin_only]
    return [Reply("\n".join(lines))]


async def start(ctx: Context, args: str, router: Router) -> list[Reply]:
    """Telegram's /start (deep links carry the invite code, or `i_` and the registration
    code)."""
    if args.startswith(REGISTRATION_LINK_PREFIX):
        apply = router.find_command("inscribirme")
        assert apply is not None
        return await apply.handler(ctx, args.removeprefix(REGISTRATION_LINK_PREFIX))
    if args:
        join = router.find_command("unirme")
        assert join is not None
        return await join.handler(ctx, args)
    return await show_help(ctx, router)


async def cancel(ctx: Context, _args: str) -> list[Reply]:
    """/cancelar: drop the guided form in progress, if any."""
    cancelled = await forms.cancel_guided_form(ctx)
    if cancelled is not None:
        return [Reply(cancelled)]
    return [Reply(ctx.t._("There is nothing to cancel."))]
