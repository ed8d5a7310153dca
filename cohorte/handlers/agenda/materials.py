"""How a session's materials read: one line per link, in reminders, in "Te extrañamos",
in `/materiales` and in the `.ics` description.

The agenda only reads them (coordinators attach them with `/material`, in the
`materials` capability); they live in `storage.materials`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.delivery import RenderContext
from cohorte.locales import N_, Translator
from cohorte.storage import materials as stored
from cohorte.storage.materials import Material, MaterialKind

KIND_LABELS = {
    MaterialKind.RECORDING: N_("Recording"),
    MaterialKind.SLIDES: N_("Slides"),
    MaterialKind.READING: N_("Reading"),
    MaterialKind.TEMPLATE: N_("Template"),
    MaterialKind.LINK: N_("Link"),
}
KIND_ICONS = {
    MaterialKind.RECORDING: "🎥",
    MaterialKind.SLIDES: "📊",
    MaterialKind.READING: "📖",
    MaterialKind.TEMPLATE: "📄",
    MaterialKind.LINK: "🔗",
}


def kind_label(t: Translator, kind: MaterialKind) -> str:
    """'Grabación', 'Presentación', 'Lectura', 'Plantilla', 'Enlace'."""
    return t._(KIND_LABELS[kind])


def material_line(t: Translator, material: Material) -> str:
    """'🎥 Grabación: Datos abiertos en Bogotá — https://…' (title and address as typed)."""
    return link_line(t, material.kind, material.title, material.url)


def link_line(t: Translator, kind: MaterialKind, title: str, url: str) -> str:
    """A link as a material of `kind` reads (a deliverable's own template too)."""
    return f"{KIND_ICONS[kind]} " + t._(
        "{kind}: {title} — {url}", kind=kind_label(t, kind), title=title, url=url
    )


def material_lines(t: Translator, materials: Sequence[Material]) -> list[str]:
    """One `material_line` per material, in the order given."""
    return [material_line(t, material) for material in materials]


async def materials_of_session(session: AsyncSession, cohort_id: int, ref: str) -> list[Material]:
    """The materials attached to one session, in the order they were added."""
    return (await stored.materials_of_refs(session, cohort_id, [ref])).get(ref, [])


async def session_material_lines(rc: RenderContext, ref: str) -> list[str]:
    """The lines of a session's materials for the reader of a scheduled message (read once
    per batch of deliveries)."""
    cohort_id = rc.cohort.id
    assert cohort_id is not None

    async def read() -> list[Material]:
        return await materials_of_session(rc.session, cohort_id, ref)

    return material_lines(rc.t, await rc.cache.memo(("materials", cohort_id, ref), read))


def with_materials(t: Translator, text: str, lines: Sequence[str]) -> str:
    """A message's text followed by '📎 Materiales:' and one bullet per line (none: as it
    was)."""
    if not lines:
        return text
    return "\n".join([text, "📎 " + t._("Materials:"), *(f"• {line}" for line in lines)])
