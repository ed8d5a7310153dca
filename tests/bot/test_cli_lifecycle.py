"""`cohorte cohort list|archive|delete` and `cohorte person export|forget`, in-process
against a real database: two cohorts, one person in both."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from sqlmodel import func, select
from typer.testing import CliRunner

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.bot.cli.root import app
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.storage.db import SessionFactory, transaction
from cohorte.storage.models import Cohort, Identity, Member, Person, Role, Team
from tests.bot import test_cli
from tests.factories import add_member

runner = CliRunner()
env = test_cli.env  # the CLI tests' fixture: the database URL, a working folder
NOW = datetime(2025, 4, 22, 14, 0, tzinfo=UTC)


async def _two_cohorts(sessions: SessionFactory) -> int:
    """A small cohort (1) with Laura and Tomás, and the example (2) with Laura too. Her
    person id."""
    async with transaction(sessions) as session:
        small = Cohort(
            name="Sprint de prueba",
            home_zone="America/Bogota",
            start_date=date(2025, 4, 21),
            invite_code="PRUEBA25",
            created_at=NOW,
        )
        session.add(small)
        await session.flush()
        assert small.id is not None
        tomas = await add_member(session, small, "Tomás", "tomas", Role.PARTICIPANT, None, NOW)
        session.add(
            Team(
                cohort_id=small.id, name="Lima", city="Lima", country_code="PE", zone="America/Lima"
            )
        )
        assert tomas.id is not None
    async with transaction(sessions) as session:
        await import_cohort(session, parse_cohort_file(EXAMPLE.read_bytes()), NOW)
    async with transaction(sessions) as session:
        laura = (
            await session.exec(select(Person).where(Person.display_name == "Laura Gómez Restrepo"))
        ).one()
        assert laura.id is not None
        session.add(Member(cohort_id=1, person_id=laura.id, joined_at=NOW))
        return laura.id


async def _cli(variables: dict[str, str], *args: str, input: str | None = None) -> str:
    result = await asyncio.to_thread(runner.invoke, app, list(args), env=variables, input=input)
    return f"{result.exit_code}\n{result.output}"


async def test_list_archive_and_delete_a_cohort_and_nothing_else(
    env: dict[str, str],
    sessions: SessionFactory,
) -> None:
    laura = await _two_cohorts(sessions)
    env = {**env, "COLUMNS": "200"}

    listing = await _cli(env, "cohort", "list")
    assert listing.startswith("0\n")
    assert "Sprint de prueba" in listing and "PRUEBA25" in listing and "SPRINT25" in listing
    # Both sprints of 2025 are over by the system clock (`cohort_state` is tested alone).
    assert listing.count("terminada") == 2 and "2025-07-13" in listing

    archived = await _cli(env, "cohort", "archive", "1")
    assert "Cohorte 1 (Sprint de prueba) archivada: ya no envía nada." in archived
    assert "dentro de 365 días" in archived
    listing = await _cli(env, "cohort", "list")
    assert "archivada" in listing and listing.count("terminada") == 1

    wrong = await _cli(env, "cohort", "delete", "1", "--confirm", "Otra cohorte")
    assert wrong.startswith("1\n") and "no borré nada" in wrong
    asked = await _cli(env, "cohort", "delete", "1", input="Sprint de prueba\n")
    assert asked.startswith("0\n"), asked
    assert "Para borrarla, escribe el nombre de la cohorte (Sprint de prueba)" in asked
    assert "Cohorte 1 (Sprint de prueba) borrada." in asked
    missing = await _cli(env, "cohort", "delete", "1", "--confirm", "Sprint de prueba")
    assert missing.startswith("1\n")

    async with sessions() as session:
        assert [c.id for c in (await session.exec(select(Cohort))).all()] == [2]
        memberships = (await session.exec(select(Member).where(Member.person_id == laura))).all()
        assert [m.cohort_id for m in memberships] == [2]
        example_members = (
            await session.exec(
                select(func.count()).select_from(Member).where(Member.cohort_id == 2)
            )
        ).one()
        assert example_members == len(parse_cohort_file(EXAMPLE.read_bytes()).members)
        assert await session.get(Person, laura) is not None


async def test_a_persons_data_exported_then_forgotten(
    env: dict[str, str],
    sessions: SessionFactory,
) -> None:
    laura = await _two_cohorts(sessions)
    exported = await _cli(env, "person", "export", str(laura))
    assert exported.startswith("0\n"), exported
    data = json.loads(exported.split("\n", 1)[1])
    assert data["person"][0]["email"] == "laura.gomez@hacienda.bogota.gov.co"
    assert sorted(row["cohort_id"] for row in data["member"]) == [1, 2]

    kept = await _cli(env, "person", "forget", str(laura), input="n\n")
    assert "¿Borrar los datos personales de Laura Gómez Restrepo (persona" in kept
    assert "Bien: no borré nada." in kept
    forgotten = await _cli(env, "person", "forget", str(laura), "--yes")
    assert forgotten.startswith("0\n"), forgotten
    assert "2 participaciones se conservan sin nombre." in forgotten
    again = await _cli(env, "person", "export", str(laura))
    assert again.startswith("1\n") and f"No hay ninguna persona con el número {laura}." in again
    async with sessions() as session:
        assert await session.get(Person, laura) is None
        assert not (await session.exec(select(Identity).where(Identity.person_id == laura))).all()
