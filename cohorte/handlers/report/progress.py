"""3. Progress: deliverables per team and status, RDC progress, completions by week and the
spells of blocked items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.pictures import LIGHT_GREY
from cohorte.handlers.dashboard.chart import STATUS_COLOURS
from cohorte.handlers.dashboard.summary import rdc_progress, status_counts
from cohorte.handlers.report.document import (
    Heading,
    Lines,
    ReportDocument,
    StackedBars,
    Table,
    Text,
)
from cohorte.handlers.report.numbers import TEAM_COLOURS, days_text, mask_emails, percent
from cohorte.handlers.status.board import Board
from cohorte.handlers.status.rules import STATUS_ORDER, blocked_spells, completed_at, local_today
from cohorte.handlers.status.wording import RDC_CRITERIA, rdc_tags, status_label
from cohorte.locales import Translator
from cohorte.scheduling.recurrence import sprint_week
from cohorte.storage.deliverables import Deliverable
from cohorte.storage.models import Team
from cohorte.storage.status import Status, StatusUpdate, status_history


async def progress_section(
    t: Translator, document: ReportDocument, session: AsyncSession, board: Board
) -> None:
    document.add(Heading(t._("3. Progress")))
    if not board.deliverables or not board.teams:
        document.add(Text(t._("The cohort has no deliverables yet."), note=True))
        return
    cohort = board.cohort
    history = await status_history(session, cohort.id or 0)
    done_at = completed_at(history)
    zone = cohort.home_zone

    def week_of(instant: datetime) -> int | None:
        return sprint_week(cohort.start_date, cohort.weeks, local_today(instant, zone))

    _progress_per_team(t, document, board)
    _rdc_table(t, document, board)
    _deliverables_by_team(t, document, board, done_at, week_of)
    _completions_by_week(t, document, board, done_at, week_of)
    _blocked_items(t, document, board, history)


def _deliverables_by_team(
    t: Translator,
    document: ReportDocument,
    board: Board,
    done_at: dict[tuple[int, int], datetime],
    week_of: Callable[[datetime], int | None],
) -> None:
    """The deliverables (code, title, criteria, due), then each one's status per team: the
    teams as columns, or as rows when they outnumber the deliverables (columns stay wide
    enough for a word)."""
    zone = board.cohort.home_zone
    document.add(Heading(t._("Deliverables by team"), 2))
    rows: list[tuple[str, ...]] = []
    for deliverable in board.deliverables:
        due = ""
        if deliverable.due_week is not None:
            due = t._("wk {n}", n=deliverable.due_week)
        elif deliverable.due_date is not None:
            due = t.short_date(deliverable.due_date)
        title = deliverable.title
        if deliverable.optional:
            title += f" ({t._('optional')})"
        rows.append((deliverable.code, title, " ".join(rdc_tags(deliverable)) or "—", due or "—"))
    document.add(
        Table(
            (t._("Code"), t._("Deliverable"), t._("RDC criteria"), t._("Due")),
            tuple(rows),
            (0.18, 0.52, 0.16, 0.14),
        )
    )

    def status_text(team: Team, deliverable: Deliverable) -> str:
        cell = board.cell(team, deliverable)
        if cell is None:
            return "—"
        text = status_label(t, cell.status)
        when = done_at.get((deliverable.id or 0, team.id or 0))
        if cell.status is Status.DONE and when is not None:
            week = week_of(when)
            text += " · " + (
                t._("wk {n}", n=week) if week else t.short_date(local_today(when, zone))
            )
        elif cell.overdue:
            text += " · " + t._("overdue")
        return text

    teams, deliverables = board.teams, board.deliverables
    if len(teams) <= len(deliverables):
        header = (t._("Deliverable"), *(team.name for team in teams))
        matrix = tuple((d.code, *(status_text(team, d) for team in teams)) for d in deliverables)
        columns = len(teams)
    else:
        header = (t._("Team"), *(d.code for d in deliverables))
        matrix = tuple((team.name, *(status_text(team, d) for d in deliverables)) for team in teams)
        columns = len(deliverables)
    share = 0.82 / columns
    document.add(Table(header, matrix, (0.18, *([share] * columns)), compact=True))
    document.add(
        Text(
            t._(
                "“wk N”: the sprint week it was completed in (or is due in); "
                "“overdue”: its due day has passed and it is not done."
            ),
            note=True,
        )
    )


def _progress_per_team(t: Translator, document: ReportDocument, board: Board) -> None:
    document.add(Heading(t._("Status per team"), 2))
    rows = []
    counts_per_team = []
    for team in board.teams:
        cells = board.team_cells(team)
        counts = status_counts(cells)
        counts_per_team.append(counts)
        overdue = sum(1 for cell in cells if cell.overdue)
        rows.append(
            (
                team.name,
                str(len(cells)),
                *(str(counts[status]) for status in reversed(STATUS_ORDER)),
                str(overdue),
            )
        )
    header = (
        t._("Team"),
        t._("Assigned"),
        *(status_label(t, status).capitalize() for status in reversed(STATUS_ORDER)),
        t._("Overdue"),
    )
    document.add(
        Table(
            header,
            tuple(rows),
            (0.26, 0.12, 0.13, 0.13, 0.12, 0.12, 0.12),
            numeric=frozenset({1, 2, 3, 4, 5, 6}),
        )
    )
    document.add(
        StackedBars(
            title=t._("Deliverables per team and status"),
            labels=tuple(team.name for team in board.teams),
            segments=tuple(
                (
                    status_label(t, status),
                    STATUS_COLOURS[status][0] if status is not Status.NOT_STARTED else LIGHT_GREY,
                    tuple(counts[status] for counts in counts_per_team),
                )
                for status in reversed(STATUS_ORDER)
            ),
            axis_label=t._("deliverables"),
        )
    )


def _rdc_table(t: Translator, document: ReportDocument, board: Board) -> None:
    document.add(Heading(t._("Progress per RDC criterion"), 2))
    rows: list[tuple[str, ...]] = []
    for progress in rdc_progress(board):
        name = f"{progress.tag} ({t._(RDC_CRITERIA[progress.tag])})"
        if not progress.rows:
            rows.append((name, t._("no deliverable tagged"), "—", "—"))
            continue
        for deliverable, done, total in progress.rows:
            share = percent(done, total)
            rows.append(
                (name, deliverable.title, f"{done} / {total}", f"{share} %" if share else "0 %")
            )
            name = ""
        share = percent(progress.done, progress.total)
        rows.append(
            (
                "",
                t._("All of {tag}", tag=progress.tag),
                f"{progress.done} / {progress.total}",
                f"{share} %" if share is not None else "—",
            )
        )
    document.add(
        Table(
            (t._("Criterion"), t._("Deliverable"), t._("Teams done"), t._("Share")),
            tuple(rows),
            (0.3, 0.36, 0.2, 0.14),
            numeric=frozenset({2, 3}),
        )
    )


def _completions_by_week(
    t: Translator,
    document: ReportDocument,
    board: Board,
    done_at: dict[tuple[int, int], datetime],
    week_of: Callable[[datetime], int | None],
) -> None:
    cohort = board.cohort
    last_week = board.week or (cohort.weeks if board.today > cohort.start_date else 0)
    if last_week < 1:
        return
    weeks = list(range(1, last_week + 1))
    per_team: list[list[int]] = []
    for team in board.teams:
        counts = [0] * len(weeks)
        for (_, team_id), when in done_at.items():
            week = week_of(when)
            if team_id == team.id and week is not None and week <= last_week:
                counts[week - 1] += 1
        per_team.append(counts)
    document.add(Heading(t._("Deliverables completed per week"), 2))
    header = (t._("Team"), *(t._("wk {n}", n=week) for week in weeks), t._("Total"))
    rows = tuple(
        (team.name, *(str(n) if n else "·" for n in counts), str(sum(counts)))
        for team, counts in zip(board.teams, per_team, strict=True)
    )
    name_share = 0.22
    share = (1 - name_share - 0.08) / len(weeks)
    document.add(
        Table(
            header,
            rows,
            (name_share, *([share] * len(weeks)), 0.08),
            numeric=frozenset(range(1, len(weeks) + 2)),
        )
    )
    series = []
    for index, (team, counts) in enumerate(zip(board.teams, per_team, strict=True)):
        running, total = [], 0
        for n in counts:
            total += n
            running.append(total)
        series.append((team.name, TEAM_COLOURS[index % len(TEAM_COLOURS)], tuple(running)))
    document.add(
        Lines(
            title=t._("Deliverables completed so far, per team and sprint week"),
            x_labels=tuple(t._("wk {n}", n=week) for week in weeks),
            series=tuple(series),
            axis_label=t._("deliverables completed"),
        )
    )


def _blocked_items(
    t: Translator, document: ReportDocument, board: Board, history: Sequence[StatusUpdate]
) -> None:
    spells = blocked_spells(history)
    document.add(Heading(t._("Blocked items"), 2))
    if not spells:
        document.add(Text(t._("No deliverable was ever reported blocked."), note=True))
        return
    zone = board.cohort.home_zone
    teams = {team.id: team.name for team in board.teams}
    titles = {d.id: f"{d.code} · {d.title}" for d in board.deliverables}
    rows = []
    for spell in spells:
        until = (
            t.short_date(local_today(spell.ended, zone))
            if spell.ended is not None
            else t._("still blocked")
        )
        rows.append(
            (
                teams.get(spell.team_id, "?"),
                titles.get(spell.deliverable_id, "?"),
                t.short_date(local_today(spell.started, zone)),
                until,
                days_text(t, spell.duration(board.now)),
                mask_emails(" ".join((spell.note or "").split()))[:160] or "—",
            )
        )
    document.add(
        Table(
            (
                t._("Team"),
                t._("Deliverable"),
                t._("Blocked on"),
                t._("Until"),
                t._("For"),
                t._("Reason given"),
            ),
            tuple(rows),
            (0.14, 0.22, 0.11, 0.12, 0.11, 0.3),
        )
    )
    still = sum(1 for spell in spells if spell.ended is None)
    document.add(
        Text(
            t._(
                "Times a deliverable was blocked: {n}. Still blocked: {still}.",
                n=len(spells),
                still=still,
            ),
            note=True,
        )
    )
