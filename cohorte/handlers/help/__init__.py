"""/ayuda: what the reader can do, depending on their role."""

from __future__ import annotations

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
        after_end=True,
    )
    router.command(
        ("start", "inicio"),
        lambda ctx, args: start(ctx, args, router),
        "",
        hidden=True,
        after_end=True,
    )
    router.command(
        ("cancelar", "cancel"),
        cancel,
        N_("stop the form you are filling in"),
        keeps_form=True,
        after_end=True,
    )


async def show_help(ctx: Context, router: Router) -> list[Reply]:
    """The commands the reader may use; coordinators also see theirs."""
    t = ctx.t
    lines = []
    if ctx.cohort is not None and ctx.member is not None:
        lines.append(t._("You are in the cohort *{cohort}*.", cohort=ctx.cohort.name))
    else:
        lines.append(
            t._(
                "Hi! I am Cohorte, the sprint assistant. To start, join your cohort with "
                "/unirme followed by the invite code."
            )
        )
    lines.append("")
    lines.append(t._("What you can do:"))
    visible = [c for c in router.commands if not c.hidden]
    lines += [f"/{c.name} — {t._(c.summary)}" for c in visible if not c.coordinator_only]
    if ctx.is_coordinator:
        lines.append("")
        lines.append(t._("For the coordination team:"))
        lines += [f"/{c.name} — {t._(c.summary)}" for c in visible if c.coordinator_only]
    return [Reply("\n".join(lines))]


async def start(ctx: Context, args: str, router: Router) -> list[Reply]:
    """Telegram's /start (deep links carry the invite code)."""
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
