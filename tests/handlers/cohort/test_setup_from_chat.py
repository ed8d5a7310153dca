"""Setting a cohort up from chat: administrators, /nuevacohorte, teams, coordinators,
moving and removing members — and the cohort file it exports, as if it had come from one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.bot.bootstrap import Assembly, assemble
from cohorte.bot.config import Settings, parse_admins
from cohorte.handlers.cohort.admins import admin_code_hash, create_admin_invite
from cohorte.handlers.cohort.creating import NEW_COHORT as NEW_COHORT_FORM
from cohorte.handlers.cohort.file.apply import import_cohort
from cohorte.handlers.cohort.file.export import export_cohort
from cohorte.handlers.cohort.file.read import parse_cohort_file
from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage import agenda
from cohorte.storage.admins import AdminInvite, BotAdmin
from cohorte.storage.db import (
    SessionFactory,
    create_engine,
    normalise_url,
    session_factory,
    transaction,
)
from cohorte.storage.models import Cohort, Member, Person, Platform, Role, Team
from tests.conftest import (
    POSTGRES_URL,
    Transcript,
    _create_postgres_database,
    _drop_postgres_database,
    _migrate,
    _migrated_sqlite,
)

ANA = frozenset({(Platform.CONSOLE, "ana")})


@pytest.fixture
def admin_assembly(sessions: SessionFactory, clock: ManualClock) -> Assembly:
    """The bot with Ana named administrator by the operator (COHORTE_ADMINS=console:ana)."""
    return assemble(sessions, clock, admins=ANA)


@pytest.fixture
def chat(admin_assembly: Assembly, clock: ManualClock) -> Transcript:
    return Transcript(admin_assembly.core, clock, admin_assembly)


NEW_COHORT = """
    :como ana
    /nuevacohorte
    Sprint Lima 2026
    2026-04-20
    10
    Lima
    :boton Español
    lima-26
    :boton Saltar
"""

SETUP = """
    /equipo nuevo Lima
    /equipo nuevo Bogotá; Colombia; America/Bogota
    /equipo nuevo Santiago; Chile
    :como pedro
    /unirme LIMA-26
    :boton Lima
    :como lucia
    /unirme LIMA-26
    :boton Bogotá
    :como ana
    /equipo mover Lucía Santiago
    /coordinador Pedro
