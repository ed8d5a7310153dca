"""The poll's messages: the group's live poll, a person's ballot, the results, a receipt.

Pure functions of a `PollView` and an `Audience`: the handlers and the
renderers call them with whatever they loaded.
"""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from cohorte.handlers.agenda.clashes import clash_flags
from cohorte.handlers.core.messages import Button, Reply, button_rows
from cohorte.handlers.core.readers import shown_name
from cohorte.handlers.poll import rules as poll_rules
from cohorte.handlers.poll.audience import Audience
from cohorte.handlers.poll.routes import (
    BALLOT,
    CHOOSE,
    VOTE,
    ChoiceCode,
    PollButton,
    SlotButton,
    Vote,
)
from cohorte.handlers.poll.rules import DecidedBy
from cohorte.handlers.poll.view import PollView
from cohorte.handlers.poll.weekly import (
    expected_start,
    group_slot,
    instants_of,
    occurrences,
    personal_slot,
    short_slot,
    slot_clashes,
    when_for,
)
from cohorte.locales import N_, Translator
from cohorte.storage.models import Member
from cohorte.storage.polls import Choice, PollSlot, PollState

_EMOJI = {Choice.YES: "✅", Choice.MAYBE: "🤔", Choice.NO: "❌"}
_CHOICE_LABELS = {
    Choice.YES: N_("✅ Yes"),
    Choice.MAYBE: N_("🤔 If need be"),
    Choice.NO: N_("❌ No"),
}
CHOICE_WORDS = {Choice.YES: N_("Yes"), Choice.MAYBE: N_("If need be"), Choice.NO: N_("No")}
_REASONS = {
    DecidedBy.ONLY_SLOT: N_("it is the only option"),
    DecidedBy.NO_ANSWERS: N_("nobody has answered yet, so the earliest in the week"),
    DecidedBy.YES: N_("the most Yes answers"),
    DecidedBy.YES_OR_MAYBE: N_("tied on Yes; the most Yes + If need be answers"),
    DecidedBy.TEAMS: N_("tied on answers; the most city teams can come"),
    DecidedBy.EARLIEST: N_("a complete tie; the earliest in the week"),
}
MAX_HOLIDAYS_SHOWN = 4


def _slot_label(audience: Audience, view: PollView, slot: PollSlot, start: date) -> str:
    cohort = view.cohort
    return _label(
        str(audience.t.locale),
        audience.zone,
        tuple(audience.zones),
        view.poll.zone,
        (slot.weekday, slot.local_time),
        (start, cohort.start_date, cohort.weeks),
    )


@lru_cache(maxsize=4096)
def _label(
    locale: str,
    zone: str | None,
    zones: tuple[str, ...],
    poll_zone: str,
    slot: tuple[int, time],
    sprint: tuple[date, date, int],
) -> str:
    """A slot as a reader sees it. It depends on nothing else, and every ballot and
    receipt shows it, so it is worked out once per process."""
    instants = instants_of(slot, poll_zone, sprint)
    t = Translator(locale)
    if zone is not None:
        return personal_slot(t, instants, zone)
    return group_slot(t, instants, poll_zone, list(zones))


def _short_label(audience: Audience, view: PollView, slot: PollSlot, start: date) -> str:
    instant = occurrences(view, slot, start)[0]
    return f"{slot.position}. {short_slot(audience.t, instant, audience.zone or view.poll.zone)}"


def _flags(audience: Audience, view: PollView, slot: PollSlot, start: date) -> list[str]:
    """Teams that cannot come at all, clashes with the sprint's other sessions, and public
    holidays during the sprint."""
    t = audience.t
    lines = []
    result = view.results[slot.id or 0]
    for team_id in view.team_ids():
        if team_id in result.teams_all_no:
            lines.append(
                t._("⚠️ Nobody on the {team} team can come.", team=view.teams[team_id].name)
            )
    zone = audience.zone or view.poll.zone
    lines += clash_flags(t, slot_clashes(view, slot, start), zone, view.team_names())
    places = [(team.country_code, team.zone) for team in view.teams.values()]
    flags = poll_rules.holiday_flags(occurrences(view, slot, start), places, t.language)
    for flag in flags[:MAX_HOLIDAYS_SHOWN]:
        names = "; ".join(
            f"{name} ({', '.join(t.country(code) for code in codes)})"
            for name, codes in flag.holidays
        )
        lines.append(t._("🎉 Holiday on {date}: {names}", date=t.date(flag.day), names=names))
    if len(flags) > MAX_HOLIDAYS_SHOWN:
        more = len(flags) - MAX_HOLIDAYS_SHOWN
        lines.append(t.ngettext("…and {n} more holiday", "…and {n} more holidays", more))
    return lines


