"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import (
    admins,
    applications,
    attendance,
    attendance_imports,
    checkins,
    console,
    deliverables,
    feedback,
    materials,
    models,
    outbox,
    polls,
    series,
    status,
)

__all__ = [
    "admins",
    "applications",
    "attendance",
    "attendance_imports",
    "checkins",
    "console",
    "deliverables",
    "feedback",
    "materials",
    "models",
    "outbox",
    "polls",
    "series",
    "status",
]
