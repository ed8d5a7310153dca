"""The verdict itself, on made-up observations: each broken guarantee is reported.

Fast (no processes): it shows that the fault-injection tests can fail, whatever
the product does today.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.faults.harness import (
    LATENESS_BOUND,
    MAX_PER_SECOND,
    Call,
    Pair,
    Report,
    Row,
    max_in_window,
)

pytestmark = pytest.mark.faults

GROUP, ANA, LUIS = -100, 1, 2
CHATS = (GROUP, ANA, LUIS)
DUE = {0: 1000.0, 1: 1010.0}
TEXT = {0: "⏰ *Masterclass: Datos abiertos*", 1: "⏰ *Masterclass: Compras públicas*"}
EXPECTED: set[Pair] = {(chat, event) for chat in CHATS for event in DUE}


def call(index: int, chat: int, event: int | None, at: float, status: int = 200) -> Call:
    text = TEXT[event] if event is not None else "otra cosa"
    return Call(index, at, chat, text, status, None, 40000)


def report(calls: list[Call], states: dict[Pair, str] | None = None) -> Report:
    due = datetime(2025, 5, 5, 15, 0, tzinfo=UTC)
    rows = {
        pair: [Row(1, (states or {}).get(pair, "sent"), due, None, None, f"e{pair[1]}", 1)]
        for pair in EXPECTED
    }
    event_of = {c.index: next((e for e, t in TEXT.items() if t == c.text), None) for c in calls}
    return Report("unit", 2, EXPECTED, calls, rows, DUE, group_chat_id=GROUP, event_of=event_of)


def on_time() -> list[Call]:
    """Every reminder once, in order, shortly after it was due (indexes 0-5)."""
    pairs = [(chat, event) for event in DUE for chat in CHATS]
    return [call(i, chat, event, DUE[event] + 0.1 * i) for i, (chat, event) in enumerate(pairs)]


def test_a_clean_run_has_no_problems() -> None:
    assert report(on_time()).problems() == []


def test_a_duplicate_is_reported_and_the_database_contradicted() -> None:
    calls = [*on_time(), call(6, ANA, 0, DUE[0] + 3)]
    problems = report(calls).problems()
    assert any("1 duplicate messages" in p for p in problems)
    assert report(calls).db_disagrees == ["(1, 0): 'sent' but accepted 2 times"]


def test_a_missing_reminder_is_lost_unless_the_database_says_ambiguous() -> None:
    calls = [c for c in on_time() if c.index != 5]  # Luis's second reminder
    missing = (LUIS, 1)
    failed = report(calls, {missing: "failed"})
    assert failed.lost == [missing]
    ambiguous = report(calls, {missing: "ambiguous"})
    assert ambiguous.lost == []
    assert ambiguous.ambiguous_lost == [missing]
    assert any("rows ambiguous" in p for p in ambiguous.problems(ambiguous_allowance=0))
    assert ambiguous.problems(ambiguous_allowance=1) == []


def test_a_refused_request_is_not_a_delivery() -> None:
    calls = [call(0, GROUP, 0, DUE[0], status=429), *on_time()[1:]]
    refused = report(calls, {(GROUP, 0): "pending"})
    assert refused.lost == [(GROUP, 0)]
    assert any("not final" in p for p in refused.problems())


def test_order_lateness_rate_and_strays_are_reported() -> None:
    calls = [
        call(0, GROUP, 0, DUE[0] + LATENESS_BOUND + 5),  # far too late
        call(1, ANA, 1, DUE[1] + 0.5),  # the later Masterclass first...
        call(2, ANA, 0, DUE[1] + 1.0),  # ...then the earlier one
        call(3, LUIS, 0, DUE[0] + 0.2),
        call(4, GROUP, 1, DUE[1] + 0.2),
        call(5, LUIS, 1, DUE[1] + 0.3),
        call(6, 999, 0, DUE[1] + 2),  # a chat nobody expected
    ]
    burst = [call(10 + i, LUIS, None, 3000 + i / 100, 429) for i in range(MAX_PER_SECOND + 1)]
    problems = "\n".join(report(calls + burst).problems())
    assert "order: in 2 chats" in problems  # Ana's, and the group's (the late one)
    assert f"later than {LATENESS_BOUND:.0f} s" in problems
    assert f"{MAX_PER_SECOND + 1} requests in one second" in problems
    assert "unexpected messages" in problems
    assert "before they were due" not in problems


def test_max_in_window_is_a_sliding_half_open_window() -> None:
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5], 1.0) == 3
    assert max_in_window([], 1.0) == 0
