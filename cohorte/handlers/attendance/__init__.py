"""Attendance: who came to each session, and what follows for those who missed it.

Who is coming (the answers to "¿Vas a asistir?") belongs to the agenda, next
to the reminders that ask; this package builds on those answers and on the
agenda's occurrences.
"""

from __future__ import annotations

from cohorte.handlers.attendance import imports
from cohorte.handlers.attendance.commands import attendance_command
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The attendance commands and buttons."""
    imports.register(router)
    router.command(
        ("asistencia", "attendance"),
        attendance_command,
        N_("who came to each session: /asistencia tablero"),
        coordinator_only=True,
    )


def register_capabilities(capabilities: Capabilities) -> None:
    """The attendance planners and scheduled messages."""
