"""The meeting-time poll: the cohort chooses its weekly session by voting in chat.

A coordinator opens a poll of candidate *weekly* slots written in the cohort's
home zone (`/encuesta nueva ...`, or a guided form). The poll message goes to
the cohort's group chats, with each slot listed per city; every participant
also gets a private ballot in their own zone and language. People answer each
slot ✅ Sí / 🤔 Si es necesario / ❌ No with buttons (`v:<poll>:<slot>:y|m|n`),
and can change any answer until the poll closes; one row per (poll, member,
slot). The group message is refreshed in place where the platform can edit
(`Reply.key`), at most every `TALLY_EVERY`.

The scheduler's planner closes polls at their deadline (also after a
restart), nudges participants who have not answered every slot 24 hours
before it, and tells the coordinators once when everyone has answered. On
closing, the rule in `poll_rules` proposes a winner; a coordinator confirms it
or picks another slot, which becomes the weekly session series and is
announced to everyone in their own time.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.occurrences import set_weekly_session
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import (
    Capabilities,
    RenderContext,
    announce,
    cohort_zones,
    times_by_city,
)
from cohorte.handlers.core.errors import CohortError, NotMemberError, StaleButtonError
from cohorte.handlers.core.messages import (
    Button,
    FieldKind,
    File,
    Form,
    FormField,
    Reply,
    button_rows,
)
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.lang.text import fold
from cohorte.handlers.poll import rules as poll_rules
from cohorte.handlers.poll.rules import DecidedBy, SlotOption, SlotTally, Voter, Winner
from cohorte.handlers.poll.syntax import (
    CandidateSlot,
    PollSyntaxError,
    parse_poll_command,
    parse_slots,
)
from cohorte.locales import N_, Translator
from cohorte.scheduling.outbox import Planned, drop_pending, enqueue
from cohorte.scheduling.recurrence import on_or_after, series_dates, sprint_end, to_utc
from cohorte.storage import queries, voting
from cohorte.storage.db import conflict_insert
from cohorte.storage.models import Cohort, Member, Person, Role, Team
from cohorte.storage.polls import Choice, Poll, PollSlot, PollState
from cohorte.storage.series import Series
from cohorte.storage.types import parse_id

logger = logging.getLogger(__name__)

PURPOSE = "weekly_session"
# The group message is refreshed at most this often (edits count against rate limits).
TALLY_EVERY = timedelta(seconds=30)
NUDGE_BEFORE = timedelta(hours=24)
DEFAULT_DURATION = 60
FORM_DEADLINE_TIME = time(18, 0)
MAX_HOLIDAYS_SHOWN = 4

# Delivery kinds (one renderer each).
KIND_POLL = "poll"  # the live poll message (group) or a personal ballot (person)
KIND_NUDGE = "poll_nudge"
KIND_ALL_VOTED = "poll_all_voted"
KIND_CLOSED = "poll_closed"
KIND_CONFIRMED = "poll_confirmed"

VOTE_BUSY = N_("We could not record your vote. Please try again in a few seconds.")


class ChoiceCode(StrEnum):
    """A choice as a vote button carries it."""

    YES = "y"
    MAYBE = "m"
    NO = "n"

    @property
    def choice(self) -> Choice:
        return Choice[self.name]


class Vote(NamedTuple):
    poll: int
    slot: int
    code: ChoiceCode


VOTE = ButtonRoute("v", Vote, busy=VOTE_BUSY)
_EMOJI = {Choice.YES: "✅", Choice.MAYBE: "🤔", Choice.NO: "❌"}
_CHOICE_LABELS = {
    Choice.YES: N_("✅ Yes"),
    Choice.MAYBE: N_("🤔 If need be"),
    Choice.NO: N_("❌ No"),
}
_CHOICE_WORDS = {Choice.YES: N_("Yes"), Choice.MAYBE: N_("If need be"), Choice.NO: N_("No")}
_REASONS = {
    DecidedBy.ONLY_SLOT: N_("it is the only option"),
    DecidedBy.NO_ANSWERS: N_("nobody has answered yet, so the earliest in the week"),
    DecidedBy.YES: N_("the most Yes answers"),
    DecidedBy.YES_OR_MAYBE: N_("tied on Yes; the most Yes + If need be answers"),
    DecidedBy.TEAMS: N_("tied on answers; the most city teams can come"),
    DecidedBy.EARLIEST: N_("a complete tie; the earliest in the week"),
}

_SUBCOMMANDS = {
    "nueva": "new",
    "nuevo": "new",
    "new": "new",
    "crear": "new",
    "abrir": "new",
    "resultados": "results",
    "resultado": "results",
    "results": "results",
    "resumen": "results",
    "cerrar": "close",
    "close": "close",
    "elegir": "choose",
    "choose": "choose",
    "pick": "choose",
    "confirmar": "confirm",
    "confirm": "confirm",
    "cancelar": "cancel",
    "cancel": "cancel",
    "exportar": "export",
    "export": "export",
    "csv": "export",
}


class PollClosedError(CohortError):
    message = N_("This poll has already closed.")


class NoPollError(CohortError):
    message = N_("There is no poll yet. The coordination team opens it with /encuesta nueva.")


def register(router: Router) -> None:
    router.command(
        ("encuesta", "poll"),
        poll_command,
        N_(
            "the weekly session poll: /encuesta resultados "
            "(coordination: nueva, cerrar, elegir, confirmar, cancelar, exportar)"
        ),
    )
    router.command(("votar", "vote"), show_ballot, N_("answer the weekly session poll"))
    router.button(VOTE, press_vote)
    router.raw_button("pb", press_ballot)
    router.raw_button("pc", press_choose)
    router.raw_button("pf", submit_poll_form)
    router.raw_button("pn", press_new_form)


def register_capabilities(capabilities: Capabilities) -> None:
    capabilities.planners.append(plan_polls)
    capabilities.renderer(KIND_POLL, render_poll)
    capabilities.renderer(KIND_NUDGE, render_nudge)
    capabilities.renderer(KIND_ALL_VOTED, render_all_voted)
    capabilities.renderer(KIND_CLOSED, render_closed)
    capabilities.renderer(KIND_CONFIRMED, render_confirmed)


# -- the poll as loaded from the database ------------------------------------------------


@dataclass
class PollView:
    """A poll with its slots, the cohort's members, their votes and the tally."""

    poll: Poll
    cohort: Cohort
    slots: list[PollSlot]
    members: list[tuple[Member, Person]]
    teams: dict[int, Team]
    votes: dict[tuple[int, int], Choice]
    options: list[SlotOption] = field(default_factory=list)
    voters: list[Voter] = field(default_factory=list)
    results: dict[int, SlotTally] = field(default_factory=dict)
    winner: Winner | None = None

    def __post_init__(self) -> None:
        self.options = [
            SlotOption(slot.id or 0, slot.weekday, slot.local_time) for slot in self.slots
        ]
        self.voters = [
            Voter(member.id or 0, member.team_id, member.role == Role.PARTICIPANT)
            for member, _ in self.members
        ]
        tallies = poll_rules.tally(self.options, self.voters, self.votes)
        self.results = {result.slot_id: result for result in tallies}
        self.winner = poll_rules.pick_winner(self.options, tallies)

    @property
    def id(self) -> int:
        assert self.poll.id is not None
        return self.poll.id

    @property
    def is_open(self) -> bool:
        return self.poll.state == PollState.OPEN

    def slot(self, slot_id: int | None) -> PollSlot | None:
        return next((slot for slot in self.slots if slot.id == slot_id), None)

    def slot_at(self, position: int) -> PollSlot | None:
        return next((slot for slot in self.slots if slot.position == position), None)

    def team_ids(self) -> list[int]:
        """Teams with at least one member, by name."""
        present = {member.team_id for member, _ in self.members if member.team_id is not None}
        return sorted((t for t in present if t in self.teams), key=lambda t: self.teams[t].name)

    def expected(self) -> list[tuple[Member, Person]]:
        return [(m, p) for m, p in self.members if m.role == Role.PARTICIPANT]

    def answered(self, member_id: int) -> int:
        return poll_rules.answered(Voter(member_id, None), self.options, self.votes)

    def missing(self) -> list[tuple[Member, Person, int]]:
        """Participants who have not answered every slot, with how many they answered."""
        by_id = {member.id: (member, person) for member, person in self.members}
        return [
            (*by_id[voter.member_id], count)
            for voter, count in poll_rules.missing_voters(self.voters, self.options, self.votes)
        ]

    def complete_count(self) -> int:
        return len(self.expected()) - len(self.missing())

    def everyone_answered(self) -> bool:
        return bool(self.expected()) and not self.missing()


