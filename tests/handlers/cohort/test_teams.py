"""Teams after joining: picked once with the buttons, changed by a coordinator."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.storage.models import Member, Person, Platform, Role, Team
from cohorte.storage.status import StatusDraft, StatusUpdate
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.status.test_status import seed_with_deliverables


def press(sender: str, payload: str) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=sender,
        sender_name=sender.capitalize(),
        chat_id=sender,
        chat_kind=ChatKind.PRIVATE,
        payload=payload,
    )


async def team_of(session: AsyncSession, name: str) -> str | None:
    """The name of the team of the member called `name` (None: no team)."""
    statement = (
        select(Team.name)
        .select_from(Member)
        .join(Person, col(Person.id) == col(Member.person_id))
        .join(Team, col(Team.id) == col(Member.team_id), isouter=True)
        .where(Person.display_name == name)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).one()


async def test_an_old_team_button_no_longer_moves_a_member(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    cohort, teams, _ = await seed_with_deliverables(session, transcript.chat.clock.now())
    await add_member(session, cohort, "Laura", "laura", Role.PARTICIPANT, None, cohort.created_at)
    await session.commit()
    santiago = teams["Santiago"].id

    # Sofía (Bogotá) presses the "¿De qué equipo eres?" button she got when she joined.
    (refusal,) = await core.handle(press("sofia", f"tm:{cohort.id}:{santiago}"))
    # Laura joined without a team: her first pick still works.
    (joined,) = await core.handle(press("laura", f"tm:{cohort.id}:{santiago}"))

    assert plain(refusal.text) == (
        "Eres del equipo Bogotá. Los cambios de equipo los hace el equipo coordinador: "
        "escríbeles si ese no es tu equipo."
    )
    assert plain(joined.text).startswith("Listo: ahora eres parte del equipo Santiago.")
    assert await team_of(session, "Sofía") == "Bogotá"
    assert await team_of(session, "Laura") == "Santiago"


async def test_a_coordinator_moves_a_member_who_is_told_and_keeps_their_history(
    session: AsyncSession, transcript: Transcript
) -> None:
    _, teams, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())
    bogota = teams["Bogotá"].id

    out = await transcript.run(
        """
        :como sofia
        /reportar mapeo en curso "inventario listo"
        /reportar map bloqueado
        /equipo Sofía Santiago
        :como coordina
        /equipo
        /equipo Nadie Santiago
        /equipo Sofía Lima
        /equipo Sofía Bogotá
        /equipo sofia a Santiago
        /equipo Sofía Santiago
        :como sofia
        /estado
        """
    )

    assert "Solo el equipo coordinador puede hacer eso." in out
    assert "Usa /equipo nuevo Bogotá; Colombia; America/Bogota para agregar un equipo" in out
    assert "No encontré a nadie llamado así en “Nadie Santiago”." in out
    assert "¿A qué equipo? Los equipos: Bogotá, Ciudad de México, Santiago." in out
    assert "Sofía ya es del equipo Bogotá." in out
    assert (
        "Listo: Sofía pasó del equipo Bogotá al equipo Santiago. Lo que reportó antes "
        "sigue siendo del equipo Bogotá; ya le avisé." in out
    )
    assert "Sofía ya es del equipo Santiago." in out
    # She is told privately, with her new local time (her zone followed her team).
    told = "bot → @sofia: El equipo coordinador te pasó del equipo Bogotá al equipo Santiago."
    assert told in out
    assert "Tu zona horaria es la hora de Santiago de Chile" in out
    assert "*Entregables del equipo Santiago*" in out
    assert await team_of(session, "Sofía") == "Santiago"
    # Her report stays with the team she made it for; the one she had not finished (which
    # deliverable did "map" mean?) was Bogotá's, and is dropped.
    (update,) = (await session.exec(select(StatusUpdate))).all()
    assert (update.team_id, update.deliverable_id) == (bogota, deliverables["mapeo"].id)
    assert (await session.exec(select(StatusDraft))).all() == []
