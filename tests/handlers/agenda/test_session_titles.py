"""/sesion nueva reads its title in whatever quotes phones, Slack and Spanish writers use."""

from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.agenda.grammar import NewSession, read_new_session
from cohorte.handlers.core.errors import CohortError
from cohorte.storage.models import Event, EventKind
from tests.conftest import Transcript
from tests.factories import seed_cohort

QUOTED = [
    '"Datos abiertos"',  # straight
    "“Datos abiertos”",  # curly, as phones and Slack type them
    "”Datos abiertos”",  # curly closing quotes on both sides
    "«Datos abiertos»",  # guillemets
    "‘Datos abiertos’",  # curly single quotes
    "'Datos abiertos'",  # straight single quotes, as the shell-like reading took them
]


@pytest.mark.parametrize("title", QUOTED)
async def test_a_new_session_takes_its_title_in_any_quotes(
    session: AsyncSession, transcript: Transcript, title: str
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(f":como coordina\n/sesion nueva masterclass 6 de mayo 10:00 {title}")

    assert (
        "Agregada: Datos abiertos, martes, 6 de mayo · 10:00 (hora de Bogotá). Código: e1." in out
    )
    event = (await session.exec(select(Event))).one()
    assert (event.kind, event.title) == (EventKind.MASTERCLASS, "Datos abiertos")


@pytest.mark.parametrize("title", ['"Datos abiertos', "“Datos abiertos", "«Datos abiertos"])
async def test_an_unclosed_quote_is_explained_in_spanish(
    session: AsyncSession, transcript: Transcript, title: str
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(f":como coordina\n/sesion nueva masterclass 6 de mayo 10:00 {title}")

    assert "Cierra las comillas del título. Ejemplo: /sesion nueva masterclass" in out
    assert (await session.exec(select(Event))).all() == []


def test_the_options_and_the_day_are_read_around_the_quoted_title() -> None:
    assert read_new_session(
        "showtime «Resultados: duración 30 días» 9 de julio 10:00 duracion 90 "
        "enlace https://meet.example.org/x"
    ) == NewSession(
        EventKind.SHOWTIME,
        "Resultados: duración 30 días",
        "9 de julio 10:00",
        90,
        "https://meet.example.org/x",
    )


def test_an_unquoted_title_is_the_last_word() -> None:
    assert read_new_session("clase mar 6/5 10:00 Datos") == NewSession(
        EventKind.MASTERCLASS, "Datos", "mar 6/5 10:00"
    )


@pytest.mark.parametrize(
    "text", ["masterclass “Datos abiertos”", "taller 6/5 10:00 “Datos”", "masterclass 6/5"]
)
def test_a_missing_kind_day_or_title_is_refused(text: str) -> None:
    with pytest.raises(CohortError) as refused:
        read_new_session(text)
    assert refused.value.message.startswith("Say the kind (masterclass or showtime)")


async def test_the_form_takes_the_title_as_typed_and_checks_the_link(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        /sesion
        :b Masterclass
        Datos “abiertos” y "compartidos"
        6 de mayo 10:00
        meet.example.org/datos
        """
    )
    assert "El enlace de la reunión debe empezar con http:// o https://." in out

    out = await transcript.run(
        """
        /sesion
        :b Masterclass
        Datos “abiertos” y "compartidos"
        6 de mayo 10:00
        https://meet.example.org/datos
        """
    )
    assert "Agregada: Datos “abiertos” y \"compartidos\", martes, 6 de mayo" in out
    event = (await session.exec(select(Event))).one()
    assert event.meeting_url == "https://meet.example.org/datos"
