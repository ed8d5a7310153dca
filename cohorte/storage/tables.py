"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import calendar, models, outbox, polls, status

__all__ = ["calendar", "models", "outbox", "polls", "status"]
