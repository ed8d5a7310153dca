"""The console chat, driven like a person would: transcripts in Spanish."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.storage.models import ChatLink, Member, Person
from tests.conftest import Transcript
from tests.factories import add_member, seed_cohort


async def test_join_pick_team_set_zone_and_ask_for_help(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como lucia
        /unirme prueba25
        :b Santiago
        /zona Buenos Aires
        /ayuda
        """
    )

    assert "invitado (privado)> :como lucia" in out
    assert "¡Te damos la bienvenida a Sprint de prueba, Lucia!" in out
    assert "¿De qué equipo eres?" in out
    assert "[1] Bogotá  [2] Ciudad de México" in out
    assert "Listo: ahora eres parte del equipo Santiago." in out
    # Tuesday 2025-04-22 14:00 UTC is 10:00 in Santiago (UTC-4 after the April change).
    assert "Tu zona horaria es la hora de Santiago de Chile: allí son las 10:00." in out
    assert "Tu zona horaria ahora es la hora de Buenos Aires: allí son las 11:00" in out
    assert "/zona — elegir tu zona horaria" in out
    assert "/miembros" not in out  # participants do not see coordinator commands

    lucia = (await session.exec(select(Person).where(Person.display_name == "Lucia"))).one()
    assert lucia.zone == "America/Argentina/Buenos_Aires"


async def test_coordinator_sees_members_and_participant_is_refused(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /miembros
        :como coordina
        /ayuda
        /miembros
        """
    )

    assert "Solo el equipo coordinador puede hacer eso." in out
    assert "Para el equipo coordinador:" in out
    assert "Sprint de prueba: 2 integrantes" in out
    assert "• Sofía — Bogotá 09:00" in out


async def test_joining_twice_is_harmless(session: AsyncSession, transcript: Transcript) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /unirme PRUEBA25
        """
    )

    assert "Ya eres parte de Sprint de prueba." in out
    count = (await session.exec(select(func.count()).select_from(Member))).one()
    assert count == 2