async def load_poll(session: AsyncSession, poll: Poll) -> PollView:
    """The poll with its slots, the cohort's members and teams, and every vote."""
    cohort = await session.get(Cohort, poll.cohort_id)
    assert cohort is not None and cohort.id is not None and poll.id is not None
    slots = list(
        (
            await session.exec(
                select(PollSlot).where(PollSlot.poll_id == poll.id).order_by(col(PollSlot.position))
            )
        ).all()
    )
    members = list(await queries.members_with_people(session, cohort.id))
    teams = {team.id: team for team in await queries.teams_of(session, cohort.id) if team.id}
    votes = await voting.poll_votes(session, poll.id)
    return PollView(poll, cohort, slots, members, teams, votes)


async def open_poll_of(session: AsyncSession, cohort_id: int) -> Poll | None:
    statement = select(Poll).where(
        Poll.cohort_id == cohort_id, Poll.purpose == PURPOSE, Poll.state == PollState.OPEN
    )
    return (await session.exec(statement)).first()


async def latest_poll_of(session: AsyncSession, cohort_id: int) -> Poll | None:
    """The open poll, else the most recent one that was not cancelled."""
    poll = await open_poll_of(session, cohort_id)
    if poll is not None:
        return poll
    statement = (
        select(Poll)
        .where(
            Poll.cohort_id == cohort_id,
            Poll.purpose == PURPOSE,
            Poll.state != PollState.CANCELLED,
        )
        .order_by(col(Poll.created_at).desc(), col(Poll.id).desc())
    )
    return (await session.exec(statement)).first()


# -- weekly slots in time ------------------------------------------------------------------


def monday_after(day: date) -> date:
    """The Monday strictly after `day`: a weekly series starts the following week."""
    return day + timedelta(days=7 - day.weekday())


def series_start(cohort: Cohort, decided_on: date) -> date:
    """Where a series chosen on `decided_on` (cohort's local date) begins."""
    return max(cohort.start_date, monday_after(decided_on))


def _local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def expected_start(view: PollView, now: datetime) -> date:
    """The first week the winner would run: after the deadline (open polls) or after today."""
    home = view.cohort.home_zone
    poll = view.poll
    decided = poll.deadline if view.is_open and poll.deadline is not None else now
    return series_start(view.cohort, _local_date(max(decided, now), home))


def occurrences(view: PollView, slot: PollSlot, start: date) -> list[datetime]:
    """The UTC instants of a slot, weekly from `start` to the end of the sprint (at least one)."""
    cohort = view.cohort
    return _instants(
        (slot.weekday, slot.local_time), view.poll.zone, (start, cohort.start_date, cohort.weeks)
    )


def _instants(slot: tuple[int, time], zone: str, sprint: tuple[date, date, int]) -> list[datetime]:
    (weekday, local_time), (start, sprint_start, weeks) = slot, sprint
    first = on_or_after(start, weekday)
    days = list(series_dates(first, sprint_end(sprint_start, weeks))) or [first]
    return [to_utc(day, local_time, zone) for day in days]


def _weekday(t: Translator, instant: datetime, zone: str) -> str:
    return weekday_name(instant.astimezone(ZoneInfo(zone)).weekday(), t.language)


def _short_slot(t: Translator, instant: datetime, zone: str) -> str:
    """'martes 11:00' in the zone."""
    return f"{_weekday(t, instant, zone)} {t.time(instant, zone)}"


