"""People's data in the console, in Spanish: /misdatos, /olvidarme, /datos and /olvidar."""

from __future__ import annotations

import json

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.cli.cohort import EXAMPLE
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from tests.conftest import Transcript
from tests.storage.test_people_data import traces_in_every_table


async def _example(session: AsyncSession, transcript: Transcript) -> None:
    spec = parse_cohort_file(EXAMPLE.read_bytes())
    await import_cohort(session, spec, transcript.chat.clock.now())
    await session.commit()


async def test_a_participant_sees_and_deletes_her_data(
    session: AsyncSession, transcript: Transcript
) -> None:
    await _example(session, transcript)
    out = await transcript.run(
        """
        :como laura
        /reportar plan bloqueado "falta acceso al SECOP"
        :grupo
        /misdatos
        :privado
        /misdatos
        """
    )
    assert "Por tu privacidad eso solo lo hago en un chat privado" in out
    assert "Todo lo que guardo sobre ti:" in out
    saved = transcript.chat.files / "misdatos-4-2025-04-22.json"
    data = json.loads(saved.read_text("utf-8"))
    assert data["person"][0]["display_name"] == "Laura Gómez Restrepo"
    assert data["person"][0]["email"] == "laura.gomez@hacienda.bogota.gov.co"
    assert data["statusupdate"][0]["note"] == "falta acceso al SECOP"
    text = (transcript.chat.files / "misdatos-4-2025-04-22.txt").read_text("utf-8")
    assert "Lo que Cohorte guarda sobre ti" in text
    assert "• Sprint de Contratación Abierta 2025 (cohorte 1) · Equipo Bogotá" in text
    assert "Tus reportes de estado" in text

    out = await transcript.run(
        """
        /olvidarme
        :b No
        /olvidarme
        :b Sí
        /misdatos
        :como coordina
        /miembros
        /tablero
        """
    )
    assert "¿Quieres que borre tus datos personales?" in out
    assert "Bien: no borré nada." in out
    assert "Listo: borré tus datos personales." in out
    laura = ("laura", "Gómez Restrepo", "hacienda.bogota", "6023419958", "acceso al SECOP")
    assert await traces_in_every_table(session, laura) == []
    assert "No guardo nada sobre ti." in out
    assert "• una persona del equipo Bogotá" in out
    assert "Laura" not in out.split("/miembros", 1)[1]
    assert "falta acceso al SECOP" not in out
    # The stand-in is named in each reader's language when shown, not stored in one.
    english = await transcript.run(
        """
        /idioma en
        /miembros
        """
    )
    assert "• someone from the Bogotá team" in english
    board = await transcript.run(
        """
        /idioma es
        :reloj 2025-04-25 12:00
        /asistencia tablero
        """
    )
    assert "una persona del equipo Bogotá: " in board


async def test_a_coordinator_acts_for_a_member_who_asked_by_email(
    session: AsyncSession, transcript: Transcript
) -> None:
    await _example(session, transcript)
    out = await transcript.run(
        """
        :como coordina
        /datos
        /datos Zacarías
        /datos Andrés
        /datos Laura.Gomez@hacienda.bogota.gov.co
        /olvidar Andrés
        :b No
        /olvidar Andrés
        :b Sí
        /datos Andrés
        :como andres
        /misdatos
        """
    )
    assert "Escribe /datos y el nombre o el correo de la persona." in out
    assert "Todo lo que guardo sobre Laura Gómez Restrepo:" in out
    assert "No encontré a nadie llamado así en “Zacarías”." in out
    assert "Todo lo que guardo sobre Andrés Felipe Rojas:" in out
    assert (transcript.chat.files / "misdatos-5-2025-04-22.json").exists()
    assert "¿Borro los datos personales de Andrés Felipe Rojas?" in out
    assert "Listo: borré los datos personales de Andrés Felipe Rojas." in out
    assert out.count("No encontré a nadie llamado así en “Andrés”.") == 1
    assert out.rstrip().endswith("No guardo nada sobre ti.")
