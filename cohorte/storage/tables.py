"""Imports every table module, so that metadata (migrations, tests) sees them all."""

from cohorte.storage import models, outbox, polls, series, status

__all__ = ["models", "outbox", "polls", "series", "status"]
