"""Materials: the links coordinators attach to sessions and deliverables — recordings,
slides, readings, templates.

`/material` (coordinators) attaches or removes one; `/materiales` lists them by sprint
week. How a material reads, and the reminders, "Te extrañamos" and the `.ics` that
show them, belong to the agenda (`agenda.materials`); this package holds what
coordinators type (`grammar`), the use cases and the form (`commands`), the list
(`listing`) and the news of a material added after its session started (`sharing`).
"""

from __future__ import annotations

from cohorte.handlers.core.delivery import Capabilities
from cohorte.handlers.core.router import Router
from cohorte.handlers.materials.commands import (
    MATERIAL_FORM,
    material_command,
    submit_material_form,
)
from cohorte.handlers.materials.listing import list_materials
from cohorte.handlers.materials.sharing import MATERIAL_ADDED, render_material
from cohorte.locales import N_


def register(router: Router) -> None:
    """/material and /materiales, and the form's submission."""
    router.command(
        ("materiales", "materials"),
        list_materials,
        N_("the sprint's materials by week: recordings, slides, templates"),
        after_end=True,
    )
    router.command(
        ("material",),
        material_command,
        N_('attach a link to a session or deliverable: /material e12 URL "Título" (quitar N)'),
        coordinator_only=True,
    )
    router.button(MATERIAL_FORM, submit_material_form)


def register_capabilities(capabilities: Capabilities) -> None:
    """The news of a material added after its session started."""
    capabilities.renderer(MATERIAL_ADDED, render_material)
