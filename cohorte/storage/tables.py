"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import (
    attendance,
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
    "checkins",
    "console",
    "deliverables",
    "models",
    "outbox",
    "polls",
    "series",
    "status",
]
