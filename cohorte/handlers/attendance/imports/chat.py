"""A participant report sent in chat, `/importar`, and the buttons that settle what it left open.

A coordinator sends the CSV to the bot in a private chat, with the session's
code as caption (`s3/2025-05-06`, `e12`, as /proximas shows them) or without
one, and is then asked which of the latest sessions it is. Rows nobody could
be sure of come back one by one with buttons: one per member it may be (or,
when nobody fits, the participants not yet present), and "No es del grupo".
Each press is one conditional update, so two coordinators pressing at once
settle a row once; what is pending survives restarts (it is in the database)
and `/importar` lists it again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from cohorte.handlers.agenda.occurrences import cohort_occurrences, find_occurrence
from cohorte.handlers.agenda.renderers import occurrence_title
from cohorte.handlers.attendance.imports.importing import (
    ImportResult,
    apply_import,
    cohort_candidates,
    keep_report,
    pending_question,
    record_present,
    result_of,
    settle_resolved,
    summary,
)
from cohorte.handlers.attendance.imports.matching import MAX_CANDIDATES, Candidate
from cohorte.handlers.attendance.imports.report import MAX_REPORT_BYTES
from cohorte.handlers.core.buttons import ButtonRoute, of_row
from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError, StaleButtonError
from cohorte.handlers.core.messages import AttachmentMissing, Button, Reply, button_rows
from cohorte.locales import N_
from cohorte.scheduling.recurrence import Occurrence, code_ref, parse_ref, ref_code
from cohorte.storage.attendance import attendance
from cohorte.storage.attendance_imports import (
    AttendanceImport,
    ImportRow,
    RowOutcome,
    choose_session,
    delete_import,
    find_import,
    import_by_id,
    pending_rows,
    resolve_row,
    row_by_id,
)
from cohorte.storage.models import Cohort
from cohorte.storage.types import parse_id

# Sessions offered for a report sent without a code: the latest ones that started.
RECENT_SESSIONS = 4
RECENT_DAYS = 21
BUSY = N_("Many people are pressing buttons right now. Press it again in a few seconds.")


class SessionChoice(NamedTuple):
    kept: int  # the import waiting for its session
    code: str  # the session's code ("s3/2025-05-06": a button field has no colon)


class RowChoice(NamedTuple):
    row: int
    member: int


class RowOnly(NamedTuple):
    row: int


SESSION = ButtonRoute("ais", SessionChoice, busy=BUSY, cohort=of_row("import", "kept"))
PICK = ButtonRoute("aip", RowChoice, busy=BUSY, cohort=of_row("import_row", "row"))
NOT_OURS = ButtonRoute("aix", RowOnly, busy=BUSY, cohort=of_row("import_row", "row"))


# -- a file arrives -----------------------------------------------------------------------------


async def receive_report(ctx: Context, caption: str) -> list[Reply]:
    """A file sent to the bot: a coordinator's participant report is imported (or they are
    asked which session it is); anybody else, or any other file, is told why not."""
    cohort, _ = ctx.require_coordinator()
    attachment = ctx.incoming.attachment
    assert attachment is not None
    if ctx.in_group:
        raise CohortError(N_("Send me the report in a private chat, not in the group."))
    if attachment.missing is AttachmentMissing.TOO_LARGE:
        raise CohortError(
            N_("The file is too big. I read reports of up to {limit} kB."),
            limit=MAX_REPORT_BYTES // 1024,
        )
    if attachment.missing is AttachmentMissing.NOT_READABLE:
        raise CohortError(
            N_(
                "I only read participant reports saved as CSV (.csv), and {name} is not one. "
                "In Zoom: Reports > Usage > Participants > Export; in Meet: the attendance "
                "report, File > Download > CSV."
            ),
            name=attachment.name[:80],
        )
    if attachment.data is None:
        raise CohortError(N_("I could not download the file. Please send it again."))
    occurrence = await _session_in(ctx, cohort, caption)
    person = ctx.person.id if ctx.person is not None else None
    now = ctx.clock.now()
    ref = occurrence.ref if occurrence is not None else None
    result = await keep_report(
        ctx.session, cohort, attachment.data, attachment.name, ref, person, now
    )
    if occurrence is not None:
        return await _answer(ctx, cohort, result, occurrence)
    return await _ask_session(ctx, cohort, result.kept)


async def _session_in(ctx: Context, cohort: Cohort, caption: str) -> Occurrence | None:
    """The session a caption names ('/importar s3/2025-05-06', 'e12'); None if it names none."""
    words = [word for word in caption.split() if not word.startswith("/")]
    for word in words:
        ref = code_ref(word)
        try:
            parse_ref(ref)
        except ValueError:
            continue
        occurrence = await find_occurrence(ctx.session, cohort, ref)
        if occurrence is None:
            raise CohortError(
                N_("There is no session with the code {code}. See the codes with /proximas."),
                code=word[:40],
            )
        return occurrence
    if words:
        raise CohortError(
            N_(
                "Write the session's code with the file, for example s3/2025-05-06 or e12 "
                "(see the codes with /proximas), or send the file alone and choose the session."
            )
        )
    return None


async def _ask_session(ctx: Context, cohort: Cohort, kept: AttendanceImport) -> list[Reply]:
    now = ctx.clock.now()
    recent = await cohort_occurrences(ctx.session, cohort, now - timedelta(days=RECENT_DAYS), now)
    recent = [occurrence for occurrence in recent if occurrence.starts_at <= now]
    latest = list(reversed(recent))[:RECENT_SESSIONS]
    if not latest:
        raise CohortError(
            N_(
                "No session started in the last three weeks. Send the file again with the "
                "session's code (see the codes with /proximas)."
            )
        )
    t = ctx.t
    buttons = []
    for occurrence in latest:
        title = await occurrence_title(ctx.session, t, occurrence)
        day = occurrence.starts_at.astimezone(t.zoneinfo(ctx.zone)).date()
        label = t._("{title}, {date}", title=title, date=t.date(day))
        buttons.append(
            Button(label, SESSION.payload(SessionChoice(kept.id or 0, ref_code(occurrence.ref))))
        )
    return [Reply(t._("Which session is this report from?"), button_rows(buttons, per_row=1))]


async def press_session(ctx: Context, choice: SessionChoice) -> list[Reply]:
    """A session chosen for a report sent without its code: the report is imported."""
    cohort, _ = ctx.require_coordinator()
    kept = await import_by_id(ctx.session, choice.kept)
    if kept is None or kept.cohort_id != cohort.id:
        raise StaleButtonError()
    occurrence = await find_occurrence(ctx.session, cohort, code_ref(choice.code))
    if occurrence is None:
        raise StaleButtonError()
    if kept.ref is not None:
        if kept.ref != occurrence.ref:
            raise CohortError(N_("That report was already imported for another session."))
        result = await result_of(ctx.session, cohort, kept, again=True)
        return await _answer(ctx, cohort, result, occurrence)
    before = await find_import(ctx.session, cohort.id or 0, occurrence.ref, kept.sha256)
    if before is not None:
        await delete_import(ctx.session, kept.id or 0)
        result = await result_of(ctx.session, cohort, before, again=True)
        return await _answer(ctx, cohort, result, occurrence)
    if not await choose_session(ctx.session, kept.id or 0, occurrence.ref):
        raise StaleButtonError()
    kept.ref = occurrence.ref
    person = ctx.person.id if ctx.person is not None else None
    result = await apply_import(ctx.session, cohort, kept, person, ctx.clock.now())
    return await _answer(ctx, cohort, result, occurrence)


async def _answer(
    ctx: Context, cohort: Cohort, result: ImportResult, occurrence: Occurrence
) -> list[Reply]:
    title = await occurrence_title(ctx.session, ctx.t, occurrence)
    replies = [Reply(summary(ctx.t, result, title, occurrence, ctx.zone))]
    return replies + await _next_question(ctx, cohort)


async def _next_question(ctx: Context, cohort: Cohort) -> list[Reply]:
    """The oldest row still waiting for a coordinator, asked with its buttons (one at a
    time: each answer brings the next), or nothing."""
    waiting = await pending_rows(ctx.session, cohort.id or 0)
    if not waiting:
        return []
    row, kept = waiting[0]
    return [await _question(ctx, cohort, row, kept)]


async def _question(ctx: Context, cohort: Cohort, row: ImportRow, kept: AttendanceImport) -> Reply:
    """One pending row with a button per member it may be, and "not in the group"."""
    members = await cohort_candidates(ctx.session, cohort)
    by_id = {member.member_id: member for member in members}
    ids = [parse_id(part) for part in row.candidates.split(",") if part]
    choices = [by_id[i] for i in ids if i in by_id]
    if not choices:
        present = {r.member_id for r in await attendance(ctx.session, cohort.id or 0, ref=kept.ref)}
        choices = [m for m in members if not m.coordinator and m.member_id not in present]
    buttons = [
        Button(member.name, PICK.payload(RowChoice(row.id or 0, member.member_id)))
        for member in choices[:MAX_CANDIDATES]
    ]
    buttons.append(Button(ctx.t._("Not in the group"), NOT_OURS.payload(RowOnly(row.id or 0))))
    return Reply(pending_question(ctx.t, row), button_rows(buttons, per_row=2))


# -- the coordinator settles a row --------------------------------------------------------------


async def _pending_row(ctx: Context, row_id: int) -> tuple[Cohort, ImportRow, AttendanceImport]:
    cohort, _ = ctx.require_coordinator()
    found = await row_by_id(ctx.session, row_id)
    if found is None or found[1].cohort_id != cohort.id or found[1].ref is None:
        raise StaleButtonError()
    return cohort, found[0], found[1]


async def press_pick(ctx: Context, choice: RowChoice) -> list[Reply]:
    """A coordinator says who a row of the report is: their attendance is recorded."""
    cohort, row, kept = await _pending_row(ctx, choice.row)
    members = {m.member_id: m for m in await cohort_candidates(ctx.session, cohort)}
    member: Candidate | None = members.get(choice.member)
    if member is None:
        raise StaleButtonError()
    by = ctx.person.id if ctx.person is not None else None
    if not await resolve_row(ctx.session, row.id or 0, RowOutcome.MATCHED, member.member_id, by):
        return [Reply(ctx.t._("That row was already settled."), ephemeral=True)]
    settle_resolved(row, member)
    await ctx.session.flush()
    await record_present(ctx.session, cohort, kept, by, ctx.clock.now())
    t = ctx.t
    if row.outcome is RowOutcome.MATCHED:
        text = t._(
            "Done: {name} is {member}, present ({minutes} min).",
            name=row.name,
            member=member.name,
            minutes=row.minutes,
        )
    elif row.outcome is RowOutcome.SHORT:
        text = t._(
            "Done: {name} is {member}; {minutes} min is too short to count as present.",
            name=row.name,
            member=member.name,
            minutes=row.minutes,
        )
    else:
        text = t._(
            "Done: {name} is {member}, of the coordination team.", name=row.name, member=member.name
        )
    return [Reply(text), *await _next_question(ctx, cohort)]


async def press_not_ours(ctx: Context, choice: RowOnly) -> list[Reply]:
    """A coordinator says a row of the report is nobody of the group."""
    cohort, row, _ = await _pending_row(ctx, choice.row)
    by = ctx.person.id if ctx.person is not None else None
    if not await resolve_row(ctx.session, row.id or 0, RowOutcome.DISMISSED, None, by):
        return [Reply(ctx.t._("That row was already settled."), ephemeral=True)]
    done = Reply(ctx.t._("Done: {name} is not in the group.", name=row.name))
    return [done, *await _next_question(ctx, cohort)]


# -- /importar ----------------------------------------------------------------------------------


async def import_command(ctx: Context, _args: str) -> list[Reply]:
    """/importar: how to import a report, and the rows still waiting for a coordinator."""
    cohort, _ = ctx.require_coordinator()
    t = ctx.t
    waiting = await pending_rows(ctx.session, cohort.id or 0)
    text = t._(
        "Send me the participant report of Zoom or Meet (a CSV file) in this private chat, "
        "with the session's code as its caption (for example s3/2025-05-06; see the codes "
        "with /proximas), or alone and I will ask which session it is."
    )
    if not waiting:
        return [Reply(text + "\n" + t._("No rows of earlier reports are waiting for you."))]
    more = t.ngettext(
        "{n} row of a report is waiting for you:",
        "{n} rows of reports are waiting for you:",
        len(waiting),
    )
    return [Reply(f"{text}\n{more}"), *await _next_question(ctx, cohort)]
