"""/material: coordinators attach a link to a session or a deliverable, or remove one.

`/material CODIGO [tipo] URL "Título"` — CODIGO is a session's code (the one
/proximas shows: e12, s3/2025-05-06) or a deliverable's (mapeo). Without a kind
word the kind is inferred: a deliverable's is a template, a session's is a
recording once it has started, a link before. Before the session the material
goes out with its reminders; after its start it is sent once (`sharing`).
`/material` alone opens the form (a Slack modal, elsewhere step by step);
`/material quitar N` removes the material /materiales numbers N.
"""

from __future__ import annotations

from dataclasses import dataclass

from cohorte.handlers.agenda.materials import KIND_LABELS, material_line
from cohorte.handlers.agenda.occurrences import find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.core.buttons import ButtonRoute, NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import FieldKind, Form, FormField, Reply
from cohorte.handlers.lang.text import fold
from cohorte.handlers.materials.grammar import (
    CODE_SHOWN,
    TITLE_LIMIT,
    URL_LIMIT,
    MaterialLine,
    read_material_line,
    read_title,
    read_url,
    removal_number,
)
from cohorte.handlers.materials.sharing import share_material
from cohorte.locales import N_, Translator
from cohorte.scheduling.recurrence import Occurrence, code_ref, parse_ref
from cohorte.storage import materials as stored
from cohorte.storage.deliverables import Deliverable, deliverables_of
from cohorte.storage.materials import Material, MaterialKind
from cohorte.storage.models import Cohort

MATERIAL_FORM = ButtonRoute("mtf", NoFields)  # the form's submission


class UnknownTargetError(CohortError):
    """A code that names neither a session nor a deliverable of the cohort."""

    message = N_(
        "I cannot find a session or a deliverable “{code}”. Use a session's code as "
        "/proximas shows it (e12, s3/2025-05-06) or a deliverable's ({codes})."
    )


@dataclass(frozen=True)
class Target:
    """What a material is attached to: a session, or a deliverable."""

    occurrence: Occurrence | None = None
    deliverable: Deliverable | None = None


async def material_command(ctx: Context, args: str) -> list[Reply]:
    """/material CODIGO [tipo] URL "Título" | quitar N; alone, the form."""
    cohort, _ = ctx.require_coordinator()
    if not args.strip():
        return [Reply(ctx.t._("Let's attach a material."), form=material_form(ctx.t))]
    number = removal_number(args)
    if number is not None:
        return await remove_material(ctx, cohort, number)
    return await attach_material(ctx, cohort, read_material_line(args))


def material_form(t: Translator) -> Form:
    """Code, kind (optional: inferred), address and title of a new material."""
    kinds = tuple((kind.value, t._(KIND_LABELS[kind])) for kind in MaterialKind)
    return Form(
        title=t._("New material"),
        submit=MATERIAL_FORM.payload(NoFields()),
        fields=(
            FormField(
                "code",
                t._("Code of the session or deliverable (e.g. e12, s3/2025-05-06, mapeo)?"),
                max_length=60,
            ),
            FormField(
                "kind",
                t._("What is it? (optional: recording after the session, else link)"),
                FieldKind.CHOICE,
                kinds,
                required=False,
            ),
            FormField("url", t._("Address (https://…)?"), max_length=URL_LIMIT),
            FormField("title", t._("Title?"), max_length=TITLE_LIMIT),
        ),
    )


async def submit_material_form(ctx: Context, _fields: NoFields) -> list[Reply]:
    """The form, answered: the material is attached as /material would."""
    cohort, _ = ctx.require_coordinator()
    values = ctx.incoming.form_values or {}
    kind = None
    if values.get("kind"):
        try:
            kind = MaterialKind(values["kind"])
        except ValueError:
            kind = None
    line = MaterialLine(
        values.get("code", "").strip(),
        read_url(values.get("url", "")),
        read_title(values.get("title", "")),
        kind,
    )
    return await attach_material(ctx, cohort, line)


