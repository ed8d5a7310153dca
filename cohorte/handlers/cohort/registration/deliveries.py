"""What applicants are told of the coordination's decisions: once per decision (the
outbox's key), privately, in their own language."""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.cohort.joining import welcome_line
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.messages import Reply
from cohorte.storage.applications import ApplicationState, application_by_id
from cohorte.storage.cohorts import team_by_id


@dataclass(frozen=True)
class ApplicationPayload(Payload):
    """The application decided."""

    application: int


ACCEPTED = DeliveryType(DeliveryKind.APPLICATION_ACCEPTED, ApplicationPayload)
MOVED_UP = DeliveryType(DeliveryKind.APPLICATION_MOVED_UP, ApplicationPayload)
DECLINED = DeliveryType(DeliveryKind.APPLICATION_DECLINED, ApplicationPayload)
WAITLISTED = DeliveryType(DeliveryKind.APPLICATION_WAITLISTED, ApplicationPayload)


async def _still(rc: RenderContext, payload: ApplicationPayload, state: ApplicationState) -> bool:
    """Whether the application is still in `state` (else a later decision says more)."""
    application = await application_by_id(rc.session, payload.application)
    return (
        application is not None
        and application.cohort_id == rc.cohort.id
        and application.state is state
        and rc.person is not None
        and application.person_id == rc.person.id
    )


async def _welcome(
    rc: RenderContext, payload: ApplicationPayload, *, moved_up: bool
) -> Reply | None:
    if not await _still(rc, payload, ApplicationState.ACCEPTED) or rc.member is None:
        return None
    assert rc.person is not None
    t = rc.t
    lines = []
    if moved_up:
        lines.append(t._("Good news: a place opened up in {cohort}.", cohort=rc.cohort.name))
    lines.append(welcome_line(t, rc.cohort, rc.person))
    lines.append(t._("Your application was accepted."))
    team = await team_by_id(rc.session, rc.member.team_id) if rc.member.team_id else None
    if team is not None:
        lines.append(t._("You are on the {team} team.", team=team.name))
    if rc.zone is not None:
        lines.append(
            t._(
                "Your time zone is {zone}: it is {time} there now.",
                zone=t.zone_label(rc.zone),
                time=t.time(rc.now, rc.zone),
            )
        )
        lines.append(t._("If that is not your time zone, change it with /zona."))
    lines.append(t._("Type /ayuda to see what you can do."))
    return Reply("\n".join(lines))


async def render_accepted(rc: RenderContext, payload: ApplicationPayload) -> Reply | None:
    """To an accepted applicant: the welcome, their team and their time zone."""
    return await _welcome(rc, payload, moved_up=False)


async def render_moved_up(rc: RenderContext, payload: ApplicationPayload) -> Reply | None:
    """To a wait-listed applicant who got a place that freed: the same welcome."""
    return await _welcome(rc, payload, moved_up=True)


async def render_declined(rc: RenderContext, payload: ApplicationPayload) -> Reply | None:
    """To a declined applicant: a kind word."""
    if not await _still(rc, payload, ApplicationState.DECLINED):
        return None
    return Reply(
        rc.t._(
            "Thank you for applying to {cohort}. This time we cannot offer you a place: "
            "places are limited. We hope to see you in a future edition.",
            cohort=rc.cohort.name,
        )
    )


async def render_waitlisted(rc: RenderContext, payload: ApplicationPayload) -> Reply | None:
    """To a wait-listed applicant: they are on the list and will be told if a place frees."""
    if not await _still(rc, payload, ApplicationState.WAITLISTED):
        return None
    return Reply(
        rc.t._(
            "Thank you for applying to {cohort}. The places are taken for now, so you are on "
            "the waiting list: if a place opens up, you get it in order and I will tell you.",
            cohort=rc.cohort.name,
        )
    )
