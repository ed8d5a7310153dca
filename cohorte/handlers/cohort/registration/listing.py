"""`/inscripciones` (coordinators): the registration's settings, the applications by
state with their buttons, and the table the CSV export writes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.registration.applying import deadline_passed, deadline_text
from cohorte.handlers.cohort.registration.routes import ACCEPT, DECLINE, WAITLIST, OfApplication
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.core.spreadsheets import time_cell
from cohorte.handlers.lang.text import fold
from cohorte.locales import N_, Translator
from cohorte.storage.applications import (
    Application,
    ApplicationState,
    applications_with_people,
    count_by_state,
    places_taken,
)
from cohorte.storage.models import Cohort, Person
from cohorte.storage.people import people_by_id

# At most this many applications are shown with their buttons; the CSV has them all.
SHOWN = 15

_STATE_WORDS = {
    "pendientes": ApplicationState.PENDING,
    "pending": ApplicationState.PENDING,
    "espera": ApplicationState.WAITLISTED,
    "waitlist": ApplicationState.WAITLISTED,
    "aceptadas": ApplicationState.ACCEPTED,
    "accepted": ApplicationState.ACCEPTED,
    "rechazadas": ApplicationState.DECLINED,
    "declined": ApplicationState.DECLINED,
}
_STATE_LABELS = {
    ApplicationState.PENDING: N_("pending"),
    ApplicationState.WAITLISTED: N_("waiting list"),
    ApplicationState.ACCEPTED: N_("accepted"),
    ApplicationState.DECLINED: N_("declined"),
}
_COUNT_LABELS = {
    ApplicationState.PENDING: N_("Pending: {n}"),
    ApplicationState.WAITLISTED: N_("On the waiting list: {n}"),
    ApplicationState.ACCEPTED: N_("Accepted: {n}"),
    ApplicationState.DECLINED: N_("Declined: {n}"),
}
# Which decisions each state can still take.
_DECISIONS = {
    ApplicationState.PENDING: (ACCEPT, DECLINE, WAITLIST),
    ApplicationState.WAITLISTED: (ACCEPT, DECLINE),
    ApplicationState.ACCEPTED: (DECLINE, WAITLIST),
    ApplicationState.DECLINED: (ACCEPT, WAITLIST),
}


def state_label(t: Translator, state: ApplicationState) -> str:
    """'pendiente', 'lista de espera', ..."""
    return t._(_STATE_LABELS[state])


def decision_buttons(t: Translator, application: Application) -> tuple[tuple[Button, ...], ...]:
    """✅ Aceptar · ❌ Rechazar · ⏳ Lista de espera, as the application's state allows."""
    assert application.id is not None
    labels = {
        ACCEPT.prefix: t._("✅ Accept"),
        DECLINE.prefix: t._("❌ Decline"),
        WAITLIST.prefix: t._("⏳ Waiting list"),
    }
    fields = OfApplication(application.id)
    return (
        tuple(
            Button(labels[route.prefix], route.payload(fields))
            for route in _DECISIONS[application.state]
        ),
    )


def settings_lines(t: Translator, cohort: Cohort, taken: int, now_closed: bool) -> list[str]:
    """What the cohort file set for registration, as coordinators read it."""
    if cohort.registration_open:
        state = t._("Registration is open with the code {code}.", code=cohort.registration_code)
    else:
        state = t._("Registration is closed.")
    lines = [state]
    if cohort.registration_deadline is not None:
        when = deadline_text(t, cohort.registration_deadline, cohort.home_zone)
        if now_closed:
            lines.append(t._("Deadline: {when} (passed).", when=when))
        else:
            lines.append(t._("Deadline: {when}.", when=when))
    if cohort.registration_places is not None:
        lines.append(
            t._(
                "Places: {taken} of {places} taken.",
                taken=taken,
                places=cohort.registration_places,
            )
        )
    if cohort.registration_places_per_team is not None:
        lines.append(t._("Places per city team: {n}.", n=cohort.registration_places_per_team))
    return lines