def _time_change(t: Translator, instants: Sequence[datetime], zone: str) -> str | None:
    """'desde el domingo, 7 de septiembre: 12:00' when the local time moves during the series."""
    first = _short_slot(t, instants[0], zone)
    for instant in instants[1:]:
        if _short_slot(t, instant, zone) != first:
            same_day = _weekday(t, instant, zone) == _weekday(t, instants[0], zone)
            return t._(
                "from {date}: {time}",
                date=t.date(_local_date(instant, zone)),
                time=t.time(instant, zone) if same_day else _short_slot(t, instant, zone),
            )
    return None


def personal_slot(t: Translator, instants: Sequence[datetime], zone: str) -> str:
    """'martes 11:00 (hora de Santiago de Chile)', noting a DST change during the sprint."""
    text = t._(
        "{weekday} {time} ({zone})",
        weekday=_weekday(t, instants[0], zone),
        time=t.time(instants[0], zone),
        zone=t.zone_label(zone),
    )
    change = _time_change(t, instants, zone)
    return f"{text} — {change}" if change else text


def group_slot(t: Translator, instants: Sequence[datetime], home: str, zones: list[str]) -> str:
    """'martes · 09:00 Ciudad de México · 10:00 Bogotá · 11:00 Santiago de Chile'."""
    if len(zones) <= 1:
        return personal_slot(t, instants, home)
    text = f"{_weekday(t, instants[0], home)} · {times_by_city(t, instants[0], zones)}"
    changes = []
    for zone in zones:
        change = _time_change(t, instants, zone)
        if change and zone != home:
            changes.append(f"{t.city(zone)} {change}")
    return text + "".join(f" ({change})" for change in changes)


def _when(t: Translator, instant: datetime, zone: str | None, zones: list[str], home: str) -> str:
    """A moment for one reader (their zone) or for a group (per city)."""
    if zone is not None:
        return t.when(instant, zone)
    if len(zones) <= 1:
        return t.when(instant, home)
    return f"{t.date(_local_date(instant, home))} · {times_by_city(t, instant, zones)}"


# -- composing messages ----------------------------------------------------------------------


@dataclass
class Audience:
    """Who reads a message: one person in their zone, or a group (times per city)."""

    t: Translator
    zone: str | None  # None: a group
    zones: list[str]
    now: datetime


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
    instants = _instants(slot, poll_zone, sprint)
    t = Translator(locale)
    if zone is not None:
        return personal_slot(t, instants, zone)
    return group_slot(t, instants, poll_zone, list(zones))


def _short_label(audience: Audience, view: PollView, slot: PollSlot, start: date) -> str:
    instant = occurrences(view, slot, start)[0]
    return f"{slot.position}. {_short_slot(audience.t, instant, audience.zone or view.poll.zone)}"


def _flags(audience: Audience, view: PollView, slot: PollSlot, start: date) -> list[str]:
    """Teams that cannot come at all, and public holidays during the sprint."""
    t = audience.t
    lines = []
    result = view.results[slot.id or 0]
    for team_id in view.team_ids():
        if team_id in result.teams_all_no:
            lines.append(
                t._("⚠️ Nobody on the {team} team can come.", team=view.teams[team_id].name)
            )
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
        "Answered every time: {voted} of {total}.",
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
            when = _when(t, poll.deadline, audience.zone, audience.zones, poll.zone)
            lines.append(t._("Closes: {when}", when=when))
    elif poll.state == PollState.CANCELLED:
        lines = [t._("*{title}*: this poll was cancelled.", title=poll.title)]
    else:
        lines = [t._("🔒 *{title}*: voting has closed.", title=poll.title)]
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
        buttons.append((Button(t._("🕒 See it in my time zone"), f"pb:{view.id}"),))
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
        entries.append(
            f"{person.display_name} ({', '.join(details)})" if details else person.display_name
        )
    return t._("Still to answer: {names}", names="; ".join(entries))


def results_text(audience: Audience, view: PollView) -> str:
    """The tally per slot, team coverage and flags, the proposal, and who is missing."""
    t = audience.t
    poll = view.poll
    start = expected_start(view, audience.now)
    lines = [t._("📊 *{title}* — results", title=poll.title)]
    if view.is_open and poll.deadline is not None:
        when = _when(t, poll.deadline, audience.zone, audience.zones, poll.zone)
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


def _choose_buttons(audience: Audience, view: PollView) -> tuple[tuple[Button, ...], ...]:
    """Coordinators: confirm the proposal, or choose another slot."""
    t = audience.t
    start = expected_start(view, audience.now)
    proposed = view.poll.winner_slot_id or (view.winner.slot_id if view.winner else None)
    buttons = []
    for slot in sorted(view.slots, key=lambda s: (s.id != proposed, s.position)):
        label = _short_label(audience, view, slot, start)
        if slot.id == proposed:
            buttons.append(Button(t._("✅ Confirm {slot}", slot=label), f"pc:{view.id}:{slot.id}"))
        else:
            buttons.append(Button(t._("Choose {slot}", slot=label), f"pc:{view.id}:{slot.id}"))
    return button_rows(buttons, per_row=1)


# -- reaching people -------------------------------------------------------------------------


async def _privately_reachable(session: AsyncSession, person_ids: list[int]) -> list[int]:
    """People a bot can write to privately (a Telegram bot cannot open a private chat).

    Used for messages that everybody gets (ballots, the final announcement) or
    whose content the group gets anyway, so that unreachable people are not
    mentioned one by one in the group instead.
    """
    reachable = await queries.privately_reachable(session, person_ids)
    return [person_id for person_id in person_ids if person_id in reachable]


def _coordinator_ids(view: PollView, *, besides: int | None = None) -> list[int]:
    return [
        person.id
        for member, person in view.members
        if member.role == Role.COORDINATOR and person.id is not None and person.id != besides
    ]


