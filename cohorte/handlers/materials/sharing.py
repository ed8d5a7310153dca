"""A material attached after its session started: sent once to whom the session's
reminders go (the cohort's group chats and the members who want private reminders; a
check-in, its team), rendered at send time. The session's absentees read it in their
"Te extrañamos", which lists the materials at send time; those whose "Te extrañamos"
already left get this news privately too.

One outbox row per destination, keyed by the session and the address (`materials.added:
<ref>:<digest>:c<chat>`), so adding the same link twice, or a planner running again,
sends nothing more. A material removed before its row leaves is not sent; attached
again (its title corrected), the rows that never left are planned anew for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from cohorte.handlers.agenda.materials import material_line
from cohorte.handlers.agenda.occurrences import occurrence_named
from cohorte.handlers.agenda.reminders import audiences_of
from cohorte.handlers.agenda.renderers import occurrence_title, week_label
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import RenderContext, announce
from cohorte.handlers.core.delivery_kinds import DeliveryKind, DeliveryType, Payload
from cohorte.handlers.core.messages import Reply
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.attendance import absent_people
from cohorte.storage.materials import Material, material_by_id
from cohorte.storage.models import Cohort
from cohorte.storage.outbox import forget_unsent, people_reached

KEEPS_FOR = timedelta(days=2)  # news of a material not sent by then is not worth sending


@dataclass(frozen=True)
class MaterialPayload(Payload):
    """The material (its id) to tell about."""

    material: int


MATERIAL_ADDED = DeliveryType(DeliveryKind.MATERIAL_ADDED, MaterialPayload)


def share_key(occurrence: Occurrence, url: str) -> str:
    """The occasion of one link of one session: its reference and a digest of the address."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return f"{occurrence.ref}:{digest}"


async def share_material(
    ctx: Context, cohort: Cohort, occurrence: Occurrence, material: Material
) -> int:
    """Queue the news of `material` for the session's audience; how many rows are new."""
    assert cohort.id is not None and material.id is not None
    audience = (await audiences_of(ctx.session, [cohort.id]))[cohort.id]
    chats, people = audience.of_occurrence(occurrence)
    # Absentees already told "Te extrañamos" (without this material): told now.
    reached = await people_reached(ctx.session, DeliveryKind.SESSION_MISSED, occurrence.ref)
    absent = [person for _, person in await absent_people(ctx.session, [occurrence.ref])]
    people = people + [p for p in dict.fromkeys(absent) if p in reached and p not in people]
    key = share_key(occurrence, material.url)
    # Only a removed material had this link here: what never left of its news goes.
    await forget_unsent(ctx.session, f"{MATERIAL_ADDED.kind}:{key}:")
    return await announce(
        ctx,
        MATERIAL_ADDED,
        key,
        payload=MaterialPayload(material.id),
        ref=occurrence.ref,
        people=people,
        to_chats=bool(chats),
        expires_at=ctx.clock.now() + KEEPS_FOR,
    )


async def render_material(rc: RenderContext, payload: MaterialPayload) -> Reply | None:
    """'📎 Nuevo material de *Masterclass: Datos abiertos* (martes, 6 de mayo) · Semana 3'
    and the link; nothing if it was removed or the session cancelled since."""
    material = await material_by_id(rc.session, payload.material)
    if material is None or material.cohort_id != rc.cohort.id or material.ref is None:
        return None
    occurrence = await occurrence_named(rc, material.ref)
    if occurrence is None or occurrence.cancelled:
        return None
    t = rc.t
    zone = rc.zone or rc.cohort.home_zone
    day = t.date(occurrence.starts_at.astimezone(ZoneInfo(zone)).date())
    title = await occurrence_title(rc.session, t, occurrence)
    week = week_label(t, rc.cohort, occurrence)
    headline = "📎 " + t._("New material from *{title}* ({day})", title=title, day=day)
    if week:
        headline += f" · {week}"
    return Reply("\n".join([headline, material_line(t, material)]))
