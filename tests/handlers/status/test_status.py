"""Deliverable status: reading what people type, recording changes, reporting in chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.handlers.status import rules
from cohorte.handlers.status.deliverable_grammar import parse_due, parse_new_deliverable
from cohorte.handlers.status.grammar import (
    ReportLine,
    code_from_title,
    match_deliverables,
    normalise_code,
    parse_report_line,
    parse_status,
)
from cohorte.handlers.status.reporting import SameStatusError, record_status
from cohorte.handlers.status.rules import (
    checkin_prompt_time,
    clean_note,
    due_date,
    is_commitment,
    working_moment,
)
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.checkins import CheckinAnswer
from cohorte.storage.deliverables import Deliverable, DeliverableTeam
from cohorte.storage.models import Cohort, Member, Person, Platform, Role, Team
from cohorte.storage.status import Status, StatusDraft, StatusUpdate, status_history
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort

# The sprint's templates: code, title, RDC7, RDC8, optional, due week.
TEMPLATES = [
    ("mapeo", "Mapeo de procesos y sistemas", True, False, False, 6),
    ("proveedores", "Mapeo de problemas de proveedores", False, True, False, 8),
    ("plan", "Plan de mejora", True, True, False, 11),
    ("datos", "Publicación de datos de contratación", True, False, True, 12),
    ("indicadores", "Indicadores de desempeño", True, True, True, 10),
    ("investigacion", "Investigación con proveedores", False, True, True, 10),
]


def templates(cohort_id: int = 1, now: datetime | None = None) -> list[Deliverable]:
    now = now or datetime(2025, 4, 22, 14, 0, tzinfo=UTC)
    return [
        Deliverable(
            cohort_id=cohort_id,
            code=code,
            title=title,
            rdc7=rdc7,
            rdc8=rdc8,
            optional=optional,
            due_week=week,
            position=number,
            created_at=now,
        )
        for number, (code, title, rdc7, rdc8, optional, week) in enumerate(TEMPLATES, start=1)
    ]


async def seed_with_deliverables(
    session: AsyncSession, now: datetime, *, only: dict[str, list[str]] | None = None
) -> tuple[Cohort, dict[str, Team], dict[str, Deliverable]]:
    """The test cohort plus the six templates; `only` assigns some to a few teams by name."""
    cohort = await seed_cohort(session, now)
    assert cohort.id is not None
    teams = {
        team.name: team
        for team in (await session.exec(select(Team).where(Team.cohort_id == cohort.id))).all()
    }
    deliverables = {}
    for deliverable in templates(cohort.id, now):
        deliverable.all_teams = deliverable.code not in (only or {})
        session.add(deliverable)
        await session.flush()
        deliverables[deliverable.code] = deliverable
        for name in (only or {}).get(deliverable.code, []):
            assert deliverable.id is not None and teams[name].id is not None
            session.add(DeliverableTeam(deliverable_id=deliverable.id, team_id=teams[name].id))
    await session.commit()
    return cohort, teams, deliverables


def press(sender: str, payload: str, **values: str) -> Incoming:
    """A button press (or, with values, a submitted Slack modal) in a private chat."""
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=sender,
        sender_name=sender.capitalize(),
        chat_id=sender,
        chat_kind=ChatKind.PRIVATE,
        payload=payload,
        form_values=values or None,
    )


async def latest(session: AsyncSession) -> StatusUpdate:
    statement = (
        select(StatusUpdate)
        .order_by(col(StatusUpdate.id))
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).all()[-1]


# --- what people type -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sin iniciar", Status.NOT_STARTED),
        ("En Curso", Status.IN_PROGRESS),
        ("en progreso", Status.IN_PROGRESS),
        ("BLOQUEADA", Status.BLOCKED),
        ("completado", Status.DONE),
        ("completo", Status.DONE),
        ("Completa", Status.DONE),
        ("listo", Status.DONE),
        ("done", Status.DONE),
        ("in progress", Status.IN_PROGRESS),
        ("más o menos", None),
    ],
)
def test_status_words(text: str, expected: Status | None) -> None:
    assert parse_status(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'mapeo en curso "falta acceso al SECOP"',
            ReportLine("mapeo", Status.IN_PROGRESS, "falta acceso al SECOP"),
        ),
        (
            "Mapeo de procesos bloqueado: falta acceso https://secop.example.org/x.",
            ReportLine(
                "Mapeo de procesos", Status.BLOCKED, "falta acceso", "https://secop.example.org/x"
            ),
        ),
        ("plan completado", ReportLine("plan", Status.DONE)),
        ("bloqueado plan", ReportLine("plan", Status.BLOCKED)),
        (
            "Publicación de datos EN PROGRESO",
            ReportLine("Publicación de datos", Status.IN_PROGRESS),
        ),
        ("proveedores sin iniciar", ReportLine("proveedores", Status.NOT_STARTED)),
        (
            "indicadores “ya tenemos el borrador”",
            ReportLine("indicadores", None, "ya tenemos el borrador"),
        ),
        ("mapeo «falta el SECOP» listo", ReportLine("mapeo", Status.DONE, "falta el SECOP")),
        ('plan en curso "sin cerrar', ReportLine("plan", Status.IN_PROGRESS, "sin cerrar")),
        ("mapeo", ReportLine("mapeo")),
    ],
)
def test_one_line_reports(text: str, expected: ReportLine) -> None:
    assert parse_report_line(text) == expected


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("mapeo", ["mapeo"]),  # an exact code beats titles that start with it
        ("MAPEO DE PROCESOS", ["mapeo"]),
        ("publicacion", ["datos"]),  # accents do not matter
        ("Publicación de datos de contratación", ["datos"]),
        ("  Plan   de   Mejora ", ["plan"]),
        ("map", ["mapeo", "proveedores"]),  # ambiguous: the bot asks
        ("mapeo prov", ["proveedores"]),  # prefixes of the title's words
        ("prov", ["proveedores"]),
        ("invest", ["investigacion"]),
        ("desempeno", ["indicadores"]),
        ("indicadores-de-desempeño", ["indicadores"]),
        ("xyz", []),
        ("", []),
    ],
)
def test_matching_deliverables(query: str, codes: list[str]) -> None:
    assert [d.code for d in match_deliverables(query, templates())] == codes


def test_codes_people_can_type() -> None:
    assert code_from_title("Plan de mejora", set()) == "plan"
    assert code_from_title("Plan de mejora", {"plan"}) == "plan-mejora"
    assert code_from_title("Plan", {"plan"}) == "plan-2"
    assert code_from_title("Publicación de datos", set()) == "publicacion"
    assert normalise_code(" Mapeo Procesos ") == "mapeo-procesos"
    assert normalise_code("¡¿?") == ""


def test_long_notes_are_cut_with_their_length() -> None:
    assert clean_note("  hola ") == ("hola", None)
    assert clean_note("   ") == (None, None)
    note, length = clean_note("a" * 10_000)
    assert length == 10_000
    assert note is not None and len(note) == rules.NOTE_LIMIT and note.endswith("…")


def test_due_dates_and_open_work() -> None:
    cohort = Cohort(
        name="c",
        home_zone="America/Bogota",
        start_date=date(2025, 4, 21),
        invite_code="X1234",
        created_at=datetime(2025, 4, 1, tzinfo=UTC),
    )
    mapeo, *_, datos, _, _ = templates()
    assert due_date(mapeo, cohort) == date(2025, 5, 30)  # Friday of week 6
    mapeo.due_week, mapeo.due_date = None, date(2025, 6, 2)
    assert due_date(mapeo, cohort) == date(2025, 6, 2)
    mapeo.due_date = None
    assert due_date(mapeo, cohort) is None
    assert is_commitment(mapeo, Status.NOT_STARTED)
    assert not is_commitment(mapeo, Status.DONE)
    # An optional deliverable is open work only once the team started it.
    assert not is_commitment(datos, Status.NOT_STARTED)
    assert is_commitment(datos, Status.BLOCKED)


def test_the_check_in_prompt_keeps_the_local_time_across_dst() -> None:
    # Chile left summer time on Sunday 2025-04-06 (UTC-3 -> UTC-4). A Monday 15:00
    # check-in on 2025-04-07 is 19:00 UTC; two days before at 15:00 local is 18:00 UTC.
    check_in = datetime(2025, 4, 7, 19, 0, tzinfo=UTC)
    assert checkin_prompt_time(check_in, "America/Santiago") == datetime(
        2025, 4, 5, 18, 0, tzinfo=UTC
    )
    # Without a change in between it is simply 48 hours before.
    later = datetime(2025, 4, 24, 19, 0, tzinfo=UTC)
    assert checkin_prompt_time(later, "America/Santiago") == later - timedelta(days=2)


def test_nudges_wait_for_working_hours() -> None:
    bogota = "America/Bogota"
    tuesday_10 = datetime(2025, 4, 22, 15, 0, tzinfo=UTC)
    assert working_moment(tuesday_10, bogota) == tuesday_10
    tuesday_22 = datetime(2025, 4, 23, 3, 0, tzinfo=UTC)
    assert working_moment(tuesday_22, bogota) == datetime(2025, 4, 23, 14, 0, tzinfo=UTC)
    saturday = datetime(2025, 4, 26, 15, 0, tzinfo=UTC)
    assert working_moment(saturday, bogota) == datetime(2025, 4, 28, 14, 0, tzinfo=UTC)
    early_monday = datetime(2025, 4, 28, 11, 0, tzinfo=UTC)  # 06:00 in Bogotá
    assert working_moment(early_monday, bogota) == datetime(2025, 4, 28, 14, 0, tzinfo=UTC)


# --- recording --------------------------------------------------------------------------


async def test_status_transitions_are_kept_as_history(
    session: AsyncSession, clock: ManualClock
) -> None:
    cohort, teams, deliverables = await seed_with_deliverables(session, clock.now())
    assert cohort.id is not None
    bogota, mapeo = teams["Bogotá"], deliverables["mapeo"]
    sofia = (await session.exec(select(Member).where(Member.team_id == bogota.id))).one()

    first = await record_status(session, mapeo, bogota, sofia, Status.IN_PROGRESS, clock.now())
    assert (first.previous, first.status) == (Status.NOT_STARTED, Status.IN_PROGRESS)
    with pytest.raises(SameStatusError) as caught:
        await record_status(session, mapeo, bogota, sofia, Status.IN_PROGRESS, clock.now())
    assert plain(caught.value.render(Translator("es"))) == (
        "“Mapeo de procesos y sistemas” ya está en estado en curso. "
        "Para contar novedades, escribe también una nota."
    )
    clock.advance(timedelta(hours=1))
    noted = await record_status(
        session, mapeo, bogota, sofia, None, clock.now(), note="falta el SECOP"
    )
    assert (noted.previous, noted.status, noted.note) == (
        Status.IN_PROGRESS,
        Status.IN_PROGRESS,
        "falta el SECOP",
    )
    await record_status(session, mapeo, bogota, sofia, Status.BLOCKED, clock.now())
    await record_status(session, mapeo, bogota, sofia, Status.DONE, clock.now())
    reopened = await record_status(session, mapeo, bogota, None, Status.IN_PROGRESS, clock.now())
    assert reopened.previous is Status.DONE

    history = await status_history(session, cohort.id, deliverable_id=mapeo.id)
    assert [(h.previous, h.status) for h in history] == [
        (Status.NOT_STARTED, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.BLOCKED),
        (Status.BLOCKED, Status.DONE),
        (Status.DONE, Status.IN_PROGRESS),
    ]
    assert [h.member_id for h in history] == [sofia.id] * 4 + [None]
    assert history[1].created_at == clock.now()
    # Other teams' statuses are their own.
    assert await status_history(session, cohort.id, team_id=teams["Santiago"].id) == []


# --- reporting in chat ------------------------------------------------------------------


async def test_reporting_with_buttons_and_a_note(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    cohort, teams, _ = await seed_with_deliverables(session, clock.now())
    await add_member(
        session, cohort, "Laura", "laura", Role.PARTICIPANT, teams["Bogotá"], clock.now()
    )
    await session.commit()

    out = await transcript.run(
        """
        :como sofia
        /reportar
        :b 1
        :b 3
        :b 1
        Falta acceso al SECOP https://docs.example.org/mapeo
        """
    )

    assert "¿Qué entregable del equipo Bogotá quieres actualizar?" in out
    assert "[1] ⚪ Mapeo de procesos y sistemas  [2] ⚪ Mapeo de problemas de proveedores" in out
    assert "Ahora: ⚪ sin iniciar" in out
    assert "Vence Semana 6 · viernes, 30 de mayo" in out
    assert "[1] ⚪ sin iniciar  [2] 🔄 en curso  [3] ⛔ bloqueado  [4] ✅ completado" in out
    assert (
        "Listo: *Mapeo de procesos y sistemas* (Bogotá) pasó de sin iniciar a ⛔ bloqueado." in out
    )
    assert "¿Qué los bloquea? Agrega una nota para que el equipo coordinador pueda ayudar." in out
    # The teammate hears about it, the coordination does not (it has the dashboard).
    assert (
        "bot → @laura: Sofía actualizó *Mapeo de procesos y sistemas* (Bogotá): "
        "sin iniciar → ⛔ bloqueado." in out
    )
    assert "@coordina" not in out
    assert "Tu nota (puede llevar un enlace al documento)" in out
    assert "Nota: “Falta acceso al SECOP”" in out
    assert "Enlace: https://docs.example.org/mapeo" in out

    update = await latest(session)
    # The note completes the change: one history row, not two.
    assert (update.status, update.note, update.link) == (
        Status.BLOCKED,
        "Falta acceso al SECOP",
        "https://docs.example.org/mapeo",
    )
    assert len((await session.exec(select(StatusUpdate))).all()) == 1


async def test_reporting_in_one_line(session: AsyncSession, transcript: Transcript) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar mapeo en curso "falta acceso al SECOP"
        /reportar Mapeo de Procesos en curso
        /reportar mapeo “ya tenemos el inventario”
        /reportar plan
        /reportar investigación listo https://docs.example.org/encuesta
        """
    )

    assert (
        "Listo: *Mapeo de procesos y sistemas* (Bogotá) pasó de sin iniciar a 🔄 en curso.\n"
        "    Nota: “falta acceso al SECOP”" in out
    )
    assert "“Mapeo de procesos y sistemas” ya está en estado en curso." in out
    assert (
        "Listo: agregué la nota a *Mapeo de procesos y sistemas* (Bogotá), que sigue 🔄 en curso."
        in out
    )
    assert "*Plan de mejora*\n    Ahora: ⚪ sin iniciar" in out  # no status: the buttons
    assert "pasó de sin iniciar a ✅ completado" in out
    assert "Enlace: https://docs.example.org/encuesta" in out


