"""The async check-in: a team's members answer a few questions before their session.

`/avances` (or the button of the reminder two days before) opens the questions
of the team's next check-in; the answers reach the coordinators as one digest
two hours before the session (see `render.render_checkin_digest`).
"""

from __future__ import annotations

from datetime import timedelta

from cohorte.handlers.agenda.occurrences import (
    cohort_occurrences,
    ensure_checkin_series,
    find_occurrence,
)
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.status.access import require_team
from cohorte.handlers.status.forms import checkin_form
from cohorte.handlers.status.routes import OfCheckin
from cohorte.handlers.status.rules import checkin_questions, clean_note, local_today, row_id
from cohorte.locales import N_
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.checkins import save_answers
from cohorte.storage.models import Cohort, Team


async def _team_checkin(ctx: Context, cohort: Cohort, team: Team, ref: str) -> Occurrence:
    """The team's check-in `ref`, still to come; a stale button otherwise."""
    occurrence = await find_occurrence(ctx.session, cohort, ref)
    if (
        occurrence is None
        or occurrence.kind != "checkin"
        or occurrence.team_id != team.id
        or occurrence.cancelled
    ):
        raise StaleButtonError()
    if occurrence.starts_at <= ctx.clock.now():
        raise CohortError(N_("That check-in session already started; the questions are closed."))
    return occurrence


async def open_checkin(ctx: Context, _args: str) -> list[Reply]:
    """/avances: the questions before the team's next check-in session."""
    cohort, _, team = require_team(ctx)
    now = ctx.clock.now()
    await ensure_checkin_series(ctx.session, cohort, now)
    upcoming = [
        o
        for o in await cohort_occurrences(
            ctx.session, cohort, now, now + timedelta(days=15), team_id=team.id
        )
        if o.kind == "checkin" and o.team_id == team.id
    ]
    if not upcoming:
        raise CohortError(
            N_("The {team} team has no check-in session in the next two weeks."), team=team.name
        )
    return await _questions(ctx, upcoming[0].ref)


async def answer_checkin(ctx: Context, press: OfCheckin) -> list[Reply]:
    """The “Answer now” button of the check-in reminder: the questions."""
    return await _questions(ctx, press.ref)


async def _questions(ctx: Context, ref: str) -> list[Reply]:
    cohort, _, team = require_team(ctx)
    occurrence = await _team_checkin(ctx, cohort, team, ref)
    t = ctx.t
    title = t._(
        "Before the check-in of {date}",
        date=t.date(local_today(occurrence.starts_at, ctx.zone)),
    )
    return [Reply("", form=checkin_form(title, checkin_questions(cohort, t), ref))]


async def submit_checkin(ctx: Context, press: OfCheckin) -> list[Reply]:
    """The check-in form came back: answers are kept (a second answer replaces the first)."""
    cohort, member, team = require_team(ctx)
    ref = press.ref
    occurrence = await _team_checkin(ctx, cohort, team, ref)
    values = ctx.incoming.form_values or {}
    t = ctx.t
    answers: dict[str, str] = {}
    for number, question in enumerate(checkin_questions(cohort, t), start=1):
        answer, _ = clean_note(values.get(f"q{number}"))
        if answer:
            answers[question] = answer
    if not answers:
        raise CohortError(N_("You left every question empty, so there is nothing to send."))
    await save_answers(
        ctx.session,
        cohort_id=row_id(cohort.id),
        team_id=row_id(team.id),
        ref=ref,
        member_id=row_id(member.id),
        answers=answers,
        now=ctx.clock.now(),
    )
    return [
        Reply(
            t._(
                "Thank you! The coordination team will read your answers before the session "
                "on {when}.",
                when=t.when(occurrence.starts_at, ctx.zone),
            )
        )
    ]