async def _planned(
    session: AsyncSession,
    cohort_id: int,
    kind: str,
    key: str,
    now: datetime,
    *,
    ref: str,
    data: dict[str, object],
    people: list[int],
    to_chats: bool,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Like `announce`, for planners that have no handler context (same dedupe keys)."""
    planned = []
    if to_chats:
        for link in await queries.chats_of(session, cohort_id):
            planned.append(
                Planned(
                    f"{kind}:{key}:c{link.id}",
                    kind,
                    cohort_id,
                    due_at or now,
                    expires_at,
                    chat_link_id=link.id,
                    ref=ref,
                    data=data,
                )
            )
    for person_id in people:
        planned.append(
            Planned(
                f"{kind}:{key}:p{person_id}",
                kind,
                cohort_id,
                due_at or now,
                expires_at,
                person_id=person_id,
                ref=ref,
                data=data,
            )
        )
    return await enqueue(session, planned, now)


def _poll_ref(poll_id: int) -> str:
    """Deliveries about an open poll (tally refreshes, nudges): dropped when it closes."""
    return f"poll:{poll_id}"


# -- commands ---------------------------------------------------------------------------------


def _personal(ctx: Context) -> Audience:
    """The sender, in their own zone (also for their private answers in a group)."""
    return Audience(ctx.t, ctx.zone, [ctx.zone], ctx.clock.now())


async def _audience_for(ctx: Context, cohort: Cohort) -> Audience:
    """The sender in a private chat; everyone (times per city) in a group."""
    if not ctx.in_group:
        return _personal(ctx)
    return Audience(ctx.t, None, await cohort_zones(ctx.session, cohort), ctx.clock.now())


async def poll_command(ctx: Context, args: str) -> list[Reply]:
    """/encuesta [nueva|resultados|cerrar|elegir N|confirmar|cancelar|exportar]."""
    word, _, rest = args.strip().partition(" ")
    if not word:
        return await poll_overview(ctx)
    action = _SUBCOMMANDS.get(fold(word))
    if action is None:
        raise CohortError(
            N_(
                "I don't know /encuesta {word}. Use: resultados, or for the coordination "
                "team nueva, cerrar, elegir N, confirmar, cancelar, exportar."
            ),
            word=word[:30],
        )
    if action == "results":
        return await show_results(ctx)
    ctx.require_coordinator()
    if action == "new":
        return await new_poll(ctx, rest)
    if action == "close":
        return await close_by_command(ctx)
    if action == "choose":
        return await choose_by_command(ctx, rest)
    if action == "confirm":
        return await confirm_by_command(ctx)
    if action == "cancel":
        return await cancel_poll(ctx)
    return await export_poll(ctx)


async def poll_overview(ctx: Context) -> list[Reply]:
    """/encuesta alone: the reader's ballot (if a poll is open) and what can be done."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    t = ctx.t
    lines = [t._("/votar — answer the poll"), t._("/encuesta resultados — the answers so far")]
    if ctx.is_coordinator:
        lines += [
            t._("For the coordination team:"),
            "/encuesta nueva " + t._("(alone, it asks step by step)"),
            '  /encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 '
            "cierre 2025-04-25 18:00 duracion 90",
            "/encuesta cerrar · /encuesta elegir N · /encuesta confirmar",
            "/encuesta cancelar · /encuesta exportar",
        ]
    help_text = "\n".join(lines)
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        return [Reply(t._("There is no open poll right now.") + "\n\n" + help_text)]
    view = await load_poll(ctx.session, poll)
    audience = _personal(ctx)
    reply = ballot(audience, view, member)
    return [Reply(reply.text + "\n\n" + help_text, reply.buttons, ephemeral=ctx.in_group)]


async def show_ballot(ctx: Context, _args: str) -> list[Reply]:
    """/votar: the reader's slots in their own zone, their answers and the buttons."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll right now."))
    view = await load_poll(ctx.session, poll)
    audience = _personal(ctx)
    return [_ephemeral_in_group(ctx, ballot(audience, view, member))]


def _ephemeral_in_group(ctx: Context, reply: Reply) -> Reply:
    if not ctx.in_group:
        return reply
    return Reply(reply.text, reply.buttons, ephemeral=True)


async def show_results(ctx: Context) -> list[Reply]:
    """/encuesta resultados: the tally, team coverage, the proposal and who is missing."""
    cohort, _ = ctx.require_member()
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise NoPollError()
    view = await load_poll(ctx.session, poll)
    audience = await _audience_for(ctx, cohort)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if ctx.is_coordinator and poll.state in (PollState.CLOSED, PollState.CONFIRMED):
        buttons = _choose_buttons(audience, view)
    return [Reply(results_text(audience, view), buttons)]


# -- opening ----------------------------------------------------------------------------------


async def new_poll(ctx: Context, args: str) -> list[Reply]:
    """/encuesta nueva ...: open a poll; alone, a guided form."""
    cohort, _ = ctx.require_coordinator()
    if not args.strip():
        return [new_poll_form(ctx, cohort)]
    now = ctx.clock.now()
    spec = parse_poll_command(args, cohort.home_zone, now)
    return await open_poll(
        ctx,
        cohort,
        spec.title,
        spec.slots,
        spec.deadline,
        spec.duration_minutes or DEFAULT_DURATION,
    )


def new_poll_form(ctx: Context, cohort: Cohort) -> Reply:
    """The guided form: slots as text, deadline and duration with buttons, optional title."""
    t = ctx.t
    home = cohort.home_zone
    today = _local_date(ctx.clock.now(), home)
    deadlines = []
    for days in (2, 3, 7):
        day = today + timedelta(days=days)
        when = t.when(to_utc(day, FORM_DEADLINE_TIME, home), home)
        deadlines.append((day.isoformat(), when))
    deadlines.append(("-", t._("No deadline (I will close it myself)")))
    durations = (
        ("60", t._("1 hour")),
        ("90", t._("1 hour 30 minutes")),
        ("120", t._("2 hours")),
    )
    form = Form(
        title=t._("New weekly session poll"),
        submit=f"pf:{cohort.id}",
        fields=(
            FormField(
                "slots",
                t._(
                    "Which weekly times do you propose? Write days and times in {zone}, "
                    "separated by commas, for example: martes 10:00, miércoles 16:00, jueves 9:30",
                    zone=t.zone_label(home),
                ),
                max_length=300,
            ),
            FormField(
                "deadline",
                t._("When does voting close?"),
                FieldKind.CHOICE,
                tuple(deadlines),
            ),
            FormField("duration", t._("How long is each session?"), FieldKind.CHOICE, durations),
            FormField(
                "title",
                t._("A title for the poll? (Skip: “{title}”)", title=t._("Weekly session")),
                required=False,
                max_length=120,
            ),
        ),
    )
    return Reply(t._("Let's open the poll for the weekly session."), form=form)


async def press_new_form(ctx: Context, args: list[str]) -> list[Reply]:
    """'Try again' after a form answer that could not be read."""
    cohort = await _coordinated_cohort(ctx, parse_id(args[0]))
    return [new_poll_form(ctx, cohort)]


async def submit_poll_form(ctx: Context, args: list[str]) -> list[Reply]:
    """The guided form (or Slack modal) came back: open the poll it describes."""
    cohort = await _coordinated_cohort(ctx, parse_id(args[0]))
    values = ctx.incoming.form_values or {}
    try:
        slots = parse_slots(values.get("slots", ""))
    except PollSyntaxError as error:
        retry = Button(ctx.t._("Try again"), f"pn:{cohort.id}")
        return [Reply(error.render(ctx.t), ((retry,),))]
    deadline = None
    if values.get("deadline", "-") not in ("", "-"):
        day = date.fromisoformat(values["deadline"])
        deadline = datetime.combine(day, FORM_DEADLINE_TIME, ZoneInfo(cohort.home_zone))
    duration = int(values.get("duration") or DEFAULT_DURATION)
    if not 15 <= duration <= 480:
        raise ValueError(f"duration out of range: {duration}")
    title = " ".join(values.get("title", "").split())[:120] or None
    return await open_poll(ctx, cohort, title, slots, deadline, duration)


async def _coordinated_cohort(ctx: Context, cohort_id: int) -> Cohort:
    """The cohort of a coordinator's button, checking the presser coordinates it."""
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    cohort = await ctx.session.get(Cohort, cohort_id)
    member = await queries.membership(ctx.session, cohort_id, ctx.person.id)
    if cohort is None or member is None:
        raise StaleButtonError()
    ctx.cohort, ctx.member = cohort, member
    ctx.require_coordinator()
    return cohort


async def open_poll(
    ctx: Context,
    cohort: Cohort,
    title: str | None,
    slots: Sequence[CandidateSlot],
    deadline: datetime | None,
    duration: int,
) -> list[Reply]:
    """Create the poll, post it to the cohort's chats and send each participant a ballot."""
    assert cohort.id is not None
    t = ctx.t
    now = ctx.clock.now()
    if deadline is not None and deadline <= now:
        raise PollSyntaxError(
            N_("The deadline {when} has already passed."),
            when=t.when(deadline, cohort.home_zone),
        )
    existing = await open_poll_of(ctx.session, cohort.id)
    if existing is not None:
        raise _already_open(existing)
    # One open poll per cohort and purpose, even when two coordinators race:
    # the unique (cohort, purpose, open_marker) constraint decides.
    statement = (
        conflict_insert(ctx.session, Poll)
        .values(
            cohort_id=cohort.id,
            purpose=PURPOSE,
            title=title or t._("Weekly session"),
            state=PollState.OPEN.value,
            open_marker=1,
            zone=cohort.home_zone,
            duration_minutes=duration,
            deadline=deadline.astimezone(UTC) if deadline else None,
            created_by=ctx.person.id if ctx.person else None,
            created_at=now,
            all_voted_notified=False,
        )
        .on_conflict_do_nothing()
        .returning(col(Poll.id))
    )
    row = (await ctx.session.exec(statement)).first()
    if row is None:
        existing = await open_poll_of(ctx.session, cohort.id)
        raise _already_open(existing)
    poll_id = int(row[0])
    for position, slot in enumerate(sorted(slots), 1):
        ctx.session.add(
            PollSlot(
                poll_id=poll_id,
                position=position,
                weekday=slot.weekday,
                local_time=slot.local_time,
            )
        )
    await ctx.session.flush()
    poll = await ctx.session.get(Poll, poll_id)
    assert poll is not None
    view = await load_poll(ctx.session, poll)
    participants = [person.id for _, person in view.expected() if person.id is not None]
    ballots_to = await _privately_reachable(ctx.session, participants)
    ctx.cohort = cohort
    await announce(
        ctx,
        KIND_POLL,
        f"{poll_id}:open",
        ref=_poll_ref(poll_id),
        data={"poll": poll_id},
        people=ballots_to,
    )
    lines = [
        t.ngettext(
            "Done: the poll “{title}” is open with {n} time.",
            "Done: the poll “{title}” is open with {n} times.",
            len(slots),
            title=poll.title,
        )
    ]
    if poll.deadline is not None:
        lines.append(t._("It closes on {when}.", when=t.when(poll.deadline, ctx.zone)))
    else:
        lines.append(t._("It has no deadline: close it with /encuesta cerrar."))
    chats = await queries.chats_of(ctx.session, cohort.id)
    if chats:
        lines.append(t._("I posted it in the cohort's group chat."))
    else:
        lines.append(
            t._("The cohort has no group chat yet: link one with /vincular CODIGO in the group.")
        )
    lines.append(
        t.ngettext(
            "{n} participant got their ballot privately; everyone can also use /votar.",
            "{n} participants got their ballot privately; everyone can also use /votar.",
            len(ballots_to),
        )
    )
    return [Reply("\n".join(lines))]


def _already_open(poll: Poll | None) -> CohortError:
    return CohortError(
        N_(
            "There is already an open poll: “{title}”. Close it with /encuesta cerrar "
            "or cancel it with /encuesta cancelar before opening another one."
        ),
        title=poll.title if poll else "",
    )


# -- voting -----------------------------------------------------------------------------------


async def press_vote(ctx: Context, vote: Vote) -> list[Reply]:
    """A vote button: the sender's answer for one slot."""
    return await record_vote(ctx, vote.poll, vote.slot, vote.code.choice)


async def record_vote(ctx: Context, poll_id: int, slot_id: int, choice: Choice) -> list[Reply]:
    """Store (or replace) the sender's answer for one slot; answer with their ballot.

    One statement writes the vote with every check inside it; the receipt is read
    and rendered after the commit.
    """
    session = ctx.session
    now = ctx.clock.now()
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member_id = await voting.cast_vote(session, poll_id, slot_id, ctx.person.id, choice, now)
    if member_id is None:
        raise await _why_not_recorded(ctx, poll_id, slot_id)
    person = ctx.person
    member = ctx.member if ctx.member is not None and ctx.member.id == member_id else None
    if member is None:  # someone in two cohorts, answering the other one's poll
        member = await session.get(Member, member_id)
        assert member is not None
        ctx.member, ctx.cohort = member, await session.get(Cohort, member.cohort_id)
    await _refresh_group_message(ctx, poll_id)

    async def receipt() -> list[Reply]:
        found = await voting.ballot_of(session, poll_id, member_id)
        assert found is not None  # the vote was just stored
        poll, slots, own = found
        cohort = ctx.cohort
        assert cohort is not None and member is not None
        votes = {(member_id, slot): answer for slot, answer in own.items()}
        view = PollView(poll, cohort, slots, [(member, person)], {}, votes)
        slot = view.slot(slot_id)
        assert slot is not None
        if view.answered(member_id) == len(slots):
            # The last answer of this ballot: perhaps everyone has answered now, which
            # the planner tells the coordinators (at once in the console).
            ctx.outbox_dirty = True
        return [_vote_receipt(ctx, view, member, slot, choice)]

    return ctx.after_commit(receipt)


async def _why_not_recorded(ctx: Context, poll_id: int, slot_id: int) -> CohortError:
    """The vote was refused: say why (only read on this rare path)."""
    poll = await ctx.session.get(Poll, poll_id)
    if poll is None or poll.state != PollState.OPEN:
        return PollClosedError()
    if poll.deadline is not None and ctx.clock.now() >= poll.deadline:
        return PollClosedError()
    slot = await ctx.session.get(PollSlot, slot_id)
    if slot is None or slot.poll_id != poll.id:
        return StaleButtonError()
    return CohortError(N_("You can only vote in the polls of your own cohort."))


async def _refresh_group_message(ctx: Context, poll_id: int) -> None:
    """Queue one refresh of the group message per `TALLY_EVERY` window, rendered at its end."""
    now = ctx.clock.now()
    window = int(now.timestamp() // TALLY_EVERY.total_seconds())
    key = f"{poll_id}:t{window}"
    if f"poll-tally:{key}" in ctx.recent:
        return  # this process queued it already (the outbox's unique key is the judge)
    due = datetime.fromtimestamp((window + 1) * TALLY_EVERY.total_seconds(), UTC)
    await announce(ctx, KIND_POLL, key, ref=_poll_ref(poll_id), data={"poll": poll_id}, due_at=due)

    async def remember() -> list[Reply]:
        ctx.recent.add(f"poll-tally:{key}")
        return []

    ctx.after_commit(remember)


def _vote_receipt(
    ctx: Context, view: PollView, member: Member, slot: PollSlot, choice: Choice
) -> Reply:
    t = ctx.t
    audience = _personal(ctx)
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


async def press_ballot(ctx: Context, args: list[str]) -> list[Reply]:
    """'See it in my time zone' under the group message: the presser's own ballot."""
    poll = await ctx.session.get(Poll, parse_id(args[0]))
    if poll is None or poll.state != PollState.OPEN:
        raise PollClosedError()
    if ctx.person is None or ctx.person.id is None:
        raise NotMemberError()
    member = await queries.membership(ctx.session, poll.cohort_id, ctx.person.id)
    if member is None:
        raise CohortError(N_("You can only vote in the polls of your own cohort."))
    view = await load_poll(ctx.session, poll)
    audience = _personal(ctx)
    return [_ephemeral_in_group(ctx, ballot(audience, view, member))]


# -- closing, choosing, confirming -----------------------------------------------------------


async def close_poll(
    session: AsyncSession, poll: Poll, now: datetime, *, closed_by: int | None = None
) -> PollView | None:
    """Close an open poll (once, even with several processes), propose the winner, announce.

    Returns None when the poll was not open any more (someone else closed it).
    """
    assert poll.id is not None
    claimed = (
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == poll.id, col(Poll.state) == PollState.OPEN.value)
            .values(state=PollState.CLOSED.value, open_marker=None, closed_at=now)
            .returning(col(Poll.id))
        )
    ).first()
    if claimed is None:
        return None
    await session.refresh(poll)
    view = await load_poll(session, poll)
    poll.winner_slot_id = view.winner.slot_id if view.winner else None
    session.add(poll)
    await session.flush()
    await drop_pending(session, _poll_ref(poll.id), "poll closed")
    data: dict[str, object] = {"poll": poll.id}
    # The group message loses its buttons first, then the result follows.
    await _planned(
        session,
        poll.cohort_id,
        KIND_POLL,
        f"{poll.id}:final",
        now,
        ref=f"poll:{poll.id}:final",
        data=data,
        people=[],
        to_chats=True,
    )
    await _planned(
        session,
        poll.cohort_id,
        KIND_CLOSED,
        str(poll.id),
        now,
        ref=f"poll:{poll.id}:closed",
        data=data,
        # Coordinators who cannot be written to privately see the group's copy.
        people=await _privately_reachable(session, _coordinator_ids(view, besides=closed_by)),
        to_chats=True,
    )
    logger.info("closed poll %s (winner slot %s)", poll.id, poll.winner_slot_id)
    return view