def _slot_block(audience: Audience, view: PollView, slot: PollSlot, start: date) -> list[str]:
    """A slot with its counts, team coverage and flags."""
    t = audience.t
    result = view.results[slot.id or 0]
    counts = f"✅ {result.yes} · 🤔 {result.maybe} · ❌ {result.no}"
    teams = view.team_ids()
    if teams:
        counts += " · " + t._(
            "teams that can come: {n} of {total}",
            n=len(result.teams_available),
            total=len(teams),
        )
    return [
        f"*{slot.position}.* {_slot_label(audience, view, slot, start)}",
        counts,
        *_flags(audience, view, slot, start),
    ]


def _vote_buttons(
    t: Translator, view: PollView, member_id: int | None, *, compact: bool
) -> list[tuple[Button, ...]]:
    rows = []
    for slot in view.slots:
        current = view.votes.get((member_id, slot.id or 0)) if member_id is not None else None
        row = []
        for code in ChoiceCode:
            choice = code.choice
            if compact:
                label = f"{slot.position} {_EMOJI[choice]}"
            else:
                label = f"{slot.position} · {t._(_CHOICE_LABELS[choice])}"
            if choice == current:
                label = "● " + label
            row.append(Button(label, VOTE.payload(Vote(view.id or 0, slot.id or 0, code))))
        rows.append(tuple(row))
    return rows


def _answered_line(t: Translator, view: PollView) -> str:
    return t._(
        "Complete ballots: {voted} of {total}.",
        voted=view.complete_count(),
        total=len(view.expected()),
    )


def poll_message(audience: Audience, view: PollView) -> Reply:
    """The group's live poll message (edited in place as votes come in)."""
    t = audience.t
    poll = view.poll
    start = expected_start(view, audience.now)
    if view.is_open:
        lines = [
            t._(
                "🗳️ *{title}*: let's choose the day and time of the weekly session.",
                title=poll.title,
            ),
            t._(
                "Answer each time with ✅ Yes · 🤔 If need be · ❌ No. "
                "You can change your answers until the poll closes."
            ),
        ]
        if poll.deadline is not None:
            when = when_for(t, poll.deadline, audience.zone, audience.zones, poll.zone)
            lines.append(t._("Closes: {when}", when=when))
    elif poll.state == PollState.CANCELLED:
        lines = [t._("*{title}*: this poll was cancelled.", title=poll.title)]
    else:
        # The results follow at once in a message of their own (`render_closed`): this one
        # only loses its buttons, so that the group does not read the tally twice.
        text = t._("🔒 *{title}*: voting has closed; the results follow.", title=poll.title)
        return Reply(text, key=f"poll:{view.id}")
    lines.append(
        t.ngettext(
            "Each session lasts {n} minute.",
            "Each session lasts {n} minutes.",
            poll.duration_minutes,
        )
    )
    for slot in view.slots:
        lines.append("")
        lines += _slot_block(audience, view, slot, start)
    lines += ["", _answered_line(t, view)]
    buttons: list[tuple[Button, ...]] = []
    if view.is_open:
        buttons = _vote_buttons(t, view, None, compact=True)
        see_mine = BALLOT.payload(PollButton(view.id))
        buttons.append((Button(t._("🕒 See it in my time zone"), see_mine),))
    return Reply("\n".join(lines), tuple(buttons), key=f"poll:{view.id}")


def ballot(audience: Audience, view: PollView, member: Member, intro: str = "") -> Reply:
    """One person's slots in their zone, their answers so far, and the vote buttons."""
    t = audience.t
    zone = audience.zone or view.poll.zone
    poll = view.poll
    start = expected_start(view, audience.now)
    lines = [intro] if intro else []
    lines.append(
        t._("🗳️ *{title}* — times in your zone ({zone}):", title=poll.title, zone=t.zone_label(zone))
    )
    for slot in view.slots:
        choice = view.votes.get((member.id or 0, slot.id or 0))
        answer = t._(_CHOICE_LABELS[choice]) if choice else t._("not answered yet")
        lines.append(f"*{slot.position}.* {_slot_label(audience, view, slot, start)} → {answer}")
        lines += [f"    {flag}" for flag in _flags(audience, view, slot, start)]
    if poll.deadline is not None:
        lines.append(t._("Closes: {when}", when=t.when(poll.deadline, zone)))
    lines.append(
        t._(
            "Answer each time with the buttons: ✅ Yes · 🤔 If need be · ❌ No. "
            "You can change your answers until the poll closes."
        )
    )
    return Reply("\n".join(lines), tuple(_vote_buttons(t, view, member.id, compact=False)))