def _application_text(
    t: Translator, application: Application, person: Person, number: int | None
) -> str:
    state = state_label(t, application.state)
    if number is not None:
        state = t._("waiting list, number {n}", n=number)
    head = t._(
        "*{name}* — {city} · {department} · {role} ({state})",
        name=person.display_name,
        city=application.city,
        department=application.department,
        role=application.role,
        state=state,
    )
    return head + "\n" + t._("Challenge: “{challenge}”", challenge=application.challenge)


async def list_applications(ctx: Context, args: str) -> list[Reply]:
    """/inscripciones [pendientes|espera|aceptadas|rechazadas]: the settings, the counts and
    the applications with their buttons (by default the pending ones and the waiting list)."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    if ctx.in_group:  # applicants' departments, roles and challenges: for coordinators only
        raise CohortError(N_("I show the applications privately: write me /inscripciones there."))
    t = ctx.t
    word = fold(args.split()[0]) if args.split() else ""
    if word and word not in _STATE_WORDS:
        raise CohortError(
            N_("Which applications? Write pendientes, espera, aceptadas or rechazadas.")
        )
    states = (
        [_STATE_WORDS[word]] if word else [ApplicationState.PENDING, ApplicationState.WAITLISTED]
    )
    counts = await count_by_state(ctx.session, cohort.id)
    taken, _ = await places_taken(ctx.session, cohort.id, None)
    lines = [t._("*Registration for {cohort}*", cohort=cohort.name)]
    lines += settings_lines(t, cohort, taken, deadline_passed(cohort, ctx.clock.now()))
    lines.append(" · ".join(t._(label, n=counts[state]) for state, label in _COUNT_LABELS.items()))
    rows = await applications_with_people(ctx.session, cohort.id, states)
    if not rows:
        lines.append(t._("No applications to show."))
    elif len(rows) > SHOWN:
        lines.append(
            t._(
                "Showing the first {shown} of {n}; all of them: /exportar inscripciones.",
                shown=SHOWN,
                n=len(rows),
            )
        )
    replies = [Reply("\n".join(lines))]
    waiting = [a.id for a, _ in rows if a.state is ApplicationState.WAITLISTED]
    for application, person in rows[:SHOWN]:
        number = (
            waiting.index(application.id) + 1
            if application.state is ApplicationState.WAITLISTED
            else None
        )
        replies.append(
            Reply(
                _application_text(t, application, person, number),
                decision_buttons(t, application),
            )
        )
    return replies


async def applications_table(
    session: AsyncSession, cohort: Cohort, t: Translator
) -> tuple[list[str], list[list[str]]]:
    """The CSV export: one row per application, in the order they came."""
    assert cohort.id is not None
    zone = cohort.home_zone
    at = t.zone_label(zone)
    header = [t._("Applied on ({zone})", zone=at), t._("Person"), t._("City")]
    header += [t._("Department"), t._("Role"), t._("Challenge"), t._("State")]
    header += [t._("Waiting list"), t._("Decided on ({zone})", zone=at), t._("Decided by")]
    rows: Sequence[tuple[Application, Person]] = await applications_with_people(session, cohort.id)
    names = {person.id: person.display_name for _, person in rows}
    deciders = sorted({a.decided_by for a, _ in rows if a.decided_by and a.decided_by not in names})
    for decider in await people_by_id(session, deciders):
        names[decider.id] = decider.display_name
    waiting = [a.id for a, _ in rows if a.state is ApplicationState.WAITLISTED]
    table = []
    for application, person in sorted(rows, key=lambda row: row[0].id or 0):
        decided = application.decided_at
        table.append(
            [
                time_cell(application.created_at, zone),
                person.display_name,
                application.city,
                application.department,
                application.role,
                application.challenge,
                state_label(t, application.state),
                str(waiting.index(application.id) + 1) if application.id in waiting else "",
                time_cell(decided, zone) if decided else "",
                names.get(application.decided_by, "") if application.decided_by else "",
            ]
        )
    return header, table