async def close_by_command(ctx: Context) -> list[Reply]:
    """/encuesta cerrar: close now; the closer gets the result with the confirm buttons."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll to close."))
    view = await close_poll(
        ctx.session, poll, ctx.clock.now(), closed_by=ctx.person.id if ctx.person else None
    )
    if view is None:
        raise PollClosedError()
    ctx.outbox_dirty = True
    audience = await _audience_for(ctx, cohort)
    t = ctx.t
    text = "\n".join(
        [
            t._("Done: the poll is closed."),
            "",
            results_text(audience, view),
            "",
            t._("Confirm the proposed time or choose another one (or write /encuesta elegir N)."),
        ]
    )
    return [Reply(text, _choose_buttons(audience, view))]


async def _decidable_poll(ctx: Context, cohort: Cohort) -> Poll:
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise NoPollError()
    if poll.state == PollState.OPEN:
        raise CohortError(
            N_("The poll is still open. Close it first with /encuesta cerrar, then choose.")
        )
    return poll


async def choose_by_command(ctx: Context, args: str) -> list[Reply]:
    """/encuesta elegir N: make slot N the weekly session."""
    cohort, _ = ctx.require_coordinator()
    poll = await _decidable_poll(ctx, cohort)
    view = await load_poll(ctx.session, poll)
    text = args.strip().lstrip("#")
    slot = view.slot_at(int(text)) if text.isdigit() and len(text) < 4 else None
    if slot is None:
        raise CohortError(
            N_("Write the number of the time, from 1 to {count}, for example: /encuesta elegir 2"),
            count=len(view.slots),
        )
    return await confirm_slot(ctx, view, slot)


async def confirm_by_command(ctx: Context) -> list[Reply]:
    """/encuesta confirmar: make the proposed slot the weekly session."""
    cohort, _ = ctx.require_coordinator()
    poll = await _decidable_poll(ctx, cohort)
    view = await load_poll(ctx.session, poll)
    slot = view.slot(poll.winner_slot_id)
    if slot is None:
        raise CohortError(N_("There is no proposed time. Choose one with /encuesta elegir N."))
    return await confirm_slot(ctx, view, slot)


async def press_choose(ctx: Context, args: list[str]) -> list[Reply]:
    """A coordinator's 'Confirm' / 'Choose' button: pc:<poll>:<slot>."""
    poll = await ctx.session.get(Poll, parse_id(args[0]))
    slot_id = parse_id(args[1])
    if poll is None or poll.state == PollState.CANCELLED:
        raise PollClosedError(N_("This poll was cancelled."))
    await _coordinated_cohort(ctx, poll.cohort_id)
    if poll.state == PollState.OPEN:
        raise CohortError(
            N_("The poll is still open. Close it first with /encuesta cerrar, then choose.")
        )
    view = await load_poll(ctx.session, poll)
    slot = view.slot(slot_id)
    if slot is None:
        raise StaleButtonError()
    return await confirm_slot(ctx, view, slot)


