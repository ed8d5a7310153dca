"""`/entregable`: coordinators list, add, show, assign, date and delete deliverables."""

from __future__ import annotations

from collections.abc import Sequence

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.text import fold
from cohorte.handlers.status.board import load_board
from cohorte.handlers.status.deliverable_grammar import (
    SUBCOMMANDS,
    USAGE,
    UsageError,
    match_teams,
    parse_due,
    parse_new_deliverable,
)
from cohorte.handlers.status.grammar import code_from_title, match_deliverables
from cohorte.handlers.status.routes import CONFIRM_DELETE, OfDeliverable
from cohorte.handlers.status.rules import local_today, row_id
from cohorte.handlers.status.wording import (
    OVERDUE_ICON,
    RDC_CRITERIA,
    due_text,
    rdc_tags,
    short_date,
    shorten,
    status_tag,
)
from cohorte.locales import N_, Translator
from cohorte.locales.markup import bold, literal
from cohorte.storage.cohorts import teams_of
from cohorte.storage.deliverables import (
    Deliverable,
    add_deliverable,
    assigned_teams,
    delete_deliverable,
    deliverable_by_id,
    deliverables_of,
    set_assignment,
)
from cohorte.storage.models import Cohort, Team
from cohorte.storage.status import status_history


async def manage_deliverables(ctx: Context, args: str) -> list[Reply]:
    """/entregable [lista|nuevo|ver|asignar|fecha|borrar] …"""
    cohort, _ = ctx.require_coordinator()
    head, _, rest = args.strip().partition(" ")
    action = SUBCOMMANDS.get(fold(head), "list" if not head else "")
    rest = rest.strip()
    if action == "list":
        return [await _list_deliverables(ctx, cohort)]
    if action == "new":
        return [await _new_deliverable(ctx, cohort, rest)]
    if action == "help":
        return [Reply(ctx.t._(USAGE))]
    if not action:
        raise UsageError()
    target, _, rest = rest.partition(" ")
    if not target:
        raise UsageError()
    deliverable = await _one_deliverable(ctx, cohort, target)
    if action == "show":
        return [await _show_deliverable(ctx, cohort, deliverable)]
    if action == "assign":
        return [await _assign(ctx, cohort, deliverable, rest.strip())]
    if action == "due":
        return [await _set_due(ctx, cohort, deliverable, rest.strip())]
    return [await _ask_delete(ctx, cohort, deliverable)]


async def _one_deliverable(ctx: Context, cohort: Cohort, query: str) -> Deliverable:
    everything = list(await deliverables_of(ctx.session, row_id(cohort.id)))
    found = match_deliverables(query, everything)
    if not found:
        raise CohortError(
            N_("There is no deliverable “{query}”. The codes: {codes}."),
            query=shorten(query, 40),
            codes=", ".join(d.code for d in everything) or "—",
        )
    if len(found) > 1:
        raise CohortError(
            N_("“{query}” could be several deliverables: {codes}. Write its code."),
            query=shorten(query, 40),
            codes=", ".join(d.code for d in found),
        )
    return found[0]


def _teams_text(
    t: Translator, deliverable: Deliverable, teams: Sequence[Team], assigned: set[int]
) -> str:
    if deliverable.all_teams:
        return t._("all teams")
    names = [team.name for team in teams if team.id in assigned]
    return ", ".join(names) or t._("no team")


async def _list_deliverables(ctx: Context, cohort: Cohort) -> Reply:
    t = ctx.t
    cohort_id = row_id(cohort.id)
    everything = await deliverables_of(ctx.session, cohort_id)
    if not everything:
        return Reply(t._("There are no deliverables yet.") + "\n\n" + t._(USAGE))
    teams = await teams_of(ctx.session, cohort_id)
    assignments = await assigned_teams(ctx.session, cohort_id)
    lines = [t.ngettext("{n} deliverable:", "{n} deliverables:", len(everything))]
    for d in everything:
        parts = [f"{bold(d.code)} — {literal(d.title)}", *rdc_tags(d)]
        if d.optional:
            parts.append(t._("optional"))
        due = due_text(t, d, cohort)
        if due:
            parts.append(t._("due {when}", when=due))
        parts.append(_teams_text(t, d, teams, assignments.get(row_id(d.id), set())))
        lines.append("• " + " · ".join(parts))
    lines += ["", t._("Details: /entregable ver CODE. Every command: /entregable ayuda")]
    return Reply("\n".join(lines))


