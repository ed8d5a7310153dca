"""What "¿Vas a asistir?" looks like: its buttons, a person's answer, the group's counts.

Which reminders ask: those of a day or less before a session (by default the
day-before and the hour-before ones; not the Showtime's week-before one).
Privately they carry the question, the reader's answer so far and the three
buttons; in a group chat they carry the buttons and how many of each city team
confirmed ("Bogotá 3/3 · Santiago 1/3"), and are keyed messages, so that
answers refresh them in place (`rsvp.refresh_group_reminder`).
"""

from __future__ import annotations

from datetime import datetime

from cohorte.handlers.agenda.leads import reminder_due
from cohorte.handlers.agenda.routes import RSVP, RsvpCode, RsvpPress
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import Button
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import MINUTES_PER_DAY, Occurrence, ref_code
from cohorte.storage.attendance import RsvpAnswer, confirmed_by_team

# Reminders this close to a session (in minutes) ask who is coming.
RSVP_LEAD = MINUTES_PER_DAY
# How long before a check-in somebody of its team should have confirmed it (minutes): one
# rule for every cohort, a constant rather than a setting (`rsvp_nudge`).
CONFIRM_BY = MINUTES_PER_DAY

ANSWER_LABELS = {
    RsvpAnswer.YES: N_("✅ Yes"),
    RsvpAnswer.MAYBE: N_("🤔 Maybe"),
    RsvpAnswer.NO: N_("❌ No"),
}
_CODES = {
    RsvpAnswer.YES: RsvpCode.YES,
    RsvpAnswer.MAYBE: RsvpCode.MAYBE,
    RsvpAnswer.NO: RsvpCode.NO,
}


def answer_of(code: RsvpCode) -> RsvpAnswer:
    """The answer a button carries."""
    return RsvpAnswer[code.name]


def asks_rsvp(lead: int) -> bool:
    """Whether a reminder `lead` minutes ahead asks "¿Vas a asistir?"."""
    return lead <= RSVP_LEAD


def rsvp_buttons(t: Translator, occurrence: Occurrence) -> tuple[Button, ...]:
    """✅ Sí · 🤔 Tal vez · ❌ No, for one session (one row)."""
    code = ref_code(occurrence.ref)
    return tuple(
        Button(t._(label), RSVP.payload(RsvpPress(code, _CODES[answer])))
        for answer, label in ANSWER_LABELS.items()
    )


def question(t: Translator, answer: RsvpAnswer | None) -> str:
    """'¿Vas a asistir?', with the reader's answer so far."""
    if answer is None:
        return t._("Will you attend?")
    return t._("Will you attend? Your answer: {answer}", answer=t._(ANSWER_LABELS[answer]))


def tally_key(occurrence: Occurrence, lead: int) -> str:
    """The key of a group reminder (one message per session, start and lead)."""
    return f"rem:{occurrence.ref}:{int(occurrence.starts_at.timestamp())}:{lead}"


async def confirmed_line(rc: RenderContext, occurrence: Occurrence) -> str:
    """'Confirmados: Bogotá 3/3 · Santiago 1/3' (answered Sí, over the team's members),
    for a group reminder; empty when the cohort has no team with members."""
    assert rc.cohort.id is not None
    counts = await confirmed_by_team(rc.session, rc.cohort.id, occurrence.ref)
    names = {team_id: team.name for team_id, team in rc.cache.teams.items()}
    parts = [f"{names.get(team_id, '?')} {yes}/{n}" for team_id, yes, n in counts]
    return rc.t._("Confirmed: {teams}", teams=" · ".join(parts)) if parts else ""


def latest_group_lead(leads: list[int], occurrence: Occurrence, now: datetime) -> int | None:
    """The lead of the latest group reminder with counts already due (None: none yet)."""
    due = [lead for lead in leads if asks_rsvp(lead) and reminder_due(occurrence, lead) <= now]
    return min(due) if due else None


async def nobody_confirmed(rc: RenderContext, occurrence: Occurrence) -> bool:
    """Whether nobody of a check-in's team answered Sí (read once per batch)."""

    async def confirmed() -> int:
        assert rc.cohort.id is not None
        counts = await confirmed_by_team(rc.session, rc.cohort.id, occurrence.ref)
        return sum(yes for team_id, yes, _ in counts if team_id == occurrence.team_id)

    return await rc.cache.memo(("rsvp-confirmed", occurrence.ref), confirmed) == 0


def replaced_by_nudge(occurrence: Occurrence, lead: int) -> bool:
    """Whether a private reminder `lead` minutes ahead goes at the moment of the check-in's
    "nobody confirmed" nudge, which then takes its place (one message, not two)."""
    return occurrence.kind == "checkin" and lead == CONFIRM_BY
