"""The poll's buttons: each declared once, with its prefix and typed fields.

The payload texts are the ones buttons already in chats carry (`v:12:3:y`,
`pb:12`, `pc:12:3`, `pcc:12:3:s`, `pf:4`, `pn:4`), so old messages keep working.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from cohorte.handlers.agenda.clashes import ClashChoice
from cohorte.handlers.core.buttons import ButtonRoute, of_field, of_row
from cohorte.locales import N_
from cohorte.storage.polls import Choice

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
    """A vote button: one answer for one slot of one poll."""

    poll: int
    slot: int
    code: ChoiceCode


class PollButton(NamedTuple):
    """A button about one poll."""

    poll: int


class SlotButton(NamedTuple):
    """A button about one slot of one poll."""

    poll: int
    slot: int


class ClashingSlot(NamedTuple):
    """A coordinator's answer when the slot they confirm clashes with other sessions."""

    poll: int
    slot: int
    choice: ClashChoice


class CohortButton(NamedTuple):
    """A coordinator's button (or form) about their cohort's next poll."""

    cohort: int


VOTE = ButtonRoute("v", Vote, busy=VOTE_BUSY, cohort=of_row("poll", "poll"))
# 'See it in my time zone' under the group message: the presser's own ballot.
BALLOT = ButtonRoute("pb", PollButton, cohort=of_row("poll", "poll"))
# A coordinator's 'Confirm' / 'Choose' under the result.
CHOOSE = ButtonRoute("pc", SlotButton, cohort=of_row("poll", "poll"))
# 'Yes, without those sessions' / 'Yes, anyway' when the slot to confirm clashes.
CONFIRM_CLASHING = ButtonRoute("pcc", ClashingSlot, cohort=of_row("poll", "poll"))
# The guided form's submit id: the answers come back with it.
POLL_FORM = ButtonRoute("pf", CohortButton, cohort=of_field("cohort"))
# 'Try again' after a form answer that could not be read.
NEW_FORM = ButtonRoute("pn", CohortButton, cohort=of_field("cohort"))
