"""/asistencia tablero: the matrix and its rates, as text and as a PNG picture."""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.board import attendance_summary_lines, attendance_text
from cohorte.handlers.attendance.matrix import (
    AttendanceMatrix,
    Mark,
    Rate,
    attendance_matrix,
    load_attendance,
)
from cohorte.handlers.attendance.picture import (
    attendance_picture,
    picture_size,
    render_attendance_png,
)
from cohorte.handlers.core.messages import ChatKind, Incoming
from cohorte.handlers.core.router import Core
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Person, Platform
from cohorte.storage.series import Series, SeriesKind
from tests.conftest import Transcript
from tests.handlers.attendance.seed import attended_cohort

ES = Translator("es")
P, A, E, U = Mark.PRESENT, Mark.ABSENT, Mark.EXCUSED, Mark.UNKNOWN


def decoded(data: bytes) -> Any:
    """The PNG's pixels (rows of RGBA floats), read back with matplotlib."""
    from matplotlib.image import imread

    return imread(io.BytesIO(data), format="png")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_the_matrix_marks_and_rates(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await attended_cohort(session, clock)
    matrix = await load_attendance(session, seeded.cohort, clock.now())

    assert [o.ref for o in matrix.sessions] == seeded.refs  # started, not cancelled, in order
    assert [(p.team.name if p.team else None, p.name) for p in matrix.people] == [
        ("Bogotá", "Andrés"),
        ("Bogotá", "Sofía"),
        ("Ciudad de México", "Mariana"),
        ("Santiago", "Javiera"),
        ("Santiago", "Tomás"),
    ]  # the coordinator is not counted
    marks = {p.name: [matrix.mark(p, o) for o in matrix.sessions] for p in matrix.people}
    assert marks == {
        "Andrés": [P, U, U, A],
        "Sofía": [P, P, U, P],
        "Mariana": [A, None, U, U],  # Bogotá's check-in is not hers
        "Javiera": [E, None, U, A],
        "Tomás": [P, None, U, U],
    }
    assert [matrix.taken(o) for o in matrix.sessions] == [True, True, False, True]
    teams = seeded.teams
    # Unknown counts at a session taken, not at the Masterclass nobody took; excused never.
    assert matrix.team_rate(teams["Bogotá"]) == Rate(4, 6)
    assert matrix.team_rate(teams["Ciudad de México"]) == Rate(0, 2)
    assert matrix.team_rate(teams["Santiago"]) == Rate(1, 3)
    assert matrix.total_rate == Rate(5, 11) and matrix.total_rate.percent == 45
    assert matrix.kinds == ["session", "masterclass", "checkin"]
    assert matrix.kind_rate("session") == Rate(4, 9)
    assert matrix.kind_rate("checkin") == Rate(1, 2)
    assert matrix.kind_rate("masterclass") == Rate(0, 0)
    assert matrix.kind_rate("masterclass").percent is None
    assert [matrix.session_rate(o).percent for o in matrix.sessions] == [75, 50, None, 20]
    assert Rate(2, 3).percent == 67 and Rate(1, 8).percent == 13 and Rate(1, 200).percent == 1


async def test_only_sessions_that_have_started_count(
    session: AsyncSession, clock: ManualClock
) -> None:
    seeded = await attended_cohort(session, clock)
    first = datetime(2025, 4, 22, 14, 59, tzinfo=UTC)  # a minute before the first session
    before = await load_attendance(session, seeded.cohort, first)
    assert before.sessions == [] and before.last_session is None
    assert "Todavía no ha empezado ninguna sesión" in plain(attendance_text(ES, before))
    assert attendance_summary_lines(ES, before) == []
    # The pure function needs nothing but rows.
    empty = attendance_matrix(seeded.cohort, clock.now(), [], [], [], [])
    assert empty.total_rate == Rate(0, 0) and empty.groups == []
    # Sessions held, nothing recorded: the dashboard says so in one line.
    held = await load_attendance(session, seeded.cohort, clock.now())
    people = [(p.member, p.person) for p in held.people]
    untaken = attendance_matrix(seeded.cohort, clock.now(), held.sessions, held.teams, people, [])
    assert untaken.total_rate == Rate(0, 0)
    assert [plain(line) for line in attendance_summary_lines(ES, untaken)] == [
        "*Asistencia*: todavía sin registros (/asistencia tablero)"
    ]


async def test_the_matrix_as_text(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await attended_cohort(session, clock)
    text = plain(attendance_text(ES, await load_attendance(session, seeded.cohort, clock.now())))

    assert text.startswith("*Asistencia* · Sprint de prueba\n\n*Sesiones*\n")
    assert "1. 22 abr · Sesión semanal · Semana 1 · 75 % (3 de 4)" in text
    assert "2. 23 abr · Sesión de acompañamiento — Bogotá · Semana 1 · 50 % (1 de 2)" in text
    assert "3. 24 abr · Masterclass: Datos abiertos · Semana 1 · sin registro" in text
    assert "4. 29 abr · Sesión semanal · Semana 2 · 20 % (1 de 5)" in text
    assert "*Bogotá* · 67 % (4 de 6)\nAndrés: ✅ ❔ ❔ ❌\nSofía: ✅ ✅ ❔ ✅" in text
    assert "*Ciudad de México* · 0 % (0 de 2)\nMariana: ❌ · ❔ ❔" in text
    assert "*Santiago* · 33 % (1 de 3)\nJaviera: ➖ · ❔ ❌\nTomás: ✅ · ❔ ❔" in text
    assert (
        "*Por tipo de sesión*\n• Sesión semanal: 44 % (4 de 9)\n• Masterclass: sin registro\n"
        "• Sesión de acompañamiento: 50 % (1 de 2)" in text
    )
    assert "✅ presente · ❌ ausente · ➖ justificado · ❔ sin registro" in text


async def test_the_picture_data_and_png(session: AsyncSession, clock: ManualClock) -> None:
    seeded = await attended_cohort(session, clock)
    matrix = await load_attendance(session, seeded.cohort, clock.now())
    picture = attendance_picture(ES, matrix)

    assert picture.title == "Asistencia · Sprint de prueba — jueves, 1 de mayo"
    assert picture.subtitle == (
        "Sesión semanal: 44 % · Masterclass: — · Sesión de acompañamiento: 50 %"
    )
    assert picture.columns == [
        "Sesión semanal\n22 abr",
        "Acompañamiento\nBogotá\n23 abr",
        "Masterclass\n24 abr",
        "Sesión semanal\n29 abr",
    ]
    assert [(row.label, row.rate, row.group) for row in picture.rows] == [
        ("Bogotá", "67 %", True),
        ("Andrés", "33 %", False),
        ("Sofía", "100 %", False),
        ("Ciudad de México", "0 %", True),
        ("Mariana", "0 %", False),
        ("Santiago", "33 %", True),
        ("Javiera", "0 %", False),
        ("Tomás", "50 %", False),
    ]
    assert picture.rows[4].marks == [A, None, U, U]
    assert picture.totals == ["75 %", "50 %", "—", "20 %"]
    assert [label for _, label in picture.legend] == [
        "presente",
        "ausente",
        "justificado",
        "sin registro",
    ]

    data = render_attendance_png(picture)
    assert png_size(data) == picture_size(4, 8) == (660, 650)
    assert picture_size(20, 30) == (1940, 1530)
    assert render_attendance_png(picture) == data  # deterministic
    pixels = {tuple(round(float(c) * 255) for c in px[:3]) for row in decoded(data) for px in row}
    # Drawn, not blank: each mark's Okabe-Ito colour is there.
    assert {(0, 158, 115), (213, 94, 0), (86, 180, 233), (224, 224, 224)} <= pixels
    blank = render_attendance_png(
        attendance_picture(ES, attendance_matrix(seeded.cohort, clock.now(), [], [], [], []))
    )
    assert len(blank) < len(data)


def asks(who: str, text: str) -> Incoming:
    return Incoming(Platform.CONSOLE, who, who, who, ChatKind.PRIVATE, text)


async def test_the_board_in_chat_text_then_picture(
    session: AsyncSession, clock: ManualClock, core: Core
) -> None:
    await attended_cohort(session, clock)

    text, picture = await core.handle(asks("coordina", "/asistencia tablero"))
    assert plain(text.text).startswith("*Asistencia* · Sprint de prueba")
    assert picture.image is not None
    assert picture.image.filename == "asistencia-2025-05-01.png"
    assert png_size(picture.image.data) == (660, 650)
    assert plain(picture.text) == "Asistencia de Sprint de prueba, jueves, 1 de mayo"

    refused = await core.handle(asks("sofia", "/asistencia tablero"))
    assert refused[0].text == "Solo el equipo coordinador puede hacer eso."


async def test_the_board_on_the_console(session: AsyncSession, transcript: Transcript) -> None:
    await attended_cohort(session, transcript.chat.clock)

    out = await transcript.run(
        """
        :como coordina
        /asistencia tablero
        /asistencia algo
        """
    )

    assert "*Bogotá* · 67 % (4 de 6)" in out
    saved = transcript.chat.files / "asistencia-2025-05-01.png"
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Asistencia de Sprint de prueba, jueves, 1 de mayo\n    📎 {saved}" in out
    assert "No encuentro la sesión “algo”. Usa el código que muestra /proximas" in out


async def test_a_session_has_started_by_its_own_wall_clock_across_santiagos_change(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Chile leaves summer time on Sunday 6 April 2025: a Wednesday 10:00 session in
    Santiago is 13:00 UTC on the 2nd and 14:00 UTC on the 9th."""
    seeded = await attended_cohort(session, clock)
    cohort = seeded.cohort
    cohort.start_date = date(2025, 3, 31)
    session.add(
        Series(
            cohort_id=cohort.id or 0,
            kind=SeriesKind.CHECKIN,
            team_id=seeded.teams["Santiago"].id,
            title="",
            weekday=2,
            local_time=time(10, 0),
            zone="America/Santiago",
            first_date=date(2025, 4, 2),
            last_date=date(2025, 4, 16),
            created_at=clock.now(),
        )
    )
    await session.commit()

    def checkins(matrix: AttendanceMatrix) -> list[datetime]:
        return [o.starts_at for o in matrix.sessions if o.team_id == seeded.teams["Santiago"].id]

    at_1330 = await load_attendance(session, cohort, datetime(2025, 4, 9, 13, 30, tzinfo=UTC))
    assert checkins(at_1330) == [datetime(2025, 4, 2, 13, 0, tzinfo=UTC)]
    at_1400 = await load_attendance(session, cohort, datetime(2025, 4, 9, 14, 0, tzinfo=UTC))
    assert checkins(at_1400)[-1] == datetime(2025, 4, 9, 14, 0, tzinfo=UTC)
    javiera = next(p for p in at_1400.people if p.name == "Javiera")
    assert [at_1400.mark(javiera, o) for o in at_1400.sessions] == [U, U]
    mariana = next(p for p in at_1400.people if p.name == "Mariana")
    assert [at_1400.mark(mariana, o) for o in at_1400.sessions] == [None, None]


async def test_names_in_the_picture_are_drawn_as_typed(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Dollar signs would make matplotlib read mathematics (and fail on bad mathematics)."""
    seeded = await attended_cohort(session, clock)
    seeded.teams["Bogotá"].name = r"$\frac$ Bogotá"
    person = await session.get(Person, seeded.members["Sofía"].person_id)
    assert person is not None
    person.display_name = r"$x^2$ *Sofía* <b>"
    await session.commit()
    picture = attendance_picture(ES, await load_attendance(session, seeded.cohort, clock.now()))
    assert picture.rows[0].label == r"$\frac$ Bogotá"

    assert png_size(render_attendance_png(picture)) == (660, 650)
