"""The forms of deliverable status: a report, a note on a change, the check-in questions.

Each platform shows a form its own way (a Slack modal, guided questions in
Telegram and the console); its submit id is the button route that takes the answers.
A note carries its link in its own text (`grammar.split_link`) and is the last
question of its form, so that it is kept as soon as it is typed.
"""

from __future__ import annotations

from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.messages import FieldKind, Form, FormField
from cohorte.handlers.status.routes import (
    SUBMIT_CHECKIN,
    SUBMIT_NOTE,
    SUBMIT_REPORT,
    OfCheckin,
    OfUpdate,
)
from cohorte.handlers.status.rules import LINK_LIMIT, NOTE_LIMIT, STATUS_ORDER, StatusCode
from cohorte.handlers.status.wording import BUTTON_TITLE_CHARS, shorten, status_tag
from cohorte.locales import Translator
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Team


def report_form(t: Translator, team: Team, mine: list[Deliverable]) -> Form:
    """Which deliverable, its status, an optional note and link."""
    return Form(
        title=t._("Deliverable status — {team}", team=team.name),
        submit=SUBMIT_REPORT.payload(NoFields()),
        fields=(
            FormField(
                "deliverable",
                t._("Which deliverable?"),
                FieldKind.CHOICE,
                tuple((str(d.id), shorten(d.title, BUTTON_TITLE_CHARS)) for d in mine),
            ),
            FormField(
                "status",
                t._("Its status?"),
                FieldKind.CHOICE,
                tuple((StatusCode.of(s).value, status_tag(t, s)) for s in STATUS_ORDER),
            ),
            FormField(
                "note",
                t._(
                    "A note for the team and the coordination, with a link to the document "
                    "if you like (optional)"
                ),
                FieldKind.LONG_TEXT,
                required=False,
                max_length=NOTE_LIMIT + LINK_LIMIT,
            ),
        ),
    )


def note_form(
    t: Translator, deliverable: Deliverable, update_id: int, *, offer: bool = False
) -> Form:
    """A note (which may carry a link) on the change `update_id`; as an `offer`, the
    sender's next message is that note."""
    if offer:
        question = t._("If you want to add a note, just write it now (it may include a link).")
    else:
        question = t._("Your note (it may include a link to the document)")
    return Form(
        title=t._("Note on {title}", title=shorten(deliverable.title, 60)),
        submit=SUBMIT_NOTE.payload(OfUpdate(update_id)),
        fields=(
            FormField(
                "note", question, FieldKind.LONG_TEXT, max_length=NOTE_LIMIT + LINK_LIMIT
            ),
        ),
        offer=offer,
    )


def checkin_form(title: str, questions: list[str], ref: str) -> Form:
    """The check-in questions `q1`, `q2`, … (all optional) before the session `ref`."""
    fields = tuple(
        FormField(
            f"q{number}", question, FieldKind.LONG_TEXT, required=False, max_length=NOTE_LIMIT
        )
        for number, question in enumerate(questions, start=1)
    )
    return Form(title=title, submit=SUBMIT_CHECKIN.payload(OfCheckin.of(ref)), fields=fields)
