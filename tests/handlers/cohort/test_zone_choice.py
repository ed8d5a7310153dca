"""/zona with a name several places share: each button says which place it is."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.storage.models import Platform
from tests.conftest import Transcript
from tests.factories import seed_cohort


async def test_an_ambiguous_city_names_the_place_each_choice_matched(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /zona Santiago
        /zona Guadalajara
        :b 2
        """
    )

    assert "Hay más de un lugar que coincide con “Santiago”. ¿Cuál es el tuyo?" in out
    assert "[1] Santiago de Chile  [2] Santiago de Cuba → La Habana (Cuba)" in out
    assert "[4] Santiago de Compostela → Madrid (España)" in out
    assert "[1] Guadalajara → Ciudad de México  [2] Guadalajara → Madrid (España)" in out
    assert "Tu zona horaria ahora es la hora de Madrid" in out

    # Such long labels come one per row, readable on a phone.
    incoming = Incoming(Platform.CONSOLE, "sofia", "Sofía", "sofia", ChatKind.PRIVATE, "/zona León")
    (reply,) = await core.handle(incoming)
    assert [[button.label for button in row] for row in reply.buttons] == [
        ["León → Ciudad de México"],
        ["León → Managua (Nicaragua)"],
        ["León → Madrid (España)"],
    ]
