"""Attendance: who came to each session, and what follows for those who missed it.

Who is coming (the answers to "¿Vas a asistir?") belongs to the agenda, next
to the reminders that ask; this package builds on those answers and on the
agenda's occurrences.

Modules: `roster` holds the shared rules (whom a session expects, which
session a code names, how a record reads), `presence` the "Empezamos"
message and its "✋ Estoy aquí" press, `commands` /asistencia (the roster and
the coordinators' marks, one's own record), `followup` "Te extrañamos en …"
the day after, `planning` their one planner, `routes` the buttons,
`deliveries` the scheduled kinds; `matrix` people × sessions and its rates (every view
reads it), `board` and `picture` `/asistencia tablero`; `imports/` a meeting tool's
participant report.
"""

from __future__ import annotations

from cohorte.handlers.attendance import imports
from cohorte.handlers.attendance.commands import (
    attendance_command,
    mark_member,
    pick_member,
    turn_page,
)
from cohorte.handlers.attendance.deliveries import SESSION_MISSED, SESSION_STARTED
from cohorte.handlers.attendance.followup import render_missed
from cohorte.handlers.attendance.planning import plan_attendance
from cohorte.handlers.attendance.presence import press_here, render_started
from cohorte.handlers.attendance.routes import HERE, MARK, PICK, ROSTER_PAGE
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The attendance commands and buttons."""
    imports.register(router)
    router.command(
        ("asistencia", "attendance"),
        attendance_command,
        N_(
            "who came to a session (coordinators: mark them; /asistencia tablero), "
            "or your own record"
        ),
        after_end=True,
    )
    router.button(HERE, press_here)
    router.button(ROSTER_PAGE, turn_page)
    router.button(PICK, pick_member)
    router.button(MARK, mark_member)


def register_capabilities(capabilities: Capabilities) -> None:
    """The attendance planners and scheduled messages."""
    capabilities.planners.append(plan_attendance)
    capabilities.renderer(SESSION_STARTED, render_started)
    capabilities.renderer(SESSION_MISSED, render_missed, private=True)
