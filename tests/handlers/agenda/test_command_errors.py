"""What the agenda's commands answer to input they cannot use (issue 13): each error says
what is missing or wrong, never quotes nothing, and a range error names the range."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import Transcript
from tests.factories import seed_cohort


async def _as_coordinator(session: AsyncSession, transcript: Transcript, line: str) -> str:
    await seed_cohort(session, transcript.chat.clock.now())
    out = await transcript.run(f":como coordina\n{line}")
    return out.partition(f"> {line.strip()}\n")[2]


@pytest.mark.parametrize("line", ["/sesion cancelar", "/sesion mover", "/sesion cancelar   "])
async def test_a_session_command_without_its_code_asks_for_the_code(
    session: AsyncSession, transcript: Transcript, line: str
) -> None:
    out = await _as_coordinator(session, transcript, line)

    assert "el código ." not in out
    assert "Escribe el código de la sesión" in out
    assert "/proximas" in out


async def test_moving_a_session_without_a_day_asks_for_the_day_and_time(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos"')

    out = await transcript.run("/sesion mover e1")

    assert "“”" not in out
    assert "Escribe el día y la hora, por ejemplo “6 de mayo 10:00”" in out


@pytest.mark.parametrize(
    "option",
    ["duracion -5", "duracion 5", "duracion 1000", "duracion noventa", "duración"],
)
@pytest.mark.parametrize("title", ["Datos", '"Datos"'])
async def test_a_wrong_duration_is_refused_as_the_duration_with_its_range(
    session: AsyncSession, transcript: Transcript, option: str, title: str
) -> None:
    line = f"/sesion nueva masterclass 6 de mayo 10:00 {title} {option}"
    out = await _as_coordinator(session, transcript, line)

    assert "Escribe la duración en minutos, de 15 a 480, por ejemplo: duracion 90" in out
    assert "día y la hora" not in out


@pytest.mark.parametrize("option", ["enlace ftp://x", "enlace", "link www.example.org"])
async def test_a_wrong_link_is_refused_as_the_link(
    session: AsyncSession, transcript: Transcript, option: str
) -> None:
    line = f"/sesion nueva masterclass 6 de mayo 10:00 Datos {option}"
    out = await _as_coordinator(session, transcript, line)

    assert "El enlace de la reunión debe empezar con http:// o https://." in out
    assert "Datos" not in out


@pytest.mark.parametrize("option", ["duracion -5", "duracion 5", "duracion 9999"])
async def test_the_weekly_session_duration_is_checked_with_its_range(
    session: AsyncSession, transcript: Transcript, option: str
) -> None:
    out = await _as_coordinator(session, transcript, f"/sesion semanal mar 10:00 {option}")

    assert "Escribe la duración en minutos, de 15 a 480" in out
    assert "bot → #sala" not in out


@pytest.mark.parametrize("lead", ["0h", "999d", "31d", "5s", "0m"])
async def test_a_lead_time_out_of_range_names_the_range(
    session: AsyncSession, transcript: Transcript, lead: str
) -> None:
    out = await _as_coordinator(session, transcript, f"/recordatorios sesion 24h {lead}")

    assert f"{lead} está fuera de rango: las anticipaciones van de 1m a 30d." in out


@pytest.mark.parametrize("count", ["0", "-3"])
async def test_next_sessions_refuses_zero_and_negatives_with_the_range(
    session: AsyncSession, transcript: Transcript, count: str
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00")

    out = await transcript.run(f"/proximas {count}")

    assert "Escribe /proximas o /proximas N, con N de 1 a 10." in out
    assert "Próximas sesiones" not in out


async def test_next_sessions_says_the_limit_when_it_shows_fewer_than_asked(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(":como coordina\n/sesion semanal mar 10:00")

    out = await transcript.run("/proximas 50")

    assert out.count("Sesión semanal") == 10
    assert "Muestro las primeras 10: /proximas muestra como máximo 10." in out


async def test_next_sessions_says_no_limit_when_all_asked_for_fit(
    session: AsyncSession, transcript: Transcript
) -> None:
    await seed_cohort(session, transcript.chat.clock.now())
    await transcript.run(':como coordina\n/sesion nueva masterclass 6 de mayo 10:00 "Datos"')

    out = await transcript.run("/proximas 50")

    assert "como máximo" not in out
