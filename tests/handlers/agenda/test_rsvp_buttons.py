"""The RSVP buttons and scheduled messages keep to the stored formats' limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohorte.handlers.agenda.routes import RSVP, RSVP_ASK_REASON, RsvpCode, RsvpPress
from cohorte.handlers.agenda.rsvp_view import tally_key
from cohorte.handlers.core.buttons import MAX_PAYLOAD_BYTES
from cohorte.handlers.core.delivery_kinds import DeliveryKind
from cohorte.scheduling.recurrence import Occurrence, ref_code
from cohorte.storage.models import SentMessage
from cohorte.storage.outbox import Delivery

# The largest reference a button can carry: a 32-bit series id and a date.
LONGEST = Occurrence(
    ref="s2147483647:2025-05-06",
    kind="session",
    title="",
    starts_at=datetime(2038, 1, 19, 3, tzinfo=UTC),
    duration=timedelta(hours=1),
)


def test_rsvp_payloads_are_short_and_read_back() -> None:
    payload = RSVP.payload(RsvpPress(ref_code(LONGEST.ref), RsvpCode.MAYBE))
    assert payload == "ra:s2147483647/2025-05-06:m"
    assert len(payload.encode()) < MAX_PAYLOAD_BYTES
    assert RSVP.parse(["e12", "n"]) == RsvpPress("e12", RsvpCode.NO)
    assert RSVP_ASK_REASON.payload(RSVP_ASK_REASON.fields("e12")) == "rq:e12"


def test_stored_names_fit_their_columns() -> None:
    kind_column = Delivery.__table__.c.kind  # type: ignore[attr-defined]
    key_column = SentMessage.__table__.c.key  # type: ignore[attr-defined]
    assert all(len(kind.value) <= kind_column.type.length for kind in DeliveryKind)
    assert len(tally_key(LONGEST, 7 * 24 * 60)) <= key_column.type.length
