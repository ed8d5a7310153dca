"""/asistencia: the attendance command's words, each to its handler.

A minimal dispatcher for `/asistencia tablero`; the roster of a session
(`/asistencia [CODIGO]`) joins it here.
"""

from __future__ import annotations

from cohorte.handlers.attendance.board import show_board
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_

BOARD_WORDS = frozenset({"tablero", "board", "matriz", "matrix"})


class UnknownAttendanceWordError(CohortError):
    message = N_("Write /asistencia tablero to see who came to each session.")


async def attendance_command(ctx: Context, text: str) -> list[Reply]:
    """/asistencia tablero (coordinators): people × sessions, as text and as a picture."""
    word, _, rest = text.strip().partition(" ")
    if fold(word) in BOARD_WORDS:
        return await show_board(ctx, rest)
    ctx.require_coordinator()
    raise UnknownAttendanceWordError()