def _proposal_line(audience: Audience, view: PollView) -> str | None:
    t = audience.t
    start = expected_start(view, audience.now)
    poll = view.poll
    if poll.state == PollState.CONFIRMED:
        chosen = view.slot(poll.winner_slot_id)
        if chosen is None:
            return None
        return t._(
            "📅 Chosen: *{n}.* {slot}",
            n=chosen.position,
            slot=_slot_label(audience, view, chosen, start),
        )
    winner = view.winner
    if winner is None:
        return None
    proposed = view.slot(poll.winner_slot_id if poll.state == PollState.CLOSED else winner.slot_id)
    if proposed is None:
        return None
    message = (
        N_("🏆 Leading so far, by the rule: *{n}.* {slot}")
        if view.is_open
        else N_("🏆 Proposed by the rule: *{n}.* {slot}")
    )
    text = t._(message, n=proposed.position, slot=_slot_label(audience, view, proposed, start))
    if proposed.id == winner.slot_id:
        text += "\n" + t._("Why: {reason}.", reason=t._(_REASONS[winner.decided_by]))
    return text


def _missing_line(t: Translator, view: PollView) -> str:
    missing = view.missing()
    if not view.expected():
        return t._("There are no participants in the cohort yet.")
    if not missing:
        return t._("Everyone has answered every time. 🎉")
    entries = []
    for member, person, count in missing:
        details = []
        team = view.teams.get(member.team_id) if member.team_id is not None else None
        if team is not None:
            details.append(team.name)
        if count:
            details.append(t._("{answered} of {total}", answered=count, total=len(view.slots)))
        name = shown_name(t, person, team.name if team is not None else None)
        entries.append(f"{name} ({', '.join(details)})" if details else name)
    return t._("Still to answer: {names}", names="; ".join(entries))


def results_text(audience: Audience, view: PollView) -> str:
    """The tally per slot, team coverage and flags, the proposal, and who is missing."""
    t = audience.t
    poll = view.poll
    start = expected_start(view, audience.now)
    lines = [t._("📊 *{title}* — results", title=poll.title)]
    if view.is_open and poll.deadline is not None:
        when = when_for(t, poll.deadline, audience.zone, audience.zones, poll.zone)
        lines.append(t._("Open until {when}.", when=when))
    elif view.is_open:
        lines.append(t._("Open, with no deadline: the coordination team closes it."))
    elif poll.state == PollState.CLOSED:
        lines.append(t._("Closed. The coordination team will confirm the time."))
    elif poll.state == PollState.CONFIRMED:
        lines.append(t._("Closed and confirmed."))
    else:
        lines.append(t._("This poll was cancelled."))
    lines.append(_answered_line(t, view))
    for slot in view.slots:
        lines.append("")
        lines += _slot_block(audience, view, slot, start)
    proposal = _proposal_line(audience, view)
    if proposal:
        lines += ["", proposal]
    lines.append(_missing_line(t, view))
    return "\n".join(lines)


def choose_buttons(audience: Audience, view: PollView) -> tuple[tuple[Button, ...], ...]:
    """Coordinators: confirm the proposal, or choose another slot."""
    t = audience.t
    start = expected_start(view, audience.now)
    proposed = view.poll.winner_slot_id or (view.winner.slot_id if view.winner else None)
    buttons = []
    for slot in sorted(view.slots, key=lambda s: (s.id != proposed, s.position)):
        label = _short_label(audience, view, slot, start)
        payload = CHOOSE.payload(SlotButton(view.id, slot.id or 0))
        if slot.id == proposed:
            buttons.append(Button(t._("✅ Confirm {slot}", slot=label), payload))
        else:
            buttons.append(Button(t._("Choose {slot}", slot=label), payload))
    return button_rows(buttons, per_row=1)


def vote_receipt(
    audience: Audience, view: PollView, member: Member, slot: PollSlot, choice: Choice
) -> Reply:
    """What a voter sees after a press: the answer saved, all their answers, what is left."""
    t = audience.t
    start = expected_start(view, audience.now)
    saved = t._(
        "Saved: *{n}.* {slot} → {answer}",
        n=slot.position,
        slot=_slot_label(audience, view, slot, start),
        answer=t._(_CHOICE_LABELS[choice]),
    )
    marks = []
    for each in view.slots:
        answer = view.votes.get((member.id or 0, each.id or 0))
        marks.append(f"{each.position} {_EMOJI[answer] if answer else '—'}")
    lines = [saved, t._("Your answers: {answers}", answers=" · ".join(marks))]
    left = len(view.slots) - view.answered(member.id or 0)
    if left:
        lines.append(
            t.ngettext(
                "{n} time left to answer.",
                "{n} times left to answer.",
                left,
            )
        )
    else:
        lines.append(t._("You have answered every time. Thank you!"))
    return Reply("\n".join(lines), ephemeral=True)