async def test_an_ambiguous_report_asks_and_keeps_the_note(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar map bloqueado "sin respuesta de la Secretaría"
        :b 2
        """
    )

    assert "“map” puede ser más de un entregable. ¿Cuál es?" in out
    assert "[1] Mapeo de procesos y sistemas  [2] Mapeo de problemas de proveedores" in out
    assert "*Mapeo de problemas de proveedores* (Bogotá) pasó de sin iniciar a ⛔ bloqueado." in out
    assert "Nota: “sin respuesta de la Secretaría”" in out
    update = await latest(session)
    assert update.deliverable_id == deliverables["proveedores"].id
    # The draft is used up: pressing again is a stale button.
    assert (await session.exec(select(StatusDraft))).all() == []
    replies = await core.handle(press("sofia", f"sta:1:{update.deliverable_id}"))
    assert replies[0].text == "Ese botón ya no es válido. Vuelve a pedirlo con el comando."


async def test_reporting_through_the_form(session: AsyncSession, transcript: Transcript) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /reportar formulario
        :b 3
        :b 2
        Borrador listo para revisión
        """
    )

    assert "Estado de un entregable — Bogotá — responde unas preguntas" in out
    assert "(1/3) ¿Qué entregable?" in out
    assert "(2/3) ¿En qué estado está?" in out
    assert "*Plan de mejora* (Bogotá) pasó de sin iniciar a 🔄 en curso." in out
    update = await latest(session)
    assert (update.deliverable_id, update.note) == (
        deliverables["plan"].id,
        "Borrador listo para revisión",
    )


