"""Session feedback in the database: one answer per member and session, written by one
upsert with its checks inside (a participant of the cohort, before the answers close)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage import attendance as records
from cohorte.storage import feedback as answers
from cohorte.storage.attendance import AttendanceSource, AttendanceStatus, RsvpAnswer
from cohorte.storage.cohorts import member_names, members_as_added
from cohorte.storage.feedback import FeedbackSettings, feedback_settings, settings_json
from cohorte.storage.models import Cohort, Person, Role
from tests.factories import add_member, seed_cohort

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
CLOSES = NOW + timedelta(days=3)


async def test_one_answer_per_member_and_session_changed_in_place(session: AsyncSession) -> None:
    cohort = await seed_cohort(session, NOW)
    other = await seed_cohort_other(session)
    assert cohort.id is not None and other.id is not None
    coordinator, sofia = [m for m, _ in await members_as_added(session, cohort.id)]
    assert sofia.id is not None
    stranger = Person(display_name="Nadie", created_at=NOW)
    session.add(stranger)
    await session.flush()
    assert stranger.id is not None

    async def press(cohort_id: int, person: int, score: int, now: datetime = NOW) -> int | None:
        return await answers.press_feedback(session, cohort_id, "e1", person, score, now, CLOSES)

    assert await press(cohort.id, sofia.person_id, 4) == sofia.id
    assert await answers.set_comment(session, "e1", sofia.id, "Muy útil", NOW)
    later = NOW + timedelta(days=1)
    assert await press(cohort.id, sofia.person_id, 2, later) == sofia.id  # changed in place
    assert await press(cohort.id, stranger.id, 5) is None  # not a member
    assert await press(other.id, sofia.person_id, 5) is None  # not a member there
    assert await press(cohort.id, coordinator.person_id, 5) is None  # coordinators run it
    assert await press(cohort.id, sofia.person_id, 1, CLOSES) is None  # closed
    with pytest.raises(ValueError, match="score"):
        await press(cohort.id, sofia.person_id, 6)
    await session.commit()

    (found,) = await answers.feedback_of(session, cohort.id, ref="e1")
    assert (found.score, found.comment, found.answered_at) == (2, "Muy útil", later)
    assert await answers.answered(session, ["e1", "e2"]) == {("e1", sofia.id)}
    assert not await answers.set_comment(session, "e2", sofia.id, "Nada", NOW)  # no answer

    ours, theirs, number = cohort.id, other.id, found.id
    assert number is not None
    assert await answers.set_highlighted(session, ours, number, True)
    assert not await answers.set_highlighted(session, theirs, number, True)
    await session.commit()
    session.expire_all()
    marked = await answers.feedback_by_id(session, ours, number)
    assert marked is not None and marked.highlighted
    assert await answers.feedback_by_id(session, theirs, number) is None
    assert [f.id for f in await answers.comments_since(session, ours, later)] == [number]
    assert not await answers.comments_since(session, ours, later + timedelta(seconds=1))


async def test_only_who_attended_can_answer_even_with_a_forged_button(
    session: AsyncSession,
) -> None:
    cohort = await seed_cohort(session, NOW)
    assert cohort.id is not None
    _, sofia = [m for m, _ in await members_as_added(session, cohort.id)]
    diego = await add_member(session, cohort, "Diego", "diego", Role.PARTICIPANT, None, NOW)
    tomas = await add_member(session, cohort, "Tomás", "tomas", Role.PARTICIPANT, None, NOW)
    assert sofia.id and diego.id and tomas.id

    async def press(ref: str, person: int) -> int | None:
        return await answers.press_feedback(session, cohort.id or 0, ref, person, 4, NOW, CLOSES)

    # No attendance taken for e1: everyone but who said "No" to "¿Vas a asistir?".
    await records.set_rsvp(session, cohort.id, "e1", diego.id, RsvpAnswer.NO, NOW)
    assert await answers.attendee_ids(session, cohort.id, "e1") == {sofia.id, tomas.id}
    assert await press("e1", diego.person_id) is None
    assert await press("e1", tomas.person_id) == tomas.id
    # Attendance taken for e2: only who was recorded present.
    present, absent = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
    source = AttendanceSource.COORDINATOR
    await records.set_attendance(session, cohort.id, "e2", sofia.id, present, source, NOW)
    await records.set_attendance(session, cohort.id, "e2", tomas.id, absent, source, NOW)
    assert await answers.attendee_ids(session, cohort.id, "e2") == {sofia.id}
    assert await press("e2", tomas.person_id) is None  # absent
    assert await press("e2", diego.person_id) is None  # no record: not present
    assert await press("e2", sofia.person_id) == sofia.id
    await session.commit()
    assert await answers.answered(session, ["e1", "e2"]) == {("e1", tomas.id), ("e2", sofia.id)}
    names = await member_names(session, cohort.id)  # the names /opiniones puts with comments
    assert (names[diego.id], names[tomas.id]) == ("Diego", "Tomás")


async def seed_cohort_other(session: AsyncSession) -> Cohort:
    """A second cohort (its own invite code), with nobody of the first one."""
    other = Cohort(
        name="Otra",
        home_zone="America/Lima",
        start_date=NOW.date(),
        invite_code="OTRA25",
        created_at=NOW,
    )
    session.add(other)
    await session.flush()
    return other


def test_the_settings_column_says_only_what_differs() -> None:
    assert feedback_settings("{}") == FeedbackSettings()
    assert feedback_settings("not json") == FeedbackSettings()
    assert feedback_settings('{"kinds": ["session", "taller"], "question": " ¿Y? "}') == (
        FeedbackSettings(("session",), "¿Y?")
    )
    assert settings_json(FeedbackSettings()) == "{}"
    assert settings_json(FeedbackSettings((), "")) == '{"kinds": []}'
    assert FeedbackSettings().asks_after("masterclass")
    assert not FeedbackSettings().asks_after("session")
