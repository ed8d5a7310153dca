"""An answer to "¿Qué tan útil fue? 1 a 5", its receipt, and the optional comment.

A press is a hot path, like an RSVP: the session is read from the calendar (it
ended, answers still open), then one statement writes the score with the checks
inside it (`storage.feedback.press_feedback`: a participant of the cohort who
attended, before the answers close). The answer can be changed until three days after the
session; after the score the person may add a comment (a one-question form: a
Slack modal, a guided question elsewhere), as after an RSVP "No".
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.forms import text_answer
from cohorte.handlers.core.messages import Button, FieldKind, Form, FormField, Reply
from cohorte.handlers.feedback.asking import closes_at, score_buttons
from cohorte.handlers.feedback.routes import ASK_COMMENT, COMMENT, ScorePress, SessionCode
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence, code_ref, parse_ref, ref_code
from cohorte.storage import feedback as answers
from cohorte.storage.feedback import COMMENT_LIMIT, HIGHEST_SCORE, LOWEST_SCORE, feedback_settings
from cohorte.storage.models import Role

PARTICIPANTS_ONLY = N_("Feedback is for participants: there is nothing to answer for you.")
ATTENDEES_ONLY = N_("Only those who attended {title} are asked about it.")


class FeedbackClosedError(CohortError):
    """A press once the answers about the session have closed."""

    message = N_(
        "The feedback on {title} has closed: answers are taken until three days after the session."
    )


async def _open_session(ctx: Context, code: str) -> Occurrence:
    """The session a button names, if it still takes answers (else a refusal)."""
    cohort, _ = ctx.require_member()
    ref = code_ref(code)
    parse_ref(ref)  # ValueError: a forged button
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None or not feedback_settings(cohort.feedback_settings).asks_after(
        occurrence.kind
    ):
        raise StaleButtonError()
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    if occurrence.cancelled:
        raise CohortError(N_("{title} was cancelled: there is nothing to answer."), title=title)
    now = ctx.clock.now()
    if now < occurrence.ends_at:
        raise CohortError(N_("{title} has not ended yet: tell us after it."), title=title)
    if now >= closes_at(occurrence):
        raise FeedbackClosedError(title=title)
    return occurrence


async def press_score(ctx: Context, press: ScorePress) -> list[Reply]:
    """1 · 2 · 3 · 4 · 5: the sender's answer about one session, and its receipt."""
    if not LOWEST_SCORE <= press.score <= HIGHEST_SCORE:
        raise ValueError(f"score out of range: {press.score}")  # a forged button
    occurrence = await _open_session(ctx, press.code)
    cohort, member = ctx.require_member()
    if ctx.person is None or ctx.person.id is None or cohort.id is None:
        raise NotMemberError()
    now = ctx.clock.now()
    member_id = await answers.press_feedback(
        ctx.session,
        cohort.id,
        occurrence.ref,
        ctx.person.id,
        press.score,
        now,
        closes_at(occurrence),
    )
    if member_id is None:
        if member.role != Role.PARTICIPANT:
            raise CohortError(PARTICIPANTS_ONLY)
        if member.id not in await answers.attendee_ids(ctx.session, cohort.id, occurrence.ref):
            title = await occurrence_title(ctx.session, ctx.t, occurrence)
            raise CohortError(ATTENDEES_ONLY, title=title)
        raise NotMemberError()
    t, zone, in_group, score = ctx.t, ctx.zone, ctx.in_group, press.score

    async def receipt() -> list[Reply]:
        title = await occurrence_title(ctx.session, t, occurrence)
        last_day = t.date(closes_at(occurrence).astimezone(ZoneInfo(zone)).date())
        lines = ["⭐ " + t._("Thank you: {score} of 5 for *{title}*.", score=score, title=title)]
        lines.append(t._("You can change it until {day}: choose another number.", day=last_day))
        buttons = score_buttons(occurrence)
        if not in_group:
            lines.append(t._("If you like, leave a comment for the coordination (optional)."))
            ask = ASK_COMMENT.payload(SessionCode(ref_code(occurrence.ref)))
            buttons += ((Button(t._("💬 Leave a comment"), ask),),)
        return [Reply("\n".join(lines), buttons, ephemeral=True)]

    return ctx.after_commit(receipt)


def comment_form(t: Translator, occurrence: Occurrence) -> Form:
    """One question: what the sender wants to tell about the session."""
    return Form(
        title=t._("Your comment"),
        submit=COMMENT.payload(SessionCode(ref_code(occurrence.ref))),
        fields=(
            FormField(
                "comment",
                t._("What would you like to tell the coordination about the session?"),
                FieldKind.LONG_TEXT,
                max_length=COMMENT_LIMIT,
            ),
        ),
    )


async def _answered(ctx: Context, occurrence: Occurrence) -> int:
    """The sender's member id, if they gave a score for `occurrence` (else a refusal)."""
    _, member = ctx.require_member()
    assert member.id is not None
    if await answers.feedback_by_member(ctx.session, occurrence.ref, member.id) is None:
        raise CohortError(N_("First choose a number from 1 to 5, then leave your comment."))
    return member.id


async def ask_comment(ctx: Context, press: SessionCode) -> list[Reply]:
    """'💬 Dejar un comentario' after a score: the one-question form."""
    occurrence = await _open_session(ctx, press.code)
    await _answered(ctx, occurrence)
    if ctx.in_group:  # the comment, typed in the group, would be read by everyone
        raise CohortError(N_("Leave your comment in a private message: press the button there."))
    return [Reply("", form=comment_form(ctx.t, occurrence))]


async def submit_comment(ctx: Context, press: SessionCode) -> list[Reply]:
    """The comment form came back: it is kept with the score."""
    occurrence = await _open_session(ctx, press.code)
    member_id = await _answered(ctx, occurrence)
    comment = text_answer(ctx.incoming.form_values, "comment", COMMENT_LIMIT)
    await answers.set_comment(ctx.session, occurrence.ref, member_id, comment, ctx.clock.now())
    return [Reply(ctx.t._("Thank you, I kept your comment: “{comment}”.", comment=comment))]
