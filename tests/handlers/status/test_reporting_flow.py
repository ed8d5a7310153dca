"""Reporting as people actually do it: notes typed when they come to mind, forms left
half-way, reports started in the group chat and buttons pressed by somebody else."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import FormSession, Platform, Role
from cohorte.storage.status import Status, StatusUpdate
from tests.conftest import Transcript
from tests.factories import add_member
from tests.handlers.status.test_status import seed_with_deliverables


async def history(session: AsyncSession) -> list[tuple[int, Status, str | None, str | None]]:
    statement = (
        select(StatusUpdate)
        .order_by(col(StatusUpdate.id))
        .execution_options(populate_existing=True)
    )
    return [
        (u.deliverable_id, u.status, u.note, u.link)
        for u in (await session.exec(statement)).all()
    ]


# --- notes are kept as soon as they are typed -------------------------------------------


async def test_a_note_typed_right_after_the_status_buttons_is_kept(
    session: AsyncSession, transcript: Transcript
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar
        :b 1
        :b 2
        Falta acceso al SECOP https://docs.example.org/mapeo
        """
    )

    assert "Si quieres agregar una nota, escríbela ahora (puede llevar un enlace)." in out
    assert "No entendí" not in out
    assert "Nota: “Falta acceso al SECOP”" in out
    assert "Enlace: https://docs.example.org/mapeo" in out
    # The note completes the change: one history row.
    assert await history(session) == [
        (
            deliverables["mapeo"].id,
            Status.IN_PROGRESS,
            "Falta acceso al SECOP",
            "https://docs.example.org/mapeo",
        )
    ]


async def test_the_add_a_note_button_keeps_the_note_at_once(
    session: AsyncSession, transcript: Transcript
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar plan en curso
        :b Agregar una nota
        Borrador listo para revisión
        /estado
        hola
        """
    )

    assert (
        "Nota sobre Plan de mejora — /cancelar para dejarlo.\n"
        "    Tu nota (puede llevar un enlace al documento)" in out
    )
    assert "Nota: “Borrador listo para revisión”" in out
    assert "22 abr, Sofía: “Borrador listo para revisión”" in out  # /estado shows it
    # Nothing is waiting any more: later chatter is not taken as a note.
    assert out.rstrip().endswith("No entendí. Escribe /ayuda para ver lo que puedo hacer.")
    assert await history(session) == [
        (deliverables["plan"].id, Status.IN_PROGRESS, "Borrador listo para revisión", None)
    ]


async def test_a_command_after_the_status_buttons_ends_the_wait_for_a_note_quietly(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar plan en curso
        /proximas
        hola
        """
    )

    assert "formulario" not in out
    assert "No entendí." in out  # "hola" is not a note for the plan
    assert [note for _, _, note, _ in await history(session)] == [None]


async def test_the_wait_for_a_note_lapses_after_ten_minutes(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    await transcript.run(":como sofia\n/reportar plan en curso")
    clock.advance(timedelta(minutes=11))
    out = await transcript.run("gracias")

    assert "No entendí." in out
    assert [note for _, _, note, _ in await history(session)] == [None]


# --- forms left half-way say what was kept ----------------------------------------------


async def test_a_command_closes_an_unfinished_form_and_says_so(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar formulario
        :b 3
        /estado
        en curso
        """
    )

    assert (
        "Cerré el formulario “Estado de un entregable — Bogotá”, que quedó sin terminar: "
        "no guardé nada de él." in out
    )
    assert "*Entregables del equipo Bogotá*" in out  # the command itself is answered
    assert out.rstrip().endswith("No entendí. Escribe /ayuda para ver lo que puedo hacer.")
    assert await history(session) == []
    assert (await session.exec(select(FormSession))).all() == []


async def test_cancelling_a_form_says_that_nothing_of_it_was_kept(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar formulario
        :b 3
        :b 2
        /cancelar
        """
    )

    assert (
        "Listo, cancelé el formulario “Estado de un entregable — Bogotá”: no guardé nada de él."
        in out
    )
    assert await history(session) == []


async def test_the_report_form_keeps_the_note_it_ends_with(
    session: AsyncSession, transcript: Transcript
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar formulario
        :b 3
        :b 2
        Borrador listo https://docs.example.org/plan
        """
    )

    assert "(3/3) Una nota para tu equipo y el equipo coordinador, con un enlace" in out
    assert "Enlace: https://docs.example.org/plan" in out
    assert await history(session) == [
        (
            deliverables["plan"].id,
            Status.IN_PROGRESS,
            "Borrador listo",
            "https://docs.example.org/plan",
        )
    ]


# --- a report started in a group goes on privately; buttons act for their person --------


def group_press(sender: str, payload: str) -> Incoming:
    """A button pressed in the console's group room (under a message anyone there sees)."""
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=sender,
        sender_name=sender.capitalize(),
        chat_id="sala",
        chat_kind=ChatKind.GROUP,
        payload=payload,
    )


async def test_a_report_started_in_the_group_goes_on_privately(
    session: AsyncSession, transcript: Transcript
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        :grupo
        /reportar
        :privado
        :b 1
        :b 2
        Falta acceso al SECOP
        """
    )

    assert "bot → #sala (solo lo ve sofia): Te respondo en privado." in out
    assert "bot → @sofia: ¿Qué entregable del equipo Bogotá quieres actualizar?" in out
    assert "bot → #sala: " not in out  # the group sees no buttons, and no steps
    assert await history(session) == [
        (deliverables["mapeo"].id, Status.IN_PROGRESS, "Falta acceso al SECOP", None)
    ]


async def test_a_status_button_pressed_in_the_group_records_nothing(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    # Buttons sent to the group before this fix name no one: a Santiago member presses a
    # Ciudad de México member's "en curso" (the deliverable is every team's).
    cohort, teams, deliverables = await seed_with_deliverables(
        session, transcript.chat.clock.now()
    )
    await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, teams["Santiago"], cohort.created_at
    )
    await session.commit()
    mapeo = deliverables["mapeo"].id

    replies = await core.handle(group_press("tomas", f"sts:{mapeo}:p"))

    assert await history(session) == []
    texts = [(type(r.to).__name__, r.ephemeral, plain(r.text)) for r in replies]
    assert texts[0] == ("Here", True, "Te respondo en privado.")
    # He gets buttons of his own, privately, for his own team.
    assert texts[1][0] == "Direct" and "Ahora: ⚪ sin iniciar" in texts[1][2]
    assert replies[1].buttons[0][1].payload == f"sts:{mapeo}:p"


async def test_buttons_of_somebody_elses_report_refuse_to_act(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    cohort, teams, deliverables = await seed_with_deliverables(
        session, transcript.chat.clock.now()
    )
    await add_member(
        session, cohort, "Laura", "laura", Role.PARTICIPANT, teams["Bogotá"], cohort.created_at
    )
    await session.commit()
    await transcript.run(
        """
        :como sofia
        /reportar mapeo bloqueado
        /reportar map en curso "nota ambigua"
        """
    )
    update = (await session.exec(select(StatusUpdate))).one()
    refusal = "Estos botones son de Sofía. Para hacer tu propio reporte: /reportar"

    # Her "add a note" button and her draft's buttons are hers, even for her teammate.
    note = await core.handle(group_press("laura", f"stn:{update.id}"))
    draft = await core.handle(group_press("laura", f"sta:1:{deliverables['proveedores'].id}"))

    assert [plain(r.text) for r in note] == [refusal]
    assert [plain(r.text) for r in draft] == [refusal]
    assert len(await history(session)) == 1
