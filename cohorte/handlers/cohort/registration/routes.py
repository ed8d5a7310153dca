"""The buttons and the form of registration, each declared once (payloads < 64 bytes)."""

from __future__ import annotations

from typing import NamedTuple

from cohorte.handlers.core.buttons import ButtonRoute
from cohorte.locales import N_

DECISION_BUSY = N_(
    "We could not record that decision right now: the bot is very busy. "
    "Please press the button again in a few seconds."
)


class OfCohort(NamedTuple):
    cohort: int


class OfApplication(NamedTuple):
    application: int


# The application form's answers come back with the cohort they are for.
APPLY = ButtonRoute("rg", OfCohort)
# ✅ Aceptar · ❌ Rechazar · ⏳ Lista de espera (coordinators).
ACCEPT = ButtonRoute("rga", OfApplication, busy=DECISION_BUSY)
DECLINE = ButtonRoute("rgd", OfApplication, busy=DECISION_BUSY)
WAITLIST = ButtonRoute("rgw", OfApplication, busy=DECISION_BUSY)
