"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import checkins, deliverables, models, outbox, polls, series, status

__all__ = ["checkins", "deliverables", "models", "outbox", "polls", "series", "status"]
