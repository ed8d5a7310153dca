"""After the session: "Te extrañamos en …" to those marked absent, the day after.

Planning (`planning.plan_attendance`, on every scheduler tick): the sessions
that ended within the last `LOOK_BACK` are read with their records; each member marked absent (not
excused) gets one private row, keyed by the occurrence and the person, due at
`FOLLOW_UP_AT` the day after the session (in the session's own zone) — or at
once when the mark came later — and useless two days after that. The renderer
reads the record again at send time: a coordinator who corrected it to present
or excused meanwhile stops the message.

The session's materials (`/material`) join the message through
`session_materials`, read at send time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.materials import session_material_lines
from cohorte.handlers.agenda.occurrences import occurrence_for
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.attendance.deliveries import SESSION_MISSED, MissedPayload
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import Reply
from cohorte.scheduling.outbox import Planned
from cohorte.scheduling.recurrence import Occurrence, to_utc
from cohorte.storage import attendance as records
from cohorte.storage.attendance import AttendanceStatus

LOOK_BACK = timedelta(days=3)  # a mark made later than this after the session is not followed
FOLLOW_UP_AT = time(10, 0)  # the day after, in the session's zone
KEEPS_FOR = timedelta(days=2)  # a follow-up not sent by then is not worth sending


def follow_up_due(occurrence: Occurrence) -> datetime:
    """10:00 the day after the session, on the wall clock the session keeps."""
    day = occurrence.starts_at.astimezone(ZoneInfo(occurrence.zone)).date() + timedelta(days=1)
    return to_utc(day, FOLLOW_UP_AT, occurrence.zone)


async def missed_rows(
    session: AsyncSession, ended: dict[str, tuple[int, Occurrence]]
) -> list[Planned]:
    """The "Te extrañamos" rows of the absentees of these ended sessions (by ref: the
    cohort id and the occurrence)."""
    planned: list[Planned] = []
    for ref, person_id in await records.absent_people(session, list(ended)):
        cohort_id, occurrence = ended[ref]
        due = max(follow_up_due(occurrence), occurrence.ends_at)
        planned.append(
            SESSION_MISSED.plan(
                f"{SESSION_MISSED.kind}:{ref}:p{person_id}",
                cohort_id,
                due,
                MissedPayload(),
                expires_at=due + KEEPS_FOR,
                person_id=person_id,
                ref=ref,
            )
        )
    return planned


async def session_materials(rc: RenderContext, occurrence: Occurrence) -> list[str]:
    """The lines that point to the session's materials (the recording, the slides …)."""
    return await session_material_lines(rc, occurrence.ref)


async def render_missed(rc: RenderContext, payload: MissedPayload) -> Reply | None:
    """'💬 Te extrañamos en *Sesión semanal* (martes, 29 de abril).' with the materials;
    nothing if the record says present or excused by now, or the session was cancelled."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or rc.member is None or rc.member.id is None:
        return None
    record = await records.attendance_of(rc.session, occurrence.ref, rc.member.id)
    if record is None or record.status is not AttendanceStatus.ABSENT:
        return None
    t = rc.t
    zone = rc.zone or occurrence.zone
    day = t.date(occurrence.starts_at.astimezone(ZoneInfo(zone)).date())
    title = await occurrence_title(rc.session, t, occurrence)
    lines = ["💬 " + t._("We missed you at *{title}* ({day}).", title=title, day=day)]
    materials = await session_materials(rc, occurrence)
    if materials:
        lines.append(t._("The session's materials:"))
        lines += [f"• {line}" for line in materials]
    lines.append(t._("If you want to catch up, write to the coordination team."))
    return Reply("\n".join(lines))
