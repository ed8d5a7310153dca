"""The agenda's buttons and form submissions, each declared once with its fields.

The payload texts are those of the buttons already sitting in chats
(`sm:e12`, `scx:s3/2025-05-06`, `an:7:l`, `scl:7:k`, `ra:s3/2025-05-06:y`): they must keep working.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.agenda.clashes import ClashChoice
from cohorte.handlers.core.buttons import ButtonRoute, NoFields, of_row, of_session
from cohorte.locales import N_
from cohorte.scheduling.recurrence import Occurrence, ref_code


class SessionCode(NamedTuple):
    """An occurrence as a button carries it: its code ('e12', 's3/2025-05-06')."""

    code: str


class WhenToSend(StrEnum):
    """The answer to "schedule it, or send it now as it is?"."""

    SCHEDULED = "l"  # later: what follows the day and time, at that moment
    AS_TYPED = "n"  # now: the whole text, the day and time included


class DraftAnswer(NamedTuple):
    """An announcement kept in the database (its id) and what to do with it."""

    draft: int
    when: WhenToSend


class ClashAnswer(NamedTuple):
    """An answer to "this clashes with other sessions: go ahead?": the waiting change (a
    `PendingChange` id; what to do is read from that row) and the answer."""

    change: int
    choice: ClashChoice


NEW_SESSION = ButtonRoute("sn", NoFields)  # the new-session form's submission
ASK_MOVE = ButtonRoute(
    "sm", SessionCode, cohort=of_session()
)  # "Move the next one": opens the move form
MOVE = ButtonRoute("smv", SessionCode, cohort=of_session())  # the move form's submission
ASK_CANCEL = ButtonRoute(
    "sc", SessionCode, cohort=of_session()
)  # "Cancel the next one": asks to confirm
CANCEL = ButtonRoute("scx", SessionCode, cohort=of_session())  # "Yes, cancel it"
ANSWER_ANNOUNCEMENT = ButtonRoute(
    "an", DraftAnswer, cohort=of_row("draft", "draft")
)  # "Schedule it" / "Send it now as it is"
ANSWER_CLASH = ButtonRoute(
    "scl", ClashAnswer, cohort=of_row("change", "change")
)  # "Yes, anyway" / "No, leave it" to a clash


def session_code(occurrence: Occurrence) -> SessionCode:
    """The button fields that name `occurrence`."""
    return SessionCode(ref_code(occurrence.ref))


class RsvpCode(StrEnum):
    """An answer to "¿Vas a asistir?" as its button carries it."""

    YES = "y"
    MAYBE = "m"
    NO = "n"


class RsvpPress(NamedTuple):
    """An RSVP button: the session's code ('s3/2025-05-06', 'e12') and the answer."""

    code: str
    answer: RsvpCode


RSVP_BUSY = N_("We could not record your answer. Please try again in a few seconds.")
# ✅ Sí · 🤔 Tal vez · ❌ No under a reminder or /proximas (`ra:s3/2025-05-06:y`).
RSVP = ButtonRoute("ra", RsvpPress, busy=RSVP_BUSY, cohort=of_session())
RSVP_ASK_REASON = ButtonRoute(
    "rq", SessionCode, cohort=of_session()
)  # "Contar por qué" after a "No"
RSVP_REASON = ButtonRoute("rqf", SessionCode, cohort=of_session())  # the reason form's submission
