"""Reporting a deliverable's status: `/reportar`, its buttons and forms, and the history row.

A member of a city team reports with buttons (`/reportar`), a form
(`/reportar formulario`) or one line (`/reportar mapeo en curso "nota"`). Every
change is one history row; the rest of the team hears about it. A change
without a note waits a little for one: the next message is its note.

Reporting is personal. Started in a group chat, it goes on in the reporter's
private chat where the bot may write there; where it may not (a Telegram
user who never wrote to the bot), no buttons are shown in the group, only
what a one-line report changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.buttons import NoFields
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.delivery import announce
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import Button, Direct, Reply, button_rows
from cohorte.handlers.core.platforms import reaches_account_privately
from cohorte.handlers.lang.text import fold
from cohorte.handlers.status.access import (
    not_the_teams,
    not_yours,
    own_change,
    own_deliverable,
    require_team,
    team_deliverables,
)
from cohorte.handlers.status.deliveries import STATUS_CHANGED, ChangePayload
from cohorte.handlers.status.forms import note_form, report_form
from cohorte.handlers.status.grammar import (
    ReportLine,
    clean_link,
    match_deliverables,
    parse_report_line,
    split_link,
)
from cohorte.handlers.status.routes import (
    ASK_NOTE,
    PICK_DELIVERABLE,
    PICK_STATUS,
    REPORT,
    RESOLVE_DRAFT,
    DraftChoice,
    OfCohort,
    OfDeliverable,
    OfUpdate,
    StatusChoice,
)
from cohorte.handlers.status.rules import (
    STATUS_ORDER,
    StatusCode,
    clean_note,
    row_id,
)
from cohorte.handlers.status.wording import (
    BUTTON_TITLE_CHARS,
    STATUS_ICONS,
    change_text,
    due_text,
    long_note_text,
    shorten,
    status_label,
    status_tag,
)
from cohorte.locales import N_, Translator
from cohorte.locales.markup import bold
from cohorte.storage import cohorts
from cohorte.storage.deliverables import Deliverable, deliverables_of
from cohorte.storage.models import Cohort, Member, Team
from cohorte.storage.status import (
    Status,
    StatusDraft,
    StatusUpdate,
    add_draft,
    add_update,
    current_update,
    current_updates,
    delete_draft,
    draft_by_id,
)
from cohorte.storage.types import parse_id

# --- the history row --------------------------------------------------------------------


class SameStatusError(CohortError):
    """The status did not change and there is no note: nothing new to record."""

    message = N_("“{title}” is already {status}. To add news, write a note as well.")

    def __init__(self, title: str, status: Status) -> None:
        super().__init__(title=title)
        self.status = status

    def render(self, t: Translator) -> str:
        return t._(self.message, title=self.params["title"], status=status_label(t, self.status))


async def record_status(
    session: AsyncSession,
    deliverable: Deliverable,
    team: Team,
    member: Member | None,
    status: Status | None,
    now: datetime,
    *,
    note: str | None = None,
    link: str | None = None,
) -> StatusUpdate:
    """Add one history row: the team's deliverable moves to `status` (None: stays).

    Any status may follow any other (a done deliverable can be reopened). The
    same status again is only recorded with a note or a link: it is news.
    Raises `SameStatusError` otherwise.
    """
    member_id = member.id if member is not None else None
    update = await add_update(
        session, deliverable, row_id(team.id), member_id, status, now, note=note, link=link
    )
    if update is None:  # the same status, and no note: only now is the current one read
        current = await current_update(session, row_id(deliverable.id), row_id(team.id))
        raise SameStatusError(deliverable.title, current.status if current else Status.NOT_STARTED)
    return update


# --- where the report goes on --------------------------------------------------------------


class Where(Enum):
    """Where a report's answers go."""

    HERE = "here"  # asked in a private chat: answered there
    PRIVATE = "private"  # asked in a group; the bot may write to the reporter privately
    GROUP = "group"  # asked in a group, and it may not: no buttons, only outcomes


class PrivateChatNeededError(CohortError):
    """Buttons asked for in a group, by someone the bot cannot write to privately."""

    message = N_(
        "For the buttons, write /reportar to me in a private chat (I cannot write to you "
        "first). Here, in one line: /reportar mapeo en curso “note”"
    )


