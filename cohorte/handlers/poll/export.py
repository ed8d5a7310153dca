"""The poll's answers as a CSV file: `/encuesta exportar` and `cohorte poll export`."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from cohorte.handlers.core.context import Context
from cohorte.handlers.core.messages import File, Reply
from cohorte.handlers.core.spreadsheets import csv_bytes
from cohorte.handlers.lang.dates import weekday_name
from cohorte.handlers.poll.render import CHOICE_WORDS
from cohorte.handlers.poll.view import NoPollError, latest_poll_of, load_poll
from cohorte.locales import Translator
from cohorte.storage import polls
from cohorte.storage.models import Role


async def export_poll(ctx: Context) -> list[Reply]:
    """/encuesta exportar: the latest poll as a CSV file."""
    cohort, _ = ctx.require_coordinator()
    assert cohort.id is not None
    poll = await latest_poll_of(ctx.session, cohort.id)
    if poll is None or poll.id is None:
        raise NoPollError()
    data = await poll_csv(ctx.session, poll.id, ctx.t)
    assert data is not None
    return [
        Reply(
            ctx.t._("The answers of “{title}”, one row per person and time.", title=poll.title),
            file=File(f"encuesta-{poll.id}.csv", data, "text/csv"),
        )
    ]


async def poll_csv(session: AsyncSession, poll_id: int, t: Translator) -> bytes | None:
    """The poll as CSV (UTF-8 with BOM, for spreadsheets): time, person, team, answer.

    One row per slot and member who answered it or is expected to; unanswered
    cells are empty. None when there is no such poll.
    """
    poll = await polls.poll_by_id(session, poll_id)
    if poll is None:
        return None
    view = await load_poll(session, poll, calendar=False)
    table: list[tuple[str, str, str, str]] = []
    for slot in view.slots:
        label = t._(
            "{weekday} {time} ({zone})",
            weekday=weekday_name(slot.weekday, t.language),
            time=slot.local_time.strftime("%H:%M"),
            zone=t.zone_label(poll.zone),
        )
        rows = []
        for member, person in view.members:
            choice = view.votes.get((member.id or 0, slot.id or 0))
            if choice is None and member.role != Role.PARTICIPANT:
                continue
            team = view.teams.get(member.team_id) if member.team_id is not None else None
            answer = t._(CHOICE_WORDS[choice]) if choice else ""
            rows.append((team.name if team else "", person.display_name, answer))
        table += [(label, name, team_name, answer) for team_name, name, answer in sorted(rows)]
    return csv_bytes([t._("time slot"), t._("person"), t._("team"), t._("vote")], table)
