"""A team check-in that nobody of the team confirmed: the team is asked again, once, and
the coordinators are told.

The rows are planned with the check-in's reminders (`reminders._plan_chunk`),
ahead of time like them (each time the cohort is planned: the unique key makes
that harmless), due `CONFIRM_BY` before it starts, one per team member and one
per coordinator, keyed by the occurrence and its start (`<kind>:<ref>:<start>:p<person>`),
so each is sent once. At send time the renderer looks again: once someone of
the team answered Sí, or the check-in moved, was cancelled or started, nothing
is sent. With the default leads the team's day-before reminder falls at the same
moment: when the nudge goes, it takes the reminder's place (it says the same and
asks the same), so the team reads one message, not two.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cohorte.handlers.agenda.deliveries import (
    CHECKIN_UNCONFIRMED,
    CHECKIN_UNCONFIRMED_COORDINATORS,
    CheckinStartPayload,
)
from cohorte.handlers.agenda.occurrences import occurrence_for
from cohorte.handlers.agenda.renderers import describe
from cohorte.handlers.agenda.rsvp_view import CONFIRM_BY, nobody_confirmed, question, rsvp_buttons
from cohorte.handlers.core.delivery import RenderContext, occasion_rows
from cohorte.handlers.core.messages import Reply
from cohorte.scheduling.outbox import Planned
from cohorte.scheduling.recurrence import Occurrence, ref_code
from cohorte.storage.attendance import answers_of
from cohorte.storage.cohorts import team_by_id


def checkin_nudge_rows(
    cohort_id: int,
    occurrence: Occurrence,
    team_people: list[int],
    coordinators: list[int],
    now: datetime,
) -> list[Planned]:
    """The nudge rows of one check-in (pure): its team, then its coordinators."""
    if occurrence.kind != "checkin" or occurrence.cancelled or occurrence.starts_at <= now:
        return []
    due = occurrence.starts_at - timedelta(minutes=CONFIRM_BY)
    key = f"{occurrence.ref}:{int(occurrence.starts_at.timestamp())}"
    payload = CheckinStartPayload(occurrence.starts_at)
    start, ref = occurrence.starts_at, occurrence.ref
    team = occasion_rows(
        CHECKIN_UNCONFIRMED,
        key,
        cohort_id,
        due,
        payload,
        chats=[],
        people=team_people,
        expires_at=start,
        ref=ref,
    )
    told = occasion_rows(
        CHECKIN_UNCONFIRMED_COORDINATORS,
        key,
        cohort_id,
        due,
        payload,
        chats=[],
        people=[person for person in coordinators if person not in team_people],
        expires_at=start,
        ref=ref,
    )
    return team + told


async def _unconfirmed(rc: RenderContext, payload: CheckinStartPayload) -> Occurrence | None:
    """The check-in, while it is still on, unchanged and nobody of its team said Sí."""
    occurrence = await occurrence_for(rc)
    if (
        occurrence is None
        or occurrence.cancelled
        or occurrence.starts_at != payload.start
        or rc.now >= occurrence.starts_at
        or occurrence.team_id is None
    ):
        return None

    return occurrence if await nobody_confirmed(rc, occurrence) else None


async def render_checkin_unconfirmed(
    rc: RenderContext, payload: CheckinStartPayload
) -> Reply | None:
    """'👋 Nadie del equipo confirmó todavía …', with the buttons (a team member)."""
    occurrence = await _unconfirmed(rc, payload)
    if occurrence is None or rc.member is None or rc.member.id is None:
        return None
    text = await describe(rc, occurrence, "👋 " + rc.t._("Nobody of your team has confirmed yet:"))
    answer = await answers_of(rc.session, occurrence.ref, rc.member.id)
    return Reply(text + "\n" + question(rc.t, answer), (rsvp_buttons(rc.t, occurrence),))


async def render_checkin_unconfirmed_coordinators(
    rc: RenderContext, payload: CheckinStartPayload
) -> Reply | None:
    """'⚠️ Nadie del equipo de Bogotá confirmó …' (a coordinator), with the session's code."""
    occurrence = await _unconfirmed(rc, payload)
    if occurrence is None or occurrence.team_id is None:
        return None
    team = await team_by_id(rc.session, occurrence.team_id)
    headline = "⚠️ " + rc.t._(
        "Nobody of the {team} team has confirmed yet:", team=team.name if team else "?"
    )
    text = await describe(rc, occurrence, headline)
    text += "\n" + rc.t._("Code: {code}", code=ref_code(occurrence.ref))
    return Reply(text)
