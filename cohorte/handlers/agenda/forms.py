"""The agenda's forms: a new session, and a session's new time."""

from __future__ import annotations

from cohorte.handlers.agenda.routes import MOVE, NEW_SESSION, session_code
from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.messages import FieldKind, Form, FormField
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import Occurrence


def new_session_form(t: Translator) -> Form:
    """Kind, title, day and time, and an optional link of a new one-off session."""
    return Form(
        title=t._("New session"),
        submit=NEW_SESSION.payload(NoFields()),
        fields=(
            FormField(
                "kind",
                t._("What kind of session?"),
                FieldKind.CHOICE,
                (("masterclass", "Masterclass"), ("showtime", t._("Final session (Showtime)"))),
            ),
            FormField("title", t._("Title?"), max_length=200),
            FormField("when", t._("Day and time (e.g. 6 de mayo 10:00)?"), max_length=60),
            FormField("link", t._("Meeting link (optional)?"), required=False, max_length=500),
        ),
    )


def move_form(t: Translator, occurrence: Occurrence) -> Form:
    """The new day and time of `occurrence`."""
    return Form(
        title=t._("Move a session"),
        submit=MOVE.payload(session_code(occurrence)),
        fields=(FormField("when", t._("New day and time (e.g. 7 de mayo 10:00)?"), max_length=60),),
    )
