"""Reading participant reports: the sample exports of Zoom and Meet (English and Spanish,
BOM, UTF-16, semicolons), people who rejoined, guests without e-mail, and files that are
not reports, which are refused with what was expected and never crash."""

from __future__ import annotations

import contextlib
import random

import pytest

from cohorte.handlers.attendance.imports.report import (
    EXPECTED,
    MAX_REPORT_BYTES,
    MAX_REPORT_ROWS,
    Participant,
    ReportError,
    duration_minutes,
    parse_moment,
    read_report,
)
from cohorte.locales import Translator
from cohorte.storage.attendance import AttendanceSource
from tests.handlers.attendance.imports.conftest import sample

ZOOM_EN = (
    Participant("Coordinación Sprint", "coordinacion@sprint.example.org", 67),
    # Two connections that overlap by 80 s: merged, 59 min (Zoom's durations add up to 61).
    Participant("Laura G. (Laura Gómez)", "laura.gomez@bogota.gov.co", 59),
    # A guest without e-mail who dropped out and came back: 17 + 20 min.
    Participant("Sofía", None, 37),
    Participant("Andrés R", None, 55),
    Participant("iPhone de Pedro", None, 4),
    Participant("Invitada Externa", None, 56),
)


def test_a_zoom_report_after_its_meeting_summary() -> None:
    report = read_report(sample("zoom-participantes-en.csv"))
    assert report.source is AttendanceSource.ZOOM
    assert report.participants == ZOOM_EN


def test_the_same_report_saved_as_utf16_with_tabs() -> None:
    data = sample("zoom-participantes-utf16.csv")
    assert data[:2] == b"\xff\xfe"
    assert read_report(data).participants == ZOOM_EN
    without_mark = data[2:]
    assert read_report(without_mark).participants == ZOOM_EN


def test_a_spanish_zoom_report_with_a_bom_and_days_first() -> None:
    data = sample("zoom-participantes-es.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    report = read_report(data)
    assert report.source is AttendanceSource.ZOOM
    assert report.participants == (
        Participant("Coordinación Sprint", "coordinacion@sprint.example.org", 61),
        Participant("Laura Gómez", "laura.gomez@bogota.gov.co", 56),
        Participant("Sofía Ríos", None, 46),
        Participant("Andrés Rojas", "andres.rojas@cdmx.gob.mx", 5),
    )


def test_meet_reports_in_english_and_in_spanish_with_semicolons() -> None:
    english = read_report(sample("meet-asistencia-en.csv"))
    assert english.source is AttendanceSource.MEET
    assert english.participants == (
        Participant("Laura Gómez", "laura.gomez@bogota.gov.co", 56),
        Participant("Sofía Ríos", None, 61),
        Participant("Andrés R.", None, 45),
        Participant("Mario Bustos", "mario.bustos@example.com", 50),
    )
    spanish = read_report(sample("meet-asistencia-es.csv"))
    assert spanish.source is AttendanceSource.MEET
    assert [p.minutes for p in spanish.participants] == [56, 61, 40]


def test_zooms_one_row_export_takes_the_participants_email_not_the_hosts() -> None:
    data = (
        "Topic,Meeting ID,User Name,User Email,Start Time,Name (Original Name),User Email,"
        "Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Sprint,852 1848 6288,Host,host@example.org,06/05/2025 10:00,Laura Gómez,"
        "laura@example.org,06/05/2025 10:00,06/05/2025 10:21,22,No\n"
    ).encode()
    assert read_report(data).participants == (Participant("Laura Gómez", "laura@example.org", 21),)


def test_times_and_durations_as_the_tools_write_them() -> None:
    assert parse_moment("11/19/2021 9:54:15 AM").isoformat() == "2021-11-19T09:54:15"  # type: ignore[union-attr]
    assert parse_moment("19/11/2021 21:54").isoformat() == "2021-11-19T21:54:00"  # type: ignore[union-attr]
    assert parse_moment("2025-05-06T10:00:00-05:00").isoformat() == "2025-05-06T15:00:00"  # type: ignore[union-attr]
    assert parse_moment("10:02\u202fp.\u00a0m.").hour == 22  # type: ignore[union-attr]
    assert parse_moment("13:00 PM") is None
    assert parse_moment("mañana") is None
    assert duration_minutes("1 hr 4 min") == 64
    assert duration_minutes("1 h 4 min") == 64
    assert duration_minutes("58 min") == 58
    assert duration_minutes("1:04:30") == 65
    assert duration_minutes("45") == 45
    assert duration_minutes("") is None
    assert duration_minutes("mucho") is None
    assert duration_minutes("²") == 2  # folded like any text, never int() of a non-ASCII digit


def test_a_row_without_times_counts_its_listed_minutes() -> None:
    data = b"Name (Original Name),User Email,Duration (Minutes)\nAna,,30\nAna,,12\n"
    assert read_report(data).participants == (Participant("Ana", None, 42),)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-es-csv.xlsx", "Ese archivo no es de texto (un CSV es texto)."),
        (
            "otra-tabla.csv",
            "No encontré en ese archivo las columnas de un informe de participantes.",
        ),
    ],
)
def test_other_files_are_refused_saying_what_was_expected(name: str, message: str) -> None:
    with pytest.raises(ReportError) as caught:
        read_report(sample(name))
    text = caught.value.render(Translator("es", markup=False))
    first, expected = text.split("\n")
    assert first == message
    assert expected.startswith("Esperaba el informe de participantes de Zoom (columnas “Nombre")
    assert expected == Translator("es", markup=False)._(EXPECTED)


def test_size_and_rows_are_limited() -> None:
    with pytest.raises(ReportError) as big:
        read_report(b"x" * (MAX_REPORT_BYTES + 1))
    assert big.value.params == {"size": 1025, "limit": 1024}
    rows = "".join(f"P{i},,1\n" for i in range(MAX_REPORT_ROWS + 40))
    with pytest.raises(ReportError) as many:
        read_report(f"Name (Original Name),User Email,Duration (Minutes)\n{rows}".encode())
    assert many.value.params == {"limit": MAX_REPORT_ROWS}


def test_garbage_never_raises_anything_but_a_report_error() -> None:
    chooser = random.Random(14)
    header = sample("zoom-participantes-en.csv")
    for _ in range(300):
        size = chooser.randint(0, 400)
        data = bytes(chooser.randint(0, 255) for _ in range(size))
        if chooser.random() < 0.5:  # a real header followed by noise
            data = header[: chooser.randint(0, len(header))] + data
        with contextlib.suppress(ReportError):
            read_report(data)


def test_people_without_name_or_email_are_skipped_and_long_cells_cut() -> None:
    long = "A" * 500
    data = f"First name,Last name,Email,Duration\n,,,10 min\n{long},B,x@y,20 min\n".encode()
    (only,) = read_report(data).participants
    assert len(only.name) == 200 and only.email is None and only.minutes == 20
