"""Each delivery kind's payload is written and read exactly as rows are stored today."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cohorte.bot.bootstrap import build_capabilities, known_platforms
from cohorte.handlers.agenda.deliveries import (
    ANNOUNCEMENT,
    CHECKIN_UNCONFIRMED,
    CHECKIN_UNCONFIRMED_COORDINATORS,
    HOLIDAY_WARNING,
    REMINDER,
    RSVP_TALLY,
    SESSION_CANCELLED,
    SESSION_MOVED,
    AnnouncementPayload,
    CancelledPayload,
    CheckinStartPayload,
    HolidayPayload,
    MovedPayload,
    ReminderPayload,
)
from cohorte.handlers.attendance.deliveries import (
    SESSION_MISSED,
    SESSION_STARTED,
    MissedPayload,
    StartedPayload,
)
from cohorte.handlers.cohort.registration.deliveries import (
    ACCEPTED,
    DECLINED,
    MOVED_UP,
    WAITLISTED,
    ApplicationPayload,
)
from cohorte.handlers.cohort.setup import (
    COORDINATOR_NAMED,
    MEMBER_REMOVED,
    NamedPayload,
    RemovedPayload,
)
from cohorte.handlers.cohort.teams import TEAM_CHANGED, TeamChangePayload
from cohorte.handlers.core.delivery_kinds import (
    DeliveryKind,
    DeliveryType,
    Payload,
    PayloadError,
)
from cohorte.handlers.dashboard.closing import COHORT_CLOSED, ClosingPayload
from cohorte.handlers.dashboard.digest import WEEKLY_DIGEST, WeeklyPayload
from cohorte.handlers.feedback.deliveries import FEEDBACK_ASK, FEEDBACK_NUDGE, FeedbackPayload
from cohorte.handlers.materials.sharing import MATERIAL_ADDED, MaterialPayload
from cohorte.handlers.poll.announcements import (
    POLL_ALL_VOTED,
    POLL_CLOSED,
    POLL_CONFIRMED,
    POLL_MESSAGE,
    POLL_NUDGE,
    ConfirmedPayload,
    PollPayload,
)
from cohorte.handlers.status.deliveries import (
    CHECKIN_DIGEST,
    CHECKIN_PROMPT,
    STATUS_CHANGED,
    STATUS_NUDGE,
    ChangePayload,
    CheckinPayload,
    TeamPeriodPayload,
)

START = datetime(2025, 4, 24, 15, 0, tzinfo=UTC)

# What the code before typed payloads wrote in `Delivery.data`, byte for byte, per kind.
STORED: list[tuple[DeliveryType[Any], str, Payload]] = [
    (TEAM_CHANGED, '{"team": 3, "previous": 1}', TeamChangePayload(3, 1)),
    (TEAM_CHANGED, '{"team": 3}', TeamChangePayload(3)),
    (ACCEPTED, '{"application": 4}', ApplicationPayload(4)),
    (MOVED_UP, '{"application": 4}', ApplicationPayload(4)),
    (DECLINED, '{"application": 4}', ApplicationPayload(4)),
    (WAITLISTED, '{"application": 4}', ApplicationPayload(4)),
    (MEMBER_REMOVED, '{"member": 4}', RemovedPayload(4)),
    (COORDINATOR_NAMED, '{"member": 4}', NamedPayload(4)),
    (
        SESSION_STARTED,
        '{"start": "2025-05-06T15:00:00+00:00"}',
        StartedPayload(datetime(2025, 5, 6, 15, 0, tzinfo=UTC)),
    ),
    (SESSION_MISSED, "{}", MissedPayload()),
    (
        REMINDER,
        '{"start": "2025-04-24T15:00:00+00:00", "lead": 1440}',
        ReminderPayload(START, 1440),
    ),
    (SESSION_MOVED, '{"old_start": "2025-04-24T15:00:00+00:00"}', MovedPayload(START)),
    (SESSION_CANCELLED, "{}", CancelledPayload()),
    (ANNOUNCEMENT, '{"event": 1}', AnnouncementPayload(event=1)),
    (ANNOUNCEMENT, '{"series": 2}', AnnouncementPayload(series=2)),
    (
        ANNOUNCEMENT,
        '{"text": "El viernes 1 de mayo es feriado en los 3 países."}',
        AnnouncementPayload(text="El viernes 1 de mayo es feriado en los 3 países."),
    ),
    (
        HOLIDAY_WARNING,
        '{"day": "2025-05-01", "country": "CO", "name": "Día del Trabajo"}',
        HolidayPayload(date(2025, 5, 1), "CO", "Día del Trabajo"),
    ),
    (
        RSVP_TALLY,
        '{"start": "2025-04-24T15:00:00+00:00", "lead": 60}',
        ReminderPayload(START, 60),
    ),
    (
        CHECKIN_UNCONFIRMED,
        '{"start": "2025-04-24T15:00:00+00:00"}',
        CheckinStartPayload(START),
    ),
    (
        CHECKIN_UNCONFIRMED_COORDINATORS,
        '{"start": "2025-04-24T15:00:00+00:00"}',
        CheckinStartPayload(START),
    ),
    (FEEDBACK_ASK, '{"start": "2025-04-24T15:00:00+00:00"}', FeedbackPayload(START)),
    (FEEDBACK_NUDGE, '{"start": "2025-04-24T15:00:00+00:00"}', FeedbackPayload(START)),
    (MATERIAL_ADDED, '{"material": 5}', MaterialPayload(5)),
    (POLL_MESSAGE, '{"poll": 1}', PollPayload(1)),
    (POLL_NUDGE, '{"poll": 1}', PollPayload(1)),
    (POLL_ALL_VOTED, '{"poll": 1}', PollPayload(1)),
    (POLL_CLOSED, '{"poll": 1}', PollPayload(1)),
    (POLL_CONFIRMED, '{"poll": 1, "series": 4}', ConfirmedPayload(1, 4)),
    (STATUS_CHANGED, '{"update": 7}', ChangePayload(7)),
    (
        CHECKIN_PROMPT,
        '{"start": "2025-04-24T15:00:00+00:00", "team": 1}',
        CheckinPayload(START, 1),
    ),
    (
        CHECKIN_DIGEST,
        '{"start": "2025-04-24T15:00:00+00:00", "team": 3}',
        CheckinPayload(START, 3),
    ),
    (STATUS_NUDGE, '{"team": 1, "period": 0}', TeamPeriodPayload(1, 0)),
    (STATUS_NUDGE, '{"team": 1, "period": 9}', TeamPeriodPayload(1, 9)),
    (WEEKLY_DIGEST, '{"week": 10}', WeeklyPayload(10)),
    (COHORT_CLOSED, '{"sessions": 14}', ClosingPayload(14)),
]


def stored_text(declared: DeliveryType[Any], payload: Payload) -> str:
    """What `enqueue` writes for a payload."""
    return json.dumps(declared.dump(payload), ensure_ascii=False, default=str)


def test_every_kind_is_declared_once_with_its_stored_value() -> None:
    renderings = build_capabilities(known_platforms()).renderers.values()
    declared = [rendering.declared for rendering in renderings]
    assert sorted(d.kind.value for d in declared) == sorted(kind.value for kind in DeliveryKind)
    assert {d.kind for d, _, _ in STORED} == set(DeliveryKind)
    assert {id(d) for d, _, _ in STORED} == {id(d) for d in declared}


@pytest.mark.parametrize(("declared", "text", "payload"), STORED)
def test_a_payload_is_stored_as_today_and_read_back(
    declared: DeliveryType[Any], text: str, payload: Payload
) -> None:
    assert declared.load(text) == payload
    assert stored_text(declared, payload) == text
    assert declared.load(stored_text(declared, payload)) == payload


def test_a_planned_row_carries_the_kind_and_the_payload() -> None:
    planned = REMINDER.plan(
        "rem:e1:1745506800:60:p2", 1, START, ReminderPayload(START, 60), person_id=2, ref="e1"
    )

    assert planned.kind == "reminder" and planned.kind is DeliveryKind.REMINDER
    assert planned.dedupe_key == "rem:e1:1745506800:60:p2"
    assert dict(planned.data) == {"start": "2025-04-24T15:00:00+00:00", "lead": 60}


def test_keys_a_payload_does_not_know_are_ignored_and_absent_optionals_are_none() -> None:
    assert POLL_MESSAGE.load('{"poll": 3, "later": true}') == PollPayload(3)
    assert ANNOUNCEMENT.load('{"event": null}') == AnnouncementPayload()
    assert ANNOUNCEMENT.load("") == AnnouncementPayload()  # the column's empty default


@pytest.mark.parametrize(
    ("declared", "text", "says"),
    [
        (POLL_MESSAGE, "{}", "poll data lacks 'poll'"),
        (POLL_MESSAGE, '{"poll": "12"}', "poll data: 'poll' is not an integer"),
        (POLL_MESSAGE, '{"poll": true}', "poll data: 'poll' is not an integer"),
        (POLL_CONFIRMED, '{"poll": 1}', "poll_confirmed data lacks 'series'"),
        (REMINDER, '{"start": "mañana", "lead": 60}', "'start' is not an ISO date and time"),
        (REMINDER, '{"start": "2025-04-24T15:00:00", "lead": 60}', "with its UTC offset"),
        (REMINDER, '{"start": 1745506800, "lead": 60}', "'start' is not an ISO date and time"),
        (HOLIDAY_WARNING, '{"day": "1/5", "country": "CO", "name": "x"}', "is not an ISO date"),
        (ANNOUNCEMENT, '{"text": 5}', "announcement data: 'text' is not a string"),
        (WEEKLY_DIGEST, "[10]", "status.weekly data is not a JSON object"),
        (WEEKLY_DIGEST, "{week: 10", "status.weekly data is not JSON"),
    ],
)
def test_data_that_does_not_fit_says_what_is_wrong(
    declared: DeliveryType[Any], text: str, says: str
) -> None:
    with pytest.raises(PayloadError, match=says):
        declared.load(text)


def test_only_frozen_dataclasses_of_stored_types_can_be_payloads() -> None:
    @dataclass
    class Mutable(Payload):
        poll: int

    @dataclass(frozen=True)
    class WithAList(Payload):
        polls: list[int]

    with pytest.raises(TypeError, match="frozen dataclass"):
        DeliveryType(DeliveryKind.POLL, Mutable)
    with pytest.raises(TypeError, match="unsupported type"):
        DeliveryType(DeliveryKind.POLL, WithAList)
    with pytest.raises(TypeError, match="not a DeliveryKind"):
        DeliveryType("poll", PollPayload)  # type: ignore[arg-type]
