"""Guided forms: on platforms without modals a form becomes a short exchange.

The state lives in the database (`FormSession`), never in memory, so that it
survives restarts and works with several processes. When the last answer is
in, the answers come back to the form's handler exactly as a Slack modal
submission would: `Incoming.payload` is the form's `submit` id and
`Incoming.form_values` holds the answers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import timedelta

from sqlmodel import select

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
from cohorte.storage.models import FormSession

FORM_LIFETIME = timedelta(minutes=30)
CHOICE_PREFIX = "ff"
SKIP = "-"


def form_to_json(form: Form) -> str:
    return json.dumps(asdict(form), ensure_ascii=False)


def form_from_json(text: str) -> Form:
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
    return Form(title=data["title"], submit=data["submit"], fields=fields)


async def _session_for(ctx: Context) -> FormSession | None:
    incoming = ctx.incoming
    statement = select(FormSession).where(
        FormSession.platform == incoming.platform,
        FormSession.chat_id == incoming.chat_id,
        FormSession.user_id == incoming.sender_id,
    )
    return (await ctx.session.exec(statement)).first()


async def start_guided_form(ctx: Context, form: Form) -> Reply:
    """Store a new form exchange for the sender (replacing any other) and ask question 1."""
    existing = await _session_for(ctx)
    if existing is not None:
        await ctx.session.delete(existing)
        await ctx.session.flush()
    incoming = ctx.incoming
    ctx.session.add(
        FormSession(
            platform=incoming.platform,
            chat_id=incoming.chat_id,
            user_id=incoming.sender_id,
            form=form_to_json(form),
            expires_at=ctx.clock.now() + FORM_LIFETIME,
        )
    )
    intro = ctx.t._("{title} — answer a few questions; /cancelar to stop.", title=form.title)
    return _question(ctx, form, 0, intro)


def _question(ctx: Context, form: Form, step: int, intro: str = "") -> Reply:
    field = form.fields[step]
    label = f"({step + 1}/{len(form.fields)}) {field.label}"
    buttons = [Button(text, f"{CHOICE_PREFIX}:{value}") for value, text in field.choices]
    if not field.required:
        buttons.append(Button(ctx.t._("Skip"), f"{CHOICE_PREFIX}:{SKIP}"))
    return Reply("\n".join(part for part in (intro, label) if part), button_rows(buttons))


async def has_guided_form(ctx: Context) -> bool:
    session = await _session_for(ctx)
    return session is not None and session.expires_at > ctx.clock.now()


async def cancel_guided_form(ctx: Context) -> bool:
    session = await _session_for(ctx)
    if session is None:
        return False
    await ctx.session.delete(session)
    return True


async def answer_guided_form(ctx: Context, answer: str, *, is_choice: bool) -> Incoming | None:
    """Record one answer. Returns the completed submission when it was the last one.

    Raises `CohortError` for an answer that does not fit the question (the
    exchange stays where it was, so the person can answer again).
    """
    session = await _session_for(ctx)
    if session is None or session.expires_at <= ctx.clock.now():
        if session is not None:
            await ctx.session.delete(session)
        raise CohortError(N_("That form is no longer open. Start again with the command."))
    form = form_from_json(session.form)
    field = form.fields[session.step]
    value = _validate(field, answer.strip(), is_choice)
    answers = json.loads(session.answers)
    answers[field.name] = value
    if session.step + 1 < len(form.fields):
        session.step += 1
        session.answers = json.dumps(answers, ensure_ascii=False)
        session.expires_at = ctx.clock.now() + FORM_LIFETIME
        ctx.session.add(session)
        return None
    await ctx.session.delete(session)
    return replace(ctx.incoming, text="", payload=form.submit, form_values=answers)


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
    if len(answer) > field.max_length:
        raise CohortError(
            N_("That answer is too long ({length} characters); the limit is {limit}."),
            length=len(answer),
            limit=field.max_length,
        )
    return answer


async def next_question(ctx: Context) -> Reply:
    session = await _session_for(ctx)
    assert session is not None
    return _question(ctx, form_from_json(session.form), session.step)
