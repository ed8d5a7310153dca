"""Feedback on the sessions: after each Masterclass and the Showtime (per cohort: which
kinds ask, and the question), the attendees are asked privately "¿Qué tan útil fue? 1 a
5", then for an optional comment; the coordination team reads the answers.

Builds on attendance (who was present) and the agenda (the sessions and the answers to
"¿Vas a asistir?"). Modules: `asking` whom to ask, the planner and the two scheduled
messages (the question and its one nudge), `answering` the press, its receipt and the
comment form, `opinions` `/opiniones` (with `destacar`), the digest's lines and the
export's rows, `routes` the buttons, `deliveries` the scheduled kinds.
"""

from __future__ import annotations

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.handlers.feedback.answering import ask_comment, press_score, submit_comment
from cohorte.handlers.feedback.asking import plan_feedback, render_ask, render_nudge
from cohorte.handlers.feedback.deliveries import FEEDBACK_ASK, FEEDBACK_NUDGE
from cohorte.handlers.feedback.opinions import opinions, press_highlight
from cohorte.handlers.feedback.routes import ASK_COMMENT, COMMENT, HIGHLIGHT, SCORE
from cohorte.locales import N_


def register(router: Router) -> None:
    """The feedback's command and buttons."""
    router.command(
        ("opiniones", "feedback"),
        opinions,
        N_(
            "what participants said about each session: answers, average, comments "
            "(/opiniones CODIGO, /opiniones destacar N)"
        ),
        coordinator_only=True,
        after_end=True,
    )
    # The Showtime's feedback is asked for after it, when the cohort has ended.
    router.button(SCORE, press_score, after_end=True)
    router.button(ASK_COMMENT, ask_comment, after_end=True)
    router.button(COMMENT, submit_comment, after_end=True)
    router.button(HIGHLIGHT, press_highlight)


def register_capabilities(capabilities: Capabilities) -> None:
    """The feedback's planner and its two private messages."""
    capabilities.planners.append(plan_feedback)
    capabilities.renderer(FEEDBACK_ASK, render_ask, private=True)
    capabilities.renderer(FEEDBACK_NUDGE, render_nudge, private=True)
