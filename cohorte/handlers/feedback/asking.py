"""After a session: "¿Qué tan útil fue? 1 a 5" to those who attended, privately, and at
most one nudge a day later.

Which sessions ask, and the question, are the cohort's (`storage.feedback.
feedback_settings`: by default each Masterclass and the Showtime, with the
catalog's question). The attendees are the participants recorded present;
when nobody's attendance was taken for the session, the participants who did
not answer "No" to "¿Vas a asistir?" (`storage.feedback.attendee_ids`, the
rule the press checks too).

Planning (`plan_feedback`, on every scheduler tick): for every session that
ended within the last `CLOSES_AFTER`, each attendee gets two private rows,
keyed by the occurrence and the person: the question, due `ASK_AFTER` the end,
and the nudge, due `NUDGE_AFTER` the end; the question is stale after
`ASK_STALE_AFTER` (after downtime, it never comes just before its nudge: one
message, not two), the nudge once the answers close. The renderers read the
records again at send time: someone no longer counted as an attendee
(attendance taken since) gets nothing, and the nudge is not sent to who
answered. Both kinds are private only: where the bot
cannot write to someone privately, they are skipped, never asked in the group.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.grammar import MAX_DURATION
from cohorte.handlers.agenda.occurrences import occurrence_for, occurrences_of
from cohorte.handlers.agenda.reminders import following_up_cohorts
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.feedback.deliveries import FEEDBACK_ASK, FEEDBACK_NUDGE, FeedbackPayload
from cohorte.handlers.feedback.routes import SCORE, ScorePress
from cohorte.locales import N_, Translator
from cohorte.scheduling.outbox import Planned, enqueue
from cohorte.scheduling.recurrence import Occurrence, ref_code
from cohorte.storage import feedback as answers
from cohorte.storage.cohorts import members_of_cohorts
from cohorte.storage.feedback import HIGHEST_SCORE, LOWEST_SCORE, feedback_settings
from cohorte.storage.models import Cohort, Member

ASK_AFTER = timedelta(minutes=10)  # the question goes this long after the end
NUDGE_AFTER = timedelta(days=1)  # the one nudge, if still unanswered
# Later than this the question is dropped and the nudge, which asks the same, comes alone.
ASK_STALE_AFTER = NUDGE_AFTER / 2
CLOSES_AFTER = timedelta(days=3)  # answers are taken (and changed) until then
_LONGEST_SESSION = timedelta(minutes=MAX_DURATION)


def closes_at(occurrence: Occurrence) -> datetime:
    """When the answers about a session close: three days after its end."""
    return occurrence.ends_at + CLOSES_AFTER


def question_of(t: Translator, cohort: Cohort) -> str:
    """The cohort's own question, else the catalog's "¿Qué tan útil fue? 1 a 5"."""
    return feedback_settings(cohort.feedback_settings).question or t._("How useful was it? 1 to 5")


async def plan_feedback(session: AsyncSession, now: datetime) -> None:
    """Queue the question and the nudge for the attendees of the sessions that ended and
    still take answers."""
    cohorts = await following_up_cohorts(session, now, CLOSES_AFTER)
    if not cohorts:
        return
    found = await occurrences_of(session, cohorts, now - CLOSES_AFTER - _LONGEST_SESSION, now)
    by_id = {cohort.id: cohort for cohort in cohorts}
    ended = {
        cohort_id: [
            o
            for o in occurrences
            if o.ends_at <= now < closes_at(o)
            and feedback_settings(by_id[cohort_id].feedback_settings).asks_after(o.kind)
        ]
        for cohort_id, occurrences in found.items()
    }
    busy = [cohort_id for cohort_id, occurrences in ended.items() if occurrences]
    if not busy:
        return
    members: dict[int, list[Member]] = {}
    for member in await members_of_cohorts(session, busy):
        members.setdefault(member.cohort_id, []).append(member)
    planned: list[Planned] = []
    for cohort_id in busy:
        for occurrence in ended[cohort_id]:
            asked = await answers.attendee_ids(session, cohort_id, occurrence.ref)
            for member in members.get(cohort_id, []):
                if member.id in asked:
                    planned += feedback_rows(cohort_id, occurrence, member.person_id)
    await enqueue(session, planned, now)


def feedback_rows(cohort_id: int, occurrence: Occurrence, person_id: int) -> list[Planned]:
    """The question and the nudge of one person about one session (pure)."""
    payload = FeedbackPayload(occurrence.starts_at)
    ends = occurrence.ends_at
    return [
        declared.plan(
            f"{declared.kind}:{occurrence.ref}:p{person_id}",
            cohort_id,
            due,
            payload,
            expires_at=expires,
            person_id=person_id,
            ref=occurrence.ref,
        )
        for declared, due, expires in (
            (FEEDBACK_ASK, ends + ASK_AFTER, ends + ASK_STALE_AFTER),
            (FEEDBACK_NUDGE, ends + NUDGE_AFTER, closes_at(occurrence)),
        )
    ]


def score_buttons(occurrence: Occurrence) -> tuple[tuple[Button, ...], ...]:
    """1 · 2 · 3 · 4 · 5, in one row."""
    code = ref_code(occurrence.ref)
    return (
        tuple(
            Button(str(score), SCORE.payload(ScorePress(code, score)))
            for score in range(LOWEST_SCORE, HIGHEST_SCORE + 1)
        ),
    )


async def _still_asked(rc: RenderContext, payload: FeedbackPayload) -> Occurrence | None:
    """The session, if the reader is still one of its attendees and has not answered."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.starts_at != payload.start:
        return None
    member = rc.member
    if member is None or member.id is None or rc.now >= closes_at(occurrence):
        return None
    if not feedback_settings(rc.cohort.feedback_settings).asks_after(occurrence.kind):
        return None
    asked, done = await _records_of(rc, occurrence.ref)
    if member.id in done or member.id not in asked:
        return None
    return occurrence


