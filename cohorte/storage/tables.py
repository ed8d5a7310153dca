"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import calendar, models, polls, status

__all__ = ["calendar", "models", "polls", "status"]
