"""Registration for an edition in the console, in Spanish: apply, decide, the waiting list."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from cohorte.bot.cli.root import app
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.storage.applications import Application, ApplicationState
from cohorte.storage.db import create_engine, session_factory
from cohorte.storage.models import Cohort, Person, Platform
from tests.conftest import Transcript
from tests.factories import seed_cohort

CODE = "INSCRIBE26"


async def open_registration(
    session: AsyncSession, now: datetime, *, places: int | None = 3, per_team: int | None = None
) -> Cohort:
    """The test cohort (Sofía already on the Bogotá team), open for applications until the
    end of Thursday 24 April in Bogotá."""
    cohort = await seed_cohort(session, now)
    cohort.registration_open = True
    cohort.registration_code = CODE
    cohort.registration_deadline = datetime(2025, 4, 25, 5, 0, tzinfo=UTC)
    cohort.registration_places = places
    cohort.registration_places_per_team = per_team
    await session.commit()
    return cohort


def press(sender: str, payload: str) -> Incoming:
    return Incoming(
        platform=Platform.CONSOLE,
        sender_id=sender,
        sender_name=sender.capitalize(),
        chat_id=sender,
        chat_kind=ChatKind.PRIVATE,
        payload=payload,
    )


def applying(who: str, city: str) -> str:
    return f"""
        :como {who}
        /inscribirme {CODE.lower()}
        {city}
        Secretaría de Hacienda
        Analista de compras
        Publicar los datos de contratación de la ciudad
        """


async def application_ids(session: AsyncSession) -> dict[int, ApplicationState]:
    statement = select(Application).order_by(col(Application.id))
    rows = (await session.exec(statement.execution_options(populate_existing=True))).all()
    return {row.id or 0: row.state for row in rows}


async def test_apply_wait_and_move_up_when_a_place_frees(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    await open_registration(session, transcript.chat.clock.now())

    ana = await transcript.run(applying("ana", "bogota"))
    assert "Inscripción a Sprint de prueba" in ana
    assert "La inscripción no garantiza la participación" in ana
    assert "Las inscripciones cierran el jueves, 24 de abril · 23:59" in ana
    assert "(1/4) ¿En qué ciudad trabajas?" in ana
    assert "Gracias, Ana: recibimos tu inscripción a Sprint de prueba." in ana
    assert "Ciudad: Bogotá · Área: Secretaría de Hacienda · Cargo: Analista de compras" in ana
    await transcript.run(applying("bruno", "Medellín") + applying("carla", "Bogotá"))
    again = await transcript.run(applying("carla", "Bogotá, Colombia"))
    assert "Ya te inscribiste: si envías el formulario otra vez, actualizo tu inscripción." in again
    assert "Listo: actualicé tu inscripción a Sprint de prueba." in again

    listed = await transcript.run(":como coordina\n/inscripciones")
    assert "*Inscripciones a Sprint de prueba*" in listed
    assert f"Las inscripciones están abiertas con el código {CODE}." in listed
    assert "Cupos: 1 de 3 ocupados." in listed
    assert "Pendientes: 3 · En lista de espera: 0 · Aceptadas: 0" in listed
    assert "*Ana* — Bogotá · Secretaría de Hacienda · Analista de compras (pendiente)" in listed
    assert "[1] ✅ Aceptar  [2] ❌ Rechazar  [3] ⏳ Lista de espera" in listed

    ids = list(await application_ids(session))
    (accepted,) = await core.handle(press("coordina", f"rga:{ids[0]}"))
    assert plain(accepted.text) == "Listo: aceptamos a Ana en el equipo Bogotá; se lo avisé."
    await core.handle(press("coordina", f"rga:{ids[1]}"))
    (full,) = await core.handle(press("coordina", f"rga:{ids[2]}"))
    assert "No queda ningún cupo en Sprint de prueba: 3 de 3 ocupados." in plain(full.text)
    (waiting,) = await core.handle(press("coordina", f"rgw:{ids[2]}"))
    assert "número 1 en la lista de espera" in plain(waiting.text)
    (freed,) = await core.handle(press("coordina", f"rgd:{ids[0]}"))
    assert "Carla pasó de la lista de espera al equipo Bogotá" in plain(freed.text)

    await transcript.run(":reloj +1m")
    told = "\n".join(transcript.lines)
    assert told.count("bot → @ana: ¡Te damos la bienvenida a Sprint de prueba, Ana!") == 1
    assert told.count("bot → @ana: Gracias por inscribirte a Sprint de prueba. Esta vez no") == 1
    assert told.count("bot → @bruno: ¡Te damos la bienvenida a Sprint de prueba") == 1
    assert "Estás en el equipo Medellín." in told
    assert told.count("bot → @carla: ¡Buena noticia: se liberó un cupo") == 1
    assert await application_ids(session) == {
        ids[0]: ApplicationState.DECLINED,
        ids[1]: ApplicationState.ACCEPTED,
        ids[2]: ApplicationState.ACCEPTED,
    }
    assert "bot → @carla" not in await transcript.run(":reloj +1h")  # told once


async def test_after_the_deadline_a_kind_refusal(
    session: AsyncSession, transcript: Transcript
) -> None:
    await open_registration(session, transcript.chat.clock.now())
    late = await transcript.run(":reloj 2025-04-25 08:00\n:como dani\n/inscribirme INSCRIBE26")
    assert "Lo sentimos: las inscripciones para Sprint de prueba cerraron el" in late
    assert "¿En qué ciudad" not in late


async def test_the_applications_csv_neutralises_formulas_and_keeps_markup(
    session: AsyncSession, transcript: Transcript
) -> None:
    cohort = await open_registration(session, transcript.chat.clock.now())
    now = transcript.chat.clock.now()
    person = Person(display_name='=HYPERLINK("http://x.example","*Ana* _Gómez_")', created_at=now)
    session.add(person)
    await session.flush()
    assert cohort.id is not None and person.id is not None
    session.add(
        Application(
            cohort_id=cohort.id,
            person_id=person.id,
            city="Bogotá",
            department="-Hacienda",
            role="@compras",
            challenge="+1 proveedores *nuevos*",
            created_at=now,
        )
    )
    await session.commit()

    out = await transcript.run(":como coordina\n/exportar inscripciones")

    saved = transcript.chat.files / f"inscripciones-{cohort.id}-2025-04-22.csv"
    assert f"inscripciones-{cohort.id}-2025-04-22.csv: 1 fila" in out
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Fecha de inscripción (hora de Bogotá)", "Persona", "Ciudad"]
    assert rows[1] == [
        "2025-04-22 09:00",
        '\'=HYPERLINK("http://x.example","*Ana* _Gómez_")',
        "Bogotá",
        "'-Hacienda",
        "'@compras",
        "'+1 proveedores *nuevos*",
        "pendiente",
        "",
        "",
        "",
    ]


async def test_each_applicant_is_told_in_their_own_language(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    await open_registration(session, transcript.chat.clock.now())
    asked = await transcript.run(":como eve\n/idioma en" + applying("eve", "Quito"))
    assert "Registration does not guarantee participation" in asked
    assert "Thank you, Eve: your application to Sprint de prueba is in." in asked
    (application,) = list(await application_ids(session))

    (done,) = await core.handle(press("coordina", f"rga:{application}"))
    assert plain(done.text) == "Listo: aceptamos a Eve en el equipo Quito; se lo avisé."
    await transcript.run(":reloj +1m")
    told = "\n".join(transcript.lines)
    assert told.count("bot → @eve: Welcome to Sprint de prueba, Eve!") == 1
    assert "You are on the Quito team." in told
    assert "Your time zone is Guayaquil time: it is 09:00 there now." in told  # Quito's zone


def test_the_command_line_exports_the_applications(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    async def seed() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                await open_registration(session, datetime(2025, 4, 22, 14, tzinfo=UTC))
        finally:
            await engine.dispose()

    asyncio.run(seed())
    out = tmp_path / "inscripciones.csv"
    env = {"COHORTE_DATABASE_URL": database_url}

    result = CliRunner().invoke(app, ["export", "applications", "1", str(out)], env=env)

    assert result.exit_code == 0, result.output
    assert f"Inscripciones a la cohorte 1 (0 filas), guardadas en {out}." in result.output
    header = out.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Fecha de inscripción (hora de Bogotá),Persona,Ciudad,Área,Cargo")
    shown = CliRunner().invoke(app, ["cohort", "show", "1"], env=env)
    assert shown.exit_code == 0, shown.output
    assert f"Las inscripciones están abiertas con el código {CODE}." in shown.output
    assert "Cupos: 1 de 3 ocupados." in shown.output


async def test_help_names_registration_and_only_coordinators_decide(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    await open_registration(session, transcript.chat.clock.now())
    stranger = await transcript.run(":como fer\n/ayuda" + applying("fer", "Lima"))
    assert "Para inscribirte a una nueva edición, escribe /inscribirme" in stranger
    assert "/inscribirme — inscribirte a una cohorte con su código de inscripción" in stranger
    (application,) = list(await application_ids(session))

    (refused,) = await core.handle(press("sofia", f"rga:{application}"))
    (stale,) = await core.handle(press("coordina", "rga:999999"))
    coordinators = await transcript.run(":como coordina\n/ayuda\n/inscripciones nuevas")
    in_group = await transcript.run(":grupo\n/inscripciones\n:privado")

    assert plain(refused.text) == "Solo el equipo coordinador puede hacer eso."
    assert plain(stale.text) == "Ese botón ya no es válido. Vuelve a pedirlo con el comando."
    assert "/inscripciones — inscripciones a la cohorte: aceptarlas, rechazarlas" in coordinators
    assert "¿Qué inscripciones? Escribe pendientes, espera, aceptadas o rechazadas." in (
        coordinators
    )
    # Applicants' departments, roles and challenges are never listed in a group.
    assert "Las inscripciones se muestran en privado: escríbeme /inscripciones allí." in in_group
    assert "Hacienda" not in in_group
    assert await application_ids(session) == {application: ApplicationState.PENDING}


async def test_accepted_again_after_a_decline_is_welcomed_again(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    # The coordination changes its mind twice: each decision is told, the last one too.
    await open_registration(session, transcript.chat.clock.now())
    await transcript.run(applying("ana", "Bogotá"))
    (application,) = list(await application_ids(session))
    for payload in (f"rga:{application}", f"rgd:{application}", f"rga:{application}"):
        await core.handle(press("coordina", payload))
        await transcript.run(":reloj +1m")
    told = "\n".join(transcript.lines)
    assert told.count("bot → @ana: ¡Te damos la bienvenida a Sprint de prueba, Ana!") == 2
    assert told.count("bot → @ana: Gracias por inscribirte a Sprint de prueba. Esta vez no") == 1
    assert "bot → @ana" not in await transcript.run(":reloj +1h")  # each one once


async def test_a_city_with_markup_is_refused_like_any_team_name(
    session: AsyncSession, transcript: Transcript
) -> None:
    # The city becomes a team's name when the applicant is accepted: plain words only.
    await open_registration(session, transcript.chat.clock.now())
    out = await transcript.run(applying("ana", "*Lima*"))
    assert "Un nombre son palabras sin formato: “*Lima*” tiene un carácter" in out
    assert "Escribe /inscribirme INSCRIBE26 para llenar el formulario de nuevo." in out
    assert await application_ids(session) == {}


async def test_one_place_freed_moves_one_person_up(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    # No limit on places: the coordination keeps a waiting list of its own; a decline
    # gives back one place, so one person moves up, not the whole list.
    await open_registration(session, transcript.chat.clock.now(), places=None)
    await transcript.run(
        applying("ana", "Bogotá") + applying("bruno", "Lima") + applying("carla", "Quito")
    )
    ana, bruno, carla = list(await application_ids(session))
    for payload in (f"rga:{ana}", f"rgw:{bruno}", f"rgw:{carla}"):
        await core.handle(press("coordina", payload))
    (freed,) = await core.handle(press("coordina", f"rgd:{ana}"))
    assert "Bruno pasó de la lista de espera al equipo Lima" in plain(freed.text)
    assert "Carla" not in plain(freed.text)
    assert await application_ids(session) == {
        ana: ApplicationState.DECLINED,
        bruno: ApplicationState.ACCEPTED,
        carla: ApplicationState.WAITLISTED,
    }


async def test_a_member_taken_out_gives_their_place_to_the_waiting_list(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    # One place, Sofía's: Ana waits. The coordination takes Sofía out; Ana moves up.
    await open_registration(session, transcript.chat.clock.now(), places=1)
    await transcript.run(applying("ana", "Lima"))
    (ana,) = list(await application_ids(session))
    await core.handle(press("coordina", f"rgw:{ana}"))
    out = await transcript.run(":como coordina\n/miembro quitar Sofía\n:b 1\n:reloj +1m")
    assert "Listo: Sofía ya no es parte de Sprint de prueba; ya le avisé." in out
    assert "Se liberó un cupo: Ana pasó de la lista de espera al equipo Lima" in out
    assert await application_ids(session) == {ana: ApplicationState.ACCEPTED}
    told = "\n".join(transcript.lines)
    assert told.count("bot → @ana: ¡Buena noticia: se liberó un cupo en Sprint de prueba!") == 1


async def test_a_participant_made_coordinator_gives_their_place_to_the_waiting_list(
    session: AsyncSession, transcript: Transcript, core: Core
) -> None:
    # Places count participants: Sofía joining the coordination team frees hers for Ana.
    await open_registration(session, transcript.chat.clock.now(), places=1)
    await transcript.run(applying("ana", "Lima"))
    (ana,) = list(await application_ids(session))
    await core.handle(press("coordina", f"rgw:{ana}"))
    out = await transcript.run(":como coordina\n/coordinador Sofía\n:reloj +1m")
    assert "Listo: Sofía ahora es parte del equipo coordinador de Sprint de prueba" in out
    assert "Se liberó un cupo: Ana pasó de la lista de espera al equipo Lima" in out
    assert await application_ids(session) == {ana: ApplicationState.ACCEPTED}