async def test_bad_input_is_answered_clearly(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    _, _, deliverables = await seed_with_deliverables(
        session, transcript.chat.clock.now(), only={"investigacion": ["Santiago"]}
    )

    out = await transcript.run(
        """
        :como sofia
        /reportar investigacion listo
        /reportar sistemas contables en curso
        /reportar en curso
        /tablero
        /entregable nuevo Otro
        /exportar estado
        """
    )

    assert "“Investigación con proveedores” no es uno de los entregables del equipo Bogotá." in out
    assert (
        "No encontré el entregable “sistemas contables”. Los entregables de tu equipo: "
        "mapeo, proveedores, plan, datos, indicadores." in out
    )
    assert "¿Qué entregable? Escribe su código o su nombre antes del estado" in out
    assert out.count("Solo el equipo coordinador puede hacer eso.") == 3

    # Stale or forged buttons.
    investigacion = deliverables["investigacion"]
    for payload in ("sts:9999:p", "sts:abc:p", f"sts:{deliverables['plan'].id}:x", "sta:9999:1"):
        replies = await core.handle(press("sofia", payload))
        assert replies[0].text == "Ese botón ya no es válido. Vuelve a pedirlo con el comando."
    replies = await core.handle(press("sofia", f"sts:{investigacion.id}:d"))
    assert "no es uno de los entregables del equipo Bogotá" in plain(replies[0].text)
    assert (await session.exec(select(StatusUpdate))).all() == []


async def test_a_huge_note_is_trimmed_with_a_message(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    _, _, deliverables = await seed_with_deliverables(session, transcript.chat.clock.now())
    plan = deliverables["plan"]

    # A Slack modal can bring back a 10,000-character answer.
    replies = await core.handle(
        press("sofia", "stf", deliverable=str(plan.id), status="b", note="á" * 10_000, link="")
    )
    assert "Tu nota era muy larga (10000 caracteres): guardé los primeros 1000." in replies[0].text
    update = await latest(session)
    assert update.note is not None and len(update.note) == 1000

    # In one line (under the chat limit), the same.
    out = await transcript.run(":como sofia\n/reportar mapeo en curso " + "x" * 3000)
    assert "Tu nota era muy larga (3000 caracteres): guardé los primeros 1000." in out


async def test_who_may_report(session: AsyncSession, transcript: Transcript) -> None:
    cohort, _, _ = await seed_with_deliverables(session, transcript.chat.clock.now())
    await add_member(
        session, cohort, "Nadia", "nadia", Role.PARTICIPANT, None, transcript.chat.clock.now()
    )
    await session.commit()

    out = await transcript.run(
        """
        :como nadia
        /reportar mapeo en curso
        /estado
        :como coordina
        /reportar mapeo en curso
        :como desconocida
        /reportar mapeo en curso
        """
    )

    assert out.count("Todavía no eres parte de un equipo de ciudad") == 2
    assert "Los reportes son de los equipos de las ciudades." in out
    assert "Todavía no eres parte de una cohorte." in out


async def test_reporting_from_the_group_chat(session: AsyncSession, transcript: Transcript) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())

    out = await transcript.run(":como sofia\n:grupo\n/reportar datos en curso\nhola a todos")

    # Reporting is personal: it goes on in the private chat (the console can write there).
    assert "bot → #sala (solo lo ve sofia): Te respondo en privado." in out
    assert "bot → @sofia: Listo: *Publicación de datos de contratación* (Bogotá)" in out
    assert "hola a todos\n" not in out.split("hola a todos", 1)[1] + "\n"


# --- managing deliverables --------------------------------------------------------------


@pytest.mark.parametrize("quoted", ["“Mapa de actores”", '"Mapa de actores"', "«Mapa de actores»"])
async def test_a_deliverable_title_may_come_in_quotes(
    session: AsyncSession, transcript: Transcript, quoted: str
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    out = await transcript.run(
        f"""
        :como coordina
        /entregable nuevo {quoted}; código actores
        """
    )
    assert "Listo: nuevo entregable.\n    *Mapa de actores* (código: actores)" in out


async def test_coordinators_manage_deliverables(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como coordina
        /entregable
        /entregable nuevo Mapeo de procesos y sistemas; RDC7; semana 6; plantilla https://plantillas.example.org/mapeo
        /entregable nuevo Mapeo de problemas de proveedores; código proveedores; rdc8; 13/6
        /entregable nuevo Investigación con proveedores; RDC8; opcional; equipos Bogotá y santiago
        /entregable nuevo Otro; semana 14
        /entregable nuevo Otro; color azul
        /entregable nuevo Otro; código mapeo
        /entregable
        /entregable asignar investigacion todos
        /entregable asignar map Bogotá
        /entregable fecha mapeo 2025-05-23
        /entregable fecha proveedores ninguna
        /entregable ayuda
        /entregable borrar investigacion
        :b 1
        /entregable ver investigacion
        """
    )

    assert "Todavía no hay entregables." in out
    assert "Listo: nuevo entregable.\n    *Mapeo de procesos y sistemas* (código: mapeo)" in out
    assert "RDC7 (datos de contratación abiertos y compartidos)" in out
    assert "Vence Semana 6 · viernes, 30 de mayo" in out
    assert "Plantilla: https://plantillas.example.org/mapeo" in out
    assert "*Mapeo de problemas de proveedores* (código: proveedores)" in out
    assert "Vence Semana 8 · viernes, 13 de junio" in out
    assert "*Investigación con proveedores* (código: investigacion)" in out
    assert "Sin fecha límite\n    Para: Bogotá, Santiago" in out
    assert "El sprint tiene de la Semana 1 a la 12; no hay Semana 14." in out
    assert "No entendí “color azul”. Escribe /entregable ayuda para ver cómo escribirlo." in out
    assert "Ya hay un entregable con el código mapeo." in out
    assert "3 entregables:" in out
    assert (
        "• *investigacion* — Investigación con proveedores · RDC8 · opcional · Bogotá, Santiago"
        in out
    )
    assert "Listo: actualicé la asignación." in out
    assert "“map” puede ser más de un entregable: mapeo, proveedores. Escribe su código." in out
    assert "Listo: actualicé la fecha límite.\n    *Mapeo de procesos y sistemas*" in out
    assert "Vence Semana 5 · viernes, 23 de mayo" in out
    assert "Sin fecha límite" in out
    assert "/entregable asignar mapeo Bogotá, Lima (o: todos)" in out
    assert "¿Borrar *Investigación con proveedores*?" in out
    assert "Listo: borré el entregable Investigación con proveedores." in out
    assert "No hay ningún entregable “investigacion”. Los códigos: mapeo, proveedores." in out

    stored = (await session.exec(select(Deliverable).order_by(col(Deliverable.position)))).all()
    assert [(d.code, d.rdc7, d.rdc8, d.due_week, d.due_date) for d in stored] == [
        ("mapeo", True, False, None, date(2025, 5, 23)),
        ("proveedores", False, True, None, None),
    ]


async def test_a_due_date_in_january_for_a_sprint_that_starts_in_december(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    # A sprint from Monday 1 December 2025 to late February; in December, "5/1" is
    # 5 January of the next year (as /sesion reads it), not a day before the sprint.
    clock.set(datetime(2025, 12, 10, 14, 0, tzinfo=UTC))
    cohort = await seed_cohort(session, clock.now())
    cohort.start_date = date(2025, 12, 1)
    session.add(cohort)
    await session.commit()

    out = await transcript.run(
        """
        :como coordina
        /entregable nuevo Plan de mejora; 5/1
        /entregable nuevo Mapeo de procesos
        /entregable fecha mapeo 12/1
        """
    )

    assert "fuera del sprint" not in out
    assert out.count("Listo: nuevo entregable.") == 2
    assert "Listo: actualicé la fecha límite." in out
    stored = (await session.exec(select(Deliverable).order_by(col(Deliverable.position)))).all()
    assert [(d.code, d.due_week, d.due_date) for d in stored] == [
        ("plan", None, date(2026, 1, 5)),
        ("mapeo", None, date(2026, 1, 12)),
    ]


async def test_a_due_date_late_in_the_sprint_may_be_a_past_day_of_it(
    session: AsyncSession, transcript: Transcript, clock: ManualClock
) -> None:
    # Week 11 of a sprint that started on 21 April: "25/4" is this April (inside the
    # sprint), not next April — a coordinator may date a deliverable already due.
    clock.set(datetime(2025, 7, 2, 14, 0, tzinfo=UTC))
    await seed_cohort(session, clock.now())
    out = await transcript.run(
        """
        :como coordina
        /entregable nuevo Plan de mejora; 25/4
        """
    )
    assert "fuera del sprint" not in out
    stored = (await session.exec(select(Deliverable))).one()
    assert stored.due_date == date(2025, 4, 25)


def test_due_dates_are_read_with_the_one_date_grammar() -> None:
    cohort = Cohort(
        name="c",
        home_zone="America/Bogota",
        start_date=date(2025, 4, 21),
        invite_code="X1234",
        created_at=datetime(2025, 4, 1, tzinfo=UTC),
    )
    today = date(2025, 4, 22)
    assert parse_due("semana 4", cohort, today) == (4, None)
    assert parse_due("2025-05-16", cohort, today) == (None, date(2025, 5, 16))
    assert parse_due("16/5", cohort, today) == (None, date(2025, 5, 16))
    assert parse_due("16 de mayo", cohort, today) == (None, date(2025, 5, 16))
    draft = parse_new_deliverable("Plan; 13/6", cohort, [], today)
    assert (draft.title, draft.due_date) == ("Plan", date(2025, 6, 13))
    # Something shaped like a date that is no day is a due date that cannot be read.
    with pytest.raises(CohortError) as caught:
        parse_new_deliverable("Plan; 31/2", cohort, [], today)
    assert caught.value.message.startswith("I could not read the due date")


# --- the async check-in -----------------------------------------------------------------


async def test_two_members_answer_the_check_in_form(
    session: AsyncSession, transcript: Transcript
) -> None:
    now = transcript.chat.clock.now()
    cohort, teams, _ = await seed_with_deliverables(session, now)
    bogota = teams["Bogotá"]
    bogota.checkin_weekday, bogota.checkin_time = 3, time(10, 0)  # Thursday 10:00
    session.add(bogota)
    await add_member(session, cohort, "Laura", "laura", Role.PARTICIPANT, bogota, now)
    await session.commit()
    bogota_id = bogota.id

    out = await transcript.run(
        """
        :como sofia
        /avances
        Terminamos el inventario de sistemas
        Falta acceso al SECOP
        :b Saltar
        :como laura
        /avances
        Entrevistas con proveedores
        :b Saltar
        Revisar el plan de mejora
        :como sofia
        /avances
        :b Saltar
        :b Saltar
        :b Saltar
        """
    )

    assert "Antes de la sesión de acompañamiento del jueves, 24 de abril" in out
    assert "(1/3) ¿Qué avanzaron desde la última sesión?" in out
    assert "(2/3) ¿Qué los bloquea?" in out
    assert "(3/3) ¿Qué quieren revisar en la sesión?" in out
    thanks = (
        "¡Gracias! El equipo coordinador leerá tus respuestas antes de la sesión del "
        "jueves, 24 de abril · 10:00 (hora de Bogotá)."
    )
    assert out.count(thanks) == 2
    assert "Dejaste todas las preguntas vacías, así que no hay nada que enviar." in out

    answers = (await session.exec(select(CheckinAnswer).order_by(col(CheckinAnswer.id)))).all()
    assert [a.team_id for a in answers] == [bogota_id, bogota_id]
    assert answers[0].ref == answers[1].ref
    assert '"¿Qué los bloquea?": "Falta acceso al SECOP"' in answers[0].answers
    assert "¿Qué los bloquea?" not in answers[1].answers  # skipped


async def test_the_check_in_digest_counts_who_answered_out_of_the_team(
    session: AsyncSession, transcript: Transcript
) -> None:
    now = transcript.chat.clock.now()
    cohort, teams, _ = await seed_with_deliverables(session, now)
    bogota = teams["Bogotá"]
    bogota.checkin_weekday, bogota.checkin_time = 3, time(10, 0)  # Thursday 10:00
    session.add(bogota)
    for name in ("Laura", "Pedro", "Rosa"):  # with Sofía, four in the team
        await add_member(session, cohort, name, name.lower(), Role.PARTICIPANT, bogota, now)
    kate = await add_member(session, cohort, "Kate", "kate", Role.COORDINATOR, None, now)
    person = await session.get(Person, kate.person_id)
    assert person is not None
    person.locale = "en"
    session.add(person)
    await session.commit()

    out = await transcript.run(
        """
        :como sofia
        /avances
        Terminamos el inventario de sistemas
        :b Saltar
        :b Saltar
        :reloj 2025-04-24 08:00
        :reloj +1h
        """
    )

    assert "1 integrante de 4 respondió las preguntas." in out
    assert "1 member out of 4 answered the questions." in out


async def test_no_check_in_without_a_slot(session: AsyncSession, transcript: Transcript) -> None:
    await seed_with_deliverables(session, transcript.chat.clock.now())
    out = await transcript.run(":como sofia\n/avances")
    assert "El equipo Bogotá no tiene sesión de acompañamiento en las próximas dos semanas." in out