async def confirm_slot(ctx: Context, view: PollView, slot: PollSlot) -> list[Reply]:
    """The chosen slot becomes the weekly session series from next week; everyone is told."""
    session = ctx.session
    poll = view.poll
    cohort = view.cohort
    assert poll.id is not None and cohort.id is not None
    t = ctx.t
    now = ctx.clock.now()
    # Claim the decision atomically, so that a double click creates one series.
    claimed = (
        await session.exec(
            update(Poll)
            .where(
                col(Poll.id) == poll.id,
                col(Poll.state).in_([PollState.CLOSED.value, PollState.CONFIRMED.value]),
                ~(
                    (col(Poll.state) == PollState.CONFIRMED.value)
                    & (col(Poll.winner_slot_id) == slot.id)
                ),
            )
            .values(state=PollState.CONFIRMED.value, winner_slot_id=slot.id)
            .returning(col(Poll.id))
        )
    ).first()
    await session.refresh(poll)
    if claimed is None:
        if poll.state == PollState.CONFIRMED and poll.winner_slot_id == slot.id:
            instant = occurrences(view, slot, expected_start(view, now))[0]
            return [
                Reply(
                    t._(
                        "The weekly session is already every {slot}.",
                        slot=personal_slot(t, [instant], ctx.zone),
                    )
                )
            ]
        raise PollClosedError()
    start = monday_after(_local_date(now, cohort.home_zone))
    series = await set_weekly_session(
        session,
        cohort,
        slot.weekday,
        slot.local_time,
        poll.zone,
        poll.duration_minutes,
        start,
        now,
        title=poll.title,
    )
    poll.series_id = series.id
    session.add(poll)
    await session.flush()
    ctx.cohort = cohort
    everyone = [person.id for _, person in view.members if person.id is not None]
    await announce(
        ctx,
        KIND_CONFIRMED,
        f"{poll.id}:s{series.id}",
        ref=f"poll:{poll.id}:confirmed",
        data={"poll": poll.id, "series": series.id},
        people=await _privately_reachable(session, everyone),
    )
    zone = ctx.zone
    first = to_utc(series.first_date, series.local_time, series.zone)
    return [
        Reply(
            t._(
                "Done: the weekly session is every {slot}, starting {first}. "
                "I am letting everyone know.",
                slot=personal_slot(t, [first], zone),
                first=t.date(_local_date(first, zone)),
            )
        )
    ]


