"""Who is coming: an answer to "¿Vas a asistir?", its receipt, and why not.

A press is as fast as a vote: the occurrence is read (to know its start, and
whether it moved or was cancelled), one statement writes the answer with the
membership check inside it (`storage.attendance.press_rsvp`), the group
reminder is queued for a refresh at most every `TALLY_EVERY`, and the receipt
is rendered after the commit. An answer can be changed until the session
starts; after "No" the person may say why (a one-question form).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohorte.handlers.agenda.deliveries import RSVP_TALLY, ReminderPayload
from cohorte.handlers.agenda.leads import leads_for
from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.agenda.routes import (
    RSVP_ASK_REASON,
    RSVP_REASON,
    RsvpPress,
    SessionCode,
    session_code,
)
from cohorte.handlers.agenda.rsvp_view import answer_of, latest_group_lead
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, NotMemberError
from cohorte.handlers.core.forms import text_answer
from cohorte.handlers.core.messages import Button, FieldKind, Form, FormField, Reply
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence, code_ref, parse_ref
from cohorte.storage import attendance
from cohorte.storage.attendance import RsvpAnswer
from cohorte.storage.models import Role

# The group reminder is refreshed at most this often (edits count against rate limits).
TALLY_EVERY = timedelta(seconds=30)
REASON_LIMIT = 200  # the `Rsvp.reason` column

_RECEIPTS = {
    RsvpAnswer.YES: N_("✅ Noted: you will attend *{title}*, {when}."),
    RsvpAnswer.MAYBE: N_("🤔 Noted: you may attend *{title}*, {when}."),
    RsvpAnswer.NO: N_("❌ Noted: you will not attend *{title}*, {when}."),
}


class SessionStartedError(CohortError):
    """An RSVP button pressed once its session has started."""

    message = N_(
        "The session has already started: answers can only be given or changed before it starts."
    )


async def _session_to_answer(ctx: Context, code: str) -> Occurrence:
    """The session a button names, if it can still be answered (else a refusal)."""
    cohort = ctx.cohort
    if ctx.person is None or ctx.person.id is None or cohort is None or ctx.member is None:
        raise NotMemberError()
    ref = code_ref(code)
    parse_ref(ref)  # ValueError: a forged button
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if occurrence is None:
        raise CohortError(N_("I cannot find that session in your cohort's calendar."))
    if occurrence.cancelled:
        raise CohortError(N_("That session was cancelled: there is nothing to answer."))
    if ctx.clock.now() >= occurrence.starts_at:
        raise SessionStartedError()
    member = ctx.member
    if (
        occurrence.kind == "checkin"
        and member.team_id != occurrence.team_id
        and member.role != Role.COORDINATOR
    ):
        raise CohortError(N_("That check-in is for another team."))
    return occurrence


async def press_rsvp(ctx: Context, press: RsvpPress) -> list[Reply]:
    """✅ Sí · 🤔 Tal vez · ❌ No: the sender's answer for one session, and its receipt."""
    occurrence = await _session_to_answer(ctx, press.code)
    cohort, person = ctx.cohort, ctx.person
    assert cohort is not None and cohort.id is not None and person is not None and person.id
    answer = answer_of(press.answer)
    now = ctx.clock.now()
    member_id = await attendance.press_rsvp(
        ctx.session, cohort.id, occurrence.ref, person.id, answer, now
    )
    if member_id is None:
        raise CohortError(N_("Only the members of this cohort can answer."))
    if occurrence.kind != "checkin":  # check-ins have no group reminder
        await refresh_group_reminder(ctx, occurrence)
    t, zone, in_group = ctx.t, ctx.zone, ctx.in_group

    async def receipt() -> list[Reply]:
        title = await occurrence_title(ctx.session, t, occurrence)
        lines = [t._(_RECEIPTS[answer], title=title, when=t.when(occurrence.starts_at, zone))]
        lines.append(t._("You can change your answer until it starts."))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if answer is RsvpAnswer.NO and not in_group:
            lines.append(t._("If you like, tell the coordination why (optional)."))
            ask = RSVP_ASK_REASON.payload(session_code(occurrence))
            buttons = ((Button(t._("Tell why"), ask),),)
        return [Reply("\n".join(lines), buttons, ephemeral=True)]

    return ctx.after_commit(receipt)


async def refresh_group_reminder(ctx: Context, occurrence: Occurrence) -> None:
    """Queue one refresh of the group reminder with the counts per `TALLY_EVERY` window,
    rendered at its end: the latest group reminder already sent is edited in place."""
    cohort = ctx.cohort
    assert cohort is not None
    now = ctx.clock.now()
    lead = latest_group_lead(leads_for(cohort, occurrence.kind), occurrence, now)
    if lead is None:
        return  # no group reminder with counts yet: the first one will show them
    window = int(now.timestamp() // TALLY_EVERY.total_seconds())
    stamp = int(occurrence.starts_at.timestamp())
    key = f"{occurrence.ref}:{stamp}:{lead}:t{window}"
    if f"rsvp-tally:{key}" in ctx.recent:
        return  # this process queued it already (the outbox's unique key is the judge)
    due = datetime.fromtimestamp((window + 1) * TALLY_EVERY.total_seconds(), UTC)
    await announce(
        ctx,
        RSVP_TALLY,
        key,
        ref=occurrence.ref,
        payload=ReminderPayload(occurrence.starts_at, lead),
        due_at=min(due, occurrence.starts_at),
        expires_at=occurrence.starts_at,
    )

    async def remember() -> list[Reply]:
        ctx.recent.add(f"rsvp-tally:{key}")
        return []

    ctx.after_commit(remember)


def reason_form(t: Translator, occurrence: Occurrence) -> Form:
    """One optional question: why the sender will not come."""
    return Form(
        title=t._("Why you will not attend"),
        submit=RSVP_REASON.payload(session_code(occurrence)),
        fields=(
            FormField(
                "reason",
                t._("In a few words, why you will not attend (for the coordination)"),
                FieldKind.LONG_TEXT,
                max_length=REASON_LIMIT,
            ),
        ),
    )


async def _said_no(ctx: Context, occurrence: Occurrence) -> int:
    """The sender's member id, if their answer for `occurrence` is "No" (else a refusal)."""
    member = ctx.member
    assert member is not None and member.id is not None
    found = await attendance.answers_of(ctx.session, occurrence.ref, member.id)
    if found is not RsvpAnswer.NO:
        raise CohortError(N_("Your answer for that session is not “No” any more."))
    return member.id


async def ask_reason(ctx: Context, press: SessionCode) -> list[Reply]:
    """'Contar por qué' after a "No": the one-question form (a modal, or a question)."""
    occurrence = await _session_to_answer(ctx, press.code)
    await _said_no(ctx, occurrence)
    if ctx.in_group:  # the answer, typed in the group, would be read by everyone
        raise CohortError(N_("Tell me why in a private message: press the button there."))
    return [Reply("", form=reason_form(ctx.t, occurrence))]


async def submit_reason(ctx: Context, press: SessionCode) -> list[Reply]:
    """The reason form came back: it is kept with the "No"."""
    occurrence = await _session_to_answer(ctx, press.code)
    member_id = await _said_no(ctx, occurrence)
    reason = text_answer(ctx.incoming.form_values, "reason", REASON_LIMIT)
    await attendance.set_rsvp_reason(ctx.session, occurrence.ref, member_id, reason)
    return [Reply(ctx.t._("Thank you, I noted it: “{reason}”.", reason=reason))]
