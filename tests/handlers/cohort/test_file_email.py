"""The optional `email` of a member in the cohort file: read with checks, applied, exported."""

from __future__ import annotations

import tomli_w
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.cohort.file import messages as cf
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Person
from tests.handlers.cohort.test_file import example_spec, minimal_document, rejection


def _with_members(*members: dict[str, object]) -> bytes:
    document = minimal_document()
    document["teams"] = [
        {"name": "Bogotá", "city": "Bogotá", "country": "CO", "zone": "America/Bogota"}
    ]
    document["members"] = list(members)
    return tomli_w.dumps(document).encode()


def test_an_email_is_read_trimmed_and_in_lower_case() -> None:
    spec = parse_cohort_file(
        _with_members({"name": "Laura", "team": "Bogotá", "email": " Laura.Gomez@Bogota.GOV.co "})
    )
    assert spec.members[0].email == "laura.gomez@bogota.gov.co"


def test_a_bad_or_repeated_email_is_refused_with_its_field() -> None:
    bad = rejection(_with_members({"name": "Laura", "team": "Bogotá", "email": "laura@"}))
    assert bad.message == cf.BAD_EMAIL
    assert bad.params == {"field": "members[1].email", "value": "laura@"}
    twice = rejection(
        _with_members(
            {"name": "Laura", "team": "Bogotá", "email": "l@bogota.gov.co"},
            {"name": "Lucía", "team": "Bogotá", "email": "L@bogota.gov.co"},
        )
    )
    assert twice.message == cf.DUPLICATE_EMAIL
    assert twice.params["other"] == "members[1].email"


async def test_the_examples_email_reaches_the_person_and_comes_back_in_the_export(
    session: AsyncSession, sessions: SessionFactory, clock: ManualClock
) -> None:
    spec = example_spec()
    assert [m.email for m in spec.members if m.email] == ["laura.gomez@hacienda.bogota.gov.co"]
    cohort = await import_cohort(session, spec, clock.now())
    await session.commit()
    assert cohort.id is not None
    async with sessions() as fresh:
        laura = (
            await fresh.exec(select(Person).where(Person.display_name == "Laura Gómez Restrepo"))
        ).one()
        text = await export_cohort(fresh, cohort.id)
    assert laura.email == "laura.gomez@hacienda.bogota.gov.co"
    assert 'email = "laura.gomez@hacienda.bogota.gov.co"' in text
    assert parse_cohort_file(text.encode()) == spec
