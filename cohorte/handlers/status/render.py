"""The scheduled messages of deliverable status, rendered at send time from the database.

Each returns None when there is nothing to say any more (the check-in moved or
was cancelled, the member already answered, the team reported meanwhile).
"""

from __future__ import annotations

from cohorte.handlers.agenda.occurrences import occurrence_for
from cohorte.handlers.core.delivery import RenderContext
from cohorte.handlers.core.messages import Button, Reply
from cohorte.handlers.lang.text import first_name
from cohorte.handlers.status.board import load_board
from cohorte.handlers.status.deliveries import ChangePayload, CheckinPayload, TeamPeriodPayload
from cohorte.handlers.status.planning import nudge_items, silent_since
from cohorte.handlers.status.routes import OPEN_CHECKIN, REPORT, OfCheckin, OfCohort
from cohorte.handlers.status.rules import checkin_questions, row_id
from cohorte.handlers.status.wording import cell_line, note_and_link, status_label, status_tag
from cohorte.locales.markup import bold, literal
from cohorte.scheduling.recurrence import Occurrence
from cohorte.storage.checkins import answers_by_member, has_answered
from cohorte.storage.cohorts import member_names, members_with_people, teams_of
from cohorte.storage.models import Team
from cohorte.storage.status import Status, change_of


async def _team(rc: RenderContext, team_id: int) -> Team | None:
    """The cohort's team `team_id`, from the batch's cache when it holds it."""
    team = rc.cache.teams.get(team_id)
    if team is None:
        teams = await teams_of(rc.session, row_id(rc.cohort.id))
        team = next((found for found in teams if found.id == team_id), None)
    return team if team is not None and team.cohort_id == rc.cohort.id else None


async def render_change(rc: RenderContext, payload: ChangePayload) -> Reply | None:
    """To the rest of the team: who changed what."""
    change = await change_of(rc.session, payload.update)
    if change is None:
        return None
    update, deliverable, team = change
    t = rc.t
    names = await member_names(rc.session, row_id(rc.cohort.id))
    who = names.get(update.member_id or 0, t._("Someone"))
    previous = update.previous or Status.NOT_STARTED
    if previous == update.status:
        text = t._(
            "{name} added a note to *{title}* ({team}), still {status}.",
            name=who,
            title=deliverable.title,
            team=team.name,
            status=status_tag(t, update.status),
        )
    else:
        text = t._(
            "{name} updated *{title}* ({team}): {old} → {new}.",
            name=who,
            title=deliverable.title,
            team=team.name,
            old=status_label(t, previous),
            new=status_tag(t, update.status),
        )
    text += note_and_link(t, update)
    return Reply(text)


async def _still_planned(
    rc: RenderContext, checkin: CheckinPayload
) -> tuple[Occurrence, Team] | None:
    """The check-in of this message, if it still happens when it was planned."""
    occurrence = await occurrence_for(rc)
    if occurrence is None or occurrence.cancelled or occurrence.team_id is None:
        return None
    if occurrence.starts_at != checkin.start:
        return None
    team = await _team(rc, occurrence.team_id)
    return (occurrence, team) if team is not None else None


async def render_checkin_prompt(rc: RenderContext, checkin: CheckinPayload) -> Reply | None:
    """To each team member, two days before: a button that opens the questions."""
    found = await _still_planned(rc, checkin)
    if found is None or rc.member is None or rc.person is None:
        return None
    occurrence, team = found
    if rc.member.team_id != team.id:
        return None
    if await has_answered(rc.session, occurrence.ref, row_id(rc.member.id)):
        return None
    t = rc.t
    questions = checkin_questions(rc.cohort, t)
    text = t._(
        "Hi, {name}! The check-in session of your team ({team}) is on {when}.",
        name=first_name(rc.person.display_name),
        team=team.name,
        when=t.when(occurrence.starts_at, rc.zone or team.zone),
    )
    text += "\n" + t.ngettext(
        "Before it, tell us how it is going in {n} question; the coordination team reads the "
        "answers before the session.",
        "Before it, tell us how it is going in {n} questions; the coordination team reads the "
        "answers before the session.",
        len(questions),
    )
    text += "\n" + "\n".join(f"• {literal(question)}" for question in questions)
    payload = OPEN_CHECKIN.payload(OfCheckin.of(occurrence.ref))
    return Reply(text, ((Button("✍️ " + t._("Answer now"), payload),),))