async def _new_deliverable(ctx: Context, cohort: Cohort, text: str) -> Reply:
    cohort_id = row_id(cohort.id)
    teams = await teams_of(ctx.session, cohort_id)
    today = local_today(ctx.clock.now(), cohort.home_zone)
    draft = parse_new_deliverable(text, cohort, teams, today)
    existing = await deliverables_of(ctx.session, cohort_id)
    taken = {d.code for d in existing}
    if draft.code and draft.code in taken:
        raise CohortError(
            N_("There is already a deliverable with the code {code}."), code=draft.code
        )
    deliverable = await add_deliverable(
        ctx.session,
        Deliverable(
            cohort_id=cohort_id,
            code=draft.code or code_from_title(draft.title, taken),
            title=draft.title,
            description=draft.description,
            template_url=draft.template_url,
            rdc7=draft.rdc7,
            rdc8=draft.rdc8,
            optional=draft.optional,
            due_week=draft.due_week,
            due_date=draft.due_date,
            all_teams=draft.teams is None,
            position=max((d.position for d in existing), default=0) + 1,
            created_at=ctx.clock.now(),
        ),
    )
    if draft.teams is not None:
        await set_assignment(ctx.session, deliverable, [row_id(team.id) for team in draft.teams])
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: new deliverable.") + "\n" + reply.text)


async def _show_deliverable(ctx: Context, cohort: Cohort, deliverable: Deliverable) -> Reply:
    t = ctx.t
    board = await load_board(ctx.session, cohort, ctx.clock.now())
    assignments = await assigned_teams(ctx.session, row_id(cohort.id))
    lines = [t._("*{title}* (code: {code})", title=deliverable.title, code=deliverable.code)]
    tags = rdc_tags(deliverable)
    if tags:
        lines.append(" · ".join(f"{tag} ({t._(RDC_CRITERIA[tag])})" for tag in tags))
    if deliverable.optional:
        lines.append(t._("Optional"))
    due = due_text(t, deliverable, cohort)
    lines.append(t._("Due {when}", when=due) if due else t._("No due date"))
    lines.append(
        t._(
            "For: {teams}",
            teams=_teams_text(
                t, deliverable, board.teams, assignments.get(row_id(deliverable.id), set())
            ),
        )
    )
    if deliverable.description:
        lines.append(deliverable.description)
    if deliverable.template_url:
        lines.append(t._("Template: {url}", url=deliverable.template_url))
    cells = board.deliverable_cells(deliverable)
    if cells:
        lines.append("")
        for cell in cells:
            line = f"{literal(cell.team.name)}: {status_tag(t, cell.status)}"
            if cell.overdue:
                line += f" {OVERDUE_ICON} " + t._("overdue")
            if cell.update is not None:
                line += " · " + short_date(t, local_today(cell.update.created_at, cohort.home_zone))
            lines.append("• " + line)
    return Reply("\n".join(lines))


async def _assign(ctx: Context, cohort: Cohort, deliverable: Deliverable, text: str) -> Reply:
    if not text:
        raise UsageError()
    if fold(text) in ("todos", "todas", "all"):
        await set_assignment(ctx.session, deliverable, None)
    else:
        teams = await teams_of(ctx.session, row_id(cohort.id))
        chosen = match_teams(text, teams)
        await set_assignment(ctx.session, deliverable, [row_id(team.id) for team in chosen])
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: assignment updated.") + "\n" + reply.text)


async def _set_due(ctx: Context, cohort: Cohort, deliverable: Deliverable, text: str) -> Reply:
    if not text:
        raise UsageError()
    if fold(text) in ("ninguna", "ninguno", "sin fecha", "none"):
        deliverable.due_week, deliverable.due_date = None, None
    else:
        today = local_today(ctx.clock.now(), cohort.home_zone)
        deliverable.due_week, deliverable.due_date = parse_due(text, cohort, today)
    reply = await _show_deliverable(ctx, cohort, deliverable)
    return Reply(ctx.t._("Done: due date updated.") + "\n" + reply.text)


async def _ask_delete(ctx: Context, cohort: Cohort, deliverable: Deliverable) -> Reply:
    t = ctx.t
    count = len(await status_history(ctx.session, row_id(cohort.id), deliverable_id=deliverable.id))
    text = t._("Delete *{title}*?", title=deliverable.title)
    if count:
        text += " " + t.ngettext(
            "Its history ({n} update) is deleted with it.",
            "Its history ({n} updates) is deleted with it.",
            count,
        )
    payload = CONFIRM_DELETE.payload(OfDeliverable(row_id(deliverable.id)))
    return Reply(text, ((Button("🗑 " + t._("Yes, delete it"), payload),),))


async def confirm_delete(ctx: Context, press: OfDeliverable) -> list[Reply]:
    """Delete button (coordinators)."""
    cohort, _ = ctx.require_coordinator()
    deliverable = await deliverable_by_id(ctx.session, press.deliverable)
    if deliverable is None or deliverable.cohort_id != cohort.id:
        raise StaleButtonError()
    title = deliverable.title
    await delete_deliverable(ctx.session, deliverable)
    return [Reply(ctx.t._("Done: I deleted the deliverable {title}.", title=title))]
