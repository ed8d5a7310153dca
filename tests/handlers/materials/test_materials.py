"""Materials as a cohort lives them on the console: a coordinator attaches the slides before a
Masterclass (they go out with its reminders), the recording after it (sent once, to the
group and to those who want private reminders), absentees find it in "Te extrañamos",
everyone reads /materiales by week; participants cannot attach anything."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.scheduling.clock import ManualClock
from cohorte.storage.attendance import AttendanceSource, AttendanceStatus, set_attendance
from cohorte.storage.deliverables import Deliverable, add_deliverable
from cohorte.storage.materials import Material, MaterialKind
from cohorte.storage.models import Cohort, Member, Person
from cohorte.storage.outbox import Delivery, DeliveryState
from tests.conftest import Transcript
from tests.factories import seed_cohort

MASTERCLASS = ':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos abiertos"'
SLIDES = '/material e1 presentación https://example.org/slides "Diapositivas *clave*"'
RECORDING = "/material e1 https://videos.example.org/e1 “Grabación de la Masterclass”"


async def _cohort(session: AsyncSession, clock: ManualClock) -> Cohort:
    """The seeded cohort (coordina; sofia in Bogotá) with the `mapeo` deliverable, due in
    week 6, whose template is a link."""
    cohort = await seed_cohort(session, clock.now())
    assert cohort.id is not None
    await add_deliverable(
        session,
        Deliverable(
            cohort_id=cohort.id,
            code="mapeo",
            title="Mapeo de procesos",
            template_url="https://plantillas.example.org/mapeo",
            due_week=6,
            created_at=clock.now(),
        ),
    )
    await session.commit()
    return cohort


async def _materials(session: AsyncSession) -> list[Material]:
    session.expire_all()
    return list((await session.exec(select(Material).order_by(col(Material.id)))).all())


async def test_coordinators_attach_list_and_remove_materials(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort(session, clock)
    await transcript.run(MASTERCLASS)

    out = await transcript.run(SLIDES)
    assert "📎 Agregado a Masterclass: Datos abiertos (n.º 1):" in out
    assert "📊 Presentación: Diapositivas *clave* — https://example.org/slides" in out
    assert "Saldrá con los recordatorios de la sesión; ya aparece en /materiales." in out
    out = await transcript.run('/material mapeo https://example.org/guia "Guía del mapeo"')
    assert "Agregado a Entregable: Mapeo de procesos (n.º 2):" in out
    assert "📄 Plantilla: Guía del mapeo — https://example.org/guia" in out  # inferred
    (slides, guide) = await _materials(session)
    assert (slides.kind, slides.ref, slides.title) == (
        MaterialKind.SLIDES,
        "e1",
        "Diapositivas *clave*",
    )
    assert (guide.kind, guide.ref, guide.deliverable_id) == (MaterialKind.TEMPLATE, None, 1)

    out = await transcript.run(":como sofia\n/materiales")
    assert "📚 Materiales de *Sprint de prueba*" in out
    week3, week6 = out.index("*Semana 3*"), out.index("*Semana 6*")
    assert week3 < out.index("• *Masterclass: Datos abiertos* — martes, 6 de mayo (e1)") < week6
    assert "   📊 Presentación: Diapositivas *clave* — https://example.org/slides\n" in out
    assert week6 < out.index("• Entregable *Mapeo de procesos* (mapeo)")
    # The deliverable's own template, with what was attached to it.
    assert "   📄 Plantilla: Mapeo de procesos — https://plantillas.example.org/mapeo" in out
    assert "   📄 Plantilla: Guía del mapeo — https://example.org/guia" in out
    assert "#1" not in out and "quitar" not in out  # numbers are for coordinators

    out = await transcript.run(":como coordina\n/materiales")
    assert "https://example.org/slides · #1" in out
    assert "Para quitar uno: /material quitar NÚMERO." in out
    out = await transcript.run("/material quitar 1")
    assert "🗑️ Quité el material n.º 1: «Diapositivas *clave*»." in out
    assert [m.title for m in await _materials(session)] == ["Guía del mapeo"]
    assert "slides" not in await transcript.run("/materiales")


async def test_what_is_refused_says_why(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort(session, clock)
    await transcript.run(MASTERCLASS + "\n" + SLIDES)

    out = await transcript.run(":como sofia\n/material e1 https://example.org/x “Mío”")
    assert "Solo el equipo coordinador puede hacer eso." in out
    out = await transcript.run(':como coordina\n/material e1 ftp://example.org/x "Otro"')
    assert "«ftp://example.org/x» no es una dirección web" in out
    out = await transcript.run('/material e1 https://exa mple.org "Otro"')
    assert "No entiendo «mple.org» después de la dirección." in out
    out = await transcript.run('/material e1 https://example.org/<script> "Otro"')
    assert "Una dirección web no puede llevar «<»: vuelve a copiarla del navegador." in out
    out = await transcript.run("/material e1 javascript:alert(1) “Otro”")
    assert "Falta la dirección del material (https://…)." in out
    out = await transcript.run('/material e1 https://exa "Otro"')
    assert "«https://exa» no es una dirección web" in out
    out = await transcript.run('/material e99 https://example.org/x "Otro"')
    assert "No encuentro una sesión ni un entregable «e99»" in out
    assert "o el de un entregable (mapeo)." in out
    out = await transcript.run('/material e1 video https://example.org/x "Otro"')
    assert "Ya está" not in out and "Agregado a Masterclass: Datos abiertos (n.º 2)" in out
    out = await transcript.run('/material e1 diapos https://example.org/y "Otro"')
    assert "«diapos» no es un tipo de material." in out
    out = await transcript.run('/material e1 https://example.org/z "Sin cerrar')
    assert "Falta la comilla que cierra el título." in out
    out = await transcript.run("/material e1 https://example.org/z " + "«" + "x" * 201 + "»")
    assert "El título es demasiado largo (201 caracteres); el límite es 200." in out
    out = await transcript.run("/material e1 https://example.org/" + "x" * 500 + ' "Largo"')
    assert "La dirección es demasiado larga (520 caracteres); el límite es 500." in out
    out = await transcript.run(SLIDES.replace("*clave*", "de nuevo"))
    assert (
        "Esa dirección ya está agregada a Masterclass: Datos abiertos: "
        "«Diapositivas *clave*» (n.º 1)." in out
    )
    assert "No hay ningún material con el número 9." in await transcript.run("/material quitar 9")
    assert "Escribe el número que /materiales muestra" in await transcript.run("/material quitar")
    assert "Ejemplo: /material e12 grabacion" in await transcript.run("/material e1")
    assert len(await _materials(session)) == 2  # the slides and the video only


async def test_before_the_session_in_its_reminders_after_it_sent_once(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort(session, clock)
    await transcript.run(MASTERCLASS + "\n" + SLIDES)

    out = await transcript.run(":reloj 2025-05-05 10:00")  # 24 hours before
    group = out[out.index("bot → #sala: ⏰ Recordatorio") :]
    assert (
        "📎 Materiales:\n    • 📊 Presentación: Diapositivas *clave* — https://example.org/slides"
        in (group)
    )
    private = out[out.index("bot → @sofia: ⏰ Recordatorio") :]
    assert "• 📊 Presentación: Diapositivas *clave*" in private

    out = await transcript.run(":reloj 2025-05-06 11:30\n" + RECORDING)
    assert "🎥 Grabación: Grabación de la Masterclass — https://videos.example.org/e1" in out
    assert "La sesión ya empezó: se lo envío ahora a la cohorte." in out
    out += await transcript.run(":reloj +1m")
    news = "📎 Nuevo material de *Masterclass: Datos abiertos* (martes, 6 de mayo) · Semana 3"
    assert f"bot → #sala: {news}" in out
    assert f"bot → @sofia: {news}" in out
    assert out.count(f"bot → #sala: {news}") == 1

    # The same link again is refused; the ticks that follow plan nothing more.
    out = await transcript.run(RECORDING + "\n:reloj +1h\n:reloj +1d")
    assert "Esa dirección ya está agregada" in out
    assert "Nuevo material" not in out
    rows = (await session.exec(select(Delivery).where(Delivery.kind == "materials.added"))).all()
    assert len(rows) == len({row.dedupe_key for row in rows}) >= 2
    assert {row.state for row in rows} == {DeliveryState.SENT}
    assert {row.ref for row in rows} == {"e1"}


async def test_absentees_find_the_materials_in_te_extranamos(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _cohort(session, clock)
    await transcript.run(MASTERCLASS + "\n" + SLIDES)
    await transcript.run(":reloj 2025-05-06 11:30\n" + RECORDING)
    person = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
    sofia = (await session.exec(select(Member).where(Member.person_id == person.id))).one()
    await set_attendance(
        session,
        cohort.id or 0,
        "e1",
        sofia.id or 0,
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
        datetime(2025, 5, 6, 16, 40, tzinfo=UTC),
    )
    await session.commit()

    out = await transcript.run(":reloj 2025-05-07 10:00")
    missed = out[out.index("bot → @sofia: 💬 Te extrañamos en *Masterclass: Datos abiertos*") :]
    assert (
        "Los materiales de la sesión:\n"
        "    • 📊 Presentación: Diapositivas *clave* — https://example.org/slides\n"
        "    • 🎥 Grabación: Grabación de la Masterclass — https://videos.example.org/e1\n"
        "    Si quieres ponerte al día" in missed
    )


async def test_the_guided_form_and_the_list_in_english(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort(session, clock)
    await transcript.run(MASTERCLASS)

    out = await transcript.run("/material")
    assert "Agreguemos un material." in out
    assert "Nuevo material — responde unas preguntas; /cancelar para dejarlo." in out
    out = await transcript.run("E1")
    assert "(2/4) ¿Qué es?" in out and "[1] Grabación" in out and "Saltar" in out
    out = await transcript.run(":b Lectura\nhttps://example.org/lectura\nLectura previa")
    assert "📎 Agregado a Masterclass: Datos abiertos (n.º 1):" in out
    assert "📖 Lectura: Lectura previa — https://example.org/lectura" in out

    out = await transcript.run(":como sofia\n/idioma en\n/materials")
    assert "📚 Materials of *Sprint de prueba*" in out
    assert "*Week 3*" in out and "*Week 6*" in out
    assert "📖 Reading: Lectura previa — https://example.org/lectura" in out
    assert "• Deliverable *Mapeo de procesos* (mapeo)" in out


async def test_a_recording_added_after_te_extranamos_reaches_the_absentees(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort = await _cohort(session, clock)
    await transcript.run(MASTERCLASS)
    person = (await session.exec(select(Person).where(Person.display_name == "Sofía"))).one()
    sofia = (await session.exec(select(Member).where(Member.person_id == person.id))).one()
    sofia.dm_reminders = False  # the group's reminders are enough for her
    session.add(sofia)
    await set_attendance(
        session,
        cohort.id or 0,
        "e1",
        sofia.id or 0,
        AttendanceStatus.ABSENT,
        AttendanceSource.COORDINATOR,
        datetime(2025, 5, 6, 16, 40, tzinfo=UTC),
    )
    await session.commit()
    out = await transcript.run(":reloj 2025-05-07 10:00")
    assert "bot → @sofia: 💬 Te extrañamos en *Masterclass: Datos abiertos*" in out
    assert "Los materiales de la sesión" not in out  # none yet

    out = await transcript.run(":reloj 2025-05-07 15:00\n:como coordina\n" + RECORDING)
    news = "📎 Nuevo material de *Masterclass: Datos abiertos* (martes, 6 de mayo) · Semana 3"
    assert f"bot → #sala: {news}" in out
    assert out.count(f"bot → @sofia: {news}") == 1  # absent, already missed: told privately
    assert "Nuevo material" not in await transcript.run(":reloj +1d")


async def test_removed_before_its_news_left_and_attached_again_it_goes_out_once(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    await _cohort(session, clock)
    await transcript.run(MASTERCLASS + "\n:reloj 2025-05-06 11:30\n" + RECORDING)
    # As if the sender were behind (a platform's rate limit): the news has not left yet.
    rows = (await session.exec(select(Delivery).where(Delivery.kind == "materials.added"))).all()
    for row in rows:
        row.state, row.sent_at, row.due_at = (
            DeliveryState.PENDING,
            None,
            datetime(2025, 5, 6, 17, tzinfo=UTC),
        )
        session.add(row)
    await session.commit()

    # The title had a typo: removed, and attached again (after another material).
    out = await transcript.run(
        "/material quitar 1\n"
        '/material mapeo https://example.org/guia "Guía del mapeo"\n'
        "/material e1 https://videos.example.org/e1 “Grabación de la Masterclass (completa)”\n"
        ":reloj 2025-05-06 12:01\n:reloj +1d"
    )

    fixed = "🎥 Grabación: Grabación de la Masterclass (completa) — https://videos.example.org/e1"
    assert out.count("bot → #sala: 📎 Nuevo material") == 1
    assert out.count("bot → @sofia: 📎 Nuevo material") == 1
    assert out.count(fixed) == 4  # the answer to coordina, then #sala, @coordina, @sofia
