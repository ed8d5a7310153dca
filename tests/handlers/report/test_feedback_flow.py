"""The report's feedback section from feedback given the real way, on the console: a
Masterclass ends, the question arrives, participants press a score and leave a comment,
a coordinator highlights one with /opiniones destacar; the PDF says the same."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Role, Team
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort
from tests.handlers.report.pages import pdf_text

MASTERCLASS = ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'


async def test_the_report_shows_the_feedback_given_in_the_chat(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await seed_cohort(session, clock.now())
    teams = {team.name: team for team in (await session.exec(select(Team))).all()}
    await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], clock.now()
    )
    await session.commit()
    await transcript.run(MASTERCLASS)

    out = await transcript.run(":reloj 2025-05-06 11:10")  # the Masterclass ended
    assert "bot → @sofia: ⭐ *Masterclass: Datos abiertos*" in out
    assert "bot → @tomas: ⭐ *Masterclass: Datos abiertos*" in out
    out = await transcript.run(":como sofia\n:b 5\n:b Dejar\nMuy práctica, nos llevamos ideas")
    assert "Gracias, guardé tu comentario" in out
    out = await transcript.run(":como tomas\n:b 2\n:b Dejar\nDemasiado rápida para nosotros")
    assert "Gracias, guardé tu comentario" in out

    out = await transcript.run(":como coordina\n/opiniones")
    assert "2 respuestas · promedio 3,5 de 5" in out
    number = out.split("Tomás (2): “Demasiado rápida")[0].rsplit("#", 1)[1].strip()
    out = await transcript.run(f"/opiniones destacar {number}")
    assert "⭐ Destacado para el informe: “Demasiado rápida para nosotros”." in out

    out = await transcript.run("/informe")
    saved = next(transcript.chat.files.glob("informe-*.pdf"))
    text = pdf_text(saved.read_bytes())
    feedback = text[text.index("4. Opiniones") :]
    assert "Masterclass: Datos abiertos 2 3,5" in feedback
    assert "Todas las sesiones 2 3,5" in feedback
    assert "Demasiado rápida para nosotros" in feedback
    assert "Masterclass: Datos abiertos · puntaje 2 de 5" in feedback
    assert "Muy práctica" not in feedback  # not chosen
    assert "Tomás" not in feedback and "Sofía" not in feedback  # comments go unsigned
