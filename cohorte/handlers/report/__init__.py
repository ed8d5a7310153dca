"""The cohort report: a PDF for funders, from the database at any moment of the sprint.

`content` says what it holds, read through the rules each capability owns: the cohort
(with `calendar`: sessions held, planned, cancelled), then `participation`, `progress`
and `feedback`, each a section, with the numbers written one way (`numbers`, also the
rule that masks e-mail addresses); `document` is that content as plain data; `charts`
draws its charts; `pdf` lays it out; `build` is `/informe`, `build_report` (also for
`cohorte report` and the end of a cohort) and the file's name; `closing` attaches the
report to a cohort's closing message.
"""

from __future__ import annotations

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.handlers.dashboard.closing import COHORT_CLOSED
from cohorte.handlers.report.build import show_report
from cohorte.handlers.report.closing import render_closing_with_report
from cohorte.locales import N_


def register(router: Router) -> None:
    """/informe."""
    router.command(
        ("informe", "cohort_report"),
        show_report,
        N_("the cohort report, a PDF for funders: participation, progress, feedback"),
        coordinator_only=True,
        after_end=True,
    )


def register_capabilities(capabilities: Capabilities) -> None:
    """The closing message of a cohort, rendered with its report attached."""
    capabilities.renderer(COHORT_CLOSED, render_closing_with_report)
