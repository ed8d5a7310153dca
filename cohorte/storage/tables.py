"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import (
    attendance,
    attendance_imports,
    checkins,
    console,
    deliverables,
    models,
    outbox,
    polls,
    series,
    status,
)

__all__ = [
    "attendance",
    "attendance_imports",
    "checkins",
    "console",
    "deliverables",
    "models",
    "outbox",
    "polls",
    "series",
    "status",
]
