"""Importing a participant report into a session's attendance, and what the coordinator is told.

The rule of presence: a member who was in the meeting at least
`MIN_PRESENT_MINUTES` minutes (their connections merged) is present, with the
source of the report (zoom / meet) and their minutes; a shorter stay is listed
and recorded as nothing (a coordinator can still mark it with /asistencia). A
coordinator's own mark of a member is never overwritten by a report. Rows
nobody could be sure of wait for a coordinator (`routes`).

The same file for the same session (its SHA-256) is imported once: a second
time changes nothing and says so; attendance rows are upserts anyway.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.imports.matching import Candidate, candidates_for
from cohorte.handlers.attendance.imports.report import Participant, read_report
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.attendance import (
    AttendanceSource,
    AttendanceStatus,
    attendance,
    set_attendance,
)
from cohorte.storage.attendance_imports import (
    AttendanceImport,
    ImportRow,
    RowOutcome,
    add_import,
    find_import,
    import_rows,
)
from cohorte.storage.cohorts import members_with_people
from cohorte.storage.models import Cohort, Role

MIN_PRESENT_MINUTES = 10


@dataclass
class ImportResult:
    """What an import did: the kept report and its rows, or that it was imported before."""

    kept: AttendanceImport
    rows: Sequence[ImportRow] = ()
    names: dict[int, str] = field(default_factory=dict)  # member id -> name
    again: bool = False  # this very file was imported for this session before

    def of(self, outcome: RowOutcome) -> list[ImportRow]:
        return [row for row in self.rows if row.outcome is outcome]


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def cohort_candidates(session: AsyncSession, cohort: Cohort) -> list[Candidate]:
    assert cohort.id is not None
    return [
        Candidate(
            member.id or 0, person.display_name, person.email, member.role is Role.COORDINATOR
        )
        for member, person in await members_with_people(session, cohort.id)
    ]


async def keep_report(
    session: AsyncSession,
    cohort: Cohort,
    data: bytes,
    filename: str,
    ref: str | None,
    by: int | None,
    now: datetime,
) -> ImportResult:
    """Read a report (`ReportError` if it is none) and keep it; with a session (`ref`),
    import it into that session's attendance at once."""
    assert cohort.id is not None
    report = read_report(data)
    digest = file_digest(data)
    if ref is not None:
        before = await find_import(session, cohort.id, ref, digest)
        if before is not None:
            return await result_of(session, cohort, before, again=True)
    rows = [(p.name, p.email, p.minutes) for p in report.participants]
    kept = await add_import(session, cohort.id, ref, report.source, digest, filename, by, now, rows)
    if ref is None:
        return ImportResult(kept)
    return await apply_import(session, cohort, kept, by, now)


async def apply_import(
    session: AsyncSession, cohort: Cohort, kept: AttendanceImport, by: int | None, now: datetime
) -> ImportResult:
    """Match the waiting rows of an import that has its session, and record attendance."""
    assert kept.ref is not None
    members = await cohort_candidates(session, cohort)
    rows = await import_rows(session, kept.id or 0)
    for row in rows:
        if row.outcome is not RowOutcome.WAITING:
            continue
        found = candidates_for(Participant(row.name, row.email, row.minutes), members)
        if len(found) == 1:
            _settle(row, found[0])
        else:
            row.outcome = RowOutcome.PENDING
            row.candidates = ",".join(str(candidate.member_id) for candidate in found)
    await session.flush()
    await record_present(session, cohort, kept, by, now)
    return await result_of(session, cohort, kept)


def _settle(row: ImportRow, member: Candidate) -> None:
    row.member_id = member.member_id
    if member.coordinator:
        row.outcome = RowOutcome.COORDINATOR
    elif row.minutes < MIN_PRESENT_MINUTES:
        row.outcome = RowOutcome.SHORT
    else:
        row.outcome = RowOutcome.MATCHED


def settle_resolved(row: ImportRow, member: Candidate) -> None:
    """A coordinator said who a pending row is."""
    _settle(row, member)


async def record_present(
    session: AsyncSession, cohort: Cohort, kept: AttendanceImport, by: int | None, now: datetime
) -> None:
    """Each matched member of the import present, with their minutes (rows of one member
    added up), unless a coordinator marked them already."""
    assert cohort.id is not None and kept.ref is not None
    minutes: dict[int, int] = defaultdict(int)
    for row in await import_rows(session, kept.id or 0):
        if row.outcome is RowOutcome.MATCHED and row.member_id is not None:
            minutes[row.member_id] += row.minutes
    marked = {
        record.member_id: record for record in await attendance(session, cohort.id, ref=kept.ref)
    }
    for member_id, total in minutes.items():
        record = marked.get(member_id)
        if record is not None and record.source is AttendanceSource.COORDINATOR:
            continue
        if (
            record is not None
            and record.status is AttendanceStatus.PRESENT
            and record.source is kept.source
            and record.minutes == total
        ):
            continue  # already so: nothing changes
        await set_attendance(
            session,
            cohort.id,
            kept.ref,
            member_id,
            AttendanceStatus.PRESENT,
            kept.source,
            now,
            minutes=total,
            recorded_by=by,
        )


async def result_of(
    session: AsyncSession, cohort: Cohort, kept: AttendanceImport, *, again: bool = False
) -> ImportResult:
    names = {c.member_id: c.name for c in await cohort_candidates(session, cohort)}
    rows = await import_rows(session, kept.id or 0)
    return ImportResult(kept, rows, names, again)


# -- what the coordinator reads ---------------------------------------------------------------


def summary(
    t: Translator, result: ImportResult, title: str, occurrence: Occurrence, zone: str
) -> str:
    """The import in a few lines: the session, who is present, what needs a coordinator."""
    session = t._("{title}, {when}", title=title, when=t.when(occurrence.starts_at, zone))
    tool = "Zoom" if result.kept.source is AttendanceSource.ZOOM else "Google Meet"
    if result.again:
        lines = [
            t._(
                "I had already imported this file for {session}: nothing changed.",
                session=session,
            )
        ]
    else:
        lines = [t._("Imported the {tool} report for {session}.", tool=tool, session=session)]
    matched = result.of(RowOutcome.MATCHED)
    if matched:
        lines.append(t.ngettext("Present: {n} person.", "Present: {n} people.", len(matched)))
        for row in matched:
            lines.append(
                "• "
                + t._(
                    "{member}: {minutes} min",
                    member=result.names.get(row.member_id or 0, row.name),
                    minutes=row.minutes,
                )
            )
    for row in result.of(RowOutcome.SHORT):
        lines.append(
            "• "
            + t._(
                "{member}: only {minutes} min, not counted as present",
                member=result.names.get(row.member_id or 0, row.name),
                minutes=row.minutes,
            )
        )
    dismissed = len(result.of(RowOutcome.DISMISSED))
    if dismissed:
        lines.append(
            t.ngettext("Not in the group: {n} person.", "Not in the group: {n} people.", dismissed)
        )
    pending = result.of(RowOutcome.PENDING)
    if pending:
        lines.append(
            t.ngettext(
                "{n} person of the report needs you: who is it?",
                "{n} people of the report need you: who is each one?",
                len(pending),
            )
        )
    return "\n".join(lines)


def pending_question(t: Translator, row: ImportRow) -> str:
    """The question of one pending row."""
    if row.email:
        return t._(
            "Who is \u201c{name}\u201d ({email}, {minutes} min) in the report?",
            name=row.name,
            email=row.email,
            minutes=row.minutes,
        )
    return t._(
        "Who is \u201c{name}\u201d ({minutes} min) in the report?",
        name=row.name,
        minutes=row.minutes,
    )
