"""Registration settings in the cohort file: read and checked, applied, exported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import tomli_w
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.messages import CohortFileError
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.cohort.file.spec import RegistrationSpec
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from tests.handlers.cohort.test_file import EXAMPLE, minimal_document, wall


def with_registration(**registration: Any) -> bytes:
    document = minimal_document()
    document["cohort"]["registration"] = registration
    return tomli_w.dumps(document).encode()


def refusal(data: bytes) -> str:
    with pytest.raises(CohortFileError) as caught:
        parse_cohort_file(data)
    return caught.value.message.format(**caught.value.params)


def test_a_deadline_day_lasts_until_its_end_in_the_home_zone() -> None:
    spec = parse_cohort_file(
        with_registration(code="inscribe-25", deadline=date(2025, 3, 20), places=30)
    )
    # Santiago is at UTC-3 in March: the 20th ends at 03:00 UTC on the 21st.
    assert spec.registration == RegistrationSpec(
        code="INSCRIBE-25",
        open=True,
        deadline=datetime(2025, 3, 21, 3, 0, tzinfo=UTC),
        places=30,
    )


def test_a_deadline_with_a_time_is_local_or_an_instant() -> None:
    local = parse_cohort_file(
        with_registration(code="INSCRIBE-25", deadline=wall("2025-03-20T18:00"))
    )
    instant = parse_cohort_file(
        with_registration(
            code="INSCRIBE-25", deadline=datetime(2025, 3, 20, 21, 0, tzinfo=UTC), open=False
        )
    )
    assert local.registration is not None and instant.registration is not None
    assert local.registration.deadline == instant.registration.deadline
    assert instant.registration.open is False


def test_odd_registration_settings_are_refused() -> None:
    assert "must differ from the invite code" in refusal(with_registration(code="piloto-1"))
    assert "cohort.registration.places" in refusal(with_registration(code="INS-1", places=0))
    assert "cohort.registration.code" in refusal(with_registration(code="no vale!"))
    assert "cohort.registration.deadline" in refusal(
        with_registration(code="INS-1", deadline="mañana")
    )
    assert "cohort.registration.cupos" in refusal(with_registration(code="INS-1", cupos=3))


@pytest.mark.parametrize(
    "deadline", [date(2025, 3, 20), wall("2025-03-20T18:30")], ids=["day", "time"]
)
async def test_registration_settings_round_trip(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock, deadline: object
) -> None:
    spec = parse_cohort_file(
        with_registration(code="INS-25", deadline=deadline, places=24, places_per_team=3)
    )
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    assert (cohort.registration_open, cohort.registration_code) == (True, "INS-25")

    async with sessions() as fresh:
        text = await export_cohort(fresh, cohort.id)

    assert "[cohort.registration]" in text
    assert f"deadline = {deadline.isoformat()}" in text
    assert parse_cohort_file(text.encode()) == spec


async def test_a_registration_code_of_another_cohort_is_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    first = parse_cohort_file(with_registration(code="INS-25"))
    await import_cohort(session, first, clock.now())
    await session.commit()
    document = minimal_document()
    document["cohort"]["invite_code"] = "OTRO-25"
    document["cohort"]["registration"] = {"code": "ins-25"}
    with pytest.raises(CohortFileError) as caught:
        await import_cohort(
            session, parse_cohort_file(tomli_w.dumps(document).encode()), clock.now()
        )
    assert caught.value.params["field"] == "cohort.registration.code"


def test_the_example_documents_registration() -> None:
    assert "[cohort.registration]" in EXAMPLE.read_text("utf-8")
