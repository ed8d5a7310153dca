"""Registration for an edition: people apply (`applying`: `/inscribirme CODIGO`, the
Telegram deep link, a form), the coordination decides with buttons (`deciding`:
places, city teams, the waiting list), reads the applications (`listing`:
`/inscripciones`, the CSV table), and applicants are told once (`deliveries`)."""

from __future__ import annotations

from cohorte.handlers.cohort.registration.applying import (
    REGISTRATION_LINK_PREFIX,
    apply,
    submit_application,
)
from cohorte.handlers.cohort.registration.deciding import (
    accept,
    decline,
    fill_free_places,
    moved_up_lines,
    waitlist,
)
from cohorte.handlers.cohort.registration.deliveries import (
    ACCEPTED,
    DECLINED,
    MOVED_UP,
    WAITLISTED,
    render_accepted,
    render_declined,
    render_moved_up,
    render_waitlisted,
)
from cohorte.handlers.cohort.registration.listing import applications_table, list_applications
from cohorte.handlers.cohort.registration.routes import ACCEPT, APPLY, DECLINE, WAITLIST
from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.locales import N_

__all__ = [
    "REGISTRATION_LINK_PREFIX",
    "applications_table",
    "fill_free_places",
    "moved_up_lines",
    "register",
    "register_capabilities",
]


def register(router: Router) -> None:
    """Registration's commands, its form and the coordination's buttons."""
    router.command(
        ("inscribirme", "apply"),
        apply,
        N_("apply to a cohort with its registration code: /inscribirme CODIGO"),
        # An applicant needs no cohort, may be in several already, or in one that ended.
        any_cohort=True,
        after_end=True,
    )
    router.command(
        ("inscripciones", "applications"),
        list_applications,
        N_("applications to the cohort: accept, decline or wait-list them"),
        coordinator_only=True,
    )
    router.button(APPLY, submit_application, after_end=True)
    router.button(ACCEPT, accept)
    router.button(DECLINE, decline)
    router.button(WAITLIST, waitlist)


def register_capabilities(capabilities: Capabilities) -> None:
    """What applicants are told of the decisions: privately, never in a group."""
    capabilities.renderer(ACCEPTED, render_accepted, private=True)
    capabilities.renderer(MOVED_UP, render_moved_up, private=True)
    capabilities.renderer(DECLINED, render_declined, private=True)
    capabilities.renderer(WAITLISTED, render_waitlisted, private=True)
