"""The CSV writer's cells: formulas neutralised, date-times in the cohort's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from cohorte.handlers.core.spreadsheets import csv_bytes, time_cell


def test_a_time_cell_is_the_wall_clock_of_its_zone_on_both_sides_of_a_clock_change() -> None:
    # Santiago goes from -03 to -04 on 6 April 2025: the same 10:00 is another UTC hour.
    assert time_cell(datetime(2025, 4, 1, 13, 0, tzinfo=UTC), "America/Santiago") == (
        "2025-04-01 10:00"
    )
    assert time_cell(datetime(2025, 4, 8, 14, 0, tzinfo=UTC), "America/Santiago") == (
        "2025-04-08 10:00"
    )


def test_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    data = csv_bytes(["Comentario"], [["=1+1"], ["@SUM(A1)"], ["bien"]])
    assert data.decode("utf-8-sig").splitlines() == ["Comentario", "'=1+1", "'@SUM(A1)", "bien"]
