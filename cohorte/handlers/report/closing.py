"""The closing message of a cohort (`dashboard.closing`), with the cohort report
attached: the funders' PDF as the sprint left it, to everyone who reads the message."""

from __future__ import annotations

from dataclasses import replace

from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import File, Reply
from cohorte.handlers.core.readers import reader_of
from cohorte.handlers.dashboard.closing import ClosingPayload, render_closing
from cohorte.handlers.report.build import PDF, build_report, report_filename
from cohorte.handlers.status.rules import local_today


async def render_closing_with_report(rc: RenderContext, payload: ClosingPayload) -> Reply | None:
    """The closing message, with the report as a PDF file (built once per batch: the
    same file for every chat and person it goes to)."""
    reply = await render_closing(rc, payload)
    if reply is None:
        return None
    cohort = rc.cohort
    assert cohort.id is not None
    cohort_id = cohort.id

    async def build() -> bytes:
        # The cohort as the reader: its language, its home zone for the date.
        return await build_report(rc.session, cohort_id, reader_of(cohort=cohort), rc.now)

    data = await rc.cache.memo(("report.closing", cohort_id), build)
    day = local_today(rc.now, rc.zone or cohort.home_zone)
    caption = rc.t._("Report of {cohort}, {date}", cohort=cohort.name, date=rc.t.date(day))
    return replace(reply, file=File(report_filename(cohort, rc.now), data, PDF, caption))
