"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import (
    checkins,
    console,
    deliverables,
    models,
    outbox,
    polls,
    series,
    status,
)

__all__ = ["checkins", "console", "deliverables", "models", "outbox", "polls", "series", "status"]
