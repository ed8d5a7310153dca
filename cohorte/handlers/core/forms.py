"""Guided forms: on platforms without modals a form becomes a short exchange.

The state lives in the database (`FormSession`), never in memory, so that it
survives restarts and works with several processes. When the last answer is
in, the answers come back to the form's handler exactly as a Slack modal
submission would: `Incoming.payload` is the form's `submit` id and
`Incoming.form_values` holds the answers.

Nothing of a form is kept before its last answer. So a form left half-way —
the sender wrote a command, or opened another form, or `/cancelar` — is
closed with a sentence that says so. An offer (`Form.offer`: one question
the reply's text asked, such as a note after a status change) waits for the
next message the same way, but lapses without a word.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import timedelta

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import (
    Button,
    FieldKind,
    Form,
    FormField,
    Incoming,
    Reply,
    button_rows,
)
from cohorte.locales import N_
from cohorte.locales.markup import literal
from cohorte.storage import forms as form_sessions
from cohorte.storage.models import FormSession

FORM_LIFETIME = timedelta(minutes=30)
# An offer waits less: a message written much later is about something else.
OFFER_LIFETIME = timedelta(minutes=10)
CHOICE_PREFIX = "ff"
SKIP = "-"


def form_to_json(form: Form) -> str:
    """A form as JSON, to keep it in the database while it is being answered."""
    return json.dumps(asdict(form), ensure_ascii=False)


def form_from_json(text: str) -> Form:
    """The form `form_to_json` wrote."""
    data = json.loads(text)
    fields = tuple(
        FormField(
            name=f["name"],
            label=f["label"],
            kind=FieldKind(f["kind"]),
            choices=tuple((value, label) for value, label in f["choices"]),
            required=f["required"],
            max_length=f["max_length"],
        )
        for f in data["fields"]
    )
    # Forms stored before offers existed have no "offer".
    return Form(
        title=data["title"], submit=data["submit"], fields=fields, offer=data.get("offer", False)
    )


_COHORT = "cohort"  # the stored form's key for the cohort it is about


async def _pending_form(ctx: Context) -> FormSession | None:
    incoming = ctx.incoming
    return await form_sessions.form_session_of(
        ctx.session, incoming.platform, incoming.chat_id, incoming.sender_id
    )


async def _store(ctx: Context, form: Form, lifetime: timedelta) -> None:
    incoming = ctx.incoming
    stored = json.loads(form_to_json(form))
    if ctx.cohort is not None and ctx.cohort.id is not None:
        # The cohort the form is about: a form begun in one cohort's group and answered
        # in private (where another cohort may be in use) is submitted to this one.
        stored[_COHORT] = ctx.cohort.id
    await form_sessions.start_form_session(
        ctx.session,
        incoming.platform,
        incoming.chat_id,
        incoming.sender_id,
        json.dumps(stored, ensure_ascii=False),
        ctx.clock.now() + lifetime,
    )


async def start_guided_form(ctx: Context, form: Form) -> Reply:
    """Store a new form exchange for the sender (replacing any other: `leave_guided_form`
    first, to say so) and ask question 1."""
    await _store(ctx, form, FORM_LIFETIME)
    if len(form.fields) == 1:
        intro = ctx.t._("{title} — /cancelar to stop.", title=form.title)
    else:
        intro = ctx.t._("{title} — answer a few questions; /cancelar to stop.", title=form.title)
    return _question(ctx, form, 0, intro)


async def await_answer(ctx: Context, offer: Form) -> None:
    """Take the sender's next message in this chat as the answer to `offer` (whose question
    the reply's text asked), for a short while."""
    await _store(ctx, offer, OFFER_LIFETIME)


def _question(ctx: Context, form: Form, step: int, intro: str = "") -> Reply:
    field = form.fields[step]
    label = literal(field.label)
    if len(form.fields) > 1:
        label = f"({step + 1}/{len(form.fields)}) {label}"
    buttons = [Button(text, f"{CHOICE_PREFIX}:{value}") for value, text in field.choices]
    if not field.required:
        buttons.append(Button(ctx.t._("Skip"), f"{CHOICE_PREFIX}:{SKIP}"))
    return Reply("\n".join(part for part in (intro, label) if part), button_rows(buttons))


