"""4. Feedback: answers and averages per session, and the comments the coordination team
chose."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.attendance.board import session_title
from cohorte.handlers.attendance.matrix import AttendanceMatrix
from cohorte.handlers.core.pictures import OKABE_ITO
from cohorte.handlers.feedback.opinions import average_text, feedback_by_session
from cohorte.handlers.report.calendar import Calendar
from cohorte.handlers.report.document import Bars, Heading, Quote, ReportDocument, Table, Text
from cohorte.handlers.report.numbers import mask_emails
from cohorte.handlers.status.rules import local_today
from cohorte.locales import Translator
from cohorte.storage.models import Cohort

HIGHLIGHTS_SHOWN = 12


async def feedback_section(
    t: Translator,
    document: ReportDocument,
    session: AsyncSession,
    cohort: Cohort,
    matrix: AttendanceMatrix,
    calendar: Calendar,
) -> None:
    document.add(Heading(t._("4. Feedback")))
    # Grouped, ordered and averaged as /opiniones does: the report says what the chat says.
    sessions = await feedback_by_session(session, cohort)
    if not sessions:
        document.add(Text(t._("No session feedback has been collected yet."), note=True))
        return
    answers = [answer for item in sessions for answer in item.answers]
    known = {o.ref: o for o in calendar.occurrences}
    zone = cohort.home_zone
    ordered = [item.ref for item in sessions]
    titles: dict[str, str] = {}
    rows = []
    averages: list[float] = []
    for item in sessions:
        ref = item.ref
        found = known.get(ref)
        titles[ref] = session_title(t, matrix, found) if found else ref
        averages.append(item.average)
        day = t.short_date(local_today(found.starts_at, zone)) if found else "—"
        rows.append((day, titles[ref], str(len(item.answers)), average_text(t, item.average)))
    everything = [answer.score for answer in answers]
    rows.append(
        (
            "",
            t._("All sessions"),
            str(len(everything)),
            average_text(t, sum(everything) / len(everything)),
        )
    )
    document.add(
        Text(t._("Answers to “How useful was it? 1 to 5” after the sessions that asked for it."))
    )
    document.add(
        Table(
            (t._("Date"), t._("Session"), t._("Answers"), t._("Average (1–5)")),
            tuple(rows),
            (0.12, 0.56, 0.14, 0.18),
            numeric=frozenset({2, 3}),
            total=True,
        )
    )
    document.add(
        Bars(
            title=t._("Average usefulness per session (1 to 5)"),
            labels=tuple(titles[ref] for ref in ordered),
            values=tuple(averages),
            value_labels=tuple(average_text(t, average) for average in averages),
            maximum=5,
            colour=OKABE_ITO["bluish_green"],
            axis_label=t._("average score"),
        )
    )
    chosen = [a for a in answers if a.highlighted and a.comment and a.comment.strip()]
    document.add(Heading(t._("Comments chosen by the coordination team"), 2))
    if not chosen:
        document.add(Text(t._("The coordination team has not chosen any comment yet."), note=True))
        return
    for answer in chosen[:HIGHLIGHTS_SHOWN]:
        document.add(
            Quote(
                mask_emails(" ".join((answer.comment or "").split())),
                t._(
                    "{session} · score {score} of 5",
                    session=titles.get(answer.ref, answer.ref),
                    score=answer.score,
                ),
            )
        )
