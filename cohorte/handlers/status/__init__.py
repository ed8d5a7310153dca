"""Deliverable status: teams report progress, coordinators manage the deliverables.

What people do here:

- coordinators manage deliverables with `/entregable` (list, new, show,
  assign, due date, delete);
- any member of a city team reports a deliverable's status — sin iniciar /
  en curso / bloqueado / completado — plus an optional note and link, with
  buttons (`/reportar`), a form (`/reportar formulario`) or one line
  (`/reportar mapeo en curso "falta acceso al SECOP"`); the rest of the team
  hears about it; every change is kept (who, when, from what to what, note);
- two days before each team's biweekly check-in the team gets a short async
  check-in form (`/avances` opens it too); the answers reach the coordinators
  as one digest two hours before the session;
- a team with no update for `nudge_after_days` and an open deliverable due
  within two weeks is reminded once.

The read side (`/estado`, `/tablero`, exports, the weekly digest) lives in the
`dashboard` package; both share the board data built here (`board.load_board`).

The rooms: `grammar` (what `/reportar` lines say) and `deliverable_grammar`
(what `/entregable` says), `rules` (pure rules and limits), `wording` (how
statuses are written), `board`, `access` (whose deliverable it is), `routes`
(the buttons), `forms`, the use cases `reporting`, `deliverables` and
`checkins`, the planners in `planning` and the scheduled messages in `render`.
"""

from __future__ import annotations

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.handlers.status import checkins, deliverables, planning, render, reporting, routes
from cohorte.handlers.status.deliveries import (
    CHECKIN_DIGEST,
    CHECKIN_PROMPT,
    STATUS_CHANGED,
    STATUS_NUDGE,
)
from cohorte.locales import N_


def register(router: Router) -> None:
    """The status commands and buttons."""
    router.command(
        ("reportar", "report"),
        reporting.report,
        N_("report a deliverable's status: /reportar mapeo en curso “nota”"),
    )
    router.command(
        ("avances", "progress"),
        checkins.open_checkin,
        N_("answer the questions before your team's check-in session"),
    )
    router.command(
        ("entregable", "entregables", "deliverable"),
        deliverables.manage_deliverables,
        N_("deliverables: list, nuevo, ver, asignar, fecha, borrar"),
        coordinator_only=True,
    )
    router.button(routes.REPORT, reporting.report_again)
    router.button(routes.OLD_REPORT, reporting.report_again)
    router.button(routes.PICK_DELIVERABLE, reporting.pick_deliverable)
    router.button(routes.PICK_STATUS, reporting.pick_status)
    router.button(routes.RESOLVE_DRAFT, reporting.resolve_draft)
    router.button(routes.ASK_NOTE, reporting.ask_note)
    router.button(routes.SUBMIT_NOTE, reporting.submit_note)
    router.button(routes.SUBMIT_REPORT, reporting.submit_report_form)
    router.button(routes.OPEN_CHECKIN, checkins.answer_checkin)
    router.button(routes.SUBMIT_CHECKIN, checkins.submit_checkin)
    router.button(routes.CONFIRM_DELETE, deliverables.confirm_delete)


def register_capabilities(capabilities: Capabilities) -> None:
    """The status planners (check-ins, nudges, draft sweeping) and scheduled messages."""
    capabilities.planners.append(planning.plan_checkins)
    capabilities.planners.append(planning.plan_nudges)
    capabilities.planners.append(planning.sweep_old_drafts)
    capabilities.renderer(STATUS_CHANGED, render.render_change)
    capabilities.renderer(CHECKIN_PROMPT, render.render_checkin_prompt)
    capabilities.renderer(CHECKIN_DIGEST, render.render_checkin_digest, private=True)
    capabilities.renderer(STATUS_NUDGE, render.render_nudge)
