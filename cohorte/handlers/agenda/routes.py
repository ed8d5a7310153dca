"""The agenda's buttons and form submissions, each declared once with its fields.

The payload texts are those of the buttons already sitting in chats
(`sm:e12`, `scx:s3/2025-05-06`, `scl:7:k`): they must keep working.
"""

from __future__ import annotations

from typing import NamedTuple

from cohorte.handlers.agenda.clashes import ClashChoice
from cohorte.handlers.core.buttons import ButtonRoute, NoFields
from cohorte.scheduling.recurrence import Occurrence, ref_code


class SessionCode(NamedTuple):
    """An occurrence as a button carries it: its code ('e12', 's3/2025-05-06')."""

    code: str


class ClashAnswer(NamedTuple):
    """An answer to "this clashes with other sessions: go ahead?": the waiting change (a
    `PendingChange` id; what to do is read from that row) and the answer."""

    change: int
    choice: ClashChoice


NEW_SESSION = ButtonRoute("sn", NoFields)  # the new-session form's submission
ASK_MOVE = ButtonRoute("sm", SessionCode)  # "Move the next one": opens the move form
MOVE = ButtonRoute("smv", SessionCode)  # the move form's submission
ASK_CANCEL = ButtonRoute("sc", SessionCode)  # "Cancel the next one": asks to confirm
CANCEL = ButtonRoute("scx", SessionCode)  # "Yes, cancel it"
ANSWER_CLASH = ButtonRoute("scl", ClashAnswer)  # "Yes, anyway" / "No, leave it" to a clash


def session_code(occurrence: Occurrence) -> SessionCode:
    """The button fields that name `occurrence`."""
    return SessionCode(ref_code(occurrence.ref))