async def _where(ctx: Context) -> Where:
    if not ctx.in_group:
        return Where.HERE
    incoming = ctx.incoming
    if await reaches_account_privately(
        ctx.session, ctx.platforms, incoming.platform, incoming.sender_id
    ):
        return Where.PRIVATE
    return Where.GROUP


def _answer(ctx: Context, where: Where, replies: list[Reply]) -> list[Reply]:
    """The replies where they belong: a report started in a group goes on privately."""
    if where is not Where.PRIVATE:
        return replies
    to = Direct(ctx.incoming.platform, ctx.incoming.sender_id)
    said = Reply(ctx.t._("I am answering you privately."), ephemeral=True)
    return [said, *(replace(reply, to=to) for reply in replies)]


# --- the command ------------------------------------------------------------------------


async def report(ctx: Context, args: str) -> list[Reply]:
    """/reportar [entregable estado "nota"]: buttons, a form, or one line."""
    cohort, member, team = require_team(ctx)
    mine = await team_deliverables(ctx.session, cohort, team)
    if not mine:
        raise CohortError(
            N_("The {team} team has no deliverables yet. The coordination team adds them."),
            team=team.name,
        )
    text = args.strip()
    where = await _where(ctx)
    if not text:
        if where is Where.GROUP:
            raise PrivateChatNeededError()
        return _answer(ctx, where, [await _deliverable_buttons(ctx, cohort, team, mine)])
    if fold(text) in ("formulario", "form"):
        if where is Where.GROUP:
            raise PrivateChatNeededError()
        # The core shows a form privately itself: a modal, or questions in the private chat.
        return [Reply("", form=report_form(ctx.t, team, mine))]
    line = parse_report_line(text)
    if not line.query:
        raise CohortError(
            N_(
                "Which deliverable? Write its code or name before the status, for example: "
                "/reportar mapeo en curso"
            )
        )
    found = await _find_for_team(ctx, cohort, team, mine, line.query)
    if len(found) > 1:
        if where is Where.GROUP:
            raise CohortError(
                N_("“{query}” could be several deliverables: {codes}. Write its code."),
                query=shorten(line.query, 60),
                codes=", ".join(d.code for d in found),
            )
        return _answer(ctx, where, [await _ask_which(ctx, cohort, member, found, line)])
    deliverable = found[0]
    if line.status is None and not line.note and not line.link:
        return await _status_step(ctx, where, deliverable, team)
    return await _record_and_confirm(
        ctx, where, cohort, member, team, deliverable, line.status, line.note, line.link
    )


async def _find_for_team(
    ctx: Context, cohort: Cohort, team: Team, mine: list[Deliverable], query: str
) -> list[Deliverable]:
    """The team's deliverables that match; errors for unknown and other teams' ones."""
    everything = await deliverables_of(ctx.session, row_id(cohort.id))
    others = match_deliverables(query, everything)
    found = [d for d in others if d in mine] or match_deliverables(query, mine)
    if found:
        return found
    if others:
        raise not_the_teams(others[0], team)
    raise CohortError(
        N_("I could not find the deliverable “{query}”. Your team's deliverables: {codes}."),
        query=shorten(query, 60),
        codes=", ".join(d.code for d in mine),
    )


async def _deliverable_buttons(
    ctx: Context, cohort: Cohort, team: Team, mine: list[Deliverable]
) -> Reply:
    updates = await current_updates(ctx.session, row_id(cohort.id))
    buttons = []
    for deliverable in mine:
        update = updates.get((row_id(deliverable.id), row_id(team.id)))
        status = update.status if update is not None else Status.NOT_STARTED
        label = f"{STATUS_ICONS[status]} {shorten(deliverable.title, BUTTON_TITLE_CHARS)}"
        payload = PICK_DELIVERABLE.payload(OfDeliverable(row_id(deliverable.id)))
        buttons.append(Button(label, payload))
    text = ctx.t._(
        "Which deliverable of the {team} team do you want to update? "
        "(Tip: /reportar mapeo en curso “note” does it in one line.)",
        team=team.name,
    )
    return Reply(text, button_rows(buttons, per_row=1))


async def _status_step(
    ctx: Context, where: Where, deliverable: Deliverable, team: Team
) -> list[Reply]:
    """The deliverable's status buttons, for the reporter only."""
    if where is Where.GROUP:
        raise PrivateChatNeededError()
    return _answer(ctx, where, [await _status_buttons(ctx, deliverable, team)])


