"""`/perfil` and `/perfil correo …`, in Spanish on the console."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Person
from tests.conftest import Transcript
from tests.factories import seed_cohort


async def _email(sessions: SessionFactory) -> str | None:
    async with sessions() as session:
        sofia = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
        return sofia.email


async def test_a_person_sets_shows_and_clears_their_email(
    transcript: Transcript, session: AsyncSession, sessions: SessionFactory
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    out = await transcript.run(
        """
        :como sofia
        /perfil correo
        /perfil correo  Sofia.Rios@Bogota.gov.co
        /perfil
        """
    )
    assert out.splitlines()[2:] == [
        "sofia (privado)> /perfil correo",
        "  bot → @sofia: Todavía no tienes correo. Agrégalo con /perfil correo nombre@ejemplo.org.",
        "sofia (privado)> /perfil correo  Sofia.Rios@Bogota.gov.co",
        "  bot → @sofia: Listo: tu correo es sofia.rios@bogota.gov.co. Los informes de asistencia "
        "de Zoom o Meet te encuentran por él.",
        "sofia (privado)> /perfil",
        "  bot → @sofia: Tu perfil:",
        "    Nombre: Sofía",
        "    Cohorte: Sprint de prueba",
        "    Equipo: Bogotá",
        "    Zona horaria: hora de Bogotá",
        "    Idioma: Español",
        "    Recordatorios: en el grupo y por mensaje privado",
        "    Correo: sofia.rios@bogota.gov.co",
    ]
    assert await _email(sessions) == "sofia.rios@bogota.gov.co"

    out = await transcript.run(
        "/perfil correo sofia@\n/perfil correo\n/perfil correo quitar\n/perfil x"
    )
    assert out.splitlines()[1::2] == [
        "  bot → @sofia: sofia@ no es un correo electrónico. Ejemplo: /perfil correo "
        "laura@bogota.gov.co",
        "  bot → @sofia: Tu correo es sofia.rios@bogota.gov.co. Cámbialo con /perfil correo "
        "nombre@ejemplo.org o quítalo con /perfil correo quitar.",
        "  bot → @sofia: Listo: ya no guardo tu correo.",
        "  bot → @sofia: Escribe /perfil para ver tu perfil, o /perfil correo nombre@ejemplo.org.",
    ]
    assert await _email(sessions) is None
    out = await transcript.run("/perfil")
    assert "    Correo: ninguno (agrégalo con /perfil correo nombre@ejemplo.org)" in out
