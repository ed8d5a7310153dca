"""What the answers say, for the coordination team: `/opiniones [CODIGO]` (count, average,
distribution and comments per session), `/opiniones destacar N` and its ⭐ buttons (the
comments the cohort report quotes), the week's new comments for the Monday digest, and
the rows of `/exportar opiniones`.

Names go with comments only here, and everything here is for coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import kind_label, occurrence_title
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.spreadsheets import time_cell
from cohorte.handlers.feedback.routes import HIGHLIGHT, FeedbackNumber
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_, Translator
from cohorte.locales.markup import literal
from cohorte.scheduling.recurrence import Occurrence, code_ref, ref_code
from cohorte.storage import feedback as answers
from cohorte.storage.cohorts import member_names, members_with_people, teams_of
from cohorte.storage.feedback import HIGHEST_SCORE, LOWEST_SCORE, Feedback
from cohorte.storage.models import Cohort
from cohorte.storage.types import parse_id

HIGHLIGHT_WORDS = ("destacar", "highlight")
MAX_BUTTONS = 12  # ⭐ buttons under one session's comments
MAX_CODE_SHOWN = 40


@dataclass
class SessionFeedback:
    """One session's answers, with the session (None: no longer on the calendar)."""

    ref: str
    occurrence: Occurrence | None
    answers: list[Feedback]

    @property
    def average(self) -> float:
        return sum(a.score for a in self.answers) / len(self.answers)

    def count(self, score: int) -> int:
        return sum(1 for a in self.answers if a.score == score)


async def feedback_by_session(
    session: AsyncSession, cohort: Cohort, *, ref: str | None = None
) -> list[SessionFeedback]:
    """The cohort's answers grouped by session, earliest session first (one session's
    with `ref`)."""
    grouped: dict[str, list[Feedback]] = {}
    for answer in await answers.feedback_of(session, cohort.id or 0, ref=ref):
        grouped.setdefault(answer.ref, []).append(answer)
    found = [
        SessionFeedback(ref, await find_occurrence(session, cohort, ref), rows)
        for ref, rows in grouped.items()
    ]
    return sorted(found, key=lambda s: (s.occurrence is None, _start(s), s.ref))


def _start(item: SessionFeedback) -> datetime:
    return item.occurrence.starts_at if item.occurrence else datetime.max.replace(tzinfo=UTC)


def average_text(t: Translator, value: float) -> str:
    """'4,3' in Spanish, '4.3' in English."""
    return format_decimal(value, format="0.0", locale=t.locale)


async def _title(session: AsyncSession, t: Translator, item: SessionFeedback) -> str:
    if item.occurrence is None:
        return ref_code(item.ref)
    return await occurrence_title(session, t, item.occurrence)


async def session_lines(
    session: AsyncSession,
    t: Translator,
    cohort: Cohort,
    item: SessionFeedback,
    names: dict[int, str],
    zone: str,
) -> list[str]:
    """'*Masterclass: Datos* · martes, 6 de mayo · código e1', the count and average, the
    distribution, then each comment with its number and its author."""
    title = await _title(session, t, item)
    head = t._("*{title}*", title=title)
    if item.occurrence is not None:
        head += " · " + t.date(item.occurrence.starts_at.astimezone(ZoneInfo(zone)).date())
    head += " · " + t._("code {code}", code=ref_code(item.ref))
    n = len(item.answers)
    lines = [head]
    lines.append(
        t.ngettext(
            "{n} answer · average {average} of 5",
            "{n} answers · average {average} of 5",
            n,
            average=average_text(t, item.average),
        )
    )
    lines.append(
        " · ".join(
            f"{score}★ {item.count(score)}" for score in range(HIGHEST_SCORE, LOWEST_SCORE - 1, -1)
        )
    )
    comments = [a for a in item.answers if a.comment]
    if comments:
        lines.append(t._("Comments:"))
        for answer in comments:
            star = " ⭐" if answer.highlighted else ""
            lines.append(
                f"• #{answer.id} "
                + t._(
                    "{name} ({score}): “{comment}”",
                    name=names.get(answer.member_id, "?"),
                    score=answer.score,
                    comment=answer.comment or "",
                )
                + star
            )
    return lines


