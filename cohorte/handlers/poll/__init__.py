"""The meeting-time poll: the cohort chooses its weekly session by voting in chat.

A coordinator opens a poll of candidate *weekly* slots written in the cohort's
home zone (`/encuesta nueva ...`, or a guided form). The poll message goes to
the cohort's group chats, with each slot listed per city; every participant
also gets a private ballot in their own zone and language. People answer each
slot ✅ Sí / 🤔 Si es necesario / ❌ No with buttons (`v:<poll>:<slot>:y|m|n`),
and can change any answer until the poll closes; one row per (poll, member,
slot). The group message is refreshed in place where the platform can edit
(`Reply.key`), at most every `TALLY_EVERY`.

The scheduler's planner closes polls at their deadline (also after a
restart), nudges participants who have not answered every slot 24 hours
before it, and tells the coordinators once when everyone has answered. On
closing, the rule in `rules` proposes a winner; a coordinator confirms it
or picks another slot (told first when it clashes with the sprint's other
sessions, `agenda.clashes`), which becomes the weekly session series — in
place of the running one, if any — and is announced to everyone in their own
time.

The rooms: `syntax` reads the command, `rules` is the arithmetic (pure),
`view` loads a poll, `weekly` puts slots in time and words, `render` writes
the messages, `routes` declares the buttons; the use cases are `commands`,
`opening`, `votes`, `closing`, `export`; `planning` and `renderers` are the
scheduler's side; `announcements` says who hears what.
"""

from __future__ import annotations

from functools import partial

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.platforms import Platforms
from cohorte.handlers.core.router import Router
from cohorte.handlers.poll.announcements import (
    POLL_ALL_VOTED,
    POLL_CLOSED,
    POLL_CONFIRMED,
    POLL_MESSAGE,
    POLL_NUDGE,
)
from cohorte.handlers.poll.closing import press_choose, press_confirm_clashing
from cohorte.handlers.poll.commands import poll_command, show_ballot
from cohorte.handlers.poll.opening import press_new_form, submit_poll_form
from cohorte.handlers.poll.planning import plan_polls
from cohorte.handlers.poll.renderers import (
    render_all_voted,
    render_closed,
    render_confirmed,
    render_nudge,
    render_poll,
)
from cohorte.handlers.poll.routes import (
    BALLOT,
    CHOOSE,
    CONFIRM_CLASHING,
    NEW_FORM,
    POLL_FORM,
    VOTE,
)
from cohorte.handlers.poll.votes import press_ballot, press_vote
from cohorte.locales import N_


def register(router: Router) -> None:
    """The poll's commands and buttons."""
    router.command(
        ("encuesta", "poll"),
        poll_command,
        N_(
            "the weekly session poll: /encuesta resultados "
            "(coordination: nueva, cerrar, elegir, confirmar, cancelar, exportar)"
        ),
    )
    router.command(("votar", "vote"), show_ballot, N_("answer the weekly session poll"))
    router.button(VOTE, press_vote)
    router.button(BALLOT, press_ballot)
    router.button(CHOOSE, press_choose)
    router.button(CONFIRM_CLASHING, press_confirm_clashing)
    router.button(POLL_FORM, submit_poll_form)
    router.button(NEW_FORM, press_new_form)


def register_capabilities(capabilities: Capabilities, platforms: Platforms) -> None:
    """The poll's planner and the renderers of its deliveries; `platforms` tells the
    planner who can be written to privately."""
    capabilities.planners.append(partial(plan_polls, platforms=platforms))
    capabilities.renderer(POLL_MESSAGE, render_poll)
    capabilities.renderer(POLL_NUDGE, render_nudge)
    capabilities.renderer(POLL_ALL_VOTED, render_all_voted)
    capabilities.renderer(POLL_CLOSED, render_closed)
    capabilities.renderer(POLL_CONFIRMED, render_confirmed)