"""


FIELDS = ("name", "start", "weeks", "zone", "locale", "code", "source")


async def submit_new_cohort_form(core: Core, sender: str, answers: tuple[str, ...]) -> str:
    """The /nuevacohorte form submitted with these answers, as a Slack modal sends it."""
    replies = await core.handle(
        Incoming(
            platform=Platform.CONSOLE,
            sender_id=sender,
            sender_name=sender.capitalize(),
            chat_id=sender,
            chat_kind=ChatKind.PRIVATE,
            payload=NEW_COHORT_FORM.payload(NoFields()),
            form_values=dict(zip(FIELDS, answers, strict=True)),
        )
    )
    return "\n".join(plain(reply.text) for reply in replies)


async def cohort_named(session: AsyncSession, name: str) -> Cohort:
    statement = select(Cohort).where(Cohort.name == name).execution_options(populate_existing=True)
    return (await session.exec(statement)).one()


async def test_an_administrator_creates_a_cohort_and_coordinates_it(
    chat: Transcript, session: AsyncSession
) -> None:
    out = await chat.run(
        """
        :como pedro
        /nuevacohorte
        /ayuda
        """
    )
    assert "Solo quienes administran el bot pueden hacer eso." in out
    assert "/nuevacohorte" not in out.split("/ayuda", 1)[1]

    out = await chat.run(":como ana\n/ayuda")
    assert "Para quienes administran el bot:" in out
    assert "/nuevacohorte — crear una cohorte nueva, que tú coordinarás" in out

    out = await chat.run(NEW_COHORT)
    assert "Nueva cohorte — responde unas preguntas" in out
    assert "(4/7) ¿Zona horaria principal?" in out
    assert "Listo: creé la cohorte *Sprint Lima 2026* (número 1), que tú coordinas." in out
    assert (
        "Empieza el lunes, 20 de abril de 2026, dura 10 semanas, en la hora de Lima; "
        "código de invitación: LIMA-26."
    ) in out
    cohort = await cohort_named(session, "Sprint Lima 2026")
    assert (cohort.start_date, cohort.weeks, cohort.home_zone, cohort.locale) == (
        date(2026, 4, 20),
        10,
        "America/Lima",
        "es",
    )
    (member,) = (await session.exec(select(Member))).all()
    assert member.role == Role.COORDINATOR

    out = await chat.run("/ayuda")
    assert "Estás en la cohorte *Sprint Lima 2026*." in out
    assert "Para el equipo coordinador:" in out
    assert "/coordinador — sumar a una persona al equipo coordinador" in out


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        (("Sprint *negrita*", "2026-04-20", "", "Lima", "es", "", ""), "sin formato"),
        (("Sprint", "2026-04-21", "", "Lima", "es", "", ""), "el 2026-04-21 no es lunes"),
        (("Sprint", "2026-04-20", "0", "Lima", "es", "", ""), "de 1 a 52, no “0”"),
        (("Sprint", "2026-04-20", "", "Atlántida", "es", "", ""), "No conozco la zona horaria"),
        (("Sprint", "2026-04-20", "", "Lima", "es", "NO", ""), "debe tener de 4 a 32"),
        (("Sprint", "2026-04-20", "", "Lima", "es", "ejemplo25", ""), "ya tiene el código"),
        (("Sprint", "2026-04-20", "", "Lima", "es", "", "77"), "No hay ninguna cohorte número 77"),
        # Past the id columns' range (PostgreSQL would refuse the query), or not ASCII.
        (("Sprint", "2026-04-20", "", "Lima", "es", "", "9999999999"), "cohorte número 9999999999"),
        (("Sprint", "2026-04-20", "", "Lima", "es", "", "²"), "No hay ninguna cohorte número ²"),
    ],
)
async def test_each_answer_of_the_form_is_checked(
    admin_assembly: Assembly, session: AsyncSession, answers: tuple[str, ...], refusal: str
) -> None:
    session.add(
        Cohort(
            name="Ejemplo",
            home_zone="America/Lima",
            start_date=date(2025, 4, 21),
            invite_code="EJEMPLO25",
            created_at=admin_assembly.core.clock.now(),
        )
    )
    await session.commit()
    replies = await submit_new_cohort_form(admin_assembly.core, "ana", answers)
    assert refusal in replies


async def test_a_new_edition_from_chat_reuses_another_cohorts_programme(
    admin_assembly: Assembly, session: AsyncSession
) -> None:
    """«desde la cohorte 1»: the programme of cohort 1 on the new start date, with what a
    person must look at; the administrator coordinates it and the private chat is about it."""
    old = await import_cohort(
        session,
        parse_cohort_file(
            b"""
            [cohort]
            name = "Ejemplo"
            home_zone = "America/Lima"
            start_date = 2025-04-21
            invite_code = "EJEMPLO25"

            [[events]]
            kind = "masterclass"
            title = "Datos abiertos"
            start = 2025-04-24T10:00:00
            """
        ),
        admin_assembly.core.clock.now(),
    )
    await session.commit()
    answers = ("Sprint Lima 2026", "2026-04-20", "", "Lima", "en", "", str(old.id))
    replies = await submit_new_cohort_form(admin_assembly.core, "ana", answers)
    assert "Listo: creé la cohorte *Sprint Lima 2026* (número 2)" in replies
    assert "Programa de «Ejemplo», 52 semanas después" in replies
    new = await cohort_named(session, "Sprint Lima 2026")
    assert (new.locale, new.start_date, new.home_zone) == ("en", date(2026, 4, 20), "America/Lima")
    (event,) = await agenda.events_of_cohort(session, new.id or 0)
    assert event.title == "Datos abiertos"
    (member,) = (await session.exec(select(Member).where(Member.cohort_id == new.id))).all()
    assert (member.role, member.chosen_at is not None) == (Role.COORDINATOR, True)


async def test_a_refused_form_says_how_to_start_again(chat: Transcript) -> None:
    out = await chat.run(NEW_COHORT.replace("2026-04-20", "2026-04-21"))
    assert (
        "El sprint empieza un lunes, el primer día de la semana 1; el 2026-04-21 no es lunes."
        "\n    Empieza de nuevo con /nuevacohorte."
    ) in out
    out = await chat.run("/nuevacohorte")
    assert "(1/7) ¿Nombre de la cohorte?" in out


async def test_a_coordinator_sets_up_teams_people_and_coordinators(
    chat: Transcript, session: AsyncSession
) -> None:
    await chat.run(NEW_COHORT)
    out = await chat.run(SETUP)
    assert "Listo: el equipo Lima (Perú, hora de Lima) es parte de Sprint Lima 2026." in out
    assert "Listo: el equipo Bogotá (Colombia, hora de Bogotá)" in out
    assert "Listo: el equipo Santiago (Chile, hora de Santiago de Chile)" in out
    assert "Listo: Lucia pasó del equipo Bogotá al equipo Santiago." in out
    assert (
        "bot → @lucia: El equipo coordinador te pasó del equipo Bogotá al equipo Santiago." in out
    )
    assert (
        "Listo: Pedro ahora es parte del equipo coordinador de Sprint Lima 2026; ya le avisé."
        in out
    )
    assert "bot → @pedro: Ahora eres parte del equipo coordinador de Sprint Lima 2026." in out
    teams = (await session.exec(select(Team).order_by(col(Team.id)))).all()
    assert [(t.name, t.country_code, t.zone) for t in teams] == [
        ("Lima", "PE", "America/Lima"),
        ("Bogotá", "CO", "America/Bogota"),
        ("Santiago", "CL", "America/Santiago"),
    ]
    roles = {
        person.display_name: member.role
        for member, person in (
            await session.exec(
                select(Member, Person)
                .join(Person, col(Person.id) == col(Member.person_id))
                .execution_options(populate_existing=True)
            )
        ).all()
    }
    assert roles == {"Ana": Role.COORDINATOR, "Pedro": Role.COORDINATOR, "Lucia": Role.PARTICIPANT}

    # Pedro coordinates now: his /ayuda says so.
    out = await chat.run(":como pedro\n/ayuda")
    assert "Para el equipo coordinador:" in out


async def test_refusals_of_the_setup_commands(chat: Transcript) -> None:
    await chat.run(NEW_COHORT)
    await chat.run(SETUP)
    out = await chat.run(
        """
        :como lucia
        /equipo nuevo Quito
        /coordinador Lucía
        /miembro quitar Pedro
        :como ana
        /equipo nuevo LIMA
        /equipo nuevo Quito; Ecuador; Mars/Olympus
        /equipo nuevo Quito; Narnia
        /equipo nuevo Pueblito Perdido
        /equipo nuevo <b>Quito</b>
        /equipo nuevo
        /coordinador Nadie
        /coordinador Pedro
        /coordinador
        /miembro quitar Nadie
        /miembro quitar Ana
        /miembro
        """
    )
    assert out.count("Solo el equipo coordinador puede hacer eso.") == 3
    assert "Ya hay un equipo llamado Lima." in out
    assert "No conozco la zona horaria “Mars/Olympus”." in out
    assert "No conozco el país “Narnia”." in out
    assert "No conozco la zona horaria de Pueblito Perdido." in out
    assert "Un nombre son palabras sin formato: “<b>Quito</b>” tiene un carácter" in out
    assert "Usa /equipo nuevo Bogotá; Colombia; America/Bogota para agregar un equipo" in out
    assert "No encontré a nadie llamado “Nadie” en la cohorte." in out
    assert "Pedro ya es parte del equipo coordinador." in out
    assert "Escribe /coordinador y el nombre de la persona" in out
    assert "No puedes quitarte a ti mismo de la cohorte." in out
    assert "Escribe /miembro quitar y el nombre de la persona" in out


async def test_an_ambiguous_name_is_chosen_with_buttons(
    chat: Transcript, session: AsyncSession
) -> None:
    await chat.run(NEW_COHORT)
    await chat.run(
        """
        :como luciaperez
        /unirme LIMA-26
        :como luciagomez
        /unirme LIMA-26
        """
    )
    out = await chat.run(
        """
        :como ana
        /coordinador Lucia
        :boton Luciagomez
        """
    )
    assert "“Lucia” puede ser varias personas. ¿Cuál?" in out
    assert "[Luciagomez]" in out
    assert "Listo: Luciagomez ahora es parte del equipo coordinador" in out


async def test_a_member_is_removed_after_confirming_and_is_told(
    chat: Transcript, session: AsyncSession
) -> None:
    await chat.run(NEW_COHORT)
    await chat.run(SETUP)
    cohort = await cohort_named(session, "Sprint Lima 2026")
    version = cohort.plan_version
    out = await chat.run(
        """
        /miembro quitar Lucía
        :boton No
        /miembro quitar Lucía
        :boton Sí
        :boton Sí
        """
    )
    assert "¿Quitar a Lucia de Sprint Lima 2026? Sus votos y respuestas se borran" in out
    assert "De acuerdo: Lucia sigue en la cohorte." in out
    assert "Listo: Lucia ya no es parte de Sprint Lima 2026; ya le avisé." in out
    assert "bot → @lucia: El equipo coordinador te quitó de Sprint Lima 2026." in out
    assert "Ese botón ya no es válido." in out  # the second press finds nobody
    names = (await session.exec(select(Person.display_name).join(Member))).all()
    assert sorted(names) == ["Ana", "Pedro"]
    assert (await cohort_named(session, "Sprint Lima 2026")).plan_version > version


async def test_every_change_raises_the_plan_version(
    chat: Transcript, session: AsyncSession
) -> None:
    await chat.run(NEW_COHORT)
    versions = []
    for line in (
        "/equipo nuevo Lima",
        ":como pedro\n/unirme LIMA-26\n:boton Lima\n:como ana",
        "/equipo nuevo Quito; Ecuador",
        "/equipo mover Pedro Quito",
        "/coordinador Pedro",
    ):
        await chat.run(line)
        versions.append((await cohort_named(session, "Sprint Lima 2026")).plan_version)
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


@pytest.fixture
async def fresh_sessions(tmp_path: Path) -> AsyncIterator[SessionFactory]:
    """A second, empty, migrated database (SQLite, or PostgreSQL when the tests use it)."""
    if POSTGRES_URL is None:
        await _migrated_sqlite(tmp_path / "fresh.db")
        url, server, name = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", None, None
    else:
        server, name = normalise_url(POSTGRES_URL), f"cohorte_fresh_{uuid.uuid4().hex[:10]}"
        url = await _create_postgres_database(server, name)
        await _migrate(url)
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
        if server is not None and name is not None:
            await _drop_postgres_database(server, name)


async def test_a_cohort_built_in_chat_exports_like_a_file(
    chat: Transcript,
    session: AsyncSession,
    fresh_sessions: SessionFactory,
    clock: ManualClock,
) -> None:
    await chat.run(NEW_COHORT)
    await chat.run(SETUP)
    cohort = await cohort_named(session, "Sprint Lima 2026")
    assert cohort.id is not None
    text = await export_cohort(session, cohort.id)
    assert 'invite_code = "LIMA-26"' in text
    assert 'home_zone = "America/Lima"' in text
    assert "weeks = 10" in text
    assert 'name = "Bogotá"' in text
    assert 'role = "coordinator"' in text
    assert 'console = "pedro"' in text

    async with transaction(fresh_sessions) as fresh:
        imported = await import_cohort(fresh, parse_cohort_file(text.encode()), clock.now())
    assert imported.id is not None
    async with fresh_sessions() as fresh:
        again = await export_cohort(fresh, imported.id)
    assert again == text


# --- administrators -------------------------------------------------------------------------


def test_cohorte_admins_is_a_list_of_platform_accounts() -> None:
    assert parse_admins("") == frozenset()
    assert parse_admins(" telegram:12345, slack:U0123ABCD  Console:ana ") == {
        (Platform.TELEGRAM, "12345"),
        (Platform.SLACK, "U0123ABCD"),
        (Platform.CONSOLE, "ana"),
    }
    for wrong in ("12345", "whatsapp:1", "telegram:", "telegram:@ana"):
        with pytest.raises(ValueError, match="COHORTE_ADMINS"):
            parse_admins(wrong)
    settings = Settings(admins="telegram:1,slack:U2", _env_file=None)
    assert settings.admin_accounts == {(Platform.TELEGRAM, "1"), (Platform.SLACK, "U2")}
    with pytest.raises(ValueError, match="COHORTE_ADMINS"):
        Settings(admins="slack", _env_file=None)


async def test_an_admin_code_works_once_and_expires(
    transcript: Transcript, session: AsyncSession, clock: ManualClock
) -> None:
    async with transaction(transcript.chat.core.sessions) as writing:
        code = await create_admin_invite(writing, clock.now(), timedelta(hours=2))
        late = await create_admin_invite(writing, clock.now(), timedelta(hours=1))
    stored = (await session.exec(select(AdminInvite.code_hash))).all()
    assert code not in " ".join(stored)  # only hashes
    assert admin_code_hash(code) in stored

    out = await transcript.run(
        f"""
        :como ana
        /nuevacohorte
        /admin
        /admin NO-ES-UN-CODIGO
        /admin {code.lower().replace("-", " ").replace(" ", "")}
        /admin {code}
        /nuevacohorte
        /cancelar
        :como pedro
        /admin {code}
        """
    )
    assert "Solo quienes administran el bot pueden hacer eso." in out
    assert "Escribe /admin seguido del código" in out
    assert "Ese código no es válido." in out
    assert "Listo: ahora eres administrador o administradora del bot." in out
    assert "Ya eres administrador o administradora del bot." in out
    assert "Nueva cohorte — responde unas preguntas" in out
    assert "Ese código ya se usó: cada código sirve una sola vez." in out

    seen = await create_admin_invite(session, clock.now(), timedelta(hours=2))
    await session.commit()
    out = await transcript.run(
        f"""
        :como pedro
        :grupo sala
        /admin {seen}
        /admin {seen}
        :privado
        /admin {seen}
        """
    )
    assert "Envíame ese código en privado, nunca en un grupo. Todos aquí lo vieron" in out
    assert "Envíame los códigos en privado, nunca en un grupo." in out
    assert "Ese código ya se usó" in out

    clock.advance(timedelta(hours=1, minutes=1))
    out = await transcript.run(f"/admin {late}")
    assert "Ese código venció. Pide uno nuevo." in out
    admins = (await session.exec(select(Person.display_name).join(BotAdmin))).all()
    assert admins == ["Ana"]
