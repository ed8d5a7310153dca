"""Guided forms: a form becomes questions in chat, its state in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers import help
from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import FieldKind, Form, FormField, Reply
from cohorte.handlers.core.router import Core, Router
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.db import SessionFactory
from tests.conftest import Transcript
from tests.factories import seed_cohort

SURVEY = Form(
    title="Encuesta breve",
    submit="fs:7",
    fields=(
        FormField("color", "¿Color?", FieldKind.CHOICE, (("r", "Rojo"), ("v", "Verde"))),
        FormField("nota", "¿Algo más?", required=False, max_length=20),
        FormField("nombre", "¿Tu nombre?"),
    ),
)


class Survey(NamedTuple):
    number: int


def survey_router() -> Router:
    router = Router()
    help.register(router)

    async def ask(ctx: Context, args: str) -> list[Reply]:
        return [Reply("Vamos.", form=SURVEY)]

    async def submitted(ctx: Context, survey: Survey) -> list[Reply]:
        values = ctx.incoming.form_values or {}
        return [Reply(f"Recibido {survey.number}: {sorted(values.items())}")]

    router.command(("preguntar",), ask, "")
    router.button(ButtonRoute("fs", Survey), submitted)
    return router


async def test_a_form_is_asked_step_by_step(sessions: SessionFactory, clock: ManualClock) -> None:
    transcript = Transcript(Core(sessions, clock, survey_router()), clock)

    out = await transcript.run(
        """
        /preguntar
        azul
        :b Verde
        esto es demasiado largo para la nota
        :b Saltar
        Ana
        """
    )

    assert "Vamos." in out
    assert "Encuesta breve — responde unas preguntas; /cancelar para dejarlo." in out
    assert "(1/3) ¿Color?" in out
    assert "Elige uno de los botones, por favor." in out
    assert "(2/3) ¿Algo más?" in out
    assert "Esa respuesta es demasiado larga (36 caracteres); el límite es 20." in out
    assert "(3/3) ¿Tu nombre?" in out
    assert "Recibido 7: [('color', 'v'), ('nombre', 'Ana'), ('nota', '')]" in out


async def test_a_command_closes_a_form_left_half_way_and_says_so(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    transcript = Transcript(Core(sessions, clock, survey_router()), clock)

    out = await transcript.run(
        """
        /preguntar
        :b Verde
        /ayuda
        Ana
        /preguntar
        :b Rojo
        /preguntar
        """
    )

    closed = "Cerré el formulario “Encuesta breve”, que quedó sin terminar: no guardé nada de él."
    assert "Lo que puedes hacer:" in out  # the command is answered too
    assert "Recibido" not in out  # "Ana" answered no form: it was closed
    assert "No entendí." in out
    # Opening a form again closes the one left half-way, saying so too.
    assert out.count(closed) == 2


async def test_forms_can_be_cancelled_and_expire(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    transcript = Transcript(Core(sessions, clock, survey_router()), clock)

    out = await transcript.run("/preguntar\n/cancelar\n/cancelar\nhola")
    assert "Listo, cancelé el formulario “Encuesta breve”: no guardé nada de él." in out
    assert "No hay nada que cancelar." in out
    assert "No entendí." in out

    await transcript.run("/preguntar\n:b Rojo")
    clock.advance(timedelta(hours=1))
    out = await transcript.run("una nota")
    assert "No entendí." in out  # the expired form no longer captures text


async def test_a_form_asked_in_a_group_goes_on_privately(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        :grupo
        /sesion
        :privado
        :b Masterclass
        Datos abiertos
        6 de mayo 10:00
        :b Saltar
        """
    )

    assert (
        "bot → #sala (solo lo ve coordina): Te escribí en privado para seguir con el formulario."
        in out
    )
    assert "bot → @coordina: Agreguemos una sesión." in out
    assert "Agregada: Datos abiertos, martes, 6 de mayo · 10:00 (hora de Bogotá)." in out
