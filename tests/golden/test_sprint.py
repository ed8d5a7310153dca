"""Golden transcripts of a whole sprint: every refactor must replay the same conversation.

The story (one coordinator, three participants in Ciudad de México, Bogotá and
Santiago de Chile, one of them in English) is played through the real core and
scheduler on a real database, and every chapter's transcript is compared with
its committed file, `tests/golden/NN-*.txt`. See tests/golden/README.md.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cohorte.bot.bootstrap import assemble
from cohorte.scheduling.clock import ManualClock
from tests.golden.cli import run_cli
from tests.golden.recorder import Sprint

if TYPE_CHECKING:
    from cohorte.storage.db import SessionFactory

HERE = Path(__file__).parent
COHORT_FILE = HERE / "sprint-2026.toml"
UPDATE = os.environ.get("COHORTE_UPDATE_GOLDEN") == "1"
# Beyond this the diff is cut short: regenerate and read `git diff` instead.
MAX_DIFF_LINES = 400
# Thursday before sprint week 1, 09:00 in Bogotá.
START = datetime(2026, 2, 26, 14, 0, tzinfo=UTC)

Chapter = Callable[[Sprint], Awaitable[None]]


async def registration(s: Sprint) -> None:
    s.note("Antes del sprint: la cohorte se carga y las personas se inscriben")
    out = await run_cli("cohort", "import", str(COHORT_FILE))
    s.operator("cohorte cohort import sprint-2026.toml", out)
    s.person("marta", "Marta Ruiz").zone = "America/Bogota"
    s.person("ana", "Ana")
    s.person("diego", "Diego")
    s.person("kate", "Kate")

    await s.say("marta", "/miembros")
    await s.say("ana", "/unirme sprint26")
    await s.press("ana", "Bogotá", zone="America/Bogota")
    await s.say("ana", "/zona Bogotá")
    await s.say("ana", "/avisos")
    await s.press("ana", "También en privado")

    await s.say("diego", "/unirme SPRINT26")
    await s.press("diego", "Ciudad de México", zone="America/Mexico_City")
    await s.say("diego", "/zona")
    await s.press("diego", "Ciudad de México")
    await s.say("diego", "/avisos no")
    await s.say("diego", "/miembros")

    await s.say("kate", "/join SPRINT26")
    await s.say("kate", "/language")
    await s.press("kate", "English", locale="en")
    await s.press("kate", "Santiago de Chile", zone="America/Santiago")
    await s.say("kate", "/zone Santiago")
    await s.press("kate", "Santiago (Chile)")
    await s.say("kate", "/dm")
    await s.press("kate", "Only in the group")
    await s.say("kate", "/join SPRINT26")
    await s.say("kate", "/help")

    await s.say("marta", "/miembros")
    await s.say("marta", "/recordatorios")
    await s.say("ana", "/proximas")


async def week_1(s: Sprint) -> None:
    s.note("Semana 1: la coordinadora abre la encuesta del horario de la sesión semanal")
    await s.until("2026-03-02 09:00")
    await s.say(
        "marta",
        '/encuesta nueva "Sesión semanal" mar 10:00, mié 16:00, jue 09:30 '
        "cierre miércoles 18:00 duracion 90",
    )
    await s.until("2026-03-02 09:20")
    await s.press("ana", "1 · ✅ Sí")
    await s.press("ana", "2 · ✅ Sí")
    await s.press("ana", "3 · 🤔 Si es necesario")
    s.note("Diego vota en el grupo, con los botones del mensaje de la encuesta")
    await s.press("diego", "1 ✅", group=True)
    await s.press("diego", "2 ❌", group=True)
    await s.press("diego", "3 ❌", group=True)
    await s.press("kate", "1 · ✅ Yes")
    await s.press("kate", "2 · ❌ No")
    await s.until("2026-03-02 10:00")
    s.note("Diego cambia de opinión sobre el miércoles")
    await s.say("diego", "/votar")
    await s.press("diego", "2 · 🤔 Si es necesario")
    await s.say("ana", "/encuesta resultados")

    s.note("Las preguntas antes de la sesión de acompañamiento: Ana y Kate responden")
    await s.until("2026-03-03 13:30")
    await s.press("ana", "✍️ Responder ahora")
    await s.say("ana", "Inventario de los sistemas de compras")
    await s.press("ana", "Saltar")
    await s.say("ana", "Cómo publicar los contratos menores")
    await s.press("kate", "✍️ Answer now")
    await s.say("kate", "We listed every procurement system")
    await s.say("kate", "Access to the contracts database")
    await s.say("kate", "/cancel")

    s.note("24 horas antes del cierre, a quien le falta un horario se le recuerda")
    await s.until("2026-03-03 18:00")
    await s.until("2026-03-03 19:00")
    await s.press("kate", "3 · ❌ No")

    s.note("El cierre: el planificador cierra la encuesta y propone el horario ganador")
    await s.until("2026-03-04 18:00")
    await s.press("ana", "3 · ✅ Sí")
    await s.until("2026-03-05 08:30")
    await s.press("marta", "✅ Confirmar")
    s.note("El martes 17 de marzo cae la Masterclass: la coordinadora confirma sin esa sesión")
    await s.press("marta", "✅ Sí, sin esa sesión")
    await s.say("marta", "/encuesta exportar")
    await s.say("kate", "/next")
    await s.until("2026-03-06 18:00")


async def weeks_2_to_4(s: Sprint) -> None:
    s.note("Semana 2: la primera sesión semanal y los primeros reportes")
    await s.until("2026-03-09 11:00")
    await s.say("ana", "/reportar")
    await s.press("ana", "⚪ Mapeo de procesos y sistemas")
    await s.press("ana", "🔄 en curso")
    await s.say("ana", "Ya tenemos el inventario de sistemas")
    await s.say("diego", "/reportar", group=True)
    await s.say("diego", '/reportar mapeo bloqueado "sin acceso al sistema de compras"')
    await s.say("kate", "/report mapeo in progress")
    await s.say("diego", "/proximas 2", group=True)
    await s.say("marta", "/estado")
    s.note("La coordinadora revisa las próximas: el 17 de marzo solo queda la Masterclass")
    await s.say("marta", "/proximas 8")
    await s.until("2026-03-10 12:00")

    s.note("Semana 3: la Masterclass; la sesión de la semana 4 se mueve al miércoles")
    await s.until("2026-03-16 10:00")
    await s.say("marta", "/sesion mover s4/2026-03-24 25 de marzo 16:00")
    await s.say("marta", "/sesion mover s4/2026-03-24 25 de marzo 16:00")  # again: no change
    await s.say("kate", "/calendar")
    await s.until("2026-03-18 12:00")
    await s.say("marta", "/tablero")
    await s.until("2026-03-19 12:00")

    s.note("El aviso de feriado: el acompañamiento de Bogotá del 2 de abril pasa al 1 de abril")
    await s.say("marta", "/sesion mover s1/2026-04-02 1 de abril 15:00")

    s.note("Semana 4: el mapeo vence el viernes")
    await s.until("2026-03-24 09:00")
    await s.say("ana", '/reportar mapeo "falta la revisión final"')
    await s.say("ana", '/reportar mapeo completado "publicado en la intranet"')
    await s.say("ana", "/estado mapeo")
    await s.until("2026-03-29 12:00")


async def weeks_5_to_7(s: Sprint) -> None:
    s.note("Semana 5: Chile deja el horario de verano el domingo 5 de abril")
    await s.until("2026-04-03 12:00")
    await s.say("kate", "/next 3")
    await s.until("2026-04-06 12:00")
    await s.say("kate", "/next 3")
    await s.until("2026-04-08 12:00")

    s.note("Semanas 6 y 7: reportes, un acompañamiento y el tablero")
    await s.say("kate", '/report proveedores blocked "waiting for the supplier survey"')
    await s.say("diego", "/reportar mapeo completado")
    await s.say("diego", "/reportar proveedores en curso")
    await s.until("2026-04-14 12:00")
    s.note("Kate pulsa el botón de una invitación anterior; luego responde la nueva")
    await s.press("kate", "✍️ Answer now")
    await s.until("2026-04-14 15:00")
    await s.press("kate", "✍️ Answer now")
    await s.say("kate", "The supplier survey is out")
    await s.say("kate", "Nothing")
    await s.say("kate", "The improvement plan template")
    await s.until("2026-04-15 09:00")
    await s.say("ana", "/avances")
    await s.say("ana", "El mapeo está completo")
    await s.say("ana", "Falta la encuesta a proveedores")
    await s.press("ana", "Saltar")
    await s.until("2026-04-17 18:00")
    await s.say("marta", "/tablero")
    await s.say("marta", "/estado Santiago")
    await s.until("2026-04-19 12:00")


async def weeks_8_to_12(s: Sprint) -> None:
    s.note("Semanas 8 a 10: un aviso programado y el plan de mejora")
    await s.until("2026-04-20 09:30")
    await s.say("marta", "/anuncio 30/4 09:00 | El viernes 1 de mayo es feriado en los 3 países.")
    await s.say("marta", "/anuncio 4/5 09:00 Suban el plan de mejora antes del viernes.")
    await s.press("marta", "Programar")
    await s.until("2026-05-01 12:00")
    await s.say("ana", "/reportar plan en curso")
    await s.say("ana", "/reportar proveedores completado")
    await s.until("2026-05-15 18:00")

    s.note("Semanas 11 y 12: el Showtime y el cierre del sprint")
    await s.until("2026-05-20 12:00")
    await s.say("marta", "/tablero")
    await s.say("marta", "/exportar estado")
    await s.say("marta", "/exportar historial")
    await s.say("marta", "/exportar checkins")
    s.note("Un botón de equipo de la inscripción ya no cambia a nadie de equipo")
    await s.press("ana", "Ciudad de México")
    await s.say("marta", "/equipo Ana Bogotá")
    await s.until("2026-05-26 09:00")
    await s.say("marta", "/proximas")
    out = await run_cli("cohort", "export", "1", "-")
    s.operator("cohorte cohort export 1 -", out)


CHAPTERS: list[tuple[str, Chapter]] = [
    ("01-inscripcion", registration),
    ("02-semana-01", week_1),
    ("03-semanas-02-04", weeks_2_to_4),
    ("04-semanas-05-07", weeks_5_to_7),
    ("05-semanas-08-12", weeks_8_to_12),
]


async def test_the_sprint_replays_its_golden_transcripts(
    sessions: SessionFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHORTE_DATABASE_URL", database_url)  # for the `cohorte` commands
    clock = ManualClock(START)
    sprint = Sprint(assemble(sessions, clock), clock)
    produced: dict[str, str] = {}
    for name, chapter in CHAPTERS:
        try:
            await chapter(sprint)
        except Exception as error:
            # A story that cannot go on (a button gone, a traceback): show where it stood.
            tail = "\n".join(sprint.lines[-60:])
            raise AssertionError(f"the story stopped in {name}: {error}\n\n{tail}") from error
        produced[name] = sprint.cut()
    compare(produced)


def compare(produced: dict[str, str]) -> None:
    """Each chapter against its file; COHORTE_UPDATE_GOLDEN=1 writes the files instead."""
    if UPDATE:
        for stale in HERE.glob("*.txt"):
            if stale.stem not in produced:
                stale.unlink()
        for name, text in produced.items():
            (HERE / f"{name}.txt").write_text(text, encoding="utf-8")
        return
    diffs: list[str] = []
    for name, text in produced.items():
        path = HERE / f"{name}.txt"
        expected = path.read_text(encoding="utf-8") if path.is_file() else ""
        if expected != text:
            diffs += difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"tests/golden/{path.name} (committed)",
                f"tests/golden/{path.name} (this run)",
            )
    if diffs:
        shown = "".join(diffs[:MAX_DIFF_LINES])
        if len(diffs) > MAX_DIFF_LINES:
            shown += f"\n... {len(diffs) - MAX_DIFF_LINES} more lines of diff\n"
        pytest.fail(
            "The sprint's transcript changed. Read the diff: if the new behaviour is "
            "intended, write the files again with COHORTE_UPDATE_GOLDEN=1 and review "
            "`git diff tests/golden` (see tests/golden/README.md).\n\n" + shown,
            pytrace=False,
        )
