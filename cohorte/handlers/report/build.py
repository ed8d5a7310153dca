"""/informe (coordinators) and `cohorte report`: the cohort report as a PDF file.

`build_report` is the one way to get the bytes (the end of a cohort attaches them to
its closing message too): the database is read in the caller's session, then the
charts and the layout, CPU-bound, run in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.errors import CohortError
from cohorte.handlers.core.messages import File, Reply
from cohorte.handlers.core.readers import Reader, reader_of
from cohorte.handlers.report.content import report_document
from cohorte.handlers.report.pdf import render_report_pdf
from cohorte.handlers.status.rules import local_today
from cohorte.locales import N_
from cohorte.storage.cohorts import cohort_by_id
from cohorte.storage.models import Cohort

PDF = "application/pdf"


class NoSuchCohortError(CohortError):
    message = N_("There is no cohort with id {cohort_id}.")


async def build_report(
    session: AsyncSession, cohort_id: int, reader: Reader, now: datetime
) -> bytes:
    """The PDF report of cohort `cohort_id` as it stands at `now`, in the cohort's
    language, its generation date on `reader`'s clock. Raises `NoSuchCohortError`."""
    cohort = await cohort_by_id(session, cohort_id)
    if cohort is None:
        raise NoSuchCohortError(cohort_id=cohort_id)
    document = await report_document(session, cohort, reader, now)
    return await asyncio.to_thread(render_report_pdf, document)


def report_filename(cohort: Cohort, now: datetime) -> str:
    """'informe-3-2025-05-01.pdf' (the day in the cohort's home zone; Spanish, like the
    command)."""
    return f"informe-{cohort.id}-{local_today(now, cohort.home_zone).isoformat()}.pdf"


async def show_report(ctx: Context, _args: str) -> list[Reply]:
    """/informe (coordinators): the cohort report, a PDF to send to a funder as it is."""
    cohort, member = ctx.require_coordinator()
    if ctx.in_group:  # each team's attendance and blocked items: not for the whole group
        raise CohortError(N_("I send the report privately: write me /informe there."))
    now = ctx.clock.now()
    reader = reader_of(ctx.person, member, ctx.team, cohort, platform_zone=ctx.incoming.sender_zone)
    document = await report_document(ctx.session, cohort, reader, now)
    name = report_filename(cohort, now)
    t = ctx.t

    async def laid_out() -> list[Reply]:  # after the commit: no write turn held meanwhile
        data = await asyncio.to_thread(render_report_pdf, document)
        caption = t._(
            "Report of {cohort}, {date}",
            cohort=cohort.name,
            date=t.date(local_today(now, reader.zone)),
        )
        return [Reply(caption, file=File(name, data, PDF, caption))]

    return ctx.after_commit(laid_out)