async def test_bad_input_gets_spanish_answers_and_changes_nothing(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    long_text = "/zona " + "x" * 10_000

    out = await transcript.run(
        f"""
        :como nadie
        /unirme
        /unirme NOEXISTE
        /unirme A B
        /noexiste
        hola
        {long_text}
        /zona Atlántida
        /idioma klingon
        :b 3
        :reloj mañana
        :volar
        """
    )

    assert "Escribe /unirme seguido del código de invitación" in out
    assert "No hay ninguna cohorte con el código de invitación NOEXISTE." in out
    assert "No conozco el comando /noexiste." in out
    assert "No entendí. Escribe /ayuda para ver lo que puedo hacer." in out
    assert "Tu mensaje es demasiado largo (10006 caracteres)." in out
    assert "No encontré una zona horaria para “Atlántida”." in out
    assert "Solo hablo español (es) e inglés (en)." in out
    assert "Todavía no hay botones en este chat." in out
    assert "Escribe el reloj como :reloj 2025-04-22 09:00" in out
    assert "No conozco la línea de consola :volar." in out
    assert "Traceback" not in out
    people = (await session.exec(select(func.count()).select_from(Person))).one()
    assert people == 2  # rejected actions created nobody


async def test_stale_and_forged_buttons_are_refused(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    chat = transcript.chat

    await transcript.run(":como sofia")
    for payload in ("tm:999:1", "tm:x:y", "tm", "z:Mars/Olympus", "zc:ZZ", "l:fr", "nope:1"):
        await chat._send(payload=payload)
    out = "\n".join(transcript.lines)
    assert out.count("Ese botón ya no es válido.") == 7


async def test_language_switch_to_english(session: AsyncSession, transcript: Transcript) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        /idioma
        :b English
        /ayuda
        """
    )

    assert "Elige tu idioma:" in out
    assert "Done. I will write to you in English from now on." in out
    assert "What you can do:" in out


async def test_clock_moves(session: AsyncSession, transcript: Transcript) -> None:
    out = await transcript.run(
        """
        :reloj 2025-04-05 23:30
        :reloj +1d
        """
    )

    assert "sábado, 5 de abril · 23:30 (hora de Bogotá)" in out
    assert "domingo, 6 de abril · 23:30 (hora de Bogotá)" in out


async def test_a_coordinator_links_a_group_chat(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(
        """
        :como sofia
        :grupo equipo-nuevo
        /vincular PRUEBA25
        :como coordina
        /vincular PRUEBA25
        :privado
        /vincular PRUEBA25
        """
    )

    assert "Solo el equipo coordinador puede hacer eso." in out
    assert "Este grupo ahora es el chat de Sprint de prueba" in out
    assert "Escribe /vincular CODIGO dentro del chat grupal" in out
    links = (await session.exec(select(ChatLink).where(ChatLink.chat_id == "equipo-nuevo"))).all()
    assert len(links) == 1


async def test_participants_choose_private_reminders(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())

    out = await transcript.run(":como sofia\n/avisos\n:b Solo\n/avisos sí\n/avisos quizás")

    assert "Ahora recibes los recordatorios en el grupo y por mensaje privado." in out
    assert "Listo: recordatorios solo en el grupo." in out
    assert "Listo: también recibirás los recordatorios por mensaje privado." in out
    assert "Escribe /avisos sí o /avisos no." in out


async def test_members_list_shows_who_the_bot_cannot_reach_privately(
    session: AsyncSession, transcript: Transcript
) -> None:
    from cohorte.storage.models import Identity, Platform, Role

    cohort = await seed_cohort(session, transcript.chat.clock.now())
    member = await add_member(
        session, cohort, "Tomás", "tomas", Role.PARTICIPANT, None, transcript.chat.clock.now()
    )
    # Tomás also uses Telegram but never opened a private chat with the bot; his console
    # identity is removed so Telegram is his only account.
    for identity in (
        await session.exec(select(Identity).where(Identity.person_id == member.person_id))
    ).all():
        await session.delete(identity)
    session.add(
        Identity(
            person_id=member.person_id, platform=Platform.TELEGRAM, external_id="777", dm_open=False
        )
    )
    await session.commit()

    out = await transcript.run(":como coordina\n/miembros")

    assert "• Tomás — Bogotá 09:00 · todavía sin chat privado con el bot" in out
    assert "1 persona solo recibe recordatorios en el grupo" in out


async def test_files_the_bot_sends_are_saved_in_the_console_folder(
    session: AsyncSession, transcript: Transcript
) -> None:
    from cohorte.bot.cli.cohort import EXAMPLE
    from cohorte.handlers.cohort.file.apply import import_cohort
    from cohorte.handlers.cohort.file.read import parse_cohort_file

    spec = parse_cohort_file(EXAMPLE.read_bytes())
    await import_cohort(session, spec, transcript.chat.clock.now())
    await session.commit()
    folder = transcript.chat.files

    out = await transcript.run(
        """
        :como coordina
        /tablero
        /tablero
        /calendario
        /exportar estado
        """
    )

    saved = sorted(path.name for path in folder.iterdir())
    assert saved == [
        "estado-1-2025-04-22.csv",
        "sprint-de-contratacion-abierta-2025.ics",
        "tablero-2025-04-22-2.png",  # a second file of the same name keeps the first
        "tablero-2025-04-22.png",
    ]
    for name in saved:
        assert f"    📎 {folder / name}" in out
    assert (folder / "tablero-2025-04-22.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / saved[1]).read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert (folder / saved[0]).read_bytes().startswith("\ufeffEquipo".encode())


async def test_a_file_name_from_data_never_leaves_the_folder(
    transcript: Transcript, tmp_path: Path
) -> None:
    from cohorte.handlers.core.messages import File, Image, Reply

    chat = transcript.chat
    hostile = [
        "../../fuera.csv",
        "/etc/passwd",
        "..",
        ".oculto",
        "C:\\Windows\\win.ini",
        "a/../../b.ics",
        "nul\x00l.txt",
        "",
        "Sprint de Contratación «2025».ics",
        "x" * 300 + ".csv",
    ]
    before = set(tmp_path.rglob("*"))  # noqa: ASYNC240  (the test's own small folder)
    for name in hostile:
        chat.show(Reply("archivo", file=File(name, b"datos", "text/plain")))
    chat.show(Reply("imagen", image=Image("../tablero.png", b"\x89PNG")))

    created = set(tmp_path.rglob("*")) - before  # noqa: ASYNC240
    assert created - {chat.files} == set(chat.files.iterdir())  # nothing outside the folder
    inside = sorted(path.name for path in chat.files.iterdir())
    assert len(inside) == len(hostile) + 1  # each file kept, none overwritten
    assert {"fuera.csv", "etc-passwd", "archivo", "archivo-2", "oculto", "a-b.ics"} < set(inside)
    assert {"Sprint-de-Contratacion-2025.ics", "C-Windows-win.ini", "tablero.png"} < set(inside)
    assert all(len(name) <= 120 for name in inside)
    printed = [line for line in transcript.lines if "📎" in line]
    assert printed[0] == f"    📎 {chat.files / 'fuera.csv'}"


def test_safe_file_names() -> None:
    from cohorte.bot.console import safe_filename

    assert safe_filename("tablero-2025-04-22.png") == "tablero-2025-04-22.png"
    assert safe_filename("../../x.csv") == "x.csv"
    assert safe_filename("..") == "archivo"
    assert safe_filename("café con leche.ics") == "cafe-con-leche.ics"
    assert safe_filename("a\\b/c") == "a-b-c"
    long = safe_filename("y" * 500 + ".png")
    assert long.endswith(".png") and len(long) <= 120


async def test_a_file_that_cannot_be_saved_is_reported(
    transcript: Transcript, tmp_path: Path
) -> None:
    from cohorte.handlers.core.messages import File, Reply

    blocker = tmp_path / "ocupado"
    blocker.write_text("no soy una carpeta")
    transcript.chat.files = blocker
    transcript.chat.show(Reply("archivo", file=File("x.csv", b"1", "text/csv")))
    assert any(line.startswith("  ! No pude guardar x.csv") for line in transcript.lines)
