"""CSV files for spreadsheets: the one writer every export goes through.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula, and a participant's note or name can start with
any of them: each such cell is written with a leading apostrophe, which
spreadsheets show as plain text. UTF-8 with a byte-order mark, so that
spreadsheets open the accents correctly. Cells are plain text: the marks chat
text puts around people's words (`cohorte.locales.markup`) are dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cohorte.locales.markup import plain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The text of one cell, neutralised if a spreadsheet would run it as a formula."""
    text = "" if value is None else plain(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def time_cell(instant: datetime, zone: str) -> str:
    """An instant as a date-time cell in `zone` ('2025-05-06 10:00'), which spreadsheets
    sort; the column's header names the zone."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file for spreadsheets: the header, then the rows, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
