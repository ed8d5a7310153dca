"""The dashboard capability: seeing the cohort's progress.

/estado (`summary`), /tablero as text (`board`) and as a PNG heat map (`chart`),
CSV exports (`exports`), the weekly digest to coordinators (`digest`), the closing
message after the last session (`closing`), and
/estado-bot, the outbox as `cohorte status` shows it (`botstatus`).
Everything here reads the board built by `status.load_board`.
"""

from __future__ import annotations

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.handlers.dashboard.board import show_board
from cohorte.handlers.dashboard.botstatus import show_bot_status
from cohorte.handlers.dashboard.closing import plan_closing
from cohorte.handlers.dashboard.digest import (
    WEEKLY_DIGEST,
    plan_weekly_digest,
    render_weekly_digest,
)
from cohorte.handlers.dashboard.exports import EXPORT, OLD_EXPORT, export, export_button
from cohorte.handlers.dashboard.summary import show_status
from cohorte.locales import N_


def register(router: Router) -> None:
    """The dashboard's commands and buttons."""
    router.command(
        ("estado", "status"),
        show_status,
        N_("your team's deliverables (coordination: the cohort summary)"),
        after_end=True,
    )
    router.command(
        ("tablero", "dashboard"),
        show_board,
        N_("teams × deliverables, as text and as a picture"),
        coordinator_only=True,
        after_end=True,
    )
    router.command(
        ("exportar", "export"),
        export,
        N_(
            "CSV files: /exportar estado, historial, checkins, asistencia, opiniones or "
            "inscripciones"
        ),
        coordinator_only=True,
        after_end=True,
    )
    router.command(
        ("estado-bot", "estado_bot", "botstatus"),
        show_bot_status,
        N_("how the bot is doing: messages waiting, next ones, problems this week"),
        coordinator_only=True,
        after_end=True,
    )
    router.button(EXPORT, export_button, after_end=True)
    router.button(OLD_EXPORT, export_button, after_end=True)


def register_capabilities(capabilities: Capabilities) -> None:
    """The weekly digest and the closing message's planner (its renderer, with the
    report attached, is the report package's). The closing planner comes last: in its
    tick the others have planned for the cohort."""
    capabilities.planners.append(plan_weekly_digest)
    capabilities.renderer(WEEKLY_DIGEST, render_weekly_digest, private=True)
    capabilities.planners.append(plan_closing)
