"""/materiales: every material of the cohort by sprint week, with the deliverables'
templates.

A session's materials sit in the week of the session; a deliverable's (its
template address and the materials attached to it) in its due week, or at the
end when it has none. Participants see their own team's check-ins only;
coordinators also see each material's number, for `/material quitar N`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.materials import link_line, material_line
from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import Reply
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import Occurrence, ref_code, sprint_week
from cohorte.storage.deliverables import Deliverable, deliverables_of
from cohorte.storage.materials import Material, MaterialKind, materials_of
from cohorte.storage.models import Cohort

NO_WEEK = 10_000  # sorts after every sprint week


@dataclass
class _Entry:
    """One session or deliverable in the list, with its lines."""

    order: tuple[int, str]
    heading: str
    lines: list[str] = field(default_factory=list)


async def list_materials(ctx: Context, _args: str) -> list[Reply]:
    """/materiales: the materials by sprint week, the deliverables' templates with them."""
    cohort, member = ctx.require_member()
    assert cohort.id is not None
    t = ctx.t
    coordinator = ctx.is_coordinator
    everything = await materials_of(ctx.session, cohort.id)
    weeks: dict[int, list[_Entry]] = {}

    def shown(material: Material) -> str:
        line = material_line(t, material)
        return f"{line} · #{material.id}" if coordinator else line

    by_ref: dict[str, list[Material]] = {}
    by_deliverable: dict[int, list[Material]] = {}
    for material in everything:
        if material.ref is not None:
            by_ref.setdefault(material.ref, []).append(material)
        elif material.deliverable_id is not None:
            by_deliverable.setdefault(material.deliverable_id, []).append(material)
    for ref, materials in by_ref.items():
        occurrence = await find_occurrence(ctx.session, cohort, ref)
        if occurrence is None:
            continue  # its session is gone
        if (
            not coordinator
            and occurrence.kind == "checkin"
            and (occurrence.team_id != member.team_id)
        ):
            continue  # another team's check-in
        week, entry = await _session_entry(ctx, cohort, occurrence)
        entry.lines = [shown(material) for material in materials]
        weeks.setdefault(week, []).append(entry)
    for deliverable in await deliverables_of(ctx.session, cohort.id):
        attached = by_deliverable.get(deliverable.id or 0, [])
        if not attached and not deliverable.template_url:
            continue
        week = _due_week(cohort, deliverable)
        entry = _Entry(
            (1, f"{deliverable.position:06d}"),
            "• " + t._("Deliverable") + f" {bold(deliverable.title)} ({literal(deliverable.code)})",
        )
        if deliverable.template_url:
            # The template the deliverable itself names, shown as a template material.
            entry.lines.append(
                link_line(t, MaterialKind.TEMPLATE, deliverable.title, deliverable.template_url)
            )
        entry.lines += [shown(material) for material in attached]
        weeks.setdefault(week, []).append(entry)
    lines = ["📚 " + t._("Materials of *{cohort}*", cohort=cohort.name)]
    if not weeks:
        lines.append(t._("There are no materials yet."))
        if coordinator:
            lines.append(t._('Attach one with /material CODIGO URL "Título".'))
        return [Reply("\n".join(lines))]
    for week in sorted(weeks):
        lines.append("")
        lines.append(bold(t._("Week {n}", n=week)) if week != NO_WEEK else t._("*Without a week*"))
        for entry in sorted(weeks[week], key=lambda e: e.order):
            lines.append(entry.heading)
            lines += [f"   {line}" for line in entry.lines]
    if coordinator:
        lines.append("")
        lines.append(t._("To remove one: /material quitar NÚMERO."))
    return [Reply("\n".join(lines))]


async def _session_entry(
    ctx: Context, cohort: Cohort, occurrence: Occurrence
) -> tuple[int, _Entry]:
    zone = ZoneInfo(cohort.home_zone)
    week = sprint_week(
        cohort.start_date, cohort.weeks, occurrence.starts_at.astimezone(zone).date()
    )
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    day = ctx.t.date(occurrence.starts_at.astimezone(ZoneInfo(ctx.zone)).date())
    heading = f"• {bold(title)} — {day} ({ref_code(occurrence.ref)})"
    order = (0, occurrence.starts_at.isoformat())
    return week or NO_WEEK, _Entry(order, heading)


def _due_week(cohort: Cohort, deliverable: Deliverable) -> int:
    if deliverable.due_week is not None:
        return deliverable.due_week
    if deliverable.due_date is not None:
        return sprint_week(cohort.start_date, cohort.weeks, deliverable.due_date) or NO_WEEK
    return NO_WEEK
