"""Importing a participant report in the console (`:archivo RUTA CODIGO`), in Spanish: what
is matched, what a coordinator settles with buttons, a second import of the same file, other
files and other people refused."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales.markup import plain
from cohorte.storage.attendance import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    set_attendance,
)
from cohorte.storage.attendance_imports import ImportRow, RowOutcome
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Cohort, Member, Person, Platform
from tests.conftest import Transcript
from tests.handlers.attendance.imports.conftest import SAMPLES


def _paths(out: str) -> str:
    return out.replace(f"{SAMPLES}/", "")


async def _present(sessions: SessionFactory) -> dict[str, tuple[int | None, str]]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Attendance, Person)
                .join(Member, Member.id == Attendance.member_id)  # type: ignore[arg-type]
                .join(Person, Person.id == Member.person_id)  # type: ignore[arg-type]
            )
        ).all()
    return {
        person.display_name: (record.minutes, f"{record.status}/{record.source}")
        for record, person in rows
    }


async def test_a_zoom_report_is_imported_and_the_rest_settled_with_buttons(
    transcript: Transcript, cohort: Cohort, sessions: SessionFactory
) -> None:
    out = await transcript.run(
        f"""
        :reloj 2025-05-06 12:00
        :archivo {SAMPLES / "zoom-participantes-en.csv"} s1/2025-05-06
        :b Andrés Rojas
        :b 1
        :b No es
        /importar
        """
    )
    assert _paths(out).splitlines()[2:] == [
        "coordina (privado)> :archivo zoom-participantes-en.csv s1/2025-05-06",
        "  📎 zoom-participantes-en.csv (984 B)",
        "  bot → @coordina: Importé el informe de Zoom de Sesión semanal, martes, 6 de mayo · "
        "10:00 (hora de Bogotá).",
        "    Presentes: 2 personas.",
        "    • Laura Gómez: 59 min",
        "    • Sofía: 37 min",
        "    3 personas del informe te necesitan: ¿quién es cada una?",
        "  bot → @coordina: ¿Quién es “Andrés R” (55 min) en el informe?",
        "    [1] Andrés Rojas  [2] Andrés Ruiz  [3] No es del grupo",
        "coordina (privado)> :b Andrés Rojas",
        "  [Andrés Rojas]",
        "  bot → @coordina: Listo: Andrés R es Andrés Rojas, presente (55 min).",
        "  bot → @coordina: ¿Quién es “iPhone de Pedro” (4 min) en el informe?",
        "    [1] Andrés Ruiz  [2] No es del grupo",
        "coordina (privado)> :b 1",
        "  [Andrés Ruiz]",
        "  bot → @coordina: Listo: iPhone de Pedro es Andrés Ruiz; 4 min es muy poco para "
        "contar como presente.",
        "  bot → @coordina: ¿Quién es “Invitada Externa” (56 min) en el informe?",
        "    [1] Andrés Ruiz  [2] No es del grupo",
        "coordina (privado)> :b No es",
        "  [No es del grupo]",
        "  bot → @coordina: Listo: Invitada Externa no es del grupo.",
        "coordina (privado)> /importar",
        "  bot → @coordina: Envíame el informe de participantes de Zoom o Meet (un archivo CSV) "
        "en este chat privado, con el código de la sesión como texto (por ejemplo "
        "s3/2025-05-06; mira los códigos con /proximas), o solo, y te pregunto de qué sesión es.",
        "    No hay filas de informes anteriores esperándote.",
    ]
    present = {
        "Laura Gómez": (59, "present/zoom"),
        "Sofía": (37, "present/zoom"),
        "Andrés Rojas": (55, "present/zoom"),
    }
    assert await _present(sessions) == present

    again = await transcript.run(f":archivo {SAMPLES / 'zoom-participantes-en.csv'} s1/2025-05-06")
    assert _paths(again).splitlines()[2:] == [
        "  bot → @coordina: Ya había importado este archivo para Sesión semanal, martes, 6 de "
        "mayo · 10:00 (hora de Bogotá): no cambió nada.",
        "    Presentes: 3 personas.",
        "    • Laura Gómez: 59 min",
        "    • Sofía: 37 min",
        "    • Andrés Rojas: 55 min",
        "    • Andrés Ruiz: solo 4 min, no cuenta como presente",
        "    No son del grupo: 1 persona.",
    ]
    assert await _present(sessions) == present
    async with sessions() as session:
        assert len((await session.exec(select(ImportRow))).all()) == 6  # kept once


async def test_a_spanish_meet_report_sent_alone_asks_which_session(
    transcript: Transcript, cohort: Cohort, sessions: SessionFactory
) -> None:
    out = await transcript.run(
        f"""
        :reloj 2025-05-13 11:30
        :archivo {SAMPLES / "meet-asistencia-es.csv"}
        """
    )
    # The latest sessions that started (the series began on 29 April).
    assert _paths(out).splitlines()[-2:] == [
        "  bot → @coordina: ¿De qué sesión es este informe?",
        "    [1] Sesión semanal, martes, 13 de mayo  [2] Sesión semanal, martes, 6 de mayo  "
        "[3] Sesión semanal, martes, 29 de abril",
    ]
    out = await transcript.run(":b 2")
    assert "Importé el informe de Google Meet de Sesión semanal, martes, 6 de mayo" in out
    assert await _present(sessions) == {
        "Laura Gómez": (56, "present/meet"),
        "Sofía": (61, "present/meet"),
        "Andrés Ruiz": (40, "present/meet"),
    }
    # The button pressed again, or the same file for the same session: nothing changes.
    out = await transcript.run(":b 2")
    assert "no cambió nada" in out
    out = await transcript.run(f":archivo {SAMPLES / 'meet-asistencia-es.csv'} s1/2025-05-06")
    assert "Ya había importado este archivo" in out
    async with sessions() as session:
        assert len((await session.exec(select(ImportRow))).all()) == 3


async def test_a_coordinators_mark_is_kept_and_a_short_stay_is_not_presence(
    transcript: Transcript, cohort: Cohort, session: AsyncSession, sessions: SessionFactory
) -> None:
    laura = (
        await session.exec(
            select(Member).join(Person).where(Person.display_name == "Laura Gómez")  # type: ignore[arg-type]
        )
    ).one()
    assert cohort.id is not None and laura.id is not None
    clock_now = transcript.chat.clock.now()
    await set_attendance(
        session,
        cohort.id,
        "s1:2025-05-06",
        laura.id,
        AttendanceStatus.EXCUSED,
        AttendanceSource.COORDINATOR,
        clock_now,
    )
    await session.commit()
    await transcript.run(
        f":reloj 2025-05-06 12:00\n:archivo {SAMPLES / 'zoom-participantes-es.csv'} s1/2025-05-06"
    )
    assert await _present(sessions) == {
        "Laura Gómez": (None, "excused/coordinator"),
        "Sofía": (46, "present/zoom"),
    }
    async with sessions() as check:
        rows = {row.name: row.outcome for row in (await check.exec(select(ImportRow))).all()}
    assert rows == {
        "Coordinación Sprint": RowOutcome.COORDINATOR,
        "Laura Gómez": RowOutcome.MATCHED,
        "Sofía Ríos": RowOutcome.MATCHED,
        "Andrés Rojas": RowOutcome.SHORT,  # 5 min, found by name
    }


async def test_other_files_people_and_places_are_refused_in_spanish(
    transcript: Transcript, cohort: Cohort, tmp_path: Path
) -> None:
    big = tmp_path / "grande.csv"
    big.write_bytes(b"a," * (600 * 1024))
    out = await transcript.run(
        f"""
        :archivo {SAMPLES / "no-es-csv.xlsx"} s1/2025-05-06
        :archivo {SAMPLES / "otra-tabla.csv"} s1/2025-05-06
        :archivo {big} s1/2025-05-06
        :archivo {SAMPLES / "zoom-participantes-es.csv"} s9/2025-05-06
        :archivo {SAMPLES / "zoom-participantes-es.csv"} mañana
        :archivo {tmp_path / "no-existe.csv"}
        :archivo
        :como sofia
        :archivo {SAMPLES / "zoom-participantes-es.csv"} s1/2025-05-06
        :como coordina
        :grupo
        :archivo {SAMPLES / "zoom-participantes-es.csv"} s1/2025-05-06
        """
    )
    said = [line for line in _paths(out).splitlines() if line.startswith(("  bot", "  !"))]
    assert said == [
        "  bot → @coordina: Solo leo informes de participantes guardados como CSV (.csv), y "
        "no-es-csv.xlsx no lo es. En Zoom: Informes > Uso > Participantes > Exportar; en Meet: "
        "el informe de asistencia, Archivo > Descargar > CSV.",
        "  bot → @coordina: No encontré en ese archivo las columnas de un informe de "
        "participantes.",
        "  bot → @coordina: El archivo es demasiado grande. Leo informes de hasta 1024 kB.",
        "  bot → @coordina: No hay ninguna sesión con el código s9/2025-05-06. Mira los códigos "
        "con /proximas.",
        "  bot → @coordina: Escribe el código de la sesión con el archivo, por ejemplo "
        "s3/2025-05-06 o e12 (mira los códigos con /proximas), o envía el archivo solo y elige "
        "la sesión.",
        f"  ! No pude leer {tmp_path / 'no-existe.csv'}: No such file or directory.",
        "  ! Escribe la ruta del archivo: :archivo RUTA [CODIGO].",
        "  bot → @sofia: Solo el equipo coordinador puede hacer eso.",
        "  bot → #sala (solo lo ve coordina): Envíame el informe en un chat privado, no en el "
        "grupo.",
    ]
    assert "Esperaba el informe de participantes de Zoom" in out


async def test_two_presses_on_one_row_settle_it_once(
    transcript: Transcript, cohort: Cohort, core: Core, sessions: SessionFactory
) -> None:
    await transcript.run(
        f":reloj 2025-05-06 12:00\n:archivo {SAMPLES / 'zoom-participantes-en.csv'} s1/2025-05-06"
    )
    button = transcript.chat._buttons["@coordina"][0]  # Andrés Rojas, for "Andrés R"
    presses = [
        Incoming(
            Platform.CONSOLE,
            "coordina",
            "Coordina",
            "coordina",
            ChatKind.PRIVATE,
            payload=button.payload,
            event_id=f"press-{n}",
        )
        for n in range(2)
    ]
    first, second = [await core.handle(press) for press in presses]
    assert plain(first[0].text) == "Listo: Andrés R es Andrés Rojas, presente (55 min)."
    assert plain(second[0].text) == "Esa fila ya estaba resuelta."
    forged = Incoming(
        Platform.CONSOLE,
        "coordina",
        "Coordina",
        "coordina",
        ChatKind.PRIVATE,
        payload="aip:999999:1",
    )
    assert (await core.handle(forged))[0].text.startswith("Ese botón ya no es válido")