async def has_guided_form(ctx: Context) -> bool:
    """Whether the sender is filling a form in this chat (one that has not expired)."""
    pending = await _pending_form(ctx)
    return pending is not None and pending.expires_at > ctx.clock.now()


async def _end(ctx: Context) -> Form | None:
    """End the sender's form or offer in this chat; the form, if it was a form."""
    pending = await _pending_form(ctx)
    if pending is None:
        return None
    await form_sessions.end_form_session(ctx.session, pending)
    form = form_from_json(pending.form)
    return None if form.offer else form


async def leave_guided_form(ctx: Context) -> str | None:
    """The sender moved on (a command, another form): their form in this chat is closed.

    Returns the sentence that tells them it was left unfinished and that nothing
    of it was saved; None when there was none, or only an offer (it lapses
    without a word).
    """
    form = await _end(ctx)
    if form is None:
        return None
    return ctx.t._(
        "I closed the form “{title}”, which was left unfinished: nothing of it was saved.",
        title=form.title,
    )


async def cancel_guided_form(ctx: Context) -> str | None:
    """/cancelar: stop the sender's form in this chat. Returns the sentence that says so
    (and that nothing of it was saved); None if there was no form to cancel."""
    form = await _end(ctx)
    if form is None:
        return None
    return ctx.t._(
        "Done, I cancelled the form “{title}”: nothing of it was saved.", title=form.title
    )


async def answer_guided_form(ctx: Context, answer: str, *, is_choice: bool) -> Incoming | None:
    """Record one answer. Returns the completed submission when it was the last one.

    Raises `CohortError` for an answer that does not fit the question (the
    exchange stays where it was, so the person can answer again).
    """
    pending = await _pending_form(ctx)
    if pending is None or pending.expires_at <= ctx.clock.now():
        if pending is not None:
            await form_sessions.end_form_session(ctx.session, pending)
        raise CohortError(N_("That form is no longer open. Start again with the command."))
    cohort_id = json.loads(pending.form).get(_COHORT)
    if isinstance(cohort_id, int) and ctx.cohorts > 1:
        # Every step is about the form's cohort: its next question is headed by it too.
        await ctx.enter_cohort(cohort_id)
    form = form_from_json(pending.form)
    field = form.fields[pending.step]
    value = _validate(field, answer.strip(), is_choice)
    answers = json.loads(pending.answers)
    answers[field.name] = value
    if pending.step + 1 < len(form.fields):
        pending.step += 1
        pending.answers = json.dumps(answers, ensure_ascii=False)
        pending.expires_at = ctx.clock.now() + FORM_LIFETIME
        return None
    await form_sessions.end_form_session(ctx.session, pending)
    return replace(ctx.incoming, text="", payload=form.submit, form_values=answers)


def text_answer(
    values: dict[str, str] | None, name: str, limit: int, *, one_line: bool = True
) -> str:
    """A submitted form's required text answer `name`: its spaces folded (`one_line`, else
    only trimmed); `CohortError` when it is empty or longer than `limit` characters (a
    modal checks this too, but a submission can be forged)."""
    raw = (values or {}).get(name, "")
    text = " ".join(raw.split()) if one_line else raw.strip()
    if not text:
        raise CohortError(N_("This question needs an answer."))
    _check_length(text, limit)
    return text


def _check_length(answer: str, limit: int) -> None:
    if len(answer) > limit:
        raise CohortError(
            N_("That answer is too long ({length} characters); the limit is {limit}."),
            length=len(answer),
            limit=limit,
        )


def _validate(field: FormField, answer: str, is_choice: bool) -> str:
    if answer == SKIP and is_choice and not field.required:
        return ""
    if field.kind is FieldKind.CHOICE:
        values = {value for value, _ in field.choices}
        if answer not in values:
            raise CohortError(N_("Please choose one of the buttons."))
        return answer
    if is_choice:
        raise CohortError(N_("Please answer by writing a message."))
    if not answer and field.required:
        raise CohortError(N_("This question needs an answer."))
    _check_length(answer, field.max_length)
    return answer


async def next_question(ctx: Context) -> Reply:
    """The question the sender's form is at."""
    pending = await _pending_form(ctx)
    assert pending is not None
    return _question(ctx, form_from_json(pending.form), pending.step)