async def _records_of(rc: RenderContext, ref: str) -> tuple[set[int], set[int]]:
    """A session's attendees and who answered (member ids), once per batch."""

    async def read() -> tuple[set[int], set[int]]:
        asked = await answers.attendee_ids(rc.session, rc.cohort.id or 0, ref)
        done = {member for _, member in await answers.answered(rc.session, [ref])}
        return asked, done

    return await rc.cache.memo(("feedback.records", rc.cohort.id, ref), read)


_ASK_HEADLINE = N_("*{title}* ({day})")
_NUDGE_HEADLINE = N_("There is still time to tell us about *{title}* ({day}).")


async def _question(rc: RenderContext, occurrence: Occurrence, icon: str, headline: str) -> Reply:
    t = rc.t
    zone = rc.zone or occurrence.zone
    day = t.date(occurrence.starts_at.astimezone(ZoneInfo(zone)).date())
    title = await occurrence_title(rc.session, t, occurrence)
    last_day = t.date(closes_at(occurrence).astimezone(ZoneInfo(zone)).date())
    lines = [icon + t._(headline, title=title, day=day)]
    lines.append(question_of(t, rc.cohort))
    lines.append(t._("1 = not useful · 5 = very useful. Only the coordination team sees it."))
    lines.append(t._("You can answer or change it until {day}.", day=last_day))
    return Reply("\n".join(lines), score_buttons(occurrence))


async def render_ask(rc: RenderContext, payload: FeedbackPayload) -> Reply | None:
    """'⭐ *Masterclass: Datos abiertos* (martes, 6 de mayo)' with the question and 1 … 5;
    nothing if the reader is no longer counted as an attendee or answered already."""
    occurrence = await _still_asked(rc, payload)
    if occurrence is None:
        return None
    return await _question(rc, occurrence, "⭐ ", _ASK_HEADLINE)


async def render_nudge(rc: RenderContext, payload: FeedbackPayload) -> Reply | None:
    """The one reminder, a day later: the same question; nothing once answered."""
    occurrence = await _still_asked(rc, payload)
    if occurrence is None:
        return None
    return await _question(rc, occurrence, "🔔 ", _NUDGE_HEADLINE)
