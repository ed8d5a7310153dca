"""The agenda: the sprint's sessions, their reminders and the calendar file.

/proximas, /calendario for everyone; /sesion (nueva, semanal, mover,
cancelar), /acompanamiento, /anuncio and /recordatorios for coordinators.
Dates are understood in Spanish ("6 de mayo 10:00", "mar 6/5 10:00",
"mañana 9:30") and read in the cohort's home zone.

Modules: `grammar` reads what coordinators type, `sessions` and `commands`
are the use cases, `routes` and `forms` their buttons and forms,
`occurrences` finds sessions (series and one-off events), `clashes` tells
which overlap, `pending` keeps a clashing change until its coordinator
answers, `weekly` says what a new weekly time changed, `reminders` and
`public_holidays` plan scheduled messages, `renderers` write them for each
reader, `ics` exports the calendar. Who is coming: `rsvp` (the answer to "¿Vas a
asistir?" and why not), `rsvp_view` (its buttons and the counts per team),
`rsvp_nudge` (a check-in nobody confirmed).
"""

from __future__ import annotations

from cohorte.handlers.agenda import reminders
from cohorte.handlers.agenda.commands import (
    announcement,
    answer_announcement,
    calendar_file,
    checkin_slot,
    reminder_settings,
    upcoming,
)
from cohorte.handlers.agenda.deliveries import (
    ANNOUNCEMENT,
    CHECKIN_UNCONFIRMED,
    CHECKIN_UNCONFIRMED_COORDINATORS,
    HOLIDAY_WARNING,
    REMINDER,
    RSVP_TALLY,
    SESSION_CANCELLED,
    SESSION_MOVED,
)
from cohorte.handlers.agenda.renderers import (
    render_announcement,
    render_cancelled,
    render_holiday,
    render_moved,
    render_reminder,
    render_tally,
)
from cohorte.handlers.agenda.routes import (
    ANSWER_ANNOUNCEMENT,
    ANSWER_CLASH,
    ASK_CANCEL,
    ASK_MOVE,
    CANCEL,
    MOVE,
    NEW_SESSION,
    RSVP,
    RSVP_ASK_REASON,
    RSVP_REASON,
)
from cohorte.handlers.agenda.rsvp import ask_reason, press_rsvp, submit_reason
from cohorte.handlers.agenda.rsvp_nudge import (
    render_checkin_unconfirmed,
    render_checkin_unconfirmed_coordinators,
)
from cohorte.handlers.agenda.sessions import (
    answer_clash,
    ask_cancel,
    ask_move,
    confirm_cancel,
    session_command,
    submit_move,
    submit_new_event,
)
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_


def register(router: Router) -> None:
    """The agenda's commands and buttons."""
    router.command(
        ("proximas", "next"), upcoming, N_("the next sessions, in your time zone"), after_end=True
    )
    router.command(
        ("calendario", "calendar"),
        calendar_file,
        N_("the calendar file (.ics) for your calendar app"),
        after_end=True,
    )
    router.command(
        ("sesion", "session"),
        session_command,
        N_("add, move or cancel sessions (nueva, semanal, mover, cancelar)"),
        coordinator_only=True,
    )
    router.command(
        ("acompanamiento", "checkin"),
        checkin_slot,
        N_("set a team's biweekly check-in: /acompanamiento EQUIPO jue 10:00"),
        coordinator_only=True,
    )
    router.command(
        ("anuncio", "announce"),
        announcement,
        N_("send an announcement now, or later: /anuncio 6/5 09:00 | texto"),
        coordinator_only=True,
    )
    router.command(
        ("recordatorios", "reminders"),
        reminder_settings,
        N_("reminder lead times per kind of session"),
        coordinator_only=True,
    )
    router.button(NEW_SESSION, submit_new_event)
    router.button(ASK_MOVE, ask_move)
    router.button(MOVE, submit_move)
    router.button(ASK_CANCEL, ask_cancel)
    router.button(CANCEL, confirm_cancel)
    router.button(ANSWER_ANNOUNCEMENT, answer_announcement)
    router.button(ANSWER_CLASH, answer_clash)
    router.button(RSVP, press_rsvp)
    router.button(RSVP_ASK_REASON, ask_reason)
    router.button(RSVP_REASON, submit_reason)


def register_capabilities(capabilities: Capabilities) -> None:
    """The agenda's planner (reminders, holiday warnings) and the renderers of its messages."""
    capabilities.planners.append(reminders.plan_reminders)
    capabilities.renderer(REMINDER, render_reminder)
    capabilities.renderer(SESSION_MOVED, render_moved)
    capabilities.renderer(SESSION_CANCELLED, render_cancelled)
    capabilities.renderer(ANNOUNCEMENT, render_announcement)
    capabilities.renderer(HOLIDAY_WARNING, render_holiday, private=True)
    capabilities.renderer(RSVP_TALLY, render_tally)
    capabilities.renderer(CHECKIN_UNCONFIRMED, render_checkin_unconfirmed)
    capabilities.renderer(
        CHECKIN_UNCONFIRMED_COORDINATORS, render_checkin_unconfirmed_coordinators, private=True
    )