async def cancel_poll(ctx: Context) -> list[Reply]:
    """/encuesta cancelar: the open poll is cancelled; its buttons stop working."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await open_poll_of(ctx.session, cohort.id)
    if poll is None:
        raise CohortError(N_("There is no open poll to cancel."))
    assert poll.id is not None
    now = ctx.clock.now()
    cancelled = (
        await ctx.session.exec(
            update(Poll)
            .where(col(Poll.id) == poll.id, col(Poll.state) == PollState.OPEN.value)
            .values(state=PollState.CANCELLED.value, open_marker=None, closed_at=now)
            .returning(col(Poll.id))
        )
    ).first()
    if cancelled is None:
        raise PollClosedError()
    await drop_pending(ctx.session, _poll_ref(poll.id), "poll cancelled")
    ctx.cohort = cohort
    await announce(
        ctx,
        KIND_POLL,
        f"{poll.id}:cancelled",
        ref=f"poll:{poll.id}:final",
        data={"poll": poll.id},
    )
    return [Reply(ctx.t._("Done: the poll “{title}” is cancelled.", title=poll.title))]


# -- export -----------------------------------------------------------------------------------


async def export_poll(ctx: Context) -> list[Reply]:
    """/encuesta exportar: the latest poll as a CSV file."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None or poll.id is None:
        raise NoPollError()
    data = await poll_csv(ctx.session, poll.id, ctx.t)
    assert data is not None
    return [
        Reply(
            ctx.t._("The answers of “{title}”, one row per person and time.", title=poll.title),
            file=File(f"encuesta-{poll.id}.csv", data, "text/csv"),
        )
    ]


