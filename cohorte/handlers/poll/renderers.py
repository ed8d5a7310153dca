"""The renderers of the poll's deliveries: they run at send time, in the reader's language
and zone, and read the poll again (a delivery that no longer applies renders nothing)."""

from __future__ import annotations

from cohorte.handlers.agenda.clashes import sprint_calendar
from cohorte.handlers.agenda.weekly import weekly_notes
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import Reply
from cohorte.handlers.poll.announcements import ConfirmedPayload, PollPayload
from cohorte.handlers.poll.audience import Audience
from cohorte.handlers.poll.render import ballot, choose_buttons, poll_message, results_text
from cohorte.handlers.poll.view import PollView, load_poll
from cohorte.handlers.poll.weekly import group_slot, personal_slot, when_for
from cohorte.locales import N_
from cohorte.scheduling.recurrence import Occurrence, series_dates, to_utc
from cohorte.storage import polls
from cohorte.storage.agenda import replaced_series, series_by_id
from cohorte.storage.models import Role
from cohorte.storage.polls import PollState


async def _view_for(rc: RenderContext, poll_id: int) -> PollView | None:
    poll = await polls.poll_by_id(rc.session, poll_id)
    if poll is None or poll.cohort_id != rc.cohort.id:
        return None
    view = await load_poll(rc.session, poll, calendar=False)

    async def calendar() -> list[Occurrence]:
        return await sprint_calendar(rc.session, rc.cohort, without_weekly=True)

    # Every ballot of a batch shows the same flags: the calendar is read once per batch.
    view.calendar = await rc.cache.memo(("sprint-calendar", rc.cohort.id), calendar)
    return view


async def _render_audience(rc: RenderContext) -> Audience:
    if rc.zone is None:
        return Audience(rc.t, None, await rc.zones(), rc.now)
    return Audience(rc.t, rc.zone, [rc.zone], rc.now)


async def render_poll(rc: RenderContext, payload: PollPayload) -> Reply | None:
    """The group's poll message (current tally), or a person's ballot while the poll is open."""
    view = await _view_for(rc, payload.poll)
    if view is None:
        return None
    audience = await _render_audience(rc)
    if rc.in_group:
        return poll_message(audience, view)
    if not view.is_open or rc.member is None:
        return None
    intro = rc.t._("The weekly session poll is open. Your answers, please!")
    return ballot(audience, view, rc.member, intro)


async def render_nudge(rc: RenderContext, payload: PollPayload) -> Reply | None:
    """A reminder for someone who has not answered every slot (nothing if they have by now)."""
    view = await _view_for(rc, payload.poll)
    if view is None or not view.is_open or rc.member is None or rc.member.id is None:
        return None
    left = len(view.slots) - view.answered(rc.member.id)
    if left <= 0 or view.poll.deadline is None:
        return None
    audience = await _render_audience(rc)
    zone = rc.zone or view.poll.zone
    intro = rc.t.ngettext(
        "⏰ The poll “{title}” closes on {when} and you have {n} time left to answer.",
        "⏰ The poll “{title}” closes on {when} and you have {n} times left to answer.",
        left,
        title=view.poll.title,
        when=rc.t.when(view.poll.deadline, zone),
    )
    return ballot(audience, view, rc.member, intro)


async def render_all_voted(rc: RenderContext, payload: PollPayload) -> Reply | None:
    """Coordinators: everyone has answered; close now or wait."""
    view = await _view_for(rc, payload.poll)
    if view is None or not view.is_open or rc.in_group:
        return None
    audience = await _render_audience(rc)
    t = rc.t
    text = "\n".join(
        [
            t._(
                "✅ Everyone has answered the poll “{title}”. You can close it now with "
                "/encuesta cerrar, or wait for the deadline.",
                title=view.poll.title,
            ),
            "",
            results_text(audience, view),
        ]
    )
    return Reply(text)


async def render_closed(rc: RenderContext, payload: PollPayload) -> Reply | None:
    """The result: to the group, and to coordinators with the buttons to confirm or choose."""
    view = await _view_for(rc, payload.poll)
    if view is None or view.poll.state != PollState.CLOSED:
        return None
    audience = await _render_audience(rc)
    t = rc.t
    lines = [t._("🔒 The poll “{title}” has closed.", title=view.poll.title), ""]
    lines.append(results_text(audience, view))
    is_coordinator = rc.member is not None and rc.member.role == Role.COORDINATOR
    if rc.in_group or not is_coordinator:
        return Reply("\n".join(lines))
    lines += [
        "",
        t._("Confirm the proposed time or choose another one (or write /encuesta elegir N)."),
    ]
    return Reply("\n".join(lines), choose_buttons(audience, view))


async def render_confirmed(rc: RenderContext, payload: ConfirmedPayload) -> Reply | None:
    """The weekly session is decided: day and time in the reader's zone (or per city)."""
    view = await _view_for(rc, payload.poll)
    if view is None:
        return None
    series = await series_by_id(rc.session, payload.series)
    if series is None or series.ended_at is not None:
        return None  # replaced by a later choice before this went out
    t = rc.t
    days = list(series_dates(series.first_date, series.last_date, series.interval_weeks))
    if not days:
        return None
    instants = [to_utc(day, series.local_time, series.zone) for day in days]
    if rc.zone is not None:
        when = personal_slot(t, instants, rc.zone)
        first = t.when(instants[0], rc.zone)
    else:
        zones = await rc.zones()
        when = group_slot(t, instants, series.zone, zones)
        first = when_for(t, instants[0], None, zones, series.zone)
    notes = await weekly_notes(rc.session, t, series, rc.zone)
    replaced = await replaced_series(rc.session, series) is not None
    headline = (
        N_("📅 *{title}*: the weekly session changes.")
        if replaced
        else N_("📅 *{title}*: the weekly session is decided.")
    )
    lines = [
        t._(headline, title=view.poll.title),
        t._("Every {slot}.", slot=when),
        t._("First session: {when}.", when=first),
        t._("Until {date}, the end of the sprint.", date=t.date(series.last_date)),
        t.ngettext(
            "Each session lasts {n} minute.",
            "Each session lasts {n} minutes.",
            series.duration_minutes,
        ),
        *notes,
    ]
    if series.meeting_url:
        lines.append(t._("Link: {url}", url=series.meeting_url))
    return Reply("\n".join(lines))
