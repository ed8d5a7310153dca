"""The state of a cohort (one rule, in Python and in SQL) and the cohort of a private
chat for someone in several: chosen last, else active, else joined last."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.cohorts import CohortState, cohort_of, cohort_state
from cohorte.storage.models import Cohort, Identity, Member, Person, Platform, Role
from cohorte.storage.people import choose_cohort, sender
from cohorte.storage.polls import Poll

NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
TODAY = NOW.date()


def _cohort(name: str, start: date, **fields: object) -> Cohort:
    return Cohort(
        name=name,
        home_zone="America/Bogota",
        start_date=start,
        weeks=12,
        invite_code=name.upper(),
        created_at=NOW,
        **fields,
    )


def test_a_cohort_is_upcoming_running_ended_or_archived() -> None:
    cohort = _cohort("a", date(2025, 4, 21))
    assert cohort_state(cohort, date(2025, 4, 20)) is CohortState.UPCOMING
    assert cohort_state(cohort, date(2025, 4, 21)) is CohortState.RUNNING
    assert cohort_state(cohort, date(2025, 7, 13)) is CohortState.RUNNING  # last day of week 12
    assert cohort_state(cohort, date(2025, 7, 14)) is CohortState.ENDED
    cohort.ended_at = NOW
    assert cohort_state(cohort, TODAY) is CohortState.ENDED
    cohort.archived_at = NOW
    assert cohort_state(cohort, TODAY) is CohortState.ARCHIVED


async def _person_in(session: AsyncSession, cohorts: list[Cohort]) -> list[Member]:
    session.add_all(cohorts)
    person = Person(display_name="Ana", created_at=NOW)
    session.add(person)
    await session.flush()
    assert person.id is not None
    session.add(Identity(person_id=person.id, platform=Platform.CONSOLE, external_id="ana"))
    members = [
        Member(
            cohort_id=c.id or 0,
            person_id=person.id,
            role=Role.PARTICIPANT,
            joined_at=NOW + timedelta(minutes=i),
        )
        for i, c in enumerate(cohorts)
    ]
    session.add_all(members)
    await session.flush()
    return members


async def test_private_chats_are_about_the_chosen_cohort_else_an_active_one(
    session: AsyncSession,
) -> None:
    running = _cohort("running", date(2025, 4, 14))
    upcoming = _cohort("upcoming", date(2025, 6, 2))
    ended = _cohort("ended", date(2024, 9, 2))  # joined last, but over
    members = await _person_in(session, [running, upcoming, ended])

    found = await sender(session, Platform.CONSOLE, "ana", None, TODAY)
    assert (found.cohorts, found.active, found.chosen) == (3, 2, False)
    assert found.cohort is upcoming  # active ones first, then the one joined last

    await choose_cohort(session, members[0], NOW)
    found = await sender(session, Platform.CONSOLE, "ana", None, TODAY)
    assert found.cohort is running and found.chosen

    await choose_cohort(session, members[2], NOW)  # same instant: the latest choice wins
    found = await sender(session, Platform.CONSOLE, "ana", None, TODAY)
    assert found.cohort is ended and found.chosen
    assert [m.chosen_at is not None for m in members] == [False, False, True]

    running.archived_at = NOW
    upcoming.ended_at = NOW
    await session.flush()
    assert (await sender(session, Platform.CONSOLE, "ana", None, TODAY)).active == 0


async def test_a_row_knows_its_cohort(session: AsyncSession) -> None:
    cohort = _cohort("a", date(2025, 4, 21))
    session.add(cohort)
    await session.flush()
    assert cohort.id is not None
    poll = Poll(cohort_id=cohort.id, title="Sesión", zone="America/Bogota", created_at=NOW)
    session.add(poll)
    await session.flush()
    assert poll.id is not None
    assert await cohort_of(session, "poll", poll.id) == cohort.id
    assert await cohort_of(session, "poll", poll.id + 1) is None
