"""The arithmetic of the meeting-time poll: tallies, the winner rule, flags, holidays.

Pure functions over plain values, so the rule can be read and tested on its own.

How the weekly session is chosen
--------------------------------

Every participant answers each candidate slot with ✅ *Sí*, 🤔 *Si es
necesario* or ❌ *No*, and can change any answer until the poll closes. When it
closes (at its deadline, or earlier with `/encuesta cerrar`), the proposed
slot is the one with:

1. the most *Sí* answers;
2. if tied, the most *Sí* + *Si es necesario* answers (the most people who
   can come at all);
3. if still tied, the most city teams with at least one member who can come
   (*Sí* or *Si es necesario*), so that no city is left out;
4. if still tied, the earliest in the week: Monday first, then the earliest
   time of day, in the cohort's home time zone.

Slots nobody answered count as nothing. Two flags inform the choice without
changing the order: a slot that **every member of a team** answered *No* to
("nadie del equipo de Santiago puede"), and a slot that falls on a **public
holiday** of a team's country during the sprint (with the holiday's name). The
coordination team then confirms the proposed slot or picks another one; the
chosen slot becomes the cohort's weekly session from the following week to
the end of the sprint.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from cohorte.storage.polls import Choice


@dataclass(frozen=True)
class SlotOption:
    """A candidate slot: its id and when it is in the week (in the poll's zone)."""

    id: int
    weekday: int  # Monday = 0
    local_time: time

    @property
    def week_order(self) -> tuple[int, time]:
        return self.weekday, self.local_time


@dataclass(frozen=True)
class Voter:
    """A member who may vote. `expected` members are nudged and listed when missing."""

    member_id: int
    team_id: int | None
    expected: bool = True


@dataclass(frozen=True)
class SlotTally:
    slot_id: int
    yes: int = 0
    maybe: int = 0
    no: int = 0
    # Teams with at least one member who said Sí or Si es necesario.
    teams_available: frozenset[int] = frozenset()
    # Teams whose every member said No.
    teams_all_no: frozenset[int] = frozenset()

    @property
    def can_come(self) -> int:
        return self.yes + self.maybe

    @property
    def answers(self) -> int:
        return self.yes + self.maybe + self.no


class DecidedBy(StrEnum):
    """Which step of the rule separated the winner from the runner-up."""

    ONLY_SLOT = "only_slot"
    NO_ANSWERS = "no_answers"
    YES = "yes"
    YES_OR_MAYBE = "yes_or_maybe"
    TEAMS = "teams"
    EARLIEST = "earliest"


@dataclass(frozen=True)
class Winner:
    slot_id: int
    decided_by: DecidedBy


Votes = Mapping[tuple[int, int], Choice]
"""(member id, slot id) -> the member's answer for that slot."""


def tally(slots: Sequence[SlotOption], voters: Sequence[Voter], votes: Votes) -> list[SlotTally]:
    """Counts per slot (in the order of `slots`); votes of non-voters are ignored."""
    teams: dict[int, list[int]] = {}
    for voter in voters:
        if voter.team_id is not None:
            teams.setdefault(voter.team_id, []).append(voter.member_id)
    results = []
    for slot in slots:
        counts = dict.fromkeys(Choice, 0)
        for voter in voters:
            choice = votes.get((voter.member_id, slot.id))
            if choice is not None:
                counts[choice] += 1
        available = frozenset(
            team
            for team, members in teams.items()
            if any(votes.get((m, slot.id)) in (Choice.YES, Choice.MAYBE) for m in members)
        )
        all_no = frozenset(
            team
            for team, members in teams.items()
            if all(votes.get((m, slot.id)) is Choice.NO for m in members)
        )
        results.append(
            SlotTally(
                slot.id,
                counts[Choice.YES],
                counts[Choice.MAYBE],
                counts[Choice.NO],
                available,
                all_no,
            )
        )
    return results


def _rank_key(slot: SlotOption, result: SlotTally) -> tuple[int, int, int, int, time]:
    return (
        -result.yes,
        -result.can_come,
        -len(result.teams_available),
        slot.weekday,
        slot.local_time,
    )


def rank(slots: Sequence[SlotOption], results: Sequence[SlotTally]) -> list[SlotOption]:
    """The slots from best to worst by the documented rule."""
    by_id = {result.slot_id: result for result in results}
    return sorted(slots, key=lambda slot: _rank_key(slot, by_id[slot.id]))


def pick_winner(slots: Sequence[SlotOption], results: Sequence[SlotTally]) -> Winner | None:
    """The proposed slot and the step of the rule that decided it (None without slots)."""
    if not slots:
        return None
    ranked = rank(slots, results)
    best = ranked[0]
    if len(ranked) == 1:
        return Winner(best.id, DecidedBy.ONLY_SLOT)
    by_id = {result.slot_id: result for result in results}
    if all(result.answers == 0 for result in results):
        return Winner(best.id, DecidedBy.NO_ANSWERS)
    first, second = by_id[best.id], by_id[ranked[1].id]
    if first.yes != second.yes:
        decided = DecidedBy.YES
    elif first.can_come != second.can_come:
        decided = DecidedBy.YES_OR_MAYBE
    elif len(first.teams_available) != len(second.teams_available):
        decided = DecidedBy.TEAMS
    else:
        decided = DecidedBy.EARLIEST
    return Winner(best.id, decided)


def answered(voter: Voter, slots: Sequence[SlotOption], votes: Votes) -> int:
    """How many of the slots this voter has answered."""
    return sum(1 for slot in slots if (voter.member_id, slot.id) in votes)


def missing_voters(
    voters: Sequence[Voter], slots: Sequence[SlotOption], votes: Votes
) -> list[tuple[Voter, int]]:
    """Expected voters who have not answered every slot, with how many they answered."""
    found = []
    for voter in voters:
        if not voter.expected:
            continue
        count = answered(voter, slots, votes)
        if count < len(slots):
            found.append((voter, count))
    return found


# -- public holidays -------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayFlag:
    """Public holidays on the local date of one occurrence: (name, country codes) pairs."""

    day: date
    holidays: tuple[tuple[str, tuple[str, ...]], ...]


def holiday_flags(
    occurrences: Sequence[datetime], places: Sequence[tuple[str, str]], language: str
) -> list[HolidayFlag]:
    """Holidays that fall on an occurrence, on the local date where each team lives.

    `places` are (country code, zone) pairs of the teams. Names are in
    `language` when the `holidays` package has them (Spanish for Latin
    America), else in the country's own language. Countries the package does
    not know are skipped. One flag per date, in date order; countries keep the
    order of `places`.
    """
    if not occurrences:
        return []
    years = tuple(sorted({instant.year for instant in occurrences}))
    found: dict[date, dict[str, list[str]]] = {}
    for country, zone in dict.fromkeys(places):
        calendar = _holidays(country, years, language)
        if calendar is None:
            continue
        for instant in occurrences:
            day = instant.astimezone(ZoneInfo(zone)).date()
            name = calendar.get(day)
            if name:
                countries = found.setdefault(day, {}).setdefault(str(name), [])
                if country not in countries:
                    countries.append(country)
    return [
        HolidayFlag(day, tuple((name, tuple(codes)) for name, codes in names.items()))
        for day, names in sorted(found.items())
    ]


@functools.lru_cache(maxsize=128)
def _holidays(country: str, years: tuple[int, ...], language: str) -> holidays.HolidayBase | None:
    try:
        default = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        return None
    supported = getattr(default, "supported_languages", ())
    wanted = "es" if language == "es" else "en_US"
    if wanted not in supported:
        return default
    return holidays.country_holidays(country, years=years, language=wanted)