def _cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def poll_csv(session: AsyncSession, poll_id: int, t: Translator) -> bytes | None:
    """The poll as CSV (UTF-8 with BOM, for spreadsheets): time, person, team, answer.

    One row per slot and member who answered it or is expected to; unanswered
    cells are empty. None when there is no such poll.
    """
    poll = await session.get(Poll, poll_id)
    if poll is None:
        return None
    view = await load_poll(session, poll)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t._("time slot"), t._("person"), t._("team"), t._("vote")])
    for slot in view.slots:
        label = t._(
            "{weekday} {time} ({zone})",
            weekday=weekday_name(slot.weekday, t.language),
            time=slot.local_time.strftime("%H:%M"),
            zone=t.zone_label(poll.zone),
        )
        rows = []
        for member, person in view.members:
            choice = view.votes.get((member.id or 0, slot.id or 0))
            if choice is None and member.role != Role.PARTICIPANT:
                continue
            team = view.teams.get(member.team_id) if member.team_id is not None else None
            answer = t._(_CHOICE_WORDS[choice]) if choice else ""
            rows.append((team.name if team else "", person.display_name, answer))
        for team_name, name, answer in sorted(rows):
            writer.writerow([_cell(label), _cell(name), _cell(team_name), answer])
    return buffer.getvalue().encode("utf-8-sig")


# -- the scheduler's side ---------------------------------------------------------------------


def nudge_time(poll: Poll) -> datetime | None:
    """24 h before the deadline, or halfway through for polls shorter than two days."""
    if poll.deadline is None:
        return None
    return max(
        poll.deadline - NUDGE_BEFORE, poll.created_at + (poll.deadline - poll.created_at) / 2
    )


async def plan_polls(session: AsyncSession, now: datetime) -> None:
    """Every tick: close polls past their deadline, nudge late voters, tell coordinators."""
    open_polls = (
        await session.exec(select(Poll).where(Poll.state == PollState.OPEN).order_by(col(Poll.id)))
    ).all()
    for poll in open_polls:
        assert poll.id is not None
        if poll.deadline is not None and now >= poll.deadline:
            await close_poll(session, poll, now)
            continue
        view = await load_poll(session, poll)
        if not poll.all_voted_notified and view.everyone_answered():
            await _tell_coordinators_everyone_answered(session, view, now)
        nudge_at = nudge_time(poll)
        if nudge_at is not None and now >= nudge_at and view.missing():
            late = [person.id for _, person, _ in view.missing() if person.id is not None]
            await _planned(
                session,
                poll.cohort_id,
                KIND_NUDGE,
                str(poll.id),
                now,
                ref=_poll_ref(poll.id),
                data={"poll": poll.id},
                people=late,
                to_chats=False,
                expires_at=poll.deadline,
            )


async def _tell_coordinators_everyone_answered(
    session: AsyncSession, view: PollView, now: datetime
) -> None:
    claimed = (
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == view.id, col(Poll.all_voted_notified).is_(False))
            .values(all_voted_notified=True)
            .returning(col(Poll.id))
        )
    ).first()
    if claimed is None:
        return
    await _planned(
        session,
        view.poll.cohort_id,
        KIND_ALL_VOTED,
        str(view.id),
        now,
        ref=f"poll:{view.id}:all",
        data={"poll": view.id},
        people=await _privately_reachable(session, _coordinator_ids(view)),
        to_chats=False,
    )


# -- renderers (run at send time, in the reader's language and zone) --------------------------


async def _view_for(rc: RenderContext) -> PollView | None:
    poll_id = rc.data.get("poll")
    if not isinstance(poll_id, int):
        return None
    poll = await rc.session.get(Poll, poll_id)
    if poll is None or poll.cohort_id != rc.cohort.id:
        return None
    return await load_poll(rc.session, poll)


async def _render_audience(rc: RenderContext) -> Audience:
    if rc.zone is None:
        return Audience(rc.t, None, await rc.zones(), rc.now)
    return Audience(rc.t, rc.zone, [rc.zone], rc.now)


async def render_poll(rc: RenderContext) -> Reply | None:
    """The group's poll message (current tally), or a person's ballot while the poll is open."""
    view = await _view_for(rc)
    if view is None:
        return None
    audience = await _render_audience(rc)
    if rc.in_group:
        return poll_message(audience, view)
    if not view.is_open or rc.member is None:
        return None
    intro = rc.t._("The weekly session poll is open. Your answers, please!")
    return ballot(audience, view, rc.member, intro)


async def render_nudge(rc: RenderContext) -> Reply | None:
    """A reminder for someone who has not answered every slot (nothing if they have by now)."""
    view = await _view_for(rc)
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


async def render_all_voted(rc: RenderContext) -> Reply | None:
    """Coordinators: everyone has answered; close now or wait."""
    view = await _view_for(rc)
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


async def render_closed(rc: RenderContext) -> Reply | None:
    """The result: to the group, and to coordinators with the buttons to confirm or choose."""
    view = await _view_for(rc)
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
    return Reply("\n".join(lines), _choose_buttons(audience, view))


async def render_confirmed(rc: RenderContext) -> Reply | None:
    """The weekly session is decided: day and time in the reader's zone (or per city)."""
    view = await _view_for(rc)
    series_id = rc.data.get("series")
    if view is None or not isinstance(series_id, int):
        return None
    series = await rc.session.get(Series, series_id)
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
        first = _when(t, instants[0], None, zones, series.zone)
    lines = [
        t._("📅 *{title}*: the weekly session is decided.", title=view.poll.title),
        t._("Every {slot}.", slot=when),
        t._("First session: {when}.", when=first),
        t._("Until {date}, the end of the sprint.", date=t.date(series.last_date)),
        t.ngettext(
            "Each session lasts {n} minute.",
            "Each session lasts {n} minutes.",
            series.duration_minutes,
        ),
    ]
    if series.meeting_url:
        lines.append(t._("Link: {url}", url=series.meeting_url))
    return Reply("\n".join(lines))
