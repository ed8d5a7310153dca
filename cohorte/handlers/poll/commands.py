"""The poll's commands: `/encuesta [subcommand]` and `/votar`."""

from __future__ import annotations

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.text import fold
from cohorte.handlers.poll.audience import audience_for, ephemeral_in_group, personal
from cohorte.handlers.poll.closing import (
    cancel_poll,
    choose_by_command,
    close_by_command,
    confirm_by_command,
)
from cohorte.handlers.poll.export import export_poll
from cohorte.handlers.poll.opening import new_poll
from cohorte.handlers.poll.render import ballot, choose_buttons, results_text
from cohorte.handlers.poll.view import NoPollError, latest_poll_of, load_poll, open_poll_of
from cohorte.locales import N_
from cohorte.storage.polls import PollState

_SUBCOMMANDS = {
    "nueva": "new",
    "nuevo": "new",
    "new": "new",
    "crear": "new",
    "abrir": "new",
    "resultados": "results",
    "resultado": "results",
    "results": "results",
    "resumen": "results",
    "cerrar": "close",
    "close": "close",
    "elegir": "choose",
    "choose": "choose",
    "pick": "choose",
    "confirmar": "confirm",
    "confirm": "confirm",
    "cancelar": "cancel",
    "cancel": "cancel",
    "exportar": "export",
    "export": "export",
    "csv": "export",
}


async def poll_command(ctx: Context, args: str) -> list[Reply]:
    """/encuesta [nueva|resultados|cerrar|elegir N|confirmar|cancelar|exportar]."""
    word, _, rest = args.strip().partition(" ")
    if not word:
        return await poll_overview(ctx)
    action = _SUBCOMMANDS.get(fold(word))
    if action is None:
        raise CohortError(
            N_(
                "I don't know /encuesta {word}. Use: resultados, or for the coordination "
                "team nueva, cerrar, elegir N, confirmar, cancelar, exportar."
            ),
            word=word[:30],
        )
    if action == "results":
        return await show_results(ctx)
    ctx.require_coordinator()
    if action == "new":
        return await new_poll(ctx, rest)
    if action == "close":
        return await close_by_command(ctx)
    if action == "choose":
        return await choose_by_command(ctx, rest)
    if action == "confirm":
        return await confirm_by_command(ctx)
    if action == "cancel":
        return await cancel_poll(ctx)
    return await export_poll(ctx)


async def poll_overview(ctx: Context) -> list[Reply]:
    """/encuesta alone: the reader's ballot (if a poll is open) and what can be done."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    t = ctx.t
    lines = [t._("/votar — answer the poll"), t._("/encuesta resultados — the answers so far")]
    if ctx.is_coordinator:
        lines += [
            t._("For the coordination team:"),
            "/encuesta nueva " + t._("(alone, it asks step by step)"),
            '  /encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 '
            "cierre 2025-04-25 18:00 duracion 90",
            "/encuesta cerrar · /encuesta elegir N · /encuesta confirmar",
            "/encuesta cancelar · /encuesta exportar",
        ]
    help_text = "\n".join(lines)
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        return [Reply(t._("There is no open poll right now.") + "\n\n" + help_text)]
    view = await load_poll(ctx.session, poll)
    audience = personal(ctx)
    reply = ballot(audience, view, member)
    return [Reply(reply.text + "\n\n" + help_text, reply.buttons, ephemeral=ctx.in_group)]


async def show_ballot(ctx: Context, _args: str) -> list[Reply]:
    """/votar: the reader's slots in their own zone, their answers and the buttons."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll right now."))
    view = await load_poll(ctx.session, poll)
    audience = personal(ctx)
    return [ephemeral_in_group(ctx, ballot(audience, view, member))]


async def show_results(ctx: Context) -> list[Reply]:
    """/encuesta resultados: the tally, team coverage, the proposal and who is missing."""
    cohort, _ = ctx.require_member()
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise NoPollError()
    view = await load_poll(ctx.session, poll)
    audience = await audience_for(ctx, cohort)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if ctx.is_coordinator and poll.state in (PollState.CLOSED, PollState.CONFIRMED):
        buttons = choose_buttons(audience, view)
    return [Reply(results_text(audience, view), buttons)]