async def find_target(ctx: Context, cohort: Cohort, code: str) -> Target:
    """The session (by its code) or the deliverable (by its code) `code` names."""
    assert cohort.id is not None
    ref = code_ref(code)
    try:
        parse_ref(ref)
    except ValueError:
        pass
    else:
        occurrence = await find_occurrence(ctx.session, cohort, ref)
        if occurrence is not None:
            return Target(occurrence=occurrence)
    deliverables = await deliverables_of(ctx.session, cohort.id)
    for deliverable in deliverables:
        if deliverable.code == fold(code):
            return Target(deliverable=deliverable)
    raise UnknownTargetError(
        code=code[:CODE_SHOWN], codes=", ".join(d.code for d in deliverables) or "—"
    )


async def target_name(ctx: Context, target: Target) -> str:
    """'Masterclass: Datos abiertos', 'Entregable: Mapeo de procesos'."""
    if target.occurrence is not None:
        return await occurrence_title(ctx.session, ctx.t, target.occurrence)
    assert target.deliverable is not None
    return ctx.t._("Deliverable: {title}", title=target.deliverable.title)


def inferred_kind(ctx: Context, target: Target) -> MaterialKind:
    """A deliverable's: a template; a session's: a recording once it started, else a link."""
    if target.occurrence is None:
        return MaterialKind.TEMPLATE
    started = target.occurrence.starts_at <= ctx.clock.now()
    return MaterialKind.RECORDING if started else MaterialKind.LINK


async def attach_material(ctx: Context, cohort: Cohort, line: MaterialLine) -> list[Reply]:
    """Attach the material; after the session's start, send it once to its audience."""
    assert cohort.id is not None
    if not line.code:
        raise UnknownTargetError(code="", codes="—")
    target = await find_target(ctx, cohort, line.code)
    name = await target_name(ctx, target)
    occurrence = target.occurrence
    if occurrence is not None and occurrence.cancelled:
        raise CohortError(N_("{title} was cancelled: it takes no materials."), title=name)
    ref = occurrence.ref if occurrence is not None else None
    deliverable_id = target.deliverable.id if target.deliverable is not None else None
    same = await stored.same_material(
        ctx.session, cohort.id, ref=ref, deliverable_id=deliverable_id, url=line.url
    )
    if same is not None:
        raise CohortError(
            N_("That address is already attached to {target}: “{title}” (no. {number})."),
            target=name,
            title=same.title,
            number=same.id,
        )
    material = await stored.add_material(
        ctx.session,
        Material(
            cohort_id=cohort.id,
            ref=ref,
            deliverable_id=deliverable_id,
            kind=line.kind or inferred_kind(ctx, target),
            url=line.url,
            title=line.title,
            added_by=ctx.person.id if ctx.person is not None else None,
            added_at=ctx.clock.now(),
        ),
    )
    t = ctx.t
    lines = [
        "📎 " + t._("Attached to {target} (no. {number}):", target=name, number=material.id),
        material_line(t, material),
    ]
    if occurrence is None:
        lines.append(t._("Teams find it with /materiales."))
    elif occurrence.starts_at <= ctx.clock.now():
        await share_material(ctx, cohort, occurrence, material)
        lines.append(t._("The session has started: I am sending it to the cohort now."))
    else:
        lines.append(t._("It goes out with the session's reminders, and in /materiales."))
    return [Reply("\n".join(lines))]


async def remove_material(ctx: Context, cohort: Cohort, number: int) -> list[Reply]:
    """/material quitar N: the material numbered N is removed (and not sent, if its news
    has not left yet)."""
    material = await stored.material_by_id(ctx.session, number)
    if material is None or material.cohort_id != cohort.id:
        raise CohortError(
            N_("There is no material number {number}. /materiales shows their numbers."),
            number=number,
        )
    await stored.delete_material(ctx.session, material)
    return [
        Reply(
            "🗑️ "
            + ctx.t._(
                "Removed material no. {number}: “{title}”.", number=number, title=material.title
            )
        )
    ]