async def _status_buttons(ctx: Context, deliverable: Deliverable, team: Team) -> Reply:
    t = ctx.t
    current = await current_update(ctx.session, row_id(deliverable.id), row_id(team.id))
    status = current.status if current is not None else Status.NOT_STARTED
    lines = [bold(deliverable.title), t._("Now: {status}", status=status_tag(t, status))]
    if ctx.cohort is not None:
        due = due_text(t, deliverable, ctx.cohort)
        if due:
            lines.append(t._("Due {when}", when=due))
    if deliverable.template_url:
        lines.append(t._("Template: {url}", url=deliverable.template_url))
    lines.append(t._("How is it going?"))
    buttons = [
        Button(
            status_tag(t, option),
            PICK_STATUS.payload(StatusChoice(row_id(deliverable.id), StatusCode.of(option))),
        )
        for option in STATUS_ORDER
    ]
    return Reply("\n".join(lines), button_rows(buttons))


async def _ask_which(
    ctx: Context, cohort: Cohort, member: Member, found: list[Deliverable], line: ReportLine
) -> Reply:
    """Several deliverables match: keep the report as a draft and ask with buttons."""
    note, _ = clean_note(line.note)
    link, note = clean_link(line.link, note)
    note, _ = clean_note(note)
    draft = await add_draft(
        ctx.session,
        StatusDraft(
            cohort_id=row_id(cohort.id),
            member_id=row_id(member.id),
            status=line.status,
            note=note,
            link=link,
            created_at=ctx.clock.now(),
        ),
    )
    buttons = [
        Button(
            shorten(d.title, BUTTON_TITLE_CHARS),
            RESOLVE_DRAFT.payload(DraftChoice(row_id(draft.id), row_id(d.id))),
        )
        for d in found
    ]
    return Reply(
        ctx.t._("“{query}” could be several deliverables. Which one?", query=line.query),
        button_rows(buttons, per_row=1),
    )


async def _record_and_confirm(
    ctx: Context,
    where: Where,
    cohort: Cohort,
    member: Member,
    team: Team,
    deliverable: Deliverable,
    status: Status | None,
    note: str | None,
    link: str | None,
) -> list[Reply]:
    """Record the change; the reporter sees it, with a way to add a note, and the rest of
    the team hears about it. In a group where the reporter cannot be written to
    privately, only the outcome: no buttons, no waiting for a note typed there."""
    t = ctx.t
    note, cut_from = clean_note(note)
    link, note = clean_link(link, note)
    if cut_from is None:
        note, cut_from = clean_note(note)
    update = await record_status(
        ctx.session, deliverable, team, member, status, ctx.clock.now(), note=note, link=link
    )
    lines = [change_text(t, deliverable, team, update)]
    if cut_from is not None:
        lines.append(long_note_text(t, cut_from))
    buttons = []
    offer = None
    if update.status is Status.BLOCKED and not update.note:
        lines.append(t._("What is blocking you? Add a note so the coordination team can help."))
    if where is Where.GROUP:
        if not update.note:
            lines.append(t._("To add a note: /reportar {code} “your note”", code=deliverable.code))
    else:
        if not update.note:
            offer = note_form(t, deliverable, row_id(update.id), offer=True)
            payload = ASK_NOTE.payload(OfUpdate(row_id(update.id)))
            buttons.append(Button("📝 " + t._("Add a note"), payload))
        buttons.append(
            Button(t._("Another deliverable"), REPORT.payload(OfCohort(row_id(cohort.id))))
        )
    teammates = await cohorts.teammates(ctx.session, row_id(team.id), besides=row_id(member.id))
    if teammates:
        await announce(
            ctx,
            STATUS_CHANGED,
            f"u{update.id}",
            payload=ChangePayload(row_id(update.id)),
            people=teammates,
            to_chats=False,
        )
    return _answer(ctx, where, [Reply("\n".join(lines), button_rows(buttons), form=offer)])


# --- the buttons and forms --------------------------------------------------------------


async def report_again(ctx: Context, _press: OfCohort | NoFields) -> list[Reply]:
    """The “Report progress” and “Another deliverable” buttons: the deliverable buttons."""
    return await report(ctx, "")


