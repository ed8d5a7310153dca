"""Who a session expects, which session a code names, and how a record reads.

One home for the rules every attendance view shares: the members a session
expects (participants; a team's check-in, that team's only), the session a
code people typed names (`/asistencia s3/2025-05-06`, the codes /proximas
shows) or, without one, the latest that has started, and the words for an
RSVP and an attendance record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import cohort_occurrences, find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.agenda.rsvp_view import ANSWER_LABELS
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence, code_ref, ref_code, to_utc
from cohorte.storage.attendance import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    Rsvp,
    RsvpAnswer,
)
from cohorte.storage.models import Cohort, Member, Role

# The "✋ Estoy aquí" button works from this long before the start until the end.
OPENS_BEFORE = timedelta(minutes=10)
MAX_CODE_SHOWN = 40  # characters of a mistyped code repeated in the answer

_STATUS = {
    AttendanceStatus.PRESENT: N_("✋ Present"),
    AttendanceStatus.ABSENT: N_("✖️ Absent"),
    AttendanceStatus.EXCUSED: N_("📝 Excused"),
}
_SOURCE = {
    AttendanceSource.SELF: N_("said so themselves"),
    AttendanceSource.COORDINATOR: N_("coordination team"),
    AttendanceSource.ZOOM: "Zoom",
    AttendanceSource.MEET: "Google Meet",
}


def concerns_team(occurrence: Occurrence, team_id: int | None) -> bool:
    """Whether the session is one for the members of team `team_id` (None: no team): every
    common session, and a check-in of that team only."""
    return occurrence.kind != "checkin" or (team_id is not None and team_id == occurrence.team_id)


def expects(occurrence: Occurrence, member: Member) -> bool:
    """Whether the session counts `member`: participants; a check-in, its team's only."""
    return member.role == Role.PARTICIPANT and concerns_team(occurrence, member.team_id)


def expected(occurrence: Occurrence, members: Sequence[Member]) -> list[Member]:
    """The members a session counts (`expects`), in the order given."""
    return [member for member in members if expects(occurrence, member)]


def window_opens(occurrence: Occurrence) -> datetime:
    """When "✋ Estoy aquí" starts to count: ten minutes before the start."""
    return occurrence.starts_at - OPENS_BEFORE


def rsvp_label(t: Translator, answer: Rsvp | None) -> str:
    """'✅ Sí', '❌ No («viaje»)', 'sin respuesta'."""
    if answer is None:
        return t._("no answer")
    label = t._(ANSWER_LABELS[answer.answer])
    if answer.answer is RsvpAnswer.NO and answer.reason:
        label += " " + t._("(“{reason}”)", reason=answer.reason)
    return label


def record_label(t: Translator, record: Attendance | None) -> str:
    """'✋ Presente (Zoom, 52 min)', '📝 Justificado (equipo coordinador)', 'sin registro'."""
    if record is None:
        return t._("not recorded")
    source = _SOURCE[record.source]
    # The meeting tools keep their own names; the other sources are the bot's words.
    own = record.source in (AttendanceSource.ZOOM, AttendanceSource.MEET)
    details = [source if own else t._(source)]
    if record.minutes is not None:
        details.append(t._("{n} min", n=record.minutes))
    return f"{t._(_STATUS[record.status])} ({', '.join(details)})"


def status_label(t: Translator, status: AttendanceStatus) -> str:
    """'✋ Presente', '✖️ Ausente', '📝 Justificado'."""
    return t._(_STATUS[status])


class UnknownSessionError(CohortError):
    """A code that names no session of the cohort."""

    message = N_(
        "I cannot find the session “{code}”. Use the code /proximas shows, "
        "for example e12 or s3/2025-05-06."
    )


async def named_session(ctx: Context, cohort: Cohort, code: str) -> Occurrence:
    """The session a code names, held or under way; a clear refusal otherwise (unknown,
    cancelled, not started yet)."""
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(code))
    if occurrence is None:
        raise UnknownSessionError(code=code[:MAX_CODE_SHOWN])
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    if occurrence.cancelled:
        raise CohortError(N_("{title} was cancelled: it has no attendance."), title=title)
    if occurrence.starts_at > ctx.clock.now():
        raise CohortError(
            N_("{title} has not started yet ({when}): attendance is kept from its start."),
            title=title,
            when=ctx.t.when(occurrence.starts_at, ctx.zone),
        )
    return occurrence


async def held_sessions(ctx: Context, cohort: Cohort, *, team_id: int | None) -> list[Occurrence]:
    """The sessions that have started, earliest first (`team_id`: a participant's view,
    other teams' check-ins left out)."""
    return await started_sessions(ctx.session, cohort, ctx.clock.now(), team_id=team_id)


async def started_sessions(
    session: AsyncSession, cohort: Cohort, now: datetime, *, team_id: int | None = None
) -> list[Occurrence]:
    """The sessions that started by `now`, cancelled ones included, earliest first: from the
    week before the sprint (a session moved early) on (`team_id`: other teams' check-ins
    left out)."""
    start = to_utc(cohort.start_date, datetime.min.time(), cohort.home_zone) - timedelta(days=7)
    found = await cohort_occurrences(
        session, cohort, start, now + timedelta(microseconds=1), team_id=team_id
    )
    return [occurrence for occurrence in found if occurrence.starts_at <= now]


def code_of(occurrence: Occurrence) -> str:
    """The code people type for the session ('e12', 's3/2025-05-06')."""
    return ref_code(occurrence.ref)