async def opinions(ctx: Context, args: str) -> list[Reply]:
    """/opiniones [CODIGO] (coordinators): per session, how many answered, the average, the
    distribution and the comments; `/opiniones destacar N` marks a comment for the report."""
    cohort, _ = ctx.require_coordinator()
    if ctx.in_group:  # names and comments are for the coordination team only
        raise CohortError(N_("I show the feedback privately: write me /opiniones there."))
    words = args.split()
    if words and fold(words[0]) in HIGHLIGHT_WORDS:
        if len(words) != 2:
            raise CohortError(N_("Which comment? Write /opiniones destacar and its number (#)."))
        try:
            number = parse_id(words[1].lstrip("#"))
        except ValueError:
            raise CohortError(
                N_("Which comment? Write /opiniones destacar and its number (#).")
            ) from None
        return [await toggle_highlight(ctx, cohort, number)]
    t = ctx.t
    ref = None
    if words:
        ref = code_ref(words[0])
        occurrence = await find_occurrence(ctx.session, cohort, ref)
        if occurrence is None:
            raise CohortError(
                N_(
                    "I cannot find the session “{code}”. Use the code /proximas shows, "
                    "for example e12 or s3/2025-05-06."
                ),
                code=words[0][:MAX_CODE_SHOWN],
            )
    found = await feedback_by_session(ctx.session, cohort, ref=ref)
    if not found:
        return [Reply(t._("No feedback yet."))]
    names = await member_names(ctx.session, cohort.id or 0)
    lines = ["📝 " + t._("*Feedback on the sessions* · {cohort}", cohort=cohort.name)]
    for item in found:
        lines.append("")
        lines += await session_lines(ctx.session, t, cohort, item, names, ctx.zone)
    buttons: list[Button] = []
    if ref is not None:
        for answer in [a for a in found[0].answers if a.comment][:MAX_BUTTONS]:
            number = answer.id or 0
            label = t._("Remove ⭐ #{n}", n=number) if answer.highlighted else f"⭐ #{number}"
            buttons.append(Button(label, HIGHLIGHT.payload(FeedbackNumber(number))))
        if buttons:
            lines += ["", t._("⭐ marks a comment for the cohort report.")]
    else:
        lines += ["", t._("One session: /opiniones CODE. Highlight: /opiniones destacar N.")]
    return [Reply("\n".join(lines), button_rows(buttons, per_row=4))]


async def press_highlight(ctx: Context, press: FeedbackNumber) -> list[Reply]:
    """A ⭐ button under a session's comments (coordinators): mark or unmark it."""
    cohort, _ = ctx.require_coordinator()
    return [await toggle_highlight(ctx, cohort, press.feedback)]


async def toggle_highlight(ctx: Context, cohort: Cohort, number: int) -> Reply:
    """Mark a comment for the cohort report, or unmark it if it was marked."""
    found = await answers.feedback_by_id(ctx.session, cohort.id or 0, number)
    if found is None or not found.comment:
        raise CohortError(N_("There is no comment #{n} in this cohort."), n=number)
    highlighted = not found.highlighted
    await answers.set_highlighted(ctx.session, cohort.id or 0, number, highlighted)
    t = ctx.t
    if highlighted:
        return Reply("⭐ " + t._("Highlighted for the report: “{comment}”.", comment=found.comment))
    return Reply(t._("No longer highlighted: “{comment}”.", comment=found.comment))


async def new_comment_lines(
    session: AsyncSession, t: Translator, cohort: Cohort, since: datetime
) -> list[str]:
    """The comments given or changed since `since`, for the coordinators' digest."""
    comments = await answers.comments_since(session, cohort.id or 0, since)
    if not comments:
        return []
    names = await member_names(session, cohort.id or 0)
    titles: dict[str, str] = {}
    lines = ["", "💬 " + t._("*New comments on the sessions* ({n})", n=len(comments))]
    for answer in comments:
        if answer.ref not in titles:
            occurrence = await find_occurrence(session, cohort, answer.ref)
            titles[answer.ref] = (
                await occurrence_title(session, t, occurrence)
                if occurrence
                else literal(ref_code(answer.ref))
            )
        lines.append(
            "• "
            + t._(
                "{title} — {name} ({score}): “{comment}”",
                title=titles[answer.ref],
                name=names.get(answer.member_id, "?"),
                score=answer.score,
                comment=answer.comment or "",
            )
        )
    lines.append(t._("All the feedback: /opiniones"))
    return lines


async def feedback_table(
    session: AsyncSession, cohort: Cohort, t: Translator
) -> tuple[list[str], list[list[object]]]:
    """The rows of `/exportar opiniones`: one per answer, sessions in calendar order."""
    t = t.plain  # titles and comments are people's words: plain in a cell
    zone = cohort.home_zone
    by_member = {
        member.id: (person.display_name, member.team_id)
        for member, person in await members_with_people(session, cohort.id or 0)
    }
    teams = {team.id: team.name for team in await teams_of(session, cohort.id or 0)}
    at = f"({t.zone_label(zone)})"
    header = [t._("Session"), t._("Code"), f"{t._('Date and time')} {at}", t._("Kind")]
    header += [t._("Person"), t._("Team"), t._("Score"), t._("Comment"), t._("Highlighted")]
    header += [f"{t._('Answered on')} {at}"]
    yes, no = t._("yes"), t._("no")
    rows: list[list[object]] = []
    for item in await feedback_by_session(session, cohort):
        occurrence = item.occurrence
        title = await _title(session, t, item)
        start = time_cell(occurrence.starts_at, zone) if occurrence else ""
        kind = kind_label(t, occurrence.kind) if occurrence else ""
        for answer in item.answers:
            name, team_id = by_member.get(answer.member_id, ("", None))
            row: list[object] = [title, ref_code(item.ref), start, kind, name]
            row += [teams.get(team_id, ""), answer.score, answer.comment or ""]
            row += [yes if answer.highlighted else no, time_cell(answer.answered_at, zone)]
            rows.append(row)
    return header, rows