async def pick_deliverable(ctx: Context, press: OfDeliverable) -> list[Reply]:
    """Deliverable button: its status buttons (privately, when pressed in a group)."""
    _, _, team, deliverable = await own_deliverable(ctx, press.deliverable)
    return await _status_step(ctx, await _where(ctx), deliverable, team)


async def pick_status(ctx: Context, press: StatusChoice) -> list[Reply]:
    """Status button: the status is recorded; a note can follow.

    Its payload names nobody, so in a group chat it cannot tell whose it was:
    there it records nothing and offers the presser their own buttons instead.
    """
    cohort, member, team, deliverable = await own_deliverable(ctx, press.deliverable)
    where = await _where(ctx)
    if where is not Where.HERE:
        return await _status_step(ctx, where, deliverable, team)
    return await _record_and_confirm(
        ctx, where, cohort, member, team, deliverable, press.code.status, None, None
    )


async def resolve_draft(ctx: Context, press: DraftChoice) -> list[Reply]:
    """Which-one button after an ambiguous one-line report: its author's draft is recorded."""
    cohort, member, _ = require_team(ctx)
    draft = await draft_by_id(ctx.session, press.draft)
    if draft is None or draft.cohort_id != cohort.id:
        raise StaleButtonError()
    if draft.member_id != member.id:
        raise await not_yours(ctx.session, cohort, draft.member_id)
    cohort, member, team, deliverable = await own_deliverable(ctx, press.deliverable)
    await delete_draft(ctx.session, draft)
    where = await _where(ctx)
    if draft.status is None and not draft.note and not draft.link:
        return await _status_step(ctx, where, deliverable, team)
    return await _record_and_confirm(
        ctx, where, cohort, member, team, deliverable, draft.status, draft.note, draft.link
    )


async def ask_note(ctx: Context, press: OfUpdate) -> list[Reply]:
    """Add-a-note button (its change's author only): a one-question form."""
    _, _, _, change = await own_change(ctx, press.update)
    if await _where(ctx) is Where.GROUP:  # the answer, typed in the group, may never reach us
        raise CohortError(
            N_("To add a note: /reportar {code} “your note”"), code=change.deliverable.code
        )
    return [Reply("", form=note_form(ctx.t, change.deliverable, row_id(change.update.id)))]


def _note_values(values: dict[str, str]) -> tuple[str | None, str | None]:
    """(note, link) of a note form's answers: the link is in the note's text, or in a
    field of its own (forms shown before the link moved into the note)."""
    if "link" in values:
        return values.get("note"), values.get("link")
    note, link = split_link(values.get("note"))
    return note, link


async def submit_note(ctx: Context, press: OfUpdate) -> list[Reply]:
    """The note form came back: it completes that update, or becomes a new one."""
    cohort, member, team, change = await own_change(ctx, press.update)
    update, deliverable = change.update, change.deliverable
    given_note, given_link = _note_values(ctx.incoming.form_values or {})
    note, cut_from = clean_note(given_note)
    link, note = clean_link(given_link, note)
    latest = await current_update(ctx.session, row_id(deliverable.id), row_id(team.id))
    if (
        latest is not None
        and latest.id == update.id
        and update.member_id == member.id
        and not update.note
        and not update.link
        and (note or link)
    ):
        # The author completes the change they just made: one history row, not two.
        update.note, update.link = note, link
        lines = [change_text(ctx.t, deliverable, team, update)]
        if cut_from is not None:
            lines.append(long_note_text(ctx.t, cut_from))
        return _answer(ctx, await _where(ctx), [Reply("\n".join(lines))])
    return await _record_and_confirm(
        ctx, await _where(ctx), cohort, member, team, deliverable, None, given_note, given_link
    )


async def submit_report_form(ctx: Context, _press: NoFields) -> list[Reply]:
    """The report form came back (Slack modal or guided questions)."""
    values = ctx.incoming.form_values or {}
    code = StatusCode(values.get("status", ""))  # ValueError: a stale or forged form
    cohort, member, team, deliverable = await own_deliverable(
        ctx, parse_id(values.get("deliverable", ""))
    )
    note, link = _note_values(values)
    return await _record_and_confirm(
        ctx, await _where(ctx), cohort, member, team, deliverable, code.status, note, link
    )
