"""The poll's buttons keep the payload texts that buttons already in chats carry."""

from __future__ import annotations

from typing import Any

import pytest

from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.poll.routes import (
    BALLOT,
    CHOOSE,
    NEW_FORM,
    POLL_FORM,
    VOTE,
    ChoiceCode,
    CohortButton,
    PollButton,
    SlotButton,
    Vote,
)
from cohorte.storage.polls import Choice


def test_payloads_are_the_ones_stored_in_chats() -> None:
    assert VOTE.payload(Vote(12, 3, ChoiceCode.MAYBE)) == "v:12:3:m"
    assert BALLOT.payload(PollButton(12)) == "pb:12"
    assert CHOOSE.payload(SlotButton(12, 3)) == "pc:12:3"
    assert POLL_FORM.payload(CohortButton(4)) == "pf:4"
    assert NEW_FORM.payload(CohortButton(4)) == "pn:4"


def test_a_pressed_payload_reads_back_as_its_fields() -> None:
    assert VOTE.parse(["12", "3", "n"]) == Vote(12, 3, ChoiceCode.NO)
    assert VOTE.parse(["12", "3", "y"]).code.choice is Choice.YES
    assert CHOOSE.parse(["12", "3"]) == SlotButton(12, 3)
    assert BALLOT.parse(["12"]) == PollButton(12)
    assert POLL_FORM.parse(["4"]) == CohortButton(4)


@pytest.mark.parametrize(
    ("route", "parts"),
    [
        (BALLOT, []),
        (BALLOT, ["12", "extra"]),
        (CHOOSE, ["12"]),
        (CHOOSE, ["12", "x"]),
        (POLL_FORM, ["-4"]),
        (NEW_FORM, ["٤"]),
    ],
)
def test_forged_payloads_do_not_parse(route: ButtonRoute[Any], parts: list[str]) -> None:
    with pytest.raises(ValueError):
        route.parse(parts)
