"""The feedback's buttons and form submission, each declared once with its fields.

A session travels as the code people type ('e12', 's3/2025-05-06'); the longest
payload (`fb:s2147483647/2025-05-06:5`) stays well under Telegram's 64 bytes.
Prefixes and field orders never change: buttons already in people's chats must
keep working.
"""

from __future__ import annotations

from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute, of_row, of_session
from cohorte.locales import N_


class SessionCode(NamedTuple):
    """A session as a button carries it: its code."""

    code: str


class ScorePress(NamedTuple):
    """An answer to "¿Qué tan útil fue? 1 a 5": the session and the score."""

    code: str
    score: int


class FeedbackNumber(NamedTuple):
    """An answer with a comment, by its number (`/opiniones destacar N`)."""

    feedback: int


SCORE_BUSY = N_("I could not record your answer right now. Press the button again in a moment.")

SCORE = ButtonRoute("fb", ScorePress, busy=SCORE_BUSY, cohort=of_session())  # 1 · 2 · 3 · 4 · 5
ASK_COMMENT = ButtonRoute(
    "fbq", SessionCode, cohort=of_session()
)  # "💬 Dejar un comentario": opens the form
COMMENT = ButtonRoute("fbc", SessionCode, cohort=of_session())  # the comment form's submission
HIGHLIGHT = ButtonRoute(
    "fbh", FeedbackNumber, cohort=of_row("feedback", "feedback")
)  # a coordinator's ⭐ on a comment