async def render_checkin_digest(rc: RenderContext, checkin: CheckinPayload) -> Reply | None:
    """To each coordinator, two hours before: the team's answers and open items."""
    found = await _still_planned(rc, checkin)
    if found is None:
        return None
    occurrence, team = found
    t = rc.t
    cohort_id = row_id(rc.cohort.id)
    answers = await answers_by_member(rc.session, cohort_id, occurrence.ref)
    members = [
        (member, person)
        for member, person in await members_with_people(rc.session, cohort_id)
        if member.team_id == team.id
    ]
    lines = [
        t._(
            "*Check-in with the {team} team* — {when}",
            team=team.name,
            when=t.when(occurrence.starts_at, rc.zone or rc.cohort.home_zone),
        ),
        # The count that agrees with the noun and the verb is who answered: "1 of 4".
        t.ngettext(
            "{n} member out of {total} answered the questions.",
            "{n} members out of {total} answered the questions.",
            len(answers),
            total=len(members),
        )
        if answers
        else t._("Nobody answered the questions."),
    ]
    for member, person in members:
        given = answers.get(row_id(member.id))
        if given is None:
            continue
        lines += ["", bold(person.display_name)]
        lines += [
            f"• {literal(question)}\n  {literal(answer)}" for question, answer in given.items()
        ]
    missing = [p.display_name for m, p in members if row_id(m.id) not in answers]
    if missing:
        lines += ["", t._("Did not answer: {names}", names=", ".join(missing))]
    board = await load_board(rc.session, rc.cohort, rc.now, team_id=team.id)
    open_cells = [
        cell
        for cell in board.team_cells(team)
        if cell.overdue or cell.status in (Status.BLOCKED, Status.IN_PROGRESS)
    ]
    if open_cells:
        lines += ["", t._("Deliverables to go over:")]
        lines += [cell_line(t, cell, rc.cohort) for cell in open_cells]
    return Reply("\n".join(lines))


async def render_nudge(rc: RenderContext, payload: TeamPeriodPayload) -> Reply | None:
    """To each member of a quiet team: what is due soon, and a button to report."""
    team = await _team(rc, payload.team)
    if team is None or rc.person is None:
        return None
    board = await load_board(rc.session, rc.cohort, rc.now, team_id=team.id)
    since, period = silent_since(board, team)
    if period != payload.period:
        return None  # the team reported meanwhile
    items = nudge_items(board, team)
    if not items:
        return None
    t = rc.t
    days = max(0, (rc.now - since).days)
    if period:
        text = t.ngettext(
            "Hi, {name}! Your team ({team}) has not updated its deliverables for {n} day, "
            "and this is due soon:",
            "Hi, {name}! Your team ({team}) has not updated its deliverables for {n} days, "
            "and this is due soon:",
            days,
            name=first_name(rc.person.display_name),
            team=team.name,
        )
    else:
        text = t._(
            "Hi, {name}! Your team ({team}) has not reported on its deliverables yet, "
            "and this is due soon:",
            name=first_name(rc.person.display_name),
            team=team.name,
        )
    lines = [text] + [cell_line(t, cell, rc.cohort, with_update=False) for cell in items]
    lines.append(t._("How is it going? Tell us with /reportar: it takes a minute."))
    return Reply(
        "\n".join(lines),
        ((Button(t._("Report progress"), REPORT.payload(OfCohort(rc.cohort.id or 0))),),),
    )
