"""The winner rule and its tie-breaks, team flags and public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from cohorte.handlers.poll.rules import (
    DecidedBy,
    HolidayFlag,
    SlotOption,
    Voter,
    Winner,
    holiday_flags,
    missing_voters,
    pick_winner,
    rank,
    tally,
)
from cohorte.storage.polls import Choice

Y, M, N = Choice.YES, Choice.MAYBE, Choice.NO
TUE_10 = SlotOption(1, 1, time(10, 0))
WED_16 = SlotOption(2, 2, time(16, 0))
THU_09 = SlotOption(3, 3, time(9, 30))
TUE_08 = SlotOption(4, 1, time(8, 0))
SLOTS = [TUE_10, WED_16, THU_09]
BOGOTA, MEXICO, SANTIAGO = 10, 20, 30
# Two people in Bogotá, one in Mexico City, two in Santiago, and a coordinator.
VOTERS = [
    Voter(1, BOGOTA),
    Voter(2, BOGOTA),
    Voter(3, MEXICO),
    Voter(4, SANTIAGO),
    Voter(5, SANTIAGO),
    Voter(9, None, expected=False),
]


def votes(table: dict[int, str]) -> dict[tuple[int, int], Choice]:
    """{member: "yn-"} -> answers per slot in SLOTS order ('-' = not answered)."""
    codes = {"y": Y, "m": M, "n": N}
    found = {}
    for member, answers in table.items():
        for slot, code in zip(SLOTS, answers, strict=False):
            if code in codes:
                found[(member, slot.id)] = codes[code]
    return found


def test_tally_counts_answers_and_team_coverage() -> None:
    table = votes({1: "ymn", 2: "nmn", 3: "y-n", 4: "mnn", 5: "nn-"})
    results = {r.slot_id: r for r in tally(SLOTS, VOTERS, table)}
    assert (results[1].yes, results[1].maybe, results[1].no) == (2, 1, 2)
    assert results[1].teams_available == {BOGOTA, MEXICO, SANTIAGO}
    assert (results[2].yes, results[2].maybe, results[2].no) == (0, 2, 2)
    assert results[2].teams_available == {BOGOTA}
    assert (results[3].yes, results[3].maybe, results[3].no) == (0, 0, 4)
    assert results[3].teams_available == frozenset()


def test_a_slot_is_flagged_only_when_every_member_of_a_team_said_no() -> None:
    table = votes({1: "ynn", 2: "nnn", 3: "y-n", 4: "nnn", 5: "nn-"})
    results = {r.slot_id: r for r in tally(SLOTS, VOTERS, table)}
    assert results[1].teams_all_no == {SANTIAGO}  # Bogotá has a Sí
    assert results[2].teams_all_no == {BOGOTA, SANTIAGO}  # Mexico did not answer
    assert results[3].teams_all_no == {BOGOTA, MEXICO}  # one Santiago member did not answer


def test_votes_of_people_who_are_not_voters_are_ignored() -> None:
    table = votes({1: "y", 77: "yyy"})
    results = tally(SLOTS, VOTERS, table)
    assert [r.yes for r in results] == [1, 0, 0]


def test_most_yes_wins() -> None:
    table = votes({1: "yn", 2: "yy", 3: "ny", 4: "my"})
    assert pick_winner(SLOTS, tally(SLOTS, VOTERS, table)) == Winner(2, DecidedBy.YES)


def test_a_tie_on_yes_goes_to_the_most_yes_plus_if_need_be() -> None:
    table = votes({1: "yy", 2: "my", 3: "m", 4: "n"})
    # Slot 1: Sí 1 + 2 Si es necesario; slot 2: Sí 2 → slot 2 by Sí.
    assert pick_winner(SLOTS, tally(SLOTS, VOTERS, table)) == Winner(2, DecidedBy.YES)
    table = votes({1: "yy", 2: "mn", 3: "mn", 4: "nm"})
    # Sí 1 each; slot 1 has 3 who can come, slot 2 has 2.
    assert pick_winner(SLOTS, tally(SLOTS, VOTERS, table)) == Winner(1, DecidedBy.YES_OR_MAYBE)


def test_then_the_most_teams_with_someone_available() -> None:
    # Sí 1 and Si es necesario 1 on both; slot 1 is two Bogotá people, slot 2 two cities.
    table = votes({1: "yy", 2: "mn", 3: "nm"})
    results = tally(SLOTS, VOTERS, table)
    assert pick_winner(SLOTS, results) == Winner(2, DecidedBy.TEAMS)


def test_then_the_earliest_in_the_week() -> None:
    table = votes({1: "yyy", 3: "yyy", 4: "mmm"})
    results = tally(SLOTS, VOTERS, table)
    assert [s.id for s in rank(SLOTS, results)] == [1, 2, 3]
    assert pick_winner(SLOTS, results) == Winner(1, DecidedBy.EARLIEST)
    # Same day: the earlier time wins, whatever the order the slots were given in.
    slots = [TUE_10, TUE_08]
    results = tally(slots, VOTERS, {(1, 1): Y, (1, 4): Y})
    assert pick_winner(slots, results) == Winner(4, DecidedBy.EARLIEST)


def test_a_later_step_never_overrides_an_earlier_one() -> None:
    # Slot 3 reaches all three teams with Si es necesario, but slot 1 has one more Sí.
    table = votes({1: "y-m", 3: "n-m", 4: "n-m", 2: "y"})
    assert pick_winner(SLOTS, tally(SLOTS, VOTERS, table)) == Winner(1, DecidedBy.YES)


def test_no_answers_and_a_single_slot() -> None:
    assert pick_winner(SLOTS, tally(SLOTS, VOTERS, {})) == Winner(1, DecidedBy.NO_ANSWERS)
    assert pick_winner([THU_09], tally([THU_09], VOTERS, {})) == Winner(3, DecidedBy.ONLY_SLOT)
    assert pick_winner([], []) is None


def test_missing_voters_are_participants_with_unanswered_slots() -> None:
    table = votes({1: "yyy", 2: "y-n", 9: "y"})
    missing = missing_voters(VOTERS, SLOTS, table)
    assert [(voter.member_id, count) for voter, count in missing] == [
        (2, 2),
        (3, 0),
        (4, 0),
        (5, 0),
    ]


PLACES = [("CO", "America/Bogota"), ("MX", "America/Mexico_City"), ("CL", "America/Santiago")]


def test_holidays_of_every_team_country_with_spanish_names() -> None:
    # Thursdays at 09:30 Bogotá (14:30 UTC) from 2025-04-24 to 2025-05-08.
    thursdays = [datetime(2025, 4, d, 14, 30, tzinfo=UTC) for d in (24,)] + [
        datetime(2025, 5, d, 14, 30, tzinfo=UTC) for d in (1, 8)
    ]
    assert holiday_flags(thursdays, PLACES, "es") == [
        HolidayFlag(
            date(2025, 5, 1),
            (("Día del Trabajo", ("CO", "MX")), ("Día Nacional del Trabajo", ("CL",))),
        )
    ]
    english = holiday_flags(thursdays, PLACES, "en")
    assert english[0].holidays[0][0] == "Labor Day"


def test_a_holiday_counts_on_the_local_date_of_each_team() -> None:
    # Wednesday 30 April, 23:30 in Bogotá is already Thursday 1 May in Santiago.
    late = [datetime(2025, 5, 1, 4, 30, tzinfo=UTC)]
    assert holiday_flags(late, PLACES, "es") == [
        HolidayFlag(date(2025, 5, 1), (("Día Nacional del Trabajo", ("CL",)),))
    ]


def test_unknown_countries_and_no_occurrences_are_harmless() -> None:
    may_day = [datetime(2025, 5, 1, 15, 0, tzinfo=UTC)]
    assert holiday_flags(may_day, [("XX", "America/Bogota")], "es") == []
    assert holiday_flags([], PLACES, "es") == []
    # Chile's Navy Day (21 May) shows on Wednesdays, for Chile only.
    navy_day = [datetime(2025, 5, 21, 21, 0, tzinfo=UTC)]
    assert holiday_flags(navy_day, PLACES, "es") == [
        HolidayFlag(date(2025, 5, 21), (("Día de las Glorias Navales", ("CL",)),))
    ]
